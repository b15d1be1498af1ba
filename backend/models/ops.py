"""Operations: background jobs, cross-node cache stamps, extraction health counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models.base import JSONType, UTCDateTime, utcnow

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
