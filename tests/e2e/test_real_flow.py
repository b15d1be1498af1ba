"""The whole flow on a real LinkedIn capture (feed-2026-1 from ../shared/data/linkedin-dom), not a
hand-written page: feed → suggestions → share → a click on the tracked link → My impact. Also: a new
API address drops the token, and the Guidelines tab reads the employee endpoints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e import linkedin_dom as L
from tests.e2e.test_flow import (
    SHARES,
    STATS,
    SUGGEST,
    visit_tracked_link,
    wait_for,
    wait_for_share_and_click_in_impact,
)
from tests.e2e.test_pack_and_health import FEED, paired_built, serve

pytestmark = pytest.mark.e2e


@pytest.fixture
def real_feed() -> tuple[Path, dict[str, Any]]:
    root = L.data_dir()
    if root is None:
        pytest.skip(L.SKIP_REASON)
    page = next(p for p in L.pages(root) if p.name == "feed-2026-1")
    return page.path, page.expected


def test_real_feed_to_share_to_click_to_my_impact(
    launch: Callable[..., Any],
    built_extension: Path,
    herald: Any,
    real_feed: tuple[Path, dict[str, Any]],
) -> None:
    herald.require(SUGGEST, SHARES, STATS)
    path, expected = real_feed
    context, ext = paired_built(launch, built_extension, herald)
    serve(context, FEED, path.read_bytes())
    feed = context.new_page()
    feed.goto(FEED, wait_until="domcontentloaded")
    tab = ext.tab_id(FEED)
    ctx = wait_for(lambda: ext.context_of(tab), what="feed context")
    assert len(ctx["items"]) == len(expected["posts"])

    panel = ext.open_panel(tab)
    panel.set_viewport_size({"width": 420, "height": 1000})
    cards = panel.locator("#cards > li.card")
    expect(cards.first).to_be_visible(timeout=30000)
    sees = panel.text_content("#sees-body") or ""
    focused = ctx["items"][ctx["focused"]]
    # Herald sees the focused real post's words, without its author's name.
    assert L.agreement(focused["text"][:200], sees) > 0.3 or focused["text"][:40] in sees
    assert focused["author"] not in sees
    sent = [c for c in herald.recorder.api_calls() if c == SUGGEST]
    assert sent
    # With a page context each item has a relevance in [0,1]: the "why" list shows it first.
    rel = cards.first.locator(".reasons li.relevance")
    expect(rel).to_have_count(1)
    value = float(rel.get_attribute("data-relevance") or "-1")
    assert 0.0 <= value <= 1.0
    assert f"{round(value * 100)}%" in rel.inner_text()

    token = ext.token()
    shares_before = herald.api("GET", "/api/v1/me/stats", token=token)["shares"]
    first = cards.first
    with context.expect_page() as share_page_info:
        first.locator(".share").click()
    share_page = share_page_info.value
    tracked = parse_qs(urlsplit(share_page.url).query)["url"][0]
    assert tracked.startswith(herald.base_url + "/r/")

    visit_tracked_link(context, tracked)

    wait_for_share_and_click_in_impact(panel, shares_before)


def test_a_new_api_address_drops_the_token(
    launch: Callable[..., Any], built_extension: Path, herald: Any
) -> None:
    context, ext = paired_built(launch, built_extension, herald)
    old_token = ext.token()
    assert old_token
    stored = ext.storage("local", "herald:auth")
    assert old_token not in str(stored)  # sealed at rest, never in the clear
    page = context.new_page()
    page.goto(ext.url("options.html"))
    page.wait_for_selector("body[data-ready]")
    page.fill("#api-base-url", "https://other.test")
    page.click("#save")
    expect(page.locator("#save-result")).not_to_be_empty(timeout=10000)
    state = ext.send("settings:get")["data"]
    assert state["paired"] is False and state["settings"]["apiBaseUrl"] == "https://other.test"
    assert ext.storage("local", "herald:auth") is None
    # The old token was revoked at the server that issued it.
    client = herald.app.test_client()
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {old_token}"})
    assert resp.status_code == 401


def test_guidelines_tab_reads_and_acknowledges(
    launch: Callable[..., Any], built_extension: Path, herald: Any
) -> None:
    herald.require(
        ("GET", "/api/v1/me/guidelines"), ("POST", "/api/v1/me/guidelines/acknowledgement")
    )
    context, ext = paired_built(launch, built_extension, herald)
    token = ext.token()
    mine = herald.api("GET", "/api/v1/me/guidelines", token=token)
    panel = ext.open_panel(None)
    panel.click("#tab-guidelines")
    if not mine["published"]:
        expect(panel.locator("#guidelines-state")).not_to_be_empty()
        return
    item = panel.locator("#guidelines > li").first
    expect(item.locator("h3")).to_have_text(mine["title"])
    button = item.locator("button.ack")
    if not mine["acknowledged"]:
        expect(button).to_be_enabled()
        button.click()
        expect(button).to_be_disabled()
    wait_for(
        lambda: herald.api("GET", "/api/v1/me/guidelines", token=token)["acknowledged"],
        what="the acknowledgement",
    )
    expect(item.locator(".ack-state")).not_to_be_empty()
