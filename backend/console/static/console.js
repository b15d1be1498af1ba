// Herald console: progressive enhancement only. Every page works without it.
(function () {
  "use strict";

  // Submit on change (language switch, filter selects marked data-autosubmit).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });

  // Ask before destructive actions: <form data-confirm="...">.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Print buttons (pairing code sheet).
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });

  // Charts: <canvas data-chart="id-of-json-script">; the JSON holds a Chart.js config.
  // Numbers on axes and in tooltips use the page language's separators (Babel's, set by the
  // server on <body>): "1.234,5" in Danish, "1,234.5" in English, like the tables.
  var DECIMAL = document.body.getAttribute("data-decimal") || ".";
  var GROUP = document.body.getAttribute("data-group") || ",";
  function formatNumber(value) {
    if (typeof value !== "number" || !isFinite(value)) { return String(value); }
    var digits = Number.isInteger(value) ? 0 : 1;
    var parts = Math.abs(value).toFixed(digits).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, GROUP);
    return (value < 0 ? "-" : "") + whole + (parts.length > 1 ? DECIMAL + parts[1] : "");
  }
  window.heraldFormatNumber = formatNumber;
  function numberAxis(axis) {
    axis = axis || {};
    axis.ticks = Object.assign({ callback: function (value) { return formatNumber(value); } },
      axis.ticks || {});
    return axis;
  }
  var PALETTE = ["#0a5cad", "#e0760b", "#1a7f37", "#8250df", "#cf222e", "#57606a", "#bf8700", "#0598bc"];
  function buildChart(canvas) {
    if (typeof window.Chart === "undefined") { return; }
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var config = JSON.parse(source.textContent);
    (config.data.datasets || []).forEach(function (ds, i) {
      var color = ds.color || PALETTE[i % PALETTE.length];
      ds.borderColor = ds.borderColor || color;
      ds.backgroundColor = ds.backgroundColor || (config.type === "line" ? color + "33" : color);
      delete ds.color;
    });
    config.options = Object.assign({
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom" } }
    }, config.options || {});
    var horizontal = config.options.indexAxis === "y";
    var radial = config.type === "doughnut" || config.type === "pie";
    if (!radial) {
      var scales = config.options.scales = config.options.scales || {};
      var categoryAxis = horizontal ? "y" : "x";
      scales[horizontal ? "x" : "y"] = scales[horizontal ? "x" : "y"] || {};
      Object.keys(scales).forEach(function (key) {
        if (key !== categoryAxis) { scales[key] = numberAxis(scales[key]); }
      });
    }
    config.options.plugins = config.options.plugins || {};
    config.options.plugins.tooltip = config.options.plugins.tooltip || {};
    config.options.plugins.tooltip.callbacks = Object.assign({
      label: function (ctx) {
        var value = radial ? ctx.parsed : (horizontal ? ctx.parsed.x : ctx.parsed.y);
        return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + formatNumber(value);
      }
    }, config.options.plugins.tooltip.callbacks || {});
    canvas.chart = new window.Chart(canvas, config);
  }
  document.querySelectorAll("canvas[data-chart]").forEach(buildChart);

  // Live suggestion preview on the article form: fields with data-preview="key".
  var preview = document.querySelector("[data-preview-root]");
  if (preview) {
    var form = document.querySelector("form[data-preview-form]");
    var update = function () {
      form.querySelectorAll("[data-preview]").forEach(function (input) {
        var key = input.getAttribute("data-preview");
        var target = preview.querySelector("[data-preview-target='" + key + "']");
        if (!target) { return; }
        var value = input.value.trim();
        if (key === "image") {
          if (/^https?:\/\//.test(value)) { target.src = value; target.hidden = false; } else { target.hidden = true; }
        } else if (key === "caption") {
          // Variants are separated by a line of dashes (as the form shows them), "||" or a blank
          // line: the card shows the first one, and how many more there are, never the separator.
          var variants = value.split(/\n\s*-{3,}\s*(?:\n|$)|\n\s*\n|\|\|/)
            .map(function (v) { return v.trim(); })
            .filter(function (v) { return v && !/^-+$/.test(v); });
          if (variants.length) { target.textContent = variants[0]; }
          var more = preview.querySelector("[data-preview-target='caption-more']");
          if (more) {
            more.hidden = variants.length < 2;
            more.textContent = more.getAttribute("data-text").replace("{n}", String(variants.length - 1));
          }
        } else {
          target.textContent = value || target.getAttribute("data-empty") || "";
        }
      });
    };
    form.addEventListener("input", update);
  }

  // Retrain progress: poll the job's JSON and update the progress bar and log.
  var job = document.querySelector("[data-job-url]");
  if (job) {
    var bar = job.querySelector("progress");
    var pct = job.querySelector(".pct");
    var status = job.querySelector("[data-job-status]");
    var step = job.querySelector("[data-job-step]");
    var log = job.querySelector("pre.log");
    var poll = function () {
      fetch(job.getAttribute("data-job-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var p = Math.round((data.progress || 0) * 100);
          if (bar) { bar.value = p; }
          if (pct) { pct.textContent = p + " %"; }
          if (status) { status.textContent = data.status_label || data.status; status.className = "badge " + data.status; }
          if (step) { step.textContent = data.step || ""; }
          if (log) { log.textContent = (data.log || []).join("\n"); log.scrollTop = log.scrollHeight; }
          if (data.status === "running" || data.status === "queued") { window.setTimeout(poll, 1000); }
          else if (data.status === "done" || data.status === "failed") { job.setAttribute("data-finished", data.status); window.setTimeout(function () { window.location.reload(); }, 800); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    if (job.getAttribute("data-running") === "true") { window.setTimeout(poll, 500); }
  }
})();
