// The Herald API client. Only the service worker imports this (only it talks to the API).

export class ApiError extends Error {
  /**
   * code: "offline" (no connection), "timeout", "unauthorized" (token expired or revoked: re-pair),
   * "not_configured", or the server's error code ("validation_error", "not_found", ...).
   */
  constructor(code, message, { status = 0, details = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toJSON() {
    return { code: this.code, message: this.message, status: this.status, details: this.details };
  }
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A validated API base URL without a trailing slash, e.g. "https://herald.example.com".
 * https only, except for localhost during development. Throws ApiError("invalid_url").
 */
export function normalizeBaseUrl(input) {
  let u;
  try {
    u = new URL(String(input || "").trim());
  } catch (_e) {
    throw new ApiError("invalid_url", "Not a URL");
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && LOCAL_HOSTS.has(u.hostname))) {
    throw new ApiError("invalid_url", "The API address must start with https://");
  }
  if (u.username || u.password || u.search || u.hash) throw new ApiError("invalid_url", "Unexpected parts in the URL");
  return (u.origin + u.pathname).replace(/\/+$/, "");
}

/** One API call. Resolves to the parsed JSON body (or null for 204); rejects with ApiError. */
export async function apiRequest({ baseUrl, token, method = "GET", path, body, headers = {}, fetchImpl, timeoutMs = 15000 }) {
  if (!baseUrl) throw new ApiError("not_configured", "No API address configured");
  const doFetch = fetchImpl || globalThis.fetch.bind(globalThis);
  const h = { Accept: "application/json", ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h["Content-Type"] = "application/json";
  let res;
  try {
    res = await doFetch(baseUrl + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (e) {
    if (e && (e.name === "TimeoutError" || e.name === "AbortError")) throw new ApiError("timeout", "The server did not answer in time");
    throw new ApiError("offline", "Cannot reach the Herald server");
  }
  let data = null;
  const text = await res.text().catch(() => "");
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_e) {
      data = null;
    }
  }
  if (res.ok) return data;
  const err = data && data.error ? data.error : {};
  if (res.status === 401) throw new ApiError("unauthorized", err.message || "Token expired or revoked", { status: 401 });
  throw new ApiError(err.code || `http_${res.status}`, err.message || `HTTP ${res.status}`, { status: res.status, details: err.details || null });
}
