"""The new console flows of issue #15 in English and Danish, in a real browser: the overview's
trend (deltas and chart), started vs confirmed shares, feed subscriptions and mention
notifications. Screenshots go to docs/img with HERALD_SCREENSHOTS=1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _pages(page: Any, server: Any, shot: Callable, lang: str) -> None:
    page.goto(server.url("/console/analytics"))
    page.wait_for_function("document.querySelector('#trend-canvas').chart")
    assert page.locator('[data-metric="started_shares"]').is_visible()
    assert page.locator('[data-delta="clicks"]').inner_text().strip() != ""
    shot(page, f"overview-trend-{lang}")
    page.goto(server.url("/console/articles/feeds"))
    assert page.locator("#feed-subscribe").is_visible()
    shot(page, f"feeds-{lang}", full_page=False)
    page.goto(server.url("/console/mentions/notifications"))
    assert page.locator("#mention-notifications").is_visible()
    shot(page, f"mention-notifications-{lang}", full_page=False)


def test_new_flows_in_english_and_danish(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    server = console_server
    sign_in(page, server, server.admin_email)
    _pages(page, server, shot, "en")
    with page.expect_navigation():
        page.select_option("#lang-select", "da")
    try:
        page.goto(server.url("/console/analytics"))
        assert "ift. forrige periode" in page.locator("#overview-tiles").inner_text()
        assert page.get_by_role("heading", name="Udvikling: denne periode og den forrige").count()
        _pages(page, server, shot, "da")
        page.goto(server.url("/console/articles/feeds"))
        assert page.get_by_role("button", name="Abonnér").is_visible()
    finally:
        with page.expect_navigation():
            page.select_option("#lang-select", "en")
