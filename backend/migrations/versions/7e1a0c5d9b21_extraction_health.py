"""extraction health counts

Revision ID: 7e1a0c5d9b21
Revises: a91523dfa2b3
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e1a0c5d9b21'
down_revision = 'a91523dfa2b3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('extraction_health',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('page_kind', sa.String(length=32), nullable=False),
    sa.Column('dom', sa.String(length=16), nullable=False),
    sa.Column('rule', sa.String(length=120), nullable=False),
    sa.Column('pack_version', sa.Integer(), nullable=False),
    sa.Column('extension_version', sa.String(length=32), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('empty_pages', sa.Integer(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extraction_health')),
    sa.UniqueConstraint('day', 'page_kind', 'dom', 'rule', 'pack_version', 'extension_version', name='uq_extraction_health_bucket')
    )
    with op.batch_alter_table('extraction_health', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extraction_health_day'), ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('extraction_health', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extraction_health_day'))

    op.drop_table('extraction_health')
