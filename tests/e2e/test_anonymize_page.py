"""`make fixture`: extension/tools/anonymize_page.py keeps the DOM and replaces the people."""
# ruff: noqa: E501  (an HTML sample: long lines as saved)

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "anonymize_page", ROOT / "extension/tools/anonymize_page.py"
)
assert spec and spec.loader
anon = importlib.util.module_from_spec(spec)
spec.loader.exec_module(anon)

SAVED = """<!DOCTYPE html><html><head><script>window.secret = "Anna Jensen";</script>
<style>.x{color:red}</style><meta name="x" content="y"></head><body><main>
<div class="feed-shared-update-v2" data-urn="urn:li:activity:7301234567890123456" role="article">
<a href="https://www.linkedin.com/in/anna-jensen-12345/?trk=x" aria-label="View Anna Jensen’s profile">
<span aria-hidden="true">Anna Jensen</span></a>
<div class="update-components-text"><span dir="ltr">Anna Jensen shared our Q3 numbers: 1,234,567 DKK!
Mail anna@nordlys.dk <a href="https://www.linkedin.com/feed/hashtag/?keywords=energy">#energy</a></span>
<button>…more</button></div><img src="https://media.licdn.com/dms/image/abc.jpg" alt="Anna Jensen">
<code style="display:none">{"data": {"name": "Anna Jensen"}}</code></div></main></body></html>"""


def tags(html: str) -> list[str]:
    return re.findall(r"<(/?[a-z0-9]+)(?:\\s[^>]*?class=\"([^\"]*)\")?", html)


def test_structure_kept_people_gone() -> None:
    out = anon.anonymise(SAVED, salt="t")
    assert "Anna" not in out and "Jensen" not in out and "anna@" not in out
    assert "nordlys" not in out and "anna-jensen" not in out
    assert "7301234567890123456" not in out and "1,234,567" not in out
    assert "window.secret" not in out and "color:red" not in out
    assert "media.licdn.com" not in out and anon.GIF in out
    # Same tags, same classes, same order; UI words and the hashtag mark stay.
    assert re.findall(r"<(/?\w+)", out) == re.findall(r"<(/?\w+)", SAVED)
    assert re.findall(r'class="([^"]*)"', out) == re.findall(r'class="([^"]*)"', SAVED)
    assert 'data-urn="urn:li:activity:' in out and "…more" in out and "#" in out
    assert re.search(r"aria-label=\"View [A-Z][a-z]{3} [A-Z][a-z]{5}’s profile\"", out)


def test_deterministic_and_consistent() -> None:
    a = anon.anonymise(SAVED, salt="t")
    assert a == anon.anonymise(SAVED, salt="t") != anon.anonymise(SAVED, salt="u")
    # The author's name maps to the same words in the link text and in the aria-label.
    name = re.search(r'<span aria-hidden="true">([^<]+)</span>', a)
    assert name and f"View {name.group(1)}’s profile" in a
