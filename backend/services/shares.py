"""Shares, their engagement and profile snapshots, with the anti-gaming rules of issue #13.

* A share counts once per employee x article x UTC day for points and goals: later shares of the
  same article that day are stored (the employee did post them) with ``counted = False``, which
  every count in ``services.analytics`` leaves out; the second one raises a ``repeat_share`` flag.
* Engagement counts are plausible or clamped: never below the share's last observation
  (monotone), never above ``ENGAGEMENT_FLOOR + ENGAGEMENT_PER_CONNECTION x network size``; a
  clamped observation raises an ``engagement_capped`` / ``engagement_decreased`` flag that
  admins see on the console's Integrity page.
* The sharer's address is kept only as a salted hash on the share, so that ``/r/`` can tell
  their own clicks apart (``services.clicks``).

Everything here is plain functions over the database session; nothing touches ``flask.request``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.errors import APIError, Conflict, Forbidden, NotFound
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import (
    Article,
    Campaign,
    Click,
    Employee,
    EngagementEvent,
    IdempotencyRecord,
    IntegrityFlag,
    ProfileSnapshot,
    Share,
    ShareEngagement,
    TrackedLink,
    utcnow,
)
from backend.schemas.employees import MAX_NETWORK_SIZE
from backend.schemas.tracking import (
    EngagementIn,
    EngagementOut,
    ShareCreate,
    ShareCreated,
    ShareOut,
    SnapshotIn,
)
from backend.services import webhooks
from backend.services.links import link_for, tracked_url

SHARE_ENDPOINT = "shares.create"
WRITE_RETRIES = 5
# Engagement on one post: at most this many, plus this many per connection/follower.
ENGAGEMENT_FLOOR = 100
ENGAGEMENT_PER_CONNECTION = 2


class IdempotencyKeyReused(APIError):
    """The same Idempotency-Key came back with a different request body."""

    status, code = 422, "idempotency_key_reused"


def flag(kind: str, employee_id: int, share_id: int | None = None, **details: Any) -> None:
    """Record something odd for the admins' Integrity page; the caller commits."""
    db.session.add(
        IntegrityFlag(employee_id=employee_id, share_id=share_id, kind=kind, details=details)
    )


def _shares_today(employee_id: int, article_id: int, now: dt.datetime) -> int:
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        db.session.scalar(
            select(func.count(Share.id)).where(
                Share.employee_id == employee_id,
                Share.article_id == article_id,
                Share.created_at >= day_start,
                Share.created_at < day_start + dt.timedelta(days=1),
            )
        )
        or 0
    )


# --- shares ---------------------------------------------------------------------------------


def _shareable_article(article_id: int, now: dt.datetime) -> Article:
    """Drafts are invisible to employees (404); archived or expired articles are 409."""
    article = db.session.get(Article, article_id)
    if article is None or article.status == "draft":
        raise NotFound(lazy_translate("error.articles.article_not_found", article_id=article_id))
    if article.status != "approved":
        raise Conflict(
            lazy_translate(
                "error.shares.article_can_no_longer_shared",
                article_id=article_id,
                status=article.status,
            )
        )
    if article.expires_at is not None and article.expires_at <= now:
        raise Conflict(
            lazy_translate(
                "error.shares.article_expired",
                article_id=article_id,
                expires_at=article.expires_at.isoformat(),
            )
        )
    return article


def _request_hash(data: ShareCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(employee_id: int, key: str, digest: str) -> tuple[dict[str, Any], int] | None:
    record = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.employee_id == employee_id,
            IdempotencyRecord.endpoint == SHARE_ENDPOINT,
            IdempotencyRecord.key == key,
        )
    )
    if record is None:
        return None
    if record.request_hash != digest:
        raise IdempotencyKeyReused(lazy_translate("error.shares.idempotency_key_reused"))
    return record.response, record.status_code


