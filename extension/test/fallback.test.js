// The structural fallback of lib/extract.js (fallbackItems / fallbackPosts) in node, on a DOM from jsdom
// (a development dependency of the tests only: the extension itself has none, and build.py leaves
// node_modules out of the zip). Every named selector is switched off, as when LinkedIn has changed its
// markup: what is read here is read by structure alone.
//
// (a) Synthetic pages (hand-written, labelled so) pin the fallback's rules one by one.
// (b) The real LinkedIn DOM fixtures (../shared/data/linkedin-dom, or $HERALD_LINKEDIN_DOM_DIR /
//     $HERALD_LINKEDIN_DOM) are read by the fallback alone and scored against expected/<name>.json with the
//     matching rule of tests/e2e/linkedin_dom.py; skipped with a message when the fixtures are absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { JSDOM } from "jsdom";
import "../lib/pagetype.js";
import "../lib/pack.js";
import "../lib/selectors.js";
import "../lib/extract.js";

const H = globalThis.Herald;
const BUNDLED = JSON.parse(readFileSync(new URL("../selectors/pack.json", import.meta.url), "utf8"));
H.selectors.use(H.pack.compile(BUNDLED), { named: false });
const { fallbackItems, extractPage } = H.extract;

const docOf = (html) => new JSDOM(html).window.document;
const read = (html) => fallbackItems(docOf(html)).items;

const LONG_A = "We just opened our new office in Aarhus and we are hiring engineers for the energy team.";
const LONG_B = "Vi har netop åbnet et nyt kontor i Odense og søger ingeniører til vores team for vindenergi.";

// ---- (a) synthetic pages -------------------------------------------------------------------------------

test("named rules are off: the fallback is what reads these pages", () => {
  assert.equal(H.selectors.namedOff, true);
  // A classic post card the named rules would read; with them off only structure can find it.
  const doc = docOf(`<main><div class="feed-shared-update-v2" data-urn="urn:li:activity:42">
    <div class="update-components-text"><span>${LONG_A}</span></div></div></main>`);
  const ctx = extractPage(doc, "https://www.linkedin.com/feed/");
  assert.equal(ctx.extraction.rule, "fallback");
  assert.equal(ctx.items[0].text, LONG_A);
});

test("synthetic: role=listitem containers, author from an English and a Danish control-menu label", () => {
  const items = read(`<main><div role="list">
    <div role="listitem">
      <button aria-label="Open control menu for post by Anna Jensen">…</button>
      <a href="/in/anna-jensen/"><p>Anna Jensen</p><p>Head of Energy at Example</p></a>
      <p>${LONG_A}</p>
    </div>
    <div role="listitem">
      <button aria-label="Åbn kontrolmenuen for opslag af Mads Holm">…</button>
      <a href="/in/mads-holm/"><p>Mads Holm</p><p>Ingeniør</p></a>
      <p>${LONG_B}</p>
    </div>
  </div></main>`);
  assert.deepEqual(
    items.map((it) => [it.author, it.text]),
    [
      ["Anna Jensen", LONG_A],
      ["Mads Holm", LONG_B],
    ],
  );
});

test("synthetic: article containers, author from the first profile link", () => {
  const items = read(`<main>
    <article><a href="https://www.linkedin.com/in/sofie-lund/">Sofie Lund</a><div><span>${LONG_A}</span></div></article>
    <article><a href="https://www.linkedin.com/company/example/">Example A/S</a><div><span>${LONG_B}</span></div></article>
  </main>`);
  assert.deepEqual(
    items.map((it) => [it.author, it.text]),
    [
      ["Sofie Lund", LONG_A],
      ["Example A/S", LONG_B],
    ],
  );
});

test("synthetic: data-urn / data-id containers, their activity URN kept", () => {
  const items = read(`<main><div>
    <div data-urn="urn:li:activity:7000000000000000001"><div><span>${LONG_A}</span></div></div>
    <div data-id="urn:li:activity:7000000000000000002"><div><span>${LONG_B}</span></div></div>
  </div></main>`);
  assert.deepEqual(
    items.map((it) => [it.urn, it.text]),
    [
      ["urn:li:activity:7000000000000000001", LONG_A],
      ["urn:li:activity:7000000000000000002", LONG_B],
    ],
  );
});

