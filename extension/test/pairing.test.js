import { test } from "node:test";
import assert from "node:assert/strict";
import { externalPairRequest, pairingFromHash } from "../lib/pairing.js";

const msg = (payload) => ({ type: "pair:code", payload });
const free = { apiBaseUrl: "", managed: [] };

test("a pairing page may pair the extension with its own server", () => {
  const r = externalPairRequest(msg({ code: "AB12C-DE34F", server: "https://herald.example.com/" }), "https://herald.example.com", free);
  assert.deepEqual(r, { code: "AB12C-DE34F", apiBaseUrl: "https://herald.example.com" });
});

test("a page cannot pair the extension with another server", () => {
  assert.throws(
    () => externalPairRequest(msg({ code: "AB12C-DE34F", server: "https://evil.example.net" }), "https://herald.example.com", free),
    (e) => e.code === "forbidden" && /not served by that Herald server/.test(e.message),
  );
});

test("a server pushed by IT wins over a page", () => {
  const managed = { apiBaseUrl: "https://herald.corp.example", managed: ["apiBaseUrl"] };
  assert.throws(
    () => externalPairRequest(msg({ code: "AB12C-DE34F", server: "https://other.example" }), "https://other.example", managed),
    (e) => e.code === "forbidden" && /another Herald server/.test(e.message),
  );
  const ok = externalPairRequest(msg({ code: "AB12C-DE34F", server: "https://herald.corp.example" }), "https://herald.corp.example", managed);
  assert.equal(ok.apiBaseUrl, "https://herald.corp.example");
});

test("bad messages are refused with a reason", () => {
  assert.throws(() => externalPairRequest({ type: "other" }, "https://h.example", free), (e) => e.code === "unknown_type");
  assert.throws(() => externalPairRequest(msg({ code: "", server: "https://h.example" }), "https://h.example", free), (e) => e.code === "validation_error");
  assert.throws(() => externalPairRequest(msg({ code: "x<script>", server: "https://h.example" }), "https://h.example", free), (e) => e.code === "validation_error");
  assert.throws(() => externalPairRequest(msg({ code: "AB12C-DE34F", server: "http://h.example" }), "http://h.example", free), (e) => e.code === "invalid_url");
});

test("options page fallback reads #code= and #server=", () => {
  assert.deepEqual(pairingFromHash("#code=AB12C-DE34F&server=https%3A%2F%2Fh.example"), { code: "AB12C-DE34F", server: "https://h.example" });
  assert.equal(pairingFromHash("#server=https://h.example"), null);
  assert.equal(pairingFromHash(""), null);
});
