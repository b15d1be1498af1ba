from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import EngagementEvent, Share, ShareEngagement, TrackedLink, WebhookDelivery


def _share(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/v1/shares", json=body, headers=headers)


def test_share_returns_a_tracked_link_and_records_the_event(
    client: Any, headers_for: Any, make_employee: Any, make_article: Any
) -> None:
    person = make_employee(network_size=1234)
    article = make_article()
    resp = _share(
        client,
        headers_for(employee=person),
        article_id=article.id,
        network="linkedin",
        caption="Worth a read",
        request_id="req-1",
    )
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["tracked_url"] == f"http://herald.test/r/{body['code']}"
    share = db.session.get(Share, body["share_id"])
    assert share is not None
    assert (share.employee_id, share.article_id, share.network) == (
        person.id,
        article.id,
        "linkedin",
    )
    assert share.network_size_at_share == 1234
    assert share.caption == "Worth a read"
    event = db.session.scalars(select(EngagementEvent)).one()
    assert (event.type, event.employee_id, event.request_id) == ("shared", person.id, "req-1")


def test_one_tracked_link_per_employee_article_and_network(
    client: Any, employee_headers: dict[str, str], make_article: Any
) -> None:
    article = make_article()
    first = _share(client, employee_headers, article_id=article.id, network="linkedin").json
    again = _share(client, employee_headers, article_id=article.id, network="linkedin").json
    other = _share(client, employee_headers, article_id=article.id, network="x").json
    assert first["tracked_url"] == again["tracked_url"]
    assert first["share_id"] != again["share_id"]
    assert other["tracked_url"] != first["tracked_url"]
    assert db.session.scalar(select(func.count()).select_from(TrackedLink)) == 2


def test_concurrent_first_shares_create_one_link(
    app: Any, headers_for: Any, make_employee: Any, make_article: Any
) -> None:
    person = make_employee()
    headers = headers_for(employee=person)
    article_id = make_article().id
    results: list[int] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post(
            "/api/v1/shares",
            json={"article_id": article_id, "network": "linkedin"},
            headers=headers,
        )
        results.append(resp.status_code)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [201] * 6
    assert db.session.scalar(select(func.count()).select_from(TrackedLink)) == 1
    assert db.session.scalar(select(func.count()).select_from(Share)) == 6


def test_idempotency_key_replays_the_first_response(
    client: Any, employee_headers: dict[str, str], make_article: Any
) -> None:
    article = make_article()
    headers = {**employee_headers, "Idempotency-Key": "share-abc-1"}
    first = _share(client, headers, article_id=article.id, network="linkedin")
    second = _share(client, headers, article_id=article.id, network="linkedin")
    assert first.status_code == second.status_code == 201
    assert second.json == first.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db.session.scalar(select(func.count()).select_from(Share)) == 1
    assert db.session.scalar(select(func.count()).select_from(EngagementEvent)) == 1


def test_idempotency_key_with_another_body_is_refused(
    client: Any, employee_headers: dict[str, str], make_article: Any
) -> None:
    article = make_article()
    headers = {**employee_headers, "Idempotency-Key": "share-abc-2"}
    assert _share(client, headers, article_id=article.id, network="linkedin").status_code == 201
    resp = _share(client, headers, article_id=article.id, network="x")
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "idempotency_key_reused"
    assert "different request body" in resp.json["error"]["message"]


def test_idempotency_keys_are_per_employee(
    client: Any, headers_for: Any, make_article: Any
) -> None:
    article = make_article()
    a = {**headers_for(), "Idempotency-Key": "same"}
    b = {**headers_for(), "Idempotency-Key": "same"}
    ra = _share(client, a, article_id=article.id, network="linkedin").json
    rb = _share(client, b, article_id=article.id, network="linkedin").json
    assert ra["share_id"] != rb["share_id"]


def test_concurrent_retries_with_one_key_make_one_share(
    app: Any, headers_for: Any, make_article: Any
) -> None:
    headers = {**headers_for(), "Idempotency-Key": "retry-storm"}
    article_id = make_article().id
    bodies: list[dict[str, Any]] = []
    barrier = threading.Barrier(5)

    def worker() -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post(
            "/api/v1/shares", json={"article_id": article_id, "network": "x"}, headers=headers
        )
        assert resp.status_code == 201
        bodies.append(resp.json)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(bodies) == 5
    assert all(b == bodies[0] for b in bodies)
    assert db.session.scalar(select(func.count()).select_from(Share)) == 1


@pytest.mark.parametrize("key", ["", "x" * 129, "bad\tkey", "nøgle"])
def test_bad_idempotency_key_is_400(
    client: Any, employee_headers: dict[str, str], make_article: Any, key: str
) -> None:
    article = make_article()
    headers = {**employee_headers, "Idempotency-Key": key}
    resp = _share(client, headers, article_id=article.id, network="linkedin")
    assert resp.status_code == 400
    assert "Idempotency-Key" in resp.json["error"]["message"]


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"status": "draft"}, 404, "not found"),
        ({"status": "archived"}, 409, "is archived"),
        ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, 409, "expired"),
    ],
)
def test_only_approved_unexpired_articles_can_be_shared(
    client: Any,
    employee_headers: dict[str, str],
    make_article: Any,
    fields: dict[str, Any],
    status: int,
    message: str,
) -> None:
    article = make_article(**fields)
    resp = _share(client, employee_headers, article_id=article.id, network="linkedin")
    assert resp.status_code == status
    assert message in resp.json["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Share)) == 0


def test_unknown_article_is_404(client: Any, employee_headers: dict[str, str]) -> None:
    resp = _share(client, employee_headers, article_id=999999, network="linkedin")
    assert resp.status_code == 404
    assert resp.json["error"]["message"] == "article 999999 not found"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"network": "myspace"}, "network"),
        ({"article_id": 0}, "article_id"),
        ({"caption": "x" * 3001}, "caption"),
        ({"request_id": "r" * 37}, "request_id"),
        ({"secret": 1}, "secret"),
    ],
)
def test_share_validation(
    client: Any,
    employee_headers: dict[str, str],
    make_article: Any,
    payload: dict[str, Any],
    field: str,
) -> None:
    body = {"article_id": make_article().id, "network": "linkedin", **payload}
    resp = client.post("/api/v1/shares", json=body, headers=employee_headers)
    assert resp.status_code == 422
    assert field in [d["field"] for d in resp.json["error"]["details"]]


