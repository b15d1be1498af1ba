// The one place for LinkedIn selectors (a registry in the spirit of refined-github's).
//
// Every entry is an ordered list of probes: the first probe that finds something wins, the others are
// fallbacks. A probe is a CSS selector, or {css, attr, re} when the value lives in an attribute (the regular
// expression's first group is the value). Each probe names the DOM it comes from:
//   classic  — the long-lived logged-in DOM (feed-shared-update-v2, update-components-*)
//   2026     — the logged-in DOM with hashed class names (data-testid / componentkey / aria-label)
//   public   — the logged-out public post and article pages
//   generic  — last resorts that do not depend on LinkedIn's class names
// tests/e2e/test_selectors.py checks every probe against a saved fixture page of its DOM.
//
// Classic script + ES-module compatible (see pagetype.js): registers globalThis.Herald.selectors.
(function (root) {
  "use strict";

  const REGISTRY = {
    // One element per post in a list of posts (feed, post page, public post page).
    post: [
      { css: "div.feed-shared-update-v2[data-urn^='urn:li:activity']", dom: "classic" },
      { css: "div[data-id^='urn:li:activity']", dom: "classic" }, // feed slots, many are empty placeholders
      { css: "div[data-testid='mainFeed'] div[role='listitem']", dom: "2026" },
      { css: "article.main-feed-activity-card[data-activity-urn]", dom: "public" },
      { css: "[data-urn^='urn:li:activity'], [data-activity-urn]", dom: "generic" },
    ],
    // The element that holds one post's own text (searched inside a post).
    postText: [
      { css: ".update-components-text", dom: "classic" },
      { css: ".feed-shared-update-v2__description, .feed-shared-inline-show-more-text", dom: "classic" },
      { css: "span[data-testid='expandable-text-box']", dom: "2026" },
      { css: ".attributed-text-segment-list__content", dom: "public" },
    ],
    // The post's author (searched inside a post).
    postAuthor: [
      { css: ".update-components-actor__title span[aria-hidden='true']", dom: "classic" },
      { css: ".update-components-actor__name span[aria-hidden='true'], .feed-shared-actor__name", dom: "classic" },
      {
        css: "button[aria-label^='Open control menu for post by '], button[aria-label*='kontrolmenu']",
        attr: "aria-label",
        re: /(?:post by|opslag af|opslag fra)\s+(.+?)\s*$/i,
        dom: "2026",
      },
      { css: "a[data-tracking-control-name='public_post_feed-actor-name']", dom: "public" },
    ],
    // The post's activity URN: on the post element itself or in a link to it.
    postUrn: [
      { css: ":scope", attr: "data-urn", re: /^(urn:li:activity:\d+)/, dom: "classic" },
      { css: ":scope", attr: "data-id", re: /^(urn:li:activity:\d+)/, dom: "classic" },
      { css: ":scope", attr: "data-activity-urn", re: /^(urn:li:activity:\d+)/, dom: "public" },
      { css: "[data-urn^='urn:li:activity']", attr: "data-urn", re: /^(urn:li:activity:\d+)/, dom: "classic" },
      { css: "a[href*='/feed/update/urn:li:activity:']", attr: "href", re: /(urn:li:activity:\d+)/, dom: "2026" },
    ],
    // Links people put in a post (the shared-article card, links in the text).
    postLink: [
      { css: "a.update-components-article__meta, .update-components-article a[href]", attr: "href", re: /(.+)/, dom: "classic" },
      { css: "a[href^='http']:not([href*='linkedin.com'])", attr: "href", re: /(.+)/, dom: "generic" },
    ],
    // People linked from inside a post's text (@mentions): their names are removed before sending.
    mentionedPerson: [
      { css: "a[href*='/in/']", dom: "generic" },
    ],
    // Reaction / comment / repost counts of a post (searched inside a post).
    reactionsCount: [
      { css: ".social-details-social-counts__reactions-count", dom: "classic" },
      { css: "[data-test-id='social-actions__reaction-count']", dom: "public" },
      { css: "button[aria-label$=' reactions'], button[aria-label$=' reaktioner'], button[aria-label$=' reaction']", attr: "aria-label", re: /(\d[\d.,\s]*[KkMm]?)/, dom: "2026" },
    ],
    commentsCount: [
      { css: ".social-details-social-counts__comments button", dom: "classic" },
      { css: "[data-test-id='social-actions__comments']", dom: "public" },
      { css: "button[aria-label*=' comment'], button[aria-label*=' kommentar']", attr: "aria-label", re: /(\d[\d.,\s]*[KkMm]?)/, dom: "2026" },
    ],
    repostsCount: [
      { css: ".social-details-social-counts__item--right-aligned button[aria-label*='repost'], .social-details-social-counts__reposts", dom: "classic" },
      { css: "button[aria-label*=' repost'], button[aria-label*=' genopslag'], button[aria-label*=' deling']", attr: "aria-label", re: /(\d[\d.,\s]*[KkMm]?)/, dom: "2026" },
    ],
    // Profile page.
    profileName: [
      { css: "section[componentkey$='Topcard'] h2", dom: "2026" },
      { css: "h1.text-heading-xlarge, .pv-text-details__left-panel h1, .ph5 h1", dom: "classic" },
      { css: "main h1", dom: "generic" },
    ],
    profileHeadline: [
      { css: "section[componentkey$='Topcard'] h2 ~ p, section[componentkey$='Topcard'] [data-testid='headline']", dom: "2026" },
      { css: "div.text-body-medium.break-words, .pv-text-details__left-panel .text-body-medium", dom: "classic" },
    ],
    profileAbout: [
      { css: "section[componentkey$='About'] span[data-testid='expandable-text-box']", dom: "2026" },
      { css: "#about ~ .display-flex .inline-show-more-text span[aria-hidden='true'], section:has(> #about) .inline-show-more-text span[aria-hidden='true']", dom: "classic" },
    ],
    // The top card, where connections and followers are counted (snapshot of one's own profile).
    profileTopCard: [
      { css: "section[componentkey$='Topcard']", dom: "2026" },
      { css: "main section.artdeco-card.pv-top-card, main section.artdeco-card:first-of-type", dom: "classic" },
    ],
    // Only present when the employee is looking at their own profile.
    ownProfileMarker: [
      { css: "a[href*='/edit/intro/'], a[href*='/edit/forms/intro/']", dom: "classic" },
      { css: "button[aria-label='Edit intro'], a[aria-label='Edit intro'], button[aria-label='Rediger intro']", dom: "generic" },
    ],
    // The profile-analytics box on one's own profile ("123 profile views").
    profileViews: [
      { css: "a[href*='/me/profile-views/']", dom: "classic" },
      { css: "a[href*='profile-views']", dom: "generic" },
    ],
    // Company page.
    companyName: [
      { css: "h1.org-top-card-summary__title, .org-top-card-summary__title", dom: "classic" },
      { css: "main h1", dom: "generic" },
    ],
    companyAbout: [
      { css: "p.org-about-module__description, .org-about-us-organization-description__text", dom: "classic" },
      { css: "section.org-page-details-module__card-spacing p.break-words", dom: "classic" },
    ],
    companyTagline: [
      { css: ".org-top-card-summary__tagline", dom: "classic" },
    ],
    // Long-form article (pulse).
    articleTitle: [
      { css: "h1.reader-article-header__title, .reader-article-header__title", dom: "classic" },
      { css: "main article h1, main h1", dom: "generic" },
    ],
    articleBody: [
      { css: ".reader-article-content, .reader-article-content--content-blocks", dom: "classic" },
      { css: "main article", dom: "generic" },
    ],
    articleAuthor: [
      { css: ".reader-author-info__author-lockup h2, .reader-author-info__author-name", dom: "classic" },
    ],
    // Where posts load (the observer for new posts is scoped to this, never to <html>/<body>).
    feedContainer: [
      { css: "div[data-testid='mainFeed']", dom: "2026" },
      { css: ".scaffold-finite-scroll__content", dom: "classic" },
      { css: "main", dom: "generic" },
    ],
    // Text that is never part of what the employee reads (hidden labels, buttons, screen-reader text).
    hiddenText: [
      { css: ".visually-hidden, .a11y-text, button, script, style, noscript, svg, [hidden]", dom: "generic" },
    ],
  };

  function probeValue(el, probe) {
    if (!probe.attr) return null;
    const v = el.getAttribute(probe.attr);
    if (v == null) return null;
    const m = probe.re ? probe.re.exec(v) : [v, v];
    return m ? m[1].trim() : null;
  }

  function queryProbe(scope, probe) {
    if (probe.css === ":scope") return scope.matches && probe.attr && scope.hasAttribute(probe.attr) ? [scope] : [];
    try {
      return Array.from(scope.querySelectorAll(probe.css));
    } catch (_e) {
      return []; // e.g. :has() in an old engine
    }
  }

  /** Elements for `key` under `scope` from the first probe that matches anything; [] when none does. */
  function all(scope, key) {
    return match(scope, key).elements;
  }

  /** {elements, probe, index} of the first matching probe (index -1 when none matches). */
  function match(scope, key) {
    const probes = REGISTRY[key];
    if (!probes) throw new Error(`Unknown selector key: ${key}`);
    for (let i = 0; i < probes.length; i++) {
      const els = queryProbe(scope, probes[i]);
      const usable = probes[i].attr ? els.filter((el) => probeValue(el, probes[i])) : els;
      if (usable.length) return { elements: usable, probe: probes[i], index: i };
    }
    return { elements: [], probe: null, index: -1 };
  }

  /** The first element for `key`, or null. */
  function one(scope, key) {
    return all(scope, key)[0] || null;
  }

  /** The first value for `key`: the attribute value for attribute probes, the visible text otherwise. */
  function value(scope, key, textOf) {
    const probes = REGISTRY[key];
    if (!probes) throw new Error(`Unknown selector key: ${key}`);
    for (const probe of probes) {
      for (const el of queryProbe(scope, probe)) {
        const v = probe.attr ? probeValue(el, probe) : (textOf ? textOf(el) : (el.textContent || "").trim());
        if (v) return v;
      }
    }
    return null;
  }

  root.Herald = Object.assign(root.Herald || {}, {
    selectors: { REGISTRY, all, one, match, value, probeValue, queryProbe },
  });
})(globalThis);
