// Herald's service worker: the only part of the extension that talks to the Herald API.
// It keeps no state in globals (Chrome stops it whenever it likes): everything lives in chrome.storage.
import { ApiError, apiRequest, normalizeBaseUrl } from "./lib/api.js";
import { MSG, createDispatcher } from "./lib/messages.js";
import { buildOutgoingContext, mentionSnippet, sanitizeText, MAX_SNIPPET_CHARS } from "./lib/sanitize.js";
import {
  KEYS,
  SUGGESTION_TTL_MS,
  contextKey,
  engagementDue,
  findOwnShares,
  hashString,
  mentionCandidates,
  resolveSettings,
  healthReport,
  snapshotDue,
  suggestKey,
} from "./lib/state.js";
import { open as openToken, seal as sealToken } from "./lib/tokenbox.js";
import { externalPairRequest } from "./lib/pairing.js";
import { ME_MSG, meHandlers } from "./lib/me.js";
import { ALARM_PREFIX, QUEUE_COPY_KEY, planAlarms, queueIdOf } from "./lib/reminders.js";
import "./lib/pack.js"; // registers globalThis.Herald.pack (validate, choose)
import "./lib/shares.js"; // registers globalThis.Herald.shares (confirmed shares)

const LINKEDIN = /^https:\/\/www\.linkedin\.com\//;
const PAGE_TYPES = new Set(["feed", "post", "profile", "company", "search", "article", "other"]);
const PACK = globalThis.Herald.pack;
const SHARES = globalThis.Herald.shares;
const PACK_CHECK_MS = 24 * 60 * 60 * 1000; // the served selector pack is checked once a day
const MAX_CONTEXT_ITEMS = 100;

// ---- storage helpers ----------------------------------------------------------------------------------

async function getLocal(key, fallback = null) {
  const r = await chrome.storage.local.get(key);
  return r[key] === undefined ? fallback : r[key];
}

async function getSession(key, fallback = null) {
  const r = await chrome.storage.session.get(key);
  return r[key] === undefined ? fallback : r[key];
}

async function getManaged() {
  try {
    return await chrome.storage.managed.get(null);
  } catch (_e) {
    return {}; // no policy
  }
}

async function getSettings() {
  const [local, managed] = await Promise.all([getLocal(KEYS.settings, {}), getManaged()]);
  return resolveSettings(local, managed);
}

/**
 * {token, employee, pairedAt} or {expired: true, employee} or null. The token is stored sealed
 * (lib/tokenbox.js): {sealed, employee, pairedAt, apiBaseUrl}. A token stored in the clear by 0.1.x is
 * sealed on first read.
 */
async function getAuth() {
  const a = await getLocal(KEYS.auth, null);
  if (!a || a.expired) return a;
  if (typeof a.token === "string") {
    await storeAuth({ token: a.token, employee: a.employee || null, pairedAt: a.pairedAt || Date.now() });
    return a;
  }
  const token = await openToken(a.sealed);
  if (!token) return { expired: true, employee: a.employee || null };
  return { token, employee: a.employee || null, pairedAt: a.pairedAt };
}

async function storeAuth({ token, employee, pairedAt }) {
  const settings = await getSettings();
  await chrome.storage.local.set({
    [KEYS.auth]: { sealed: await sealToken(token), employee, pairedAt, apiBaseUrl: settings.apiBaseUrl },
  });
}

/** Calls the API with the stored address and token. A 401 forgets the token (the panel then asks to re-pair). */
async function api(method, path, body, { headers, auth = true, allowWhenPaused = false } = {}) {
  const settings = await getSettings();
  if (settings.paused && !allowWhenPaused) throw new ApiError("paused", "Herald is paused");
  if (!settings.apiBaseUrl) throw new ApiError("not_configured", "No API address configured");
  let token = null;
  if (auth) {
    const a = await getAuth();
    if (!a || !a.token) throw new ApiError(a && a.expired ? "unauthorized" : "not_paired", "Not paired");
    token = a.token;
  }
  try {
    // The UI language, so texts the API writes (suggestion reasons) come in the panel's language.
    const lang = { "Accept-Language": chrome.i18n.getUILanguage().split("-")[0] || "en" };
    return await apiRequest({ baseUrl: settings.apiBaseUrl, token, method, path, body, headers: { ...lang, ...headers } });
  } catch (e) {
    if (auth && e instanceof ApiError && e.code === "unauthorized") {
      const a = await getLocal(KEYS.auth, null);
      await chrome.storage.local.set({ [KEYS.auth]: { expired: true, employee: (a && a.employee) || null } });
    }
    throw e;
  }
}

