"""working_groups: syntheses and followed recommendations read are no longer news

Revision ID: wgread0034a1
Revises: readmitold0033a1
Create Date: 2026-11-29 21:50:00

The home page listed every synthesis published in the last 30 days, and every followed
recommendation that moved, however often the person had read them since. A synthesis opened (its page
or PDF) is kept in wg_synthesis_read, once per person (unique); a follow keeps when its recommendation
was last opened (wg_follow.seen_at), and only what moved after it is news.
"""
import sqlalchemy as sa

import app.db
from alembic import op

revision = 'wgread0034a1'
down_revision = 'readmitold0033a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'wg_synthesis_read',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('minutes_id', sa.Integer(), nullable=False),
        sa.Column('read_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['app_account.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['minutes_id'], ['wg_minutes.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', 'minutes_id'),
    )
    op.create_index(op.f('ix_wg_synthesis_read_minutes_id'), 'wg_synthesis_read', ['minutes_id'], unique=False)
    op.add_column('wg_follow', sa.Column('seen_at', app.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    # Not a batch: SQLite drops a column in place, where rebuilding the table would trip the foreign keys.
    op.drop_column('wg_follow', 'seen_at')
    op.drop_index(op.f('ix_wg_synthesis_read_minutes_id'), table_name='wg_synthesis_read')
    op.drop_table('wg_synthesis_read')
