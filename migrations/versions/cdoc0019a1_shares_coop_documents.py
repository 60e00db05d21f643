"""shares: the cooperative's documents (statutes, privacy notice, internal rules), a PDF per version and language

Revision ID: cdoc0019a1
Revises: wgtime0018a1
Create Date: 2026-11-28 07:20:00

"""
import sqlalchemy as sa

import app.db
from alembic import op

revision = 'cdoc0019a1'
down_revision = 'wgtime0018a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shares_coop_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('statutes', 'privacy_notice', 'internal_rules', name='documentkind',
                                  native_enum=False, length=20), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('adopted_on', sa.Date(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_account.id'],
                                name=op.f('fk_shares_coop_document_uploaded_by_id_app_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shares_coop_document')),
        sa.UniqueConstraint('kind', 'language', 'adopted_on',
                            name=op.f('uq_shares_coop_document_kind_language_adopted_on')),
    )


def downgrade():
    op.drop_table('shares_coop_document')
