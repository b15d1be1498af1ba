"""Every LinkedIn selector against saved fixture pages of each DOM generation and page type.

The extension's reading code (lib/pagetype.js, lib/selectors.js, lib/extract.js) runs in a real
Chromium on each fixture page, served at its real https://www.linkedin.com/... URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e import linkedin_dom as L

pytestmark = pytest.mark.e2e

LI = "https://www.linkedin.com"

EXTRACT = "() => Herald.extract.extractPage(document, location.href, null)"


def extract(read_page: Callable[[str], Any], url: str) -> dict[str, Any]:
    page = read_page(url)
    ctx = page.evaluate(EXTRACT)
    page.close()
    assert ctx["url"] == url
    return ctx


def test_feed_classic(read_page: Callable[[str], Any]) -> None:
    ctx = extract(read_page, f"{LI}/feed/")
    assert ctx["pageType"] == "feed"
    items = ctx["items"]
    # Three posts; the two empty placeholder slots are left out.
    assert [it.get("author") for it in items] == ["Sofie Lund", "Peter Berg", "Lars Winther"]
    first = items[0]
    assert first["urn"] == "urn:li:activity:7301111111111111111"
    assert first["text"].startswith("Zero trust is not a product you buy")
    assert "#zerotrust #cloudsecurity" in first["text"]
    assert "hashtag" not in first["text"]  # the .visually-hidden label is dropped
    assert "…more" not in first["text"]
    assert first["counts"] == {"reactions": 128, "comments": 14, "reposts": 6}
    assert first["mentioned"] == ["Mads Kristensen"]
    second = items[1]
    assert second["text"].startswith("Vindmøller på havet")
    assert second["links"][0].startswith("https://nordlys.example/blog/havvind-januar")
    assert second["counts"] == {"reactions": 1204, "comments": 87, "reposts": None}
    assert (
        items[2]["urn"] == "urn:li:activity:7301111111111111115"
    )  # older feed-shared-actor markup
    assert items[2]["text"].startswith("We are hiring platform engineers")
    assert {"Sofie Lund", "Mads Kristensen", "Peter Berg", "Lars Winther"} <= set(ctx["names"])


def test_feed_2026(read_page: Callable[[str], Any], linkedin: Any) -> None:
    linkedin.route("/feed/", "feed-2026.html")
    ctx = extract(read_page, f"{LI}/feed/")
    items = ctx["items"]
    # Comments are list items nested in posts, not posts of their own; the placeholder is left out.
    assert [it.get("author") for it in items] == ["Anna Madsen", "Nordlys Energy", "Freja Dahl"]
    first = items[0]
    assert first["urn"] == "urn:li:activity:7302222222222222221"  # from the timestamp link
    assert "urn" not in items[1]
    assert first["text"].startswith("Customer stories beat product pages.")
    assert "So true" not in first["text"] and "… more" not in first["text"]
    assert first["counts"] == {"reactions": 342, "comments": 21, "reposts": 9}
    assert items[1]["counts"]["reactions"] == 1200
    assert items[2]["text"].startswith("Fire dages arbejdsuge")
    assert {"Anna Madsen", "Jonas Holt", "Kim Ravn"} <= set(ctx["names"])


def test_post_page_classic(read_page: Callable[[str], Any]) -> None:
    ctx = extract(read_page, f"{LI}/feed/update/urn:li:activity:7301111111111111111/")
    assert ctx["pageType"] == "post"
    focused = ctx["items"][ctx["focused"]]
    assert focused["urn"] == "urn:li:activity:7301111111111111111"
    assert focused["author"] == "Sofie Lund"
    assert focused["counts"] == {"reactions": 128, "comments": 14, "reposts": None}
    assert "Ole Dam" in ctx["names"]  # a commenter: removed before sending


def test_public_post_page(read_page: Callable[[str], Any]) -> None:
    ctx = extract(read_page, f"{LI}/posts/sofie-lund_zerotrust-activity-7301111111111111111-AbCd/")
    assert ctx["pageType"] == "post"
    assert len(ctx["items"]) == 1
    item = ctx["items"][0]
    assert item["author"] == "Sofie Lund"
    assert item["urn"] == "urn:li:activity:7301111111111111111"
    assert item["text"].startswith("Zero trust is not a product you buy, it is a habit you build.")
    assert item["counts"]["reactions"] == 128 and item["counts"]["comments"] == 14
    assert item["mentioned"] == ["Mads Kristensen"]


def test_profile_2026(read_page: Callable[[str], Any]) -> None:
    ctx = extract(read_page, f"{LI}/in/sofie-lund-8a1b2c/")
    assert ctx["pageType"] == "profile"
    item = ctx["items"][0]
    assert item["author"] == "Sofie Lund"  # the h2 of the Topcard section (the 2026 DOM has no h1)
    assert item["text"].startswith("Head of Cloud Security at Fjordsikker")
    assert "I help Nordic companies move to the cloud" in item["text"]
    assert ctx["profile"] == {"own": False, "connections": 500, "followers": 4812}


def test_own_profile_classic(read_page: Callable[[str], Any]) -> None:
    ctx = extract(read_page, f"{LI}/in/mette-holm-4c5d6e/")
    item = ctx["items"][0]
    assert item["author"] == "Mette Holm"
    assert item["text"].startswith("Account Executive at Nordlys Energy")
    assert "I help energy-hungry businesses" in item["text"]
    assert ctx["profile"] == {
        "own": True,
        "connections": 500,
        "followers": 1317,
        "profileViews": 84,
    }


def test_company_pages(read_page: Callable[[str], Any]) -> None:
    home = extract(read_page, f"{LI}/company/nordlys-energy/")
    assert home["pageType"] == "company"
    assert home["companyName"] == "Nordlys Energy"
    assert home["items"][0]["text"].startswith(
        "Green power for the Nordic industry\n\nNordlys Energy builds"
    )
    about = extract(read_page, f"{LI}/company/nordlys-energy/about/")
    assert about["items"][0]["text"].startswith("Nordlys Energy builds and runs wind")


def test_search_uses_the_keywords(read_page: Callable[[str], Any]) -> None:
    ctx = extract(
        read_page, f"{LI}/search/results/all/?keywords=zero%20trust&origin=GLOBAL_SEARCH_HEADER"
    )
    assert ctx["pageType"] == "search"
    assert ctx["items"] == [{"text": "zero trust"}]


def test_article(read_page: Callable[[str], Any]) -> None:
    ctx = extract(read_page, f"{LI}/pulse/identity-new-perimeter-sofie-lund/")
    assert ctx["pageType"] == "article"
    item = ctx["items"][0]
    assert item["author"] == "Sofie Lund"
    assert item["text"].startswith("Identity is the new perimeter\n\nFirewalls were built")


def test_generic_fallback_reads_the_largest_text_block(read_page: Callable[[str], Any]) -> None:
    ctx = extract(read_page, f"{LI}/jobs/view/4100000001/")
    assert ctx["pageType"] == "other"
    assert ctx["fallback"] is True
    assert ctx["items"][0]["text"].startswith("We run the software behind 40 wind and solar parks.")


def test_fallback_when_no_post_selector_matches(
    read_page: Callable[[str], Any], linkedin: Any
) -> None:
    # A feed whose markup none of the post selectors knows (here: the job page served at /feed/).
    linkedin.route("/feed/", "other.html")
    ctx = extract(read_page, f"{LI}/feed/")
    assert ctx["fallback"] is True
    assert "Kubernetes platform" in ctx["items"][0]["text"]


PROBE_COVERAGE = """() => {
  const S = Herald.selectors;
  const out = {};
  for (const [key, probes] of Object.entries(S.REGISTRY)) {
    out[key] = probes.map((p) => {
      const els = p.css === ":scope"
        ? Array.from(document.querySelectorAll(`[${p.attr}]`))
        : S.queryProbe(document, p);
      return els.some((el) => !p.attr || Boolean(S.probeValue(el, p)));
    });
  }
  return out;
}"""

ALL_PAGES = [
    ("/feed/", "feed-classic.html"),
    ("/feed/", "feed-2026.html"),
    ("/feed/update/urn:li:activity:7301111111111111111/", None),
    ("/posts/sofie-lund_zerotrust-activity-7301111111111111111-AbCd/", None),
    ("/in/sofie-lund-8a1b2c/", None),
    ("/in/mette-holm-4c5d6e/", None),
    ("/company/nordlys-energy/", None),
    ("/company/nordlys-energy/about/", None),
    ("/search/results/all/?keywords=x", None),
    ("/pulse/identity-new-perimeter-sofie-lund/", None),
]


def test_every_selector_matches_a_fixture(read_page: Callable[[str], Any], linkedin: Any) -> None:
    """Each non-generic rule of the bundled pack matches at least one page: a synthetic fixture or a
    real capture from ../shared/data/linkedin-dom (a dead selector fails)."""
    root = L.data_dir()
    if root is None:
        pytest.skip(L.SKIP_REASON)
    pages: list[tuple[str, str | None, str]] = [(path, fx, LI + path) for path, fx in ALL_PAGES]
    pages += [(p.url_path, str(p.path), p.url) for p in L.pages(root)]
    covered: dict[str, list[bool]] = {}
    for path, fixture, url in pages:
        if fixture:
            linkedin.route(path, fixture)
        page = read_page(url)
        result = page.evaluate(PROBE_COVERAGE)
        page.close()
        for key, hits in result.items():
            prev = covered.setdefault(key, [False] * len(hits))
            covered[key] = [a or b for a, b in zip(prev, hits, strict=True)]
    registry = read_page(LI + "/feed/").evaluate(
        "() => Object.fromEntries(Object.entries(Herald.selectors.REGISTRY)"
        ".map(([k, ps]) => [k, ps.map(p => [p.dom, p.css])]))"
    )
    dead = [
        f"{key}[{i}] ({dom}) {css}"
        for key, probes in registry.items()
        for i, (dom, css) in enumerate(probes)
        if dom != "generic" and not covered[key][i]
    ]
    assert not dead, "selectors matching no fixture:\n" + "\n".join(dead)
