"""Outbound webhooks: share.created, share.confirmed and conversion.created, HMAC-signed, retried
with backoff.

An event is *enqueued* as one ``WebhookDelivery`` row per subscribed webhook in the same
transaction as the write it reports, so an accepted share or conversion can never lose its event.
Delivery happens later, outside any request, on the task queue's worker (backend/tasks.py): the
commit queues ``deliver_webhook`` for each new delivery, which sends it (``deliver_one``) and
runs again when the next attempt is due; a sweep every minute (``deliver_due``) sends whatever is
due and has no task waiting (its message was lost). ``flask deliver-webhooks`` runs one sweep by
hand. Delivery is at-least-once; receivers de-duplicate on the ``X-Herald-Delivery`` header.

Attempt ``n`` (0-based) of a delivery is due ``RETRY_SCHEDULE[n]`` seconds after the delivery was
created; after the last one the delivery is marked ``failed``. Each attempt is claimed with a
conditional UPDATE on ``attempts``, so two workers never send the same attempt twice.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import delete, func, select, update

from backend import signing
from backend.errors import NotFound, ValidationFailed
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import OutboundWebhook, WebhookDelivery, utcnow
from backend.schemas.tracking import DeliveryQuery, WebhookCreate, WebhookUpdate
from backend.services import audit

log = logging.getLogger("herald.webhooks")

EVENTS = ("share.created", "share.confirmed", "conversion.created")
# Seconds after creation at which attempt n is due: now, 30 s, 2 min, 10 min, 30 min, 2 h, 6 h.
RETRY_SCHEDULE: tuple[int, ...] = (0, 30, 120, 600, 1800, 7200, 21600)
TIMEOUT_S = 5.0
USER_AGENT = "Herald-Webhooks/1"


def new_secret() -> str:
    return signing.new_secret("whsec_")


sign = signing.sign  # the same signature as inbound conversion webhooks (backend/signing.py)


# --- admin CRUD -------------------------------------------------------------------------------


def get_webhook(webhook_id: int) -> OutboundWebhook:
    hook = db.session.get(OutboundWebhook, webhook_id)
    if hook is None:
        raise NotFound(lazy_translate("error.webhooks.webhook_not_found", webhook_id=webhook_id))
    return hook


def list_webhooks() -> list[OutboundWebhook]:
    return list(db.session.scalars(select(OutboundWebhook).order_by(OutboundWebhook.id)))


# --- where a webhook may point ------------------------------------------------------------------
#
# A webhook makes the server send requests to an address an admin typed. Without a guard that is a
# way to reach what only the server can reach: the cloud metadata service (169.254.169.254), the
# database, an internal admin page. So receivers must be public addresses unless the deployment
# says otherwise (HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS=1, e.g. a CRM on the company network).
# The check runs when a webhook is saved (address literals, "localhost") and again at every
# delivery on the addresses the name resolves to then, and the connection goes to exactly the
# address that was checked, so a DNS answer that changes in between cannot slip past it.


class ReceiverNotAllowed(ValueError):
    """The receiver's address is in a private, loopback, link-local or otherwise internal range."""


def _private_allowed() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS"))


def _check_address(host: str, address: str) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        raise ReceiverNotAllowed(
            f"{host} is {ip}, an internal network address; webhooks go to public addresses "
            "unless HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS is set"
        )


