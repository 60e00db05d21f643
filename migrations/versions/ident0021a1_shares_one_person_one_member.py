"""shares: one person, one member, kept by the database

Revision ID: ident0021a1
Revises: leave0020a1
Create Date: 2026-11-28 15:30:00

A member's national or enterprise number belongs to no other membership that has not ended:
``shares_member.holds_identity`` (true while the membership is admitted and not ended, or the
application is in hand) and a partial unique index on each number where it holds. Members who left
(an exit entry no correction voids) or whose application was refused no longer hold theirs.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ident0021a1'
down_revision = 'leave0020a1'
branch_labels = None
depends_on = None

NUMBERS = ("national_number", "enterprise_number")


def upgrade():
    # A plain ADD COLUMN (no batch): SQLite would rebuild the table, which rows of other tables name.
    op.add_column('shares_member', sa.Column('holds_identity', sa.Boolean(), server_default=sa.true(), nullable=False))
    member = sa.table("shares_member", sa.column("id", sa.Integer), sa.column("holds_identity", sa.Boolean))
    entry = sa.table("shares_entry", sa.column("id", sa.Integer), sa.column("member_id", sa.Integer),
                     sa.column("kind", sa.String), sa.column("corrects_id", sa.Integer))
    correction = entry.alias("correction")
    application = sa.table("shares_membership_application", sa.column("member_id", sa.Integer),
                           sa.column("status", sa.String))
    left = sa.exists().where(entry.c.member_id == member.c.id, entry.c.kind.in_(("resignation", "exclusion")),
                             ~sa.exists().where(correction.c.corrects_id == entry.c.id))
    refused = sa.exists().where(application.c.member_id == member.c.id, application.c.status == "refused")
    op.execute(member.update().where(sa.or_(left, refused)).values(holds_identity=False))
    for column in NUMBERS:
        op.create_index(f"uq_shares_member_{column}_held", "shares_member", [column], unique=True,
                        sqlite_where=sa.text("holds_identity"), postgresql_where=sa.text("holds_identity"))


def downgrade():
    for column in NUMBERS:
        op.drop_index(f"uq_shares_member_{column}_held", table_name="shares_member")
    with op.batch_alter_table('shares_member', schema=None) as batch_op:
        batch_op.drop_column('holds_identity')
