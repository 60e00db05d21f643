"""working groups: a meeting's starting time (optional), so that members know when to come

Revision ID: wgtime0018a1
Revises: vlz0017a1b2
Create Date: 2026-11-28 06:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'wgtime0018a1'
down_revision = 'vlz0017a1b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('wg_meeting') as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table('wg_meeting') as batch_op:
        batch_op.drop_column('starts_at')
