"""Recommender logs: model versions, suggestion impressions (the page *type* only, never its
text) and engagement events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models.base import JSONType, UTCDateTime, utcnow

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


class CoEngagementFit(db.Model):  # type: ignore[name-defined,misc]
    """A fitted co-engagement (EASE) model, written by the worker's ``fit_co_engagement`` task.

    Web processes serve the newest row and never fit in a request (a fit takes 0.3-2.5 s):
    ``article_ids`` (int64, little-endian) name the columns of ``weights`` (float32, n × n).
    """

    __tablename__ = "co_engagement_fits"

    id: Mapped[int] = mapped_column(primary_key=True)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    n_items: Mapped[int] = mapped_column(sa.Integer, default=0)
    n_pairs: Mapped[int] = mapped_column(sa.Integer, default=0)
    l2: Mapped[float] = mapped_column(sa.Float(), default=0.0)
    article_ids: Mapped[bytes] = mapped_column(sa.LargeBinary)
    weights: Mapped[bytes] = mapped_column(sa.LargeBinary)
