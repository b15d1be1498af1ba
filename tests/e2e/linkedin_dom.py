"""The real LinkedIn DOM fixtures (``../shared/data/linkedin-dom/``, see its MANIFEST.md) and how
the
extension's reading is scored against their ``expected/*.json``.

The pages are never copied into the repo: they are found at ``$HERALD_LINKEDIN_DOM`` or at
``../shared/data/linkedin-dom`` relative to the repository root; tests skip with a message when
absent.
Each page is served at a real https://www.linkedin.com URL of its kind.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "HERALD_LINKEDIN_DOM"
LI = "https://www.linkedin.com"

# Page kind (MANIFEST) -> a real URL of that kind. The page name goes into the path so every page
# has its own.
URLS = {
    "feed": "/feed/",
    "profile": "/in/{slug}/",
    "search-people": "/search/results/people/?keywords=engineer",
    "search-posts": "/search/results/content/?keywords=energy",
    "company-posts": "/company/{slug}/posts/",
    "company-overview": "/company/{slug}/",
    "post": "/posts/{slug}_update-activity-7300000000000000001-AbCd/",
}
# A post is read when its words and the extension's words agree this much (both ways, as multisets).
MATCH = 0.9


def data_dir() -> Path | None:
    env = os.environ.get(ENV_VAR)
    path = Path(env) if env else ROOT.parent / "shared" / "data" / "linkedin-dom"
    return path if (path / "MANIFEST.md").is_file() else None


SKIP_REASON = (
    f"real LinkedIn DOM fixtures not found (set {ENV_VAR} or put them at "
    "../shared/data/linkedin-dom relative to the repository root)"
)


@dataclass(frozen=True)
class RealPage:
    name: str
    kind: str  # the MANIFEST's page kind
    dom: str
    path: Path
    expected: dict[str, Any]

    @property
    def url(self) -> str:
        slug = self.name.replace("-", "")
        return LI + URLS[self.kind].format(slug=slug)

    @property
    def url_path(self) -> str:
        return self.url[len(LI) :].split("?")[0]


def pages(root: Path) -> list[RealPage]:
    out = []
    for row in (root / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| pages/([\w-]+)\.html \| ([\w-]+) \| (\w+) \|", row)
        if not m:
            continue
        name, kind, dom = m.groups()
        expected = json.loads((root / "expected" / f"{name}.json").read_text(encoding="utf-8"))
        out.append(RealPage(name, kind, dom, root / "pages" / f"{name}.html", expected))
    return out


# textContent (what expected/*.json holds) includes the screen-reader label before each hashtag; a
# reader
# (and the extension) sees only "#tag".
_HASHTAG_LABEL = re.compile(r"\bhashtag\s*#", re.I)
_MORE = re.compile(r"(…|\.\.\.)\s*(more|mais|więcej|mere|se mere)\s*$", re.I)


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text or "")
    text = _HASHTAG_LABEL.sub("#", text)
    text = _MORE.sub("", text.strip())
    return re.findall(r"[\w#@]+", text.lower())


def agreement(expected: str, got: str) -> float:
    """min(recall, precision) of the words of `got` against `expected` (multisets)."""
    a, b = Counter(words(expected)), Counter(words(got))
    if not a or not b:
        return 0.0
    common = sum((a & b).values())
    return min(common / sum(a.values()), common / sum(b.values()))


def score_posts(expected: list[dict[str, Any]], items: list[dict[str, Any]]) -> tuple[int, int]:
    """(expected posts found, expected posts); each extracted item may match one expected post."""
    free = list(range(len(items)))
    found = 0
    for post in expected:
        best, best_i = 0.0, -1
        for i in free:
            s = agreement(post["text"], items[i].get("text", ""))
            if s > best:
                best, best_i = s, i
        if best >= MATCH:
            found += 1
            free.remove(best_i)
    return found, len(expected)


def same_text(expected: str | None, got: str | None) -> bool:
    return bool(expected) and agreement(expected or "", got or "") >= MATCH


@dataclass
class Score:
    posts_found: int = 0
    posts: int = 0
    names_found: int = 0
    names: int = 0
    about_found: int = 0
    about: int = 0
    extra_items: int = 0  # items that matched no expected post (precision check)

    def add(self, other: Score) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def score_page(page: RealPage, ctx: dict[str, Any]) -> Score:
    exp = page.expected
    items = list(ctx.get("items") or [])
    s = Score()
    prof = exp.get("profile")
    if prof:
        s.names = 1
        s.names_found = int(same_text(prof.get("name"), ctx.get("profileName")))
        if prof.get("about"):
            s.about = 1
            s.about_found = int(same_text(prof["about"], ctx.get("about")))
    post_items = [it for it in items[int(ctx.get("lead") or 0) :] if it.get("text")]
    s.posts_found, s.posts = score_posts(exp.get("posts") or [], post_items)
    s.extra_items = max(0, len(post_items) - s.posts_found)
    return s
