"""working groups: one set of minutes per board meeting, the day's second meeting included

Revision ID: wgsitting0030a1
Revises: calloff0030a1
Create Date: 2026-11-29 12:20:00

The board may meet twice on one day (a morning meeting and an extraordinary one in the evening); each
meeting has its minutes. wg_minutes.sitting says which of the day's meetings the minutes record (1, the
first or only one: every set written before; 2, the second...), and the index of first versions standing
(wgmoved0028a1) is now one per day and sitting: a second set for the same meeting is still refused. The
downgrade stops first, naming the days, if a day has minutes of several meetings, whether first versions
or corrections (the older schema, one set per day, could not hold them).
"""
import sqlalchemy as sa
from alembic import op

revision = 'wgsitting0030a1'
down_revision = 'calloff0030a1'
branch_labels = None
depends_on = None

STANDING = sa.text("supersedes_id IS NULL AND status <> 'superseded'")


def upgrade():
    op.add_column('wg_minutes', sa.Column('sitting', sa.SmallInteger(), server_default='1', nullable=False))
    op.drop_index('uq_wg_minutes_meeting_on_first', table_name='wg_minutes')
    op.create_index('uq_wg_minutes_meeting_first', 'wg_minutes', ['meeting_on', 'sitting'], unique=True,
                    sqlite_where=STANDING, postgresql_where=STANDING)


def downgrade():
    # A set is a first version and its corrections (each version's ``supersedes_id``); a set holds the days
    # of its versions not superseded (a correction moved to another day holds both until it is approved).
    # The older schema has one set per day: its index holds the first versions, the application the rest.
    twice = op.get_bind().execute(sa.text(
        "WITH RECURSIVE sets (id, first_id) AS ("
        " SELECT id, id FROM wg_minutes WHERE supersedes_id IS NULL"
        " UNION ALL SELECT m.id, s.first_id FROM wg_minutes m JOIN sets s ON m.supersedes_id = s.id) "
        "SELECT m.meeting_on, count(DISTINCT s.first_id) FROM wg_minutes m JOIN sets s ON s.id = m.id "
        "WHERE m.status <> 'superseded' GROUP BY m.meeting_on HAVING count(DISTINCT s.first_id) > 1 "
        "ORDER BY m.meeting_on")).all()
    if twice:
        days = ", ".join(f"{day} ({count} meetings)" for day, count in twice)
        raise RuntimeError(f"Board minutes: minutes of several board meetings on one day ({days}), a correction "
                           "counting as the set it corrects; the older schema, one set of minutes per day, cannot "
                           "hold them.")
    op.drop_index('uq_wg_minutes_meeting_first', table_name='wg_minutes')
    op.create_index('uq_wg_minutes_meeting_on_first', 'wg_minutes', ['meeting_on'], unique=True,
                    sqlite_where=STANDING, postgresql_where=STANDING)
    op.drop_column('wg_minutes', 'sitting')
