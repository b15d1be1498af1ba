// The side panel. It never calls the API itself: everything goes through the service worker (lib/messages.js).
import { applyI18n, formatNumber, t } from "./lib/i18n.js";
import { MSG, call } from "./lib/messages.js";
import { PANEL_CACHE_KEY, cacheEntry, usableCache } from "./lib/panelcache.js";
import { loadPrivacy, loadSaved, saveCard, wirePrivacy, wireQueueForm } from "./panel_me.js";
import { contextKey, shareOffsiteUrl } from "./lib/state.js";

const $ = (id) => document.getElementById(id);
const REFRESH_DEBOUNCE_MS = 800;

// Which LinkedIn tab this panel is for: ?tab=<id> (tests, debugging), else the active tab when it is a
// LinkedIn tab; otherwise the service worker falls back to the LinkedIn tab used last.
async function findTabId() {
  const q = new URLSearchParams(location.search).get("tab");
  if (q && /^\d+$/.test(q)) return Number(q);
  try {
    const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
    if (tab && tab.url && tab.url.startsWith("https://www.linkedin.com/")) return tab.id;
  } catch (_e) {
    // ignore
  }
  return null;
}

const view = { tabId: null, state: null, tab: "suggest", timer: null, loading: false };

function errorText(err) {
  const code = err && err.code;
  if (code === "offline" || code === "timeout") return t("stateOffline");
  if (code === "unauthorized") return t("stateExpired");
  if (code === "not_paired") return t("stateNotPaired");
  if (code === "not_configured") return t("stateNotConfigured");
  if (code === "paused") return t("statePaused");
  if (code === "rate_limited" || (err && err.status === 429)) return t("stateRateLimited");
  return t("stateError", [String((err && err.message) || code || "?")]);
}

function showBanner(text, actionLabel, action) {
  $("banner").hidden = false;
  $("banner-text").textContent = text;
  const btn = $("banner-action");
  btn.hidden = !actionLabel;
  btn.textContent = actionLabel || "";
  btn.onclick = action || null;
}

function hideBanner() {
  $("banner").hidden = true;
}

/** Blocks the panel with a clear message when Herald can't work (not set up, expired, paused). */
function renderBlocking(state) {
  const s = state.settings;
  const openOptions = () => chrome.runtime.openOptionsPage();
  if (s.paused) {
    showBanner(t("statePaused"), t("resume"), async () => {
      await call(MSG.SETTINGS_SET, { paused: false });
      refreshAll();
    });
    return true;
  }
  if (!s.apiBaseUrl) return showBanner(t("stateNotConfigured"), t("openSettings"), openOptions), true;
  if (state.expired) return showBanner(t("stateExpired"), t("pairAgain"), openOptions), true;
  if (!state.paired) return showBanner(t("stateNotPaired"), t("openSettings"), openOptions), true;
  hideBanner();
  return false;
}

function renderSees(sent) {
  const body = $("sees-body");
  body.replaceChildren();
  if (!sent) {
    $("sees-note").textContent = t("seesNothing");
    return;
  }
  $("sees-note").textContent = view.state && view.state.settings.onDemand ? t("seesOnDemand") : t("seesSent");
  for (const [k, v] of [["page_type", sent.page_type], ["url", sent.url], ["text", sent.text]]) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    if (k === "text") dd.className = "sees-text";
    body.append(dt, dd);
  }
}

function setSuggestState(text) {
  $("suggest-state").textContent = text || "";
  $("suggest-state").hidden = !text;
}

async function loadState() {
  view.state = await call(MSG.PANEL_STATE, { tabId: view.tabId });
  if (view.tabId == null && view.state.tabId != null) view.tabId = view.state.tabId;
  const emp = view.state.employee;
  $("who").textContent = emp && emp.name ? emp.name : "";
  return view.state;
}

