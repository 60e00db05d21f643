"""A payment is judged by its own date: money a member paid while still a member pays what it was for, even
when the exit was recorded before the payment reached the register; money paid once they had left, or for a
request their exit cancelled, buys nothing and goes on the refund list."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from shares import bank, register, surplus as surpluses
from shares.camt_writer import Credit, write_camt053
from shares.models import BankTransaction, EntryKind, PaymentPurpose, PaymentStatus, ShareEntry, SurplusKind
from shares.payments import create_payment_request
from shares.settings import setting

D = date
IBAN = "BE62510007547061"
PAYER = "BE21001234567803"


def _refund_list():
    return sorted((s.kind.value, s.amount_cents) for s in db.session.scalars(surpluses.refund_list_statement()))


def _fee_entries(member):
    return [(e.effective_on, e.amount_cents, e.paid_cents) for e in db.session.scalars(
        select(ShareEntry).where(ShareEntry.member_id == member.id, ShareEntry.kind == EntryKind.PAYMENT,
                                 ShareEntry.paid_cents == 0).order_by(ShareEntry.id))]


def _left_with_a_renewal_partly_paid(member_with_shares):
    member = member_with_shares(2, on=D(2024, 1, 2), iban=IBAN)
    renewal = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=2024)
    register.record_payment(renewal, 1000, on=D(2024, 1, 5))
    register.resign(member, on=D(2024, 2, 1))  # a renewal partly paid stays at the exit
    db.session.commit()
    assert renewal.status is PaymentStatus.PARTIALLY_PAID
    assert _refund_list() == [("leaving", 6000)]  # the two shares
    return member, renewal


def test_money_paid_before_the_exit_pays_the_renewal_and_is_not_refunded(member_with_shares):
    member, renewal = _left_with_a_renewal_partly_paid(member_with_shares)
    applied = register.record_payment(renewal, 1500, on=D(2024, 1, 20))  # booked while a member, recorded later
    db.session.commit()
    assert applied.surplus is None and applied.excess_cents == 0
    assert (renewal.status, renewal.paid_cents) == (PaymentStatus.PAID, 2500)
    assert _fee_entries(member) == [(D(2024, 1, 5), 1000, 0), (D(2024, 1, 20), 1500, 0)]
    assert _refund_list() == [("leaving", 6000)]  # nothing of the 15.00 EUR goes back
    assert register.holding(member).paid_cents == 0  # a fee is no capital


def test_money_paid_on_or_after_the_exit_day_buys_nothing_and_goes_back(member_with_shares):
    member, renewal = _left_with_a_renewal_partly_paid(member_with_shares)
    for day in (D(2024, 2, 1), D(2024, 2, 10)):
        applied = register.record_payment(renewal, 1500, on=day)
        assert applied.surplus.kind is SurplusKind.AFTER_EXIT and applied.surplus.amount_cents == 1500
    db.session.commit()
    db.session.refresh(renewal)
    assert (renewal.status, renewal.paid_cents) == (PaymentStatus.PARTIALLY_PAID, 1000)
    assert _fee_entries(member) == [(D(2024, 1, 5), 1000, 0)]
    assert _refund_list() == [("after_exit", 1500), ("after_exit", 1500), ("leaving", 6000)]


def test_a_bank_statement_imported_after_the_exit_pays_with_what_was_booked_before_it(
        client, login_as, member_with_shares):
    """The import judges each credit by its booking day: the rest of the renewal booked before the exit pays
    it; a credit booked after it waits for staff as money of someone who left, and goes on the refund list."""
    member, renewal = _left_with_a_renewal_partly_paid(member_with_shares)
    result = bank.import_statement(write_camt053(setting("COOP_IBAN"), "B1", 0, [
        Credit(1500, D(2024, 1, 25), "Payer", iban=PAYER, reference=renewal.reference),
        Credit(2500, D(2024, 2, 3), "Payer", iban=PAYER, reference=renewal.reference)]))
    db.session.commit()
    assert result.counts == {"matched": 1, "left": 1}
    assert (renewal.status, renewal.paid_cents) == (PaymentStatus.PAID, 2500)
    assert _fee_entries(member) == [(D(2024, 1, 5), 1000, 0), (D(2024, 1, 25), 1500, 0)]
    assert _refund_list() == [("leaving", 6000)]
    late = db.session.scalar(select(BankTransaction).where(BankTransaction.why == "left"))
    assert late.amount_cents == 2500
    login_as("staff")
    opened = client.get(f"/staff/payments/queue/{late.id}").get_data(as_text=True)
    assert "this money buys nothing and enters no register" in opened
    response = client.post(f"/staff/payments/queue/{late.id}", data={
        f"tx{late.id}-version": late.version, f"tx{late.id}-action": "match",
        f"tx{late.id}-reference": renewal.formatted_reference}, follow_redirects=True)
    assert response.status_code == 200 and "25.00 € is on the refund list" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _refund_list() == [("after_exit", 2500), ("leaving", 6000)]
    assert (renewal.status, renewal.paid_cents) == (PaymentStatus.PAID, 2500)


def test_money_for_a_request_the_exit_cancelled_goes_back_even_when_paid_before_it(make_member):
    member = make_member(iban=IBAN)
    _e, request = register.subscribe(member, 2, on=D(2024, 1, 1))
    register.resign(member, on=D(2024, 2, 1))  # the unpaid subscription leaves with its request
    db.session.commit()
    assert request.status is PaymentStatus.CANCELLED
    applied = register.record_payment(request, 6000, on=D(2024, 1, 15))
    db.session.commit()
    assert applied.surplus.kind is SurplusKind.AFTER_EXIT and applied.surplus.amount_cents == 6000
    assert (request.status, request.paid_cents) == (PaymentStatus.CANCELLED, 0)
    assert register.holding(member).paid_cents == 0 and register.holding(member, D(2024, 1, 20)).paid_cents == 0
    assert _refund_list() == [("after_exit", 6000)]
