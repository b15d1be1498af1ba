"""Webhooks cannot be pointed at the server's own network unless the deployment allows it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import OutboundWebhook, WebhookDelivery
from backend.services import webhooks


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": False}  # the default, stated


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://LOCALHOST./hook",
        "http://api.localhost/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata service
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_internal_receivers_are_refused(
    client: Any, admin_headers: dict[str, str], url: str
) -> None:
    resp = client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["share.created"]}, headers=admin_headers
    )
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["code"] == "validation_error"
    (detail,) = resp.json["error"]["details"]
    assert detail["field"] == "url"
    assert "HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS" in detail["message"]
    assert db.session.scalars(select(OutboundWebhook)).all() == []


def test_public_receivers_are_accepted_and_updates_are_checked(
    client: Any, admin_headers: dict[str, str]
) -> None:
    resp = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.com/herald", "events": ["share.created"]},
        headers=admin_headers,
    )
    assert resp.status_code == 201, resp.json
    hook_id = resp.json["id"]
    resp = client.patch(
        f"/api/v1/webhooks/{hook_id}",
        json={"url": "http://169.254.169.254/"},
        headers=admin_headers,
    )
    assert resp.status_code == 422
    assert client.get(f"/api/v1/webhooks/{hook_id}", headers=admin_headers).json["url"] == (
        "https://hooks.example.com/herald"
    )


def test_a_name_that_resolves_inside_is_refused_at_delivery(app: Any, receiver: Any) -> None:
    """A saved name can resolve to an internal address later (or always did): the delivery is
    checked on the addresses it resolves to then, and nothing is sent."""
    port = receiver.url.split(":")[2].split("/")[0]
    hook = OutboundWebhook(
        # saved before the guard existed (or resolved differently then): a name, not a literal
        url=f"http://localhost:{port}/hook",
        secret=webhooks.new_secret(),
        events=["share.created"],
        active=True,
    )
    db.session.add(hook)
    db.session.commit()
    webhooks.enqueue("share.created", {"share_id": 1})
    db.session.commit()
    report = webhooks.deliver_due(schedule=(0, 3600))
    assert report.attempted == 1 and report.delivered == 0
    assert receiver.requests == []
    row = db.session.scalars(select(WebhookDelivery)).one()
    assert "internal network address" in row.last_error


def test_allowed_private_networks_still_connect_to_the_checked_address(
    app: Any, receiver: Any
) -> None:
    app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = True
    port = receiver.url.split(":")[2].split("/")[0]
    hook = OutboundWebhook(
        url=f"http://localhost:{port}/hook",
        secret=webhooks.new_secret(),
        events=["share.created"],
        active=True,
    )
    db.session.add(hook)
    db.session.commit()
    webhooks.enqueue("share.created", {"share_id": 1})
    db.session.commit()
    report = webhooks.deliver_due(schedule=(0, 3600))
    assert report.delivered == 1
    (received,) = receiver.requests
    assert received.headers["Host"] == f"localhost:{port}"
