import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, apiRequest, normalizeBaseUrl } from "../lib/api.js";

test("normalizeBaseUrl", () => {
  assert.equal(normalizeBaseUrl(" https://herald.example.com/ "), "https://herald.example.com");
  assert.equal(normalizeBaseUrl("https://x.example/herald/"), "https://x.example/herald");
  assert.equal(normalizeBaseUrl("http://127.0.0.1:5000"), "http://127.0.0.1:5000");
  assert.equal(normalizeBaseUrl("http://localhost:5000/"), "http://localhost:5000");
  for (const bad of ["http://herald.example.com", "ftp://x", "nonsense", "", "https://u:p@x.example", "https://x.example/?a=1"]) {
    assert.throws(() => normalizeBaseUrl(bad), (e) => e instanceof ApiError && e.code === "invalid_url", bad);
  }
});

function fakeFetch(status, body, seen) {
  return async (url, init) => {
    seen?.push({ url, init });
    return new Response(body === null ? null : JSON.stringify(body), { status });
  };
}

test("sends the bearer token and JSON body, parses JSON", async () => {
  const seen = [];
  const data = await apiRequest({
    baseUrl: "https://h.example",
    token: "tok",
    method: "POST",
    path: "/api/v1/events",
    body: { a: 1 },
    headers: { "Idempotency-Key": "k" },
    fetchImpl: fakeFetch(201, { ok: 1 }, seen),
  });
  assert.deepEqual(data, { ok: 1 });
  assert.equal(seen[0].url, "https://h.example/api/v1/events");
  assert.equal(seen[0].init.headers.Authorization, "Bearer tok");
  assert.equal(seen[0].init.headers["Idempotency-Key"], "k");
  assert.equal(seen[0].init.body, '{"a":1}');
  assert.equal(seen[0].init.credentials, "omit");
});

test("204 gives null", async () => {
  assert.equal(await apiRequest({ baseUrl: "https://h", path: "/x", fetchImpl: fakeFetch(204, null) }), null);
});

test("401 is unauthorized (re-pair)", async () => {
  await assert.rejects(
    apiRequest({ baseUrl: "https://h", path: "/x", fetchImpl: fakeFetch(401, { error: { code: "unauthorized", message: "Token revoked" } }) }),
    (e) => e.code === "unauthorized" && e.status === 401 && e.message === "Token revoked",
  );
});

test("the error body's code, message and details are kept", async () => {
  const body = { error: { code: "validation_error", message: "Bad", details: [{ field: "limit" }] } };
  await assert.rejects(
    apiRequest({ baseUrl: "https://h", path: "/x", fetchImpl: fakeFetch(422, body) }),
    (e) => e.code === "validation_error" && e.status === 422 && e.details[0].field === "limit",
  );
  await assert.rejects(apiRequest({ baseUrl: "https://h", path: "/x", fetchImpl: fakeFetch(503, null) }), (e) => e.code === "http_503");
});

test("network failure is offline; no base URL is not_configured", async () => {
  const failing = async () => {
    throw new TypeError("Failed to fetch");
  };
  await assert.rejects(apiRequest({ baseUrl: "https://h", path: "/x", fetchImpl: failing }), (e) => e.code === "offline");
  await assert.rejects(apiRequest({ baseUrl: "", path: "/x" }), (e) => e.code === "not_configured");
});

test("timeouts are reported as such", async () => {
  const slow = (_url, init) =>
    new Promise((_res, rej) => {
      const keepAlive = setTimeout(() => {}, 5000); // AbortSignal.timeout's timer does not hold the loop
      init.signal.addEventListener("abort", () => {
        clearTimeout(keepAlive);
        rej(init.signal.reason);
      });
    });
  await assert.rejects(apiRequest({ baseUrl: "https://h", path: "/x", fetchImpl: slow, timeoutMs: 20 }), (e) => e.code === "timeout");
});

test("ApiError serialises for messages", () => {
  assert.deepEqual(new ApiError("x", "m", { status: 1 }).toJSON(), { code: "x", message: "m", status: 1, details: null });
});
