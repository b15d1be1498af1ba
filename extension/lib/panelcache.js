// The panel's last state, kept so a cold start (browser just opened, service worker stopped, API slow) paints
// at once: the side panel reads chrome.storage.local itself, renders what it showed last, then refreshes
// through the service worker. Only what the API sent (company articles, the employee's name); never anything
// read from LinkedIn. Forgotten on disconnect.

export const PANEL_CACHE_KEY = "herald:panelCache";
export const PANEL_CACHE_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_ITEMS = 10;

/** What to keep after a successful render: {at, name, lang, response: {request_id, degraded, items}}. */
export function cacheEntry(state, response, lang, now = Date.now()) {
  if (!state || !state.paired || !response || !Array.isArray(response.items)) return null;
  const emp = state.employee || {};
  return {
    at: now,
    name: typeof emp.name === "string" ? emp.name : "",
    lang: String(lang || ""),
    response: {
      request_id: typeof response.request_id === "string" ? response.request_id : null,
      degraded: Boolean(response.degraded),
      items: response.items.slice(0, MAX_ITEMS),
    },
  };
}

/** The cached entry when it may be shown now (recent, same UI language: reasons are localized), else null. */
export function usableCache(entry, lang, now = Date.now()) {
  if (!entry || typeof entry !== "object" || !entry.response || !Array.isArray(entry.response.items)) return null;
  if (!Number.isFinite(entry.at) || now - entry.at > PANEL_CACHE_MAX_AGE_MS || entry.at > now + 60_000) return null;
  if (entry.lang && lang && entry.lang !== String(lang)) return null;
  return entry;
}