test("synthetic: the main text block is the post, not the actor line, a button or a short caption", () => {
  const headline = "Chief Executive Officer and Founder of a Very Long Company Name in Copenhagen";
  const items = read(`<main><div role="listitem">
    <a href="/in/anna-jensen/"><p>Anna Jensen</p><p>${headline}</p></a>
    <span>2d</span>
    <div role="button">Follow this page to see every update from the company in your feed</div>
    <div class="text"><span>First line of the post, long enough to count.</span><br><span>Second line <a href="/in/mads-holm/">Mads Holm</a> and more words here.</span></div>
    <p>12 reactions</p>
  </div></main>`);
  assert.equal(items.length, 1);
  assert.equal(items[0].text, "First line of the post, long enough to count.\nSecond line Mads Holm and more words here.");
  assert.equal(items[0].author, "Anna Jensen");
  assert.deepEqual(items[0].mentioned, ["Mads Holm"]);
});

test("synthetic: comments are excluded: neither their text, their author nor an item of their own", () => {
  const comment = "A much longer comment than the post itself, written by somebody else who has a lot to say about it all.";
  const items = read(`<main><div role="list">
    <div role="listitem">
      <p>${LONG_A}</p>
      <div class="comments-comment-item">
        <button aria-label="Open control menu for post by Carl Commenter">…</button>
        <a href="/in/carl/">Carl Commenter</a>
        <div role="listitem"><p>${comment}</p></div>
      </div>
      <a href="/in/anna-jensen/">Anna Jensen</a>
    </div>
  </div></main>`);
  assert.deepEqual(items, [{ text: LONG_A, author: "Anna Jensen" }]);
});

test("synthetic: text shorter than minTextChars and containers outside <main> are not posts", () => {
  const items = read(`<body><nav><div role="listitem"><p>${LONG_B}</p></div></nav>
    <main><div role="listitem"><p>Short.</p></div><div role="listitem"><p>${LONG_A}</p></div></main></body>`);
  assert.deepEqual(
    items.map((it) => it.text),
    [LONG_A],
  );
});

test("synthetic: a list of posts is not itself a post; a wrapper around one card is read once", () => {
  const items = read(`<main><ul>
    <li><div data-urn="urn:li:activity:1"><p>${LONG_A}</p></div></li>
    <li><article><p>${LONG_B}</p></article></li>
  </ul></main>`);
  assert.deepEqual(
    items.map((it) => it.text),
    [LONG_A, LONG_B],
  );
});

// ---- (b) the real pages --------------------------------------------------------------------------------
// The matching rule of tests/e2e/linkedin_dom.py: a post is read when the words of an extracted item and of
// the expected text agree (min of recall and precision, as multisets) at least MATCH; each item matches once.

