"""working groups: a member who left a group and joined again keeps the periods before

Revision ID: wgrejoin0026a1
Revises: certcap0025a1
Create Date: 2026-11-29 03:20:00

Memberships kept only their first joining day, so a meeting held while a member was away listed them.
"""
import sqlalchemy as sa
from alembic import op

revision = 'wgrejoin0026a1'
down_revision = 'certcap0025a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('wg_membership') as batch_op:
        batch_op.add_column(sa.Column('earlier_periods', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('wg_membership') as batch_op:
        batch_op.drop_column('earlier_periods')
