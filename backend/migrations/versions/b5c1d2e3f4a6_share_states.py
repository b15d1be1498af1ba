"""share states, clicks.visitor_id, feed subscriptions (helper adopt, issue #15)

Shares recorded before this revision were counted when they were made; they become
"confirmed" (by "post", at their creation time) so that history keeps its numbers. New shares
start as "started".

Revision ID: b5c1d2e3f4a6
Revises: b5d2f7c81e40
Create Date: 2026-12-06 05:20:00

"""
from alembic import op
import sqlalchemy as sa

import backend.models


# revision identifiers, used by Alembic.
revision = 'b5c1d2e3f4a6'
down_revision = 'b5d2f7c81e40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='started', nullable=False))
        batch_op.add_column(sa.Column('confirmed_at', backend.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by', sa.String(length=8), nullable=True))
    op.execute(
        "UPDATE shares SET state = 'confirmed', confirmed_at = created_at, confirmed_by = 'post'"
    )
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.create_index('ix_shares_link_id_state', ['link_id', 'state'], unique=False)
    op.create_table('feed_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.String(length=256), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('last_polled_at', backend.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=16), server_default='', nullable=False),
    sa.Column('last_error', sa.String(length=500), server_default='', nullable=False),
    sa.Column('items_imported', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', backend.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['employees.id'], name=op.f('fk_feed_subscriptions_created_by_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_subscriptions')),
    sa.UniqueConstraint('url', name=op.f('uq_feed_subscriptions_url'))
    )
    # Distinct visitors over a period: a salted hash without the day (old clicks have "").
    with op.batch_alter_table('clicks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visitor_id', sa.String(length=64), server_default='', nullable=False))


def downgrade() -> None:
    op.drop_table('feed_subscriptions')
    with op.batch_alter_table('clicks', schema=None) as batch_op:
        batch_op.drop_column('visitor_id')
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.drop_index('ix_shares_link_id_state')
        batch_op.drop_column('confirmed_by')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('state')
