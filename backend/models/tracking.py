"""Tracking: links, shares, engagement, clicks and their rollups, conversions and their
integrations, profile snapshots, mentions, outbound webhooks and integrity flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models.base import JSONType, UTCDateTime, utcnow

# --- tracking --------------------------------------------------------------------------------

NETWORKS = ("linkedin", "x", "facebook", "other")


class TrackedLink(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "tracked_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    network: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("employee_id", "article_id", "network"),)


SHARE_STARTED = "started"
SHARE_CONFIRMED = "confirmed"


class Share(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("tracked_links.id"), index=True)
    network: Mapped[str] = mapped_column(sa.String(16))
    caption: Mapped[str] = mapped_column(sa.Text, default="")
    network_size_at_share: Mapped[int] = mapped_column(default=0)
    request_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Anti-gaming: only the first share per employee x article x UTC day counts for points and
    # goals; later ones are kept (the employee did post them) with counted = False.
    counted: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Salted hash of the sharer's address when sharing: clicks from it are self-clicks.
    sharer_addr_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    # Issue #15: a share is "started" when the employee asked for the link and "confirmed" once
    # the extension saw their own post with the link, or a counted click came through it; only
    # confirmed shares count (points, goals, "Shares"). ``confirmed_by``: "post" or "click".
    state: Mapped[str] = mapped_column(
        sa.String(16), default=SHARE_STARTED, server_default=SHARE_STARTED
    )
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(8))

    __table_args__ = (sa.Index("ix_shares_link_id_state", "link_id", "state"),)


class ShareEngagement(db.Model):  # type: ignore[name-defined,misc]
    """Reaction/comment/repost counts seen on the employee's own post; latest wins, history kept."""

    __tablename__ = "share_engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shares.id", ondelete="CASCADE"), index=True
    )
    reactions: Mapped[int] = mapped_column(default=0)
    comments: Mapped[int] = mapped_column(default=0)
    reposts: Mapped[int] = mapped_column(default=0)
    observed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Click(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("tracked_links.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    referrer_host: Mapped[str] = mapped_column(sa.String(255), default="")
    ua_class: Mapped[str] = mapped_column(sa.String(16), default="other")
    is_bot: Mapped[bool] = mapped_column(default=False)
    visitor_hash: Mapped[str] = mapped_column(sa.String(64), default="")  # salted, daily
    # Salted, not per day: distinct visitors over a period (issue #15); "" before b5c1d2e3f4a6.
    visitor_id: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")


class IdempotencyRecord(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    key: Mapped[str] = mapped_column(sa.String(128))
    endpoint: Mapped[str] = mapped_column(sa.String(64))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column()
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("employee_id", "endpoint", "key"),)


class Integration(db.Model):  # type: ignore[name-defined,misc]
    """A website/CRM that posts signed conversion webhooks."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    secret: Mapped[str] = mapped_column(sa.String(128))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookNonce(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "webhook_nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("integrations.id"))
    nonce: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("integration_id", "nonce"),)


CONVERSION_TYPES = ("lead", "signup", "sale")


class Conversion(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "conversions"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("integrations.id"))
    link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tracked_links.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    article_id: Mapped[int | None] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[float] = mapped_column(sa.Float, default=0.0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="DKK")
    external_id: Mapped[str | None] = mapped_column(sa.String(128))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProfileSnapshot(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "profile_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    connections: Mapped[int | None] = mapped_column()
    followers: Mapped[int | None] = mapped_column()
    profile_views: Mapped[int | None] = mapped_column()
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Mention(db.Model):  # type: ignore[name-defined,misc]
    """A LinkedIn post about the company, flagged by an employee with a snippet they chose."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2048))
    snippet: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboundWebhook(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "outbound_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2048))
    secret: Mapped[str] = mapped_column(sa.String(128))
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("outbound_webhooks.id"), index=True)
    event: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


# --- ops additions ---------------------------------------------------------------------------
# Owned by operations (backend/services/privacy.py): what retention keeps of old raw clicks.


class ClickDailyAggregate(db.Model):  # type: ignore[name-defined,misc]
    """Clicks per tracked link and UTC day, kept after the raw rows pass the retention period.

    No visitor hashes, referrers or user agents: only counts.
    """

    __tablename__ = "click_daily_aggregates"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)  # led by the two indexes below
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("tracked_links.id"), index=True)
    clicks: Mapped[int] = mapped_column(default=0)
    bot_clicks: Mapped[int] = mapped_column(default=0)
    unique_visitors: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("day", "link_id"),
        # Covering index for analytics: a day range is summed from the index alone.
        sa.Index(
            "ix_click_daily_aggregates_day_counts",
            "day",
            "link_id",
            "clicks",
            "bot_clicks",
            "unique_visitors",
        ),
    )


class ClickVisitorDay(db.Model):  # type: ignore[name-defined,misc]
    """Per closed UTC day: the distinct human visitors of all clicks that day, as sorted unique
    64-bit keys (the first 16 hex digits of ``clicks.visitor_id``, or of the daily hash for clicks
    stored before it existed), little-endian ``uint64`` bytes.

    Kept by the rollup beside the daily aggregates (``services/analytics/rollups.py``) so that
    "unique visitors over a period" (``services/analytics/visitors.py``) is a union of ~30 small
    arrays instead of a ``COUNT(DISTINCT)`` over every raw click of the period. The keys are as
    pseudonymous as ``visitor_id`` itself and go with it: retention deletes a day's row with that
    day's raw clicks. Never exported.
    """

    __tablename__ = "click_visitor_days"

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    visitors: Mapped[bytes] = mapped_column(sa.LargeBinary)
    count: Mapped[int] = mapped_column(default=0)


class ClickWeeklyAggregate(db.Model):  # type: ignore[name-defined,misc]
    """Per tracked link and ISO week (by its Monday): the sums of the week's daily aggregates.

    Kept equal to ``click_daily_aggregates`` by the rollup; analytics read whole weeks of a
    period from here (a seventh of the rows). Unique visitors add up because they are daily.
    """

    __tablename__ = "click_weekly_aggregates"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[dt.date] = mapped_column(sa.Date)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("tracked_links.id"), index=True)
    clicks: Mapped[int] = mapped_column(default=0)
    bot_clicks: Mapped[int] = mapped_column(default=0)
    unique_visitors: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("week", "link_id"),
        # Covering index: a range of weeks is summed from the index alone.
        sa.Index(
            "ix_click_weekly_aggregates_week_counts",
            "week",
            "link_id",
            "clicks",
            "bot_clicks",
            "unique_visitors",
        ),
    )


# --- end of ops additions --------------------------------------------------------------------


INTEGRITY_KINDS = ("engagement_capped", "engagement_decreased", "repeat_share", "self_click")


class IntegrityFlag(db.Model):  # type: ignore[name-defined,misc]
    """Something odd an employee's numbers did, for admins to look at (console: Integrity)."""

    __tablename__ = "integrity_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    share_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("shares.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
