"""saved articles and the personal queue (helper panel)

Revision ID: 5b8e2f1c7a40
Revises: b5c1d2e3f4a6
Create Date: 2026-12-06 05:40:00

"""
from alembic import op
import sqlalchemy as sa

import backend.models


# revision identifiers, used by Alembic.
revision = '5b8e2f1c7a40'
down_revision = 'b5c1d2e3f4a6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backend.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_saved_articles_article_id_articles')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_saved_articles_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_articles')),
    sa.UniqueConstraint('employee_id', 'article_id', name=op.f('uq_saved_articles_employee_id_article_id'))
    )
    with op.batch_alter_table('saved_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_articles_employee_id'), ['employee_id'], unique=False)

    op.create_table('queue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('due_at', backend.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('created_at', backend.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_queue_items_article_id_articles')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_queue_items_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_items'))
    )
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_items_employee_id'), ['employee_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_items_employee_id'))
    op.drop_table('queue_items')
    with op.batch_alter_table('saved_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_articles_employee_id'))
    op.drop_table('saved_articles')
