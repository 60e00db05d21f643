"""working groups: the meeting of the day of board minutes is the first to the fourth, kept by the database

Revision ID: wgsitck0031a1
Revises: wgsitting0030a1
Create Date: 2026-11-29 15:10:00

wg_minutes.sitting (wgsitting0030a1) says which of the day's board meetings the minutes record: the form
offers the first to the fourth, and the service refuses any other. A CHECK constraint now keeps it so in
the database too. SQLite adds one by copying the table (batch mode, which keeps the partial index), with
its foreign keys off for the copy: dropping the old table would otherwise fail on the rows that refer to
it (a correction to the version it corrects, the items, the attendance). The upgrade stops first, naming
the minutes, if any holds another value.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = 'wgsitck0031a1'
down_revision = 'wgsitting0030a1'
branch_labels = None
depends_on = None

SITTING = "sitting BETWEEN 1 AND 4"


def _foreign_keys_on_again(dbapi_connection, record) -> None:
    """SQLite takes the pragma outside a transaction only: once the migrations' transaction is committed and
    the connection given back, not inside the migration."""
    if record.info.pop("wg_foreign_keys_off", False):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


@contextmanager
def _wg_minutes_copied():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")  # taken: no write of this run is left uncommitted
        bind.connection.info["wg_foreign_keys_off"] = True
        if not sa.event.contains(bind.engine.pool, "checkin", _foreign_keys_on_again):
            sa.event.listen(bind.engine.pool, "checkin", _foreign_keys_on_again)
    with op.batch_alter_table('wg_minutes') as batch_op:
        yield batch_op


def upgrade():
    outside = op.get_bind().execute(sa.text(
        f"SELECT id, meeting_on, sitting FROM wg_minutes WHERE NOT ({SITTING}) ORDER BY id")).all()
    if outside:
        which = ", ".join(f"number {id_} of {day} (meeting {sitting})" for id_, day, sitting in outside)
        raise RuntimeError(f"Board minutes: the meeting of the day is the first to the fourth, and these minutes "
                           f"say otherwise: {which}. Correct them, then upgrade again.")
    with _wg_minutes_copied() as batch_op:
        batch_op.create_check_constraint(op.f('ck_wg_minutes_sitting'), SITTING)


def downgrade():
    with _wg_minutes_copied() as batch_op:
        batch_op.drop_constraint(op.f('ck_wg_minutes_sitting'), type_='check')