def test_share_needs_a_token_and_json(client: Any, employee_headers: dict[str, str]) -> None:
    assert client.post("/api/v1/shares", json={}).status_code == 401
    resp = client.post("/api/v1/shares", data="a=b", headers=employee_headers)
    assert resp.status_code == 415
    resp = client.post(
        "/api/v1/shares",
        data="{nope",
        headers={**employee_headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400


def test_share_enqueues_the_webhook_in_the_same_transaction(
    client: Any,
    admin_headers: dict[str, str],
    headers_for: Any,
    make_employee: Any,
    make_article: Any,
    make_campaign: Any,
) -> None:
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.com/x", "events": ["share.created"]},
        headers=admin_headers,
    ).json
    person = make_employee(name="Sofie Secret")
    article = make_article(campaign_id=make_campaign(slug="q3-launch").id)
    resp = _share(client, headers_for(employee=person), article_id=article.id, network="x")
    row = db.session.scalars(select(WebhookDelivery)).one()
    assert (row.webhook_id, row.event, row.status) == (hook["id"], "share.created", "pending")
    assert row.payload["share_id"] == resp.json["share_id"]
    assert row.payload["employee_ref"] == person.public_ref
    assert row.payload["campaign"] == "q3-launch"
    assert "Sofie" not in str(row.payload)
    # A refused share queues nothing.
    archived = make_article(status="archived")
    _share(client, headers_for(employee=person), article_id=archived.id, network="x")
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


# --- engagement -------------------------------------------------------------------------------


def test_engagement_latest_wins_and_history_is_kept(
    client: Any, employee_headers: dict[str, str], make_article: Any
) -> None:
    share_id = _share(
        client, employee_headers, article_id=make_article().id, network="linkedin"
    ).json["share_id"]
    url = f"/api/v1/shares/{share_id}/engagement"
    first = client.post(
        url, json={"reactions": 5, "comments": 1, "reposts": 0}, headers=employee_headers
    )
    assert first.status_code == 201
    second = client.post(
        url, json={"reactions": 12, "comments": 3, "reposts": 2}, headers=employee_headers
    )
    assert second.json["reactions"] == 12
    mine = client.get("/api/v1/me/shares", headers=employee_headers).json
    assert mine["items"][0]["engagement"]["reactions"] == 12
    assert mine["items"][0]["engagement"]["reposts"] == 2
    assert db.session.scalar(select(func.count()).select_from(ShareEngagement)) == 2


def test_engagement_on_someone_elses_share_is_403(
    client: Any, headers_for: Any, make_article: Any
) -> None:
    owner = headers_for()
    share_id = _share(client, owner, article_id=make_article().id, network="x").json["share_id"]
    resp = client.post(
        f"/api/v1/shares/{share_id}/engagement",
        json={"reactions": 1, "comments": 0, "reposts": 0},
        headers=headers_for(),
    )
    assert resp.status_code == 403
    assert resp.json["error"]["message"] == f"share {share_id} belongs to another employee"


def test_engagement_on_unknown_share_is_404(client: Any, employee_headers: dict[str, str]) -> None:
    resp = client.post(
        "/api/v1/shares/424242/engagement",
        json={"reactions": 1, "comments": 0, "reposts": 0},
        headers=employee_headers,
    )
    assert resp.status_code == 404


@pytest.mark.parametrize("field", ["reactions", "comments", "reposts"])
def test_negative_engagement_is_422(
    client: Any, employee_headers: dict[str, str], make_article: Any, field: str
) -> None:
    share_id = _share(client, employee_headers, article_id=make_article().id, network="x").json[
        "share_id"
    ]
    body = {"reactions": 1, "comments": 1, "reposts": 1, field: -1}
    resp = client.post(f"/api/v1/shares/{share_id}/engagement", json=body, headers=employee_headers)
    assert resp.status_code == 422
    assert resp.json["error"]["details"][0]["field"] == field


def test_my_shares_lists_only_mine(client: Any, headers_for: Any, make_article: Any) -> None:
    me, other = headers_for(), headers_for()
    article = make_article(title="Quarterly results")
    _share(client, me, article_id=article.id, network="linkedin")
    _share(client, other, article_id=article.id, network="linkedin")
    mine = client.get("/api/v1/me/shares", headers=me).json
    assert mine["total"] == 1
    item = mine["items"][0]
    assert item["article_title"] == "Quarterly results"
    assert item["clicks"] == 0
    assert item["engagement"] is None


# --- profile snapshots ------------------------------------------------------------------------


def test_snapshot_needs_consent(client: Any, employee_headers: dict[str, str]) -> None:
    resp = client.post(
        "/api/v1/me/snapshots", json={"connections": 10, "followers": 20}, headers=employee_headers
    )
    assert resp.status_code == 403
    assert "profile_snapshots" in resp.json["error"]["message"]


def test_snapshot_updates_network_size(client: Any, headers_for: Any, make_employee: Any) -> None:
    person = make_employee(consents={"profile_snapshots": True}, network_size=10)
    headers = headers_for(employee=person)
    resp = client.post(
        "/api/v1/me/snapshots",
        json={"connections": 800, "followers": 950, "profile_views": 40},
        headers=headers,
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["followers"] == 950
    assert client.get("/api/v1/me", headers=headers).json["network_size"] == 950
    listed = client.get("/api/v1/me/snapshots", headers=headers).json["items"]
    assert [s["connections"] for s in listed] == [800]
    other = client.get("/api/v1/me/snapshots", headers=headers_for()).json["items"]
    assert other == []


@pytest.mark.parametrize(
    "payload",
    [
        {"connections": -1, "followers": 1},
        {"connections": 1, "followers": -5},
        {"connections": 1, "followers": 1, "profile_views": -1},
        {"followers": 1},
    ],
)
def test_snapshot_validation(
    client: Any, headers_for: Any, make_employee: Any, payload: dict[str, Any]
) -> None:
    person = make_employee(consents={"profile_snapshots": True})
    resp = client.post("/api/v1/me/snapshots", json=payload, headers=headers_for(employee=person))
    assert resp.status_code == 422


def test_oversized_body_is_413(client: Any, employee_headers: dict[str, str]) -> None:
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    body = '{"article_id": 1, "network": "x", "caption": "' + "x" * limit + '"}'
    resp = client.post(
        "/api/v1/shares",
        data=body,
        headers={**employee_headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "payload_too_large"