def create_share(
    employee: Employee,
    data: ShareCreate,
    *,
    base_url: str,
    idempotency_key: str | None = None,
    sharer_addr_hash: str = "",
) -> tuple[dict[str, Any], int, bool]:
    """Record a share: tracked link, Share row, "shared" event and webhook, all in one transaction.

    Returns the JSON response, its status and whether it is a replay of a stored response. Races
    (two first shares on one link, a twin request with the same key, a code collision) end in an
    IntegrityError; the whole transaction is retried and then finds the winner's rows.
    """
    digest = _request_hash(data)
    for attempt in range(WRITE_RETRIES):
        if idempotency_key is not None:
            replay = _replay(employee.id, idempotency_key, digest)
            if replay is not None:
                return replay[0], replay[1], True
        now = utcnow()
        article = _shareable_article(data.article_id, now)
        try:
            link = link_for(employee.id, article.id, data.network)
            earlier_today = _shares_today(employee.id, article.id, now)
            share = Share(
                employee_id=employee.id,
                article_id=article.id,
                link_id=link.id,
                network=data.network,
                caption=data.caption,
                network_size_at_share=employee.network_size,
                request_id=data.request_id,
                created_at=now,
                counted=earlier_today == 0,
                sharer_addr_hash=sharer_addr_hash,
            )
            db.session.add(share)
            db.session.add(
                EngagementEvent(
                    employee_id=employee.id,
                    article_id=article.id,
                    type="shared",
                    request_id=data.request_id,
                    created_at=now,
                )
            )
            db.session.flush()
            if earlier_today == 1:  # the second share of the article today: worth a look
                flag("repeat_share", employee.id, share.id, article_id=article.id)
            url = tracked_url(base_url, link.code)
            body = ShareCreated(
                share_id=share.id,
                tracked_url=url,
                code=link.code,
                article_id=article.id,
                network=data.network,
                created_at=now,
            ).model_dump(mode="json")
            campaign = db.session.get(Campaign, article.campaign_id or 0)
            webhooks.enqueue(
                "share.created",
                {
                    "share_id": share.id,
                    "article_id": article.id,
                    "article_url": article.canonical_url,
                    "campaign": campaign.slug if campaign else None,
                    "network": data.network,
                    "employee_ref": employee.public_ref,
                    "network_size_at_share": share.network_size_at_share,
                    "tracked_url": url,
                    "created_at": body["created_at"],
                },
            )
            if idempotency_key is not None:
                db.session.add(
                    IdempotencyRecord(
                        employee_id=employee.id,
                        key=idempotency_key,
                        endpoint=SHARE_ENDPOINT,
                        request_hash=digest,
                        status_code=201,
                        response=body,
                    )
                )
            db.session.commit()
            return body, 201, False
        except IntegrityError:
            db.session.rollback()
            if attempt == WRITE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _own_share(employee_id: int, share_id: int) -> Share:
    share = db.session.get(Share, share_id)
    if share is None:
        raise NotFound(lazy_translate("error.shares.share_not_found", share_id=share_id))
    if share.employee_id != employee_id:
        raise Forbidden(
            lazy_translate("error.shares.share_belongs_another_employee", share_id=share_id)
        )
    return share


def _latest_engagement(share_ids: list[int]) -> dict[int, ShareEngagement]:
    if not share_ids:
        return {}
    rows = db.session.scalars(
        select(ShareEngagement)
        .where(ShareEngagement.share_id.in_(share_ids))
        .order_by(ShareEngagement.share_id, ShareEngagement.observed_at, ShareEngagement.id)
    ).all()
    return {row.share_id: row for row in rows}  # the last row per share wins


def _engagement_out(row: ShareEngagement) -> EngagementOut:
    return EngagementOut(
        share_id=row.share_id,
        reactions=row.reactions,
        comments=row.comments,
        reposts=row.reposts,
        observed_at=row.observed_at,
    )


def engagement_cap(network_size: int) -> int:
    """The most reactions (or comments, or reposts) one post by someone this connected can get."""
    return ENGAGEMENT_FLOOR + ENGAGEMENT_PER_CONNECTION * max(0, network_size)


