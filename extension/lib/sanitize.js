// What leaves the browser. Pure functions: the service worker runs every context through
// buildOutgoingContext() before it calls the API, and the panel shows its result verbatim ("What Herald sees").

export const MAX_CONTEXT_CHARS = 1000;
export const MAX_SNIPPET_CHARS = 280;

const WORD = "[\\p{L}\\p{N}_]";
const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
// "@Anna Jensen", "@anna.jensen": the handle plus up to two following capitalised words.
const MENTION_RE = /(?<![\p{L}\p{N}_])@[\p{L}\p{N}_.-]+(?:\s+\p{Lu}[\p{L}'-]+){0,2}/gu;
const PHONE_CANDIDATE_RE = /(?<![\p{L}\p{N}])(?:\+|00)?\(?\d[\d \u00a0().\/-]{5,}\d(?![\p{L}\p{N}])/gu;
const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** True when `s` (a run of digits and separators) reads as a phone number rather than a year, date or amount. */
export function looksLikePhone(s) {
  const digits = s.replace(/\D/g, "");
  if (digits.length < 8 || digits.length > 15) return false;
  const t = s.trim();
  if (/^(?:\+|00|\()/.test(t)) return true;
  if (/^\d{4}\s*[-/–]\s*\d{4}$/.test(t)) return false; // 2024-2025
  if (/^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/.test(t)) return false; // dates
  if (/^\d{1,3}([.,]\d{3})+$/.test(t)) return false; // 12.345.678 (an amount)
  return true;
}

/** Cleans a person's name for matching: drops credentials ("Anna Jensen, PhD"), emoji and extra spaces. */
export function cleanName(name) {
  return String(name || "")
    .split(/[,|(•·–]/u)[0]
    .replace(/[^\p{L}\p{M}\s'.-]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Removes names (whole names, then their capitalised parts), @mentions, e-mail addresses and phone numbers,
 * reduces URLs to their host, and caps the length at a word boundary.
 */
export function sanitizeText(text, { names = [], maxLength = MAX_CONTEXT_CHARS } = {}) {
  let s = String(text || "");
  s = s.replace(EMAIL_RE, "[email]");
  s = s.replace(URL_RE, (u) => {
    try {
      return new URL(u).hostname;
    } catch (_e) {
      return "";
    }
  });
  s = s.replace(MENTION_RE, "[mention]");
  s = s.replace(PHONE_CANDIDATE_RE, (m) => (looksLikePhone(m) ? "[phone]" : m));

  const cleaned = Array.from(new Set(names.map(cleanName).filter((n) => n.length >= 2)));
  // Longest first, so "Anna Marie Jensen" goes before "Anna".
  cleaned.sort((a, b) => b.length - a.length);
  for (const name of cleaned) {
    const re = new RegExp(`(?<!${WORD})${escapeRe(name).replace(/ /g, "\\s+")}(?!${WORD})`, "gu");
    s = s.replace(re, "[name]");
  }
  const parts = new Set();
  for (const name of cleaned) {
    const words = name.split(" ");
    if (words.length > 4) continue; // not a person's name
    for (const w of words) {
      // Only capitalised parts of at least two letters, matched case-sensitively ("Will" yes, "will" no).
      if (w.length >= 2 && /^\p{Lu}/u.test(w) && !/^\p{Lu}\.?$/u.test(w)) parts.add(w.replace(/\.$/, ""));
    }
  }
  for (const w of parts) {
    const re = new RegExp(`(?<!${WORD})${escapeRe(w)}(?!${WORD})`, "gu");
    s = s.replace(re, "[name]");
  }
  s = s.replace(/\[name\](?:\s+\[name\])+/g, "[name]");
  s = s.replace(/[ \t]+/g, " ").replace(/\n{3,}/g, "\n\n").trim();
  return capLength(s, maxLength);
}

/** Cuts `s` to at most `max` characters, at a word boundary when one is near. */
export function capLength(s, max) {
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  const sp = cut.lastIndexOf(" ");
  return (sp > max * 0.8 ? cut.slice(0, sp) : cut).trim();
}

/**
 * The page URL as sent: no query string or fragment, and no person in it. Profile and public-post URLs carry
 * people's names in their slugs, so they are reduced to /in/ and to the post's URN.
 */
export function sanitizeUrl(url, pageType) {
  let u;
  try {
    u = new URL(url);
  } catch (_e) {
    return "https://www.linkedin.com/";
  }
  const origin = "https://www.linkedin.com";
  const path = u.pathname;
  if (pageType === "profile") return `${origin}/in/`;
  if (pageType === "post") {
    const m = /(urn:li:(?:activity|share|ugcPost):\d+)/.exec(decodeURIComponent(path)) || /-activity-(\d{10,})-/.exec(path);
    if (m) return `${origin}/feed/update/${m[1].startsWith("urn:") ? m[1] : `urn:li:activity:${m[1]}`}/`;
    return `${origin}/feed/`;
  }
  if (pageType === "company") {
    const m = /^\/(company|showcase|school)\/([^/]+)/.exec(path);
    return m ? `${origin}/${m[1]}/${m[2]}/` : `${origin}/`;
  }
  if (pageType === "search") return `${origin}/search/results/`;
  if (pageType === "feed") return `${origin}/feed/`;
  if (pageType === "article") {
    const m = /^\/pulse\/([^/]+)/.exec(path);
    return m ? `${origin}/pulse/${m[1]}/` : `${origin}/pulse/`;
  }
  return `${origin}/`;
}

const PAGE_TYPES = new Set(["feed", "post", "profile", "company", "search", "article", "other"]);

/**
 * The `context` body sent to POST /api/v1/suggestions, built from a stored page context
 * ({url, pageType, items, focused, names}), or null when there is nothing to send.
 */
export function buildOutgoingContext(ctx, { maxLength = MAX_CONTEXT_CHARS } = {}) {
  if (!ctx || !Array.isArray(ctx.items) || !ctx.items.length) return null;
  const pageType = PAGE_TYPES.has(ctx.pageType) ? ctx.pageType : "other";
  const idx = Number.isInteger(ctx.focused) && ctx.focused >= 0 && ctx.focused < ctx.items.length ? ctx.focused : 0;
  const item = ctx.items[idx] || {};
  const names = [...(ctx.names || [])];
  for (const it of ctx.items) {
    if (it.author) names.push(it.author);
    for (const n of it.mentioned || []) names.push(n);
  }
  const text = sanitizeText(item.text || "", { names, maxLength });
  if (!text) return null;
  return { url: sanitizeUrl(ctx.url, pageType), page_type: pageType, text };
}

/** A short snippet for flagging a mention to the comms team: sanitised, around the first hit of a term. */
export function mentionSnippet(text, terms, names = [], max = MAX_SNIPPET_CHARS) {
  const clean = sanitizeText(text, { names, maxLength: 5000 });
  const lower = clean.toLowerCase();
  let at = -1;
  for (const t of terms) {
    const i = lower.indexOf(String(t).toLowerCase());
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (clean.length <= max || at < 0) return capLength(clean, max);
  const start = Math.max(0, at - Math.floor(max / 3));
  const slice = clean.slice(start, start + max);
  return (start > 0 ? "…" : "") + capLength(slice, max - 1);
}