async function loadSuggestions(force = false) {
  const state = view.state;
  if (!state || renderBlocking(state)) {
    $("cards").replaceChildren();
    setSuggestState("");
    renderSees(null);
    return;
  }
  renderSees(state.sent);
  if (view.tabId == null && !state.context) setSuggestState(t("stateNoLinkedIn"));
  view.loading = true;
  setSuggestState($("cards").children.length ? t("stateUpdating") : t("stateLoading"));
  $("cards").setAttribute("aria-busy", "true");
  try {
    const res = await call(MSG.SUGGESTIONS_GET, { tabId: view.tabId, force });
    renderSees(res.sent);
    renderCards(res.response);
    document.body.dataset.source = "live";
    markPainted("live");
    const entry = cacheEntry(state, res.response, uiLanguage());
    if (entry) chrome.storage.local.set({ [PANEL_CACHE_KEY]: entry }).catch(() => {});
  } catch (err) {
    // Offline: the last suggestions (cold-start cache) stay on screen under the message.
    const offline = err && (err.code === "offline" || err.code === "timeout");
    if (!offline) $("cards").replaceChildren();
    setSuggestState(errorText(err));
    if (err && err.code === "unauthorized") await refreshAll();
    if (err && (err.code === "offline" || err.code === "timeout")) {
      showBanner(t("stateOffline"), t("retry"), () => refreshAll());
    }
  } finally {
    view.loading = false;
    $("cards").removeAttribute("aria-busy");
    $("refresh").hidden = false;
  }
}

function renderCards(response) {
  const list = $("cards");
  list.replaceChildren();
  $("degraded").hidden = !(response && response.degraded);
  const items = (response && response.items) || [];
  if (!items.length) {
    setSuggestState(t("stateEmpty"));
    return;
  }
  setSuggestState("");
  const tpl = $("card-tpl");
  for (const item of items) {
    const li = tpl.content.firstElementChild.cloneNode(true);
    applyI18n(li);
    li.dataset.articleId = String(item.article_id);
    const img = li.querySelector(".thumb");
    if (item.image_url && /^https:\/\//.test(item.image_url)) {
      img.src = item.image_url;
      img.hidden = false;
      img.addEventListener("error", () => (img.hidden = true));
    }
    const a = li.querySelector(".title");
    a.textContent = item.title || item.url;
    if (/^https?:\/\//.test(item.url || "")) a.href = item.url;
    a.addEventListener("click", () => event(item, "opened", response.request_id));
    li.querySelector(".summary").textContent = item.summary || "";
    const reasons = li.querySelector(".reasons");
    // How well the article matches the page in view (0-1; null when no page context was sent).
    if (typeof item.relevance === "number" && item.relevance >= 0 && item.relevance <= 1) {
      const rl = document.createElement("li");
      rl.className = "relevance";
      rl.dataset.relevance = String(item.relevance);
      rl.textContent = t("relevanceReason", [String(Math.round(item.relevance * 100))]);
      reasons.append(rl);
    }
    for (const r of item.reasons || []) {
      const rl = document.createElement("li");
      rl.textContent = r;
      reasons.append(rl);
    }
    const caption = li.querySelector(".caption");
    caption.value = item.caption || "";
    caption.setAttribute("aria-label", t("captionLabel"));
    li.querySelector(".share").addEventListener("click", (e) => share(li, item, response.request_id, e.currentTarget));
    li.querySelector(".save").addEventListener("click", async (e) => {
      const btn = e.currentTarget;
      btn.disabled = true;
      try {
        await saveCard(item, response.request_id); // my saved list (server) + the recommender's event
        btn.textContent = t("saved");
      } catch (err) {
        li.querySelector(".note").textContent = errorText(err);
        btn.disabled = false;
      }
    });
    wireQueueForm(li, item, errorText);
    li.querySelector(".dismiss").addEventListener("click", async () => {
      if (await event(item, "dismissed", response.request_id, li)) {
        li.remove();
        if (!list.children.length) setSuggestState(t("stateEmpty"));
      }
    });
    list.append(li);
  }
}

async function event(item, type, requestId, li) {
  try {
    await call(MSG.EVENT_SEND, { article_id: item.article_id, type, request_id: requestId });
    return true;
  } catch (err) {
    if (li) li.querySelector(".note").textContent = errorText(err);
    return false;
  }
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_e) {
    const ta = document.createElement("textarea");
    ta.value = text;
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand("copy");
    ta.remove();
    return ok;
  }
}

