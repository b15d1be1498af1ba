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


def test_erasure_requests_page_in_english_and_danish(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    """An employee asked for erasure from the panel: the admin's Privacy page lists it with a
    download and an Erase button that needs the confirmation tick (nothing is erased here)."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.models import Employee
    from backend.services import privacy

    server = console_server
    with server.app.app_context():
        person = db.session.scalars(
            select(Employee).where(Employee.access_role == "employee").order_by(Employee.id)
        ).first()
        assert person is not None
        privacy.request_erasure(person)
        name = person.name
    sign_in(page, server, server.admin_email)
    page.goto(server.url("/console/privacy"))
    row = page.locator("#erasure-requests tbody tr", has_text=name)
    assert row.count() == 1
    row.get_by_role("button", name="Erase").click()  # the tick is required: the form stays
    assert page.url.endswith("/console/privacy") and row.count() == 1
    shot(page, "privacy-en", full_page=False)
    with page.expect_navigation():
        page.select_option("#lang-select", "da")
    try:
        page.goto(server.url("/console/privacy"))
        assert page.get_by_role("heading", name="Anmodninger om sletning").is_visible()
        assert page.locator("#erasure-requests tbody tr", has_text=name).count() == 1
        shot(page, "privacy-da", full_page=False)
    finally:
        with page.expect_navigation():
            page.select_option("#lang-select", "en")
