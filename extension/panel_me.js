// The side panel's own-data tabs: Saved (my saved list and my queue of reminders) and Privacy (consents,
// download my data, ask for erasure), and the card buttons that feed them. Everything goes through the
// service worker (lib/me.js); the lists live on the server so they survive a reinstall.
import { ME_MSG } from "./lib/me.js";
import { MSG, call } from "./lib/messages.js";
import { t } from "./lib/i18n.js";

const $ = (id) => document.getElementById(id);

function when(iso) {
  const d = new Date(iso);
  const lang = globalThis.chrome && chrome.i18n ? chrome.i18n.getUILanguage() : "en";
  return new Intl.DateTimeFormat(lang, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(d);
}

/** A datetime-local value for "the next Tuesday 09:00" (or today + 1 day at 09:00 when that is sooner). */
export function defaultDue(now = new Date()) {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T09:00`;
}

// ---- card buttons -------------------------------------------------------------------------------

/** Save: the recommender's "saved" event (as before) and the article on my server-side saved list. */
export async function saveCard(item, requestId) {
  await call(ME_MSG.SAVED_ADD, { article_id: item.article_id });
  await call(MSG.EVENT_SEND, { article_id: item.article_id, type: "saved", request_id: requestId }).catch(() => {});
}

export function wireQueueForm(li, item, errorText) {
  const form = li.querySelector(".queue-form");
  const input = li.querySelector(".queue-when");
  const note = li.querySelector(".note");
  li.querySelector(".queue-open").addEventListener("click", () => {
    form.hidden = !form.hidden;
    if (!input.value) input.value = defaultDue();
    if (!form.hidden) input.focus();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const due = new Date(input.value);
    if (Number.isNaN(due.getTime())) return;
    const btn = form.querySelector(".queue-add");
    btn.disabled = true;
    try {
      const caption = li.querySelector(".caption") ? li.querySelector(".caption").value : "";
      const res = await call(ME_MSG.QUEUE_ADD, { article_id: item.article_id, due_at: due.toISOString(), caption });
      note.textContent = t("queued", [when(res.due_at)]);
      form.hidden = true;
    } catch (err) {
      note.textContent = errorText(err);
    } finally {
      btn.disabled = false;
    }
  });
}

// ---- Saved tab ----------------------------------------------------------------------------------

function articleLink(article) {
  const a = document.createElement("a");
  a.className = "title";
  a.textContent = article.title || article.url;
  if (/^https?:\/\//.test(article.url || "")) a.href = article.url;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

function button(label, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

export async function loadSaved({ errorText, share }) {
  $("queue-state").textContent = t("stateLoading");
  $("saved-state").textContent = "";
  const [q, s] = await Promise.allSettled([call(ME_MSG.QUEUE_LIST, {}), call(ME_MSG.SAVED_LIST, {})]);
  if (q.status === "fulfilled") {
    const items = q.value.items || [];
    $("queue-state").textContent = items.length ? "" : t("queueEmpty");
    $("queue").replaceChildren(
      ...items.map((it) => {
        const li = document.createElement("li");
        li.className = "queue-item";
        li.dataset.queueId = String(it.id);
        const due = document.createElement("p");
        due.className = "due";
        const overdue = Date.parse(it.due_at) <= Date.now();
        due.textContent = overdue ? `${t("overdue")} · ${when(it.due_at)}` : t("dueAt", [when(it.due_at)]);
        const note = document.createElement("p");
        note.className = "note";
        const actions = document.createElement("div");
        actions.className = "actions";
        actions.append(
          button(t("share"), "share primary", () => share(it.article, it.caption, note)),
          button(t("remove"), "remove", async () => {
            try {
              await call(ME_MSG.QUEUE_REMOVE, { id: it.id });
              li.remove();
              if (!$("queue").children.length) $("queue-state").textContent = t("queueEmpty");
            } catch (err) {
              note.textContent = errorText(err);
            }
          }),
        );
        li.append(due, articleLink(it.article), actions, note);
        return li;
      }),
    );
  } else {
    $("queue-state").textContent = errorText(q.reason);
  }
  if (s.status === "fulfilled") {
    const items = s.value.items || [];
    $("saved-state").textContent = items.length ? "" : t("savedEmpty");
    $("saved").replaceChildren(
      ...items.map((it) => {
        const li = document.createElement("li");
        li.className = "saved-item";
        li.dataset.articleId = String(it.article.article_id);
        const note = document.createElement("p");
        note.className = "note";
        const actions = document.createElement("div");
        actions.className = "actions";
        actions.append(
          button(t("share"), "share primary", () => share(it.article, "", note)),
          button(t("remove"), "remove", async () => {
            try {
              await call(ME_MSG.SAVED_REMOVE, { article_id: it.article.article_id });
              li.remove();
              if (!$("saved").children.length) $("saved-state").textContent = t("savedEmpty");
            } catch (err) {
              note.textContent = errorText(err);
            }
          }),
        );
        li.append(articleLink(it.article), actions, note);
        return li;
      }),
    );
  } else {
    $("saved-state").textContent = errorText(s.reason);
  }
}

// ---- Privacy tab --------------------------------------------------------------------------------

function showConsents(res, snapshots) {
  $("consent-leaderboard").checked = res.consents.leaderboard;
  $("consent-digest").checked = res.consents.digest_email;
  $("consent-snapshots").checked = Boolean(snapshots);
  $("consents").disabled = false;
}

async function showErasure(errorText) {
  try {
    const r = await call(ME_MSG.ERASURE_GET, {});
    if (r.requested) {
      $("request-erasure").disabled = true;
      $("data-result").textContent = t("erasureRequested", [new Date(r.requested_at).toLocaleDateString()]);
    }
  } catch (err) {
    $("data-result").textContent = errorText(err);
  }
}

export async function loadPrivacy({ errorText, state }) {
  $("privacy-state").textContent = t("stateLoading");
  try {
    const res = await call(ME_MSG.ME_GET, {});
    // Snapshots are also a local switch (the extension reads my profile's counts only when it is on).
    showConsents(res, state.settings.snapshots && res.consents.profile_snapshots);
    $("privacy-state").textContent = "";
  } catch (err) {
    $("privacy-state").textContent = errorText(err);
  }
  await showErasure(errorText);
}

export function wirePrivacy({ errorText }) {
  const save = async (payload) => {
    $("consents").disabled = true;
    try {
      const res = await call(ME_MSG.CONSENTS_SET, payload);
      showConsents(res, $("consent-snapshots").checked);
      $("consent-result").textContent = t("consentSaved");
    } catch (err) {
      $("consent-result").textContent = errorText(err);
      $("consents").disabled = false;
    }
  };
  $("consent-leaderboard").addEventListener("change", (e) => save({ leaderboard: e.target.checked }));
  $("consent-digest").addEventListener("change", (e) => save({ digest_email: e.target.checked }));
  $("consent-snapshots").addEventListener("change", async (e) => {
    try {
      await call(MSG.SETTINGS_SET, { snapshots: e.target.checked }); // local switch + server consent
      $("consent-result").textContent = t("consentSaved");
    } catch (err) {
      $("consent-result").textContent = errorText(err);
    }
  });
  $("export-data").addEventListener("click", async () => {
    try {
      const data = await call(ME_MSG.EXPORT, {});
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `herald-my-data-${new Date().toISOString().slice(0, 10)}.json`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      $("data-result").textContent = t("exportDone");
    } catch (err) {
      $("data-result").textContent = errorText(err);
    }
  });
  $("request-erasure").addEventListener("click", async () => {
    if (!confirm(t("erasureConfirm"))) return;
    try {
      const r = await call(ME_MSG.ERASURE_REQUEST, {});
      $("request-erasure").disabled = true;
      $("data-result").textContent = t("erasureRequested", [new Date(r.requested_at).toLocaleDateString()]);
    } catch (err) {
      $("data-result").textContent = errorText(err);
    }
  });
}
