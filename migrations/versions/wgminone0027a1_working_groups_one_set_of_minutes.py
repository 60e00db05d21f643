"""working groups: a board meeting has one set of minutes, kept by the database

Revision ID: wgminone0027a1
Revises: wgrejoin0026a1
Create Date: 2026-11-29 08:40:00

A secretary could start second minutes for a meeting (a day) that had some already. A partial unique
index now keeps one first version per day (``supersedes_id IS NULL``: a correction is a new version of
the same set). Minutes written before it for one day twice would make the index fail: the upgrade
stops first and names those days, so that the extra set (usually a draft, deleted from its page with
*Delete this draft*) is dealt with before upgrading again.
"""
import sqlalchemy as sa
from alembic import op

revision = 'wgminone0027a1'
down_revision = 'wgrejoin0026a1'
branch_labels = None
depends_on = None

FIRST = sa.text("supersedes_id IS NULL")


def upgrade():
    twice = op.get_bind().execute(sa.text(
        "SELECT meeting_on, count(*) FROM wg_minutes WHERE supersedes_id IS NULL "
        "GROUP BY meeting_on HAVING count(*) > 1 ORDER BY meeting_on")).all()
    if twice:
        days = ", ".join(f"{day} ({count} sets)" for day, count in twice)
        raise RuntimeError(f"Board minutes: several sets of minutes for the meeting of {days}. Keep one set per "
                           "meeting (delete the extra drafts from their page), then upgrade again.")
    op.create_index('uq_wg_minutes_meeting_on_first', 'wg_minutes', ['meeting_on'], unique=True,
                    sqlite_where=FIRST, postgresql_where=FIRST)


def downgrade():
    op.drop_index('uq_wg_minutes_meeting_on_first', table_name='wg_minutes')
