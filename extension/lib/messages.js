// Messages are {type, payload}. One dispatch table per receiver; unknown types warn; privileged types are only
// accepted from the extension's own pages; the listener is never async (it returns true and answers later).

export const MSG = Object.freeze({
  // from the content script
  CONTEXT_UPDATE: "context:update",
  PACK_GET: "pack:get",
  SHARES_PENDING: "shares:pending", // the tracked links of my shares not yet confirmed
  SHARES_CONFIRM: "shares:confirm", // {codes}: those links seen in posts on the page
  // to the content script
  CONTEXT_REQUEST: "context:request",
  // from the side panel and the options page (privileged)
  PANEL_STATE: "panel:state",
  SUGGESTIONS_GET: "suggestions:get",
  EVENT_SEND: "event:send",
  SHARE_CREATE: "share:create",
  STATS_GET: "stats:get",
  GUIDELINES_GET: "guidelines:get",
  GUIDELINE_ACK: "guidelines:ack",
  TRAINING_GET: "training:get",
  MENTIONS_GET: "mentions:get",
  MENTION_FLAG: "mention:flag",
  PACK_STATE: "pack:state",
  SETTINGS_GET: "settings:get",
  SETTINGS_SET: "settings:set",
  AUTH_PAIR: "auth:pair",
  AUTH_REVOKE: "auth:revoke",
});

/** Where a message comes from: "extension" (our pages), "linkedin" (our content script there), or null. */
export function senderKind(sender, extensionId, extensionOrigin) {
  if (!sender || sender.id !== extensionId) return null;
  const url = sender.url || (sender.tab && sender.tab.url) || "";
  if (url.startsWith(extensionOrigin)) return "extension";
  if (sender.tab && typeof sender.tab.id === "number" && /^https:\/\/www\.linkedin\.com\//.test(url)) return "linkedin";
  return null;
}

/**
 * Builds a chrome.runtime.onMessage listener from a table {type: {from: "extension"|"linkedin", handle(payload, sender)}}.
 * Handlers may return a value or a promise; the reply is {ok: true, data} or {ok: false, error: {code, message}}.
 */
export function createDispatcher(table, { extensionId, extensionOrigin, warn = console.warn } = {}) {
  return function onMessage(msg, sender, sendResponse) {
    const type = msg && typeof msg === "object" ? msg.type : undefined;
    const entry = typeof type === "string" && Object.prototype.hasOwnProperty.call(table, type) ? table[type] : null;
    if (!entry) {
      warn(`Herald: unknown message type ${JSON.stringify(type)}`);
      return false;
    }
    const kind = senderKind(sender, extensionId, extensionOrigin);
    if (kind !== entry.from) {
      warn(`Herald: refused ${type} from ${kind || "an unknown sender"}`);
      sendResponse({ ok: false, error: { code: "forbidden", message: "Not allowed from this sender" } });
      return false;
    }
    Promise.resolve()
      .then(() => entry.handle(msg.payload === undefined ? {} : msg.payload, sender))
      .then(
        (data) => sendResponse({ ok: true, data: data === undefined ? null : data }),
        (e) => {
          const error = e && typeof e.toJSON === "function" ? e.toJSON() : { code: (e && e.code) || "internal", message: String((e && e.message) || e) };
          sendResponse({ ok: false, error });
        },
      );
    return true; // answer asynchronously
  };
}

/** Sends a message from an extension page; resolves to data or rejects with {code, message}. */
export function call(type, payload) {
  return chrome.runtime.sendMessage({ type, payload }).then((res) => {
    if (!res) throw { code: "no_response", message: "No answer from the service worker" };
    if (!res.ok) throw res.error;
    return res.data;
  });
}
