// Content script: reads what the employee is looking at on www.linkedin.com and tells the service worker.
// It only reads. No element is inserted, moved, restyled or annotated (LinkedIn's user agreement forbids
// overlays), no page script is injected, and nothing is sent anywhere but to this extension's service worker.
//
// One "page view" per URL (LinkedIn is a single-page app): each gets an AbortController that tears down its
// observers and timers. Observers are scoped: the feed container for new posts (never <html>/<body>), and an
// IntersectionObserver on the posts themselves for the one most in view.
(function () {
  "use strict";

  const H = globalThis.Herald;
  const SEND_DEBOUNCE_MS = 400;
  const RESCAN_DEBOUNCE_MS = 600;
  const MAX_WAIT_MS = 1000; // a page that never stops changing is still read at least this often
  const URL_POLL_MS = 1000;

  let view = null; // {key, controller}
  let lastSent = "";

  function send(type, payload) {
    try {
      chrome.runtime.sendMessage({ type, payload }).catch(() => {});
    } catch (_e) {
      // The extension was reloaded or removed: this copy of the script is orphaned. Stop quietly.
      view?.controller.abort();
      view = null;
    }
  }

  /** Debounce with a ceiling: calls `fn` `ms` after the last call, and at least every MAX_WAIT_MS. */
  function debounce(fn, ms, signal) {
    let t = null;
    let first = 0;
    signal.addEventListener("abort", () => clearTimeout(t));
    return () => {
      const now = Date.now();
      if (!first) first = now;
      clearTimeout(t);
      const wait = Math.max(0, Math.min(ms, first + MAX_WAIT_MS - now));
      t = setTimeout(() => {
        first = 0;
        if (!signal.aborted) fn();
      }, wait);
    };
  }

  // The selector pack. A page is read at once with the bundled pack (selectors/bundled.js, loaded with this
  // script): extraction never waits for the service worker, which may be starting up. Meanwhile the service
  // worker is asked for the newest valid pack; a served pack that is newer and whose CSS parses here (there is
  // a DOM parser here, not there) replaces the bundled one and the page view is read again with it. Until
  // that answer the context is marked `extraction.settled: false` (extraction health waits for the settled
  // reading, so a page read first with the bundled pack and then with a served fix is reported once).
  const BUNDLED = H.pack.compile(H.bundledPack);
  let settled = false;
  let packAsked = null;
  H.selectors.use(BUNDLED);

  function askPack() {
    if (packAsked) return packAsked;
    packAsked = Promise.resolve()
      .then(() => chrome.runtime.sendMessage({ type: "pack:get", payload: {} }))
      .then((res) => {
        const pack = res && res.ok && res.data && res.data.source === "served" ? res.data.pack : null;
        if (pack && pack.version > BUNDLED.version && !H.pack.validate(pack).length) {
          H.selectors.use(H.pack.compile(pack));
          return true; // a different pack: read again
        }
        return false;
      })
      .catch(() => false) // no answer (the extension was reloaded): the bundled pack stays
      .then((changed) => {
        settled = true;
        return changed;
      });
    return packAsked;
  }

  function publish(ctx) {
    if (ctx.extraction) ctx.extraction.settled = settled;
    const json = JSON.stringify(ctx);
    if (json === lastSent) return;
    lastSent = json;
    send("context:update", ctx);
    if (ctx.items && ctx.items.length) confirmShares();
  }

  // Confirmed shares (lib/shares.js): the tracked links of my shares not yet confirmed, asked once per page
  // view, are looked for in the posts read; only the codes found go to the service worker, each once.
  let pending = null; // {key, urls: Promise<string[]>}
  const handedOver = new Set();
  function confirmShares() {
    const key = view ? view.key : "";
    if (!pending || pending.key !== key) {
      const urls = Promise.resolve()
        .then(() => chrome.runtime.sendMessage({ type: "shares:pending", payload: {} }))
        .then((res) => (res && res.ok && Array.isArray(res.data) ? res.data : []))
        .catch(() => []);
      pending = { key, urls };
    }
    pending.urls.then((urls) => {
      const todo = urls.filter((u) => !handedOver.has(H.shares.codeOf(u)));
      if (!todo.length) return;
      let posts = H.extract.findPosts(document);
      if (!posts.length) posts = H.extract.fallbackItems(document).elements;
      const codes = H.shares.codesIn(posts, todo);
      if (!codes.length) return;
      for (const c of codes) handedOver.add(c);
      send("shares:confirm", { codes });
    });
  }

  function startFeedTracking(signal) {
    const ratios = new Map(); // element -> visible height in px
    let focusEl = null;
    const observed = new WeakSet();

    const sendNow = () => publish(H.extract.extractPage(document, location.href, focusEl));
    const sendSoon = debounce(sendNow, SEND_DEBOUNCE_MS, signal);
    // A context right away: focus only chooses the item later, it never decides whether there is one.
    sendNow();

    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          if (e.isIntersecting) ratios.set(e.target, e.intersectionRect.height);
          else ratios.delete(e.target);
        }
        let best = null;
        let bestPx = 0;
        for (const [el, px] of ratios) {
          if (!el.isConnected) {
            ratios.delete(el);
            continue;
          }
          if (px > bestPx) {
            best = el;
            bestPx = px;
          }
        }
        if (best && best !== focusEl) {
          focusEl = best;
          sendSoon();
        }
      },
      { threshold: [0, 0.1, 0.25, 0.5, 0.75, 1] },
    );
    signal.addEventListener("abort", () => io.disconnect());

    const scan = () => {
      for (const el of H.extract.findPosts(document)) {
        if (!observed.has(el)) {
          observed.add(el);
          io.observe(el);
        }
      }
      sendSoon();
    };
    const rescanSoon = debounce(scan, RESCAN_DEBOUNCE_MS, signal);

    // New posts arrive by infinite scroll: watch the feed container only, children only, no attributes.
    let container = null;
    const mo = new MutationObserver(rescanSoon);
    signal.addEventListener("abort", () => mo.disconnect());
    const attach = () => {
      const c = H.selectors.one(document, "feedContainer");
      if (c && c !== container) {
        mo.disconnect();
        container = c;
        mo.observe(c, { childList: true, subtree: true });
      }
    };
    attach();
    scan();
    // The container itself can be swapped by LinkedIn's router: re-check cheaply while this view lives.
    const t = setInterval(() => {
      attach();
    }, 2000);
    signal.addEventListener("abort", () => clearInterval(t));
    return sendNow;
  }

  function startSinglePage(signal) {
    const sendNow = () => publish(H.extract.extractPage(document, location.href, null));
    const sendSoon = debounce(sendNow, RESCAN_DEBOUNCE_MS, signal);
    sendNow();
    // Content of profile/company/post pages streams in after navigation; re-read when <main> changes.
    const main = document.querySelector("main");
    if (main) {
      const mo = new MutationObserver(sendSoon);
      mo.observe(main, { childList: true, subtree: true, characterData: true });
      signal.addEventListener("abort", () => mo.disconnect());
    }
    sendSoon();
    return sendNow;
  }

  function startView() {
    const key = H.pageType.pageViewKey(location.href);
    if (view && view.key === key) return;
    view?.controller.abort();
    const controller = new AbortController();
    view = { key, controller };
    lastSent = "";
    const signal = controller.signal;
    const type = H.pageType.detectPageType(location.href);
    // Pages that list posts track which one is in view; profile/company pages list posts too.
    const listing = type === "feed" || type === "post" || type === "search" || type === "company" || type === "profile";
    const reread = listing ? startFeedTracking(signal) : startSinglePage(signal);
    if (!settled) {
      askPack().then((changed) => {
        if (signal.aborted) return;
        if (changed) {
          controller.abort(); // the served pack reads this page view again from the start
          view = null;
          startView();
        } else reread();
      });
    }
  }

  function onUrlMaybeChanged() {
    if (view && view.key === H.pageType.pageViewKey(location.href)) return;
    // Give the single-page app a moment to render the new view before reading it.
    setTimeout(startView, 50);
  }

  // The service worker can ask for a fresh reading (the panel opened, or it was restarted).
  chrome.runtime.onMessage.addListener((msg, _sender, sendResponse) => {
    if (msg && msg.type === "context:request") {
      lastSent = "";
      askPack().then(() => {
        const ctx = H.extract.extractPage(document, location.href, null);
        ctx.extraction.settled = settled;
        sendResponse({ ok: true, data: ctx });
      });
      return true;
    }
    return false;
  });

  // LinkedIn navigates with history.pushState, which fires no event a content script can hear from its
  // isolated world in every browser. Listen where we can, and poll location.href once a second (cheap) as well.
  if (globalThis.navigation && typeof globalThis.navigation.addEventListener === "function") {
    globalThis.navigation.addEventListener("navigatesuccess", onUrlMaybeChanged);
  }
  window.addEventListener("popstate", onUrlMaybeChanged);
  setInterval(onUrlMaybeChanged, URL_POLL_MS);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startView, { once: true });
  else startView();
})();
