"""shares: an applicant whose application ended may apply again

Revision ID: reapply0027a1
Revises: wgminone0027a1
Create Date: 2026-11-29 08:45:00

A member had one application (a unique member_id), so someone refused or who withdrew could never
apply again with their account. Now a member may have several, of which one at most has not ended
(waiting for payment or a decision, or admitted): a partial unique index keeps it. The table is
rebuilt on SQLite to drop the unique constraint (no other table refers to it).
"""
import sqlalchemy as sa
from alembic import op

revision = 'reapply0027a1'
down_revision = 'wgminone0027a1'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('awaiting_payment', 'awaiting_decision', 'admitted')")


def upgrade():
    with op.batch_alter_table('shares_membership_application') as batch_op:
        batch_op.drop_constraint('uq_shares_membership_application_member_id', type_='unique')
        batch_op.create_index('ix_shares_membership_application_member_id', ['member_id'], unique=False)
    op.create_index('uq_shares_membership_application_open', 'shares_membership_application', ['member_id'],
                    unique=True, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_index('uq_shares_membership_application_open', table_name='shares_membership_application')
    with op.batch_alter_table('shares_membership_application') as batch_op:
        batch_op.drop_index('ix_shares_membership_application_member_id')
        batch_op.create_unique_constraint('uq_shares_membership_application_member_id', ['member_id'])
