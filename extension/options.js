// Options page: the API address (unless pushed by IT through chrome.storage.managed), pairing, re-pairing,
// pause and "on demand only". Talks to the service worker only.
import { applyI18n, t } from "./lib/i18n.js";
import { MSG, call } from "./lib/messages.js";
import { pairingFromHash } from "./lib/pairing.js";

const $ = (id) => document.getElementById(id);

function render(s) {
  const st = s.settings;
  const managedUrl = st.managed.includes("apiBaseUrl");
  // Never overwrite what the employee typed before the settings arrived (or since).
  if (managedUrl || !$("api-base-url").dataset.edited) $("api-base-url").value = st.apiBaseUrl || "";
  $("api-base-url").disabled = managedUrl;
  $("managed-note").hidden = !managedUrl;
  $("paused").checked = st.paused;
  $("on-demand").checked = st.onDemand;
  $("snapshots").checked = st.snapshots;
  $("company-names").value = (st.companyNames || []).join(", ");
  $("company-names").disabled = st.managed.includes("companyNames");
  if (s.paired) {
    const name = (s.employee && (s.employee.name || s.employee.email)) || "";
    $("status").textContent = t("statusPaired", [name]);
    $("pair").textContent = t("pairAgain");
  } else if (s.expired) {
    $("status").textContent = t("stateExpired");
    $("pair").textContent = t("pairAgain");
  } else {
    $("status").textContent = st.apiBaseUrl ? t("stateNotPaired") : t("stateNotConfigured");
    $("pair").textContent = t("pair");
  }
  $("unpair").hidden = !s.paired;
}

function errorText(err) {
  const code = err && err.code;
  if (code === "offline" || code === "timeout") return t("stateOffline");
  if (code === "invalid_url") return t("invalidUrl");
  if (code === "not_configured") return t("stateNotConfigured");
  if (code === "not_paired") return t("stateNotPaired");
  if (code === "unauthorized" || code === "not_found" || code === "invalid_code") return t("pairFailed");
  return t("stateError", [String((err && err.message) || code || "?")]);
}

async function main() {
  applyI18n();
  $("api-base-url").addEventListener("input", () => ($("api-base-url").dataset.edited = "true"));

  $("pair-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("pair-result").textContent = t("stateLoading");
    try {
      const payload = { code: $("pairing-code").value };
      if (!$("api-base-url").disabled) payload.apiBaseUrl = $("api-base-url").value;
      const s = await call(MSG.AUTH_PAIR, payload);
      delete $("api-base-url").dataset.edited;
      $("pairing-code").value = "";
      $("pair-result").textContent = t("pairDone");
      render(s);
    } catch (err) {
      $("pair-result").textContent = errorText(err);
    }
  });

  $("unpair").addEventListener("click", async () => {
    render(await call(MSG.AUTH_REVOKE, {}));
    $("pair-result").textContent = t("unpaired");
  });

  $("save").addEventListener("click", async () => {
    try {
      const payload = {
        paused: $("paused").checked,
        onDemand: $("on-demand").checked,
        snapshots: $("snapshots").checked,
        companyNames: $("company-names").value.split(","),
      };
      if (!$("api-base-url").disabled) payload.apiBaseUrl = $("api-base-url").value;
      delete $("api-base-url").dataset.edited; // saved: the stored address is what was typed
      render(await call(MSG.SETTINGS_SET, payload));
      $("save-result").textContent = t("saved");
    } catch (err) {
      $("save-result").textContent = errorText(err);
    }
  });

  render(await call(MSG.SETTINGS_GET, {}));
  // options.html#code=<code>&server=<address> (pasted from the pairing page): fill in the form; Pair still asks.
  const fromLink = pairingFromHash(location.hash);
  if (fromLink) {
    $("pairing-code").value = fromLink.code;
    if (fromLink.server && !$("api-base-url").disabled) $("api-base-url").value = fromLink.server;
    history.replaceState(null, "", location.pathname);
  }
  document.body.dataset.ready = "true";
}

main();
