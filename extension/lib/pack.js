// The selector pack: LinkedIn selectors as a versioned JSON document (extension/selectors/pack.json).
// Data only — CSS selectors, attribute names, regular expressions — so a newer pack can come from the
// Herald API without a store release (MV3 forbids remote code, not remote data). This file validates a pack
// and compiles it; it never evaluates anything from the pack but regular expressions and selectors.
//
// Classic script + ES-module compatible (see pagetype.js): registers globalThis.Herald.pack.
(function (root) {
  "use strict";

  const FORMAT = 1;
  const DOMS = Object.freeze(["classic", "2026", "guest", "generic"]);
  // Every key the reading code asks for; a pack must define each (an empty list is allowed).
  const KEYS = Object.freeze([
    "post", "postText", "postAuthor", "postUrn", "postLink", "mentionedPerson",
    "reactionsCount", "commentsCount", "repostsCount",
    "profileName", "profileHeadline", "profileAbout", "profileTopCard", "ownProfileMarker", "profileViews",
    "companyName", "companyAbout", "companyTagline",
    "articleTitle", "articleBody", "articleAuthor",
    "feedContainer", "hiddenText", "domMarker",
  ]);
  const RULE_FIELDS = new Set(["id", "dom", "css", "attr", "re", "notInside"]);
  const FALLBACK_FIELDS = new Set(["containers", "authorLabels", "actorLinks", "excludeInside", "minTextChars"]);
  const MAX_CSS = 2000;
  const MAX_RULES = 40;
  const ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
  const ATTR_RE = /^[a-z][a-z0-9-]{0,63}$/;

  /** A checker for CSS selectors: the browser's own parser when there is a DOM, else "non-empty string". */
  function defaultCssCheck(css) {
    const doc = root.document;
    if (!doc || typeof doc.createDocumentFragment !== "function") return true;
    if (css === ":scope") return true;
    try {
      doc.createDocumentFragment().querySelector(css);
      return true;
    } catch (_e) {
      return false;
    }
  }

  function regexOk(src) {
    if (typeof src !== "string" || !src || src.length > 1000) return false;
    try {
      new RegExp(src, "iu");
      return true;
    } catch (_e) {
      return false;
    }
  }

  /**
   * Checks a pack against the schema (docs/extension.md describes it). Returns a list of errors, each
   * "path: problem"; an empty list means the pack is valid.
   */
  function validate(pack, { cssCheck = defaultCssCheck } = {}) {
    const errors = [];
    const err = (path, msg) => errors.push(`${path}: ${msg}`);
    const isObj = (v) => v && typeof v === "object" && !Array.isArray(v);
    const css = (path, v) => {
      if (typeof v !== "string" || !v.trim()) err(path, "must be a non-empty string");
      else if (v.length > MAX_CSS) err(path, `longer than ${MAX_CSS} characters`);
      else if (!cssCheck(v)) err(path, "not a valid CSS selector");
    };
    if (!isObj(pack)) return ["pack: must be an object"];
    if (pack.format !== FORMAT) err("format", `must be ${FORMAT}`);
    if (!Number.isInteger(pack.version) || pack.version < 1) err("version", "must be a positive integer");
    if (pack.released !== undefined && (typeof pack.released !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(pack.released))) {
      err("released", "must be a date YYYY-MM-DD");
    }
    for (const k of Object.keys(pack)) {
      if (!["format", "version", "released", "notes", "rules", "fallback"].includes(k)) err(k, "unknown field");
    }
    if (!isObj(pack.rules)) {
      err("rules", "must be an object");
    } else {
      for (const key of KEYS) if (!(key in pack.rules)) err(`rules.${key}`, "missing");
      for (const [key, list] of Object.entries(pack.rules)) {
        const path = `rules.${key}`;
        if (!KEYS.includes(key)) {
          err(path, "unknown key");
          continue;
        }
        if (!Array.isArray(list)) {
          err(path, "must be a list of rules");
          continue;
        }
        if (list.length > MAX_RULES) err(path, `more than ${MAX_RULES} rules`);
        const ids = new Set();
        list.forEach((rule, i) => {
          const p = `${path}[${i}]`;
          if (!isObj(rule)) return err(p, "must be an object");
          for (const f of Object.keys(rule)) if (!RULE_FIELDS.has(f)) err(`${p}.${f}`, "unknown field");
          if (typeof rule.id !== "string" || !ID_RE.test(rule.id)) err(`${p}.id`, "must match [a-z0-9-]{1,64}");
          else if (ids.has(rule.id)) err(`${p}.id`, `duplicate id ${rule.id}`);
          else ids.add(rule.id);
          if (!DOMS.includes(rule.dom)) err(`${p}.dom`, `must be one of ${DOMS.join(", ")}`);
          css(`${p}.css`, rule.css);
          if (rule.attr !== undefined && (typeof rule.attr !== "string" || !ATTR_RE.test(rule.attr))) err(`${p}.attr`, "must be an attribute name");
          if (rule.re !== undefined && !regexOk(rule.re)) err(`${p}.re`, "not a valid regular expression");
          if (rule.re !== undefined && rule.attr === undefined) err(`${p}.re`, "needs attr");
          if (rule.css === ":scope" && rule.attr === undefined) err(`${p}.css`, ":scope needs attr");
          if (rule.notInside !== undefined) css(`${p}.notInside`, rule.notInside);
        });
      }
    }
    const fb = pack.fallback;
    if (!isObj(fb)) {
      err("fallback", "must be an object");
    } else {
      for (const f of Object.keys(fb)) if (!FALLBACK_FIELDS.has(f)) err(`fallback.${f}`, "unknown field");
      if (!Array.isArray(fb.containers) || !fb.containers.length) err("fallback.containers", "must be a non-empty list");
      else fb.containers.forEach((c, i) => css(`fallback.containers[${i}]`, c));
      if (!Array.isArray(fb.authorLabels)) err("fallback.authorLabels", "must be a list");
      else fb.authorLabels.forEach((r, i) => regexOk(r) || err(`fallback.authorLabels[${i}]`, "not a valid regular expression"));
      css("fallback.actorLinks", fb.actorLinks);
      css("fallback.excludeInside", fb.excludeInside);
      if (!Number.isInteger(fb.minTextChars) || fb.minTextChars < 1 || fb.minTextChars > 1000) {
        err("fallback.minTextChars", "must be an integer 1-1000");
      }
    }
    return errors;
  }

  /** The pack with its regular expressions compiled (rules gain `regex`), ready for Herald.selectors.use. */
  function compile(pack) {
    const rules = {};
    for (const [key, list] of Object.entries(pack.rules)) {
      rules[key] = list.map((r) => Object.freeze({ ...r, regex: r.re ? new RegExp(r.re, "iu") : null }));
    }
    const fb = pack.fallback;
    return Object.freeze({
      version: pack.version,
      rules: Object.freeze(rules),
      fallback: Object.freeze({ ...fb, authorRegexes: fb.authorLabels.map((r) => new RegExp(r, "iu")) }),
    });
  }

  /**
   * Which pack to use: the served one when it is valid and newer than the bundled one, else the bundled one.
   * Returns {pack, source: "served"|"bundled", errors} (errors: why a served pack was rejected).
   */
  function choose(bundled, served, opts) {
    if (!served) return { pack: bundled, source: "bundled", errors: [] };
    const errors = validate(served, opts);
    if (errors.length) return { pack: bundled, source: "bundled", errors };
    if (served.version <= bundled.version) return { pack: bundled, source: "bundled", errors: [] };
    return { pack: served, source: "served", errors: [] };
  }

  root.Herald = Object.assign(root.Herald || {}, {
    pack: { FORMAT, DOMS, KEYS, validate, compile, choose },
  });
})(globalThis);
