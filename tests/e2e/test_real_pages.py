"""The built extension on real LinkedIn pages (../shared/data/linkedin-dom, anonymised captures).

Each page is served at a real https://www.linkedin.com URL through Playwright routing, loaded five
times in Chromium with the extension built by extension/build.py; the context the extension stores
for the tab is scored against the page's expected/*.json. Run once with the bundled selector pack
and once with the named selectors off (a pack with no named rules: the structural fallback alone).
Numbers per page kind are printed (pytest -s) for the report.
"""

from __future__ import annotations

import copy
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import linkedin_dom as L

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LOADS = 5
BUNDLED = json.loads(
    (Path(__file__).resolve().parents[2] / "extension/selectors/pack.json").read_text("utf-8")
)
# What must not differ between loads of the same page.
STABLE = ("pageType", "pageKind", "items", "lead", "profileName", "about", "extraction")


@pytest.fixture(scope="module")
def real_pages() -> list[L.RealPage]:
    root = L.data_dir()
    if root is None:
        pytest.skip(L.SKIP_REASON)
    return L.pages(root)


class Serving:
    """The page now served at its URL (several pages share one URL: every home feed is /feed/)."""

    page: L.RealPage | None = None


def route_pages(context: Any, serving: Serving) -> None:
    def handler(route: Any) -> None:
        req = route.request
        page = serving.page
        if req.resource_type == "document" and page is not None and req.url == page.url:
            route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body=page.path.read_bytes(),
            )
        else:
            # LinkedIn's scripts, styles and images do not load: extraction must not need them.
            route.abort()

    context.route("https://www.linkedin.com/**", handler)


def fallback_only_pack() -> dict[str, Any]:
    pack = copy.deepcopy(BUNDLED)
    pack["version"] = BUNDLED["version"] + 1000
    pack["rules"] = {k: ([] if k != "hiddenText" else v) for k, v in pack["rules"].items()}
    return pack


def read_contexts(
    context: Any, ext: Any, serving: Serving, page: L.RealPage, loads: int
) -> list[dict[str, Any]]:
    serving.page = page
    out = []
    for _ in range(loads):
        tab = context.new_page()
        tab.goto(page.url, wait_until="domcontentloaded")
        tab_id = ext.tab_id(page.url.split("?")[0])
        deadline = time.monotonic() + 20
        ctx = None
        while time.monotonic() < deadline:
            ctx = ext.settled_context_of(tab_id)
            if ctx and ctx.get("url") == page.url:
                break
            time.sleep(0.1)
        assert ctx, f"{page.name}: no context stored for the tab (herald:context:{tab_id})"
        time.sleep(0.6)  # let a focus update land, then read the final context of this load
        ctx = ext.context_of(tab_id)
        out.append(ctx)
        tab.close()
    return out


def run(
    launch: Callable[..., Any], built: Path, pages: list[L.RealPage], pack: dict[str, Any] | None
) -> tuple[dict[str, L.Score], list[str]]:
    context, ext = launch(extension_dir=built)
    if pack is not None:
        ext.set_storage("local", {"herald:pack": {"pack": pack, "checkedAt": time.time() * 1000}})
        assert ext.send("pack:state")["data"]["source"] == "served"
    serving = Serving()
    route_pages(context, serving)
    per_kind: dict[str, L.Score] = defaultdict(L.Score)
    unstable = []
    for page in pages:
        contexts = read_contexts(context, ext, serving, page, LOADS if pack is None else 1)
        first = {k: contexts[0].get(k) for k in STABLE}
        for other in contexts[1:]:
            if {k: other.get(k) for k in STABLE} != first:
                unstable.append(page.name)
                break
        score = L.score_page(page, contexts[0])
        per_kind[page.kind].add(score)
        print(f"    {page.name:28} {score.posts_found}/{score.posts} {contexts[0]['extraction']}")
    return per_kind, unstable


def report(title: str, per_kind: dict[str, L.Score]) -> L.Score:
    total = L.Score()
    print(f"\n{title}")
    for kind, s in sorted(per_kind.items()):
        total.add(s)
        print(
            f"  {kind:17} posts {s.posts_found:3}/{s.posts:<3} names {s.names_found}/{s.names} "
            f"About {s.about_found}/{s.about} unmatched items {s.extra_items}"
        )
    recall = total.posts_found / total.posts
    print(f"  ALL post-text recall {total.posts_found}/{total.posts} = {recall:.3f}")
    return total


def test_real_pages_named_selectors(
    launch: Callable[..., Any], built_extension: Path, real_pages: list[L.RealPage]
) -> None:
    per_kind, unstable = run(launch, built_extension, real_pages, None)
    total = report("built extension, bundled pack (named selectors + fallback)", per_kind)
    assert not unstable, f"pages whose context differed between {LOADS} loads: {unstable}"
    assert total.posts >= 150
    assert total.posts_found / total.posts >= 0.97
    assert total.names_found == total.names == 8
    assert total.about_found == total.about == 7


def test_real_pages_fallback_alone(
    launch: Callable[..., Any], built_extension: Path, real_pages: list[L.RealPage]
) -> None:
    per_kind, _ = run(launch, built_extension, real_pages, fallback_only_pack())
    total = report("built extension, named selectors off (structural fallback alone)", per_kind)
    assert total.posts_found / total.posts >= 0.80
