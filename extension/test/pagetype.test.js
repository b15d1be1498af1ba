import { test } from "node:test";
import assert from "node:assert/strict";
import "../lib/pagetype.js";

const { detectPageType, isLinkedInUrl, urnFromUrl, searchKeywords, pageViewKey, PAGE_TYPES } = globalThis.Herald.pageType;

const CASES = [
  ["https://www.linkedin.com/feed/", "feed"],
  ["https://www.linkedin.com/feed/?trk=nav_logo", "feed"],
  ["https://www.linkedin.com/", "feed"],
  ["https://www.linkedin.com/feed/update/urn:li:activity:7301234567890123456/", "post"],
  ["https://www.linkedin.com/feed/update/urn:li:ugcPost:7301234567890123456", "post"],
  ["https://www.linkedin.com/posts/sofie-lund_zerotrust-activity-7301234567890123456-AbCd/", "post"],
  ["https://www.linkedin.com/in/sofie-lund-8a1b2c/", "profile"],
  ["https://www.linkedin.com/in/sofie-lund-8a1b2c/recent-activity/all/", "feed"],
  ["https://www.linkedin.com/company/nordlys-energy/", "company"],
  ["https://www.linkedin.com/company/nordlys-energy/about/", "company"],
  ["https://www.linkedin.com/showcase/nordlys-labs/", "company"],
  ["https://www.linkedin.com/search/results/all/?keywords=zero%20trust", "search"],
  ["https://www.linkedin.com/search/results/content/?keywords=cloud", "search"],
  ["https://www.linkedin.com/pulse/why-zero-trust-matters-sofie-lund/", "article"],
  ["https://www.linkedin.com/jobs/view/123/", "other"],
  ["https://www.linkedin.com/mynetwork/", "other"],
  ["https://example.com/feed/", "other"],
  ["http://www.linkedin.com/feed/", "other"],
  ["not a url", "other"],
];

for (const [url, want] of CASES) {
  test(`detectPageType ${url} -> ${want}`, () => {
    assert.equal(detectPageType(url), want);
    assert.ok(PAGE_TYPES.includes(want));
  });
}

test("isLinkedInUrl only for https://www.linkedin.com", () => {
  assert.equal(isLinkedInUrl("https://www.linkedin.com/feed/"), true);
  assert.equal(isLinkedInUrl("https://linkedin.com.evil.example/feed/"), false);
  assert.equal(isLinkedInUrl("https://dk.linkedin.com/in/x"), false);
});

test("urnFromUrl", () => {
  assert.equal(urnFromUrl("https://www.linkedin.com/feed/update/urn:li:activity:7301234567890123456/"), "urn:li:activity:7301234567890123456");
  assert.equal(urnFromUrl("https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7301234567890123456/"), "urn:li:activity:7301234567890123456");
  assert.equal(urnFromUrl("https://www.linkedin.com/posts/sofie-lund_zerotrust-activity-7301234567890123456-AbCd/"), "urn:li:activity:7301234567890123456");
  assert.equal(urnFromUrl("https://www.linkedin.com/feed/"), null);
});

test("searchKeywords", () => {
  assert.equal(searchKeywords("https://www.linkedin.com/search/results/all/?keywords=zero%20trust&origin=X"), "zero trust");
  assert.equal(searchKeywords("https://www.linkedin.com/search/results/all/"), "");
});

test("pageViewKey ignores tracking parameters but not search keywords", () => {
  assert.equal(pageViewKey("https://www.linkedin.com/feed/?trk=a"), pageViewKey("https://www.linkedin.com/feed/"));
  assert.notEqual(
    pageViewKey("https://www.linkedin.com/search/results/all/?keywords=a"),
    pageViewKey("https://www.linkedin.com/search/results/all/?keywords=b"),
  );
  assert.notEqual(pageViewKey("https://www.linkedin.com/in/a/"), pageViewKey("https://www.linkedin.com/in/b/"));
});
