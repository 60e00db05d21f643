"""assemblies: corrections after signed minutes

Revision ID: gamcor0023a1
Revises: gamin0022a1
Create Date: 2026-11-28 21:00:00

Signed minutes are never changed: a dated correction follows them (``assembly_minutes_correction``).
"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = 'gamcor0023a1'
down_revision = 'gamin0022a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assembly_minutes_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('minutes_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('made_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('made_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['made_by_id'], ['app_account.id'], name=op.f('fk_assembly_minutes_correction_made_by_id_app_account')),
        sa.ForeignKeyConstraint(['minutes_id'], ['assembly_minutes.id'], name=op.f('fk_assembly_minutes_correction_minutes_id_assembly_minutes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_minutes_correction')),
    )
    op.create_index(op.f('ix_assembly_minutes_correction_minutes_id'), 'assembly_minutes_correction', ['minutes_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_assembly_minutes_correction_minutes_id'), table_name='assembly_minutes_correction')
    op.drop_table('assembly_minutes_correction')
