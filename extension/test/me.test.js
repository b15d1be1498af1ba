import { test } from "node:test";
import assert from "node:assert/strict";
import { ME_MSG, consentPatch, consentView, meHandlers } from "../lib/me.js";

test("consentPatch: the leaderboard consent and opt-out flag move together", () => {
  assert.deepEqual(consentPatch({ leaderboard: true }), { consents: { leaderboard: true }, leaderboard_opt_out: false });
  assert.deepEqual(consentPatch({ leaderboard: false }), { consents: { leaderboard: false }, leaderboard_opt_out: true });
  assert.deepEqual(consentPatch({ digest_email: true }), { consents: { digest_email: true } });
  assert.throws(() => consentPatch({}), (e) => e.code === "validation_error");
  assert.throws(() => consentPatch({ leaderboard: "yes" }), (e) => e.code === "validation_error");
});

test("consentView: missing consents are not given; the opt-out flag wins", () => {
  assert.deepEqual(consentView({ consents: {} }), { leaderboard: false, digest_email: false, profile_snapshots: false });
  assert.equal(consentView({ consents: { leaderboard: true }, leaderboard_opt_out: true }).leaderboard, false);
  assert.equal(consentView({ consents: { leaderboard: true }, leaderboard_opt_out: false }).leaderboard, true);
});

test("handlers call the employee's own endpoints and refuse bad ids", async () => {
  const calls = [];
  const h = meHandlers(async (method, path, body) => {
    calls.push([method, path, body]);
    return { consents: {} };
  });
  await h[ME_MSG.SAVED_ADD]({ article_id: 7 });
  await h[ME_MSG.QUEUE_ADD]({ article_id: 7, due_at: "2026-12-08T09:00:00+01:00", caption: "  " });
  await h[ME_MSG.QUEUE_REMOVE]({ id: 3 });
  assert.deepEqual(calls, [
    ["POST", "/api/v1/me/saved", { article_id: 7 }],
    ["POST", "/api/v1/me/queue", { article_id: 7, due_at: "2026-12-08T09:00:00+01:00" }],
    ["DELETE", "/api/v1/me/queue/3", undefined],
  ]);
  assert.throws(() => h[ME_MSG.SAVED_REMOVE]({ article_id: "../x" }), (e) => e.code === "validation_error");
});
