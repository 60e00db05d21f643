"""share register, renewal, public board, secret mail

Revision ID: e49e7762aad5
Revises: 24b835f6bee1
Create Date: 2026-11-25 05:48:17.383404

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = 'e49e7762aad5'
down_revision = '24b835f6bee1'
branch_labels = None
depends_on = None


APPEND_ONLY = ("shares_entry", "voting_board_event")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION app_refuse_change() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql""")
    op.create_table('shares_bank_statement_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('account_iban', sa.String(length=34), nullable=False),
    sa.Column('statements_count', sa.Integer(), nullable=False),
    sa.Column('entries_count', sa.Integer(), nullable=False),
    sa.Column('new_transactions_count', sa.Integer(), nullable=False),
    sa.Column('statements', sa.JSON(), nullable=True),
    sa.Column('imported_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['app_account.id'], name=op.f('fk_shares_bank_statement_import_imported_by_id_app_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shares_bank_statement_import')),
    sa.UniqueConstraint('file_sha256', name=op.f('uq_shares_bank_statement_import_file_sha256'))
    )
    op.create_table('voting_election',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('state', sa.Enum('setup', 'keygen', 'open', 'closed', 'tallied', name='electionstate', native_enum=False, length=10), nullable=False),
    sa.Column('require_login', sa.Boolean(), nullable=False),
    sa.Column('public_key', sa.String(length=66), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('assembly_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tallied_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('board_touched_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_account.id'], name=op.f('fk_voting_election_created_by_id_app_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_election')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_voting_election_fingerprint')),
    sa.UniqueConstraint('slug', name=op.f('uq_voting_election_slug'))
    )
    with op.batch_alter_table('voting_election', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_election_assembly_id'), ['assembly_id'], unique=False)

    op.create_table('shares_member_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('buy_shares', 'change_category', 'resign', name='memberrequestkind', native_enum=False, length=20), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'refused', name='memberrequeststatus', native_enum=False, length=10), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_account.id'], name=op.f('fk_shares_member_request_decided_by_id_app_account')),
    sa.ForeignKeyConstraint(['member_id'], ['shares_member.id'], name=op.f('fk_shares_member_request_member_id_shares_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shares_member_request'))
    )
    with op.batch_alter_table('shares_member_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shares_member_request_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_member_request_status'), ['status'], unique=False)
        batch_op.create_index('uq_shares_member_request_pending', ['member_id', 'kind'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('shares_payment_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('subscription', 'renewal', 'additional_shares', name='paymentpurpose', native_enum=False, length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('shares', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('status', sa.Enum('open', 'partially_paid', 'paid', 'cancelled', name='paymentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('paid_cents', sa.BigInteger(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_account.id'], name=op.f('fk_shares_payment_request_created_by_id_app_account')),
    sa.ForeignKeyConstraint(['member_id'], ['shares_member.id'], name=op.f('fk_shares_payment_request_member_id_shares_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shares_payment_request')),
    sa.UniqueConstraint('reference', name=op.f('uq_shares_payment_request_reference'))
    )
    with op.batch_alter_table('shares_payment_request', schema=None) as batch_op:
        batch_op.create_index('ix_shares_payment_request_member', ['member_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_payment_request_status'), ['status'], unique=False)
        batch_op.create_index('uq_shares_payment_request_renewal', ['member_id', 'year'], unique=True, sqlite_where=sa.text("purpose = 'renewal'"), postgresql_where=sa.text("purpose = 'renewal'"))

    op.create_table('voting_board_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('prev', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['voting_election.id'], name=op.f('fk_voting_board_event_election_id_voting_election')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_board_event')),
    sa.UniqueConstraint('election_id', 'seq', name=op.f('uq_voting_board_event_election_id_seq')),
    sa.UniqueConstraint('hash', name=op.f('uq_voting_board_event_hash'))
    )
    with op.batch_alter_table('voting_board_event', schema=None) as batch_op:
        batch_op.create_index('ix_voting_board_event_type', ['election_id', 'type'], unique=False)

    op.create_table('voting_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('public', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=1), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('published_seq', sa.Integer(), nullable=False),
    sa.Column('revoked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['election_id'], ['voting_election.id'], name=op.f('fk_voting_credential_election_id_voting_election')),
    sa.ForeignKeyConstraint(['member_id'], ['shares_member.id'], name=op.f('fk_voting_credential_member_id_shares_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_credential')),
    sa.UniqueConstraint('election_id', 'public', name=op.f('uq_voting_credential_election_id_public'))
    )
    with op.batch_alter_table('voting_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_credential_member_id'), ['member_id'], unique=False)

    op.create_table('voting_trustee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('trustee_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('signing_key', sa.String(length=64), nullable=True),
    sa.Column('encryption_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['app_account.id'], name=op.f('fk_voting_trustee_account_id_app_account')),
    sa.ForeignKeyConstraint(['election_id'], ['voting_election.id'], name=op.f('fk_voting_trustee_election_id_voting_election')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_trustee')),
    sa.UniqueConstraint('election_id', 'trustee_id', name=op.f('uq_voting_trustee_election_id_trustee_id'))
    )
    with op.batch_alter_table('voting_trustee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_trustee_account_id'), ['account_id'], unique=False)

    op.create_table('voting_voter_roll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('voted_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['voting_election.id'], name=op.f('fk_voting_voter_roll_election_id_voting_election')),
    sa.ForeignKeyConstraint(['member_id'], ['shares_member.id'], name=op.f('fk_voting_voter_roll_member_id_shares_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_voter_roll')),
    sa.UniqueConstraint('election_id', 'member_id', name=op.f('uq_voting_voter_roll_election_id_member_id'))
    )
    op.create_table('shares_bank_transaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('bank_reference', sa.String(length=140), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('counterparty_name', sa.String(length=200), nullable=False),
    sa.Column('counterparty_iban', sa.String(length=34), nullable=True),
    sa.Column('structured_reference', sa.String(length=12), nullable=True),
    sa.Column('free_text', sa.String(length=500), nullable=False),
    sa.Column('match_status', sa.Enum('matched', 'partial', 'overpaid', 'unknown', 'ignored', name='matchstatus', native_enum=False, length=10), nullable=False),
    sa.Column('payment_request_id', sa.Integer(), nullable=True),
    sa.Column('matched_by_id', sa.Integer(), nullable=True),
    sa.Column('matched_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('match_reason', sa.String(length=500), nullable=False),
    sa.Column('resolved_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['shares_bank_statement_import.id'], name=op.f('fk_shares_bank_transaction_import_id_shares_bank_statement_import')),
    sa.ForeignKeyConstraint(['matched_by_id'], ['app_account.id'], name=op.f('fk_shares_bank_transaction_matched_by_id_app_account')),
    sa.ForeignKeyConstraint(['payment_request_id'], ['shares_payment_request.id'], name=op.f('fk_shares_bank_transaction_payment_request_id_shares_payment_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shares_bank_transaction')),
    sa.UniqueConstraint('bank_reference', name=op.f('uq_shares_bank_transaction_bank_reference'))
    )
    with op.batch_alter_table('shares_bank_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shares_bank_transaction_booking_date'), ['booking_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_bank_transaction_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_bank_transaction_payment_request_id'), ['payment_request_id'], unique=False)
        batch_op.create_index('ix_shares_bank_transaction_queue', ['match_status', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_bank_transaction_structured_reference'), ['structured_reference'], unique=False)

    op.create_table('shares_renewal_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('request', 'reminder_1', 'reminder_2', name='renewalstage', native_enum=False, length=12), nullable=False),
    sa.Column('sent_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payment_request_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['shares_member.id'], name=op.f('fk_shares_renewal_notice_member_id_shares_member')),
    sa.ForeignKeyConstraint(['payment_request_id'], ['shares_payment_request.id'], name=op.f('fk_shares_renewal_notice_payment_request_id_shares_payment_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shares_renewal_notice')),
    sa.UniqueConstraint('member_id', 'year', 'stage', name=op.f('uq_shares_renewal_notice_member_id_year_stage'))
    )
    with op.batch_alter_table('shares_renewal_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shares_renewal_notice_year'), ['year'], unique=False)

    op.create_table('voting_ballot_ciphertext',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('alpha', sa.String(length=66), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['voting_credential.id'], name=op.f('fk_voting_ballot_ciphertext_credential_id_voting_credential')),
    sa.ForeignKeyConstraint(['election_id'], ['voting_election.id'], name=op.f('fk_voting_ballot_ciphertext_election_id_voting_election')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_ballot_ciphertext')),
    sa.UniqueConstraint('election_id', 'alpha', name=op.f('uq_voting_ballot_ciphertext_election_id_alpha'))
    )
    op.create_table('voting_cast_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('tracker', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('superseded_by_tracker', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['credential_id'], ['voting_credential.id'], name=op.f('fk_voting_cast_ballot_credential_id_voting_credential')),
    sa.ForeignKeyConstraint(['election_id'], ['voting_election.id'], name=op.f('fk_voting_cast_ballot_election_id_voting_election')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_cast_ballot')),
    sa.UniqueConstraint('tracker', name=op.f('uq_voting_cast_ballot_tracker'))
    )
    with op.batch_alter_table('voting_cast_ballot', schema=None) as batch_op:
        batch_op.create_index('ix_voting_cast_ballot_current', ['credential_id', 'superseded_by_tracker'], unique=False)
        batch_op.create_index(batch_op.f('ix_voting_cast_ballot_election_id'), ['election_id'], unique=False)

    op.create_table('shares_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('subscription', 'payment', 'transfer_out', 'transfer_in', 'category_change', 'redemption', 'resignation', 'exclusion', 'correction', name='entrykind', native_enum=False, length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('shares', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('capital_cents', sa.BigInteger(), nullable=False),
    sa.Column('paid_cents', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.Enum('A', 'B', name='category', native_enum=False), nullable=True),
    sa.Column('counterpart_member_id', sa.Integer(), nullable=True),
    sa.Column('transfer_group', sa.String(length=36), nullable=True),
    sa.Column('board_decision_on', sa.Date(), nullable=True),
    sa.Column('board_reference', sa.String(length=100), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('payment_request_id', sa.Integer(), nullable=True),
    sa.Column('bank_transaction_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_transaction_id'], ['shares_bank_transaction.id'], name=op.f('fk_shares_entry_bank_transaction_id_shares_bank_transaction')),
    sa.ForeignKeyConstraint(['corrects_id'], ['shares_entry.id'], name=op.f('fk_shares_entry_corrects_id_shares_entry')),
    sa.ForeignKeyConstraint(['counterpart_member_id'], ['shares_member.id'], name=op.f('fk_shares_entry_counterpart_member_id_shares_member')),
    sa.ForeignKeyConstraint(['member_id'], ['shares_member.id'], name=op.f('fk_shares_entry_member_id_shares_member')),
    sa.ForeignKeyConstraint(['payment_request_id'], ['shares_payment_request.id'], name=op.f('fk_shares_entry_payment_request_id_shares_payment_request')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_account.id'], name=op.f('fk_shares_entry_recorded_by_id_app_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shares_entry')),
    sa.UniqueConstraint('bank_transaction_id', name=op.f('uq_shares_entry_bank_transaction_id'))
    )
    with op.batch_alter_table('shares_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shares_entry_corrects_id'), ['corrects_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_entry_effective_on'), ['effective_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_entry_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_shares_entry_member_effective', ['member_id', 'effective_on', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_entry_payment_request_id'), ['payment_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_entry_transfer_group'), ['transfer_group'], unique=False)

    with op.batch_alter_table('app_outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.Boolean(), server_default=sa.false(), nullable=False))

    # The register and the public board are append-only in the database too.
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION app_refuse_change()""")
        else:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                    BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def downgrade():
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
    with op.batch_alter_table('app_outbox_message', schema=None) as batch_op:
        batch_op.drop_column('secret')

    with op.batch_alter_table('shares_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shares_entry_transfer_group'))
        batch_op.drop_index(batch_op.f('ix_shares_entry_payment_request_id'))
        batch_op.drop_index('ix_shares_entry_member_effective')
        batch_op.drop_index(batch_op.f('ix_shares_entry_kind'))
        batch_op.drop_index(batch_op.f('ix_shares_entry_effective_on'))
        batch_op.drop_index(batch_op.f('ix_shares_entry_corrects_id'))

    op.drop_table('shares_entry')
    with op.batch_alter_table('voting_cast_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_cast_ballot_election_id'))
        batch_op.drop_index('ix_voting_cast_ballot_current')

    op.drop_table('voting_cast_ballot')
    op.drop_table('voting_ballot_ciphertext')
    with op.batch_alter_table('shares_renewal_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shares_renewal_notice_year'))

    op.drop_table('shares_renewal_notice')
    with op.batch_alter_table('shares_bank_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shares_bank_transaction_structured_reference'))
        batch_op.drop_index('ix_shares_bank_transaction_queue')
        batch_op.drop_index(batch_op.f('ix_shares_bank_transaction_payment_request_id'))
        batch_op.drop_index(batch_op.f('ix_shares_bank_transaction_import_id'))
        batch_op.drop_index(batch_op.f('ix_shares_bank_transaction_booking_date'))

    op.drop_table('shares_bank_transaction')
    op.drop_table('voting_voter_roll')
    with op.batch_alter_table('voting_trustee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_trustee_account_id'))

    op.drop_table('voting_trustee')
    with op.batch_alter_table('voting_credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_credential_member_id'))

    op.drop_table('voting_credential')
    with op.batch_alter_table('voting_board_event', schema=None) as batch_op:
        batch_op.drop_index('ix_voting_board_event_type')

    op.drop_table('voting_board_event')
    with op.batch_alter_table('shares_payment_request', schema=None) as batch_op:
        batch_op.drop_index('uq_shares_payment_request_renewal', sqlite_where=sa.text("purpose = 'renewal'"), postgresql_where=sa.text("purpose = 'renewal'"))
        batch_op.drop_index(batch_op.f('ix_shares_payment_request_status'))
        batch_op.drop_index('ix_shares_payment_request_member')

    op.drop_table('shares_payment_request')
    with op.batch_alter_table('shares_member_request', schema=None) as batch_op:
        batch_op.drop_index('uq_shares_member_request_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_shares_member_request_status'))
        batch_op.drop_index(batch_op.f('ix_shares_member_request_member_id'))

    op.drop_table('shares_member_request')
    with op.batch_alter_table('voting_election', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_election_assembly_id'))

    op.drop_table('voting_election')
    op.drop_table('shares_bank_statement_import')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION app_refuse_change()")
