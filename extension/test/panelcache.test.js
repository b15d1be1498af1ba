import { test } from "node:test";
import assert from "node:assert/strict";
import { PANEL_CACHE_MAX_AGE_MS, cacheEntry, usableCache } from "../lib/panelcache.js";

const state = { paired: true, employee: { name: "Sofie", email: "s@example.com", consents: {} } };
const response = { request_id: "r1", degraded: false, items: Array.from({ length: 12 }, (_, i) => ({ article_id: i, title: `A${i}` })) };

test("cacheEntry keeps the API's answer and the name only, at most 10 cards", () => {
  const e = cacheEntry(state, response, "da", 1000);
  assert.deepEqual(Object.keys(e).sort(), ["at", "lang", "name", "response"]);
  assert.equal(e.name, "Sofie");
  assert.equal(e.response.items.length, 10);
  assert.equal(e.response.request_id, "r1");
});

test("nothing is cached when not paired or without an answer", () => {
  assert.equal(cacheEntry({ paired: false }, response, "en"), null);
  assert.equal(cacheEntry(state, null, "en"), null);
});

test("usableCache: fresh and same language only", () => {
  const e = cacheEntry(state, response, "da", 1000);
  assert.equal(usableCache(e, "da", 2000), e);
  assert.equal(usableCache(e, "en", 2000), null, "reasons are in the language they were asked in");
  assert.equal(usableCache(e, "da", 1000 + PANEL_CACHE_MAX_AGE_MS + 1), null);
  assert.equal(usableCache({ at: 1, response: {} }, "da", 2), null);
  assert.equal(usableCache(null, "da"), null);
});