def check_receiver_url(url: str) -> None:
    """Refuse a receiver URL whose host is an internal address literal or ``localhost``.

    Names are resolved at delivery time, not here: DNS can change after the webhook is saved.
    """
    if _private_allowed():
        return
    host = (urllib.parse.urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise ReceiverNotAllowed(
            f"{host} is this server; webhooks go to public addresses "
            "unless HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS is set"
        )
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return  # a name: checked on every delivery
    _check_address(host, host)


def _validated(url: str) -> None:
    try:
        check_receiver_url(url)
    except ReceiverNotAllowed as exc:
        raise ValidationFailed(
            lazy_translate("error.webhooks.webhook_receiver_address_not_allowed"),
            details=[{"field": "url", "message": str(exc), "type": "receiver_address"}],
        ) from None


def _resolve_receiver(url: str) -> tuple[str, int, str]:
    """(host, port, address to connect to) for ``url``, every resolved address checked."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise OSError(f"{host} did not resolve")
    if not _private_allowed():
        for address in addresses:
            _check_address(host, address)
    return host, port, addresses[0]


def _pinned(cls: type[http.client.HTTPConnection], address: str) -> Any:
    """A connection class for urllib that connects to ``address`` while still sending the URL's
    host in ``Host`` and, for HTTPS, in SNI and certificate checks."""

    def factory(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        conn = cls(host, **kwargs)

        def connect_to_checked_address(
            target: tuple[str, int], timeout: Any = None, source_address: Any = None
        ) -> socket.socket:
            return socket.create_connection((address, target[1]), timeout, source_address)

        conn._create_connection = connect_to_checked_address  # type: ignore[attr-defined]
        return conn

    return factory


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPSConnection, self.address), req)


def create_webhook(data: WebhookCreate, actor_id: int) -> OutboundWebhook:
    _validated(data.url)
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
    if "url" in changes:
        _validated(changes["url"])
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
        raise NotFound(lazy_translate("error.webhooks.delivery_not_found", delivery_id=delivery_id))
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


def enqueue_on(conn: sa.Connection, event: str, payloads: list[dict[str, Any]]) -> int:
    """:func:`enqueue` on a Core connection, inside the caller's transaction (the click writer
    has no ORM session). No task is queued at commit: the minute sweep (``deliver_due``) sends
    these deliveries. Returns how many deliveries were written."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; expected one of {', '.join(EVENTS)}")
    if not payloads:
        return 0
    hooks = conn.execute(
        select(OutboundWebhook.id, OutboundWebhook.events).where(OutboundWebhook.active.is_(True))
    ).all()
    now = utcnow()
    rows = [
        {"webhook_id": hook_id, "event": event, "payload": data, "created_at": now}
        for hook_id, events in hooks
        if event in (events or [])
        for data in payloads
    ]
    if rows:
        conn.execute(sa.insert(WebhookDelivery), rows)
    return len(rows)


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
        _host, _port, address = _resolve_receiver(hook_url)
        # No proxies: the checked address must be the peer.
        no_proxy = urllib.request.ProxyHandler({})
        opener = urllib.request.build_opener(
            no_proxy, _NoRedirect, _PinnedHTTP(address), _PinnedHTTPS(address)
        )
        with opener.open(req, timeout=timeout) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except ReceiverNotAllowed as exc:
        return str(exc)[:500]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= status < 300:
        return None
    return f"HTTP {status}"


def _attempt(
    row: WebhookDelivery, schedule: tuple[int, ...], timeout: float, report: DeliveryReport
) -> bool:
    """Claim and send ``row``'s current attempt; False when another worker claimed it first."""
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
        return False
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
    return True


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
    for row in [row for row in pending if _due_at(row, schedule) <= now][:limit]:
        _attempt(row, schedule, timeout, report)
    return report


def deliver_one(
    delivery_id: int,
    *,
    schedule: tuple[int, ...] = RETRY_SCHEDULE,
    timeout: float = TIMEOUT_S,
    report: DeliveryReport | None = None,
) -> float | None:
    """Send ``delivery_id``'s attempt if it is due; returns the seconds until its next attempt is
    due while it stays pending, None once it is delivered, failed or gone (inside an app context).
    """
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None or row.status != "pending":
        return None
    if _due_at(row, schedule) <= utcnow():
        _attempt(row, schedule, timeout, report or DeliveryReport())
        row = db.session.get(WebhookDelivery, delivery_id)
        if row is None:
            return None
        db.session.refresh(row)
        if row.status != "pending":
            return None
    return max((_due_at(row, schedule) - utcnow()).total_seconds(), 0.0)
