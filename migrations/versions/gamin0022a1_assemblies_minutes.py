"""assemblies: the minutes (procès-verbal) of a general assembly

Revision ID: gamin0022a1
Revises: ident0021a1
Create Date: 2026-11-28 17:40:00

One draft per assembly (``assembly_minutes``), with the secretary's note on each agenda item
(``assembly_minutes_note``); signing freezes it.
"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = 'gamin0022a1'
down_revision = 'ident0021a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assembly_minutes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assembly_id', sa.Integer(), nullable=False),
        sa.Column('chair', sa.String(length=200), nullable=False),
        sa.Column('secretary', sa.String(length=200), nullable=False),
        sa.Column('tellers', sa.String(length=300), nullable=False),
        sa.Column('opening', sa.Text(), nullable=False),
        sa.Column('closing', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('signed_at', app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['assembly_id'], ['assembly_assembly.id'], name=op.f('fk_assembly_minutes_assembly_id_assembly_assembly')),
        sa.ForeignKeyConstraint(['created_by_id'], ['app_account.id'], name=op.f('fk_assembly_minutes_created_by_id_app_account')),
        sa.ForeignKeyConstraint(['signed_by_id'], ['app_account.id'], name=op.f('fk_assembly_minutes_signed_by_id_app_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_minutes')),
        sa.UniqueConstraint('assembly_id', name=op.f('uq_assembly_minutes_assembly_id')),
    )
    op.create_table(
        'assembly_minutes_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('minutes_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['assembly_item.id'], name=op.f('fk_assembly_minutes_note_item_id_assembly_item')),
        sa.ForeignKeyConstraint(['minutes_id'], ['assembly_minutes.id'], name=op.f('fk_assembly_minutes_note_minutes_id_assembly_minutes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_minutes_note')),
        sa.UniqueConstraint('minutes_id', 'item_id', name=op.f('uq_assembly_minutes_note_minutes_id_item_id')),
    )
    op.create_index(op.f('ix_assembly_minutes_note_minutes_id'), 'assembly_minutes_note', ['minutes_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_assembly_minutes_note_minutes_id'), table_name='assembly_minutes_note')
    op.drop_table('assembly_minutes_note')
    op.drop_table('assembly_minutes')
