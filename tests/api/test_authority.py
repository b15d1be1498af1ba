"""Issue #13, item 1 and its low items: authority follows the account, tokens end with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from backend.extensions import db
from backend.models import ApiToken
from backend.services.employees import create_admin


def test_a_demoted_admin_loses_api_power_at_once(
    client: Any, app: Any, admin_headers: dict[str, str]
) -> None:
    raw, marie = create_admin("marie@example.com")
    mine = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/employees", headers=mine).status_code == 200
    resp = client.patch(
        f"/api/v1/employees/{marie.id}", json={"access_role": "employee"}, headers=admin_headers
    )
    assert resp.status_code == 200, resp.json
    for method, url, body in [
        ("GET", "/api/v1/employees", None),
        ("POST", f"/api/v1/employees/{marie.id}/pairing-code", None),
        ("PATCH", f"/api/v1/employees/{marie.id}", {"access_role": "admin"}),
    ]:
        again = client.open(url, method=method, json=body, headers=mine)
        assert again.status_code == 401, (url, again.json)
    token = db.session.scalars(select(ApiToken).where(ApiToken.employee_id == marie.id)).one()
    assert token.revoked_at is not None


def test_the_role_comes_from_the_account_even_for_an_unrevoked_token(
    client: Any, make_employee: Any, token_for: Any
) -> None:
    """A token minted with a higher role than the account has acts with the account's role."""
    person = make_employee(access_role="employee")
    headers = {"Authorization": f"Bearer {token_for(person, 'admin')}"}
    resp = client.get("/api/v1/employees", headers=headers)
    assert resp.status_code == 403
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_admin_tokens_expire_and_rotate(client: Any, app: Any) -> None:
    raw, admin = create_admin("root@example.com", ttl_days=app.config["ADMIN_TOKEN_TTL_DAYS"])
    token = db.session.scalars(select(ApiToken).where(ApiToken.employee_id == admin.id)).one()
    assert token.expires_at is not None
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=30)) < dt.timedelta(
        seconds=5
    )
    old = {"Authorization": f"Bearer {raw}"}
    rotated = client.post("/api/v1/auth/rotate", headers=old)
    assert rotated.status_code == 201, rotated.json
    assert rotated.json["role"] == "admin" and rotated.json["token"] != raw
    assert client.get("/api/v1/employees", headers=old).status_code == 401
    new = {"Authorization": f"Bearer {rotated.json['token']}"}
    assert client.get("/api/v1/employees", headers=new).status_code == 200
    token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    new_token = db.session.scalars(
        select(ApiToken).where(ApiToken.employee_id == admin.id, ApiToken.revoked_at.is_(None))
    ).one()
    new_token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    expired = client.get("/api/v1/employees", headers=new)
    assert expired.status_code == 401 and expired.json["error"]["message"] == "token has expired"


def test_an_erased_employee_cannot_be_reactivated(
    client: Any, make_employee: Any, admin_headers: dict[str, str]
) -> None:
    person = make_employee()
    assert (
        client.post(f"/api/v1/employees/{person.id}/erase", headers=admin_headers).status_code
        == 200
    )
    resp = client.post(f"/api/v1/employees/{person.id}/reactivate", headers=admin_headers)
    assert resp.status_code == 409
    assert "erased" in resp.json["error"]["message"]
    assert (
        client.get(f"/api/v1/employees/{person.id}", headers=admin_headers).json["is_active"]
        is False
    )


def test_a_pairing_code_from_before_deactivation_does_not_redeem_after_reactivation(
    client: Any, make_employee: Any, admin_headers: dict[str, str]
) -> None:
    person = make_employee()
    code = client.post(f"/api/v1/employees/{person.id}/pairing-code", headers=admin_headers).json[
        "code"
    ]
    client.post(f"/api/v1/employees/{person.id}/deactivate", headers=admin_headers)
    client.post(f"/api/v1/employees/{person.id}/reactivate", headers=admin_headers)
    resp = client.post("/api/v1/auth/pair", json={"code": code})
    assert resp.status_code == 401
    fresh = client.post(f"/api/v1/employees/{person.id}/pairing-code", headers=admin_headers)
    assert client.post("/api/v1/auth/pair", json={"code": fresh.json["code"]}).status_code == 200
