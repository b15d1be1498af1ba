import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_SETTINGS,
  contextKey,
  engagementDue,
  findOwnShares,
  hashString,
  mentionCandidates,
  postUrl,
  resolveSettings,
  shareOffsiteUrl,
  snapshotDue,
} from "../lib/state.js";

test("context key contract", () => {
  assert.equal(contextKey(42), "herald:context:42");
});

test("resolveSettings: managed policy wins and is reported", () => {
  const s = resolveSettings({ apiBaseUrl: "https://mine.example", paused: true }, { apiBaseUrl: "https://it.example" });
  assert.equal(s.apiBaseUrl, "https://it.example");
  assert.equal(s.paused, true);
  assert.deepEqual(s.managed, ["apiBaseUrl"]);
  const d = resolveSettings(undefined, undefined);
  assert.equal(d.apiBaseUrl, DEFAULT_SETTINGS.apiBaseUrl);
  assert.deepEqual(d.managed, []);
});

test("shareOffsiteUrl encodes the tracked link", () => {
  assert.equal(
    shareOffsiteUrl("https://h.example/r/AbC?x=1&y=2"),
    "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fh.example%2Fr%2FAbC%3Fx%3D1%26y%3D2",
  );
});

test("hashString is stable and short", () => {
  assert.equal(hashString("abc"), hashString("abc"));
  assert.notEqual(hashString("abc"), hashString("abd"));
  assert.match(hashString("x"), /^[0-9a-f]{8}$/);
});

const SHARES = { 7: { share_id: "s7", tracked_url: "http://127.0.0.1:5000/r/AbCdEf", title: "Zero trust" } };

test("findOwnShares matches a post that links to our tracked link", () => {
  const items = [
    { text: "unrelated", counts: { reactions: 1, comments: 0, reposts: 0 } },
    { text: "mine", links: ["http://127.0.0.1:5000/r/AbCdEf"], counts: { reactions: 12, comments: 3, reposts: null } },
  ];
  assert.deepEqual(findOwnShares(items, SHARES), [{ share_id: "s7", counts: { reactions: 12, comments: 3, reposts: 0 } }]);
});

test("findOwnShares ignores posts without counts or links", () => {
  assert.deepEqual(findOwnShares([{ text: "http://127.0.0.1:5000/r/AbCdEf" }], SHARES), []);
  assert.deepEqual(findOwnShares([], SHARES), []);
  assert.deepEqual(findOwnShares([{ text: "x", counts: {} }], {}), []);
});

test("engagementDue: first report, unchanged, changed but too soon, changed later", () => {
  const c = { reactions: 1, comments: 0, reposts: 0 };
  assert.equal(engagementDue(null, c, 0), true);
  assert.equal(engagementDue({ counts: c, at: 0 }, c, 1e12), false);
  const c2 = { ...c, reactions: 2 };
  assert.equal(engagementDue({ counts: c, at: 1000 }, c2, 2000, 60000), false);
  assert.equal(engagementDue({ counts: c, at: 1000 }, c2, 70000, 60000), true);
});

test("snapshotDue: needs a number, once a day", () => {
  assert.equal(snapshotDue(null, {}, 0), false);
  assert.equal(snapshotDue(null, { connections: 500 }, 0), true);
  assert.equal(snapshotDue({ at: 0 }, { connections: 500 }, 1000, 5000), false);
  assert.equal(snapshotDue({ at: 0 }, { followers: 5 }, 6000, 5000), true);
});

test("mentionCandidates: whole-word, case-insensitive, with a post link", () => {
  const ctx = {
    url: "https://www.linkedin.com/feed/?trk=1",
    items: [
      { text: "Great day at NORDLYS HQ", urn: "urn:li:activity:1" },
      { text: "Nordlysenergi is not us" },
      { text: "Visited Nordlys today" },
    ],
  };
  const got = mentionCandidates(ctx, ["Nordlys", " "]);
  assert.deepEqual(
    got.map((c) => [c.index, c.url]),
    [
      [0, "https://www.linkedin.com/feed/update/urn:li:activity:1/"],
      [2, "https://www.linkedin.com/feed/"],
    ],
  );
  assert.deepEqual(mentionCandidates(ctx, []), []);
  assert.equal(postUrl({ url: "bad" }, {}), "https://www.linkedin.com/feed/");
});
