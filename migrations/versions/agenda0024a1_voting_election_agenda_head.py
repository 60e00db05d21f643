"""voting: the election row names its board's last agenda item event (agenda_head), so that casting
reads the agenda only when it changed

Revision ID: agenda0024a1
Revises: gamcor0023a1
Create Date: 2026-11-29 03:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'agenda0024a1'
down_revision = 'gamcor0023a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('voting_election') as batch_op:
        batch_op.add_column(sa.Column('agenda_head', sa.String(length=64), nullable=True))
    # Boards that already hold agenda item events: their last one.
    op.execute("""
        UPDATE voting_election SET agenda_head = (
            SELECT e.hash FROM voting_board_event e
            WHERE e.election_id = voting_election.id AND e.type IN ('item_hold', 'item_open', 'item_close')
            ORDER BY e.seq DESC LIMIT 1)
    """)


def downgrade():
    with op.batch_alter_table('voting_election') as batch_op:
        batch_op.drop_column('agenda_head')
