from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import ApiToken, AuditLog

URL = "/api/v1/employees"


def new(client: Any, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    body = {"email": "Mette.Holm@Example.com", "name": "Mette Holm", "department": "Sales"}
    body.update(kw)
    resp = client.post(URL, json=body, headers=headers)
    assert resp.status_code == 201, resp.json
    return resp.json  # type: ignore[no-any-return]


def test_create_get_update(client: Any, admin_headers: dict[str, str]) -> None:
    created = new(client, admin_headers, languages=["da", "EN"], network_size=800)
    assert created["email"] == "mette.holm@example.com"
    assert created["languages"] == ["da", "en"]
    assert created["access_role"] == "employee" and created["is_active"] is True
    got = client.get(f"{URL}/{created['id']}", headers=admin_headers).json
    assert got == created
    resp = client.patch(
        f"{URL}/{created['id']}",
        json={"job_title": "Account Executive", "team": "Nordics"},
        headers=admin_headers,
    )
    assert resp.status_code == 200
    assert resp.json["job_title"] == "Account Executive" and resp.json["team"] == "Nordics"
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert {"employee.create", "employee.update"} <= set(actions)


def test_list_filters_and_pagination(
    client: Any, admin_headers: dict[str, str], make_employee: Any
) -> None:
    make_employee(name="Anna Berg", department="HR", team="Talent")
    make_employee(name="Peter Holm", department="Sales", team="Public")
    listing = client.get(URL, query_string={"department": "HR"}, headers=admin_headers).json
    assert [e["name"] for e in listing["items"]] == ["Anna Berg"]
    found = client.get(URL, query_string={"q": "HOLM"}, headers=admin_headers).json
    assert [e["name"] for e in found["items"]] == ["Peter Holm"]
    page = client.get(URL, query_string={"limit": 1, "offset": 1}, headers=admin_headers).json
    assert page["total"] == 3 and len(page["items"]) == 1
    bad = client.get(URL, query_string={"limit": 501}, headers=admin_headers)
    assert bad.status_code == 422


def test_email_clash_on_update_is_409(client: Any, admin_headers: dict[str, str]) -> None:
    new(client, admin_headers)
    other = new(client, admin_headers, email="other@example.com")
    resp = client.patch(
        f"{URL}/{other['id']}", json={"email": "METTE.HOLM@example.com"}, headers=admin_headers
    )
    assert resp.status_code == 409


def test_deactivate_keeps_history_and_revokes_tokens(
    client: Any, admin_headers: dict[str, str], make_employee: Any, token_for: Any
) -> None:
    person = make_employee()
    token = token_for(person, "employee")
    resp = client.post(f"{URL}/{person.id}/deactivate", headers=admin_headers)
    assert resp.status_code == 200
    assert resp.json["is_active"] is False and resp.json["deactivated_at"] is not None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    revoked = db.session.scalars(
        select(ApiToken.revoked_at).where(ApiToken.employee_id == person.id)
    )
    assert all(r is not None for r in revoked)
    code = client.post(f"{URL}/{person.id}/pairing-code", headers=admin_headers)
    assert code.status_code == 409
    back = client.post(f"{URL}/{person.id}/reactivate", headers=admin_headers).json
    assert back["is_active"] is True and back["deactivated_at"] is None
    assert client.get(f"{URL}/{person.id}", headers=admin_headers).status_code == 200


def test_pairing_code_shape(client: Any, admin_headers: dict[str, str], make_employee: Any) -> None:
    person = make_employee()
    resp = client.post(f"{URL}/{person.id}/pairing-code", headers=admin_headers)
    assert resp.status_code == 201
    code = resp.json["code"]
    assert len(code) == 11 and code[5] == "-"
    assert resp.json["employee_id"] == person.id
    assert client.post(f"{URL}/424242/pairing-code", headers=admin_headers).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", URL),
        ("post", URL),
        ("get", URL + "/1"),
        ("patch", URL + "/1"),
        ("post", URL + "/1/deactivate"),
        ("post", URL + "/1/reactivate"),
        ("post", URL + "/1/pairing-code"),
    ],
)
@pytest.mark.parametrize("role", ["employee", "content"])
def test_admin_only(client: Any, headers_for: Any, method: str, path: str, role: str) -> None:
    assert getattr(client, method)(path).status_code == 401
    resp = getattr(client, method)(path, headers=headers_for(role))
    assert resp.status_code == 403
