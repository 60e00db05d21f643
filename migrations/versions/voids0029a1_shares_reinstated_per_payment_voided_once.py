"""shares: a reinstatement per payment entry; an entry's effect voided once

Revision ID: voids0029a1
Revises: wgmoved0028a1
Create Date: 2026-11-29 10:00:00

A renewal paid, taken back by the bank, paid again and taken back again left the member active: one
reinstatement per request could be written, so the second payment corrected the lapse instead, and its
return had nothing to undo. A reinstatement now names the payment entry that made it
(shares_entry.payment_entry_id) and is unique per payment entry; each return corrects its own.
Reinstatements recorded before keep NULL there (the index does not hold NULLs). A plain integer, no
foreign key (SQLite cannot add one without copying the table, which would drop its append-only
triggers); register entries are never deleted.

A correction that moves no figure (voiding an exit, a lapse or a reinstatement) is unique per entry it
cites: two staff, or a double click, no longer void one entry twice. The upgrade stops first, naming
the entries, if the register already holds such a pair (correct the register, then upgrade).

Plain ALTER TABLE / CREATE INDEX: no batch copy of shares_entry, so its append-only triggers stay.
"""
import sqlalchemy as sa
from alembic import op

revision = 'voids0029a1'
down_revision = 'wgmoved0028a1'
branch_labels = None
depends_on = None

REINSTATEMENT = sa.text("kind = 'reinstatement'")
VOIDS = sa.text("kind = 'correction' AND shares = 0 AND amount_cents = 0 AND capital_cents = 0 "
                "AND paid_cents = 0 AND category IS NULL")


def upgrade():
    twice = op.get_bind().execute(sa.text(
        f"SELECT corrects_id, count(*) FROM shares_entry WHERE corrects_id IS NOT NULL AND {VOIDS.text} "
        "GROUP BY corrects_id HAVING count(*) > 1 ORDER BY corrects_id")).all()
    if twice:
        entries = ", ".join(f"{entry} ({count} corrections)" for entry, count in twice)
        raise RuntimeError(f"Share register: the entries {entries} are voided more than once; the new index "
                           "cannot hold them. Leave one correction of each in force, then upgrade.")
    op.add_column('shares_entry', sa.Column('payment_entry_id', sa.Integer(), nullable=True))
    op.drop_index('uq_shares_entry_reinstatement', table_name='shares_entry')
    op.create_index('uq_shares_entry_reinstatement', 'shares_entry', ['payment_entry_id'], unique=True,
                    sqlite_where=REINSTATEMENT, postgresql_where=REINSTATEMENT)
    op.create_index('uq_shares_entry_voided_once', 'shares_entry', ['corrects_id'], unique=True,
                    sqlite_where=VOIDS, postgresql_where=VOIDS)


def downgrade():
    twice = op.get_bind().execute(sa.text(
        "SELECT payment_request_id, count(*) FROM shares_entry WHERE kind = 'reinstatement' "
        "GROUP BY payment_request_id HAVING count(*) > 1 ORDER BY payment_request_id")).all()
    if twice:
        requests = ", ".join(f"{request} ({count} reinstatements)" for request, count in twice)
        raise RuntimeError(f"Share register: the renewal requests {requests} reinstated a member more than once "
                           "(paid again after a bank return); the older index cannot hold them.")
    op.drop_index('uq_shares_entry_voided_once', table_name='shares_entry')
    op.drop_index('uq_shares_entry_reinstatement', table_name='shares_entry')
    op.create_index('uq_shares_entry_reinstatement', 'shares_entry', ['payment_request_id'], unique=True,
                    sqlite_where=REINSTATEMENT, postgresql_where=REINSTATEMENT)
    op.drop_column('shares_entry', 'payment_entry_id')
