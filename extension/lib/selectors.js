// The one place LinkedIn selectors are applied (a registry in the spirit of refined-github's). The selectors
// themselves are data: the selector pack (selectors/pack.json, see lib/pack.js), bundled with the extension
// and replaceable by a newer validated pack from the Herald API. Nothing reads LinkedIn's DOM by class name
// outside this module and the pack.
//
// Every key maps to an ordered list of rules: the first rule that finds something wins, the others are
// fallbacks. A rule is {id, dom, css, attr?, re?, notInside?}: a CSS selector; with `attr`, the value lives in
// that attribute (the regular expression's first group is the value); `notInside` drops matches inside it.
// `dom` names the DOM generation the rule comes from (classic, 2026, guest, generic).
//
// Classic script + ES-module compatible (see pagetype.js): registers globalThis.Herald.selectors.
(function (root) {
  "use strict";

  let active = null; // a compiled pack (Herald.pack.compile)
  let namedOff = false; // measuring the structural fallback alone: every named rule misses

  /** Makes `compiled` the pack every lookup uses. `{named: false}` switches the named rules off. */
  function use(compiled, { named = true } = {}) {
    active = compiled;
    namedOff = !named;
  }

  function rulesFor(key) {
    if (!active) throw new Error("No selector pack loaded");
    const list = active.rules[key];
    if (!list) throw new Error(`Unknown selector key: ${key}`);
    // hiddenText is not a LinkedIn-specific rule (buttons, screen-reader text): it stays on in fallback mode.
    return namedOff && key !== "hiddenText" ? [] : list;
  }

  function probeValue(el, rule) {
    if (!rule.attr) return null;
    const v = el.getAttribute(rule.attr);
    if (v == null) return null;
    const re = rule.regex || (rule.re ? new RegExp(rule.re, "iu") : null);
    const m = re ? re.exec(v) : [v, v];
    return m && m[1] ? m[1].trim() : null;
  }

  function queryProbe(scope, rule) {
    if (rule.css === ":scope") return scope.matches && rule.attr && scope.hasAttribute(rule.attr) ? [scope] : [];
    let els;
    try {
      els = Array.from(scope.querySelectorAll(rule.css));
    } catch (_e) {
      return []; // e.g. :has() in an old engine
    }
    if (rule.notInside) {
      els = els.filter((el) => {
        try {
          const hit = el.closest(rule.notInside);
          // Only ancestors inside the scope count (the scope itself may sit inside such a container).
          return !hit || hit === scope || !scope.contains(hit);
        } catch (_e) {
          return true;
        }
      });
    }
    return els;
  }

  /** {elements, probe, index} of the first matching rule (index -1 when none matches). */
  function match(scope, key) {
    const rules = rulesFor(key);
    for (let i = 0; i < rules.length; i++) {
      const els = queryProbe(scope, rules[i]);
      const usable = rules[i].attr ? els.filter((el) => probeValue(el, rules[i])) : els;
      if (usable.length) return { elements: usable, probe: rules[i], index: i };
    }
    return { elements: [], probe: null, index: -1 };
  }

  /** Elements for `key` under `scope` from the first rule that matches anything; [] when none does. */
  function all(scope, key) {
    return match(scope, key).elements;
  }

  /** The first element for `key`, or null. */
  function one(scope, key) {
    return all(scope, key)[0] || null;
  }

  /** {value, rule} for `key`: the attribute value for attribute rules, the visible text otherwise. */
  function valueWithRule(scope, key, textOf) {
    for (const rule of rulesFor(key)) {
      for (const el of queryProbe(scope, rule)) {
        const v = rule.attr ? probeValue(el, rule) : (textOf ? textOf(el) : (el.textContent || "").trim());
        if (v) return { value: v, rule };
      }
    }
    return { value: null, rule: null };
  }

  /** The first value for `key`, or null. */
  function value(scope, key, textOf) {
    return valueWithRule(scope, key, textOf).value;
  }

  root.Herald = Object.assign(root.Herald || {}, {
    selectors: {
      use,
      get REGISTRY() {
        return active ? active.rules : {};
      },
      get pack() {
        return active;
      },
      get namedOff() {
        return namedOff;
      },
      all,
      one,
      match,
      value,
      valueWithRule,
      probeValue,
      queryProbe,
    },
  });
})(globalThis);