const MATCH = 0.9;
const HASHTAG_LABEL = /(?<![\p{L}\p{N}_])hashtag\s*#/giu;
const MORE = /(…|\.\.\.)\s*(more|mais|więcej|mere|se mere)\s*$/iu;
const WORD = /[\p{L}\p{N}_#@]+/gu; // Python's [\w#@]+ on str

function words(text) {
  let t = String(text || "").normalize("NFKC");
  t = t.replace(HASHTAG_LABEL, "#");
  t = t.trim().replace(MORE, "");
  return t.toLowerCase().match(WORD) || [];
}

function counter(ws) {
  const c = new Map();
  for (const w of ws) c.set(w, (c.get(w) || 0) + 1);
  return c;
}

function agreement(expected, got) {
  const a = counter(words(expected));
  const b = counter(words(got));
  if (!a.size || !b.size) return 0;
  let common = 0;
  for (const [w, n] of a) common += Math.min(n, b.get(w) || 0);
  const sum = (c) => Array.from(c.values()).reduce((x, y) => x + y, 0);
  return Math.min(common / sum(a), common / sum(b));
}

/** Expected posts found among `items` (greedy, each item matches one expected post), as score_posts. */
function postsFound(expected, items) {
  const free = items.map((_, i) => i);
  let found = 0;
  for (const post of expected) {
    let best = 0;
    let bestI = -1;
    for (const i of free) {
      const s = agreement(post.text, items[i].text || "");
      if (s > best) {
        best = s;
        bestI = i;
      }
    }
    if (best >= MATCH) {
      found += 1;
      free.splice(free.indexOf(bestI), 1);
    }
  }
  return found;
}

test("the matching rule: a paraphrase or a fragment does not count as the post", () => {
  assert.equal(postsFound([{ text: LONG_A }], [{ text: LONG_A.toUpperCase() }]), 1);
  assert.equal(postsFound([{ text: LONG_A }], [{ text: LONG_A.slice(0, 40) }]), 0);
  assert.equal(postsFound([{ text: LONG_A }], [{ text: `${LONG_A} ${LONG_B}` }]), 0);
  assert.equal(postsFound([{ text: LONG_A }, { text: LONG_A }], [{ text: LONG_A }]), 1);
  assert.equal(postsFound([{ text: "#energy rocks here" }], [{ text: "hashtag#energy rocks here… more" }]), 1);
});

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DOM_DIR = process.env.HERALD_LINKEDIN_DOM_DIR || process.env.HERALD_LINKEDIN_DOM || join(REPO, "..", "shared", "data", "linkedin-dom");
const HAVE_PAGES = existsSync(join(DOM_DIR, "MANIFEST.md"));
const SKIP = HAVE_PAGES
  ? false
  : `real LinkedIn DOM fixtures not found at ${DOM_DIR} (set HERALD_LINKEDIN_DOM_DIR or put them at ../shared/data/linkedin-dom relative to the repository root)`;

function realPages() {
  const out = [];
  for (const row of readFileSync(join(DOM_DIR, "MANIFEST.md"), "utf8").split("\n")) {
    const m = /^\| pages\/([\w-]+)\.html \| ([\w-]+) \| (\w+) \|/.exec(row);
    if (!m) continue;
    const [, name, kind, dom] = m;
    const expected = JSON.parse(readFileSync(join(DOM_DIR, "expected", `${name}.json`), "utf8"));
    out.push({ name, kind, dom, path: join(DOM_DIR, "pages", `${name}.html`), expected });
  }
  return out;
}

test("real pages: the structural fallback alone reads ≥ 0.80 of the posts; empty and whole-page baselines do not", { skip: SKIP }, () => {
  const pages = realPages();
  assert.ok(pages.length >= 20, `MANIFEST lists ${pages.length} pages`);
  let posts = 0;
  let found = 0;
  let foundEmpty = 0;
  let foundWhole = 0;
  const perDom = {};
  for (const page of pages) {
    const doc = docOf(readFileSync(page.path, "utf8"));
    const expected = page.expected.posts || [];
    const items = fallbackItems(doc).items.filter((it) => it.text);
    const got = postsFound(expected, items);
    // Baselines scored by the same rule against the same expected texts.
    foundEmpty += postsFound(expected, []);
    const main = doc.querySelector("main") || doc.body;
    foundWhole += postsFound(expected, [{ text: main ? main.textContent : "" }]);
    posts += expected.length;
    found += got;
    const d = (perDom[page.dom] ||= { found: 0, posts: 0 });
    d.found += got;
    d.posts += expected.length;
    console.log(`    ${page.name.padEnd(28)} ${got}/${expected.length} (items ${items.length})`);
  }
  for (const [dom, d] of Object.entries(perDom)) console.log(`  ${dom.padEnd(8)} ${d.found}/${d.posts}`);
  const recall = found / posts;
  console.log(`  fallback alone: post-text recall ${found}/${posts} = ${recall.toFixed(3)}`);
  console.log(`  baselines: empty ${foundEmpty}/${posts}, whole page as one item ${foundWhole}/${posts}`);
  assert.ok(posts >= 150, `expected posts: ${posts}`);
  assert.ok(recall >= 0.8, `fallback recall ${recall.toFixed(3)} < 0.80`);
  assert.ok(foundEmpty / posts < 0.8, "an empty extraction would pass: the assertion cannot fail");
  assert.ok(foundWhole / posts < 0.8, "the whole page as one item would pass: the assertion cannot fail");
});