// ---- side panel only on LinkedIn tabs ----------------------------------------------------------------

async function setPanelFor(tabId, url) {
  try {
    if (url && LINKEDIN.test(url)) {
      await chrome.sidePanel.setOptions({ tabId, path: "sidepanel.html", enabled: true });
    } else {
      await chrome.sidePanel.setOptions({ tabId, enabled: false });
    }
  } catch (_e) {
    // the tab closed meanwhile
  }
}

async function initPanels() {
  await chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => {});
  const tabs = await chrome.tabs.query({ url: "https://www.linkedin.com/*" });
  await Promise.all(tabs.map((t) => setPanelFor(t.id, t.url)));
}

chrome.runtime.onInstalled.addListener(() => {
  initPanels();
});
chrome.runtime.onStartup.addListener(() => {
  initPanels();
});
chrome.tabs.onUpdated.addListener((tabId, info, tab) => {
  // tab.url is only visible to us for LinkedIn tabs (host permission); elsewhere it is undefined.
  if (info.url !== undefined || info.status === "loading") setPanelFor(tabId, tab.url);
});
chrome.tabs.onRemoved.addListener((tabId) => {
  chrome.storage.session.remove([contextKey(tabId), suggestKey(tabId)]);
});

// ---- context from the content script -------------------------------------------------------------------

function validContext(p) {
  if (!p || typeof p !== "object" || typeof p.url !== "string" || !LINKEDIN.test(p.url)) return null;
  const items = Array.isArray(p.items) ? p.items.slice(0, MAX_CONTEXT_ITEMS) : [];
  const clean = items
    .filter((it) => it && typeof it.text === "string")
    .map((it) => {
      const o = { text: it.text.slice(0, 5000) };
      if (typeof it.author === "string") o.author = it.author.slice(0, 200);
      if (typeof it.urn === "string") o.urn = it.urn.slice(0, 100);
      if (Array.isArray(it.links)) o.links = it.links.filter((x) => typeof x === "string").slice(0, 10);
      if (it.counts && typeof it.counts === "object") o.counts = it.counts;
      if (Array.isArray(it.mentioned)) o.mentioned = it.mentioned.filter((x) => typeof x === "string").slice(0, 50);
      return o;
    });
  const ctx = {
    url: p.url,
    pageType: PAGE_TYPES.has(p.pageType) ? p.pageType : "other",
    items: clean,
    focused: Number.isInteger(p.focused) && p.focused >= 0 && p.focused < clean.length ? p.focused : 0,
    names: Array.isArray(p.names) ? p.names.filter((x) => typeof x === "string").slice(0, 300) : [],
    at: Date.now(),
  };
  if (p.profile && typeof p.profile === "object") ctx.profile = p.profile;
  if (typeof p.pageKind === "string") ctx.pageKind = p.pageKind.slice(0, 32);
  if (Number.isInteger(p.lead) && p.lead >= 0) ctx.lead = p.lead;
  // Kept in this browser only (storage.session): what the page is about, never sent as such.
  if (typeof p.profileName === "string") ctx.profileName = p.profileName.slice(0, 200);
  if (typeof p.about === "string") ctx.about = p.about.slice(0, 5000);
  if (p.extraction && typeof p.extraction === "object") ctx.extraction = p.extraction;
  if (typeof p.companyName === "string") ctx.companyName = p.companyName;
  return ctx;
}

