"""Outbound webhooks: share.created and conversion.created, HMAC-signed, retried with backoff.

An event is *enqueued* as one ``WebhookDelivery`` row per subscribed webhook in the same
transaction as the write it reports, so an accepted share or conversion can never lose its event.
Delivery happens later, outside any request: ``flask deliver-webhooks`` (once, or ``--loop`` as a
worker process) or an in-process thread (``start_worker``). Delivery is at-least-once; receivers
de-duplicate on the ``X-Herald-Delivery`` header.

Attempt ``n`` (0-based) of a delivery is due ``RETRY_SCHEDULE[n]`` seconds after the delivery was
created; after the last one the delivery is marked ``failed``. Each attempt is claimed with a
conditional UPDATE on ``attempts``, so two workers never send the same attempt twice.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask
from sqlalchemy import delete, func, select, update

from backend.errors import NotFound
from backend.extensions import db
from backend.models import OutboundWebhook, WebhookDelivery, utcnow
from backend.schemas.tracking import DeliveryQuery, WebhookCreate, WebhookUpdate
from backend.services import audit

log = logging.getLogger("herald.webhooks")

EVENTS = ("share.created", "conversion.created")
# Seconds after creation at which attempt n is due: now, 30 s, 2 min, 10 min, 30 min, 2 h, 6 h.
RETRY_SCHEDULE: tuple[int, ...] = (0, 30, 120, 600, 1800, 7200, 21600)
TIMEOUT_S = 5.0
USER_AGENT = "Herald-Webhooks/1"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, f"{timestamp}." + body), as for inbound requests."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, "sha256")
    return "sha256=" + mac.hexdigest()


# --- admin CRUD -------------------------------------------------------------------------------


def get_webhook(webhook_id: int) -> OutboundWebhook:
    hook = db.session.get(OutboundWebhook, webhook_id)
    if hook is None:
        raise NotFound(f"webhook {webhook_id} not found")
    return hook


def list_webhooks() -> list[OutboundWebhook]:
    return list(db.session.scalars(select(OutboundWebhook).order_by(OutboundWebhook.id)))


def create_webhook(data: WebhookCreate, actor_id: int) -> OutboundWebhook:
    hook = OutboundWebhook(
        url=data.url, secret=new_secret(), events=sorted(set(data.events)), active=data.active
    )
    db.session.add(hook)
    db.session.flush()
    audit.record(actor_id, "webhook.create", "webhook", hook.id, url=hook.url, events=hook.events)
    db.session.commit()
    return hook


def update_webhook(webhook_id: int, data: WebhookUpdate, actor_id: int) -> OutboundWebhook:
    hook = get_webhook(webhook_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "events" in changes:
        changes["events"] = sorted(set(changes["events"]))
    for key, value in changes.items():
        setattr(hook, key, value)
    audit.record(actor_id, "webhook.update", "webhook", hook.id, fields=sorted(changes))
    db.session.commit()
    return hook


def rotate_secret(webhook_id: int, actor_id: int) -> OutboundWebhook:
    hook = get_webhook(webhook_id)
    hook.secret = new_secret()
    audit.record(actor_id, "webhook.rotate_secret", "webhook", hook.id)
    db.session.commit()
    return hook


def delete_webhook(webhook_id: int, actor_id: int) -> None:
    """Delete a webhook and its delivery history (pending deliveries are dropped with it)."""
    hook = get_webhook(webhook_id)
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
    db.session.delete(hook)
    audit.record(actor_id, "webhook.delete", "webhook", webhook_id, url=hook.url)
    db.session.commit()


def list_deliveries(webhook_id: int, q: DeliveryQuery) -> tuple[list[WebhookDelivery], int]:
    get_webhook(webhook_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if q.status:
        stmt = stmt.where(WebhookDelivery.status == q.status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.order_by(WebhookDelivery.id.desc()).limit(q.limit).offset(q.offset)
    ).all()
    return list(rows), total


def redeliver(delivery_id: int, actor_id: int) -> WebhookDelivery:
    """Queue a failed (or delivered) delivery again, from attempt zero."""
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound(f"delivery {delivery_id} not found")
    row.status, row.attempts, row.created_at, row.delivered_at = "pending", 0, utcnow(), None
    audit.record(actor_id, "webhook.redeliver", "webhook_delivery", row.id)
    db.session.commit()
    return row


# --- enqueue (inside the caller's transaction) -----------------------------------------------


def enqueue(event: str, data: dict[str, Any]) -> int:
    """Add one pending delivery per active webhook subscribed to ``event``; the caller commits.

    Returns how many deliveries were queued.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; expected one of {', '.join(EVENTS)}")
    hooks = db.session.scalars(
        select(OutboundWebhook).where(OutboundWebhook.active.is_(True))
    ).all()
    queued = 0
    for hook in hooks:
        if event in (hook.events or []):
            db.session.add(WebhookDelivery(webhook_id=hook.id, event=event, payload=data))
            queued += 1
    return queued


