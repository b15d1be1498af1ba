// The pure helpers of lib/extract.js (its DOM functions are tested against fixture pages in tests/e2e).
import { test } from "node:test";
import assert from "node:assert/strict";
import "../lib/selectors.js";
import "../lib/extract.js";

const { parseCount, normalizeText, nameFromLabel, windowAround } = globalThis.Herald.extract;

const COUNTS = [
  ["128", 128],
  ["1,234", 1234],
  ["1.234", 1234],
  ["1.2K", 1200],
  ["1,2K", 1200],
  ["3 mio.", 3000000],
  ["500+ connections", 500],
  ["14 comments", 14],
  ["6 reposts", 6],
  ["2.345 følgere", 2345],
  ["", null],
  ["no number", null],
  [null, null],
];
for (const [input, want] of COUNTS) {
  test(`parseCount(${JSON.stringify(input)}) = ${want}`, () => assert.equal(parseCount(input), want));
}

test("normalizeText collapses spaces and keeps paragraphs", () => {
  assert.equal(normalizeText("  a \u00a0 b\n\n\n\n c  "), "a b\n\nc");
});

test("nameFromLabel reads the 2026 control-menu label", () => {
  assert.equal(nameFromLabel("Open control menu for post by Sofie Lund"), "Sofie Lund");
  assert.equal(nameFromLabel("Something else"), null);
});

test("windowAround keeps the focused item inside the window", () => {
  const items = Array.from({ length: 30 }, (_, i) => i);
  const w = windowAround(items, 20, 10);
  assert.equal(w.items.length, 10);
  assert.equal(w.items[w.focused], 20);
  const head = windowAround(items, 0, 10);
  assert.equal(head.items[head.focused], 0);
  const tail = windowAround(items, 29, 10);
  assert.equal(tail.items[tail.focused], 29);
  assert.deepEqual(windowAround([1, 2], 1, 10), { items: [1, 2], focused: 1 });
});

test("every selector registry entry has probes with a DOM label and valid CSS shape", () => {
  const { REGISTRY } = globalThis.Herald.selectors;
  for (const [key, probes] of Object.entries(REGISTRY)) {
    assert.ok(Array.isArray(probes) && probes.length, key);
    for (const p of probes) {
      assert.equal(typeof p.css, "string", key);
      assert.ok(["classic", "2026", "public", "generic"].includes(p.dom), `${key}: ${p.dom}`);
      if (p.re) assert.ok(p.attr, `${key}: a regular expression needs an attribute`);
    }
  }
});
