// Page-type detection from a LinkedIn URL. Pure; no DOM.
//
// Loaded two ways: as a classic content script (it then registers itself on
// globalThis.Herald) and as an ES module by the node tests (side-effect import).
// So: no import/export statements in this file.
(function (root) {
  "use strict";

  const PAGE_TYPES = Object.freeze(["feed", "post", "profile", "company", "search", "article", "other"]);


  /** Returns one of PAGE_TYPES for a URL string (or URL); "other" for anything unknown or not LinkedIn. */
  function detectPageType(url) {
    let u;
    try {
      u = typeof url === "string" ? new URL(url) : url;
    } catch (_e) {
      return "other";
    }
    return KIND_TO_TYPE[detectPageKind(u)];
  }

  // The finer page kind (reported in extraction health and used to choose what to read).
  const PAGE_KINDS = Object.freeze([
    "feed", "activity", "post", "profile", "company", "company-posts", "search-posts", "search-people", "search",
    "article", "other",
  ]);
  const KIND_RULES = [
    [/^\/feed\/update\/urn:li:(activity|share|ugcPost):[^/]+\/?/, "post"],
    [/^\/posts\/[^/]+\/?/, "post"],
    [/^\/feed\/?$/, "feed"],
    [/^\/?$/, "feed"],
    [/^\/in\/[^/]+\/recent-activity(\/|$)/, "activity"],
    [/^\/in\/[^/]+\/?/, "profile"],
    [/^\/(company|showcase|school)\/[^/]+\/posts(\/|$)/, "company-posts"],
    [/^\/(company|showcase|school)\/[^/]+\/?/, "company"],
    [/^\/search\/results\/content(\/|$)/, "search-posts"],
    [/^\/search\/results\/people(\/|$)/, "search-people"],
    [/^\/search\/results\//, "search"],
    [/^\/pulse\/[^/]+\/?/, "article"],
  ];
  // A person's recent-activity page lists posts: it reads (and is sent) like a feed.
  const KIND_TO_TYPE = {
    feed: "feed", activity: "feed", post: "post", profile: "profile", company: "company", "company-posts": "company",
    "search-posts": "search", "search-people": "search", search: "search", article: "article", other: "other",
  };

  /** One of PAGE_KINDS for a URL; "other" for anything unknown or not LinkedIn. */
  function detectPageKind(url) {
    let u;
    try {
      u = typeof url === "string" ? new URL(url) : url;
    } catch (_e) {
      return "other";
    }
    if (!isLinkedInUrl(u)) return "other";
    for (const [re, kind] of KIND_RULES) {
      if (re.test(u.pathname)) return kind;
    }
    return "other";
  }

  /** True for https://www.linkedin.com/... (the only origin the extension reads). */
  function isLinkedInUrl(url) {
    let u;
    try {
      u = typeof url === "string" ? new URL(url) : url;
    } catch (_e) {
      return false;
    }
    return u.protocol === "https:" && u.hostname === "www.linkedin.com";
  }

  /** The activity URN in a post URL, e.g. urn:li:activity:7301234567890123456, or null. */
  function urnFromUrl(url) {
    let u;
    try {
      u = typeof url === "string" ? new URL(url) : url;
    } catch (_e) {
      return null;
    }
    const m = /\/feed\/update\/(urn:li:(?:activity|share|ugcPost):\d+)/.exec(decodeURIComponent(u.pathname));
    if (m) return m[1];
    // Public post slugs end in "-activity-<id>-<suffix>".
    const p = /-activity-(\d{10,})-/.exec(u.pathname);
    return p ? `urn:li:activity:${p[1]}` : null;
  }

  /** The search keywords of a search-results URL, or "". */
  function searchKeywords(url) {
    try {
      const u = typeof url === "string" ? new URL(url) : url;
      return (u.searchParams.get("keywords") || "").trim();
    } catch (_e) {
      return "";
    }
  }

  /** A page view is identified by origin + path (query strings like ?trk= do not start a new view). */
  function pageViewKey(url) {
    try {
      const u = typeof url === "string" ? new URL(url) : url;
      const keep = u.pathname.startsWith("/search/") ? u.search : "";
      return u.origin + u.pathname.replace(/\/+$/, "/") + keep;
    } catch (_e) {
      return String(url);
    }
  }

  const api = { PAGE_TYPES, PAGE_KINDS, detectPageType, detectPageKind, isLinkedInUrl, urnFromUrl, searchKeywords, pageViewKey };
  root.Herald = Object.assign(root.Herald || {}, { pageType: api });
})(globalThis);
