"""jobs and cache stamps

Adds ``jobs`` (background work the console shows; the task queue carries only the id) and
``cache_stamps`` (a counter per cache family, bumped when articles, links or models change, which
every node polls to drop its caches).

Revision ID: 7c3e5a9b2d41
Revises: 28670b1be8bc
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from backend.models import UTCDateTime

revision = '7c3e5a9b2d41'
down_revision = '28670b1be8bc'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.String(80), nullable=False),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("log", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", JSON, nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_jobs_kind", "jobs", ["kind"])
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "cache_stamps",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(
        sa.table("cache_stamps", sa.column("name", sa.String), sa.column("value", sa.BigInteger)),
        [{"name": "content", "value": 0}, {"name": "model", "value": 0}],
    )


def downgrade() -> None:
    op.drop_table("cache_stamps")
    op.drop_index("ix_jobs_status", table_name="jobs")
    op.drop_index("ix_jobs_kind", table_name="jobs")
    op.drop_table("jobs")
