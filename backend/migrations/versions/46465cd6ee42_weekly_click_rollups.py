"""weekly click rollups

Adds click_weekly_aggregates (per ISO week and tracked link: the sums of the week's daily
aggregates), filled here from the existing daily rows so that analytics can read whole weeks
from it at once; drops the day index of click_daily_aggregates (the unique constraint and the
covering index both start with day).

Revision ID: 46465cd6ee42
Revises: 19dd25abe2d4
Create Date: 2026-11-27 06:33:17.767804
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '46465cd6ee42'
down_revision = '19dd25abe2d4'
branch_labels = None
depends_on = None

# The Monday of a DATE column's ISO week, per dialect (SQLite stores dates as 'YYYY-MM-DD').
_MONDAY = {
    "postgresql": "CAST(date_trunc('week', day) AS DATE)",
    "sqlite": "date(day, 'weekday 0', '-6 days')",
}


def upgrade() -> None:
    op.create_table('click_weekly_aggregates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('bot_clicks', sa.Integer(), nullable=False),
    sa.Column('unique_visitors', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['tracked_links.id'], name=op.f('fk_click_weekly_aggregates_link_id_tracked_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_click_weekly_aggregates')),
    sa.UniqueConstraint('week', 'link_id', name=op.f('uq_click_weekly_aggregates_week_link_id'))
    )
    with op.batch_alter_table('click_weekly_aggregates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_click_weekly_aggregates_link_id'), ['link_id'], unique=False)
        batch_op.create_index('ix_click_weekly_aggregates_week_counts', ['week', 'link_id', 'clicks', 'bot_clicks', 'unique_visitors'], unique=False)

    with op.batch_alter_table('click_daily_aggregates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_click_daily_aggregates_day'))

    # Existing installations: the weeks already rolled up (reads trust a week's row once all its
    # days are rolled up, and the rollup keeps them in step from now on).
    monday = _MONDAY[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO click_weekly_aggregates (week, link_id, clicks, bot_clicks, unique_visitors) "
        f"SELECT {monday}, link_id, sum(clicks), sum(bot_clicks), sum(unique_visitors) "
        f"FROM click_daily_aggregates GROUP BY {monday}, link_id"
    )


def downgrade() -> None:
    with op.batch_alter_table('click_daily_aggregates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_click_daily_aggregates_day'), ['day'], unique=False)

    with op.batch_alter_table('click_weekly_aggregates', schema=None) as batch_op:
        batch_op.drop_index('ix_click_weekly_aggregates_week_counts')
        batch_op.drop_index(batch_op.f('ix_click_weekly_aggregates_link_id'))

    op.drop_table('click_weekly_aggregates')
