"""shares: staff call a refund off, with their reason

Revision ID: calloff0030a1
Revises: voids0029a1
Create Date: 2026-11-29 12:00:00

A refund of money kept beyond what was due can be called off before it is made (the member keeps the
money as shares, the refund was decided by mistake): the refund is voided with the reason staff gave
(shares_surplus.called_off_reason), and its money is kept again as a new undecided row that cites it
(source_surplus_id, unique already). A nullable column: rows written before have none.
"""
import sqlalchemy as sa
from alembic import op

revision = 'calloff0030a1'
down_revision = 'voids0029a1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('shares_surplus', sa.Column('called_off_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('shares_surplus') as batch:
        batch.drop_column('called_off_reason')