async function onContext(payload, sender) {
  // The employee's own settings only: pause and snapshots are never pushed by policy, and the first read of
  // chrome.storage.managed after the browser starts can take seconds (Chromium loading its policies). The
  // context is stored without waiting for it (issue #16: a context within 1.5 s of DOMContentLoaded).
  const settings = resolveSettings(await getLocal(KEYS.settings, {}), {});
  if (settings.paused) return { stored: false }; // paused: nothing is kept, nothing is sent
  const ctx = validContext(payload);
  if (!ctx) return { stored: false };
  const tabId = sender.tab.id;
  await chrome.storage.session.set({
    [contextKey(tabId)]: ctx,
    [KEYS.lastTab]: { tabId, windowId: sender.tab.windowId },
  });
  await Promise.allSettled([
    reportEngagement(ctx),
    maybeSnapshot(ctx, settings),
    reportExtraction(tabId, ctx),
    checkPack({ force: false }),
  ]);
  return { stored: true };
}

// ---- extraction health ---------------------------------------------------------------------------------

/** One report per page view (the first reading of it), once the extension is paired. */
async function reportExtraction(tabId, ctx) {
  // A reading with the bundled pack before the service worker answered which pack is current is not reported:
  // the settled reading follows (read again when a newer served pack replaced the bundled one).
  if (ctx.extraction && ctx.extraction.settled === false) return;
  const report = healthReport(ctx, chrome.runtime.getManifest().version);
  if (!report) return;
  const key = `herald:health:${tabId}`;
  let view = ctx.url;
  try {
    const u = new URL(ctx.url);
    view = u.pathname;
  } catch (_e) {
    // keep the whole URL as the key
  }
  const last = await getSession(key, null);
  if (last === view) return;
  await chrome.storage.session.set({ [key]: view });
  const auth = await getAuth();
  if (!auth || !auth.token) return;
  await api("POST", "/api/v1/extension/extraction-health", report);
}

// ---- the selector pack -----------------------------------------------------------------------------------

async function bundledPack() {
  const res = await fetch(chrome.runtime.getURL("selectors/pack.json"));
  return res.json();
}

/** {pack, bundled, source}: the served pack when valid and newer than the bundled one, else the bundled. */
async function activePack() {
  const [bundled, stored] = await Promise.all([bundledPack(), getLocal(KEYS.pack, null)]);
  const choice = PACK.choose(bundled, stored && stored.pack);
  return { pack: choice.pack, bundled, source: choice.source };
}

/** Fetches the served pack once a day (or now with force); keeps it only when it passes the schema. */
async function checkPack({ force = false } = {}) {
  const stored = await getLocal(KEYS.pack, null);
  if (!force && stored && Date.now() - (stored.checkedAt || 0) < PACK_CHECK_MS) return stored;
  const auth = await getAuth();
  if (!auth || !auth.token) return stored;
  let served;
  try {
    served = await api("GET", "/api/v1/extension/selector-pack");
  } catch (e) {
    const next = { ...(stored || {}), checkedAt: Date.now(), error: String((e && e.code) || e) };
    await chrome.storage.local.set({ [KEYS.pack]: next });
    return next;
  }
  const errors = PACK.validate(served);
  const next = errors.length
    ? { pack: null, checkedAt: Date.now(), rejected: errors.slice(0, 20) }
    : { pack: served, checkedAt: Date.now() };
  await chrome.storage.local.set({ [KEYS.pack]: next });
  return next;
}

async function packState(payload) {
  if (payload && payload.check) await checkPack({ force: true });
  const [active, stored] = await Promise.all([activePack(), getLocal(KEYS.pack, null)]);
  return {
    source: active.source,
    version: active.pack.version,
    bundledVersion: active.bundled.version,
    rejected: (stored && stored.rejected) || null,
  };
}

async function reportEngagement(ctx) {
  const shares = await getLocal(KEYS.shares, {});
  const own = findOwnShares(ctx.items, shares);
  if (!own.length) return;
  const done = await getLocal(KEYS.engagement, {});
  const now = Date.now();
  for (const { share_id, counts } of own) {
    if (!engagementDue(done[share_id], counts, now)) continue;
    await api("POST", `/api/v1/shares/${encodeURIComponent(share_id)}/engagement`, counts);
    done[share_id] = { counts, at: now };
    await chrome.storage.local.set({ [KEYS.engagement]: done });
  }
}

