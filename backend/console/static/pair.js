// One-click pairing: hand the one-time code shown on this page to the Herald extension, which then pairs
// itself. Chrome exposes chrome.runtime.sendMessage to a page only when an installed extension lists the
// page's origin in its manifest's externally_connectable (extension/build.py --herald-origin). Without it,
// or when the extension does not answer, the manual steps stay on the page.
(function () {
  "use strict";
  var codeEl = document.getElementById("pairing-code");
  var serverEl = document.getElementById("pair-server");
  var runtime = window.chrome && window.chrome.runtime;
  if (!codeEl || !serverEl || !runtime || typeof runtime.sendMessage !== "function") return;
  var ids = (codeEl.getAttribute("data-extension-ids") || "").split(",").filter(Boolean);
  var message = {
    type: "pair:code",
    payload: { code: codeEl.textContent.trim(), server: serverEl.textContent.trim() },
  };
  ids.forEach(function (id) {
    try {
      runtime.sendMessage(id, message, function (res) {
        if (runtime.lastError || !res || !res.ok) return; // not installed here, or refused: paste instead
        document.getElementById("pair-manual").hidden = true;
        document.getElementById("pair-auto").hidden = false;
        document.body.setAttribute("data-paired", "true");
      });
    } catch (_e) {
      // this extension id is not allowed to be messaged from here
    }
  });
})();
