"""shares: every redemption's refund on the refund list, money paid after an exit, refunds voided

Revision ID: refund0027a1
Revises: reapply0027a1
Create Date: 2026-11-29 09:00:00

The money kept for staff (shares_surplus) gets two kinds, both decided (refund) at once:
"redemption" (the paid-up value of shares redeemed while the membership goes on; one per redemption
entry, by the existing unique share_entry_id) and "after_exit" (money paid for a member whose exit
was in force: it buys nothing). voided_at marks a refund called off before it was made, because the
exit or the redemption it paid back was corrected away: it leaves the refund list.
"""
import sqlalchemy as sa
from alembic import op

import app.db

revision = 'refund0027a1'
down_revision = 'reapply0027a1'
branch_labels = None
depends_on = None

# As shares.models._decision_check() writes it before and after this revision (frozen here).
BEFORE = ("(kind = 'overpayment' AND decision IN ('refund', 'extra_shares', 'credit')) OR "
          "(kind = 'underpayment' AND decision IN ('refund', 'keep_due', 'fewer_shares')) OR "
          "(kind = 'refused_application' AND decision IN ('refund')) OR "
          "(kind = 'leaving' AND decision IN ('refund')) OR decision IS NULL")
AFTER = ("(kind = 'overpayment' AND decision IN ('refund', 'extra_shares', 'credit')) OR "
         "(kind = 'underpayment' AND decision IN ('refund', 'keep_due', 'fewer_shares')) OR "
         "(kind = 'refused_application' AND decision IN ('refund')) OR "
         "(kind = 'leaving' AND decision IN ('refund')) OR "
         "(kind = 'redemption' AND decision IN ('refund')) OR "
         "(kind = 'after_exit' AND decision IN ('refund')) OR decision IS NULL")


def upgrade():
    with op.batch_alter_table('shares_surplus', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_shares_surplus_decision_fits_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_shares_surplus_decision_fits_kind'), AFTER)


def downgrade():
    with op.batch_alter_table('shares_surplus', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_shares_surplus_decision_fits_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_shares_surplus_decision_fits_kind'), BEFORE)
        batch_op.drop_column('voided_at')