async function share(li, item, requestId, btn) {
  const note = li.querySelector(".note");
  const caption = li.querySelector(".caption").value;
  // One idempotency key per card: a retry after a network error can't create a second share.
  li.dataset.idempotencyKey ||= crypto.randomUUID();
  btn.disabled = true;
  const copied = caption.trim() ? await copyText(caption) : false;
  try {
    const res = await call(MSG.SHARE_CREATE, {
      article_id: item.article_id,
      caption,
      request_id: requestId,
      idempotencyKey: li.dataset.idempotencyKey,
      title: item.title,
      url: item.url,
    });
    li.dataset.trackedUrl = res.tracked_url;
    await chrome.tabs.create({ url: shareOffsiteUrl(res.tracked_url) });
    note.textContent = copied ? t("shareCopied") : t("shareOpened");
    li.classList.add("shared");
  } catch (err) {
    note.textContent = errorText(err);
  } finally {
    btn.disabled = false;
  }
}

// ---- cold start: paint what was shown last, then refresh -----------------------------------------

function uiLanguage() {
  return globalThis.chrome && chrome.i18n ? chrome.i18n.getUILanguage().split("-")[0] : "en";
}

/** Milliseconds since the panel's navigation started, recorded once per kind (make bench-panel reads them). */
function markPainted(kind) {
  const key = kind === "cache" ? "paintedCacheMs" : "paintedLiveMs";
  if (!document.body.dataset[key]) document.body.dataset[key] = String(Math.round(performance.now()));
}

/** Reads chrome.storage.local directly (no service worker, no API): the last suggestions, at once. */
async function paintFromCache() {
  let entry = null;
  try {
    const r = await chrome.storage.local.get([PANEL_CACHE_KEY, "herald:auth"]);
    const auth = r["herald:auth"];
    if (auth && !auth.expired) entry = usableCache(r[PANEL_CACHE_KEY], uiLanguage());
  } catch (_e) {
    return false;
  }
  if (!entry || view.state) return false; // nothing kept, or the live state already won
  $("who").textContent = entry.name || "";
  renderCards(entry.response);
  setSuggestState(t("stateUpdating"));
  document.body.dataset.source = "cache";
  markPainted("cache");
  return true;
}

// ---- My impact -------------------------------------------------------------------------------------

const STAT_KEYS = [
  ["shares", "statShares"],
  ["clicks", "statClicks"],
  ["reactions", "statReactions"],
  ["leads", "statLeads"],
  ["potential_reach", "statReach"],
  ["points", "statPoints"],
  ["rank", "statRank"],
  ["streak_weeks", "statStreak"],
];

function statValue(v) {
  if (v && typeof v === "object") return v.total ?? v.value ?? v.count ?? null;
  return v;
}

async function loadImpact() {
  const tiles = $("impact-tiles");
  const state = view.state;
  if (!state || renderBlocking(state)) return;
  $("impact-state").textContent = t("stateLoading");
  try {
    const stats = await call(MSG.STATS_GET, {});
    tiles.replaceChildren();
    for (const [key, label] of STAT_KEYS) {
      if (!(key in stats)) continue;
      const div = document.createElement("div");
      div.className = "tile";
      div.dataset.stat = key;
      const n = document.createElement("strong");
      n.textContent = formatNumber(statValue(stats[key]));
      const l = document.createElement("span");
      l.textContent = t(label);
      div.append(n, l);
      tiles.append(div);
    }
    // Goals of the campaigns I take part in (and their sub-goals), with my own contribution where known.
    const goals = [];
    const walk = (g) => {
      goals.push(g);
      for (const sub of g.sub_goals || []) walk(sub);
    };
    for (const c of Array.isArray(stats.campaigns) ? stats.campaigns : []) for (const g of c.goals || []) walk(g);
    $("goals-title").hidden = !goals.length;
    $("goals").replaceChildren(
      ...goals.map((g) => {
        const li = document.createElement("li");
        const target = g.target ?? 0;
        const current = g.actual ?? 0;
        const name = document.createElement("span");
        const mine = typeof g.mine === "number" ? ` · ${t("goalMine", [formatNumber(g.mine)])}` : "";
        name.textContent = `${g.label || g.metric || ""}: ${formatNumber(current)} / ${formatNumber(target)}${mine}`;
        const bar = document.createElement("progress");
        bar.max = target || 1;
        bar.value = Math.min(current, target || 1);
        li.append(name, bar);
        return li;
      }),
    );
    $("impact-state").textContent = stats.shares ? "" : t("impactEmpty");
  } catch (err) {
    $("impact-state").textContent = errorText(err);
  }
}

