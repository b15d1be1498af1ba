from __future__ import annotations

import json
import secrets
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Conversion, WebhookDelivery, WebhookNonce
from backend.services.conversions import sign


@pytest.fixture
def integration(client: Any, admin_headers: dict[str, str]) -> dict[str, Any]:
    resp = client.post("/api/v1/integrations", json={"name": "website"}, headers=admin_headers)
    assert resp.status_code == 201, resp.json
    return resp.json  # type: ignore[no-any-return]


@pytest.fixture
def tracked(
    client: Any, headers_for: Any, make_employee: Any, make_article: Any, make_campaign: Any
) -> Any:
    person = make_employee()
    campaign = make_campaign(slug="q4-leads")
    article = make_article(canonical_url="https://www.example.com/offer", campaign_id=campaign.id)
    code = client.post(
        "/api/v1/shares",
        json={"article_id": article.id, "network": "linkedin"},
        headers=headers_for(employee=person),
    ).json["code"]
    return code, person, article, campaign


def post_signed(
    client: Any,
    integration: dict[str, Any],
    payload: dict[str, Any] | bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    secret: str | None = None,
    ident: str | None = None,
    signature: str | None = None,
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": "application/json",
        "X-Herald-Integration": ident or str(integration["id"]),
        "X-Herald-Timestamp": str(ts),
        "X-Herald-Nonce": nonce or secrets.token_hex(12),
        "X-Herald-Signature": signature or sign(secret or integration["secret"], ts, body),
    }
    return client.post("/api/v1/conversions", data=body, headers=headers)


def test_signed_conversion_is_attributed(client: Any, integration: Any, tracked: Any) -> None:
    code, person, article, campaign = tracked
    resp = post_signed(
        client,
        integration,
        {"type": "sale", "code": code, "value": 1999.5, "currency": "EUR", "external_id": "o-1"},
    )
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert (body["employee_id"], body["article_id"], body["campaign_id"]) == (
        person.id,
        article.id,
        campaign.id,
    )
    assert (body["type"], body["value"], body["currency"]) == ("sale", 1999.5, "EUR")
    assert body["integration_id"] == integration["id"]


def test_attribution_by_utm_content_and_landing_url(
    client: Any, integration: Any, tracked: Any
) -> None:
    _, person, article, _ = tracked
    resp = post_signed(
        client,
        integration,
        {
            "type": "lead",
            "utm_content": person.public_ref,
            "utm_source": "linkedin",
            "article_url": "https://www.example.com/offer?utm_source=linkedin&utm_content=x",
        },
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["employee_id"] == person.id
    assert resp.json["article_id"] == article.id
    assert resp.json["link_id"] is not None


def test_integration_can_be_named_instead_of_numbered(
    client: Any, integration: Any, tracked: Any
) -> None:
    resp = post_signed(client, integration, {"type": "signup", "code": tracked[0]}, ident="website")
    assert resp.status_code == 201


def test_external_id_is_idempotent_per_integration(
    client: Any, integration: Any, tracked: Any
) -> None:
    payload = {"type": "lead", "code": tracked[0], "external_id": "crm-42"}
    now = int(time.time())
    first = post_signed(client, integration, payload, timestamp=now - 1)
    again = post_signed(client, integration, payload, timestamp=now)  # a retry, signed anew
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 1


def test_conversion_enqueues_its_webhook(
    client: Any, admin_headers: dict[str, str], integration: Any, tracked: Any
) -> None:
    client.post(
        "/api/v1/webhooks",
        json={"url": "https://crm.example.com/h", "events": ["conversion.created"]},
        headers=admin_headers,
    )
    resp = post_signed(client, integration, {"type": "sale", "code": tracked[0], "value": 10})
    row = db.session.scalars(select(WebhookDelivery)).one()
    assert row.event == "conversion.created"
    assert row.payload["conversion_id"] == resp.json["id"]
    assert row.payload["employee_ref"] == tracked[1].public_ref
    assert row.payload["campaign"] == "q4-leads"


def test_bad_signature_is_401(client: Any, integration: Any, tracked: Any) -> None:
    resp = post_signed(client, integration, {"type": "lead", "code": tracked[0]}, secret="wrong")
    assert resp.status_code == 401
    assert resp.json["error"]["message"] == "bad signature"
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 0


def test_tampered_body_is_401(client: Any, integration: Any, tracked: Any) -> None:
    ts = int(time.time())
    signed = json.dumps({"type": "lead", "code": tracked[0], "value": 1}).encode()
    sent = json.dumps({"type": "lead", "code": tracked[0], "value": 1000000}).encode()
    resp = post_signed(
        client, integration, sent, timestamp=ts, signature=sign(integration["secret"], ts, signed)
    )
    assert resp.status_code == 401


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_stale_or_future_timestamp_is_401(
    client: Any, integration: Any, tracked: Any, skew: int
) -> None:
    resp = post_signed(
        client, integration, {"type": "lead", "code": tracked[0]}, timestamp=int(time.time()) + skew
    )
    assert resp.status_code == 401
    assert "stale timestamp" in resp.json["error"]["message"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-Herald-Integration": ""}, "missing X-Herald-Integration header"),
        ({"X-Herald-Integration": "nobody"}, "unknown or inactive integration"),
        ({"X-Herald-Timestamp": "yesterday"}, "X-Herald-Timestamp must be Unix seconds"),
        ({"X-Herald-Nonce": "short"}, "X-Herald-Nonce must be 8 to 100 printable characters"),
        ({"X-Herald-Signature": ""}, "bad signature"),
    ],
)
def test_missing_or_malformed_auth_headers_are_401(
    client: Any, integration: Any, tracked: Any, headers: dict[str, str], message: str
) -> None:
    body = json.dumps({"type": "lead", "code": tracked[0]}).encode()
    ts = int(time.time())
    base = {
        "Content-Type": "application/json",
        "X-Herald-Integration": str(integration["id"]),
        "X-Herald-Timestamp": str(ts),
        "X-Herald-Nonce": secrets.token_hex(8),
        "X-Herald-Signature": sign(integration["secret"], ts, body),
    }
    resp = client.post("/api/v1/conversions", data=body, headers={**base, **headers})
    assert resp.status_code == 401
    assert resp.json["error"]["message"] == message


