"""People: list, who is taking part, invite with a one-time code, deactivate, ambassadors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.auth import hash_secret, normalise_code
from backend.extensions import db
from backend.models import Employee, PairingCode


def test_people_list_and_taking_part(
    console: FlaskClient, make_employee: Callable[..., Employee]
) -> None:
    make_employee(name="Nina Nordics", team="Nordics")
    make_employee(name="Paul Platform", team="Platform")
    make_employee(name="Gone Person", team="Platform", is_active=False)
    html = console.get("/console/people").get_data(as_text=True)
    assert "Nina Nordics" in html and "Paul Platform" in html
    assert "Gone Person" not in html
    assert 'data-metric="total_active">3<' in html  # two + the signed-in content user
    # Content users see the list but not the admin actions.
    assert "New pairing code" not in html and ">Deactivate<" not in html
    html = console.get("/console/people?team=Platform&active=all").get_data(as_text=True)
    assert "Gone Person" in html and "Nina Nordics" not in html
    html = console.get("/console/people?q=nina").get_data(as_text=True)
    assert "Nina Nordics" in html and "Paul Platform" not in html


def test_invite_shows_the_code_once_and_it_pairs(
    admin_console: FlaskClient, admin_post: Any
) -> None:
    form = admin_console.get("/console/people/invite")
    assert form.status_code == 200
    resp = admin_post(
        "/console/people/invite",
        {
            "name": "Ida Invite",
            "email": "IDA@example.com",
            "team": "Nordics",
            "department": "Sales",
            "languages": ["da", "en"],
            "access_role": "employee",
        },
    )
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "shown only once" in html
    code = html.split('id="pairing-code">', 1)[1].split("<", 1)[0]
    assert len(code) == 11 and code[5] == "-"
    assert resp.headers["Cache-Control"] == "no-store"
    employee = db.session.scalar(select(Employee).where(Employee.email == "ida@example.com"))
    assert employee is not None and employee.languages == ["da", "en"]
    stored = db.session.scalar(select(PairingCode).where(PairingCode.employee_id == employee.id))
    assert stored is not None and stored.code_hash == hash_secret(normalise_code(code))
    assert code not in stored.code_hash
    paired = admin_console.post("/api/v1/auth/pair", json={"code": code})
    assert paired.status_code in (200, 201), paired.get_data(as_text=True)


def test_invite_validation_and_duplicates(admin_post: Any, make_employee: Any) -> None:
    resp = admin_post("/console/people/invite", {"name": "", "email": "not-an-email"})
    assert resp.status_code == 422
    assert "Please correct the fields below." in resp.get_data(as_text=True)
    make_employee(email="taken@example.com")
    resp = admin_post("/console/people/invite", {"name": "X", "email": "taken@example.com"})
    assert resp.status_code == 422 and "already exists" in resp.get_data(as_text=True)


def test_content_users_cannot_invite_or_deactivate(
    post: Any, make_employee: Callable[..., Employee]
) -> None:
    person = make_employee()
    assert (
        post("/console/people/invite", {"name": "X", "email": "x@example.com"}).status_code == 403
    )
    assert post(f"/console/people/{person.id}/active", {"active": "no"}).status_code == 403
    assert post(f"/console/people/{person.id}/pairing-code").status_code == 403


def test_deactivate_reactivate_and_new_code(
    admin_console: FlaskClient, admin_post: Any, admin_user: Employee, make_employee: Any
) -> None:
    person = make_employee(name="Dan Deactivate")
    resp = admin_post(f"/console/people/{person.id}/active", {"active": "no"})
    assert resp.status_code == 302
    db.session.refresh(person)
    assert not person.is_active and person.deactivated_at is not None
    # A deactivated employee cannot get a code.
    resp = admin_post(f"/console/people/{person.id}/pairing-code")
    assert "deactivated" in admin_console.get(resp.headers["Location"]).get_data(as_text=True)
    admin_post(f"/console/people/{person.id}/active", {"active": "yes"})
    db.session.refresh(person)
    assert person.is_active
    resp = admin_post(f"/console/people/{person.id}/pairing-code")
    assert resp.status_code == 200 and 'id="pairing-code"' in resp.get_data(as_text=True)
    resp = admin_post(f"/console/people/{admin_user.id}/active", {"active": "no"})
    assert "cannot deactivate yourself" in admin_console.get(resp.headers["Location"]).get_data(
        as_text=True
    )


def test_ambassadors_page(console: FlaskClient, make_employee: Any) -> None:
    make_employee(name="Amb Candidate", network_size=5000, interests=["cloud"])
    html = console.get("/console/people/ambassadors").get_data(as_text=True)
    assert "Ambassador discovery" in html
    assert "Amb Candidate" in html or "No candidates yet." in html