// ---- Guidelines and training ----------------------------------------------------------------------

function listOf(res, key) {
  if (Array.isArray(res)) return res;
  if (res && res.id != null) return [res]; // GET /guidelines answers with the current guideline
  return (res && (res[key] || res.items)) || [];
}

async function loadGuidelines() {
  const state = view.state;
  if (!state || renderBlocking(state)) return;
  $("guidelines-state").textContent = t("stateLoading");
  $("training-state").textContent = "";
  const [g, c] = await Promise.allSettled([call(MSG.GUIDELINES_GET, {}), call(MSG.TRAINING_GET, {})]);
  if (g.status === "fulfilled") {
    // GET /me/guidelines: {published, version, title, body, acknowledged, acknowledged_at, ...}
    const it = g.value || {};
    $("guidelines-state").textContent = it.published ? "" : t("guidelinesEmpty");
    const items = it.published ? [it] : [];
    $("guidelines").replaceChildren(
      ...items.map((it) => {
        const li = document.createElement("li");
        const h = document.createElement("h3");
        h.textContent = it.title || t("tabGuidelines");
        const p = document.createElement("p");
        p.className = "prewrap";
        p.textContent = it.body || "";
        const when = document.createElement("p");
        when.className = "muted ack-state";
        const showAcked = (at) => {
          when.textContent = at ? t("acknowledgedOn", [new Date(at).toLocaleDateString()]) : "";
        };
        showAcked(it.acknowledged ? it.acknowledged_at : null);
        li.append(h, p, when);
        const btn = document.createElement("button");
        btn.type = "button";
        btn.className = "ack";
        const acked = Boolean(it.acknowledged);
        btn.textContent = acked ? t("acknowledged") : t("acknowledge");
        btn.disabled = acked;
        btn.addEventListener("click", async () => {
          btn.disabled = true;
          try {
            const res = await call(MSG.GUIDELINE_ACK, { version: it.version });
            btn.textContent = t("acknowledged");
            showAcked((res && res.acknowledged_at) || new Date().toISOString());
          } catch (err) {
            btn.disabled = false;
            btn.textContent = errorText(err);
          }
        });
        li.append(btn);
        return li;
      }),
    );
  } else {
    $("guidelines-state").textContent = errorText(g.reason);
  }
  if (c.status === "fulfilled") {
    const cards = listOf(c.value, "cards");
    $("training-state").textContent = cards.length ? "" : t("trainingEmpty");
    $("training").replaceChildren(
      ...cards.map((it) => {
        const li = document.createElement("li");
        const h = document.createElement("h3");
        h.textContent = it.title || "";
        const p = document.createElement("p");
        p.className = "prewrap";
        p.textContent = it.body || it.text || "";
        li.append(h, p);
        return li;
      }),
    );
  } else {
    $("training-state").textContent = errorText(c.reason);
  }
}

// ---- Mentions --------------------------------------------------------------------------------------

async function loadMentions() {
  const state = view.state;
  if (!state || renderBlocking(state)) return;
  try {
    const res = await call(MSG.MENTIONS_GET, { tabId: view.tabId });
    if (!res.terms.length) {
      $("mentions-state").textContent = t("mentionsNoCompany");
      $("mentions").replaceChildren();
      return;
    }
    $("mentions-state").textContent = res.items.length ? "" : t("mentionsEmpty", [res.terms.join(", ")]);
    $("mentions").replaceChildren(
      ...res.items.map((m) => {
        const li = document.createElement("li");
        li.className = "mention";
        const ta = document.createElement("textarea");
        ta.value = m.snippet;
        ta.rows = 4;
        ta.maxLength = 280;
        ta.setAttribute("aria-label", t("mentionSnippet"));
        const btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = t("flagMention");
        const note = document.createElement("p");
        note.className = "note";
        btn.addEventListener("click", async () => {
          btn.disabled = true;
          try {
            await call(MSG.MENTION_FLAG, { url: m.url, snippet: ta.value });
            note.textContent = t("mentionFlagged");
          } catch (err) {
            note.textContent = errorText(err);
            btn.disabled = false;
          }
        });
        const link = document.createElement("a");
        link.href = m.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.textContent = m.url;
        li.append(link, ta, btn, note);
        return li;
      }),
    );
  } catch (err) {
    $("mentions-state").textContent = errorText(err);
  }
}

