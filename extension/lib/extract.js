// Reading a LinkedIn page: what the employee is looking at, as plain data. Read-only: nothing here (or in
// content.js) inserts, moves, restyles or annotates an element of the page.
//
// Classic script + ES-module compatible (see pagetype.js): registers globalThis.Herald.extract.
// Needs Herald.selectors and Herald.pageType (loaded before it). The text helpers at the top are pure.
(function (root) {
  "use strict";

  const MAX_ITEMS = 10; // posts kept around the focused one
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

  /** The outermost matches only (2026 list items can nest: comments inside posts). */
  function outermost(els) {
    return els.filter((el) => !els.some((other) => other !== el && other.contains(el)));
  }

  /** Post elements in document order. Empty feed placeholders are left out. */
  function findPosts(doc) {
    const posts = outermost(S().all(doc, "post"));
    return posts.filter((el) => S().one(el, "postText") || S().value(el, "postAuthor", textOf));
  }

  function countsOf(postEl) {
    const read = (key) => {
      const v = S().value(postEl, key, textOf);
      return v == null ? null : parseCount(v);
    };
    const counts = { reactions: read("reactionsCount"), comments: read("commentsCount"), reposts: read("repostsCount") };
    return counts.reactions == null && counts.comments == null && counts.reposts == null ? null : counts;
  }

  /** One post as {text, author?, urn?} plus, where present, links, counts and the names mentioned in it. */
  function extractPost(postEl) {
    const textEl = S().one(postEl, "postText");
    const item = { text: textEl ? visibleText(textEl).slice(0, MAX_ITEM_CHARS) : "" };
    const author = S().value(postEl, "postAuthor", textOf);
    if (author) item.author = author;
    const urn = S().value(postEl, "postUrn");
    if (urn) item.urn = urn;
    const links = [];
    for (const probe of S().REGISTRY.postLink) {
      for (const a of S().queryProbe(postEl, probe)) {
        const href = S().probeValue(a, probe);
        if (href && !links.includes(href)) links.push(href);
      }
    }
    if (links.length) item.links = links.slice(0, 10);
    const counts = countsOf(postEl);
    if (counts) item.counts = counts;
    const names = textEl
      ? S().all(textEl, "mentionedPerson").map((a) => visibleText(a)).filter(Boolean)
      : [];
    if (names.length) item.mentioned = Array.from(new Set(names));
    return item;
  }

  /** The block with the most visible text in <main> (or <body>): the last resort when no selector matches. */
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
    const ranked = Array.from(score.entries()).sort((a, b) => b[1] - a[1]);
    for (const [el] of ranked) {
      if (typeof el.checkVisibility === "function" && !el.checkVisibility()) continue;
      return visibleText(el).slice(0, MAX_ITEM_CHARS);
    }
    return "";
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

  /**
   * The page as {url, pageType, items: [{text, author?, urn?, ...}], focused, names, ...}.
   * `focusEl` is the post most in view (chosen by the content script's IntersectionObserver).
   */
  function extractPage(doc, url, focusEl) {
    const H = root.Herald;
    const pageType = H.pageType.detectPageType(url);
    const ctx = { url: String(url), pageType, items: [], focused: 0 };
    const names = new Set();

    if (pageType === "feed" || pageType === "post") {
      const posts = findPosts(doc);
      const all = [];
      let focused = 0;
      posts.forEach((el) => {
        const item = extractPost(el);
        if (!item.text && !item.author) return;
        if (focusEl && (el === focusEl || el.contains(focusEl) || focusEl.contains(el))) focused = all.length;
        all.push(item);
      });
      if (pageType === "post") {
        // The post of the URL first (a post page can list related posts under it).
        const want = H.pageType.urnFromUrl(url);
        const idx = want ? all.findIndex((it) => it.urn === want) : -1;
        focused = idx >= 0 ? idx : 0;
      }
      const w = windowAround(all, focused, MAX_ITEMS);
      ctx.items = w.items;
      ctx.focused = w.focused;
    } else if (pageType === "profile") {
      const name = S().value(doc, "profileName", textOf);
      const headline = S().value(doc, "profileHeadline", textOf) || "";
      const about = S().value(doc, "profileAbout", textOf) || "";
      const text = normalizeText([headline, about].filter(Boolean).join("\n\n"));
      if (text || name) ctx.items = [name ? { text, author: name } : { text }];
      const top = S().one(doc, "profileTopCard");
      const own = Boolean(S().one(doc, "ownProfileMarker"));
      const profile = { own, ...profileNumbers(top) };
      if (own) {
        const views = S().one(doc, "profileViews");
        const v = views ? parseCount(visibleText(views)) : null;
        if (v != null) profile.profileViews = v;
      }
      ctx.profile = profile;
    } else if (pageType === "company") {
      const name = S().value(doc, "companyName", textOf);
      const tagline = S().value(doc, "companyTagline", textOf) || "";
      const about = S().value(doc, "companyAbout", textOf) || "";
      const text = normalizeText([tagline, about].filter(Boolean).join("\n\n"));
      if (text) ctx.items = [{ text }];
      if (name) ctx.companyName = name;
    } else if (pageType === "search") {
      const q = H.pageType.searchKeywords(url);
      if (q) ctx.items = [{ text: q }];
    } else if (pageType === "article") {
      const title = S().value(doc, "articleTitle", textOf) || "";
      const body = S().value(doc, "articleBody", textOf) || "";
      const author = S().value(doc, "articleAuthor", textOf);
      const text = normalizeText([title, body.slice(0, 1500)].filter(Boolean).join("\n\n"));
      if (text) ctx.items = [author ? { text, author } : { text }];
    }

    if (!ctx.items.length || !ctx.items.some((it) => it.text)) {
      const text = largestTextBlock(doc);
      ctx.items = text ? [{ text }] : [];
      ctx.focused = 0;
      ctx.fallback = true;
    }

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
        if (names.size > 200) break;
      }
    }
    ctx.names = Array.from(names);
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
      extractPost,
      extractPage,
      largestTextBlock,
    },
  });
})(globalThis);
