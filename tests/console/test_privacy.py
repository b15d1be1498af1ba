"""The console's Privacy page (admin): erasure requests made from the panel are listed oldest
first, each can be exported and erased (after an explicit confirmation), carried-out erasures are
listed, and the consent counts are shown read-only. Content users cannot see it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from backend.extensions import db
from backend.models import Employee
from backend.services import privacy


def _request(client: FlaskClient, person: Employee, token_for: Callable[..., str]) -> None:
    """The employee asks for erasure through the API the panel's Privacy tab calls."""
    headers = {"Authorization": f"Bearer {token_for(person)}"}
    assert client.post("/api/v1/me/erasure", headers=headers).status_code == 202


def test_requests_listed_oldest_first_then_exported_and_erased(
    app: Any,
    admin_console: FlaskClient,
    admin_post: Any,
    make_employee: Callable[..., Employee],
    token_for: Callable[..., str],
) -> None:
    first = make_employee(name="Freja First", email="freja@example.com", team="Sales")
    second = make_employee(name="Sune Second", email="sune@example.com")
    bystander = make_employee(name="Bo Bystander", email="bo@example.com")
    api = app.test_client()
    _request(api, first, token_for)
    _request(api, second, token_for)

    page = admin_console.get("/console/privacy").get_data(as_text=True)
    assert 'href="/console/privacy"' in page  # in the admin's navigation
    table = page[page.index('id="erasure-requests"') :]
    assert table.index("Freja First") < table.index("Sune Second")
    assert "freja@example.com" in table and "Bo Bystander" not in page

    export = admin_console.get(f"/console/privacy/{first.id}/export")
    assert export.status_code == 200
    assert "attachment" in export.headers["Content-Disposition"]
    data = json.loads(export.get_data(as_text=True))
    assert data["employee"]["email"] == "freja@example.com"

    # Without the confirmation nothing is erased.
    resp = admin_post(f"/console/privacy/{first.id}/erase", {})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Employee, first.id).email == "freja@example.com"
    assert not privacy.is_erased(first.id)
    shown = admin_console.get("/console/privacy").get_data(as_text=True)
    assert "nothing was erased" in shown

    resp = admin_post(f"/console/privacy/{first.id}/erase", {"confirm": "yes"})
    assert resp.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Employee, first.id)
    assert erased.email != "freja@example.com" and erased.name == privacy.ERASED_NAME
    assert privacy.is_erased(first.id)
    assert db.session.get(Employee, bystander.id).email == "bo@example.com"
    after = admin_console.get("/console/privacy").get_data(as_text=True)
    assert "Erased:" in after
    pending = after[after.index('id="erasure-requests"') : after.index('id="erasures-done"')]
    assert "Sune Second" in pending and "Freja First" not in pending
    done = after[after.index('id="erasures-done"') :]
    assert f'data-employee-id="{first.id}"' in done

    # A second erasure of the same person is refused with the service's message.
    admin_post(f"/console/privacy/{first.id}/erase", {"confirm": "yes"})
    again = admin_console.get("/console/privacy").get_data(as_text=True)
    assert f"employee {first.id} has already been erased" in again


def test_no_requests_and_consent_counts_in_danish(
    admin_console: FlaskClient, admin_post: Any, make_employee: Callable[..., Employee]
) -> None:
    make_employee(consents={"leaderboard": True})
    make_employee(consents={"leaderboard": False, "digest_email": True})
    admin_post("/console/language", {"lang": "da", "next": "/console/"})
    page = admin_console.get("/console/privacy")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ingen anmodninger om sletning." in html and 'id="erasure-requests"' not in html
    # The signed-in admin (the fixture's employee defaults) opted in to the leaderboard too.
    assert 'data-consent="leaderboard">2<' in html
    assert 'data-consent="digest_email">1<' in html
    assert 'data-consent="profile_snapshots">0<' in html


def test_content_users_cannot_see_or_erase(
    console: FlaskClient, post: Any, make_employee: Callable[..., Employee]
) -> None:
    person = make_employee(email="kept@example.com")
    assert console.get("/console/privacy").status_code == 403
    assert console.get(f"/console/privacy/{person.id}/export").status_code == 403
    assert post(f"/console/privacy/{person.id}/erase", {"confirm": "yes"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Employee, person.id).email == "kept@example.com"
    assert 'href="/console/privacy"' not in console.get("/console/").get_data(as_text=True)
