"""My saved list and my queue of reminders: stored per employee, never someone else's, bad
input refused with the one error shape, included in my data export and gone after erasure."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
from flask import Flask

from backend.extensions import db
from backend.models import Article, utcnow


def _article(status: str = "approved", title: str = "Zero trust in practice") -> Article:
    a = Article(
        canonical_url=f"https://example.com/{secrets.token_hex(4)}",
        title=title,
        status=status,
        approved_at=utcnow(),
    )
    db.session.add(a)
    db.session.commit()
    return a


@pytest.fixture
def article(app: Flask) -> Article:
    return _article()


def _later(days: int = 2) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def test_save_list_unsave(client: Any, employee_headers: dict[str, str], article: Article) -> None:
    first = client.post(
        "/api/v1/me/saved", json={"article_id": article.id}, headers=employee_headers
    )
    assert first.status_code == 201, first.json
    again = client.post(
        "/api/v1/me/saved", json={"article_id": article.id}, headers=employee_headers
    )
    assert again.status_code == 200 and again.json["saved_at"] == first.json["saved_at"]
    items = client.get("/api/v1/me/saved", headers=employee_headers).json["items"]
    assert [i["article"]["article_id"] for i in items] == [article.id]
    assert items[0]["article"]["title"] == "Zero trust in practice"
    assert items[0]["article"]["url"] == article.canonical_url
    gone = client.delete(f"/api/v1/me/saved/{article.id}", headers=employee_headers)
    assert gone.status_code == 200
    assert client.get("/api/v1/me/saved", headers=employee_headers).json["items"] == []
    missing = client.delete(f"/api/v1/me/saved/{article.id}", headers=employee_headers)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_lists_are_per_employee(
    client: Any, headers_for: Any, make_employee: Any, article: Article
) -> None:
    me, other = headers_for(employee=make_employee()), headers_for(employee=make_employee())
    client.post("/api/v1/me/saved", json={"article_id": article.id}, headers=me)
    item = client.post(
        "/api/v1/me/queue", json={"article_id": article.id, "due_at": _later()}, headers=me
    ).json
    assert client.get("/api/v1/me/saved", headers=other).json["items"] == []
    assert client.get("/api/v1/me/queue", headers=other).json["items"] == []
    refused = client.delete(f"/api/v1/me/queue/{item['id']}", headers=other)
    assert refused.status_code == 404
    assert len(client.get("/api/v1/me/queue", headers=me).json["items"]) == 1


def test_queue_soonest_first_and_remove(
    client: Any, employee_headers: dict[str, str], article: Article
) -> None:
    late = client.post(
        "/api/v1/me/queue",
        json={"article_id": article.id, "due_at": _later(5), "caption": " My words "},
        headers=employee_headers,
    )
    assert late.status_code == 201, late.json
    assert late.json["caption"] == "My words"
    soon = client.post(
        "/api/v1/me/queue",
        json={"article_id": article.id, "due_at": "2099-01-01T09:00:00+01:00"},
        headers=employee_headers,
    )
    assert soon.status_code == 422  # more than a year ahead
    tuesday = client.post(
        "/api/v1/me/queue",
        json={"article_id": article.id, "due_at": _later(1)},
        headers=employee_headers,
    ).json
    items = client.get("/api/v1/me/queue", headers=employee_headers).json["items"]
    assert [i["id"] for i in items] == [tuesday["id"], late.json["id"]]
    assert (
        client.delete(f"/api/v1/me/queue/{tuesday['id']}", headers=employee_headers).status_code
        == 200
    )
    items = client.get("/api/v1/me/queue", headers=employee_headers).json["items"]
    assert [i["id"] for i in items] == [late.json["id"]]


@pytest.mark.parametrize(
    ("path", "payload", "status", "field"),
    [
        ("/api/v1/me/saved", {}, 422, "article_id"),
        ("/api/v1/me/saved", {"article_id": "x"}, 422, "article_id"),
        ("/api/v1/me/saved", {"article_id": 1, "extra": 1}, 422, "extra"),
        ("/api/v1/me/queue", {"article_id": 1}, 422, "due_at"),
        ("/api/v1/me/queue", {"article_id": 1, "due_at": "2026-12-08T09:00:00"}, 422, "due_at"),
        ("/api/v1/me/queue", {"article_id": 1, "due_at": "tuesday"}, 422, "due_at"),
        (
            "/api/v1/me/queue",
            {"article_id": 1, "due_at": _later(), "caption": "x" * 3001},
            422,
            "caption",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client: Any, employee_headers: dict[str, str], path: str, payload: Any, status: int, field: str
) -> None:
    resp = client.post(path, json=payload, headers=employee_headers)
    assert resp.status_code == status, resp.json
    assert resp.json["error"]["code"] == "validation_error"
    assert any(field in str(d.get("loc", d)) for d in resp.json["error"]["details"]), resp.json
    assert client.get(path, headers=employee_headers).json["items"] == []


def test_past_time_and_unapproved_article(
    client: Any, employee_headers: dict[str, str], app: Flask
) -> None:
    draft = _article(status="draft")
    assert (
        client.post(
            "/api/v1/me/saved", json={"article_id": draft.id}, headers=employee_headers
        ).status_code
        == 404
    )
    ok = _article()
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat()
    resp = client.post(
        "/api/v1/me/queue", json={"article_id": ok.id, "due_at": past}, headers=employee_headers
    )
    assert resp.status_code == 422 and "in the past" in resp.json["error"]["message"]


def test_requires_a_token(client: Any) -> None:
    assert client.get("/api/v1/me/saved").status_code == 401
    assert client.post("/api/v1/me/queue", json={}).status_code == 401


def test_export_includes_and_erasure_deletes_my_lists(
    client: Any,
    headers_for: Any,
    make_employee: Any,
    admin_headers: dict[str, str],
    article: Article,
) -> None:
    person = make_employee()
    mine = headers_for(employee=person)
    client.post("/api/v1/me/saved", json={"article_id": article.id}, headers=mine)
    client.post(
        "/api/v1/me/queue", json={"article_id": article.id, "due_at": _later()}, headers=mine
    )
    export = client.get("/api/v1/me/export", headers=mine).json
    assert [r["article_id"] for r in export["tables"]["saved_articles"]] == [article.id]
    assert len(export["tables"]["queue_items"]) == 1
    done = client.post(f"/api/v1/employees/{person.id}/erase", headers=admin_headers)
    assert done.status_code == 200, done.json
    rows = done.json["rows"]
    assert rows["saved_articles (deleted)"] == 1 and rows["queue_items (deleted)"] == 1


def test_training_cards_once_in_my_preferred_language(
    client: Any, headers_for: Any, make_employee: Any, app: Flask
) -> None:
    from backend.models import TrainingCard

    for position, lang, title in [
        (0, "en", "Be yourself"),
        (0, "da", "Vær dig selv"),
        (1, "en", "Disclose your employer"),
        (1, "da", "Oplys din arbejdsgiver"),
        (2, "en", "Only in English"),
    ]:
        db.session.add(TrainingCard(language=lang, title=title, body=title, position=position))
    db.session.commit()
    bilingual = headers_for(employee=make_employee(languages=["da", "en"]))
    titles = [c["title"] for c in client.get("/api/v1/me/training-cards", headers=bilingual).json]
    assert titles == ["Vær dig selv", "Oplys din arbejdsgiver", "Only in English"]
    # The panel's UI language wins when I read it ...
    ui_en = client.get("/api/v1/me/training-cards?language=en", headers=bilingual).json
    assert [c["title"] for c in ui_en] == [
        "Be yourself",
        "Disclose your employer",
        "Only in English",
    ]
    # ... and not when I don't.
    english_only = headers_for(employee=make_employee(languages=["en"]))
    ui_da = client.get("/api/v1/me/training-cards?language=da", headers=english_only).json
    assert [c["language"] for c in ui_da] == ["en", "en", "en"]
    # The old list shows every version (what the panel showed before: each card twice).
    assert len(client.get("/api/v1/training-cards", headers=bilingual).json) == 5
