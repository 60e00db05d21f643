"""assemblies: when a late correction added a member to the electorate

Revision ID: electadd0032a1
Revises: rejoin0031a1
Create Date: 2026-11-29 19:00:00

The quorum of an item whose vote the chair closed early is counted against the electorate of that
moment: a member a late correction added afterwards was not entitled to vote on it. An elector of the
record date's snapshot has none; rows added late before this revision have none either (counted from
the snapshot, as before).
"""
import sqlalchemy as sa

import app.db
from alembic import op

revision = 'electadd0032a1'
down_revision = 'rejoin0031a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assembly_elector') as batch_op:
        batch_op.add_column(sa.Column('added_at', app.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('assembly_elector') as batch_op:
        batch_op.drop_column('added_at')
