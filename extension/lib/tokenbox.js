// The API token at rest: encrypted with AES-GCM under a non-extractable WebCrypto key.
//
// Why: chrome.storage.local is plain files in the browser profile (and readable by this extension's
// content scripts, which run inside LinkedIn's renderer). The key lives in this extension's IndexedDB as a
// CryptoKey with extractable=false: its bytes can never be read back through any API — not by our own
// code, not by a content script (no access to the extension origin's IndexedDB), not from a copied
// storage.local file alone. A copied whole profile can still use it on the same machine; that is the
// limit of what an extension can do without an OS keystore. Token lifetime is the server's (TOKEN_TTL_DAYS).
//
// ES module: the service worker and extension pages import it (never the content script).

const DB = "herald-keys";
const STORE = "keys";
const KEY_ID = "token-key";

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function tx(db, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const req = fn(t.objectStore(STORE));
    t.oncomplete = () => resolve(req && req.result);
    t.onerror = () => reject(t.error);
  });
}

/** The wrapping key; created (non-extractable) on first use. `create: false` returns null when absent. */
export async function wrappingKey({ create = true } = {}) {
  const db = await openDb();
  try {
    const existing = await tx(db, "readonly", (s) => s.get(KEY_ID));
    if (existing) return existing;
    if (!create) return null;
    const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    await tx(db, "readwrite", (s) => s.put(key, KEY_ID));
    return key;
  } finally {
    db.close();
  }
}

/** Forgets the key (every sealed token becomes unreadable). */
export async function dropKey() {
  const db = await openDb();
  try {
    await tx(db, "readwrite", (s) => s.delete(KEY_ID));
  } finally {
    db.close();
  }
}

const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** {iv, data} (base64) for storage.local. */
export async function seal(token) {
  const key = await wrappingKey();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(token));
  return { v: 1, iv: b64(iv), data: b64(data) };
}

/** The token, or null when the box cannot be opened (key gone or data tampered with). */
export async function open(box) {
  if (!box || box.v !== 1 || typeof box.iv !== "string" || typeof box.data !== "string") return null;
  try {
    const key = await wrappingKey({ create: false });
    if (!key) return null;
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(box.iv) }, key, unb64(box.data));
    return new TextDecoder().decode(plain);
  } catch (_e) {
    return null;
  }
}
