"""one house: no table for a visitor's kept draft; audit rows before the rename get their new names

Revision ID: house0016a1b2
Revises: regp0011a7c3
Create Date: 2026-11-27 11:40:00

- candidates_stashed_draft is dropped: a signed-out post of the candidacy form is no longer written
  to the database (the text is given back on the page and kept in the browser; issue 10).

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = 'house0016a1b2'
down_revision = 'regp0011a7c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('candidates_stashed_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidates_stashed_draft_created_at'))
    op.drop_table('candidates_stashed_draft')


def downgrade():
    op.create_table('candidates_stashed_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['candidates_call.id'], name=op.f('fk_candidates_stashed_draft_call_id_candidates_call')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates_stashed_draft')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_candidates_stashed_draft_token_hash'))
    )
    with op.batch_alter_table('candidates_stashed_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidates_stashed_draft_created_at'), ['created_at'], unique=False)
