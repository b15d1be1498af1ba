"""Anonymise a LinkedIn page saved with "Save page as…" into a test fixture, the way
../shared/data/linkedin-dom/ pages are (see its MANIFEST.md "Anonymization"):

* removed: every <script>, <style>, <noscript> and <template> body, <code> JSON blobs, big meta content;
* kept: tags, attribute names and order, class, data-testid, role, aria structure, componentkey shape,
  nesting (the DOM the extension reads);
* text: every word becomes a word of the same length from a fixed list, chosen by a salted SHA-256 of
  the lower-cased word (same word -> same replacement everywhere, case pattern kept); digit runs of 3+
  become other digits; whitespace, punctuation and emoji kept; a closed list of LinkedIn UI words kept;
* text attributes (aria-label, alt, title, placeholder): the same word mapping, known UI prefixes kept;
* identity attributes: /in/ and company slugs, member ids (ACoA...), digit runs of 5+, e-mails and query
  values replaced deterministically (consistent across attributes); images -> a 1x1 GIF.

    python extension/tools/anonymize_page.py SAVED.html OUT.html [--salt S]

Standard library only (html.parser): it streams tokens and never builds or "fixes" the tree, so the
nesting stays exactly as saved. Check the result by hand before committing it anywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
DROP_BODY = {"script", "style", "noscript", "template"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
TEXT_ATTRS = {"aria-label", "alt", "title", "placeholder", "aria-description", "aria-valuetext"}
KEEP_WORDS = {
    w.lower()
    for w in (
        "Like Comment Repost Send Share Follow Following Connect Message More About Activity Experience "
        "Education Skills Posts Feed post reactions reaction comments comment reposts repost followers "
        "connections Promoted Home My Network Jobs Messaging Notifications Me See all more show less "
        "Open control menu for post by View profile Premium Profile 3rd 2nd 1st hashtag Sign in Join now "
        "s t d ll re ve"
    ).split()
}
WORDS = (
    "a an as at be by do go if in is it me my no of on or so to up us we act age air all and any art ask "
    "bed big box car cat cup day dog ear egg end eye fan far fit fix fox fun gap gem gum hat hub ice ink jam "
    "key kit lab law lid log map mix mud net oak oil owl pan pen pet pie pin pot ray rug saw sea sky sun tea "
    "toy van war web wig zip acre atom bell bike bird boat bond book card cart cash cone corn cube deck desk "
    "dock door drum duty farm film fish flag fold font fork frog gear gift goal gold hall harp hill hook horn "
    "idea iron jazz kite lace lake lamp leaf lens lime link lion loft mesh mill mint moon moss nest note oven "
    "palm park path pear pier plan plot pond port quiz rail rain reef ring road rock roof root rope sail salt "
    "sand seed ship silk snow sofa song star step tent tide tile tour tree vase vine wave well wind wing wool "
    "yard apple arena bagel basin beach bench berry blend board brick brush cabin camel canal candy canoe "
    "chalk chair cider cloud coral crane crown dance delta diary drawer eagle earth fable fairy fence field "
    "flame flute forum frost glass globe grain grape guide habit harbor honey horse house index ivory jewel "
    "juice knife label lemon level light llama lunar magnet mango maple marble meadow metal model motor "
    "music noble ocean olive onion orbit otter panel paper patch pearl piano pilot pixel plant plaza pluto "
    "poem polar prism quail quilt radar radio raven relay ridge river robin rocket saddle salad scale scarf "
    "shelf shore silver slope smile solar spice spoon stone storm sugar swing table tiger toast tower "
    "trail train tulip umbrella valley velvet violet wagon walnut water whale wheat window winter yacht zebra"
).split()
BY_LEN: dict[int, list[str]] = {}
for _w in WORDS:
    BY_LEN.setdefault(len(_w), []).append(_w)
WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
DIGITS_RE = re.compile(r"\d{3,}")
IDENTITY_RES = [
    (re.compile(r"(/(?:in|company|school|showcase|groups)/)([^/?#\"'\s]+)"), "slug"),
    (re.compile(r"ACoA[A-Za-z0-9_-]+"), "member"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"), "email"),
    (re.compile(r"([?&](?:keywords|q|query|text)=)([^&#\"']*)"), "query"),
]


class Anonymiser:
    def __init__(self, salt: str) -> None:
        self.salt = salt.encode()

    def _h(self, s: str) -> int:
        return int.from_bytes(hashlib.sha256(self.salt + s.encode()).digest()[:8], "big")

    def word(self, w: str) -> str:
        if w.lower() in KEEP_WORDS:
            return w
        pool = BY_LEN.get(len(w))
        if pool:
            new = pool[self._h(w.lower()) % len(pool)]
        else:  # no word of that length: build one from shorter words
            new, seed = "", self._h(w.lower())
            while len(new) < len(w):
                new += WORDS[seed % len(WORDS)]
                seed //= 7
            new = new[: len(w)]
        if w.isupper() and len(w) > 1:
            return new.upper()
        if w[0].isupper():
            return new[0].upper() + new[1:]
        return new

    def digits(self, m: re.Match[str]) -> str:
        d = m.group(0)
        stream = hashlib.sha256(self.salt + b"d:" + d.encode()).hexdigest() * (1 + len(d) // 64)
        return "".join(str(int(c, 16) % 10) for c in stream[: len(d)])

    def text(self, s: str) -> str:
        s = WORD_RE.sub(lambda m: self.word(m.group(0)), s)
        return DIGITS_RE.sub(self.digits, s)

    def identity(self, v: str) -> str:
        for rx, kind in IDENTITY_RES:
            if kind in ("slug", "query"):
                v = rx.sub(lambda m: m.group(1) + f"{kind}{self._h(m.group(2)) % 10**8:08d}", v)
            else:
                v = rx.sub(lambda m, k=kind: f"{k}{self._h(m.group(0)) % 10**8:08d}", v)
        return re.sub(r"\d{5,}", self.digits, v)


class Rewriter(HTMLParser):
    def __init__(self, anon: Anonymiser) -> None:
        super().__init__(convert_charrefs=False)
        self.anon = anon
        self.out: list[str] = []
        self.dropping: str | None = None
        self.in_code = 0

    def attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        parts = []
        for name, value in attrs:
            if value is None:
                parts.append(f" {name}")
                continue
            if tag == "img" and name in {"src", "srcset", "data-delayed-url"}:
                value = GIF
            elif name in TEXT_ATTRS:
                value = self.anon.text(value)
            elif tag == "meta" and name == "content" and len(value) > 2000:
                value = ""
            elif name not in {"class", "role", "data-testid", "type", "rel", "dir", "lang"}:
                if "media.licdn.com" in value or "dms.licdn.com" in value:
                    value = GIF
                else:
                    value = self.anon.identity(value)
            parts.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(parts)

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            return
        self.out.append(f"<{tag}{self.attrs(tag, attrs)}>")
        if tag in DROP_BODY:
            self.dropping = tag
        if tag == "code":
            self.in_code += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.dropping:
            self.out.append(f"<{tag}{self.attrs(tag, attrs)}/>")

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag != self.dropping:
                return
            self.dropping = None
        if tag == "code":
            self.in_code = max(0, self.in_code - 1)
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        stripped = data.strip()
        if self.in_code and (len(data) > 2000 or stripped.startswith(("{", "["))):
            return  # LinkedIn's JSON blobs (bpr-guid-*, datalet-*)
        self.out.append(self.anon.text(data))

    def handle_entityref(self, name: str) -> None:
        if not self.dropping:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self.dropping:
            self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        if not self.dropping:
            self.out.append("<!---->")


def anonymise(source: str, salt: str = "herald-fixture") -> str:
    r = Rewriter(Anonymiser(salt))
    r.feed(source)
    r.close()
    return "".join(r.out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--salt", default="herald-fixture", help="keep one salt per fixture set")
    args = ap.parse_args(argv)
    raw = args.source.read_text(encoding="utf-8", errors="replace")
    args.out.write_text(anonymise(raw, args.salt), encoding="utf-8")
    print(
        f"{args.out}: {len(raw):,} -> {args.out.stat().st_size:,} bytes; check it by hand before use"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
