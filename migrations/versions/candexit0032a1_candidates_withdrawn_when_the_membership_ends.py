"""candidates: an application withdrawn because the membership ended says so

Revision ID: candexit0032a1
Revises: electadd0032a1
Create Date: 2026-11-29 18:30:00

An exit recorded in the register (resignation, exclusion) withdraws the membership's open
applications; the day the membership ended is kept on the application, so that the secretary's pages
say why it was withdrawn and by whom (the register, not the candidate). Earlier withdrawals keep NULL.
"""
import sqlalchemy as sa
from alembic import op

revision = 'candexit0032a1'
down_revision = 'electadd0032a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('candidates_application') as batch_op:
        batch_op.add_column(sa.Column('membership_ended_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('candidates_application') as batch_op:
        batch_op.drop_column('membership_ended_on')
