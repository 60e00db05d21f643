"""working groups: minutes corrected onto another day free the day they first gave

Revision ID: wgmoved0028a1
Revises: refund0027a1
Create Date: 2026-11-29 09:40:00

Minutes typed with a wrong date and approved are corrected by a new version with the right date. The
version it replaces stays, marked superseded, and kept the wrong day in the index of first versions
(wgminone0027a1): new minutes for the meeting really held that day were refused for good. The index
now holds the first versions still standing (not superseded); a correction is checked by the
application, as before. The downgrade stops first, naming the days, if a day has a standing first
version besides a superseded one (the old index would not hold).
"""
import sqlalchemy as sa
from alembic import op

revision = 'wgmoved0028a1'
down_revision = 'refund0027a1'
branch_labels = None
depends_on = None

BEFORE = sa.text("supersedes_id IS NULL")
AFTER = sa.text("supersedes_id IS NULL AND status <> 'superseded'")


def upgrade():
    op.drop_index('uq_wg_minutes_meeting_on_first', table_name='wg_minutes')
    op.create_index('uq_wg_minutes_meeting_on_first', 'wg_minutes', ['meeting_on'], unique=True,
                    sqlite_where=AFTER, postgresql_where=AFTER)


def downgrade():
    twice = op.get_bind().execute(sa.text(
        "SELECT meeting_on, count(*) FROM wg_minutes WHERE supersedes_id IS NULL "
        "GROUP BY meeting_on HAVING count(*) > 1 ORDER BY meeting_on")).all()
    if twice:
        days = ", ".join(f"{day} ({count} first versions)" for day, count in twice)
        raise RuntimeError(f"Board minutes: the meeting of {days} has new minutes besides the superseded "
                           "version of minutes corrected onto another day; the older index cannot hold them.")
    op.drop_index('uq_wg_minutes_meeting_on_first', table_name='wg_minutes')
    op.create_index('uq_wg_minutes_meeting_on_first', 'wg_minutes', ['meeting_on'], unique=True,
                    sqlite_where=BEFORE, postgresql_where=BEFORE)
