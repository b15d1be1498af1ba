// Reading a LinkedIn page: what the employee is looking at, as plain data. Read-only: nothing here (or in
// content.js) inserts, moves, restyles or annotates an element of the page.
//
// Classic script + ES-module compatible (see pagetype.js): registers globalThis.Herald.extract.
// Needs Herald.selectors and Herald.pageType (loaded before it). The text helpers at the top are pure.
(function (root) {
  "use strict";

  const MAX_ITEMS = 100; // posts kept around the focused one (a company's Posts tab lists ~60)
  const MAX_ITEM_CHARS = 3000; // raw text per item; the sanitiser caps what is sent much lower

  // ---- pure helpers --------------------------------------------------------------------------------

  /** Collapses runs of spaces, keeps paragraph breaks (at most one blank line), trims. */
  function normalizeText(s) {
    return String(s || "")
      .replace(/\u00a0/g, " ")
      .replace(/[ \t\f\v\r]+/g, " ")
      .replace(/ *\n */g, "\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  /**
   * A LinkedIn count as a number: "1,234" 1234, "1.234" (Danish) 1234, "1.2K" 1200, "3 mio." 3000000,
   * "500+ connections" 500, "14 comments" 14. null when there is no number.
   */
  function parseCount(s) {
    if (s == null) return null;
    const m = /(\d[\d.,\s\u00a0]*)\s*([KkMm](?:io)?\.?)?/.exec(String(s));
    if (!m) return null;
    let num = m[1].replace(/[\s\u00a0]/g, "");
    const suffix = (m[2] || "").toLowerCase();
    num = num.replace(/[.,]$/, "");
    if (suffix) {
      // "1.2K" / "1,2K": the separator is a decimal point.
      num = num.replace(",", ".");
      const base = parseFloat(num);
      if (Number.isNaN(base)) return null;
      return Math.round(base * (suffix.startsWith("k") ? 1e3 : 1e6));
    }
    // Without a suffix, "." and "," are thousands separators when followed by exactly three digits.
    if (/^\d{1,3}([.,]\d{3})+$/.test(num)) return parseInt(num.replace(/[.,]/g, ""), 10);
    const n = parseInt(num, 10);
    return Number.isNaN(n) ? null : n;
  }

  /** The person's name from "Open control menu for post by Anna Jensen" style labels. */
  function nameFromLabel(label) {
    const m = /(?:post by|opslag af|opslag fra)\s+(.+?)\s*$/i.exec(label || "");
    return m ? m[1] : null;
  }

  /** Keeps the text items the employee could be focused on: at most `max` around index `focused`. */
  function windowAround(items, focused, max) {
    if (items.length <= max) return { items, focused };
    let start = Math.max(0, focused - Math.floor(max / 2));
    start = Math.min(start, items.length - max);
    return { items: items.slice(start, start + max), focused: focused - start };
  }

  // ---- DOM reading ---------------------------------------------------------------------------------

  const S = () => root.Herald.selectors;
  const BLOCK_TAGS = new Set(["P", "DIV", "LI", "UL", "OL", "SECTION", "ARTICLE", "BLOCKQUOTE", "PRE", "H1", "H2", "H3", "H4", "H5", "H6", "TR"]);

  function hiddenSelector() {
    return S().REGISTRY.hiddenText.map((p) => p.css).join(", ");
  }

  /** What a reader sees of `el`: text nodes minus screen-reader labels, buttons and hidden parts. */
  function visibleText(el) {
    if (!el) return "";
    const doc = el.ownerDocument || root.document;
    const hidden = hiddenSelector();
    const parts = [];
    const walker = doc.createTreeWalker(el, 1 | 4 /* SHOW_ELEMENT | SHOW_TEXT */);
    let node = walker.currentNode;
    while (node) {
      if (node.nodeType === 1) {
        if (node !== el && node.matches(hidden)) {
          // skip the whole subtree
          let next = null;
          let n = node;
          while (n && n !== el && !(next = n.nextSibling)) n = n.parentNode;
          if (!next || n === el) break;
          walker.currentNode = next;
          node = next;
          continue;
        }
        if (node.tagName === "BR" || (node !== el && BLOCK_TAGS.has(node.tagName))) parts.push("\n");
      } else if (node.nodeType === 3) {
        parts.push(node.nodeValue);
      }
      node = walker.nextNode();
    }
    return normalizeText(parts.join(""));
  }

  function textOf(el) {
    return visibleText(el);
  }

  /** The outermost of `els` (2026 list items nest: comments inside posts). O(n · depth). */
  function outermost(els) {
    const set = new Set(els);
    return els.filter((el) => {
      for (let p = el.parentElement; p; p = p.parentElement) if (set.has(p)) return false;
      return true;
    });
  }

  /** Post elements in document order with the rule that found them. Empty placeholders are left out. */
  function findPostsWithRule(doc) {
    const m = S().match(doc, "post");
    const posts = outermost(m.elements).filter((el) => S().one(el, "postText") || S().value(el, "postAuthor", textOf));
    return { elements: posts, rule: posts.length ? m.probe : null };
  }

  function findPosts(doc) {
    return findPostsWithRule(doc).elements;
  }

  function countsOf(postEl) {
    const read = (key) => {
      const v = S().value(postEl, key, textOf);
      return v == null ? null : parseCount(v);
    };
    const counts = { reactions: read("reactionsCount"), comments: read("commentsCount"), reposts: read("repostsCount") };
    return counts.reactions == null && counts.comments == null && counts.reposts == null ? null : counts;
  }

  function linksOf(postEl) {
    const links = [];
    for (const probe of S().REGISTRY.postLink || []) {
      if (S().namedOff && probe.dom !== "generic") continue;
      for (const a of S().queryProbe(postEl, probe)) {
        const href = S().probeValue(a, probe);
        if (href && !links.includes(href)) links.push(href);
      }
    }
    return links.slice(0, 10);
  }

  /**
   * The text box, whole. An HTML parser closes a link that holds another link, so a text box written inside
   * the post's link (2026 DOM) ends where the first link in the text begins, and the rest of the text follows
   * as siblings of that link: read their common paragraph instead.
   */
  function wholeTextBox(el) {
    if (!el) return el;
    const a = el.parentElement;
    if (a && a.tagName === "A" && a.lastElementChild === el && a.parentElement && a.parentElement.tagName === "P") {
      return a.parentElement;
    }
    return el;
  }

  /** One post as {text, author?, urn?} plus, where present, links, counts and the names mentioned in it. */
  function extractPost(postEl) {
    const textEl = wholeTextBox(S().one(postEl, "postText"));
    const item = { text: textEl ? visibleText(textEl).slice(0, MAX_ITEM_CHARS) : "" };
    const author = S().value(postEl, "postAuthor", authorText);
    if (author) item.author = author;
    finishPost(item, postEl, textEl);
    return item;
  }

  /** The parts of a post that do not depend on which reader found it: URN, links, counts, mentions. */
  function finishPost(item, postEl, textEl) {
    const urn = S().value(postEl, "postUrn") || urnOf(postEl);
    if (urn) item.urn = urn;
    const links = linksOf(postEl);
    if (links.length) item.links = links;
    const counts = countsOf(postEl);
    if (counts) item.counts = counts;
    const names = textEl ? Array.from(textEl.querySelectorAll("a[href*='/in/']")).map((a) => visibleText(a)).filter(Boolean) : [];
    if (names.length) item.mentioned = Array.from(new Set(names));
  }

  /** An activity URN on the element or a link inside it (structural: no class names). */
  function urnOf(el) {
    for (const attr of ["data-urn", "data-id", "data-activity-urn"]) {
      const v = el.getAttribute && el.getAttribute(attr);
      const m = v && /^(urn:li:activity:\d+)/.exec(v);
      if (m) return m[1];
    }
    const a = el.querySelector && el.querySelector("a[href*='urn:li:activity:']");
    const m = a && /(urn:li:activity:\d+)/.exec(a.getAttribute("href"));
    return m ? m[1] : null;
  }

  /** An author's name: the first line of the element's visible text. */
  function authorText(el) {
    return visibleText(el).split("\n")[0].trim();
  }

  // ---- structural fallback ---------------------------------------------------------------------------
  // When no named rule finds posts (LinkedIn changed its markup), read repeated containers by structure:
  // list items / articles / elements with an activity id, each with its main text block and an author taken
  // from aria-labels (English and Danish) or the first actor link. Nothing here names a LinkedIn class.

  const INLINE = new Set(["SPAN", "A", "STRONG", "EM", "B", "I", "U", "BR", "SMALL", "MARK", "BDI", "BDO", "ABBR", "TIME", "SUP", "SUB", "WBR", "IMG"]);

  function fallbackConfig() {
    const p = S().pack;
    return p && p.fallback;
  }

  function skipSelector(fb) {
    // Actor links hold names and headlines, not the post; a link to the post itself may wrap its text.
    return [hiddenSelector(), fb.excludeInside, fb.actorLinks, "h1", "h2", "[role='button']"].join(", ");
  }

  /** The element holding `scope`'s main text: from its longest text run, up through inline parents. */
  function mainTextBlock(scope, fb) {
    const doc = scope.ownerDocument || root.document;
    const skip = skipSelector(fb);
    const walker = doc.createTreeWalker(scope, 4 /* SHOW_TEXT */);
    let best = null;
    let bestLen = 0;
    const seen = new Map(); // parent element -> summed text length of its own text nodes
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const len = n.nodeValue.trim().length;
      if (!len) continue;
      const parent = n.parentElement;
      if (!parent || parent.closest(skip)) continue;
      // Group text runs by their nearest block ancestor: a paragraph split by <br>/<span> counts as one.
      let block = parent;
      // A link is its own group: cards repeat their title in a link and around it.
      while (block !== scope && block.tagName !== "A" && INLINE.has(block.tagName) && block.parentElement) block = block.parentElement;
      const total = (seen.get(block) || 0) + len;
      seen.set(block, total);
      if (total > bestLen) {
        best = block;
        bestLen = total;
      }
    }
    if (!best || bestLen < fb.minTextChars) return null;
    // Climb while the parent adds (almost) nothing: the text box, not one of its lines.
    let el = best;
    let len = visibleText(el).length;
    while (el.parentElement && el.parentElement !== scope) {
      const up = el.parentElement;
      if (up.closest(skip)) break;
      const upLen = visibleText(up).length;
      if (upLen > len * 1.15 + 12) break;
      el = up;
      len = upLen;
    }
    return el;
  }

  function fallbackAuthor(container, fb) {
    for (const el of container.querySelectorAll("[aria-label]")) {
      if (el.closest(fb.excludeInside) && container.contains(el.closest(fb.excludeInside))) continue;
      const label = el.getAttribute("aria-label");
      for (const re of fb.authorRegexes) {
        const m = re.exec(label);
        if (m && m[1] && m[1].trim().length <= 80) return m[1].trim();
      }
    }
    for (const a of container.querySelectorAll(fb.actorLinks)) {
      if (a.closest("p") || (a.closest(fb.excludeInside) && container.contains(a.closest(fb.excludeInside)))) continue;
      const p = a.querySelector("p");
      const n = authorText(p || a);
      if (n && n.length <= 80) return n;
    }
    return null;
  }

  /** Posts found by structure alone: [{el, textEl}] in document order. */
  function fallbackPosts(doc, fb) {
    const scope = doc.querySelector("main") || doc.body || doc;
    const exclude = fb.excludeInside;
    let cands = [];
    for (const css of fb.containers) {
      try {
        for (const el of scope.querySelectorAll(css)) if (!el.closest(exclude)) cands.push(el);
      } catch (_e) {
        // a selector this engine does not know
      }
    }
    cands = Array.from(new Set(cands));
    const withText = new Map();
    for (const el of cands) {
      const t = mainTextBlock(el, fb);
      if (t) withText.set(el, t);
    }
    const members = Array.from(withText.keys());
    const set = new Set(members);
    // A container holding two or more text-bearing containers is a list, not a post.
    const inner = new Map();
    for (const el of members) {
      for (let p = el.parentElement; p; p = p.parentElement) if (set.has(p)) inner.set(p, (inner.get(p) || 0) + 1);
    }
    // Only direct-ish nesting counts: a list holds siblings; a post wrapping its one inner card is still a post.
    const posts = outermost(members.filter((el) => !(inner.get(el) >= 2 && hasSiblingMembers(el, set))));
    // The same text block found through a wrapper and its inner card counts once.
    const seenText = new Set();
    const out = [];
    for (const el of posts) {
      const textEl = withText.get(el);
      if (seenText.has(textEl)) continue;
      seenText.add(textEl);
      out.push({ el, textEl });
    }
    out.sort((a, b) => (a.el.compareDocumentPosition(b.el) & 4 ? -1 : 1));
    return out;
  }

  /** True when `el` contains at least two members of `set` that are not nested in one another. */
  function hasSiblingMembers(el, set) {
    const inside = Array.from(el.querySelectorAll("*")).filter((x) => set.has(x));
    return outermost(inside).length >= 2;
  }

  function fallbackItems(doc) {
    const fb = fallbackConfig();
    if (!fb) return { items: [], elements: [] };
    const items = [];
    const elements = [];
    for (const { el, textEl } of fallbackPosts(doc, fb)) {
      const item = { text: visibleText(textEl).slice(0, MAX_ITEM_CHARS) };
      const author = fallbackAuthor(el, fb);
      if (author) item.author = author;
      finishPost(item, el, textEl);
      items.push(item);
      elements.push(el);
    }
    return { items, elements };
  }

  /** Profile name and About by structure: the first top-level heading; the section headed "About". */
  const ABOUT_HEADINGS = /^(about|om|sobre|informacje|info|à propos|über)$/i;

  function fallbackProfile(doc) {
    const scope = doc.querySelector("main") || doc.body;
    if (!scope) return { name: null, about: "" };
    const h = scope.querySelector("h1") || scope.querySelector("h2");
    const name = h ? authorText(h) : null;
    let about = "";
    const fb = fallbackConfig();
    for (const head of scope.querySelectorAll("h2, h3")) {
      if (!ABOUT_HEADINGS.test(visibleText(head).split("\n")[0].trim())) continue;
      const section = head.closest("section") || head.parentElement;
      const block = section && fb ? mainTextBlock(section, fb) : null;
      if (block) {
        about = visibleText(block);
        break;
      }
    }
    return { name, about };
  }

  // ---- pages -------------------------------------------------------------------------------------------

  /** The block with the most visible text in <main> (or <body>): the last resort when nothing else reads. */
  function largestTextBlock(doc) {
    const scope = doc.querySelector("main") || doc.body;
    if (!scope) return "";
    const hidden = hiddenSelector() + ", nav, header, footer, aside, [role='navigation']";
    const score = new Map();
    const walker = doc.createTreeWalker(scope, 4 /* SHOW_TEXT */);
    let visited = 0;
    for (let n = walker.nextNode(); n && visited < 20000; n = walker.nextNode(), visited++) {
      const text = n.nodeValue.trim();
      if (!text || !n.parentElement || n.parentElement.closest(hidden)) continue;
      let block = n.parentElement;
      while (block && block !== scope && !BLOCK_TAGS.has(block.tagName)) block = block.parentElement;
      block = block || scope;
      score.set(block, (score.get(block) || 0) + text.length);
    }
    // Ties go to the first in document order (Map keeps insertion order; sort is stable): deterministic,
    // and independent of styles or layout.
    const ranked = Array.from(score.entries()).sort((a, b) => b[1] - a[1]);
    return ranked.length ? visibleText(ranked[0][0]).slice(0, MAX_ITEM_CHARS) : "";
  }

  function profileNumbers(scope) {
    const text = scope ? visibleText(scope) : "";
    const out = {};
    const con = /(\d[\d.,]*\+?)\s*(?:connections|forbindelser)/i.exec(text);
    if (con) out.connections = parseCount(con[1]);
    const fol = /(\d[\d.,]*\s*[KkMm]?)\s*(?:followers|følgere)/i.exec(text);
    if (fol) out.followers = parseCount(fol[1]);
    return out;
  }

  /** Which DOM generation the page is: "2026", "guest", "classic" or "unknown" (first marker rule that hits). */
  function domOf(doc) {
    const named = S().namedOff;
    const m = named ? { probe: null } : S().match(doc, "domMarker");
    return m.probe ? m.probe.dom : "unknown";
  }

  /** Posts of the page: named rules first, the structural fallback when they find none. */
  function readPosts(doc, { fallback = true } = {}) {
    const found = findPostsWithRule(doc);
    const items = [];
    const elements = [];
    found.elements.forEach((el) => {
      const item = extractPost(el);
      if (!item.text) return;
      items.push(item);
      elements.push(el);
    });
    if (items.length) return { items, elements, rule: `post:${found.rule.id}` };
    if (!fallback) return { items, elements, rule: null };
    const fb = fallbackItems(doc);
    return { items: fb.items, elements: fb.elements, rule: fb.items.length ? "fallback" : null };
  }

  /**
   * The page as {url, pageType, pageKind, items: [{text, author?, urn?, ...}], focused, names, extraction}.
   * `focusEl` is the post most in view (chosen by the content script's IntersectionObserver); it only picks
   * `focused`, never whether there is a context. Same DOM in, same context out: nothing here depends on
   * styles, layout, visibility or timing.
   */
  function extractPage(doc, url, focusEl) {
    const H = root.Herald;
    const pageKind = H.pageType.detectPageKind(url);
    const pageType = H.pageType.detectPageType(url);
    const ctx = { url: String(url), pageType, pageKind, items: [], focused: 0 };
    const names = new Set();
    let rule = null;
    let head = []; // the profile / company item, before the posts

    if (pageKind === "profile") {
      let name = S().value(doc, "profileName", authorText);
      let about = S().value(doc, "profileAbout", textOf) || "";
      const headline = S().value(doc, "profileHeadline", textOf) || "";
      rule = name || about ? "profile:named" : null;
      if (!name || !about) {
        const fb = fallbackProfile(doc);
        if (!name && fb.name) name = fb.name;
        if (!about && fb.about) about = fb.about;
        if ((name || about) && !rule) rule = "fallback";
      }
      const text = normalizeText([headline, about].filter(Boolean).join("\n\n"));
      if (text || name) head = [name ? { text, author: name } : { text }];
      ctx.profileName = name || null;
      ctx.about = about || null;
      const top = S().one(doc, "profileTopCard");
      const own = Boolean(S().one(doc, "ownProfileMarker"));
      const profile = { own, ...profileNumbers(top) };
      if (own) {
        const views = S().one(doc, "profileViews");
        const v = views ? parseCount(visibleText(views)) : null;
        if (v != null) profile.profileViews = v;
      }
      ctx.profile = profile;
    } else if (pageKind === "company" || pageKind === "company-posts") {
      const name = S().value(doc, "companyName", authorText);
      const tagline = S().value(doc, "companyTagline", textOf) || "";
      const about = S().value(doc, "companyAbout", textOf) || "";
      const text = normalizeText([tagline, about].filter(Boolean).join("\n\n"));
      if (text) head = [{ text }];
      if (name) ctx.companyName = name;
    } else if (pageKind === "article") {
      const title = S().value(doc, "articleTitle", textOf) || "";
      const body = S().value(doc, "articleBody", textOf) || "";
      const author = S().value(doc, "articleAuthor", authorText);
      const text = normalizeText([title, body.slice(0, 1500)].filter(Boolean).join("\n\n"));
      if (text) head = [author ? { text, author } : { text }];
      if (text) rule = "article:named";
    }

    let posts = { items: [], elements: [], rule: null };
    // A profile the named rules recognised and that lists no posts has none: its experience and education
    // lists are not posts, so the structural fallback is not asked there.
    const trustNamed = rule === "profile:named";
    if (pageKind !== "article" && pageKind !== "other" && pageKind !== "search-people") {
      posts = readPosts(doc, { fallback: !trustNamed });
    }
    if (posts.rule) rule = rule ? `${rule}+${posts.rule}` : posts.rule;
    let focused = 0;
    if (focusEl) {
      const i = posts.elements.findIndex((el) => el === focusEl || el.contains(focusEl) || focusEl.contains(el));
      if (i >= 0) focused = i;
    }
    if (pageKind === "post") {
      // The post of the URL first (a post page can list related posts under it).
      const want = H.pageType.urnFromUrl(url);
      const idx = want ? posts.items.findIndex((it) => it.urn === want) : -1;
      focused = idx >= 0 ? idx : 0;
    }
    let items = posts.items;
    if (items.length > MAX_ITEMS) {
      const w = windowAround(items, focused, MAX_ITEMS);
      items = w.items;
      focused = w.focused;
    }
    // On a profile or company page the page itself is what is in view until a post is.
    ctx.items = [...head, ...items];
    ctx.lead = head.length; // items about the page itself (profile, company), before the posts
    ctx.focused = head.length && !focusEl ? 0 : focused + head.length;
    if (ctx.focused >= ctx.items.length) ctx.focused = 0;

    if (pageType === "search" && !ctx.items.length) {
      const q = H.pageType.searchKeywords(url);
      if (q) ctx.items = [{ text: q }];
      if (q) rule = "search:keywords";
    }

    if (!ctx.items.length || !ctx.items.some((it) => it.text)) {
      const text = largestTextBlock(doc);
      ctx.items = text ? [{ text }] : [];
      ctx.focused = 0;
      ctx.fallback = true;
      rule = text ? "largest-text-block" : null;
    }
    if (rule && rule.includes("fallback")) ctx.fallback = true;

    for (const it of ctx.items) {
      if (it.author) names.add(it.author);
      for (const n of it.mentioned || []) names.add(n);
    }
    // Names anywhere in the page's people links (the feed's actor lines, "liked by ..." lines).
    const main = doc.querySelector("main") || doc.body;
    if (main) {
      for (const a of main.querySelectorAll("a[href*='/in/']")) {
        const n = visibleText(a).split("\n")[0].trim();
        // A person's name: short, a few capitalised words (not a headline that shares the link).
        if (n && n.length <= 40 && n.split(/\s+/).length <= 4 && /^\p{Lu}/u.test(n)) names.add(n);
        if (names.size > 300) break;
      }
    }
    ctx.names = Array.from(names);
    const pack = S().pack;
    // What extraction health reports (counts and rule ids only, never text).
    ctx.extraction = {
      kind: pageKind,
      dom: domOf(doc),
      rule: rule || "none",
      items: ctx.items.filter((it) => it.text).length,
      posts: posts.items.length,
      pack: pack ? pack.version : 0,
    };
    return ctx;
  }

  root.Herald = Object.assign(root.Herald || {}, {
    extract: {
      MAX_ITEMS,
      normalizeText,
      parseCount,
      nameFromLabel,
      windowAround,
      visibleText,
      findPosts,
      fallbackPosts,
      fallbackItems,
      mainTextBlock,
      domOf,
      extractPost,
      extractPage,
      largestTextBlock,
    },
  });
})(globalThis);
