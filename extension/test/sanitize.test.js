import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_CONTEXT_CHARS,
  buildOutgoingContext,
  capLength,
  cleanName,
  looksLikePhone,
  mentionSnippet,
  sanitizeText,
  sanitizeUrl,
} from "../lib/sanitize.js";

test("removes e-mail addresses", () => {
  assert.equal(sanitizeText("Write to anna.jensen@nordlys.dk today"), "Write to [email] today");
});

test("removes @mentions with the capitalised words after them", () => {
  assert.equal(sanitizeText("Thanks @Mads Kristensen for the talk"), "Thanks [mention] for the talk");
  assert.equal(sanitizeText("cc @sofie_lund."), "cc [mention]");
});

const PHONES = [
  ["Call +45 12 34 56 78 now", "Call [phone] now"],
  ["Ring 0045 1234 5678", "Ring [phone]"],
  ["Ring 12 34 56 78", "Ring [phone]"],
  ["Call (555) 123-4567", "Call [phone]"],
];
for (const [input, want] of PHONES) {
  test(`removes phone number: ${input}`, () => assert.equal(sanitizeText(input), want));
}

const NOT_PHONES = ["Results 2024-2025", "On 2025.01.15 we", "Revenue 12.345.678 kr", "Order 1234567", "Version 16"];
for (const input of NOT_PHONES) {
  test(`keeps numbers that are not phones: ${input}`, () => assert.equal(sanitizeText(input), input));
}

test("looksLikePhone", () => {
  assert.equal(looksLikePhone("+4512345678"), true);
  assert.equal(looksLikePhone("2024-2025"), false);
  assert.equal(looksLikePhone("1234567"), false);
});

test("removes names: whole names, then their capitalised parts, case-sensitively", () => {
  const out = sanitizeText("Sofie Lund says Sofie will present. Lund's team will join.", { names: ["Sofie Lund"] });
  assert.equal(out, "[name] says [name] will present. [name]'s team will join.");
});

test("names with Danish letters and credentials", () => {
  const out = sanitizeText("Tak til Søren Ærø for en god dag", { names: ["Søren Ærø, PhD"] });
  assert.equal(out, "Tak til [name] for en god dag");
});

test("does not remove lower-case words that equal a name part", () => {
  assert.equal(sanitizeText("We will grow", { names: ["Will Grow"] }), "We will grow");
});

test("ignores long 'names' (headlines) for part-removal", () => {
  const out = sanitizeText("Cloud Security matters", { names: ["Head of Cloud Security at Nordlys Energy"] });
  assert.equal(out, "Cloud Security matters");
});

test("reduces URLs to their host", () => {
  assert.equal(sanitizeText("Read https://nordlys.example/blog/x?utm=1 now"), "Read nordlys.example now");
});

test("caps the length at a word boundary", () => {
  const long = "word ".repeat(500);
  const out = sanitizeText(long);
  assert.ok(out.length <= MAX_CONTEXT_CHARS);
  assert.ok(out.endsWith("word"));
  assert.equal(capLength("abc def", 100), "abc def");
});

test("cleanName", () => {
  assert.equal(cleanName("  Anna   Jensen 🚀 | Sales "), "Anna Jensen");
});

test("sanitizeUrl keeps no person in the URL", () => {
  assert.equal(sanitizeUrl("https://www.linkedin.com/in/anna-jensen-123/?trk=x", "profile"), "https://www.linkedin.com/in/");
  assert.equal(
    sanitizeUrl("https://www.linkedin.com/posts/anna-jensen_cloud-activity-7301234567890123456-AbCd/", "post"),
    "https://www.linkedin.com/feed/update/urn:li:activity:7301234567890123456/",
  );
  assert.equal(
    sanitizeUrl("https://www.linkedin.com/feed/update/urn:li:activity:7301234567890123456/?x=1", "post"),
    "https://www.linkedin.com/feed/update/urn:li:activity:7301234567890123456/",
  );
  assert.equal(sanitizeUrl("https://www.linkedin.com/company/nordlys/about/", "company"), "https://www.linkedin.com/company/nordlys/");
  assert.equal(sanitizeUrl("https://www.linkedin.com/search/results/all/?keywords=anna", "search"), "https://www.linkedin.com/search/results/");
  assert.equal(sanitizeUrl("https://www.linkedin.com/feed/?trk=nav", "feed"), "https://www.linkedin.com/feed/");
  assert.equal(sanitizeUrl("not a url", "feed"), "https://www.linkedin.com/");
});

test("buildOutgoingContext sends the focused item, sanitised, with every author and page name removed", () => {
  const ctx = {
    url: "https://www.linkedin.com/feed/",
    pageType: "feed",
    focused: 1,
    names: ["Mette Holm"],
    items: [
      { text: "First post", author: "Peter Berg" },
      { text: "Great work Peter Berg and Mette Holm on zero trust! mail me: x@y.dk", author: "Sofie Lund", mentioned: ["Ole Dam"] },
    ],
  };
  assert.deepEqual(buildOutgoingContext(ctx), {
    url: "https://www.linkedin.com/feed/",
    page_type: "feed",
    text: "Great work [name] and [name] on zero trust! mail me: [email]",
  });
});

test("buildOutgoingContext: nothing to send", () => {
  assert.equal(buildOutgoingContext(null), null);
  assert.equal(buildOutgoingContext({ url: "https://www.linkedin.com/feed/", pageType: "feed", items: [] }), null);
  assert.equal(buildOutgoingContext({ url: "https://www.linkedin.com/feed/", pageType: "feed", items: [{ text: "  " }] }), null);
});

test("buildOutgoingContext: unknown page type becomes other, bad focus falls back to 0", () => {
  const out = buildOutgoingContext({ url: "https://www.linkedin.com/jobs/", pageType: "weird", focused: 9, items: [{ text: "hello" }] });
  assert.deepEqual(out, { url: "https://www.linkedin.com/", page_type: "other", text: "hello" });
});

test("mentionSnippet centres on the company and stays short", () => {
  const text = `${"intro ".repeat(100)}we love Nordlys Energy and Anna Berg ${"outro ".repeat(100)}`;
  const s = mentionSnippet(text, ["Nordlys"], ["Anna Berg"]);
  assert.ok(s.length <= 280, String(s.length));
  assert.ok(s.includes("Nordlys Energy"));
  assert.ok(!s.includes("Anna"));
});
