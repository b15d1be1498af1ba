"""Integrations (a website or CRM with a shared secret) and the signed conversion webhook.

Signature: ``X-Herald-Signature: sha256=<hex>``, hex = HMAC-SHA256(secret, f"{timestamp}." + body),
where ``timestamp`` is the ``X-Herald-Timestamp`` header (Unix seconds). A request is accepted only
within ``REPLAY_WINDOW`` of our clock; its ``X-Herald-Nonce`` and its signature are both single-use
per integration (the signature too, because the nonce header is not part of the signed text: a
captured request replayed with a fresh nonce is still refused).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from backend import signing
from backend.errors import Conflict, NotFound, Unauthorized
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import (
    Article,
    Campaign,
    Conversion,
    Employee,
    Integration,
    TrackedLink,
    WebhookNonce,
    utcnow,
)
from backend.schemas.tracking import (
    ConversionIn,
    ConversionOut,
    ConversionQuery,
    IntegrationCreate,
)
from backend.services import audit, webhooks, works_council

REPLAY_WINDOW = dt.timedelta(minutes=5)
MAX_TIMESTAMP_DIGITS = 11  # Unix seconds up to the year 5138: more is no clock, it is a probe


def new_secret() -> str:
    return signing.new_secret("hcs_")


# --- integrations (admin) ---------------------------------------------------------------------


def get_integration(integration_id: int) -> Integration:
    row = db.session.get(Integration, integration_id)
    if row is None:
        raise NotFound(
            lazy_translate("error.conversions.integration_not_found", integration_id=integration_id)
        )
    return row


def list_integrations() -> list[Integration]:
    return list(db.session.scalars(select(Integration).order_by(Integration.id)))


def create_integration(data: IntegrationCreate, actor_id: int) -> Integration:
    if db.session.scalar(select(Integration.id).where(Integration.name == data.name)) is not None:
        raise Conflict(
            lazy_translate("error.conversions.integration_named_already_exists", name=data.name)
        )
    row = Integration(name=data.name, secret=new_secret(), active=True)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            lazy_translate("error.conversions.integration_named_already_exists", name=data.name)
        ) from None
    audit.record(actor_id, "integration.create", "integration", row.id, name=row.name)
    db.session.commit()
    return row


def set_integration_active(integration_id: int, active: bool, actor_id: int) -> Integration:
    row = get_integration(integration_id)
    row.active = active
    audit.record(actor_id, "integration.update", "integration", row.id, active=active)
    db.session.commit()
    return row


def rotate_integration_secret(integration_id: int, actor_id: int) -> Integration:
    row = get_integration(integration_id)
    row.secret = new_secret()
    audit.record(actor_id, "integration.rotate_secret", "integration", row.id)
    db.session.commit()
    return row


# --- signature --------------------------------------------------------------------------------


sign = signing.sign  # re-exported: integrations' tests and docs sign with it


@dataclass(frozen=True)
class SignedRequest:
    integration_id: str  # the header: an id or a name
    timestamp: str
    nonce: str
    signature: str
    body: bytes


def verify(req: SignedRequest, now: dt.datetime | None = None) -> Integration:
    """The integration that signed ``req``, or Unauthorized (one vague message for every cause)."""
    now = now or utcnow()
    challenge = {"WWW-Authenticate": 'HMAC realm="herald-conversions"'}
    ident = req.integration_id.strip()
    if not ident:
        raise Unauthorized(
            lazy_translate("error.conversions.missing_x_herald_integration_header"),
            headers=challenge,
        )
    if ident.isascii() and ident.isdigit():
        number = int(ident)
        integration = db.session.get(Integration, number) if number < 2**31 else None
    else:
        integration = db.session.scalar(select(Integration).where(Integration.name == ident))
    if integration is None or not integration.active:
        raise Unauthorized(
            lazy_translate("error.conversions.unknown_inactive_integration"), headers=challenge
        )
    stamp = req.timestamp.strip()
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > MAX_TIMESTAMP_DIGITS:
        raise Unauthorized(
            lazy_translate("error.conversions.x_herald_timestamp_must_unix"), headers=challenge
        )
    sent = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    if abs(now - sent) > REPLAY_WINDOW:
        raise Unauthorized(
            lazy_translate("error.conversions.stale_timestamp"),
            headers=challenge,
        )
    if not 8 <= len(req.nonce) <= 100 or not req.nonce.isprintable():
        raise Unauthorized(
            lazy_translate("error.conversions.x_herald_nonce_must_8"), headers=challenge
        )
    expected = sign(integration.secret, stamp, req.body)
    if not signing.signature_matches(expected, req.signature):
        raise Unauthorized(lazy_translate("error.conversions.bad_signature"), headers=challenge)
    return integration


def _consume_nonce(integration: Integration, nonce: str, signature: str, now: dt.datetime) -> None:
    """Mark the nonce and the signature used (caller's transaction); 409 if either was seen."""
    db.session.execute(
        delete(WebhookNonce).where(
            WebhookNonce.integration_id == integration.id,
            WebhookNonce.created_at < now - 2 * REPLAY_WINDOW,
        )
    )
    db.session.add(WebhookNonce(integration_id=integration.id, nonce="n:" + nonce, created_at=now))
    db.session.add(
        WebhookNonce(
            integration_id=integration.id,
            nonce="s:" + signature.strip().removeprefix(signing.SIGNATURE_PREFIX)[:64],
            created_at=now,
        )
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(lazy_translate("error.conversions.nonce_reused")) from None


# --- conversions ------------------------------------------------------------------------------


def _strip_tracking(url: str) -> str:
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_")
    ]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


@dataclass
class Attribution:
    link_id: int | None
    employee_id: int
    article_id: int | None
    campaign_id: int | None


def attribute(data: ConversionIn) -> Attribution:
    """Employee, article and campaign behind a conversion; 404 for an unknown code/ref/article."""
    if data.code is not None:
        link = db.session.scalar(select(TrackedLink).where(TrackedLink.code == data.code))
        if link is None:
            raise NotFound(
                lazy_translate("error.conversions.tracked_link_not_found", code=data.code)
            )
        article = db.session.get_one(Article, link.article_id)
        return Attribution(link.id, link.employee_id, article.id, article.campaign_id)
    employee_id = db.session.scalar(
        select(Employee.id).where(Employee.public_ref == data.utm_content)
    )
    if employee_id is None:
        raise NotFound(
            lazy_translate("error.conversions.no_employee_reference", utm_content=data.utm_content)
        )
    if data.article_url is None:
        return Attribution(None, employee_id, None, None)
    url = _strip_tracking(data.article_url)
    article_row = db.session.scalar(
        select(Article).where(Article.canonical_url.in_({url, data.article_url}))
    )
    if article_row is None:
        raise NotFound(lazy_translate("error.conversions.no_article_registered_url", url=url))
    links = select(TrackedLink.id).where(
        TrackedLink.employee_id == employee_id, TrackedLink.article_id == article_row.id
    )
    if data.utm_source is not None:
        links = links.where(TrackedLink.network == data.utm_source)
    link_id = db.session.scalar(links.order_by(TrackedLink.id).limit(1))
    return Attribution(link_id, employee_id, article_row.id, article_row.campaign_id)


def record_conversion(
    integration: Integration, req: SignedRequest, data: ConversionIn, now: dt.datetime | None = None
) -> tuple[Conversion, bool]:
    """Store a conversion ``verify`` accepted; returns (row, created).

    A repeated external_id (per integration) returns the stored row instead of a duplicate.
    """
    now = now or utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        # Serialise this integration's conversions so the external_id check below is race-free
        # (SQLite already has one writer at a time, and the nonce INSERT takes that lock first).
        db.session.execute(
            select(Integration.id).where(Integration.id == integration.id).with_for_update()
        )
    _consume_nonce(integration, req.nonce, req.signature, now)
    where = attribute(data)
    if data.external_id is not None:
        existing = db.session.scalar(
            select(Conversion).where(
                Conversion.integration_id == integration.id,
                Conversion.external_id == data.external_id,
            )
        )
        if existing is not None:
            db.session.commit()  # the nonce stays used
            return existing, False
    row = Conversion(
        integration_id=integration.id,
        link_id=where.link_id,
        employee_id=where.employee_id,
        article_id=where.article_id,
        campaign_id=where.campaign_id,
        type=data.type,
        value=data.value,
        currency=data.currency,
        external_id=data.external_id,
        occurred_at=data.occurred_at or now,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    employee_ref = db.session.scalar(
        select(Employee.public_ref).where(Employee.id == where.employee_id)
    )
    campaign_slug = (
        db.session.scalar(select(Campaign.slug).where(Campaign.id == where.campaign_id))
        if where.campaign_id
        else None
    )
    webhooks.enqueue(
        "conversion.created",
        {
            "conversion_id": row.id,
            "integration": integration.name,
            "type": row.type,
            "value": row.value,
            "currency": row.currency,
            "external_id": row.external_id,
            "employee_ref": employee_ref,
            "article_id": row.article_id,
            "campaign": campaign_slug,
            "occurred_at": row.occurred_at.isoformat(),
        },
    )
    db.session.commit()
    return row, True


def list_conversions(q: ConversionQuery) -> tuple[list[ConversionOut], int]:
    """Conversions, newest first. Works-council mode: no filter by employee (403), and each
    conversion's employee and tracked link (which names its sharer) are left out."""
    council = works_council.works_council()
    if q.employee_id is not None:
        works_council.require_per_person("conversions by employee", council)
    stmt = select(Conversion)
    if q.start is not None:
        stmt = stmt.where(Conversion.occurred_at >= q.start)
    if q.end is not None:
        stmt = stmt.where(Conversion.occurred_at < q.end)
    if q.type is not None:
        stmt = stmt.where(Conversion.type == q.type)
    if q.employee_id is not None:
        stmt = stmt.where(Conversion.employee_id == q.employee_id)
    if q.article_id is not None:
        stmt = stmt.where(Conversion.article_id == q.article_id)
    if q.campaign_id is not None:
        stmt = stmt.where(Conversion.campaign_id == q.campaign_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.order_by(Conversion.occurred_at.desc(), Conversion.id.desc())
        .limit(q.limit)
        .offset(q.offset)
    ).all()
    out = [ConversionOut.model_validate(r) for r in rows]
    if council.enabled:
        out = [c.model_copy(update={"employee_id": None, "link_id": None}) for c in out]
    return out, total
