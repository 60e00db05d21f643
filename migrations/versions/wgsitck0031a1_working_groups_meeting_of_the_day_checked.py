"""working groups: the meeting of the day of board minutes is the first to the fourth, kept by the database

Revision ID: wgsitck0031a1
Revises: wgsitting0030a1
Create Date: 2026-11-29 15:10:00

wg_minutes.sitting (wgsitting0030a1) says which of the day's board meetings the minutes record: the form
offers the first to the fourth, and the service refuses any other. The database now keeps it so too: a
CHECK constraint on PostgreSQL. SQLite adds a CHECK only by copying the table, and dropping the old copy
fails on the rows that refer to it (a correction to the version it corrects, the items, the attendance)
unless foreign keys are switched off, which SQLite ignores inside the transaction an upgrade of several
revisions has open: two triggers keep the same rule there instead, as the audit log's are kept. The
upgrade stops first, naming the minutes, if any holds another value.
"""
import sqlalchemy as sa
from alembic import op

revision = 'wgsitck0031a1'
down_revision = 'wgsitting0030a1'
branch_labels = None
depends_on = None

SITTING = "sitting BETWEEN 1 AND 4"
NAME = "ck_wg_minutes_sitting"
SQLITE_TRIGGERS = {f"{NAME}_insert": "INSERT", f"{NAME}_update": "UPDATE OF sitting"}


def upgrade():
    outside = op.get_bind().execute(sa.text(
        f"SELECT id, meeting_on, sitting FROM wg_minutes WHERE NOT ({SITTING}) ORDER BY id")).all()
    if outside:
        which = ", ".join(f"number {id_} of {day} (meeting {sitting})" for id_, day, sitting in outside)
        raise RuntimeError(f"Board minutes: the meeting of the day is the first to the fourth, and these minutes "
                           f"say otherwise: {which}. Correct them, then upgrade again.")
    if op.get_bind().dialect.name == "sqlite":
        for name, verb in SQLITE_TRIGGERS.items():
            op.execute(f"""CREATE TRIGGER {name} BEFORE {verb} ON wg_minutes WHEN NOT (NEW.{SITTING})
                BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}'); END""")
    else:
        op.create_check_constraint(op.f(NAME), "wg_minutes", SITTING)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.drop_constraint(op.f(NAME), "wg_minutes", type_="check")