def test_inactive_integration_is_401(
    client: Any, admin_headers: dict[str, str], integration: Any, tracked: Any
) -> None:
    resp = client.patch(
        f"/api/v1/integrations/{integration['id']}", json={"active": False}, headers=admin_headers
    )
    assert resp.json["active"] is False
    resp = post_signed(client, integration, {"type": "lead", "code": tracked[0]})
    assert resp.status_code == 401


def test_reused_nonce_is_409(client: Any, integration: Any, tracked: Any) -> None:
    first = post_signed(client, integration, {"type": "lead", "code": tracked[0]}, nonce="n-123456")
    assert first.status_code == 201
    again = post_signed(
        client, integration, {"type": "signup", "code": tracked[0]}, nonce="n-123456"
    )
    assert again.status_code == 409
    assert "already used" in again.json["error"]["message"]


def test_replayed_request_with_a_fresh_nonce_is_409(
    client: Any, integration: Any, tracked: Any
) -> None:
    ts = int(time.time())
    body = json.dumps({"type": "lead", "code": tracked[0]}).encode()
    assert post_signed(client, integration, body, timestamp=ts).status_code == 201
    assert post_signed(client, integration, body, timestamp=ts).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 1


def test_nonces_are_per_integration(
    client: Any, admin_headers: dict[str, str], integration: Any, tracked: Any
) -> None:
    crm = client.post("/api/v1/integrations", json={"name": "crm"}, headers=admin_headers).json
    payload = {"type": "lead", "code": tracked[0]}
    assert post_signed(client, integration, payload, nonce="shared-nonce").status_code == 201
    assert post_signed(client, crm, payload, nonce="shared-nonce").status_code == 201


