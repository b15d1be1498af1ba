"""Admin: outbound webhooks (share.created, share.confirmed, conversion.created) and their
delivery log."""

from __future__ import annotations

from flask import Blueprint

from backend.auth import Principal
from backend.openapi import ADMIN_ONLY, endpoint
from backend.schemas.tracking import (
    DeliveryList,
    DeliveryOut,
    DeliveryQuery,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)
from backend.services import webhooks as svc

bp = Blueprint("webhooks", __name__)


@endpoint(
    bp,
    "/webhooks",
    method="POST",
    roles=ADMIN_ONLY,
    body=WebhookCreate,
    response=WebhookWithSecret,
    status=201,
    tags=["webhooks"],
)
def create_webhook(principal: Principal, body: WebhookCreate) -> WebhookWithSecret:
    """Subscribe a URL to events; the response shows the signing secret once."""
    return WebhookWithSecret.model_validate(svc.create_webhook(body, principal.employee_id))


@endpoint(bp, "/webhooks", roles=ADMIN_ONLY, response=list[WebhookOut], tags=["webhooks"])
def list_webhooks() -> list[WebhookOut]:
    """Outbound webhooks (secrets are never listed)."""
    return [WebhookOut.model_validate(r) for r in svc.list_webhooks()]


@endpoint(
    bp, "/webhooks/<int:webhook_id>", roles=ADMIN_ONLY, response=WebhookOut, tags=["webhooks"]
)
def get_webhook(webhook_id: int) -> WebhookOut:
    """One webhook (without its secret)."""
    return WebhookOut.model_validate(svc.get_webhook(webhook_id))


@endpoint(
    bp,
    "/webhooks/<int:webhook_id>",
    method="PATCH",
    roles=ADMIN_ONLY,
    body=WebhookUpdate,
    response=WebhookOut,
    tags=["webhooks"],
)
def update_webhook(principal: Principal, webhook_id: int, body: WebhookUpdate) -> WebhookOut:
    """Change the URL, the events or the active flag."""
    return WebhookOut.model_validate(svc.update_webhook(webhook_id, body, principal.employee_id))


@endpoint(
    bp,
    "/webhooks/<int:webhook_id>",
    method="DELETE",
    roles=ADMIN_ONLY,
    status=204,
    tags=["webhooks"],
)
def delete_webhook(principal: Principal, webhook_id: int) -> None:
    """Delete a webhook with its delivery log (pending deliveries are dropped)."""
    svc.delete_webhook(webhook_id, principal.employee_id)


@endpoint(
    bp,
    "/webhooks/<int:webhook_id>/rotate-secret",
    method="POST",
    roles=ADMIN_ONLY,
    response=WebhookWithSecret,
    tags=["webhooks"],
)
def rotate_webhook_secret(principal: Principal, webhook_id: int) -> WebhookWithSecret:
    """Replace the signing secret; shown once."""
    return WebhookWithSecret.model_validate(svc.rotate_secret(webhook_id, principal.employee_id))


@endpoint(
    bp,
    "/webhooks/<int:webhook_id>/deliveries",
    roles=ADMIN_ONLY,
    query=DeliveryQuery,
    response=DeliveryList,
    tags=["webhooks"],
)
def list_deliveries(webhook_id: int, query: DeliveryQuery) -> DeliveryList:
    """Deliveries of one webhook, newest first: status, attempts and the last error."""
    rows, total = svc.list_deliveries(webhook_id, query)
    return DeliveryList(
        items=[DeliveryOut.model_validate(r) for r in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@endpoint(
    bp,
    "/webhooks/deliveries/<int:delivery_id>/redeliver",
    method="POST",
    roles=ADMIN_ONLY,
    response=DeliveryOut,
    tags=["webhooks"],
)
def redeliver(principal: Principal, delivery_id: int) -> DeliveryOut:
    """Queue a delivery again from its first attempt (e.g. after fixing the receiver)."""
    return DeliveryOut.model_validate(svc.redeliver(delivery_id, principal.employee_id))
