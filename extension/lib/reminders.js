// The personal queue's reminders: one chrome.alarms alarm per queued item ("herald:queue:<id>"), made from the
// server's list (GET /me/queue) so they come back after a reinstall or on another computer. Posting stays
// manual: a reminder is a notification that opens LinkedIn, where the panel lists the item.

export const ALARM_PREFIX = "herald:queue:";
export const QUEUE_COPY_KEY = "herald:queue"; // chrome.storage.local: the last list, for the notification's text

export const alarmName = (id) => `${ALARM_PREFIX}${id}`;

export function queueIdOf(name) {
  if (typeof name !== "string" || !name.startsWith(ALARM_PREFIX)) return null;
  const n = Number(name.slice(ALARM_PREFIX.length));
  return Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * Which alarms to create and clear so that exactly the open items have one at their due time.
 * items: [{id, due_at (ISO), done_at?}], alarms: [{name, scheduledTime}]. Overdue items fire at once (now + 1 s).
 */
export function planAlarms(items, alarms, now = Date.now()) {
  const want = new Map();
  for (const it of items || []) {
    if (!it || !Number.isInteger(it.id) || it.done_at) continue;
    const due = Date.parse(it.due_at);
    if (Number.isNaN(due)) continue;
    want.set(alarmName(it.id), Math.max(due, now + 1000));
  }
  const have = new Map((alarms || []).filter((a) => queueIdOf(a.name) != null).map((a) => [a.name, a.scheduledTime]));
  const create = [];
  for (const [name, when] of want) {
    const at = have.get(name);
    if (at === undefined || Math.abs(at - when) > 1000) create.push({ name, when });
  }
  const clear = [...have.keys()].filter((name) => !want.has(name));
  return { create, clear };
}
