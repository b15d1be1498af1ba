"""Confirmed shares in a real browser (issue #15): a share the employee only started shows as
"started" on the console's analytics overview and counts nowhere; a reader's click through the
tracked link, in Chromium, confirms it and "Shares" goes up by one."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

READER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)  # headless Chromium says "HeadlessChrome", which the click classifier rightly calls a bot


def _tiles(page: Any, server: Any) -> tuple[int, int]:
    page.goto(server.url("/console/analytics"))

    def number(metric: str) -> int:
        text = page.locator(f'#overview-tiles [data-metric="{metric}"]').inner_text()
        return int("".join(ch for ch in text if ch.isdigit()))

    return number("shares"), number("started_shares")


def _employee_shares(server: Any) -> tuple[str, int]:
    """A new employee asks for a tracked link (what the panel's Share button does)."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.models import Article, Employee
    from backend.services.employees import issue_token

    with server.app.app_context():
        person = Employee(
            email=f"sharer-{secrets.token_hex(4)}@example.com",
            name="Share Tester",
            team="Nordics",
            department="Sales",
            access_role="employee",
            public_ref=secrets.token_hex(8),
        )
        db.session.add(person)
        db.session.commit()
        token, _ = issue_token(person, "employee", 1)
        db.session.commit()
        article_id = db.session.scalars(
            select(Article.id).where(Article.status == "approved").order_by(Article.id)
        ).first()
    client = server.app.test_client()
    resp = client.post(
        "/api/v1/shares",
        json={"article_id": article_id, "network": "linkedin"},
        headers={"Authorization": f"Bearer {token}"},
        environ_base={"REMOTE_ADDR": "198.51.100.77"},  # the employee's own address
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["tracked_url"], resp.get_json()["share_id"]


def test_a_share_counts_only_once_confirmed(
    page: Any, chromium: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    server = console_server
    sign_in(page, server)
    shares_before, started_before = _tiles(page, server)

    tracked_url, _share_id = _employee_shares(server)
    shares, started = _tiles(page, server)
    assert (shares, started) == (shares_before, started_before + 1)
    shot(page, "confirmed-shares-started", full_page=False)

    # A reader (another address, an ordinary browser) clicks the link in the post.
    reader = chromium.new_context(user_agent=READER_UA)
    try:
        tab = reader.new_page()
        redirects: list[str] = []

        def follow(route: Any) -> None:
            # The request goes to Herald with the browser's own headers; the article's site is
            # not reachable from the test machine, so the browser is shown a stand-in for it.
            resp = route.fetch(max_redirects=0)
            redirects.append(f"{resp.status} {resp.headers.get('location', '')}")
            route.fulfill(status=200, content_type="text/html", body="<h1>The article</h1>")

        tab.route(f"{server.base_url}/r/**", follow)
        tab.goto(tracked_url)
        assert tab.locator("h1").inner_text() == "The article"
        assert len(redirects) == 1 and redirects[0].startswith("302 http"), redirects
    finally:
        reader.close()

    shares, started = _tiles(page, server)
    assert (shares, started) == (shares_before + 1, started_before)
