"""shares: a certificate states the capital subscribed and how much of it is paid up

Revision ID: certcap0025a1
Revises: agenda0024a1
Create Date: 2026-11-29 03:10:00

Certificates issued before keep NULL: they did not state it.
"""
import sqlalchemy as sa
from alembic import op

revision = 'certcap0025a1'
down_revision = 'agenda0024a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shares_certificate_issue') as batch_op:
        batch_op.add_column(sa.Column('capital_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('paid_cents', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('shares_certificate_issue') as batch_op:
        batch_op.drop_column('paid_cents')
        batch_op.drop_column('capital_cents')