async function maybeSnapshot(ctx, settings) {
  if (!settings.snapshots || ctx.pageType !== "profile" || !ctx.profile || !ctx.profile.own) return;
  const p = ctx.profile;
  if (!Number.isInteger(p.connections) || !Number.isInteger(p.followers)) return;
  const values = { connections: p.connections, followers: p.followers };
  if (Number.isInteger(p.profileViews)) values.profile_views = p.profileViews;
  const prev = await getLocal(KEYS.snapshot, null);
  if (!snapshotDue(prev, values, Date.now())) return;
  await api("POST", "/api/v1/me/snapshots", values);
  await chrome.storage.local.set({ [KEYS.snapshot]: { at: Date.now(), values } });
}

// ---- confirmed shares (issue #15) -----------------------------------------------------------------------
// The content script looks for the tracked links of my shares not yet confirmed in the posts it reads
// (lib/shares.js) and sends back only the codes it found; only those codes go to the API.

async function pendingShares() {
  const settings = resolveSettings(await getLocal(KEYS.settings, {}), {});
  if (settings.paused) return []; // paused: nothing is read, nothing is sent
  return SHARES.pendingUrls(await getLocal(KEYS.shares, {}));
}

async function confirmShares(payload) {
  const settings = resolveSettings(await getLocal(KEYS.settings, {}), {});
  if (settings.paused) return { confirmed: 0 };
  const codes = SHARES.confirmable(await getLocal(KEYS.shares, {}), payload && payload.codes);
  if (!codes.length) return { confirmed: 0 };
  const res = await api("POST", "/api/v1/me/shares/confirm", { codes });
  // Read again: a share may have been created meanwhile.
  const shares = SHARES.markConfirmed(await getLocal(KEYS.shares, {}), codes, Date.now());
  await chrome.storage.local.set({ [KEYS.shares]: shares });
  return res;
}

// ---- the panel -----------------------------------------------------------------------------------------

async function resolveTab(payload) {
  if (payload && Number.isInteger(payload.tabId)) return payload.tabId;
  const last = await getSession(KEYS.lastTab, null);
  return last ? last.tabId : null;
}

async function readContext(tabId) {
  if (tabId == null) return null;
  let ctx = await getSession(contextKey(tabId), null);
  if (!ctx) {
    // Nothing stored yet (the page loaded before the extension, or storage was cleared): ask the page.
    try {
      const res = await chrome.tabs.sendMessage(tabId, { type: "context:request" });
      const fresh = res && res.ok ? validContext(res.data) : null;
      const settings = await getSettings();
      if (fresh && !settings.paused) {
        await chrome.storage.session.set({ [contextKey(tabId)]: fresh });
        ctx = fresh;
      }
    } catch (_e) {
      // not a LinkedIn tab or no content script there
    }
  }
  return ctx;
}

async function panelState(payload) {
  const tabId = await resolveTab(payload);
  const [settings, auth, ctx] = await Promise.all([getSettings(), getAuth(), readContext(tabId)]);
  return {
    tabId,
    settings,
    paired: Boolean(auth && auth.token),
    expired: Boolean(auth && auth.expired),
    employee: (auth && auth.employee) || null,
    context: ctx ? { url: ctx.url, pageType: ctx.pageType, focused: ctx.focused, count: ctx.items.length } : null,
    sent: settings.paused ? null : buildOutgoingContext(ctx),
  };
}

async function suggestions(payload) {
  const tabId = await resolveTab(payload);
  const ctx = await readContext(tabId);
  const sent = buildOutgoingContext(ctx);
  const body = sent ? { context: sent, limit: 5 } : { limit: 5 };
  const key = hashString(JSON.stringify(body) + chrome.i18n.getUILanguage());
  const cacheKey = suggestKey(tabId);
  const cached = tabId == null ? null : await getSession(cacheKey, null);
  if (!payload.force && cached && cached.key === key && Date.now() - cached.at < SUGGESTION_TTL_MS) {
    return { sent, response: cached.response, cached: true };
  }
  const response = await api("POST", "/api/v1/suggestions", body);
  if (tabId != null) await chrome.storage.session.set({ [cacheKey]: { key, at: Date.now(), response } });
  return { sent, response, cached: false };
}

