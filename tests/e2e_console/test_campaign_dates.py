"""Campaign dates in Chromium: after a validation error the form shows the dates as typed,
and saving it then stores and lists the entered last day (not the day after)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_campaign_dates_round_trip_after_a_validation_error(
    page: Any, console_server: Any, sign_in: Callable[..., None]
) -> None:
    sign_in(page, console_server)
    page.goto(console_server.url("/console/campaigns/new"))
    page.fill("#name", "Datotest Forår")
    page.fill("#slug", "Not A Slug!")  # the server refuses it
    page.fill("#starts_at", "2031-03-01")
    page.fill("#ends_at", "2031-03-31")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page.locator("#starts_at")).to_have_value("2031-03-01")
    expect(page.locator("#ends_at")).to_have_value("2031-03-31")

    page.fill("#slug", "")  # left empty: made from the name
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-ok")).to_be_visible()
    expect(page.locator("#slug")).to_have_value("datotest-foraar")
    expect(page.locator("#ends_at")).to_have_value("2031-03-31")

    page.goto(console_server.url("/console/campaigns"))
    expect(page.get_by_text("2031-03-01 – 2031-03-31")).to_be_visible()
