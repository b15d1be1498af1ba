from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from backend.extensions import db
from backend.models import ApiToken, AuditLog, PairingCode


def pairing_code(client: Any, admin_headers: dict[str, str], employee_id: int) -> str:
    resp = client.post(f"/api/v1/employees/{employee_id}/pairing-code", headers=admin_headers)
    assert resp.status_code == 201, resp.json
    return resp.json["code"]  # type: ignore[no-any-return]


def test_pair_returns_an_employee_token(
    client: Any, admin_headers: dict[str, str], make_employee: Any
) -> None:
    person = make_employee(name="Sofie Lund", languages=["da", "en"])
    code = pairing_code(client, admin_headers, person.id)
    resp = client.post("/api/v1/auth/pair", json={"code": code.lower().replace("-", " ")})
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["token"].startswith("hrd_") and len(body["token"]) >= 4 + 43
    assert body["employee"]["name"] == "Sofie Lund"
    assert body["expires_at"] is not None
    stored = db.session.scalars(select(ApiToken).where(ApiToken.employee_id == person.id)).all()
    assert [t.role for t in stored] == ["employee"]
    assert body["token"] not in {t.token_hash for t in stored}  # only the hash is kept
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json["id"] == person.id
    assert "auth.pair" in db.session.scalars(select(AuditLog.action)).all()


def test_pairing_code_is_single_use(
    client: Any, admin_headers: dict[str, str], make_employee: Any
) -> None:
    code = pairing_code(client, admin_headers, make_employee().id)
    assert client.post("/api/v1/auth/pair", json={"code": code}).status_code == 200
    again = client.post("/api/v1/auth/pair", json={"code": code})
    assert again.status_code == 401
    assert again.json["error"]["message"] == "pairing code is invalid, expired or already used"


def test_expired_code_and_deactivated_employee_are_refused(
    client: Any, admin_headers: dict[str, str], make_employee: Any
) -> None:
    person = make_employee()
    code = pairing_code(client, admin_headers, person.id)
    row = db.session.scalar(select(PairingCode))
    assert row is not None
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    assert client.post("/api/v1/auth/pair", json={"code": code}).status_code == 401
    fresh = pairing_code(client, admin_headers, person.id)
    client.post(f"/api/v1/employees/{person.id}/deactivate", headers=admin_headers)
    assert client.post("/api/v1/auth/pair", json={"code": fresh}).status_code == 401


@pytest.mark.parametrize(
    "payload", [{}, {"code": "abc"}, {"code": "x" * 33}, {"code": 12345678}, {"code": "A", "x": 1}]
)
def test_pair_validates_input(client: Any, payload: dict[str, Any]) -> None:
    resp = client.post("/api/v1/auth/pair", json=payload)
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "validation_error"


def test_revoke_signs_out(client: Any, employee_headers: dict[str, str]) -> None:
    assert client.post("/api/v1/auth/revoke").status_code == 401
    resp = client.post("/api/v1/auth/revoke", headers=employee_headers)
    assert resp.status_code == 204 and resp.data == b""
    after = client.get("/api/v1/me", headers=employee_headers)
    assert after.status_code == 401
    assert after.json["error"]["message"] == "token has been revoked"


def test_create_admin_cli_prints_a_token_last(runner: Any, client: Any) -> None:
    result = runner.invoke(args=["create-admin", "Boss@Example.com", "--name", "Boss"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("hrd_")
    resp = client.get("/api/v1/employees", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert [e["email"] for e in resp.json["items"]] == ["boss@example.com"]


def test_a_request_looks_its_token_up_once(client: Any, employee_headers: dict[str, str]) -> None:
    """The guessing limit's exemption and authentication share one token lookup."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    client.get("/api/v1/me", headers=employee_headers)  # last_used_at is written once; not here
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        resp = client.get("/api/v1/me", headers=employee_headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert resp.status_code == 200, resp.json
    lookups = [s for s in statements if "FROM api_tokens" in s and "token_hash" in s]
    assert len(lookups) == 1, lookups
