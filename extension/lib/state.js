// Storage layout and the pure rules around it. The service worker keeps no state in globals: everything it
// needs between events lives in chrome.storage (it can be stopped at any moment).
//
// chrome.storage.local   herald:settings, herald:auth, herald:shares, herald:engagement, herald:snapshot
// chrome.storage.session herald:context:<tabId>, herald:suggest:<tabId>, herald:lastTab
// chrome.storage.managed apiBaseUrl, companyNames (pushed by company IT; see managed_schema.json)

export const KEYS = Object.freeze({
  settings: "herald:settings",
  auth: "herald:auth",
  shares: "herald:shares",
  engagement: "herald:engagement",
  snapshot: "herald:snapshot",
  pack: "herald:pack",
  lastTab: "herald:lastTab",
  panelCache: "herald:panelCache", // lib/panelcache.js: the panel's last suggestions (cold start)
});

export const contextKey = (tabId) => `herald:context:${tabId}`;
export const suggestKey = (tabId) => `herald:suggest:${tabId}`;

export const DEFAULT_SETTINGS = Object.freeze({
  apiBaseUrl: "",
  paused: false,
  onDemand: false,
  snapshots: false,
  companyNames: [],
});

export const SUGGESTION_TTL_MS = 10 * 60 * 1000;
export const ENGAGEMENT_MIN_INTERVAL_MS = 60 * 60 * 1000;
export const SNAPSHOT_MIN_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Effective settings: defaults < the employee's own < what IT pushed by policy (managed wins). */
export function resolveSettings(local, managed) {
  const s = { ...DEFAULT_SETTINGS, ...(local || {}) };
  const m = managed || {};
  const managedKeys = [];
  if (typeof m.apiBaseUrl === "string" && m.apiBaseUrl) {
    s.apiBaseUrl = m.apiBaseUrl;
    managedKeys.push("apiBaseUrl");
  }
  if (Array.isArray(m.companyNames) && m.companyNames.length) {
    s.companyNames = m.companyNames.filter((x) => typeof x === "string" && x.trim());
    managedKeys.push("companyNames");
  }
  s.managed = managedKeys;
  return s;
}

/** https://www.linkedin.com/sharing/share-offsite/?url=<tracked link> (LinkedIn ignores pre-filled text). */
export function shareOffsiteUrl(trackedUrl) {
  return `https://www.linkedin.com/sharing/share-offsite/?url=${encodeURIComponent(trackedUrl)}`;
}

/** A short stable hash (FNV-1a, hex) for cache keys. */
export function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

function trackedPath(url) {
  try {
    const u = new URL(url);
    return u.host + u.pathname.replace(/\/+$/, "");
  } catch (_e) {
    return null;
  }
}

/**
 * The employee's own shared posts among the items in view: an item whose links (or text) contain one of the
 * tracked links we created, with counts to report. Returns [{share_id, counts}].
 */
export function findOwnShares(items, shares) {
  const out = [];
  const list = Object.values(shares || {}).filter((s) => s && s.share_id && s.tracked_url);
  for (const it of items || []) {
    if (!it || !it.counts) continue;
    const hay = [...(it.links || []), it.text || ""].map((x) => String(x));
    for (const s of list) {
      const p = trackedPath(s.tracked_url);
      if (p && hay.some((h) => h.includes(p))) {
        out.push({ share_id: s.share_id, counts: normalizeCounts(it.counts) });
        break;
      }
    }
  }
  return out;
}

export function normalizeCounts(c) {
  const n = (v) => (Number.isInteger(v) && v >= 0 ? v : 0);
  return { reactions: n(c && c.reactions), comments: n(c && c.comments), reposts: n(c && c.reposts) };
}

/** Report engagement when it changed and the last report is old enough (or there was none). */
export function engagementDue(prev, counts, now, minIntervalMs = ENGAGEMENT_MIN_INTERVAL_MS) {
  if (!prev) return true;
  const same = ["reactions", "comments", "reposts"].every((k) => prev.counts && prev.counts[k] === counts[k]);
  if (same) return false;
  return now - (prev.at || 0) >= minIntervalMs;
}

/** One snapshot a day at most, and only with at least one number. */
export function snapshotDue(prev, values, now, minIntervalMs = SNAPSHOT_MIN_INTERVAL_MS) {
  if (!values || (values.connections == null && values.followers == null)) return false;
  if (!prev) return true;
  return now - (prev.at || 0) >= minIntervalMs;
}

/** Items in the context that name the company (any of `terms`, whole words, case-insensitive). */
export function mentionCandidates(ctx, terms) {
  const clean = (terms || []).map((t) => String(t).trim()).filter((t) => t.length >= 2);
  if (!ctx || !clean.length) return [];
  const res = clean.map((t) => new RegExp(`(?<![\\p{L}\\p{N}])${t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`, "iu"));
  const out = [];
  (ctx.items || []).forEach((it, index) => {
    if (it && it.text && res.some((re) => re.test(it.text))) out.push({ index, item: it, url: postUrl(ctx, it) });
  });
  return out;
}

/** The link to a post for the comms team: its /feed/update/<urn>/ page, else the page it was seen on. */
export function postUrl(ctx, item) {
  if (item && item.urn) return `https://www.linkedin.com/feed/update/${item.urn}/`;
  try {
    const u = new URL(ctx.url);
    return u.origin + u.pathname;
  } catch (_e) {
    return "https://www.linkedin.com/feed/";
  }
}

/** A fresh idempotency key (one per Share click, reused on retries of that click). */
export function newIdempotencyKey() {
  return crypto.randomUUID();
}

// ---- extraction health ----------------------------------------------------------------------------

const HEALTH_KINDS = new Set([
  "feed", "activity", "post", "profile", "company", "company-posts", "search-posts", "search-people", "search",
  "article", "other",
]);

/** What is reported about one page view: counts and rule ids only, never text (see lib/extract.js). */
export function healthReport(ctx, extensionVersion) {
  const e = ctx && ctx.extraction;
  if (!e || !HEALTH_KINDS.has(e.kind)) return null;
  const rule = String(e.rule || "none").replace(/[^A-Za-z0-9:+_-]/g, "-").slice(0, 120);
  const readItems = rule === "largest-text-block" || rule === "search:keywords" ? 0 : e.items;
  return {
    page_kind: e.kind,
    dom: ["classic", "2026", "guest"].includes(e.dom) ? e.dom : "unknown",
    rule,
    items: Number.isInteger(readItems) ? Math.min(Math.max(readItems, 0), 1000) : 0,
    pack_version: Number.isInteger(e.pack) ? e.pack : 0,
    extension_version: extensionVersion,
  };
}

