// The selector pack's schema (lib/pack.js) and the choice between the served and the bundled pack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import "../lib/pack.js";
import { healthReport } from "../lib/state.js";

const PACK = globalThis.Herald.pack;
const { validate, choose, compile, KEYS } = PACK;
const BUNDLED = JSON.parse(readFileSync(new URL("../selectors/pack.json", import.meta.url), "utf8"));
const copy = () => structuredClone(BUNDLED);

test("the bundled pack is valid and defines every key", () => {
  assert.deepEqual(validate(BUNDLED), []);
  assert.deepEqual(Object.keys(BUNDLED.rules).sort(), [...KEYS].sort());
});

const BROKEN = [
  ["wrong format", (p) => (p.format = 2), /^format: must be 1/],
  ["version zero", (p) => (p.version = 0), /^version: must be a positive integer/],
  ["version as text", (p) => (p.version = "2"), /^version:/],
  ["missing key", (p) => delete p.rules.post, /^rules\.post: missing/],
  ["unknown key", (p) => (p.rules.evil = []), /^rules\.evil: unknown key/],
  ["rule without css", (p) => delete p.rules.post[0].css, /^rules\.post\[0\]\.css: must be a non-empty string/],
  ["bad regex", (p) => (p.rules.postAuthor[2].re = "(unclosed"), /^rules\.postAuthor\[2\]\.re: not a valid regular expression/],
  ["regex without attr", (p) => (p.rules.post[0].re = "(x)"), /^rules\.post\[0\]\.re: needs attr/],
  ["code smuggled in a field", (p) => (p.rules.post[0].onmatch = "fetch('//evil')"), /^rules\.post\[0\]\.onmatch: unknown field/],
  ["duplicate id", (p) => (p.rules.post[1].id = p.rules.post[0].id), /duplicate id/],
  ["bad dom", (p) => (p.rules.post[0].dom = "2030"), /\.dom: must be one of/],
  ["fallback without containers", (p) => (p.fallback.containers = []), /^fallback\.containers: must be a non-empty list/],
  ["fallback minTextChars", (p) => (p.fallback.minTextChars = 0), /^fallback\.minTextChars/],
  ["not an object", () => null, /^pack: must be an object/],
];
for (const [name, change, want] of BROKEN) {
  test(`an invalid pack is rejected: ${name}`, () => {
    let p = copy();
    const r = change(p);
    if (r === null) p = null;
    const errors = validate(p);
    assert.ok(errors.some((e) => want.test(e)), JSON.stringify(errors));
  });
}

test("css syntax is checked with the checker given (the content script passes the browser's parser)", () => {
  const p = copy();
  p.rules.post[0].css = "div[[[";
  assert.deepEqual(validate(p, { cssCheck: () => true }), []);
  const errors = validate(p, { cssCheck: (css) => !css.includes("[[[") });
  assert.deepEqual(errors, ["rules.post[0].css: not a valid CSS selector"]);
});

test("choose: a valid newer served pack wins; invalid or not newer keeps the bundled one", () => {
  const newer = copy();
  newer.version = BUNDLED.version + 1;
  assert.equal(choose(BUNDLED, newer).source, "served");
  assert.equal(choose(BUNDLED, newer).pack, newer);
  const same = copy();
  assert.equal(choose(BUNDLED, same).source, "bundled");
  const invalid = copy();
  invalid.version = BUNDLED.version + 5;
  delete invalid.rules.postText;
  const c = choose(BUNDLED, invalid);
  assert.equal(c.source, "bundled");
  assert.equal(c.pack, BUNDLED);
  assert.match(c.errors[0], /rules\.postText: missing/);
  assert.equal(choose(BUNDLED, null).source, "bundled");
});

test("compile turns regex strings into RegExps and keeps rule order", () => {
  const c = compile(BUNDLED);
  const author = c.rules.postAuthor.find((r) => r.attr === "aria-label");
  assert.ok(author.regex instanceof RegExp);
  assert.equal(author.regex.exec("Open control menu for post by Anna Jensen")[1], "Anna Jensen");
  assert.equal(author.regex.exec("Åbn kontrolmenuen for opslag af Mette Holm")[1], "Mette Holm");
  assert.deepEqual(c.rules.post.map((r) => r.id), BUNDLED.rules.post.map((r) => r.id));
  assert.ok(c.fallback.authorRegexes[0].test("View profile of Anna Jensen"));
});

test("health report: counts and rule ids only, never text", () => {
  const ctx = {
    items: [{ text: "Anna Jensen wrote about zero trust", author: "Anna Jensen" }],
    extraction: { kind: "feed", dom: "2026", rule: "post:2026-main-feed", items: 1, posts: 1, pack: 3 },
  };
  const r = healthReport(ctx, "0.2.0");
  assert.deepEqual(r, {
    page_kind: "feed", dom: "2026", rule: "post:2026-main-feed", items: 1, pack_version: 3, extension_version: "0.2.0",
  });
  assert.ok(!JSON.stringify(r).includes("Anna"));
  // The last-resort block is not an extraction: it counts as nothing read.
  const last = healthReport({ extraction: { kind: "feed", dom: "x", rule: "largest-text-block", items: 1, pack: 1 } }, "0.2.0");
  assert.equal(last.items, 0);
  assert.equal(last.dom, "unknown");
  assert.equal(healthReport({ items: [] }, "0.2.0"), null);
});

test("selectors/bundled.js, which the content script reads a page with at once, is selectors/pack.json", async () => {
  delete globalThis.Herald?.bundledPack;
  await import("../selectors/bundled.js");
  assert.deepEqual(globalThis.Herald.bundledPack, BUNDLED, "run `python extension/build.py --pack`");
  assert.deepEqual(PACK.validate(globalThis.Herald.bundledPack, { cssCheck: () => true }), []);
});
