"""click_visitor_days: each closed day's distinct visitors, for unique visitors over a period

Revision ID: c4f8a2d6e913
Revises: 5b8e2f1c7a40
Create Date: 2026-12-06 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f8a2d6e913'
down_revision = '5b8e2f1c7a40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Filled by the next rollup (services/analytics/rollups.py backfills every closed day that
    # still has raw clicks when the table is empty).
    op.create_table('click_visitor_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitors', sa.LargeBinary(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_click_visitor_days'))
    )


def downgrade() -> None:
    op.drop_table('click_visitor_days')