def test_invalid_body_does_not_burn_the_nonce(client: Any, integration: Any, tracked: Any) -> None:
    bad = post_signed(
        client, integration, {"type": "lead", "code": tracked[0], "value": -1}, nonce="n-abcdefg"
    )
    assert bad.status_code == 422
    good = post_signed(client, integration, {"type": "lead", "code": tracked[0]}, nonce="n-abcdefg")
    assert good.status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "refund", "code": "x"}, "type"),
        ({"type": "sale", "code": "x", "value": -0.01}, "value"),
        ({"type": "sale", "code": "x", "currency": "EURO"}, "currency"),
        ({"type": "sale", "code": "x", "currency": "XYZ"}, "currency"),
        ({"type": "sale"}, ""),
        ({"type": "sale", "code": "x", "occurred_at": "2025-01-01T10:00:00"}, "occurred_at"),
        ({"type": "sale", "code": "x", "extra": 1}, "extra"),
    ],
)
def test_conversion_validation(
    client: Any, integration: Any, payload: dict[str, Any], field: str
) -> None:
    resp = post_signed(client, integration, payload)
    assert resp.status_code == 422, resp.json
    assert field in [d["field"] for d in resp.json["error"]["details"]]


def test_signed_but_malformed_json_is_400(client: Any, integration: Any) -> None:
    assert post_signed(client, integration, b"{not json").status_code == 400


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "lead", "code": "NoSuchCode"},
        {"type": "lead", "utm_content": "nobody-ref"},
    ],
)
def test_unknown_code_or_reference_is_404(
    client: Any, integration: Any, payload: dict[str, Any]
) -> None:
    assert post_signed(client, integration, payload).status_code == 404


def test_unknown_landing_url_is_404(client: Any, integration: Any, tracked: Any) -> None:
    resp = post_signed(
        client,
        integration,
        {"type": "lead", "utm_content": tracked[1].public_ref, "article_url": "https://x.example/"},
    )
    assert resp.status_code == 404
    assert "no article registered" in resp.json["error"]["message"]


def test_old_nonces_are_pruned(client: Any, integration: Any, tracked: Any) -> None:
    import datetime as dt

    db.session.add(
        WebhookNonce(
            integration_id=integration["id"],
            nonce="n:ancient",
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        )
    )
    db.session.commit()
    post_signed(client, integration, {"type": "lead", "code": tracked[0]})
    nonces = db.session.scalars(select(WebhookNonce.nonce)).all()
    assert "n:ancient" not in nonces
    assert len(nonces) == 2  # this request's nonce and signature


# --- listing and integrations admin ------------------------------------------------------------


def test_content_role_lists_conversions(
    client: Any,
    content_headers: dict[str, str],
    employee_headers: dict[str, str],
    integration: Any,
    tracked: Any,
) -> None:
    post_signed(client, integration, {"type": "lead", "code": tracked[0]})
    post_signed(client, integration, {"type": "sale", "code": tracked[0], "value": 5})
    listed = client.get("/api/v1/conversions?type=sale", headers=content_headers)
    assert listed.status_code == 200
    assert [c["type"] for c in listed.json["items"]] == ["sale"]
    assert client.get("/api/v1/conversions", headers=content_headers).json["total"] == 2
    assert client.get("/api/v1/conversions", headers=employee_headers).status_code == 403


def test_integration_secret_is_shown_once(
    client: Any, admin_headers: dict[str, str], integration: Any
) -> None:
    assert integration["secret"].startswith("hcs_")
    listed = client.get("/api/v1/integrations", headers=admin_headers).json
    assert listed == [{k: v for k, v in integration.items() if k != "secret"}]
    one = client.get(f"/api/v1/integrations/{integration['id']}", headers=admin_headers).json
    assert "secret" not in one


def test_rotating_the_secret_invalidates_the_old_one(
    client: Any, admin_headers: dict[str, str], integration: Any, tracked: Any
) -> None:
    rotated = client.post(
        f"/api/v1/integrations/{integration['id']}/rotate-secret", headers=admin_headers
    ).json
    assert rotated["secret"] != integration["secret"]
    payload = {"type": "lead", "code": tracked[0]}
    assert post_signed(client, integration, payload).status_code == 401
    assert post_signed(client, rotated, payload).status_code == 201


def test_integration_admin_errors(
    client: Any, admin_headers: dict[str, str], content_headers: dict[str, str], integration: Any
) -> None:
    dup = client.post("/api/v1/integrations", json={"name": "website"}, headers=admin_headers)
    assert dup.status_code == 409
    bad = client.post("/api/v1/integrations", json={"name": "has spaces"}, headers=admin_headers)
    assert bad.status_code == 422
    assert client.get("/api/v1/integrations", headers=content_headers).status_code == 403
    assert client.get("/api/v1/integrations/9999", headers=admin_headers).status_code == 404