def record_engagement(employee_id: int, share_id: int, data: EngagementIn) -> EngagementOut:
    """Append an observation, clamped to what is plausible; the latest one is the share's
    current engagement. Counts never go down (a lower count keeps the last one) and never pass
    :func:`engagement_cap`; either is flagged for the admins."""
    share = _own_share(employee_id, share_id)
    employee = db.session.get(Employee, employee_id)
    network = max(share.network_size_at_share, employee.network_size if employee else 0)
    cap = engagement_cap(network)
    previous = _latest_engagement([share.id]).get(share.id)
    sent = data.model_dump()
    stored: dict[str, int] = {}
    capped: dict[str, int] = {}
    decreased: dict[str, int] = {}
    for key, value in sent.items():
        floor = getattr(previous, key) if previous is not None else 0
        if value > cap:
            capped[key] = value
        if value < floor:
            decreased[key] = value
        stored[key] = max(floor, min(value, cap))
    if capped:
        flag("engagement_capped", employee_id, share.id, sent=capped, cap=cap)
    if decreased:
        flag("engagement_decreased", employee_id, share.id, sent=decreased)
    row = ShareEngagement(share_id=share.id, **stored, observed_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return _engagement_out(row)


def list_my_shares(
    employee_id: int, *, base_url: str, limit: int, offset: int
) -> tuple[list[ShareOut], int]:
    base = select(Share).where(Share.employee_id == employee_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    shares = db.session.scalars(
        base.order_by(Share.created_at.desc(), Share.id.desc()).limit(limit).offset(offset)
    ).all()
    link_ids = {s.link_id for s in shares}
    codes: dict[int, str] = {
        link_id: code
        for link_id, code in db.session.execute(
            select(TrackedLink.id, TrackedLink.code).where(TrackedLink.id.in_(link_ids))
        )
    }
    clicks: dict[int, int] = {
        link_id: n
        for link_id, n in db.session.execute(
            select(Click.link_id, func.count())
            .where(Click.link_id.in_(link_ids), Click.is_bot.is_(False))
            .group_by(Click.link_id)
        )
    }
    titles: dict[int, str] = {
        article_id: title
        for article_id, title in db.session.execute(
            select(Article.id, Article.title).where(Article.id.in_({s.article_id for s in shares}))
        )
    }
    latest = _latest_engagement([s.id for s in shares])
    items = [
        ShareOut(
            share_id=s.id,
            article_id=s.article_id,
            article_title=titles.get(s.article_id, ""),
            network=s.network,
            caption=s.caption,
            tracked_url=tracked_url(base_url, codes[s.link_id]),
            network_size_at_share=s.network_size_at_share,
            clicks=clicks.get(s.link_id, 0),
            engagement=_engagement_out(latest[s.id]) if s.id in latest else None,
            created_at=s.created_at,
            state=s.state,
            confirmed_at=s.confirmed_at,
        )
        for s in shares
    ]
    return items, total


# --- profile snapshots ----------------------------------------------------------------------


def record_snapshot(employee: Employee, data: SnapshotIn) -> ProfileSnapshot:
    """Opt-in only. LinkedIn followers include connections, so network size is the larger one."""
    if not (employee.consents or {}).get("profile_snapshots"):
        raise Forbidden(lazy_translate("error.shares.profile_snapshots_off"))
    row = ProfileSnapshot(employee_id=employee.id, **data.model_dump(), taken_at=utcnow())
    db.session.add(row)
    employee.network_size = min(max(data.connections, data.followers), MAX_NETWORK_SIZE)
    db.session.commit()
    return row


def list_snapshots(employee_id: int, limit: int, offset: int) -> list[ProfileSnapshot]:
    return list(
        db.session.scalars(
            select(ProfileSnapshot)
            .where(ProfileSnapshot.employee_id == employee_id)
            .order_by(ProfileSnapshot.taken_at.desc(), ProfileSnapshot.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
