// The employee's own things, for the side panel: consents, data export, erasure request, the saved list and
// the personal queue. Service-worker side: message handlers over the API call (only the service worker talks
// to the API). Pure request builders are exported for the unit tests.
import { ApiError } from "./api.js";

export const ME_MSG = Object.freeze({
  ME_GET: "me:get",
  CONSENTS_SET: "me:consents",
  EXPORT: "me:export",
  ERASURE_GET: "me:erasure:get",
  ERASURE_REQUEST: "me:erasure",
  SAVED_LIST: "saved:list",
  SAVED_ADD: "saved:add",
  SAVED_REMOVE: "saved:remove",
  QUEUE_LIST: "queue:list",
  QUEUE_ADD: "queue:add",
  QUEUE_REMOVE: "queue:remove",
});

/** PATCH /me body for the panel's switches. Leaderboard: the consent and the opt-out flag move together. */
export function consentPatch(p) {
  const consents = {};
  const body = { consents };
  if (typeof p.leaderboard === "boolean") {
    consents.leaderboard = p.leaderboard;
    body.leaderboard_opt_out = !p.leaderboard;
  }
  if (typeof p.digest_email === "boolean") consents.digest_email = p.digest_email;
  if (!Object.keys(consents).length) throw new ApiError("validation_error", "Nothing to change");
  return body;
}

/** The panel's view of my consents (a missing consent is not given). */
export function consentView(employee) {
  const c = (employee && employee.consents) || {};
  return {
    leaderboard: c.leaderboard === true && !(employee && employee.leaderboard_opt_out),
    digest_email: c.digest_email === true,
    profile_snapshots: c.profile_snapshots === true,
  };
}

const id = (v) => {
  if (!Number.isInteger(v) || v <= 0) throw new ApiError("validation_error", "Bad id");
  return v;
};

/** Handlers keyed by message type; `api(method, path, body)` is the service worker's API call. */
export function meHandlers(api) {
  return {
    [ME_MSG.ME_GET]: async () => {
      const employee = await api("GET", "/api/v1/me");
      return { employee, consents: consentView(employee) };
    },
    [ME_MSG.CONSENTS_SET]: async (p) => {
      const employee = await api("PATCH", "/api/v1/me", consentPatch(p || {}));
      return { employee, consents: consentView(employee) };
    },
    [ME_MSG.EXPORT]: () => api("GET", "/api/v1/me/export"),
    [ME_MSG.ERASURE_GET]: () => api("GET", "/api/v1/me/erasure"),
    [ME_MSG.ERASURE_REQUEST]: () => api("POST", "/api/v1/me/erasure", {}),
    [ME_MSG.SAVED_LIST]: () => api("GET", "/api/v1/me/saved"),
    [ME_MSG.SAVED_ADD]: (p) => api("POST", "/api/v1/me/saved", { article_id: id(p && p.article_id) }),
    [ME_MSG.SAVED_REMOVE]: (p) => api("DELETE", `/api/v1/me/saved/${id(p && p.article_id)}`),
    [ME_MSG.QUEUE_LIST]: () => api("GET", "/api/v1/me/queue"),
    [ME_MSG.QUEUE_ADD]: (p) => {
      const body = { article_id: id(p && p.article_id), due_at: String((p && p.due_at) || "") };
      if (typeof p.caption === "string" && p.caption.trim()) body.caption = p.caption.slice(0, 3000);
      return api("POST", "/api/v1/me/queue", body);
    },
    [ME_MSG.QUEUE_REMOVE]: (p) => api("DELETE", `/api/v1/me/queue/${id(p && p.id)}`),
  };
}
