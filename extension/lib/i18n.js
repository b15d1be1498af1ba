// English and Danish through chrome.i18n (the browser's language chooses; English is the default).
// Static text in the HTML carries a data-i18n attribute naming the message (textContent), data-i18n-placeholder, data-i18n-title and
// data-i18n-aria-label attributes; scripts call t(messageName, [substitutions]).

export function t(key, subs) {
  const msg = globalThis.chrome && chrome.i18n ? chrome.i18n.getMessage(key, subs) : "";
  return msg || key;
}

export function applyI18n(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  if (root === document && globalThis.chrome && chrome.i18n) {
    document.documentElement.lang = chrome.i18n.getUILanguage().split("-")[0] || "en";
  }
}

/** Numbers in the UI language: 12,345 in English, 12.345 in Danish. */
export function formatNumber(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "–";
  const lang = globalThis.chrome && chrome.i18n ? chrome.i18n.getUILanguage() : "en";
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(n);
}
