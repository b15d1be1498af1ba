"""Issue #13, low items: bad input gets a clear 4xx in the one JSON error shape and writes
nothing — on SQLite and on PostgreSQL (run the suite with DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Article, Conversion, EngagementEvent, Integration, Mention


def _error(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]  # type: ignore[no-any-return]


DEEP = b"[" * 50_000 + b"]" * 50_000


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/shares"),
        ("PATCH", "/api/v1/me"),
        ("POST", "/api/v1/suggestions"),
        ("POST", "/api/v1/events"),
        ("POST", "/api/v1/mentions"),
    ],
)
def test_deeply_nested_json_is_a_400(
    client: Any, employee_headers: dict[str, str], method: str, url: str
) -> None:
    resp = client.open(
        url,
        method=method,
        data=DEEP,
        headers={**employee_headers, "Content-Type": "application/json"},
    )
    error = _error(resp, 400)
    assert "nested deeper than 32 levels" in error["message"]


def test_deeply_nested_json_in_an_ndjson_import_fails_its_row_only(
    client: Any, content_headers: dict[str, str]
) -> None:
    body = b'{"canonical_url": "https://www.example.com/a", "title": "A"}\n' + DEEP + b"\n"
    resp = client.post(
        "/api/v1/articles/import",
        data=body,
        headers={**content_headers, "Content-Type": "application/x-ndjson"},
    )
    assert resp.status_code in (200, 207), resp.get_json()
    assert resp.get_json()["created"] == 1
    assert "nested deeper" in resp.get_json()["errors"][0]["message"]


def test_nul_in_a_text_field_is_a_422_and_writes_nothing(
    client: Any, employee_headers: dict[str, str]
) -> None:
    resp = client.post(
        "/api/v1/mentions",
        json={"url": "https://www.linkedin.com/posts/x-123", "snippet": "hello\x00world"},
        headers=employee_headers,
    )
    error = _error(resp, 422)
    assert error["details"][0]["field"] == "snippet"
    assert error["details"][0]["message"] == "must not contain NUL characters"
    assert db.session.scalar(select(func.count(Mention.id))) == 0
    q = client.get("/api/v1/me/shares?x=%00", headers=employee_headers)
    assert _error(q, 422)["details"][0]["field"] == "x"


def test_one_nul_in_a_csv_import_fails_its_row_only(
    client: Any, content_headers: dict[str, str]
) -> None:
    body = (
        "canonical_url,title\n"
        "https://www.example.com/one,One\n"
        "https://www.example.com/two,Tw\x00o\n"
        "https://www.example.com/three,Three\n"
    )
    resp = client.post(
        "/api/v1/articles/import",
        data=body.encode(),
        headers={**content_headers, "Content-Type": "text/csv"},
    )
    assert resp.status_code in (200, 207), resp.get_json()
    assert resp.get_json()["created"] == 2
    assert resp.get_json()["errors"][0]["field"] == "title"
    assert db.session.scalar(select(func.count(Article.id))) == 2


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", f"/api/v1/articles?offset={2**63}", None),
        ("GET", f"/api/v1/employees?offset={2**63}", None),
        ("GET", "/api/v1/me/shares?offset=100000000000000000000", None),
        ("POST", "/api/v1/shares", {"article_id": 2**63, "network": "linkedin"}),
        ("POST", "/api/v1/events", {"article_id": 2**63, "type": "opened"}),
        ("GET", f"/api/v1/articles/{2**63}", None),
    ],
)
def test_huge_offsets_and_ids_are_a_4xx(
    client: Any, admin_headers: dict[str, str], method: str, url: str, body: Any
) -> None:
    """SQLite cannot bind integers of 2**63 or more: that was a 500."""
    resp = client.open(url, method=method, json=body, headers=admin_headers)
    assert 400 <= resp.status_code < 500, resp.get_data(as_text=True)[:300]
    _error(resp, resp.status_code)


@pytest.mark.parametrize(
    "timestamp",
    ["999999999999", "9" * 400, "²³¹", "１７００００００００", "-5", " "],
)
def test_odd_conversion_timestamps_are_a_401(client: Any, app: Any, timestamp: str) -> None:
    db.session.add(Integration(name="web", secret="hcs_x"))
    db.session.commit()
    resp = client.post(
        "/api/v1/conversions",
        data=b"{}",
        headers={
            "Content-Type": "application/json",
            "X-Herald-Integration": "web",
            # As gunicorn hands it over: header bytes read as latin-1 (so "²" is one byte).
            "X-Herald-Timestamp": timestamp
            if timestamp.isascii() or timestamp == "²³¹"
            else timestamp.encode("utf-8").decode("latin-1"),
            "X-Herald-Nonce": "nonce-123456",
            "X-Herald-Signature": "sha256=00",
        },
    )
    _error(resp, 401)
    assert db.session.scalar(select(func.count(Conversion.id))) == 0


def test_huge_integration_ids_are_a_401(client: Any) -> None:
    resp = client.post(
        "/api/v1/conversions",
        data=b"{}",
        headers={"Content-Type": "application/json", "X-Herald-Integration": "9" * 30},
    )
    _error(resp, 401)


def test_events_refuse_drafts_and_archived_articles(
    client: Any, employee_headers: dict[str, str], content_headers: dict[str, str]
) -> None:
    ids = {}
    for status in ("draft", "archived"):
        article = Article(
            canonical_url=f"https://www.example.com/{status}", title=status, status=status
        )
        db.session.add(article)
        db.session.commit()
        ids[status] = article.id
    draft = client.post(
        "/api/v1/events",
        json={"article_id": ids["draft"], "type": "opened"},
        headers=employee_headers,
    )
    assert _error(draft, 404)["message"] == f"article {ids['draft']} not found"
    archived = client.post(
        "/api/v1/events",
        json={"article_id": ids["archived"], "type": "dismissed"},
        headers=employee_headers,
    )
    _error(archived, 409)
    assert db.session.scalar(select(func.count(EngagementEvent.id))) == 0
