"""POST /api/v1/events: engagement joins back to impressions; dismissals and shares stick."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import sqlalchemy as sa
from cachetools import LRUCache, TTLCache
from flask import Flask

from backend.extensions import db
from backend.models import Article, EngagementEvent, SuggestionImpression, utcnow
from backend.services import suggestions as svc

URL = "/api/v1/events"


@pytest.fixture
def articles(app: Flask) -> list[Article]:
    out = []
    for title in ("Cloud security news", "Team offsite recap"):
        a = Article(
            canonical_url=f"https://example.com/{secrets.token_hex(4)}",
            title=title,
            status="approved",
            approved_at=utcnow(),
        )
        db.session.add(a)
        out.append(a)
    db.session.commit()
    return out


def suggest(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.post("/api/v1/suggestions", json={"limit": 5}, headers=headers)
    assert resp.status_code == 200, resp.json
    body: dict[str, Any] = resp.json
    return body


def test_event_joins_back_to_the_request(
    client: Any, employee_headers: dict[str, str], articles: list[Article]
) -> None:
    shown = suggest(client, employee_headers)
    item = shown["items"][0]
    resp = client.post(
        URL,
        json={
            "article_id": item["article_id"],
            "type": "opened",
            "request_id": shown["request_id"],
        },
        headers=employee_headers,
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["request_id"] == shown["request_id"]
    event = db.session.get(EngagementEvent, resp.json["id"])
    assert event is not None and event.type == "opened"


def test_dismissed_article_is_not_suggested_again(
    client: Any, employee_headers: dict[str, str], articles: list[Article]
) -> None:
    target = articles[0].id
    resp = client.post(
        URL, json={"article_id": target, "type": "dismissed"}, headers=employee_headers
    )
    assert resp.status_code == 201
    ids = [i["article_id"] for i in suggest(client, employee_headers)["items"]]
    assert target not in ids and ids


def test_shared_article_is_not_suggested_again(
    client: Any, employee_headers: dict[str, str], articles: list[Article]
) -> None:
    target = articles[1].id
    client.post(URL, json={"article_id": target, "type": "shared"}, headers=employee_headers)
    assert target not in [i["article_id"] for i in suggest(client, employee_headers)["items"]]


def test_unknown_article_is_404(client: Any, employee_headers: dict[str, str]) -> None:
    resp = client.post(
        URL, json={"article_id": 999_999, "type": "opened"}, headers=employee_headers
    )
    assert resp.status_code == 404
    assert resp.json["error"]["message"] == "article 999999 not found"


def test_someone_elses_request_id_is_422(
    client: Any, employee_headers: dict[str, str], make_employee: Any, articles: list[Article]
) -> None:
    other = make_employee()
    db.session.add(
        SuggestionImpression(
            request_id="r-of-someone-else",
            employee_id=other.id,
            article_id=articles[0].id,
            rank=0,
            score=1.0,
        )
    )
    db.session.commit()
    resp = client.post(
        URL,
        json={"article_id": articles[0].id, "type": "opened", "request_id": "r-of-someone-else"},
        headers=employee_headers,
    )
    assert resp.status_code == 422
    assert resp.json["error"]["message"] == "unknown request_id"
    assert resp.json["error"]["details"][0]["field"] == "request_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"article_id": 1, "type": "shown"}, "type"),
        ({"article_id": 1, "type": "liked"}, "type"),
        ({"article_id": 0, "type": "opened"}, "article_id"),
        ({"type": "opened"}, "article_id"),
        ({"article_id": 1, "type": "opened", "request_id": "x" * 37}, "request_id"),
    ],
)
def test_invalid_events_get_422(
    client: Any, employee_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    resp = client.post(URL, json=body, headers=employee_headers)
    assert resp.status_code == 422
    assert field in [d["field"] for d in resp.json["error"]["details"]]


def test_events_require_token(client: Any) -> None:
    assert client.post(URL, json={"article_id": 1, "type": "opened"}).status_code == 401


def test_cached_history_sees_a_new_event_and_a_deleted_one_at_once(
    app: Flask,
    client: Any,
    employee_headers: dict[str, str],
    articles: list[Article],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Served (not testing), a worker keeps each employee's history rows between requests; any
    change to their events reaches the very next suggestion."""
    monkeypatch.setattr(app, "testing", False)
    monkeypatch.setattr(svc, "_history_cache", LRUCache(maxsize=8))
    monkeypatch.setattr(svc, "_signal_cache", TTLCache(maxsize=8, ttl=60))
    target = articles[0].id
    client.post(
        URL, json={"article_id": articles[1].id, "type": "opened"}, headers=employee_headers
    )
    assert target in [i["article_id"] for i in suggest(client, employee_headers)["items"]]
    assert len(svc._history_cache) == 1  # read once, kept

    client.post(URL, json={"article_id": target, "type": "dismissed"}, headers=employee_headers)
    assert target not in [i["article_id"] for i in suggest(client, employee_headers)["items"]]

    db.session.execute(sa.delete(EngagementEvent).where(EngagementEvent.article_id == target))
    db.session.commit()
    assert target in [i["article_id"] for i in suggest(client, employee_headers)["items"]]


