"""register: a leaving member's shares paid back from the refund list

Revision ID: leave0020a1
Revises: cdoc0019a1
Create Date: 2026-11-28 12:40:00

The money kept for staff (shares_surplus) gets a fourth kind, "leaving": the paid-up value of the
shares redeemed when a member resigns or is excluded, decided (refund) at once, to the account the
member gave. It names its redemption entry (share_entry_id, unique: paid back once); the CHECK that
keeps each kind to its decisions gains the new kind.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'leave0020a1'
down_revision = 'cdoc0019a1'
branch_labels = None
depends_on = None

# As shares.models._decision_check() writes it before and after this revision (frozen here).
BEFORE = ("(kind = 'overpayment' AND decision IN ('refund', 'extra_shares', 'credit')) OR "
          "(kind = 'underpayment' AND decision IN ('refund', 'keep_due', 'fewer_shares')) OR "
          "(kind = 'refused_application' AND decision IN ('refund')) OR decision IS NULL")
AFTER = ("(kind = 'overpayment' AND decision IN ('refund', 'extra_shares', 'credit')) OR "
         "(kind = 'underpayment' AND decision IN ('refund', 'keep_due', 'fewer_shares')) OR "
         "(kind = 'refused_application' AND decision IN ('refund')) OR "
         "(kind = 'leaving' AND decision IN ('refund')) OR decision IS NULL")


def upgrade():
    with op.batch_alter_table('shares_surplus', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_entry_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_shares_surplus_share_entry_id'), ['share_entry_id'])
        batch_op.create_foreign_key(batch_op.f('fk_shares_surplus_share_entry_id_shares_entry'), 'shares_entry',
                                    ['share_entry_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_shares_surplus_decision_fits_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_shares_surplus_decision_fits_kind'), AFTER)


def downgrade():
    with op.batch_alter_table('shares_surplus', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_shares_surplus_decision_fits_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_shares_surplus_decision_fits_kind'), BEFORE)
        batch_op.drop_constraint(batch_op.f('fk_shares_surplus_share_entry_id_shares_entry'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_shares_surplus_share_entry_id'), type_='unique')
        batch_op.drop_column('share_entry_id')