# --- delivery -------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: never follow a receiver somewhere else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _due_at(row: WebhookDelivery, schedule: tuple[int, ...]) -> dt.datetime:
    return row.created_at + dt.timedelta(seconds=schedule[min(row.attempts, len(schedule) - 1)])


def _post(hook_url: str, secret: str, row: WebhookDelivery, timeout: float) -> str | None:
    """POST one delivery; returns None on a 2xx answer, else a short error text."""
    body = json.dumps(
        {
            "id": row.id,
            "event": row.event,
            "created_at": row.created_at.isoformat(),
            "data": row.payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")
    timestamp = int(time.time())
    req = urllib.request.Request(
        hook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Herald-Event": row.event,
            "X-Herald-Delivery": str(row.id),
            "X-Herald-Timestamp": str(timestamp),
            "X-Herald-Signature": sign(secret, timestamp, body),
        },
    )
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= status < 300:
        return None
    return f"HTTP {status}"


def deliver_due(
    *,
    now: dt.datetime | None = None,
    limit: int = 100,
    schedule: tuple[int, ...] = RETRY_SCHEDULE,
    timeout: float = TIMEOUT_S,
) -> DeliveryReport:
    """Send every pending delivery whose next attempt is due (inside an app context)."""
    now = now or utcnow()
    report = DeliveryReport()
    pending = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "pending")
        .order_by(WebhookDelivery.id)
        .limit(limit * 5)
    ).all()
    due = [row for row in pending if _due_at(row, schedule) <= now][:limit]
    for row in due:
        delivery_id, attempts = row.id, row.attempts
        claimed = db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.attempts == attempts,
            )
            .values(attempts=attempts + 1)
        )
        db.session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker took this attempt
        row = db.session.get_one(WebhookDelivery, delivery_id)
        hook = db.session.get(OutboundWebhook, row.webhook_id)
        report.attempted += 1
        if hook is None or not hook.active:
            error: str | None = "webhook deactivated"
        else:
            error = _post(hook.url, hook.secret, row, timeout)
        if error is None:
            row.status, row.delivered_at, row.last_error = "delivered", utcnow(), ""
            report.delivered += 1
        elif row.attempts >= len(schedule) or error == "webhook deactivated":
            row.status, row.last_error = "failed", error
            report.failed += 1
            log.warning("webhook delivery %s failed for good: %s", row.id, error)
        else:
            row.last_error = error
            report.retrying += 1
        db.session.commit()
    return report


def start_worker(app: Flask, interval: float = 5.0) -> tuple[threading.Thread, threading.Event]:
    """Deliver in a daemon thread of this process; set the returned event to stop it."""
    stop = threading.Event()

    def _run() -> None:
        while not stop.is_set():
            try:
                with app.app_context():
                    deliver_due()
                    db.session.remove()
            except Exception:  # noqa: BLE001 - a delivery loop must survive a bad iteration
                log.exception("webhook delivery loop failed; retrying")
            stop.wait(interval)

    thread = threading.Thread(target=_run, name="herald-webhooks", daemon=True)
    thread.start()
    return thread, stop


def register_cli(app: Flask) -> None:
    @app.cli.command("deliver-webhooks")
    @click.option("--loop", is_flag=True, help="Keep delivering until interrupted (a worker).")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
    def deliver_webhooks(loop: bool, interval: float) -> None:
        """Send due outbound webhook deliveries (retries with backoff; at-least-once)."""
        while True:
            report = deliver_due()
            click.echo(
                f"attempted {report.attempted}, delivered {report.delivered}, "
                f"retrying {report.retrying}, failed {report.failed}"
            )
            if not loop:
                return
            time.sleep(interval)
