"""Works-council mode in a real browser: an admin switches it on in the console, every page
says so, and the per-person pages and tables disappear; switched off, they come back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PER_PERSON_TABLES = {
    "/console/analytics/growth": "Fastest-growing employees",
    "/console/analytics/top": "Top advocates",
}


def _api_status(server: Any, path: str) -> int:
    client = server.app.test_client()
    resp = client.get(path, headers={"Authorization": f"Bearer {server.token}"})
    return int(resp.status_code)


def _switch(page: Any, server: Any, on: bool) -> None:
    page.goto(server.url("/console/people"))
    page.get_by_role("link", name="Works-council mode").click()
    assert "no one's individual numbers" in page.locator("#works-council-rule").inner_text()
    label = "On: team-level aggregates only" if on else "Off: per-person reports allowed"
    page.get_by_label(label).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(server.url("/console/people/works-council"))


def test_the_switch_hides_per_person_pages(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    server = console_server
    sign_in(page, server, server.admin_email)
    # Off (the demo's default): the per-person pages show people.
    page.goto(server.url("/console/people/ambassadors"))
    assert page.locator("#ambassadors tbody tr").count() > 0
    for path, title in PER_PERSON_TABLES.items():
        page.goto(server.url(path))
        assert page.get_by_role("heading", name=title).count() == 1, path
    assert page.locator("#works-council-banner").count() == 0
    try:
        _switch(page, server, on=True)
        assert page.locator("#works-council-banner").is_visible()
        shot(page, "works-council", full_page=False)
        for path in ("/console/", "/console/articles", "/console/analytics", "/console/people"):
            page.goto(server.url(path))
            assert page.locator("#works-council-banner").is_visible(), path
        page.goto(server.url("/console/people"))
        assert page.locator("#per-person-hidden").is_visible()
        assert page.get_by_role("columnheader", name="Shares (30 d)").count() == 0
        assert page.get_by_role("link", name="Ambassador discovery").count() == 0
        resp = page.goto(server.url("/console/people/ambassadors"))
        assert resp.status == 403
        assert page.locator("#works-council-refused").is_visible()
        assert page.locator("#ambassadors").count() == 0
        for path, title in PER_PERSON_TABLES.items():
            page.goto(server.url(path))
            assert page.get_by_role("heading", name=title).count() == 0, path
            assert page.get_by_text("Per-person figures are hidden").count() == 1, path
        assert _api_status(server, "/api/v1/analytics/growth?by=employee") == 403
    finally:
        _switch(page, server, on=False)
    assert page.locator("#works-council-banner").count() == 0
    page.goto(server.url("/console/people/ambassadors"))
    assert page.locator("#ambassadors tbody tr").count() > 0
    assert _api_status(server, "/api/v1/analytics/growth?by=employee") == 200