// Impressions ("shown") are logged by the server with the request id; the client reports the rest.
const EVENT_TYPES = new Set(["opened", "shared", "dismissed", "saved"]);

async function sendEvent({ article_id, type, request_id }) {
  if (!EVENT_TYPES.has(type) || article_id == null) throw new ApiError("validation_error", "Bad event");
  const body = { article_id, type };
  if (request_id) body.request_id = request_id;
  return api("POST", "/api/v1/events", body);
}

async function createShare({ article_id, caption, request_id, idempotencyKey, title, url }) {
  if (!Number.isInteger(article_id) || typeof idempotencyKey !== "string") throw new ApiError("validation_error", "Bad share");
  const body = { article_id, network: "linkedin" };
  if (typeof caption === "string" && caption.trim()) body.caption = caption.slice(0, 3000);
  // The suggestion request the share came from, so the recommender learns from it.
  if (typeof request_id === "string" && request_id.length <= 36) body.request_id = request_id;
  const res = await api("POST", "/api/v1/shares", body, { headers: { "Idempotency-Key": idempotencyKey } });
  const shares = await getLocal(KEYS.shares, {});
  shares[String(article_id)] = { share_id: res.share_id, tracked_url: res.tracked_url, title: title || "", url: url || "", at: Date.now() };
  await chrome.storage.local.set({ [KEYS.shares]: shares });
  return res;
}

async function companyTerms() {
  const [settings, auth] = await Promise.all([getSettings(), getAuth()]);
  const terms = [...settings.companyNames];
  const emp = auth && auth.employee;
  const company = emp && (emp.company_name || (emp.company && (emp.company.name || emp.company)));
  if (typeof company === "string" && company) terms.push(company);
  return Array.from(new Set(terms));
}

async function mentions(payload) {
  const tabId = await resolveTab(payload);
  const [ctx, terms] = await Promise.all([readContext(tabId), companyTerms()]);
  // People's names go; the company's own name (also the author of its page's posts) stays.
  const isCompany = (n) => terms.some((t) => n.toLowerCase().includes(t.toLowerCase()));
  const people = (list) => list.filter((n) => !isCompany(n));
  const names = people([...((ctx && ctx.names) || [])]);
  return {
    terms,
    items: mentionCandidates(ctx, terms).map((c) => ({
      url: c.url,
      focused: ctx.focused === c.index,
      snippet: mentionSnippet(c.item.text, terms, [...names, ...people(c.item.author ? [c.item.author] : [])]),
    })),
  };
}

async function flagMention({ url, snippet }) {
  if (typeof url !== "string" || !LINKEDIN.test(url)) throw new ApiError("validation_error", "Bad URL");
  const clean = sanitizeText(String(snippet || ""), { maxLength: MAX_SNIPPET_CHARS });
  return api("POST", "/api/v1/mentions", { url, snippet: clean });
}

async function settingsState() {
  const [settings, auth] = await Promise.all([getSettings(), getAuth()]);
  return {
    settings,
    paired: Boolean(auth && auth.token),
    expired: Boolean(auth && auth.expired),
    employee: (auth && auth.employee) || null,
    extensionId: chrome.runtime.id,
  };
}

async function setSettings(p) {
  const current = await getLocal(KEYS.settings, {});
  const settings = await getSettings();
  const next = { ...current };
  for (const k of ["paused", "onDemand", "snapshots"]) if (typeof p[k] === "boolean") next[k] = p[k];
  let addressChanged = false;
  if (typeof p.apiBaseUrl === "string" && !settings.managed.includes("apiBaseUrl")) {
    next.apiBaseUrl = p.apiBaseUrl.trim() ? normalizeBaseUrl(p.apiBaseUrl) : "";
    addressChanged = next.apiBaseUrl !== settings.apiBaseUrl;
  }
  if (addressChanged) {
    // A token belongs to the server that issued it: never send it to a new address. Revoke it at the old
    // one (best effort) and require pairing again.
    await revoke();
  }
  if (Array.isArray(p.companyNames) && !settings.managed.includes("companyNames")) {
    next.companyNames = p.companyNames.map((x) => String(x).trim()).filter(Boolean).slice(0, 10);
  }
  if (typeof p.snapshots === "boolean" && p.snapshots !== Boolean(current.snapshots) && !addressChanged) {
    await syncSnapshotConsent(p.snapshots);
  }
  await chrome.storage.local.set({ [KEYS.settings]: next });
  if (next.paused) {
    // Paused: forget what was read from pages.
    const all = await chrome.storage.session.get(null);
    await chrome.storage.session.remove(Object.keys(all).filter((k) => k.startsWith("herald:")));
  }
  return settingsState();
}

