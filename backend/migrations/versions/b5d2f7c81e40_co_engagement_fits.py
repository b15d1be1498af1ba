"""co-engagement fits (scale)

Adds ``co_engagement_fits``: the worker's ``fit_co_engagement`` task stores each fitted EASE model
here and every web process serves the newest one, so no request refits it.

Revision ID: b5d2f7c81e40
Revises: 7e1a0c5d9b21
Create Date: 2026-12-06 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.models import UTCDateTime

revision = 'b5d2f7c81e40'
down_revision = '7e1a0c5d9b21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "co_engagement_fits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fitted_at", UTCDateTime(), nullable=False),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.Column("n_pairs", sa.Integer(), nullable=False),
        sa.Column("l2", sa.Float(), nullable=False),
        sa.Column("article_ids", sa.LargeBinary(), nullable=False),
        sa.Column("weights", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_co_engagement_fits_fitted_at", "co_engagement_fits", ["fitted_at"])


def downgrade() -> None:
    op.drop_index("ix_co_engagement_fits_fitted_at", table_name="co_engagement_fits")
    op.drop_table("co_engagement_fits")
