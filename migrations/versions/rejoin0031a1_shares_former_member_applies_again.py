"""shares: a former member applies again with their account, as a new membership

Revision ID: rejoin0031a1
Revises: wgsitck0031a1
Create Date: 2026-11-29 15:00:00

An account had one member row (a unique account_id), so someone who resigned could join again only
with another e-mail address. Now an account may have several memberships, one after the other: a new
one cites the one that ended (earlier_member_id, unique: one follows each). The table is rebuilt on
SQLite to drop the unique constraint; other tables refer to it, so SQLite's foreign keys are off while
it is (dropping the old copy would otherwise be refused), and checked once it is back.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = 'rejoin0031a1'
down_revision = 'wgsitck0031a1'
branch_labels = None
depends_on = None


@contextmanager
def _rebuilt_member_table():
    """SQLite rebuilds the table (copy, drop, rename): its foreign keys are off meanwhile (the pragma is
    read outside a transaction only), and every reference is checked afterwards."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    try:
        with op.batch_alter_table('shares_member') as batch_op:
            yield batch_op
        if sqlite:
            broken = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).fetchall()
            if broken:
                raise RuntimeError(f"Members: references broken by the rebuild of shares_member: {broken[:5]}")
    finally:
        if sqlite:
            with op.get_context().autocommit_block():
                op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    with _rebuilt_member_table() as batch_op:
        batch_op.drop_constraint('uq_shares_member_account_id', type_='unique')
        batch_op.create_index('ix_shares_member_account_id', ['account_id'], unique=False)
        batch_op.add_column(sa.Column('earlier_member_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_shares_member_earlier_member_id', ['earlier_member_id'])
        batch_op.create_foreign_key('fk_shares_member_earlier_member_id_shares_member', 'shares_member',
                                    ['earlier_member_id'], ['id'])


def downgrade():
    conn = op.get_bind()
    again = conn.execute(sa.text("SELECT count(*) FROM shares_member WHERE earlier_member_id IS NOT NULL")).scalar()
    if again:
        raise RuntimeError(f"Members: {again} membership(s) follow an earlier one of the same account; "
                           "one account could hold only one member row before this revision")
    with _rebuilt_member_table() as batch_op:
        batch_op.drop_constraint('fk_shares_member_earlier_member_id_shares_member', type_='foreignkey')
        batch_op.drop_constraint('uq_shares_member_earlier_member_id', type_='unique')
        batch_op.drop_column('earlier_member_id')
        batch_op.drop_index('ix_shares_member_account_id')
        batch_op.create_unique_constraint('uq_shares_member_account_id', ['account_id'])
