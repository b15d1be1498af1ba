// Generated from selectors/pack.json by `python extension/build.py --pack`: do not edit
// The bundled selector pack as a classic content script (and an ES module for node's
// tests), so the content script reads a page at once, without asking the service worker.
(function (root) {
  "use strict";
  const pack = {
  "format": 1,
  "version": 1,
  "released": "2026-12-06",
  "notes": "LinkedIn selectors, bundled with the extension and served by the Herald API (GET /api/v1/extension/selector-pack). Data only: CSS selectors, attribute names and regular expressions. Each rule list is tried in order; the first rule that finds something wins. Rule ids are reported in extraction health.",
  "rules": {
    "post": [
      {
        "id": "classic-update-v2",
        "dom": "classic",
        "css": "div.feed-shared-update-v2[data-urn], div.feed-shared-update-v2[data-id]"
      },
      {
        "id": "2026-main-feed",
        "dom": "2026",
        "css": "[data-testid='mainFeed'] div[role='listitem']"
      },
      {
        "id": "2026-profile-carousel",
        "dom": "2026",
        "css": "[data-view-name='feed-carousel-update'] div[role='listitem'], div[role='listitem']:has(> [data-view-name='feed-carousel-update']), div[role='listitem'] [data-view-name='feed-carousel-update']"
      },
      {
        "id": "2026-profile-activity",
        "dom": "2026",
        "css": "[componentkey$='activity_posts_pillContent'] div[role='listitem']"
      },
      {
        "id": "guest-activity-card",
        "dom": "guest",
        "css": "article.main-feed-activity-card"
      },
      {
        "id": "guest-profile-activity",
        "dom": "guest",
        "css": "section[data-section='posts'] li"
      },
      {
        "id": "classic-data-id",
        "dom": "classic",
        "css": "div[data-id^='urn:li:activity']"
      },
      {
        "id": "urn-attribute",
        "dom": "generic",
        "css": "[data-urn^='urn:li:activity'], [data-activity-urn]"
      }
    ],
    "postText": [
      {
        "id": "classic-components-text",
        "dom": "classic",
        "css": ".update-components-text",
        "notInside": "[class*='comments-comment-'], .comments-comments-list"
      },
      {
        "id": "classic-2022-shared-text",
        "dom": "classic",
        "css": ".feed-shared-text, .feed-shared-update-v2__commentary",
        "notInside": "[class*='comments-comment-']"
      },
      {
        "id": "2026-expandable-text-box",
        "dom": "2026",
        "css": "[data-testid='expandable-text-box']",
        "notInside": "[componentkey*='replaceableComment'], [componentkey^='commentBox']"
      },
      {
        "id": "2026-commentary",
        "dom": "2026",
        "css": "[componentkey^='feed-commentary'], [data-view-name='feed-commentary']",
        "notInside": "[componentkey*='replaceableComment'], [componentkey^='commentBox']"
      },
      {
        "id": "guest-commentary",
        "dom": "guest",
        "css": "[data-test-id='main-feed-activity-card__commentary']"
      },
      {
        "id": "guest-main-card-title",
        "dom": "guest",
        "css": ".base-main-card__title"
      },
      {
        "id": "classic-description",
        "dom": "classic",
        "css": ".feed-shared-update-v2__description, .feed-shared-inline-show-more-text",
        "notInside": "[class*='comments-comment-']"
      },
      {
        "id": "public-segment-list",
        "dom": "guest",
        "css": ".attributed-text-segment-list__content",
        "notInside": "[class*='comment']"
      }
    ],
    "postAuthor": [
      {
        "id": "classic-actor-title",
        "dom": "classic",
        "css": ".update-components-actor__title span[aria-hidden='true']",
        "notInside": "[class*='comments-comment-']"
      },
      {
        "id": "classic-2022-actor-name",
        "dom": "classic",
        "css": ".feed-shared-actor__name, .update-components-actor__title",
        "notInside": "[class*='comments-comment-']"
      },
      {
        "id": "2026-control-menu-label",
        "dom": "2026",
        "css": "button[aria-label]",
        "attr": "aria-label",
        "re": "^(?:Open control menu for post by|Abrir menu de controle da publicação de|Otwórz menu kontroli publikacji użytkownika|Åbn kontrolmenuen for opslag af|Åbn kontrolmenu for opslag af)\\s+(.+?)\\s*$"
      },
      {
        "id": "guest-actor-name",
        "dom": "guest",
        "css": "[data-test-id='main-feed-activity-card__entity-lockup'] a[data-tracking-control-name$='feed-actor-name'], a[data-tracking-control-name='public_post_feed-actor-name']"
      }
    ],
    "postUrn": [
      {
        "id": "self-data-urn",
        "dom": "classic",
        "css": ":scope",
        "attr": "data-urn",
        "re": "^(urn:li:activity:\\d+)"
      },
      {
        "id": "self-data-id",
        "dom": "classic",
        "css": ":scope",
        "attr": "data-id",
        "re": "^(urn:li:activity:\\d+)"
      },
      {
        "id": "self-activity-urn",
        "dom": "guest",
        "css": ":scope",
        "attr": "data-activity-urn",
        "re": "^(urn:li:activity:\\d+)"
      },
      {
        "id": "inner-data-urn",
        "dom": "classic",
        "css": "[data-urn^='urn:li:activity']",
        "attr": "data-urn",
        "re": "^(urn:li:activity:\\d+)"
      },
      {
        "id": "update-link",
        "dom": "2026",
        "css": "a[href*='/feed/update/urn:li:activity:']",
        "attr": "href",
        "re": "(urn:li:activity:\\d+)"
      }
    ],
    "postLink": [
      {
        "id": "classic-article-card",
        "dom": "classic",
        "css": "a.update-components-article__meta, .update-components-article a[href]",
        "attr": "href",
        "re": "(.+)"
      },
      {
        "id": "external-link",
        "dom": "generic",
        "css": "a[href^='http']:not([href*='linkedin.com'])",
        "attr": "href",
        "re": "(.+)"
      }
    ],
    "mentionedPerson": [
      {
        "id": "profile-link",
        "dom": "generic",
        "css": "a[href*='/in/']"
      }
    ],
    "reactionsCount": [
      {
        "id": "classic-reactions",
        "dom": "classic",
        "css": ".social-details-social-counts__reactions-count"
      },
      {
        "id": "guest-reactions",
        "dom": "guest",
        "css": "[data-test-id='social-actions__reaction-count']"
      },
      {
        "id": "2026-reactions-label",
        "dom": "2026",
        "css": "button[aria-label$=' reactions'], button[aria-label$=' reaktioner'], button[aria-label$=' reaction']",
        "attr": "aria-label",
        "re": "(\\d[\\d.,\\s]*[KkMm]?)"
      }
    ],
    "commentsCount": [
      {
        "id": "classic-comments",
        "dom": "classic",
        "css": ".social-details-social-counts__comments button"
      },
      {
        "id": "guest-comments",
        "dom": "guest",
        "css": "[data-test-id='social-actions__comments']"
      },
      {
        "id": "2026-comments-label",
        "dom": "2026",
        "css": "button[aria-label*=' comment'], button[aria-label*=' kommentar']",
        "attr": "aria-label",
        "re": "(\\d[\\d.,\\s]*[KkMm]?)"
      }
    ],
    "repostsCount": [
      {
        "id": "classic-reposts",
        "dom": "classic",
        "css": ".social-details-social-counts__item--right-aligned button[aria-label*='repost'], .social-details-social-counts__reposts"
      },
      {
        "id": "2026-reposts-label",
        "dom": "2026",
        "css": "button[aria-label*=' repost'], button[aria-label*=' genopslag'], button[aria-label*=' deling']",
        "attr": "aria-label",
        "re": "(\\d[\\d.,\\s]*[KkMm]?)"
      }
    ],
    "profileName": [
      {
        "id": "2026-topcard-h2",
        "dom": "2026",
        "css": "[componentkey$='Topcard'] h2"
      },
      {
        "id": "guest-top-card-title",
        "dom": "guest",
        "css": "h1.top-card-layout__title"
      },
      {
        "id": "classic-heading",
        "dom": "classic",
        "css": "h1.text-heading-xlarge, .pv-text-details__left-panel h1, .ph5 h1"
      },
      {
        "id": "main-h1",
        "dom": "generic",
        "css": "main h1"
      }
    ],
    "profileHeadline": [
      {
        "id": "2026-topcard-headline",
        "dom": "2026",
        "css": "[componentkey$='Topcard'] [data-testid='headline'], [componentkey$='Topcard'] h2 ~ p"
      },
      {
        "id": "guest-headline",
        "dom": "guest",
        "css": "h2.top-card-layout__headline"
      },
      {
        "id": "classic-headline",
        "dom": "classic",
        "css": "div.text-body-medium.break-words, .pv-text-details__left-panel .text-body-medium"
      }
    ],
    "profileAbout": [
      {
        "id": "2026-about-card",
        "dom": "2026",
        "css": "[componentkey$='About'] [data-testid='expandable-text-box'], [data-view-name='profile-card-about'] [data-testid='expandable-text-box']"
      },
      {
        "id": "classic-about-section",
        "dom": "classic",
        "css": "section:has(#about) [class*='inline-show-more-text'] > span[aria-hidden='true']"
      },
      {
        "id": "guest-summary",
        "dom": "guest",
        "css": "section.summary .core-section-container__content"
      }
    ],
    "profileTopCard": [
      {
        "id": "2026-topcard",
        "dom": "2026",
        "css": "[componentkey$='Topcard']"
      },
      {
        "id": "classic-top-card",
        "dom": "classic",
        "css": "main section.artdeco-card.pv-top-card, main section.artdeco-card:first-of-type"
      }
    ],
    "ownProfileMarker": [
      {
        "id": "classic-edit-intro",
        "dom": "classic",
        "css": "a[href*='/edit/intro/'], a[href*='/edit/forms/intro/']"
      },
      {
        "id": "edit-intro-label",
        "dom": "generic",
        "css": "button[aria-label='Edit intro'], a[aria-label='Edit intro'], button[aria-label='Rediger intro']"
      }
    ],
    "profileViews": [
      {
        "id": "classic-profile-views",
        "dom": "classic",
        "css": "a[href*='/me/profile-views/']"
      },
      {
        "id": "profile-views-link",
        "dom": "generic",
        "css": "a[href*='profile-views']"
      }
    ],
    "companyName": [
      {
        "id": "classic-org-title",
        "dom": "classic",
        "css": "h1.org-top-card-summary__title, .org-top-card-summary__title"
      },
      {
        "id": "guest-top-card-title",
        "dom": "guest",
        "css": "h1.top-card-layout__title"
      },
      {
        "id": "main-h1",
        "dom": "generic",
        "css": "main h1"
      }
    ],
    "companyAbout": [
      {
        "id": "classic-about-module",
        "dom": "classic",
        "css": "p.org-about-module__description, .org-about-us-organization-description__text"
      },
      {
        "id": "classic-page-details",
        "dom": "classic",
        "css": "section.org-page-details-module__card-spacing p.break-words"
      },
      {
        "id": "guest-about-us",
        "dom": "guest",
        "css": "[data-test-id='about-us__description'], section.about-us p"
      }
    ],
    "companyTagline": [
      {
        "id": "classic-tagline",
        "dom": "classic",
        "css": ".org-top-card-summary__tagline"
      },
      {
        "id": "guest-headline",
        "dom": "guest",
        "css": "h2.top-card-layout__headline"
      }
    ],
    "articleTitle": [
      {
        "id": "classic-reader-title",
        "dom": "classic",
        "css": "h1.reader-article-header__title, .reader-article-header__title"
      },
      {
        "id": "main-article-h1",
        "dom": "generic",
        "css": "main article h1, main h1"
      }
    ],
    "articleBody": [
      {
        "id": "classic-reader-content",
        "dom": "classic",
        "css": ".reader-article-content, .reader-article-content--content-blocks"
      },
      {
        "id": "main-article",
        "dom": "generic",
        "css": "main article"
      }
    ],
    "articleAuthor": [
      {
        "id": "classic-reader-author",
        "dom": "classic",
        "css": ".reader-author-info__author-lockup h2, .reader-author-info__author-name"
      }
    ],
    "feedContainer": [
      {
        "id": "2026-main-feed",
        "dom": "2026",
        "css": "[data-testid='mainFeed']"
      },
      {
        "id": "classic-finite-scroll",
        "dom": "classic",
        "css": ".scaffold-finite-scroll__content"
      },
      {
        "id": "main",
        "dom": "generic",
        "css": "main"
      }
    ],
    "hiddenText": [
      {
        "id": "hidden-and-controls",
        "dom": "generic",
        "css": ".visually-hidden, .a11y-text, button, script, style, noscript, svg, [hidden], template"
      }
    ],
    "domMarker": [
      {
        "id": "2026-sdui",
        "dom": "2026",
        "css": "[data-testid='mainFeed'], [componentkey$='Topcard'], [data-testid='expandable-text-box'], div[role='listitem'][componentkey]"
      },
      {
        "id": "guest-pagekey",
        "dom": "guest",
        "css": "meta[name='pageKey'][content^='d_public'], meta[name='pageKey'][content^='d_org_guest'], meta[name='pageKey'][content^='public_'], .top-card-layout, article.main-feed-activity-card"
      },
      {
        "id": "classic-ember",
        "dom": "classic",
        "css": ".feed-shared-update-v2, .scaffold-layout, .pv-top-card, .org-top-card, .search-results-container, .application-outlet"
      }
    ]
  },
  "fallback": {
    "containers": [
      "[role='listitem']",
      "article",
      "[data-urn]",
      "[data-id]",
      "[data-activity-urn]",
      "li"
    ],
    "authorLabels": [
      "^(?:Open control menu for post by|View profile of|View|Åbn kontrolmenuen for opslag af|Åbn kontrolmenu for opslag af|Se profil for|Vis profil for|Se)\\s+(.+?)(?:[’']s?\\s.*)?\\s*$"
    ],
    "actorLinks": "a[href*='/in/'], a[href*='/company/'], a[href*='/school/'], a[href*='/showcase/'], a[href*='/groups/']",
    "excludeInside": "[class*='comments-comment-'], [componentkey*='replaceableComment'], [componentkey^='commentBox'], [class*='comment-item'], nav, header, footer, aside",
    "minTextChars": 40
  }
};
  root.Herald = Object.assign(root.Herald || {}, { bundledPack: pack });
})(globalThis);
