"""The selector pack served by the API changes extraction without a rebuild; an invalid pack is
rejected and the bundled one used; a page with nothing extracted shows in the console's extraction
health. The extension under test is the built one (extension/build.py), on real LinkedIn
captures."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import linkedin_dom as L
from tests.e2e.test_flow import pair_through_options, wait_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = json.loads((ROOT / "extension/selectors/pack.json").read_text("utf-8"))
FEED = "https://www.linkedin.com/feed/"
EMPTY_PAGE = (
    "<!doctype html><html><head><title>LinkedIn</title></head><body><main></main></body></html>"
)


@pytest.fixture
def feed_2026() -> Path:
    root = L.data_dir()
    if root is None:
        pytest.skip(L.SKIP_REASON)
    return root / "pages" / "feed-2026-1.html"


def serve(context: Any, url: str, body: bytes | str) -> None:
    def handler(route: Any) -> None:
        if route.request.resource_type == "document" and route.request.url == url:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)
        else:
            route.abort()

    context.unroute("https://www.linkedin.com/**")
    context.route("https://www.linkedin.com/**", handler)


def paired_built(launch: Callable[..., Any], built: Path, herald: Any) -> tuple[Any, Any]:
    context, ext = launch(extension_dir=built)
    pair_through_options(context, ext, herald)
    return context, ext


def feed_extraction(context: Any, ext: Any) -> dict[str, Any]:
    tab = context.new_page()
    tab.goto(FEED, wait_until="domcontentloaded")
    tab_id = ext.tab_id(FEED)
    # The settled reading: with the served pack when the service worker has a newer valid one.
    ctx = wait_for(lambda: ext.settled_context_of(tab_id), what="feed context")
    tab.close()
    return ctx


def health_pages(herald: Any, rule: str) -> int:
    """Pages counted by extraction health for a rule id (all days, kinds, versions)."""
    from sqlalchemy import func, select

    from backend.extensions import db
    from backend.models import ExtractionHealth

    with herald.app.app_context():
        q = select(func.coalesce(func.sum(ExtractionHealth.pages), 0))
        return int(db.session.scalar(q.where(ExtractionHealth.rule == rule)) or 0)


def write_pack(tmp_path: Path, pack: dict[str, Any]) -> str:
    path = tmp_path / f"pack-{pack['version']}.json"
    path.write_text(json.dumps(pack), encoding="utf-8")
    return str(path)


def test_served_pack_changes_extraction_and_invalid_packs_fall_back(
    launch: Callable[..., Any],
    built_extension: Path,
    herald: Any,
    feed_2026: Path,
    tmp_path: Path,
) -> None:
    context, ext = paired_built(launch, built_extension, herald)
    serve(context, FEED, feed_2026.read_bytes())
    report = ("POST", "/api/v1/extension/extraction-health")
    reports = herald.recorder.calls.count(report)  # the server is shared with earlier tests
    before = feed_extraction(context, ext)["extraction"]
    assert before["rule"] == "post:2026-main-feed" and before["pack"] == BUNDLED["version"]
    wait_for(lambda: herald.recorder.calls.count(report) > reports, what="the first health report")
    reports = herald.recorder.calls.count(report)

    # The content team ships pack 2: the 2026 feed is read by a new rule. No rebuild, no reinstall.
    served = copy.deepcopy(BUNDLED)
    served["version"] = BUNDLED["version"] + 1
    rule = next(r for r in served["rules"]["post"] if r["id"] == "2026-main-feed")
    rule["id"] = "2026-feed-fix"
    rule["css"] = "[data-testid='mainFeed'] > div[role='listitem'], " + rule["css"]
    try:
        herald.app.config["SELECTOR_PACK_PATH"] = write_pack(tmp_path, served)
        state = ext.send("pack:state", {"check": True})["data"]
        assert (state["source"], state["version"]) == ("served", served["version"])
        after = feed_extraction(context, ext)
        assert after["extraction"]["rule"] == "post:2026-feed-fix"
        assert after["extraction"]["pack"] == served["version"]
        assert len(after["items"]) == 7
        # The page was read first with the bundled pack (at once), then again with the served one:
        # extraction health counts that page view once, with the served pack's rule.
        wait_for(
            lambda: health_pages(herald, "post:2026-feed-fix") == 1, what="the served rule's report"
        )
        assert herald.recorder.calls.count(report) == reports + 1

        # A newer pack whose CSS the browser cannot parse: the content script keeps the bundled one.
        broken = copy.deepcopy(served)
        broken["version"] = served["version"] + 1
        broken["rules"]["post"][0]["css"] = "div[[[data-urn"
        herald.app.config["SELECTOR_PACK_PATH"] = write_pack(tmp_path, broken)
        ext.send("pack:state", {"check": True})
        ctx = feed_extraction(context, ext)
        assert ctx["extraction"]["pack"] == BUNDLED["version"]
        assert ctx["extraction"]["rule"] == "post:2026-main-feed" and len(ctx["items"]) == 7

        # A pack that breaks the schema is not served at all (503): the extension keeps what it had.
        no_rules = copy.deepcopy(served)
        no_rules["version"] = served["version"] + 2
        del no_rules["rules"]["postText"]
        herald.app.config["SELECTOR_PACK_PATH"] = write_pack(tmp_path, no_rules)
        state = ext.send("pack:state", {"check": True})["data"]
        assert state["version"] == broken["version"]
        # ... and one that reaches the extension anyway (a misconfigured proxy) is rejected there.
        ext.set_storage(
            "local", {"herald:pack": {"pack": no_rules, "checkedAt": time.time() * 1000}}
        )
        assert ext.send("pack:state")["data"]["source"] == "bundled"
        ctx = feed_extraction(context, ext)
        assert ctx["extraction"]["pack"] == BUNDLED["version"] and len(ctx["items"]) == 7
    finally:
        herald.app.config["SELECTOR_PACK_PATH"] = None


def test_a_page_with_nothing_extracted_shows_in_extraction_health(
    launch: Callable[..., Any], built_extension: Path, herald: Any
) -> None:
    context, ext = paired_built(launch, built_extension, herald)
    serve(context, FEED, EMPTY_PAGE)
    report = ("POST", "/api/v1/extension/extraction-health")
    before = herald.recorder.calls.count(report)  # the server is shared with earlier tests
    tab = context.new_page()
    tab.goto(FEED)
    wait_for(
        lambda: herald.recorder.calls.count(report) > before,
        what="this page's extraction-health report",
    )
    tab.close()

    # The content team's console: today's feed row counts a page with nothing extracted.
    herald.app.config["SESSION_COOKIE_SECURE"] = False  # plain http on 127.0.0.1
    runner = herald.app.test_cli_runner()
    people = herald.api("GET", "/api/v1/employees?limit=100")["items"]
    content = next(p for p in people if p.get("access_role") == "content" and p.get("is_active"))
    password = "extraction health e2e"
    res = runner.invoke(args=["set-password", content["email"], "--password-stdin"], input=password)
    assert res.exit_code == 0, res.output
    page = context.new_page()
    page.goto(herald.base_url + "/console/login")
    page.fill("#email", content["email"])
    page.fill("#password", password)
    page.locator("form button[type=submit]").click()
    page.goto(herald.base_url + "/console/extraction-health")
    feed = page.locator("section[data-kind='feed']")
    expect(feed).to_be_visible()
    assert int(feed.locator("tbody tr").first.locator("[data-empty]").inner_text()) >= 1
    expect(feed).to_contain_text("none")  # the rule column: nothing matched
    # (when the warning shows is tested in tests/api/test_extension.py with a known history)
    # Counts only: nothing of any page's text reaches the console.
    assert "LinkedIn" not in (feed.inner_text() or "")
