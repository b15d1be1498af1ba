// Confirmed shares (issue #15): a share counts once the employee's post carrying its tracked link is seen on
// LinkedIn (or a click comes through the link). The content script looks for the employee's own tracked links
// (<PUBLIC_BASE_URL>/r/<code>, from the shares this extension created) in the posts of the page it reads, and
// hands the service worker only the codes it found; the service worker sends only those codes to
// POST /api/v1/me/shares/confirm. No page text, no URL and no author leaves the browser.
//
// A link is found in a post's link hrefs (also when LinkedIn wraps it: /redir/redirect?url=…, any encoded
// query), in a link's visible text (a lnkd.in-shortened link shows the original address in its text or its
// link card), and in the post's text. Pure functions; the DOM ones need only querySelectorAll/textContent.
//
// Classic script + ES-module compatible (see pagetype.js): registers globalThis.Herald.shares.
(function (root) {
  "use strict";

  const CODE_RE = /^[A-Za-z0-9]{4,16}$/; // backend/services/links.py CODE_RE
  const MAX_CODES = 50;

  /** {code, needle} for a tracked URL "<base>/r/<code>": needle is "host[/base path]/r/<code>" in lower case
   * but for the code (codes are case-sensitive); null when the URL is not a tracked link. */
  function trackedLink(url) {
    let u;
    try {
      u = new URL(String(url));
    } catch (_e) {
      return null;
    }
    const m = /^(.*\/r\/)([^/]+)\/?$/.exec(u.pathname);
    if (!m || !CODE_RE.test(m[2])) return null;
    return { code: m[2], needle: `${u.host.toLowerCase()}${m[1]}${m[2]}` };
  }

  /** The tracked code of a share's tracked_url, or null. */
  function codeOf(url) {
    const t = trackedLink(url);
    return t ? t.code : null;
  }

  function decodeAll(s) {
    // LinkedIn may wrap an address once or twice (…/redir/redirect?url=https%3A%2F%2F…).
    let out = String(s);
    for (let i = 0; i < 2; i++) {
      try {
        const d = decodeURIComponent(out);
        if (d === out) break;
        out = d;
      } catch (_e) {
        break;
      }
    }
    return out;
  }

  /** Whether `hay` holds the tracked link: the needle, then not another character of a code. */
  function holds(hay, link) {
    const lower = hay.toLowerCase();
    const needle = link.needle.toLowerCase();
    let i = lower.indexOf(needle);
    while (i >= 0) {
      const exact = hay.slice(i + needle.length - link.code.length, i + needle.length) === link.code;
      const next = hay.charAt(i + needle.length);
      if (exact && !/[A-Za-z0-9]/.test(next)) return true;
      i = lower.indexOf(needle, i + 1);
    }
    return false;
  }

  /** What of a post is searched: each link's href (decoded) and text, and the post's whole text. */
  function haystacks(postEl) {
    const out = [];
    for (const a of postEl.querySelectorAll("a[href]")) {
      out.push(decodeAll(a.getAttribute("href") || ""));
      const t = (a.textContent || "").replace(/\s+/g, "");
      if (t) out.push(t);
    }
    // Addresses in plain text, possibly broken over lines or by the "…more" toggle's hidden part.
    out.push((postEl.textContent || "").replace(/\s+/g, " "));
    return out;
  }

  /**
   * The codes of `trackedUrls` (the employee's own tracked links) found in the posts `postEls`, in the order of
   * `trackedUrls`, each once. Only codes: nothing of the posts is returned.
   */
  function codesIn(postEls, trackedUrls) {
    const links = [];
    for (const url of trackedUrls || []) {
      const t = trackedLink(url);
      if (t && !links.some((l) => l.code === t.code)) links.push(t);
    }
    if (!links.length) return [];
    const found = new Set();
    for (const el of postEls || []) {
      const hays = haystacks(el);
      for (const l of links) if (!found.has(l.code) && hays.some((h) => holds(h, l))) found.add(l.code);
      if (found.size === links.length) break;
    }
    return links.map((l) => l.code).filter((c) => found.has(c));
  }

  /** The tracked links of the stored shares ({<article_id>: {share_id, tracked_url, confirmedAt?}}) not yet
   * confirmed: what the content script looks for. */
  function pendingUrls(shares) {
    return Object.values(shares || {})
      .filter((s) => s && typeof s.tracked_url === "string" && !s.confirmedAt && codeOf(s.tracked_url))
      .map((s) => s.tracked_url)
      .slice(0, MAX_CODES);
  }

  /** Of `codes` (sent by a content script), those of our own shares not yet confirmed, each once. */
  function confirmable(shares, codes) {
    if (!Array.isArray(codes)) return [];
    const pending = new Set(pendingUrls(shares).map(codeOf));
    const out = [];
    for (const c of codes) if (typeof c === "string" && pending.has(c) && !out.includes(c)) out.push(c);
    return out.slice(0, MAX_CODES);
  }

  /** The stored shares with `codes` marked confirmed at `now` (a new object; the others untouched). */
  function markConfirmed(shares, codes, now) {
    const set = new Set(codes);
    const out = {};
    for (const [k, s] of Object.entries(shares || {})) {
      out[k] = s && set.has(codeOf(s.tracked_url)) && !s.confirmedAt ? { ...s, confirmedAt: now } : s;
    }
    return out;
  }

  root.Herald = Object.assign(root.Herald || {}, {
    shares: { CODE_RE, codeOf, trackedLink, codesIn, pendingUrls, confirmable, markConfirmed },
  });
})(globalThis);
