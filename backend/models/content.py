"""Content: campaigns and their goals, articles with captions and embeddings, and the
programme's guidelines and training cards."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models.base import JSONType, UTCDateTime, utcnow

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


# --- programme content -------------------------------------------------------------------


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


class FeedSubscription(db.Model):  # type: ignore[name-defined,misc]
    """An RSS/Atom feed the content team subscribed to by URL (issue #15); the worker polls it
    with a conditional GET and imports new items as drafts (services/feed_subscriptions.py)."""

    __tablename__ = "feed_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2048), unique=True)
    language: Mapped[str | None] = mapped_column(sa.String(8))  # when the feed does not say
    active: Mapped[bool] = mapped_column(default=True)
    etag: Mapped[str | None] = mapped_column(sa.String(256))
    last_modified: Mapped[str | None] = mapped_column(sa.String(64))
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # ok | not_modified | error (with last_error), or "" before the first poll
    last_status: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")
    last_error: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    items_imported: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


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
