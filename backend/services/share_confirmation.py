"""Confirmed shares (issue #15): a share counts only once it is known to be posted.

Asking for a tracked link records a share in the ``started`` state. It becomes ``confirmed``
when either

* the extension sees the employee's own post containing the tracked link and sends its code to
  ``POST /api/v1/me/shares/confirm`` (:func:`confirm_codes`; ``confirmed_by = "post"``), or
* a counted click arrives through the link: a human, not the sharer (bots, previews, prefetches,
  ``HEAD`` and self-clicks never confirm) (:func:`confirm_by_click`; ``confirmed_by = "click"``).

Every count of shares (points, goals, "Shares" in analytics and leaderboards, My impact) reads
:data:`COUNTS`: confirmed and not a same-day repeat (``Share.counted``, issue #13). A share keeps
its creation time as the time it counts at, so a confirmation never moves it to another period.

Each confirmation is reported to the outbound webhooks subscribed to ``share.confirmed`` (in the
same transaction, like ``share.created``): the share, its article and campaign, the employee's
opaque reference, the tracked link's code, how and when it was confirmed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, update

from backend.extensions import db
from backend.models import (
    SHARE_CONFIRMED,
    SHARE_STARTED,
    Article,
    Campaign,
    Employee,
    Share,
    TrackedLink,
    utcnow,
)
from backend.services import webhooks

EVENT = "share.confirmed"

BY_POST = "post"
BY_CLICK = "click"

# The one rule for "this share counts".
COUNTS: ColumnElement[bool] = sa.and_(Share.counted.is_(True), Share.state == SHARE_CONFIRMED)


def _confirm(link_ids: sa.ColumnElement[bool], by: str, now: dt.datetime) -> sa.Update:
    return (
        update(Share)
        .where(link_ids, Share.state == SHARE_STARTED, Share.created_at <= now)
        .values(state=SHARE_CONFIRMED, confirmed_at=now, confirmed_by=by)
        .returning(Share.id)
        .execution_options(synchronize_session=False)
    )


def _payloads_stmt(share_ids: list[int]) -> Any:  # a Select of the ten payload columns
    return (
        sa.select(
            Share.id, Share.article_id, Share.network, Share.created_at, Share.confirmed_at,
            Share.confirmed_by, TrackedLink.code, Employee.public_ref, Article.canonical_url,
            Campaign.slug,
        )
        .join(TrackedLink, TrackedLink.id == Share.link_id)
        .join(Employee, Employee.id == Share.employee_id)
        .join(Article, Article.id == Share.article_id)
        .outerjoin(Campaign, Campaign.id == Article.campaign_id)
        .where(Share.id.in_(share_ids))
        .order_by(Share.id)
    )  # fmt: skip


def _payload(row: Any) -> dict[str, Any]:
    share_id, article_id, network, created, confirmed, by, code, ref, url, campaign = row
    return {
        "share_id": share_id,
        "article_id": article_id,
        "article_url": url,
        "campaign": campaign,
        "network": network,
        "employee_ref": ref,
        "code": code,
        "confirmed_by": by,
        "confirmed_at": confirmed.isoformat() if confirmed else None,
        "created_at": created.isoformat() if created else None,
    }


def confirm_codes(employee_id: int, codes: Iterable[str], now: dt.datetime | None = None) -> int:
    """Confirm the caller's started shares on the tracked links with these codes; returns how many
    shares this call confirmed (0 when all were confirmed already). Codes of other people's links
    and unknown codes are ignored."""
    wanted = sorted(set(codes))
    if not wanted:
        return 0
    now = now or utcnow()
    own_links = (
        sa.select(TrackedLink.id)
        .where(TrackedLink.employee_id == employee_id, TrackedLink.code.in_(wanted))
        .scalar_subquery()
    )
    ids = list(db.session.scalars(_confirm(Share.link_id.in_(own_links), BY_POST, now)))
    if ids:
        for row in db.session.execute(_payloads_stmt(ids)):
            webhooks.enqueue(EVENT, _payload(row))
    db.session.commit()
    return len(ids)


def confirm_by_click(conn: Connection, link_id: int, now: dt.datetime) -> int:
    """Confirm the started shares of a link that a counted click just came through (the caller
    commits ``conn``). A link already confirmed costs one indexed no-op UPDATE."""
    return confirm_after_clicks(conn, [link_id], now)


def links_with_started_shares(conn: Connection, link_ids: Iterable[int]) -> list[int]:
    """Which of these links still have a started share (an indexed read: most clicks come
    through links whose shares are confirmed already, and must not pay for a write)."""
    wanted = sorted(set(link_ids))
    if not wanted:
        return []
    rows = conn.execute(
        sa.select(Share.link_id)
        .where(Share.link_id.in_(wanted), Share.state == SHARE_STARTED)
        .distinct()
    )
    return [int(r[0]) for r in rows]


def confirm_after_clicks(conn: Connection, link_ids: Iterable[int], now: dt.datetime) -> int:
    """Confirmation for clicks the click writer has just stored (one batch, one statement; the
    WSGI fast path has no application context, hence the connection). The caller commits.
    Returns how many shares were confirmed."""
    wanted = sorted(set(link_ids))
    if not wanted:
        return 0
    ids = [int(r[0]) for r in conn.execute(_confirm(Share.link_id.in_(wanted), BY_CLICK, now))]
    if ids:
        payloads = [_payload(row) for row in conn.execute(_payloads_stmt(ids))]
        webhooks.enqueue_on(conn, EVENT, payloads)
    return len(ids)
