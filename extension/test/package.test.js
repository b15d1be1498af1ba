// The extension as shipped: minimal permissions, no remote code, every file it names exists, en == da keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (p) => readFileSync(join(ROOT, p), "utf8");
const manifest = JSON.parse(read("manifest.json"));
const en = JSON.parse(read("_locales/en/messages.json"));
const da = JSON.parse(read("_locales/da/messages.json"));

function sourceFiles(dir = "") {
  const out = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!["test", "node_modules", "dist", "_locales", "icons"].includes(e.name)) out.push(...sourceFiles(p));
    } else if (/\.(js|html)$/.test(e.name)) out.push(p);
  }
  return out;
}

test("manifest: MV3, module service worker, minimal permissions", () => {
  assert.equal(manifest.manifest_version, 3);
  assert.equal(manifest.background.type, "module");
  // alarms + notifications: the personal queue's reminders ("post Tuesday 09:00"); posting stays manual.
  assert.deepEqual([...manifest.permissions].sort(), ["alarms", "notifications", "sidePanel", "storage"]);
  assert.deepEqual(manifest.host_permissions, ["https://www.linkedin.com/*"]);
  assert.equal(manifest.content_scripts.length, 1);
  assert.deepEqual(manifest.content_scripts[0].matches, ["https://www.linkedin.com/*"]);
  assert.equal(manifest.web_accessible_resources, undefined, "nothing of ours is exposed to LinkedIn's page");
  assert.equal(manifest.storage.managed_schema, "managed_schema.json");
  // One-click pairing: only local development servers may message the unpacked extension; build.py
  // replaces them with the company's Herald origin (--herald-origin) or drops the key.
  assert.deepEqual(manifest.externally_connectable, { matches: ["http://127.0.0.1/*", "http://localhost/*"] });
});

test("manifest: every file it names exists", () => {
  const files = [
    manifest.background.service_worker,
    manifest.options_ui.page,
    manifest.storage.managed_schema,
    ...manifest.content_scripts[0].js,
    ...Object.values(manifest.icons),
    ...Object.values(manifest.action.default_icon),
    "sidepanel.html",
  ];
  for (const f of files) assert.ok(existsSync(join(ROOT, f)), f);
});

test("no remote code: no remote scripts, no eval, no innerHTML", () => {
  for (const f of sourceFiles()) {
    const src = read(f);
    assert.doesNotMatch(src, /<script[^>]+src=["']https?:/i, f);
    assert.doesNotMatch(src, /\beval\(|new Function\(|\.innerHTML\s*=|insertAdjacentHTML|document\.write\(/, f);
    assert.doesNotMatch(src, /import\s*\(\s*["'`]https?:/, f);
  }
});

test("the content script never writes to the page", () => {
  for (const f of manifest.content_scripts[0].js) {
    const src = read(f);
    assert.doesNotMatch(
      src,
      /\.(appendChild|append|prepend|insertBefore|replaceChildren|replaceWith|remove|setAttribute|removeAttribute|classList|style\.|innerText\s*=|textContent\s*=)\b/,
      f,
    );
  }
});

test("locales: English and Danish have the same keys and placeholders", () => {
  assert.deepEqual(Object.keys(da).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(en)) {
    assert.ok(v.message.trim(), k);
    assert.ok(da[k].message.trim(), k);
    assert.deepEqual(Object.keys(da[k].placeholders || {}), Object.keys(v.placeholders || {}), k);
    for (const ph of Object.keys(v.placeholders || {})) {
      assert.ok(da[k].message.includes(`$${ph.toUpperCase()}$`), `${k}: da uses $${ph.toUpperCase()}$`);
    }
  }
});

test("locales: every key the UI uses exists", () => {
  const used = new Set();
  for (const f of sourceFiles()) {
    const src = read(f);
    for (const m of src.matchAll(/data-i18n(?:-[a-z-]+)?="([A-Za-z]+)"/g)) used.add(m[1]);
    for (const m of src.matchAll(/\bt\("([A-Za-z]+)"/g)) used.add(m[1]);
    for (const m of src.matchAll(/\["[a-z_]+", "(stat[A-Za-z]+)"\]/g)) used.add(m[1]);
  }
  for (const m of JSON.stringify(manifest).matchAll(/__MSG_([A-Za-z]+)__/g)) used.add(m[1]);
  assert.ok(used.size > 40);
  for (const k of used) assert.ok(en[k], `missing message: ${k}`);
});
