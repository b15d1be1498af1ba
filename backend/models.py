"""SQLAlchemy 2.0 typed models. Every time is stored as UTC.

Raw text read from LinkedIn is never stored: impressions keep the page *type* only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Herald stores UTC-aware datetimes only")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

# --- people and access -----------------------------------------------------------------------

ACCESS_ROLES = ("employee", "content", "admin")


class Employee(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    role_text: Mapped[str] = mapped_column(sa.String(500), default="")
    department: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    team: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    location: Mapped[str] = mapped_column(sa.String(100), default="")
    languages: Mapped[list[str]] = mapped_column(JSONType, default=lambda: ["en"])
    interests: Mapped[list[str]] = mapped_column(JSONType, default=list)
    network_size: Mapped[int] = mapped_column(default=0)
    consents: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    access_role: Mapped[str] = mapped_column(sa.String(20), default="employee")
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    leaderboard_opt_out: Mapped[bool] = mapped_column(default=False)
    # Console sign-in (content/admin users only): a password hash, never the password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ui_language: Mapped[str] = mapped_column(sa.String(2), default="en")
    # Opaque reference used in utm_content and pseudonymous leaderboards; never the name.
    public_ref: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("access_role IN ('employee','content','admin')", name="access_role"),
        sa.CheckConstraint("network_size >= 0", name="network_size_nonneg"),
    )


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    role: Mapped[str] = mapped_column(sa.String(20))
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    employee: Mapped[Employee] = relationship()


class PairingCode(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Invitation(db.Model):  # type: ignore[name-defined,misc]
    """An e-mailed invitation: a signed one-click pairing link, single use, valid 7 days.

    Only a SHA-256 hash of the link's random nonce is stored; the link itself is signed with the
    app's secret key, so a tampered or foreign link is refused before any lookup."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    nonce_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    send_error: Mapped[str] = mapped_column(sa.String(300), default="")
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ExternalIdentity(db.Model):  # type: ignore[name-defined,misc]
    """Who an employee is at the company's identity provider: an OIDC subject or a SCIM
    externalId. Deactivating through SCIM keeps the employee and all their history."""

    __tablename__ = "external_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(20))  # "oidc" | "scim"
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("provider", "subject", name="uq_external_identity"),)


