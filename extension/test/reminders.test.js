import { test } from "node:test";
import assert from "node:assert/strict";
import { alarmName, planAlarms, queueIdOf } from "../lib/reminders.js";

const NOW = Date.parse("2026-12-06T08:00:00Z");

test("alarm names round-trip and foreign alarms are ignored", () => {
  assert.equal(queueIdOf(alarmName(12)), 12);
  assert.equal(queueIdOf("other"), null);
  assert.equal(queueIdOf("herald:queue:x"), null);
});

test("planAlarms creates missing, moves changed, clears stale; overdue fires at once", () => {
  const items = [
    { id: 1, due_at: "2026-12-08T08:00:00Z" },
    { id: 2, due_at: "2026-12-01T08:00:00Z" }, // overdue
    { id: 3, due_at: "2026-12-09T08:00:00Z", done_at: "2026-12-05T00:00:00Z" },
    { id: 4, due_at: "not a date" },
  ];
  const alarms = [
    { name: alarmName(1), scheduledTime: Date.parse("2026-12-08T08:00:00Z") }, // unchanged
    { name: alarmName(3), scheduledTime: 1 }, // done: clear
    { name: alarmName(9), scheduledTime: 1 }, // removed on the server: clear
    { name: "someone-else", scheduledTime: 1 },
  ];
  const plan = planAlarms(items, alarms, NOW);
  assert.deepEqual(plan.create, [{ name: alarmName(2), when: NOW + 1000 }]);
  assert.deepEqual(plan.clear.sort(), [alarmName(3), alarmName(9)].sort());
});

test("an empty list clears every reminder", () => {
  const plan = planAlarms([], [{ name: alarmName(5), scheduledTime: NOW }], NOW);
  assert.deepEqual(plan, { create: [], clear: [alarmName(5)] });
});
