import { test } from "node:test";
import assert from "node:assert/strict";
import { createDispatcher, senderKind } from "../lib/messages.js";

const ID = "igifplgkdcfdegnckjjgmahmilgcdbpk";
const ORIGIN = `chrome-extension://${ID}/`;
const PANEL = { id: ID, url: `${ORIGIN}sidepanel.html` };
const LINKEDIN_TAB = { id: ID, url: "https://www.linkedin.com/feed/", tab: { id: 3, url: "https://www.linkedin.com/feed/" } };

test("senderKind", () => {
  assert.equal(senderKind(PANEL, ID, ORIGIN), "extension");
  assert.equal(senderKind(LINKEDIN_TAB, ID, ORIGIN), "linkedin");
  assert.equal(senderKind({ id: "other", url: `${ORIGIN}x` }, ID, ORIGIN), null);
  assert.equal(senderKind({ id: ID, url: "https://evil.example/", tab: { id: 1 } }, ID, ORIGIN), null);
  assert.equal(senderKind(undefined, ID, ORIGIN), null);
});

function run(listener, msg, sender) {
  return new Promise((resolve) => {
    let answer;
    let answered = false;
    const ret = listener(msg, sender, (res) => {
      answer = res;
      answered = true;
    });
    setTimeout(() => resolve({ res: answered ? answer : undefined, ret }), 10);
  });
}

function make(warnings) {
  return createDispatcher(
    {
      "panel:state": { from: "extension", handle: async (p) => ({ echo: p }) },
      "context:update": { from: "linkedin", handle: (p, s) => ({ tab: s.tab.id }) },
      "boom": { from: "extension", handle: () => Promise.reject(Object.assign(new Error("bad"), { code: "x" })) },
    },
    { extensionId: ID, extensionOrigin: ORIGIN, warn: (m) => warnings.push(m) },
  );
}

test("the listener is not async and answers later", async () => {
  const warnings = [];
  const l = make(warnings);
  assert.equal(l.constructor.name, "Function");
  const { res, ret } = await run(l, { type: "panel:state", payload: { tabId: 1 } }, PANEL);
  assert.equal(ret, true);
  assert.deepEqual(res, { ok: true, data: { echo: { tabId: 1 } } });
});

test("unknown types warn and get no answer", async () => {
  const warnings = [];
  const { res, ret } = await run(make(warnings), { type: "nope" }, PANEL);
  assert.equal(ret, false);
  assert.equal(res, undefined);
  assert.match(warnings[0], /unknown message type "nope"/);
  await run(make(warnings), null, PANEL);
  assert.equal(warnings.length, 2);
});

test("privileged types are refused from a content script, and page messages from elsewhere", async () => {
  const warnings = [];
  const a = await run(make(warnings), { type: "panel:state" }, LINKEDIN_TAB);
  assert.deepEqual(a.res, { ok: false, error: { code: "forbidden", message: "Not allowed from this sender" } });
  const b = await run(make(warnings), { type: "context:update", payload: {} }, PANEL);
  assert.equal(b.res.ok, false);
  const c = await run(make(warnings), { type: "context:update", payload: {} }, LINKEDIN_TAB);
  assert.deepEqual(c.res, { ok: true, data: { tab: 3 } });
});

test("handler errors become {ok:false, error}", async () => {
  const { res } = await run(make([]), { type: "boom" }, PANEL);
  assert.deepEqual(res, { ok: false, error: { code: "x", message: "bad" } });
});
