from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
from typing import Any

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import WebhookDelivery
from backend.services import webhooks


@pytest.fixture
def hook(client: Any, admin_headers: dict[str, str], receiver: Any) -> dict[str, Any]:
    resp = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["share.created", "conversion.created"]},
        headers=admin_headers,
    )
    assert resp.status_code == 201, resp.json
    return resp.json  # type: ignore[no-any-return]


@pytest.fixture
def shared(client: Any, employee_headers: dict[str, str], make_article: Any) -> Any:
    def _share() -> dict[str, Any]:
        resp = client.post(
            "/api/v1/shares",
            json={"article_id": make_article().id, "network": "linkedin"},
            headers=employee_headers,
        )
        assert resp.status_code == 201
        return resp.json  # type: ignore[no-any-return]

    return _share


def _deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_share_created_is_delivered_signed(hook: Any, receiver: Any, shared: Any) -> None:
    share = shared()
    report = webhooks.deliver_due()
    assert (report.attempted, report.delivered) == (1, 1)
    (got,) = receiver.requests
    body = receiver.json(0)
    assert body["event"] == "share.created"
    assert body["data"]["share_id"] == share["share_id"]
    assert body["data"]["tracked_url"] == share["tracked_url"]
    assert got.headers["X-Herald-Event"] == "share.created"
    assert got.headers["X-Herald-Delivery"] == str(body["id"])
    ts = got.headers["X-Herald-Timestamp"]
    expected = hmac.new(
        hook["secret"].encode(), ts.encode() + b"." + got.body, hashlib.sha256
    ).hexdigest()
    assert got.headers["X-Herald-Signature"] == "sha256=" + expected
    (row,) = _deliveries()
    assert (row.status, row.attempts, row.last_error) == ("delivered", 1, "")
    assert row.delivered_at is not None
    # Nothing left to send.
    assert webhooks.deliver_due().attempted == 0


def test_failed_delivery_is_retried_with_backoff(hook: Any, receiver: Any, shared: Any) -> None:
    receiver.statuses = [500]
    shared()
    assert webhooks.deliver_due().retrying == 1
    (row,) = _deliveries()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 500")
    assert webhooks.deliver_due().attempted == 0  # the next attempt is not due yet
    later = row.created_at + dt.timedelta(seconds=webhooks.RETRY_SCHEDULE[1] + 1)
    assert webhooks.deliver_due(now=later).delivered == 1
    assert len(receiver.requests) == 2
    assert receiver.json(0)["id"] == receiver.json(1)["id"]  # same delivery id: receivers dedupe


def test_delivery_gives_up_after_the_schedule(hook: Any, receiver: Any, shared: Any) -> None:
    receiver.statuses = [503, 503, 503]
    shared()
    schedule = (0, 0, 0)
    reports = [webhooks.deliver_due(schedule=schedule) for _ in range(4)]
    assert [r.attempted for r in reports] == [1, 1, 1, 0]
    (row,) = _deliveries()
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "HTTP 503")


def test_redirects_and_unreachable_receivers_are_failures(
    client: Any, admin_headers: dict[str, str], receiver: Any, shared: Any
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed_port = sock.getsockname()[1]
    sock.close()
    for url in (receiver.url, f"http://127.0.0.1:{closed_port}/hook"):
        client.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["share.created"]},
            headers=admin_headers,
        )
    receiver.statuses = [302]
    shared()
    report = webhooks.deliver_due(timeout=2)
    assert (report.attempted, report.retrying) == (2, 2)
    errors = sorted(r.last_error for r in _deliveries())
    assert errors[0] == "HTTP 302"
    assert "Connection refused" in errors[1] or "URLError" in errors[1]


def test_only_active_subscribed_webhooks_get_events(
    client: Any, admin_headers: dict[str, str], receiver: Any, shared: Any
) -> None:
    conv = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["conversion.created"]},
        headers=admin_headers,
    ).json
    off = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["share.created"], "active": False},
        headers=admin_headers,
    ).json
    shared()
    assert _deliveries() == []
    assert conv["events"] == ["conversion.created"] and off["active"] is False


