"""voting: the board's events and the running sums are compressed with lz4 on PostgreSQL

Revision ID: vlz0017a1b2
Revises: house0016a1b2
Create Date: 2026-11-27 17:25:00

A ballot event's data (some 27 kB of JSON) and a running-sum row (some 25 kB, rewritten at every
cast) are compressed by PostgreSQL as they are stored. Its default method (pglz) cost about a
millisecond of the database's CPU per cast, of some six; lz4 costs a fraction of that for a
similar size (docs/election-record.md 9.1). Values already stored keep their method and read as
before. Skipped where the server has no lz4 (before PostgreSQL 14, or built without it) and on
SQLite, which does not compress.

"""
from alembic import op

revision = 'vlz0017a1b2'
down_revision = 'house0016a1b2'
branch_labels = None
depends_on = None

COLUMNS = (("voting_board_event", "data"), ("voting_running_sum", "state"))


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").scalar())


def upgrade():
    if _lz4_available():
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade():
    if _lz4_available():
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION DEFAULT")
