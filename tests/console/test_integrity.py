"""The console's Integrity page (admin only): repeat shares, capped engagement, self-clicks."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from backend.extensions import db
from backend.models import Article, utcnow
from backend.services import works_council
from backend.services.works_council import WorksCouncil


def _gaming(app: Any, make_employee: Any, token_for: Any) -> None:
    person = make_employee(name="Gamer Gustav", network_size=100)
    headers = {"Authorization": f"Bearer {token_for(person, 'employee')}"}
    article = Article(
        canonical_url="https://www.example.com/x", title="X", status="approved",
        approved_at=utcnow(),
    )  # fmt: skip
    db.session.add(article)
    db.session.commit()
    api = app.test_client()
    shares = [
        api.post(
            "/api/v1/shares",
            json={"article_id": article.id, "network": "linkedin"},
            headers=headers,
            environ_base={"REMOTE_ADDR": "198.51.100.7"},
        ).json
        for _ in range(3)
    ]
    api.post(
        f"/api/v1/shares/{shares[0]['share_id']}/engagement",
        json={"reactions": 1_000_000, "comments": 0, "reposts": 0},
        headers=headers,
    )
    api.get(f"/r/{shares[0]['code']}", environ_base={"REMOTE_ADDR": "198.51.100.7"})


def test_integrity_page_lists_flags_for_admins_only(
    app: Any,
    admin_console: FlaskClient,
    console: FlaskClient,
    make_employee: Any,
    token_for: Any,
) -> None:
    _gaming(app, make_employee, token_for)
    assert console.get("/console/integrity").status_code == 403  # content role
    page = admin_console.get("/console/integrity")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Gamer Gustav" in html
    assert "Shared the same article again that day (not counted)" in html
    assert "Engagement above what the network allows (capped)" in html
    assert "Clicks on own links (not counted)" in html
    assert 'href="/console/integrity"' in html  # in the admin's navigation
    assert 'href="/console/integrity"' not in console.get("/console/").get_data(as_text=True)


def test_works_council_mode_shows_counts_but_nobody(
    app: Any, admin_console: FlaskClient, make_employee: Any, token_for: Any
) -> None:
    _gaming(app, make_employee, token_for)
    works_council.set_works_council(WorksCouncil(enabled=True, min_group_size=5), None)
    html = admin_console.get("/console/integrity").get_data(as_text=True)
    assert "Gamer Gustav" not in html
    assert 'id="integrity-per-person-hidden"' in html
    counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', html))
    assert counts["Shared the same article again that day (not counted)"] == "1"  # flagged once
    assert counts["Engagement above what the network allows (capped)"] == "1"
    assert counts["Clicks on own links (not counted)"] == "1"
    works_council.set_works_council(WorksCouncil(enabled=False, min_group_size=5), None)
    assert "Gamer Gustav" in admin_console.get("/console/integrity").get_data(as_text=True)
