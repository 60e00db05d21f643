"""one house: no table for a visitor's kept draft; audit rows before the rename get their new names

Revision ID: house0016a1b2
Revises: regm0016b4d1
Create Date: 2026-11-27 11:40:00

- candidates_stashed_draft is dropped: a signed-out post of the candidacy form is no longer written
  to the database (the text is given back on the page and kept in the browser; issue 10).
- Audit rows written before actions were named ``module.noun.verb`` (commit 0443eb3 and the
  member-request rename in 32eecc1) get their new names, so that the audit log shows them in words.
  The log is append-only in the database: its triggers are lifted for this one UPDATE, in the same
  transaction, and put back. Nothing but the action name changes. The downgrade gives the old names back.

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = 'house0016a1b2'
down_revision = 'regm0016b4d1'
branch_labels = None
depends_on = None


# The names audit.record wrote before the rename -> the names it writes now.
RENAMED = {
    "auth.login": "app.session.sign_in",
    "account.password_set": "app.password.set",
    "account.totp_enrolled": "app.totp.enrol",
    "account.role_granted": "app.role.grant",
    "member.created": "shares.member.create",
    "member.profile_updated": "shares.member.profile_update",
    "payment_request.created": "shares.payment_request.create",
    "payment_request.cancelled": "shares.payment_request.cancel",
    "payment.applied": "shares.payment.record",
    "bank_statement.imported": "shares.statement.import",
    "bank_transaction.dismissed": "shares.bank_payment.set_aside",
    "bank_transaction.matched_by_hand": "shares.bank_payment.match_by_hand",
    "register.subscription": "shares.register.subscription",
    "register.transfer": "shares.register.transfer",
    "register.category_change": "shares.register.category_change",
    "register.redemption": "shares.register.redemption",
    "register.resignation": "shares.register.resignation",
    "register.exclusion": "shares.register.exclusion",
    "register.correction": "shares.register.correction",
    "voting.election_created": "voting.election.create",
    "voting.definition_published": "voting.definition.publish",
    "voting.trustee_keys_registered": "voting.trustee.register_keys",
    "voting.trustee_commitments": "voting.trustee.commit",
    "voting.trustee_share": "voting.trustee.share",
    "voting.trustee_complaint": "voting.trustee.complain",
    "voting.election_key": "voting.election.key",
    "voting.credentials_published": "voting.credentials.publish",
    "voting.credential_revoked": "voting.credential.revoke",
    "voting.election_opened": "voting.election.open",
    "voting.election_closed": "voting.election.close",
    "voting.tally_computed": "voting.tally.compute",
    "voting.partial_decryption": "voting.decryption.publish",
    "voting.result_published": "voting.result.publish",
}
# f"member_request.{kind or status}" became f"shares.member_request.{kind or status}".
MEMBER_REQUEST_SUFFIXES = ("buy_shares", "change_category", "resign", "pending", "approved", "refused")
for _suffix in MEMBER_REQUEST_SUFFIXES:
    RENAMED[f"member_request.{_suffix}"] = f"shares.member_request.{_suffix}"


def _rename(pairs: dict[str, str]) -> None:
    """Rename audit actions with the append-only triggers lifted for this statement only."""
    bind = op.get_bind()
    audit = sa.table("app_audit_entry", sa.column("action", sa.String))
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE app_audit_entry DISABLE TRIGGER app_audit_entry_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS app_audit_entry_no_update")
    for old, new in pairs.items():
        bind.execute(audit.update().where(audit.c.action == old).values(action=new))
    if postgres:
        op.execute("ALTER TABLE app_audit_entry ENABLE TRIGGER app_audit_entry_append_only")
    else:
        op.execute("""CREATE TRIGGER app_audit_entry_no_update BEFORE UPDATE ON app_audit_entry
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""")


def upgrade():
    with op.batch_alter_table('candidates_stashed_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidates_stashed_draft_created_at'))
    op.drop_table('candidates_stashed_draft')
    _rename(RENAMED)


def downgrade():
    _rename({new: old for old, new in RENAMED.items()})
    op.create_table('candidates_stashed_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['candidates_call.id'], name=op.f('fk_candidates_stashed_draft_call_id_candidates_call')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates_stashed_draft')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_candidates_stashed_draft_token_hash'))
    )
    with op.batch_alter_table('candidates_stashed_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidates_stashed_draft_created_at'), ['created_at'], unique=False)
