"""Every status a client can get has the one JSON error shape."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Article, Employee


def assert_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.json
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]  # type: ignore[no-any-return]


def test_400_malformed_json(client: Any, content_headers: dict[str, str]) -> None:
    resp = client.post(
        "/api/v1/articles",
        data='{"title": "x",',
        headers={**content_headers, "Content-Type": "application/json"},
    )
    err = assert_error(resp, 400, "bad_request")
    assert err["message"].startswith("malformed JSON")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing bearer token"),
        ("Bearer ", "missing bearer token"),
        ("Basic dXNlcjpwYXNz", "missing bearer token"),
        ("Bearer hrd_not-a-real-token", "invalid token"),
    ],
)
def test_401(client: Any, header: str | None, message: str) -> None:
    headers = {"Authorization": header} if header is not None else {}
    resp = client.get("/api/v1/me", headers=headers)
    err = assert_error(resp, 401, "unauthorized")
    assert err["message"] == message
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="herald"'


def test_401_revoked_and_expired_tokens(client: Any, make_employee: Any, token_for: Any) -> None:
    import datetime as dt

    from backend.auth import hash_secret
    from backend.models import ApiToken

    person = make_employee()
    revoked = token_for(person, "employee")
    expired = token_for(person, "employee")
    for raw, field in ((revoked, "revoked_at"), (expired, "expires_at")):
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(raw)))
        setattr(token, field, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    db.session.commit()
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {revoked}"})
    assert assert_error(resp, 401, "unauthorized")["message"] == "token has been revoked"
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert assert_error(resp, 401, "unauthorized")["message"] == "token has expired"


def test_403_wrong_role(client: Any, employee_headers: dict[str, str]) -> None:
    resp = client.get("/api/v1/employees", headers=employee_headers)
    err = assert_error(resp, 403, "forbidden")
    assert err["message"] == (
        "this endpoint needs one of the roles admin; your token has role employee"
    )


def test_404_unknown_route_and_unknown_row(client: Any, admin_headers: dict[str, str]) -> None:
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    resp = client.get("/api/v1/employees/987654", headers=admin_headers)
    assert assert_error(resp, 404, "not_found")["message"] == "employee 987654 not found"


def test_405_lists_allowed_methods(client: Any, content_headers: dict[str, str]) -> None:
    resp = client.put("/api/v1/articles", json={}, headers=content_headers)
    assert_error(resp, 405, "method_not_allowed")
    assert set(resp.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_409_duplicate(client: Any, admin_headers: dict[str, str]) -> None:
    body = {"email": "dup@example.com", "name": "Dup"}
    assert client.post("/api/v1/employees", json=body, headers=admin_headers).status_code == 201
    resp = client.post("/api/v1/employees", json=body, headers=admin_headers)
    err = assert_error(resp, 409, "conflict")
    assert err["message"] == "an employee with e-mail dup@example.com already exists"


def test_413_body_over_one_mib(client: Any, content_headers: dict[str, str]) -> None:
    payload = b'{"title": "' + b"x" * (1024 * 1024) + b'"}'
    resp = client.post(
        "/api/v1/articles",
        data=payload,
        headers={**content_headers, "Content-Type": "application/json"},
    )
    err = assert_error(resp, 413, "payload_too_large")
    assert err["message"] == "request body is larger than the limit of 1048576 bytes"
    resp = client.post(
        "/api/v1/articles/import",
        data=b"url,title\n" + b"x" * (1024 * 1024),
        headers={**content_headers, "Content-Type": "text/csv"},
    )
    assert_error(resp, 413, "payload_too_large")
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_415_wrong_content_type(client: Any, content_headers: dict[str, str]) -> None:
    resp = client.post(
        "/api/v1/articles",
        data="title=x",
        headers={**content_headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    err = assert_error(resp, 415, "unsupported_media_type")
    assert err["message"] == (
        "expected Content-Type application/json, got application/x-www-form-urlencoded"
    )


def test_422_has_per_field_details(client: Any, admin_headers: dict[str, str]) -> None:
    resp = client.post(
        "/api/v1/employees",
        json={"email": "not-an-email", "name": "", "languages": ["xx"], "extra": 1},
        headers=admin_headers,
    )
    err = assert_error(resp, 422, "validation_error")
    fields = {d["field"] for d in err["details"]}
    assert {"email", "name", "languages.0", "extra"} <= fields
    assert all({"field", "message", "type"} <= set(d) for d in err["details"])
    # A failed request leaves no partial rows.
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 1


def test_429_rate_limit_on_pairing(client: Any) -> None:
    statuses = [
        client.post("/api/v1/auth/pair", json={"code": "AAAAA-BBBBB"}).status_code
        for _ in range(10)
    ]
    assert set(statuses) == {401}
    resp = client.post("/api/v1/auth/pair", json={"code": "AAAAA-BBBBB"})
    err = assert_error(resp, 429, "rate_limited")
    assert err["message"].startswith("too many requests")
    assert int(resp.headers["Retry-After"]) > 0


def test_429_retry_after_is_when_the_broken_limit_lets_the_caller_in_again(
    make_app: Any,
) -> None:
    """Not a fixed guess: with 2 pairing attempts an hour, the third waits out the hour."""
    client = make_app(RATELIMIT_AUTH="2 per hour").test_client()
    for _ in range(2):
        assert client.post("/api/v1/auth/pair", json={"code": "AAAAA-BBBBB"}).status_code == 401
    resp = client.post("/api/v1/auth/pair", json={"code": "AAAAA-BBBBB"})
    assert_error(resp, 429, "rate_limited")
    assert 3000 < int(resp.headers["Retry-After"]) <= 3600


def test_429_for_guessed_tokens_says_when_guessing_may_resume(make_app: Any) -> None:
    client = make_app(RATELIMIT_AUTH="2 per hour").test_client()
    for i in range(2):
        resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer hrd_guess{i:040d}"})
        assert resp.status_code == 401
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer hrd_guess-again"})
    assert_error(resp, 429, "rate_limited")
    assert 3000 < int(resp.headers["Retry-After"]) <= 3600


def test_no_rate_limit_headers_on_an_answered_request_by_default(
    client: Any, employee_headers: dict[str, str]
) -> None:
    """Two more storage round trips per request, for headers nothing reads: off unless
    RATELIMIT_HEADERS_ENABLED (Flask-Limiter's own setting) turns them on."""
    resp = client.get("/api/v1/me", headers=employee_headers)
    assert resp.status_code == 200
    assert not [name for name in resp.headers.keys() if name.lower().startswith("x-ratelimit")]


def test_500_does_not_leak_internals(app: Any, client: Any) -> None:
    from flask import Blueprint

    bp = Blueprint("boom_test", __name__)

    @bp.get("/boom-test")
    def boom() -> str:
        raise RuntimeError("secret connection string postgres://u:p@h")

    app.register_blueprint(bp)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = client.get("/boom-test")
    err = assert_error(resp, 500, "internal_error")
    assert err["message"] == "internal server error"
    assert "secret" not in resp.get_data(as_text=True)