// ---- wiring ----------------------------------------------------------------------------------------

/** Share from the saved list or the queue: a tracked link, LinkedIn's share page; the caption is copied. */
async function shareArticle(article, caption, note) {
  try {
    const copied = caption && caption.trim() ? await copyText(caption) : false;
    const res = await call(MSG.SHARE_CREATE, {
      article_id: article.article_id,
      caption: caption || "",
      idempotencyKey: crypto.randomUUID(),
      title: article.title,
      url: article.url,
    });
    await chrome.tabs.create({ url: shareOffsiteUrl(res.tracked_url) });
    note.textContent = copied ? t("shareCopied") : t("shareOpened");
  } catch (err) {
    note.textContent = errorText(err);
  }
}

function unlessBlocked(load) {
  return () => {
    if (!view.state || renderBlocking(view.state)) return;
    return load({ errorText, state: view.state, share: shareArticle });
  };
}

const LOADERS = {
  suggest: () => loadSuggestionsMaybe(),
  impact: loadImpact,
  guidelines: loadGuidelines,
  mentions: loadMentions,
  saved: unlessBlocked(loadSaved),
  privacy: unlessBlocked(loadPrivacy),
};

function loadSuggestionsMaybe() {
  const s = view.state && view.state.settings;
  const onDemand = Boolean(s && s.onDemand);
  $("ondemand").hidden = !onDemand || !view.state.paired || s.paused;
  if (onDemand) {
    if (!renderBlocking(view.state)) {
      renderSees(view.state.sent);
      if (!$("cards").children.length) setSuggestState(t("stateOnDemand"));
    }
    return;
  }
  return loadSuggestions(false);
}

function selectTab(name) {
  view.tab = name;
  for (const key of Object.keys(LOADERS)) {
    const on = key === name;
    $(`tab-${key}`).setAttribute("aria-selected", String(on));
    $(`view-${key}`).hidden = !on;
  }
  LOADERS[name]();
}

async function refreshAll() {
  try {
    await loadState();
  } catch (err) {
    showBanner(errorText(err), t("retry"), () => refreshAll());
    return;
  }
  if (!renderBlocking(view.state)) hideBanner();
  await LOADERS[view.tab]();
}

async function main() {
  applyI18n();
  const cached = paintFromCache();
  view.tabId = await findTabId();
  await cached;
  for (const key of Object.keys(LOADERS)) $(`tab-${key}`).addEventListener("click", () => selectTab(key));
  wirePrivacy({ errorText });
  $("open-options").addEventListener("click", () => chrome.runtime.openOptionsPage());
  $("refresh").addEventListener("click", async () => {
    await loadState();
    loadSuggestions(true);
  });
  $("suggest-now").addEventListener("click", async () => {
    await loadState();
    loadSuggestions(true);
  });

  // The page changed (new post in view, SPA navigation): refresh when settled. Settings/pairing changed: redraw.
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === "session" && view.tabId != null && changes[contextKey(view.tabId)]) {
      clearTimeout(view.timer);
      view.timer = setTimeout(async () => {
        await loadState();
        if (view.tab === "suggest") loadSuggestionsMaybe();
        else if (view.tab === "mentions") loadMentions();
      }, REFRESH_DEBOUNCE_MS);
    } else if (area === "local" && (changes["herald:settings"] || changes["herald:auth"])) {
      refreshAll();
    }
  });
  window.addEventListener("online", () => refreshAll());
  await refreshAll();
}

main();
