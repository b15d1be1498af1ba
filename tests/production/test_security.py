"""Security: token guessing, one employee vs another, tracked-link redirects, SQL injection,
security headers on every response, secrets never logged."""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from backend.extensions import db
from backend.models import Employee
from backend.observability import _SECRET_PATTERNS, JsonFormatter, redact
from backend.openapi import REGISTRY

ARTICLE_URL = "https://www.example.com/news/grid-2030?lang=en"


def _article(client: FlaskClient, headers: dict[str, str], url: str = ARTICLE_URL) -> int:
    resp = client.post(
        "/api/v1/articles",
        json={"canonical_url": url, "title": "Grid 2030", "status": "approved"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.get_json()
    return int(resp.get_json()["id"])


def _share(client: FlaskClient, headers: dict[str, str], article_id: int) -> dict[str, Any]:
    resp = client.post(
        "/api/v1/shares", json={"article_id": article_id, "network": "linkedin"}, headers=headers
    )
    assert resp.status_code == 201, resp.get_json()
    return dict(resp.get_json())


# --- token guessing --------------------------------------------------------------------------


def test_token_guessing_is_rate_limited_per_address(
    app: Flask, client: FlaskClient, employee_headers: dict[str, str]
) -> None:
    limit = int(str(app.config["RATELIMIT_AUTH"]).split()[0])
    for i in range(limit):
        resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer hrd_guess{i:040d}"})
        assert resp.status_code == 401
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer hrd_guess-one-more"})
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert resp.get_json()["error"]["code"] == "rate_limited"
    assert "failed authentications" in resp.get_json()["error"]["message"]
    # Keyed on the attempt, not only the address (issue #13): the guesser stays refused, but a
    # colleague behind the same NAT address with a token we issued is not locked out ...
    assert client.get("/api/v1/me", headers=employee_headers).status_code == 200
    again = client.get("/api/v1/me", headers={"Authorization": "Bearer hrd_guess-and-another"})
    assert again.status_code == 429
    # ... and another address is unaffected.
    other = client.get(
        "/api/v1/me", headers=employee_headers, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert other.status_code == 200


def test_stale_tokens_do_not_lock_out_an_office(
    app: Flask, client: FlaskClient, make_employee: Callable[..., Employee]
) -> None:
    """Expired or revoked tokens we issued are not guesses: many of them from one address (an
    office behind NAT) do not trigger the guessing limit."""
    from backend.services.employees import issue_token

    limit = int(str(app.config["RATELIMIT_AUTH"]).split()[0])
    person = make_employee()
    raw, _ = issue_token(person, "employee", 30)
    db.session.commit()
    client.post("/api/v1/auth/revoke", headers={"Authorization": f"Bearer {raw}"})
    for _ in range(limit + 5):
        resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
        assert resp.status_code == 401
        assert resp.get_json()["error"]["message"] == "token has been revoked"


def test_pairing_code_guessing_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    limit = int(str(app.config["RATELIMIT_AUTH"]).split()[0])
    statuses = [
        client.post("/api/v1/auth/pair", json={"code": f"AAAAA-{i:05d}"}).status_code
        for i in range(limit + 1)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {401}


# --- one employee can never read or change another's data -----------------------------------

# Every route an employee token may call that names a resource by id. A new one must be added
# here (and to the test below) — this list is checked against the registry.
EMPLOYEE_ID_ROUTES = {
    ("GET", "/employees/<int:employee_id>/stats"),
    ("GET", "/employees/<int:employee_id>/digest"),
    ("POST", "/shares/<int:share_id>/engagement"),
    ("GET", "/campaigns/<int:campaign_id>"),
    ("GET", "/campaigns/<int:campaign_id>/progress"),
    ("POST", "/guidelines/<int:guideline_id>/ack"),
    ("GET", "/training-cards/<int:card_id>"),
    ("DELETE", "/me/saved/<int:article_id>"),
    ("DELETE", "/me/queue/<int:item_id>"),
}
COMPANY_WIDE = {"campaign_id", "guideline_id", "card_id"}  # shared content, not personal data


def test_every_per_employee_route_is_covered(app: Flask) -> None:
    routes = {
        (s.method, s.rule)
        for s in REGISTRY
        if "employee" in s.roles and "<" in s.rule and s.blueprint in app.blueprints
    }
    assert routes <= EMPLOYEE_ID_ROUTES, (
        f"new per-resource routes to test: {routes - EMPLOYEE_ID_ROUTES}"
    )


def test_one_employee_cannot_reach_another(
    client: FlaskClient,
    make_employee: Callable[..., Employee],
    headers_for: Callable[..., dict[str, str]],
    content_headers: dict[str, str],
) -> None:
    alice = make_employee(name="Alice Example", role_text="alice-private-role")
    bob = make_employee(name="Bob Example")
    a_headers, b_headers = headers_for(employee=alice), headers_for(employee=bob)
    article_id = _article(client, content_headers)
    share = _share(client, a_headers, article_id)
    client.post(
        "/api/v1/me/snapshots", json={"connections": 812, "followers": 90}, headers=a_headers
    )

    # Ids that belong to Alice, used with Bob's token.
    for path in (
        f"/api/v1/employees/{alice.id}/stats",
        f"/api/v1/employees/{alice.id}/digest",
    ):
        resp = client.get(path, headers=b_headers)
        assert resp.status_code in (403, 404), (path, resp.status_code)
        assert "alice" not in resp.get_data(as_text=True).lower()
    resp = client.post(
        f"/api/v1/shares/{share['share_id']}/engagement",
        json={"reactions": 999, "comments": 0, "reposts": 0},
        headers=b_headers,
    )
    assert resp.status_code in (403, 404)

    # Bob's own views never show Alice's data.
    for path in ("/api/v1/me", "/api/v1/me/shares", "/api/v1/me/snapshots", "/api/v1/me/export"):
        body = client.get(path, headers=b_headers).get_data(as_text=True)
        assert "alice-private-role" not in body and share["code"] not in body, path
    snapshots = client.get("/api/v1/me/snapshots", headers=b_headers).get_json()
    assert snapshots["items"] == [], snapshots
    # An employee may not use the admin routes that take any employee id.
    for method, path in (
        ("GET", f"/api/v1/employees/{alice.id}"),
        ("PATCH", f"/api/v1/employees/{alice.id}"),
        ("GET", f"/api/v1/employees/{alice.id}/export"),
        ("POST", f"/api/v1/employees/{alice.id}/erase"),
        ("POST", f"/api/v1/employees/{alice.id}/deactivate"),
        ("POST", f"/api/v1/employees/{alice.id}/pairing-code"),
    ):
        resp = client.open(
            path, method=method, json={} if method != "GET" else None, headers=b_headers
        )
        assert resp.status_code == 403, (method, path, resp.status_code)
    db.session.expire_all()
    assert db.session.get(Employee, alice.id).role_text == "alice-private-role"  # type: ignore[union-attr]


def test_one_employee_cannot_remove_anothers_saved_or_queued_items(
    client: FlaskClient,
    make_employee: Callable[..., Employee],
    headers_for: Callable[..., dict[str, str]],
    content_headers: dict[str, str],
) -> None:
    alice, bob = make_employee(name="Alice Example"), make_employee(name="Bob Example")
    a_headers, b_headers = headers_for(employee=alice), headers_for(employee=bob)
    article_id = _article(client, content_headers)
    assert client.post(
        "/api/v1/me/saved", json={"article_id": article_id}, headers=a_headers
    ).status_code in (200, 201)
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    queued = client.post(
        "/api/v1/me/queue", json={"article_id": article_id, "due_at": due}, headers=a_headers
    )
    assert queued.status_code in (200, 201), queued.get_data(as_text=True)
    item_id = queued.get_json()["id"]

    # Bob names Alice's reminder and the article Alice saved: nothing of Alice's goes.
    assert client.delete(f"/api/v1/me/queue/{item_id}", headers=b_headers).status_code == 404
    assert client.delete(f"/api/v1/me/saved/{article_id}", headers=b_headers).status_code == 404
    assert [
        i["id"] for i in client.get("/api/v1/me/queue", headers=a_headers).get_json()["items"]
    ] == [item_id]
    saved = client.get("/api/v1/me/saved", headers=a_headers).get_json()["items"]
    assert [i["article"]["article_id"] for i in saved] == [article_id]
    # Alice herself can remove both.
    assert client.delete(f"/api/v1/me/queue/{item_id}", headers=a_headers).status_code == 200
    assert client.delete(f"/api/v1/me/saved/{article_id}", headers=a_headers).status_code == 200


# --- tracked links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/r/%2F%2Fevil.example",
        "/r//evil.example",
        "/r/%5C%5Cevil.example",
        "/r/javascript:alert(1)",
        "/r/javascript%3Aalert(1)",
        "/r/https:%2F%2Fevil.example",
        "/r/http%3A%2F%2Fevil.example",
        "/r/..%2F..%2Fevil",
        "/r/%0d%0aLocation:%20https://evil.example",
        "/r/%E2%80%AEevil",
    ],
)
def test_tricks_never_redirect_elsewhere(client: FlaskClient, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404
    assert "Location" not in resp.headers


def test_tracked_link_goes_only_to_the_registered_url(
    client: FlaskClient, employee_headers: dict[str, str], content_headers: dict[str, str]
) -> None:
    article_id = _article(client, content_headers)
    code = _share(client, employee_headers, article_id)["code"]
    for suffix in (
        "",
        "?next=https://evil.example",
        "?url=//evil.example&redirect=javascript:alert(1)",
        "/",
        "/..%2F..%2Fevil",
        "%2F%2Fevil.example",
        "#https://evil.example",
    ):
        resp = client.get(f"/r/{code}{suffix}")
        if resp.status_code != 302:
            assert resp.status_code == 404 and "Location" not in resp.headers, suffix
            continue
        location = resp.headers["Location"]
        assert location.startswith("https://www.example.com/news/grid-2030?"), (suffix, location)
        assert "evil" not in location and "javascript" not in location.lower()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "//evil.example/path",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com/file",
        "https://",
        "http://exa mple.com/",
    ],
)
def test_articles_only_register_http_urls(
    client: FlaskClient, content_headers: dict[str, str], url: str
) -> None:
    resp = client.post(
        "/api/v1/articles",
        json={"canonical_url": url, "title": "Bad", "status": "approved"},
        headers=content_headers,
    )
    assert resp.status_code == 422


# --- SQL injection ---------------------------------------------------------------------------

INJECTIONS = [
    "'; DROP TABLE employees; --",
    '" OR "1"="1',
    "' OR 1=1 --",
    "1; SELECT pg_sleep(5)",
    "Robert'); DELETE FROM articles;--",
    "%' UNION SELECT token_hash FROM api_tokens --",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_sql_injection_is_stored_verbatim_or_refused(
    client: FlaskClient,
    employee_headers: dict[str, str],
    content_headers: dict[str, str],
    admin_headers: dict[str, str],
    payload: str,
) -> None:
    article_id = _article(client, content_headers)
    employees_before = db.session.scalar(sa.select(sa.func.count()).select_from(Employee))

    def check(resp: Any, read: Callable[[dict[str, Any]], Any] | None = None) -> None:
        assert resp.status_code < 500, resp.get_data(as_text=True)[:300]
        if resp.status_code < 300 and read is not None:
            assert read(resp.get_json()) == payload

    check(
        client.patch("/api/v1/me", json={"role_text": payload}, headers=employee_headers),
        lambda b: b["role_text"],
    )
    check(client.patch("/api/v1/me", json={"interests": [payload]}, headers=employee_headers))
    check(
        client.post(
            "/api/v1/employees",
            json={
                "email": "inj@example.com",
                "name": payload,
                "team": payload,
                "department": payload,
            },
            headers=admin_headers,
        ),
        lambda b: b["name"],
    )
    check(
        client.patch(
            f"/api/v1/articles/{article_id}",
            json={"title": payload, "summary": payload},
            headers=content_headers,
        ),
        lambda b: b["title"],
    )
    check(
        client.post(
            "/api/v1/shares",
            json={"article_id": article_id, "network": "linkedin", "caption": payload},
            headers=employee_headers,
        )
    )
    check(
        client.post(
            "/api/v1/suggestions",
            json={"context": {"page_type": "post", "text": payload}},
            headers=employee_headers,
        )
    )
    for path in (
        f"/api/v1/employees?q={payload}",
        f"/api/v1/employees?team={payload}&department={payload}",
        f"/api/v1/articles?q={payload}",
        f"/api/v1/analytics/traffic?team={payload}&department={payload}",
        f"/api/v1/analytics/shares?campaign={payload}",
        f"/r/{payload}",
    ):
        check(client.get(path, headers=admin_headers))
    # Nothing was dropped or deleted.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Employee)) >= employees_before
    assert client.get(f"/api/v1/articles/{article_id}", headers=content_headers).status_code == 200


# --- security headers ------------------------------------------------------------------------

REQUIRED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def test_security_headers_on_every_response(app: Flask, client: FlaskClient) -> None:
    paths = {"/nonexistent", "/api/v1/nonexistent", "/r/unknown"}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        paths.add(path)
    seen = 0
    for path in sorted(paths):
        for method in ("GET", "POST", "DELETE"):
            resp = client.open(path, method=method)
            seen += 1
            for key, value in REQUIRED_HEADERS.items():
                assert resp.headers.get(key) == value, (method, path, resp.status_code, key)
            assert "Content-Security-Policy" in resp.headers, (method, path)
            assert "X-Request-ID" in resp.headers, (method, path)
            if path.startswith("/api/"):
                assert resp.headers.get("Cache-Control") == "no-store", (method, path)
    assert seen > 100


# --- secrets never logged --------------------------------------------------------------------


def test_secrets_are_never_logged(
    app: Flask,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    admin_headers: dict[str, str],
    make_employee: Callable[..., Employee],
) -> None:
    caplog.set_level(logging.DEBUG)
    app.logger.setLevel(logging.DEBUG)
    secrets_seen: list[str] = [admin_headers["Authorization"].split()[1]]
    person = make_employee()
    code = client.post(f"/api/v1/employees/{person.id}/pairing-code", headers=admin_headers)
    secrets_seen.append(code.get_json()["code"])
    paired = client.post("/api/v1/auth/pair", json={"code": secrets_seen[-1]}).get_json()
    token = paired["token"]
    secrets_seen.append(token)
    auth = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/me", headers=auth)
    client.post("/api/v1/auth/pair", json={"code": secrets_seen[1]})  # reused: 401
    integration = client.post(
        "/api/v1/integrations", json={"name": "crm"}, headers=admin_headers
    ).get_json()
    if integration and "secret" in integration:
        secrets_seen.append(integration["secret"])
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.com/herald", "events": ["share.created"]},
        headers=admin_headers,
    ).get_json()
    if hook and "secret" in hook:
        secrets_seen.append(hook["secret"])
    client.post("/api/v1/auth/revoke", headers=auth)
    client.get("/api/v1/me", headers=auth)  # revoked: 401
    client.get("/api/v1/me", headers={"Authorization": "Bearer " + token[:-2] + "xx"})

    formatter = JsonFormatter()
    captured = "\n".join(
        formatter.format(r) + "\n" + r.getMessage() + "\n" + repr(r.__dict__)
        for r in caplog.records
    )
    assert caplog.records, "expected request logs"
    assert len(secrets_seen) >= 4
    for secret in secrets_seen:
        assert secret not in captured
        assert secret.replace("-", "") not in captured


def test_log_redaction_masks_secret_shapes() -> None:
    line = (
        "Authorization: Bearer hrd_abcdefghijklmnopqrstuvwxyz0123456789 code ABCDE-FGHJK "
        "sig sha256=" + "a" * 64
    )
    masked = redact(line)
    assert "hrd_abcdef" not in masked and "ABCDE-FGHJK" not in masked and "a" * 64 not in masked
    assert masked.count("[redacted]") == 3


def _redact_every_pattern(text: str) -> str:
    """The reference: every secret pattern applied to the whole text, no shortcuts."""
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
        else:
            text = pattern.sub("[redacted]", text)
    return text


def test_log_redaction_matches_every_case_of_its_patterns() -> None:
    # redact() skips a case-insensitive pattern when its literal is not in the case-folded line;
    # that must never skip a match: any case, the long s that re.IGNORECASE equates with "s",
    # and secrets next to each other or to a replaced one.
    shapes = [
        "Bearer tok_1",
        "BEARER tok_2",
        "bEaReR\ttok_3",
        "Authorization: bearer  x.y.z",
        "sha256=" + "ab" * 20,
        "SHA256=" + "AB" * 20,
        "\u017fha256=" + "cd" * 20,
        "V1=" + "0f" * 16,
        "v1=" + "E" * 40,
        "sha256=" + "a" * 31,
        "ABCDE-FGHJK",
        "hrd_abcdefgh12345678",
        "Bearer hrd_abcdefgh12345678",
        "bearer\nsha256=" + "1" * 40,
        "the bearer of v1 news",
        "\u212a\u017f",
        "ss=\u00df",
    ]
    rng = random.Random(11)
    filler = ['{"ts": "2026-12-07T15:49:01.617+00:00", "level": "INFO"}', " ", "\n", "é", ","]
    lines = list(shapes)
    for _ in range(3_000):
        parts = rng.choices(shapes + filler, k=rng.randint(1, 6))
        lines.append("".join(rng.choice(("", " ", '"', "=")) + p for p in parts))
    for line in lines:
        assert redact(line) == _redact_every_pattern(line), line
    assert "[redacted]" in redact("\u017fha256=" + "cd" * 20)  # long s: re.IGNORECASE matches it