/** Profile snapshots need the employee's consent on the server too (PATCH /me consents.profile_snapshots). */
async function syncSnapshotConsent(on) {
  const auth = await getAuth();
  if (!auth || !auth.token) return; // recorded locally; sent after pairing
  const consents = { ...((auth.employee && auth.employee.consents) || {}), profile_snapshots: on };
  const employee = await api("PATCH", "/api/v1/me", { consents }, { allowWhenPaused: true });
  await storeAuth({ ...auth, employee });
}

async function pair({ code, apiBaseUrl }) {
  if (typeof apiBaseUrl === "string" && apiBaseUrl.trim()) await setSettings({ apiBaseUrl });
  const clean = String(code || "").trim();
  if (!clean) throw new ApiError("validation_error", "Enter the pairing code");
  const res = await api("POST", "/api/v1/auth/pair", { code: clean }, { auth: false, allowWhenPaused: true });
  await storeAuth({ token: res.token, employee: res.employee || null, pairedAt: Date.now() });
  await chrome.storage.local.remove(KEYS.panelCache); // someone else's last suggestions are never painted
  const settings = await getSettings();
  if (settings.snapshots && !(res.employee && res.employee.consents && res.employee.consents.profile_snapshots)) {
    await syncSnapshotConsent(true).catch(() => {});
  }
  await syncReminders().catch(() => {}); // a reinstall gets its reminders back from the server
  return settingsState();
}

async function revoke() {
  const auth = await getAuth();
  if (auth && auth.token) await api("POST", "/api/v1/auth/revoke", {}, { allowWhenPaused: true }).catch(() => {});
  await chrome.storage.local.remove([KEYS.auth, KEYS.engagement, KEYS.snapshot, KEYS.pack, KEYS.panelCache, QUEUE_COPY_KEY]);
  await syncReminders().catch(() => {}); // not paired: clears the reminders
  return settingsState();
}

const ext = (handle) => ({ from: "extension", handle });

const TABLE = {
  [MSG.CONTEXT_UPDATE]: { from: "linkedin", handle: onContext },
  [MSG.PACK_GET]: { from: "linkedin", handle: activePack },
  [MSG.SHARES_PENDING]: { from: "linkedin", handle: pendingShares },
  [MSG.SHARES_CONFIRM]: { from: "linkedin", handle: confirmShares },
  [MSG.PACK_STATE]: ext(packState),
  [MSG.PANEL_STATE]: ext(panelState),
  [MSG.SUGGESTIONS_GET]: ext(suggestions),
  [MSG.EVENT_SEND]: ext(sendEvent),
  [MSG.SHARE_CREATE]: ext(createShare),
  [MSG.STATS_GET]: ext(() => api("GET", "/api/v1/me/stats")),
  // The employee-readable guidelines (GET /me/guidelines: text + whether I acknowledged this version).
  [MSG.GUIDELINES_GET]: ext(() => api("GET", "/api/v1/me/guidelines")),
  [MSG.GUIDELINE_ACK]: ext(({ version }) =>
    api("POST", "/api/v1/me/guidelines/acknowledgement", Number.isInteger(version) ? { version } : {}),
  ),
  // Each card once, in my language (the UI's when I read it).
  [MSG.TRAINING_GET]: ext(() => {
    const ui = chrome.i18n.getUILanguage().split("-")[0];
    return api("GET", `/api/v1/me/training-cards${/^[a-z]{2}$/.test(ui) ? `?language=${ui}` : ""}`);
  }),
  [MSG.MENTIONS_GET]: ext(mentions),
  [MSG.MENTION_FLAG]: ext(flagMention),
  [MSG.SETTINGS_GET]: ext(settingsState),
  [MSG.SETTINGS_SET]: ext(setSettings),
  [MSG.AUTH_PAIR]: ext(pair),
  [MSG.AUTH_REVOKE]: ext(revoke),
  // The panel's settings, saved list and queue (lib/me.js); queue changes re-plan the reminders.
  ...Object.fromEntries(Object.entries(meHandlers(api)).map(([type, handle]) => [type, ext(handle)])),
  [ME_MSG.QUEUE_LIST]: ext(() => syncReminders()),
  [ME_MSG.QUEUE_ADD]: ext(async (p) => afterQueueChange(await meHandlers(api)[ME_MSG.QUEUE_ADD](p))),
  [ME_MSG.QUEUE_REMOVE]: ext(async (p) => afterQueueChange(await meHandlers(api)[ME_MSG.QUEUE_REMOVE](p))),
};

