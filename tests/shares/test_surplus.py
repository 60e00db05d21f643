"""Money beyond what was due is kept, and staff decide once: refund, extra shares, or next year's credit."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from app.clock import today
from app.extensions import db
from app.models import AuditEntry, OutboxMessage
from shares import bank, register, surplus as surpluses
from shares.camt_writer import Credit, write_camt053
from app.errors import error_message
from shares.errors import NothingDue, RefundAccountMissing, SurplusAlreadyDecided, SurplusTooSmall
from shares.models import (BankTransaction, EntryKind, PaymentPurpose, PaymentStatus, ShareEntry, Surplus,
                           SurplusDecision)
from shares.settings import setting


def _overpaid(make_member, make_staff, paid_cents: int, iban: str | None = "BE62510007547061"):
    staff = make_staff()
    member = make_member(first_name="Olga", last_name="Overpayer", iban=None)
    _, request = register.subscribe(member, 1, on=date(2024, 1, 1))
    db.session.commit()
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(paid_cents, date(2024, 1, 5), "Olga Overpayer", iban=iban, reference=request.reference)]))
    db.session.commit()
    tx = db.session.scalar(select(BankTransaction))
    assert tx.why == "overpaid" and request.status is PaymentStatus.OPEN  # waits for staff
    applied = bank.match_by_hand(tx, request, expected_version=tx.version, reason="", actor=staff)
    db.session.commit()
    return staff, member, request, applied.surplus


def test_an_overpayment_keeps_the_difference(make_member, make_staff):
    _staff, member, request, kept = _overpaid(make_member, make_staff, 6000)
    assert request.status is PaymentStatus.PAID and request.paid_cents == 3000
    assert (kept.amount_cents, kept.member_id, kept.decision) == (3000, member.id, None)
    assert kept.refund_iban == "BE62510007547061"  # the payer's account, from the bank
    entry = db.session.scalar(select(ShareEntry).where(ShareEntry.kind == EntryKind.PAYMENT))
    assert entry.amount_cents == entry.paid_cents == 3000
    receipt = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == member.email))
    assert "60,00" in receipt.body_text or "60.00" in receipt.body_text
    assert "30,00" in receipt.body_text or "30.00" in receipt.body_text


def test_refund_goes_on_the_refund_list_once(make_member, make_staff):
    staff, _member, _request, kept = _overpaid(make_member, make_staff, 4550)
    surpluses.refund(kept, actor=staff, note="paid twice")
    db.session.commit()
    assert kept.decision is SurplusDecision.REFUND and kept.amount_cents == 1550
    assert list(db.session.scalars(surpluses.refund_list_statement())) == [kept]
    with pytest.raises(SurplusAlreadyDecided):
        surpluses.credit_next_year(kept, actor=staff)
    surpluses.mark_refunded(kept, actor=staff)
    db.session.commit()
    assert list(db.session.scalars(surpluses.refund_list_statement())) == []
    with pytest.raises(SurplusAlreadyDecided):
        surpluses.mark_refunded(kept, actor=staff)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"shares.surplus.refund", "shares.surplus.refunded"} <= actions


def test_refund_needs_an_account(make_member, make_staff):
    staff, _member, _request, kept = _overpaid(make_member, make_staff, 4000, iban=None)
    with pytest.raises(RefundAccountMissing):
        surpluses.refund(kept, actor=staff)
    surpluses.refund(kept, iban="BE21 0012 3456 7803", actor=staff)
    assert kept.refund_iban == "BE21001234567803"


def test_a_stale_second_decision_is_refused_by_the_database_row(make_member, make_staff):
    """Two staff hold the same undecided surplus: the conditional UPDATE lets only one through."""
    staff, _member, _request, kept = _overpaid(make_member, make_staff, 6000)
    db.session.execute(update(Surplus).where(Surplus.id == kept.id)
                       .values(decision=SurplusDecision.CREDIT, decided_at=kept.created_at))
    with pytest.raises(SurplusAlreadyDecided):
        surpluses._claim(kept, SurplusDecision.REFUND, staff, "")
    db.session.rollback()
    with pytest.raises(IntegrityError):  # a decision always has its date (CHECK constraint)
        db.session.execute(text(f"UPDATE shares_surplus SET decision = 'refund' WHERE id = {kept.id}"))
    db.session.rollback()
    with pytest.raises(IntegrityError):  # one surplus per bank transaction (UNIQUE)
        db.session.add(Surplus(member_id=kept.member_id, bank_transaction_id=kept.bank_transaction_id,
                               amount_cents=1))
        db.session.flush()
    db.session.rollback()


def test_extra_shares_from_a_surplus_and_the_rest_kept(make_member, make_staff):
    staff, member, _request, kept = _overpaid(make_member, make_staff, 10_000)  # 70 EUR beyond 30
    request, rest = surpluses.buy_shares(kept, actor=staff)
    db.session.commit()
    assert request.shares == 2 and request.status is PaymentStatus.PAID
    assert register.holding(member).shares == 3 and register.holding(member).paid_cents == 9000
    assert rest.amount_cents == 1000 and rest.source_surplus_id == kept.id and rest.decision is None
    # The register says where the money came from in words (the cooperative's language), not "surplus #12".
    [bought] = [e for e in register.member_entries(member) if e.payment_request_id == request.id and e.shares]
    assert bought.note == "Paid with money kept beyond what was due"
    with pytest.raises(SurplusTooSmall):
        surpluses.buy_shares(rest, actor=staff)


def test_credit_towards_the_renewal_due(make_member, make_staff, app):
    staff, member, _request, kept = _overpaid(make_member, make_staff, 5000)  # 20 EUR beyond
    renewal = surpluses.credit_next_year(kept, actor=staff)
    db.session.commit()
    # A member since 2024 who has not renewed this year: this year's renewal is the one due.
    assert renewal.purpose is PaymentPurpose.RENEWAL and renewal.year == today().year
    assert renewal.paid_cents == 2000 and renewal.status is PaymentStatus.PARTIALLY_PAID
    letters = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.to_address == member.email)
                                 .order_by(OutboxMessage.id)).all()
    assert letters[-1] == "We used 20.00 € you had paid beyond what was due"
    # A second surplus larger than what is still due: the rest is kept again.
    big = Surplus(member_id=member.id, amount_cents=2500)
    db.session.add(big)
    db.session.flush()
    surpluses.credit_next_year(big, actor=staff)
    db.session.commit()
    assert renewal.status is PaymentStatus.PAID
    rest = db.session.scalar(select(Surplus).where(Surplus.source_surplus_id == big.id))
    assert rest.amount_cents == 1500
    # This year's renewal paid, the next is next year's; once that one is paid too, nothing is due.
    following = surpluses.credit_next_year(rest, actor=staff)
    assert (following.year, following.paid_cents, following.due_cents) == (today().year + 1, 1500, 1500)
    more = Surplus(member_id=member.id, amount_cents=2000)
    db.session.add(more)
    db.session.flush()
    surpluses.credit_next_year(more, actor=staff)
    last = db.session.scalar(select(Surplus).where(Surplus.source_surplus_id == more.id))
    assert following.status is PaymentStatus.PAID and last.amount_cents == 500
    with pytest.raises(NothingDue) as paid:
        surpluses.credit_next_year(last, actor=staff)
    with app.test_request_context():  # the staff page's words
        assert error_message(paid.value) == (f"The membership fee of {today().year + 1} is already paid: there is "
                                             "nothing to credit.")
    following.status = PaymentStatus.CANCELLED  # staff cancelled it: not "already paid"
    db.session.flush()
    with pytest.raises(NothingDue) as cancelled:
        surpluses.credit_next_year(last, actor=staff)
    with app.test_request_context():
        assert error_message(cancelled.value) == (f"The renewal of {today().year + 1} was cancelled: there is nothing "
                                                  "to credit this money to.")


def test_the_audit_log_names_the_money_s_objects(make_member, make_staff, data_app):
    """The audit log's object column (app.audit.object_names): the bank file by its name, the bank
    payment by its date, amount and payer, the money kept by its amount and member, the request by
    its structured communication; never a row id."""
    from app import audit
    from shares.references import format_reference

    staff, member, request, kept = _overpaid(make_member, make_staff, 4550)
    surpluses.refund(kept, actor=staff, note="paid twice")
    db.session.commit()
    entries = list(db.session.scalars(select(AuditEntry)))
    with data_app.app_context(), data_app.test_request_context(headers={"Accept-Language": "en"}):
        names = audit.object_names(entries)
    by_type = {entry.object_type: names.get((entry.object_type, entry.object_id)) for entry in entries}
    number = f"no. {member.number}, Olga Overpayer"
    assert by_type["shares_bank_transaction"] == "5 Jan 2024, 45.50 €, Olga Overpayer"
    assert by_type["shares_surplus"] == f"15.50 €, {number}"
    assert by_type["shares_member"] == number
    assert by_type["shares_payment_request"] == format_reference(request.reference)  # +++123/4567/89002+++
    assert by_type["shares_bank_statement_import"]  # the file's name, or its fingerprint's start


def test_the_cooperative_s_own_account_is_never_where_a_refund_goes(make_member, make_staff):
    """A payer's account that is ours (a transfer between our accounts, a slip) is no account to pay back
    to: the refund is listed without one, and marking it paid back asks for the real one."""
    staff, _member, _request, kept = _overpaid(make_member, make_staff, 4000, iban=None)
    with pytest.raises(RefundAccountMissing):
        surpluses.refund(kept, iban="BE71 0961 2345 6769", actor=staff)  # the cooperative's own (COOP_IBAN)
    kept.refund_iban = "BE71096123456769"  # as a bank file would give it
    with pytest.raises(RefundAccountMissing):
        surpluses.refund(kept, actor=staff)
    surpluses.refund(kept, iban="BE21 0012 3456 7803", actor=staff)
    surpluses.mark_refunded(kept, iban="BE71096123456769", actor=staff)  # the refund's own account stands
    assert kept.refund_iban == "BE21001234567803" and kept.refunded_at is not None
