// One-click pairing: the company's Herald pairing page (an origin listed in the manifest's
// externally_connectable, stamped in by `build.py --herald-origin`) sends the one-time code it just issued
// to the extension with chrome.runtime.sendMessage(extensionId, {type: "pair:code", payload: {code, server}}).
// These pure rules decide whether such a message may pair the extension.
import { ApiError, normalizeBaseUrl } from "./api.js";

export const EXTERNAL_PAIR = "pair:code";
const CODE = /^[A-Za-z0-9-]{4,40}$/;

/**
 * {code, apiBaseUrl} for a pairing request from a web page, or throws ApiError. The page must be served by the
 * very server it names (so a page can only pair the extension with its own server), and a server address
 * pushed by company IT wins: a page of another server cannot move the extension away from it.
 */
export function externalPairRequest(msg, senderOrigin, settings) {
  if (!msg || typeof msg !== "object" || msg.type !== EXTERNAL_PAIR) throw new ApiError("unknown_type", "Unknown message");
  const p = msg.payload && typeof msg.payload === "object" ? msg.payload : {};
  const code = String(p.code || "").trim();
  if (!CODE.test(code)) throw new ApiError("validation_error", "Bad pairing code");
  const apiBaseUrl = normalizeBaseUrl(p.server);
  if (new URL(apiBaseUrl).origin !== senderOrigin) throw new ApiError("forbidden", "The page is not served by that Herald server");
  const managed = settings && Array.isArray(settings.managed) && settings.managed.includes("apiBaseUrl");
  if (managed && normalizeBaseUrl(settings.apiBaseUrl) !== apiBaseUrl) {
    throw new ApiError("forbidden", "Your company set another Herald server");
  }
  return { code, apiBaseUrl };
}

/** The options page's fallback: options.html#code=<code>&server=<address> fills in the pairing form. */
export function pairingFromHash(hash) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  const code = (params.get("code") || "").trim();
  if (!CODE.test(code)) return null;
  return { code, server: (params.get("server") || "").trim() };
}
