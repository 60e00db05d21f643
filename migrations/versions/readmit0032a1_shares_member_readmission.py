"""shares: the board's readmission of an excluded member, recorded on their membership

Revision ID: readmit0032a1
Revises: candexit0032a1
Create Date: 2026-11-29 19:00:00

A readmission was kept only in the audit of the application staff made with it, so the person could
come back only through staff's New member form. Recorded on the excluded membership (its date and
reference, both empty until the board decides), it lets the person apply again from their own account.
"""
import sqlalchemy as sa
from alembic import op

revision = 'readmit0032a1'
down_revision = 'candexit0032a1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('shares_member', sa.Column('readmitted_on', sa.Date(), nullable=True))
    op.add_column('shares_member', sa.Column('readmission_reference', sa.String(length=100), nullable=True))


def downgrade():
    # Not a batch: SQLite drops a column in place, where rebuilding the table would trip the foreign keys
    # other tables hold on it.
    op.drop_column('shares_member', 'readmission_reference')
    op.drop_column('shares_member', 'readmitted_on')