def test_history_weights_decay_and_sum_per_article(
    app: Flask,
    make_employee: Any,
    articles: list[Article],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """own_history's weights are the events' signed weights halving every HISTORY_HALF_LIFE_DAYS,
    summed per article, within the last HISTORY_DAYS; shares and dismissals are excluded; an
    event type with weight 0 adds nothing. Checked against the formula written out here, on a
    fresh read and on a worker's cached rows read for an earlier window."""
    import datetime as dt

    from recommender.columns import EVENT_WEIGHTS, HISTORY_HALF_LIFE_DAYS

    monkeypatch.setattr(app, "testing", False)
    monkeypatch.setattr(svc, "_history_cache", LRUCache(maxsize=8))
    me = make_employee()
    a, b = articles[0].id, articles[1].id
    now = utcnow()
    events = [  # (article, type, days ago)
        (a, "opened", 1.0),
        (a, "opened", 40.0),
        (a, "saved", 175.0),  # inside the window now, outside it 10 days later
        (a, "shown", 2.0),
        (b, "dismissed", 3.0),
        (b, "opened", 200.0),  # outside the window
    ]
    for article_id, kind, days in events:
        db.session.add(
            EngagementEvent(
                employee_id=me.id,
                article_id=article_id,
                type=kind,
                created_at=now - dt.timedelta(days=days),
            )
        )
    db.session.commit()

    def expected(at: dt.datetime) -> dict[int, float]:
        out: dict[int, float] = {}
        for article_id, kind, days in events:
            age = days + (at - now).total_seconds() / 86400
            if age > svc.HISTORY_DAYS or EVENT_WEIGHTS[kind] == 0:
                continue
            w = EVENT_WEIGHTS[kind] * 2.0 ** (-age / HISTORY_HALF_LIFE_DAYS)
            out[article_id] = out.get(article_id, 0.0) + w
        return out

    first = svc.own_history(me, now)
    assert first.exclude == {b}
    assert first.weights.keys() == expected(now).keys() == {a, b}
    for article_id, w in expected(now).items():
        assert first.weights[article_id] == pytest.approx(w, rel=1e-12)
    assert first.weights[b] < 0  # a dismissal counts against the article

    later = now + dt.timedelta(days=10)
    second = svc.own_history(me, later)  # the cached rows reach back further: filtered
    assert len(svc._history_cache) == 1
    want = expected(later)
    assert want[a] != pytest.approx(expected(now)[a])  # the saved event left the window
    for article_id, w in want.items():
        assert second.weights[article_id] == pytest.approx(w, rel=1e-12)