chrome.runtime.onMessage.addListener(
  createDispatcher(TABLE, { extensionId: chrome.runtime.id, extensionOrigin: chrome.runtime.getURL("") }),
);

// ---- the personal queue's reminders (chrome.alarms + notifications; posting stays manual) -------------

/** Re-plans one alarm per reminder from the server's list (it survives a reinstall); returns the list. */
async function syncReminders() {
  const auth = await getAuth();
  const alarms = await chrome.alarms.getAll();
  if (!auth || !auth.token) {
    await Promise.all(alarms.filter((a) => a.name.startsWith(ALARM_PREFIX)).map((a) => chrome.alarms.clear(a.name)));
    return { items: [] };
  }
  const res = await api("GET", "/api/v1/me/queue");
  const plan = planAlarms(res.items, alarms);
  await Promise.all(plan.clear.map((name) => chrome.alarms.clear(name)));
  await Promise.all(plan.create.map((a) => chrome.alarms.create(a.name, { when: a.when })));
  const copy = res.items.map((it) => ({ id: it.id, title: it.article.title, due_at: it.due_at }));
  await chrome.storage.local.set({ [QUEUE_COPY_KEY]: copy });
  return res;
}

async function afterQueueChange(result) {
  await syncReminders().catch(() => {});
  return result;
}

async function showReminder(name) {
  const id = queueIdOf(name);
  if (id == null) return;
  const items = await getLocal(QUEUE_COPY_KEY, []);
  const item = items.find((it) => it.id === id);
  await chrome.notifications.create(name, {
    type: "basic",
    iconUrl: "icons/icon128.png",
    title: chrome.i18n.getMessage("reminderTitle"),
    message: chrome.i18n.getMessage("reminderBody", [(item && item.title) || ""]),
    requireInteraction: true,
  });
}

chrome.alarms.onAlarm.addListener((alarm) => {
  showReminder(alarm.name);
});
chrome.notifications.onClicked.addListener((name) => {
  if (queueIdOf(name) == null) return;
  chrome.notifications.clear(name);
  chrome.tabs.create({ url: "https://www.linkedin.com/feed/" }); // the panel lists the item there
});
chrome.runtime.onStartup.addListener(() => {
  syncReminders().catch(() => {});
});
chrome.runtime.onInstalled.addListener(() => {
  syncReminders().catch(() => {}); // an update may drop alarms: plan them again from the server
});

// One-click pairing: the company's Herald pairing page (externally_connectable) hands over the code it issued.
chrome.runtime.onMessageExternal.addListener((msg, sender, sendResponse) => {
  let origin = sender.origin || "";
  try {
    origin ||= new URL(sender.url).origin;
  } catch (_e) {
    // no origin: refused below
  }
  getSettings()
    .then((settings) => externalPairRequest(msg, origin, settings))
    .then((req) => pair(req))
    .then(
      (s) => sendResponse({ ok: true, data: { paired: s.paired, name: (s.employee && s.employee.name) || "" } }),
      (e) => sendResponse({ ok: false, error: { code: (e && e.code) || "internal", message: String((e && e.message) || e) } }),
    );
  return true;
});