class AuditLog(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(32), default="")
    target_id: Mapped[str] = mapped_column(sa.String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Setting(db.Model):  # type: ignore[name-defined,misc]
    """Company-wide settings editable at run time (points weights, EMV formula, ...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# --- content ---------------------------------------------------------------------------------

ARTICLE_STATUSES = ("draft", "approved", "archived")


class Campaign(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    priority: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goals: Mapped[list[CampaignGoal]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )


class CampaignGoal(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "campaign_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign_goals.id"))
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    # shares | participation | leads | sales | clicks | reach | reactions
    metric: Mapped[str] = mapped_column(sa.String(32))
    target: Mapped[float] = mapped_column(sa.Float)
    team: Mapped[str | None] = mapped_column(sa.String(100))
    period_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    period_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship(back_populates="goals")


class Article(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str] = mapped_column(sa.String(2048), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="en", index=True)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    image_url: Mapped[str | None] = mapped_column(sa.String(2048))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Four-eyes workflow: who wrote (created or imported) the article and who approved it.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign | None] = relationship()
    captions: Mapped[list[ArticleCaption]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleCaption.id"
    )

    __table_args__ = (
        sa.CheckConstraint("status IN ('draft','approved','archived')", name="status"),
    )


class ArticleCaption(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "article_captions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(2))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article: Mapped[Article] = relationship(back_populates="captions")


class ArticleEmbedding(db.Model):  # type: ignore[name-defined,misc]
    """Embedding of one article by one encoder, keyed by a hash of the embedded text."""

    __tablename__ = "article_embeddings"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    encoder: Mapped[str] = mapped_column(sa.String(100))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    dim: Mapped[int] = mapped_column()
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)  # float32 little-endian, L2-normalised
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("article_id", "encoder"),)


# --- recommender logs ------------------------------------------------------------------------

PAGE_TYPES = ("feed", "post", "profile", "company", "search", "article", "other")
EVENT_TYPES = ("shown", "opened", "shared", "dismissed", "saved")


class ModelVersion(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(64), unique=True)
    encoder: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(
        sa.String(20), default="candidate"
    )  # candidate|active|retired
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    path: Mapped[str] = mapped_column(sa.String(1024), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class SuggestionImpression(db.Model):  # type: ignore[name-defined,misc]
    """Who was shown what, where and why; never the raw page text."""

    __tablename__ = "suggestion_impressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    rank: Mapped[int] = mapped_column()
    score: Mapped[float] = mapped_column(sa.Float)
    model_version: Mapped[str] = mapped_column(sa.String(64), default="")
    page_type: Mapped[str | None] = mapped_column(sa.String(16))
    features: Mapped[dict[str, float]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class EngagementEvent(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "engagement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(16), index=True)
    request_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    __table_args__ = (
        sa.CheckConstraint(
            "type IN ('shown','opened','shared','dismissed','saved')", name="event_type"
        ),
    )


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


class Guideline(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "guidelines"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column()
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("version", "language"),)


class GuidelineAck(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "guideline_acks"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    guideline_id: Mapped[int] = mapped_column(sa.ForeignKey("guidelines.id"))
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("employee_id", "guideline_id"),)


class TrainingCard(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "training_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=0)
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


# --- trust additions (issue #13) ------------------------------------------------------------


class ConsoleSession(db.Model):  # type: ignore[name-defined,misc]
    """A signed-in console session, server side: the cookie only names it (by a hash here), so
    sign-out, a password change or deactivation ends it for good."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    session_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


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


# --- end of trust additions ------------------------------------------------------------------


# --- background jobs and cross-node cache stamps ------------------------------------------------

JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):  # type: ignore[name-defined,misc]
    """One unit of background work that the console shows (backend/tasks.py runs it).

    The row is the job's truth; the task queue only carries its id. A worker heartbeats
    ``updated_at`` while running, so a job whose worker died is found and run again.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    step: Mapped[str] = mapped_column(sa.String(80), default="")
    steps: Mapped[list[str]] = mapped_column(JSONType, default=list)
    progress: Mapped[float] = mapped_column(sa.Float(), default=0.0)
    log: Mapped[list[str]] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(sa.Text)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    actor_id: Mapped[int | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CacheStamp(db.Model):  # type: ignore[name-defined,misc]
    """A counter per cache family, bumped in the transaction that changes what it caches.

    Every process compares the counters with the ones it last saw (at most once a second) and
    drops its caches when one moved: invalidation on every node, with the database as the bus.
    """

    __tablename__ = "cache_stamps"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class ExtractionHealth(db.Model):  # type: ignore[name-defined,misc]
    """How the extension read LinkedIn pages, counted per day (counts only: no text, no person).

    One row per day × page kind × DOM generation × rule (the pack rule that found the items,
    ``fallback``, or ``none``) × pack version × extension version.
    """

    __tablename__ = "extraction_health"
    __table_args__ = (
        sa.UniqueConstraint(
            "day",
            "page_kind",
            "dom",
            "rule",
            "pack_version",
            "extension_version",
            name="uq_extraction_health_bucket",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    page_kind: Mapped[str] = mapped_column(sa.String(32))
    dom: Mapped[str] = mapped_column(sa.String(16))
    rule: Mapped[str] = mapped_column(sa.String(120))
    pack_version: Mapped[int] = mapped_column(sa.Integer)
    extension_version: Mapped[str] = mapped_column(sa.String(32))
    pages: Mapped[int] = mapped_column(sa.Integer, default=0)
    empty_pages: Mapped[int] = mapped_column(sa.Integer, default=0)
    items: Mapped[int] = mapped_column(sa.Integer, default=0)


class SavedArticle(db.Model):  # type: ignore[name-defined,misc]
    """An article an employee saved from the panel (their saved list, kept server-side)."""

    __tablename__ = "saved_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article: Mapped[Article] = relationship()

    __table_args__ = (sa.UniqueConstraint("employee_id", "article_id"),)


class QueueItem(db.Model):  # type: ignore[name-defined,misc]
    """A reminder to post an article at a time the employee chose (posting stays manual)."""

    __tablename__ = "queue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    caption: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article: Mapped[Article] = relationship()