def test_deactivated_webhook_fails_its_pending_deliveries(
    client: Any, admin_headers: dict[str, str], hook: Any, receiver: Any, shared: Any
) -> None:
    shared()
    client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}, headers=admin_headers)
    assert webhooks.deliver_due().failed == 1
    assert receiver.requests == []


def test_cli_delivers(app: Any, runner: Any, hook: Any, receiver: Any, shared: Any) -> None:
    shared()
    result = runner.invoke(args=["deliver-webhooks"])
    assert result.exit_code == 0, result.output
    assert "attempted 1, delivered 1, retrying 0, failed 0" in result.output
    assert len(receiver.requests) == 1


# --- admin API --------------------------------------------------------------------------------


def test_webhook_admin_crud(
    client: Any, admin_headers: dict[str, str], hook: Any, receiver: Any, shared: Any
) -> None:
    assert hook["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks", headers=admin_headers).json
    assert [w["id"] for w in listed] == [hook["id"]] and "secret" not in listed[0]
    got = client.get(f"/api/v1/webhooks/{hook['id']}", headers=admin_headers).json
    assert "secret" not in got
    patched = client.patch(
        f"/api/v1/webhooks/{hook['id']}",
        json={"events": ["share.created", "share.created"]},
        headers=admin_headers,
    ).json
    assert patched["events"] == ["share.created"]
    rotated = client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=admin_headers
    ).json
    assert rotated["secret"] != hook["secret"]

    receiver.statuses = [500]
    shared()
    webhooks.deliver_due(schedule=(0,))
    deliveries = client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries?status=failed", headers=admin_headers
    ).json
    assert deliveries["total"] == 1 and deliveries["items"][0]["last_error"] == "HTTP 500"
    again = client.post(
        f"/api/v1/webhooks/deliveries/{deliveries['items'][0]['id']}/redeliver",
        headers=admin_headers,
    ).json
    assert (again["status"], again["attempts"]) == ("pending", 0)
    assert webhooks.deliver_due().delivered == 1
    # The redelivery is signed with the rotated secret.
    last = receiver.requests[-1]
    mac = hmac.new(
        rotated["secret"].encode(),
        last.headers["X-Herald-Timestamp"].encode() + b"." + last.body,
        hashlib.sha256,
    ).hexdigest()
    assert last.headers["X-Herald-Signature"] == "sha256=" + mac
    assert json.loads(last.body)["event"] == "share.created"

    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin_headers).status_code == 204
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=admin_headers).status_code == 404
    assert _deliveries() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "ftp://x.example/", "events": ["share.created"]}, "url"),
        ({"url": "https://x.example/", "events": ["article.deleted"]}, "events.0"),
        ({"url": "https://x.example/", "events": []}, "events"),
    ],
)
def test_webhook_validation(
    client: Any, admin_headers: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    resp = client.post("/api/v1/webhooks", json=payload, headers=admin_headers)
    assert resp.status_code == 422
    assert field in [d["field"] for d in resp.json["error"]["details"]]


def test_webhooks_are_admin_only(
    client: Any, content_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    assert client.get("/api/v1/webhooks", headers=content_headers).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 401
    assert client.get("/api/v1/webhooks/77", headers=admin_headers).status_code == 404
    assert client.get("/api/v1/webhooks/77/deliveries", headers=admin_headers).status_code == 404
    resp = client.post("/api/v1/webhooks/deliveries/77/redeliver", headers=admin_headers)
    assert resp.status_code == 404


def test_enqueue_rejects_unknown_events(app: Any) -> None:
    with pytest.raises(ValueError, match="unknown webhook event 'share.deleted'"):
        webhooks.enqueue("share.deleted", {})
