"""Money the bank takes back: whatever became of a payment (paid up, repaid at an exit or
a redemption, kept beyond what was due, paid after the exit, a short payment paid back, an application
paid, a lapse ended), its return leaves the register and the refund list holding what the cooperative
still has, to the cent, in one transaction; money already paid back is refused in words."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import select

from app.clock import today
from app.extensions import db
from shares import admission, bank, register, renewal, surplus as surpluses
from shares.camt_writer import Credit, write_camt053
from shares.errors import PaymentDividedSince, ReturnedAfterRefund, SurplusAlreadyDecided
from shares.models import (ApplicationStatus, BankTransaction, MatchStatus, PaymentPurpose, PaymentStatus, Surplus,
                           SurplusDecision, SurplusKind)
from shares.payments import create_payment_request
from shares.settings import setting
from tests.shares.test_admission import apply_for
from tests.shares.test_money_leaving import IBAN, _figures, _refund_list

D = date
PAYER = "BE21001234567803"  # a member's bank, not the cooperative's own account


def _text(response):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _statement(ref, *credits, reversal=False):
    data = write_camt053(setting("COOP_IBAN"), ref, 0, list(credits))
    if reversal:
        data = data.replace(b"<CdtDbtInd>DBIT</CdtDbtInd><Sts>",
                            b"<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>")
    bank.import_statement(data)
    db.session.commit()


def _pay(request, cents, day=D(2024, 1, 10), ref="S1"):
    _statement(ref, Credit(cents, day, "Payer", iban=PAYER, reference=request.reference, bank_reference=f"{ref}-TX"))
    return db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents > 0)
                             .order_by(BankTransaction.id.desc()).limit(1))


def _paid_by_hand(make_member, shares, cents):
    """A member who subscribed ``shares`` on 1 January 2024 and paid ``cents`` for them, matched by hand."""
    member = make_member(iban=IBAN)
    _entry, request = register.subscribe(member, shares, on=D(2024, 1, 1))
    db.session.commit()
    credit = _pay(request, cents)
    return member, request, bank.match_by_hand(credit, request, expected_version=credit.version, reason="", actor=None)


def _take_back(request, cents, day=D(2024, 3, 10), ref="S9"):
    _statement(ref, Credit(-cents, day, "Payer", iban=PAYER, reference=request.reference, bank_reference=f"{ref}-R"),
               reversal=True)
    return db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents < 0)
                             .order_by(BankTransaction.id.desc()).limit(1))


def _returned(tx, request):
    done = bank.payment_returned(tx, request, expected_version=tx.version, reason="", actor=None)
    db.session.commit()
    db.session.refresh(request)
    return done


def _post(client, tx, request, confirmed):
    data = {f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "returned", f"tx{tx.id}-reference": request.reference}
    if confirmed:
        data["confirmed"] = "1"
    return client.post(f"/staff/payments/queue/{tx.id}", data=data)


def _paid_then_left(make_member, shares=3):
    member = make_member(iban=IBAN, first_name="Lou", last_name="Départ")
    _entry, request = register.subscribe(member, shares, on=D(2024, 1, 1))
    db.session.commit()
    _pay(request, request.amount_cents)
    register.resign(member, on=D(2024, 3, 1))
    db.session.commit()
    return member, request


# --- N1: money on the refund list ------------------------------------------------------------------

def test_a_payment_returned_after_the_exit_comes_off_the_leaving_refund(client, login_as, make_member):
    """A: 90 EUR paid, resigned (90 EUR listed), the bank returns the 90 EUR: nothing left to pay back."""
    login_as("staff")
    member, request = _paid_then_left(make_member)
    assert _refund_list() == [("leaving", 9000)]
    tx = _take_back(request, 9000)
    asked = _post(client, tx, request, confirmed=False)
    assert asked.status_code == 200, _text(asked)
    page = _text(asked)
    assert f"90.00 € paid on 10 January 2024 by Lou Départ for {request.formatted_reference} came back." in page
    assert "Taken out of the share register for Lou Départ: 90.00 €." in page
    assert "Taken off the refund list: 90.00 €, no longer to be paid back" in page
    assert (f"Lou Départ has left the cooperative: the request {request.formatted_reference} stays cancelled and "
            "nothing is asked of them again.") in page
    db.session.expire_all()
    assert _refund_list() == [("leaving", 9000)]  # nothing changed before the confirmation
    done = _post(client, tx, request, confirmed=True)
    assert done.status_code == 302
    assert "Payment returned. Taken out of the share register for Lou Départ: 90.00 €." in _text(
        client.get("/staff/payments/queue"))
    db.session.expire_all()
    assert _refund_list() == [] and _figures(member) == (0, 0, 0)
    assert (request.status, request.paid_cents) == (PaymentStatus.CANCELLED, 0)
    assert tx.match_status is MatchStatus.RETURNED
    leaving = db.session.scalar(select(Surplus).where(Surplus.kind == SurplusKind.LEAVING))
    assert leaving.voided_at is not None and leaving.refunded_at is None
    csv = client.get("/staff/payments/refunds?format=csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 1  # the header alone
    assert "90.00" not in _text(client.get("/staff/payments/refunds"))
    login_as(member.account)
    mine = client.get("/me/payments").get_data(as_text=True)
    assert "You have left the cooperative: nothing more is asked of you." in mine and "qr-box" not in mine


def test_a_return_refunded_already_is_refused_in_words(client, login_as, make_member):
    login_as("staff")
    member, request = _paid_then_left(make_member)
    [leaving] = db.session.scalars(surpluses.refund_list_statement()).all()
    surpluses.mark_refunded(leaving)
    db.session.commit()
    tx = _take_back(request, 9000)
    with pytest.raises(ReturnedAfterRefund):
        bank.payment_returned(tx, request, expected_version=tx.version, reason="", actor=None)
    db.session.rollback()
    response = _post(client, tx, request, confirmed=True)
    assert response.status_code == 409
    assert ("The bank took back 90.00 € that the cooperative had already paid back from the refund list on "
            f"{today().day} ") in _text(response)
    assert "went back to the payer twice. Recover it from the payer" in _text(response)
    db.session.expire_all()
    assert tx.in_queue and _figures(member) == (0, 0, 0) and request.status is PaymentStatus.PAID


def test_a_partial_payment_cancelled_at_the_exit_and_returned_lowers_the_refund(client, login_as, make_member):
    """B and N5: 30 EUR paid, then 10 EUR of a 60 EUR request; the exit cancels it and lists 40 EUR; the
    bank returns the 10 EUR: 30 EUR stay listed, in true words, never 'try again'."""
    login_as("staff")
    member = make_member(iban=IBAN)
    _entry, first = register.subscribe(member, 1, on=D(2024, 1, 1))
    register.record_payment(first, 3000, on=D(2024, 1, 1))
    _entry, extra = register.subscribe(member, 2, on=D(2024, 1, 5))
    db.session.commit()
    credit = _pay(extra, 1000)
    bank.match_by_hand(credit, extra, expected_version=credit.version, reason="", actor=None)
    register.resign(member, on=D(2024, 3, 1))
    db.session.commit()
    assert _refund_list() == [("leaving", 4000)]
    tx = _take_back(extra, 1000)
    asked = _post(client, tx, extra, confirmed=False)
    assert asked.status_code == 200
    assert "Taken off the refund list: 10.00 €" in _text(asked) and "stays cancelled" in _text(asked)
    assert _post(client, tx, extra, confirmed=True).status_code == 302
    db.session.expire_all()
    assert _refund_list() == [("leaving", 3000)] and _figures(member) == (0, 0, 0)
    assert (extra.status, extra.paid_cents, first.status, first.paid_cents) == (
        PaymentStatus.CANCELLED, 0, PaymentStatus.PAID, 3000)
    assert register.totals(today()) == {} or all(t.paid_cents == 0 for t in register.totals(today()).values())


def test_money_paid_after_the_exit_and_returned_leaves_the_refund_list(make_member):
    """C: a member who left pays 60 EUR, listed as paid after the exit; the bank takes it back."""
    member = make_member(iban=IBAN)
    _entry, request = register.subscribe(member, 2, on=D(2024, 1, 1))
    db.session.commit()
    register.resign(member, on=D(2024, 2, 1))
    db.session.commit()
    credit = _pay(request, 6000, day=D(2024, 2, 10))
    bank.match_by_hand(credit, request, expected_version=credit.version, reason="", actor=None)
    db.session.commit()
    assert _refund_list() == [("after_exit", 6000)]
    done = _returned(_take_back(request, 6000), request)
    assert (done.register_cents, done.refund_list_cents, done.left) == (0, 6000, True)
    assert _refund_list() == [] and _figures(member) == (0, 0, 0)


def test_an_overpayment_listed_then_returned_with_its_payment_after_the_exit(make_member):
    """D: 50 EUR for a 30 EUR share, the 20 EUR put on the refund list, the member leaves (30 EUR listed),
    the bank returns the 50 EUR: nothing is listed any more."""
    member, request, applied = _paid_by_hand(make_member, 1, 5000)
    surpluses.refund(applied.surplus)
    register.resign(member, on=D(2024, 3, 1))
    db.session.commit()
    assert sorted(_refund_list()) == [("leaving", 3000), ("overpayment", 2000)]
    done = _returned(_take_back(request, 5000), request)
    assert (done.register_cents, done.refund_list_cents) == (3000, 5000)
    assert _refund_list() == [] and _figures(member) == (0, 0, 0)
    assert (request.status, request.paid_cents) == (PaymentStatus.CANCELLED, 0)


def test_an_overpayment_waiting_for_a_decision_leaves_the_queue_with_its_return(make_member):
    member, request, applied = _paid_by_hand(make_member, 1, 5000)
    db.session.commit()
    assert len(db.session.scalars(surpluses.open_surpluses_statement()).all()) == 1
    done = _returned(_take_back(request, 5000), request)
    assert (done.register_cents, done.refund_list_cents) == (3000, 0)
    assert db.session.scalars(surpluses.open_surpluses_statement()).all() == []
    db.session.refresh(applied.surplus)
    assert applied.surplus.voided_at is not None and applied.surplus.decision is None
    assert (request.status, request.due_cents) == (PaymentStatus.OPEN, 3000) and _figures(member) == (1, 3000, 0)
    with pytest.raises(SurplusAlreadyDecided):  # a stale page cannot decide money the bank took back
        surpluses.refund(applied.surplus)
    db.session.rollback()


def test_a_short_payment_paid_back_then_returned_leaves_the_refund_list(make_member):
    """M: 10 EUR of 30, put on the refund list; the bank returns the same 10 EUR."""
    member, request, applied = _paid_by_hand(make_member, 1, 1000)
    surpluses.refund(applied.shortfall)
    db.session.commit()
    assert _refund_list() == [("underpayment", 1000)] and _figures(member) == (1, 3000, 0)
    done = _returned(_take_back(request, 1000), request)
    assert (done.register_cents, done.refund_list_cents) == (0, 1000)
    assert _refund_list() == [] and _figures(member) == (1, 3000, 0) and request.due_cents == 3000


def test_a_payment_returned_after_a_partial_redemption_takes_back_its_refund(make_member):
    """3 shares paid 90 EUR, 2 redeemed (60 EUR listed); the bank returns the 90 EUR: the share left is
    unpaid and asked for (30 EUR), and nothing is listed."""
    member = make_member(iban=IBAN)
    _entry, request = register.subscribe(member, 3, on=D(2024, 1, 1))
    db.session.commit()
    _pay(request, 9000)
    register.redeem(member, 2, on=D(2024, 2, 1))
    db.session.commit()
    assert _refund_list() == [("redemption", 6000)] and _figures(member) == (1, 3000, 3000)
    done = _returned(_take_back(request, 9000), request)
    assert (done.register_cents, done.refund_list_cents, done.left) == (9000, 6000, False)
    assert _refund_list() == [] and _figures(member) == (1, 3000, 0)
    assert (request.status, request.amount_cents, request.due_cents) == (PaymentStatus.OPEN, 3000, 3000)


# --- N3: an application's payment returned -----------------------------------------------------------

def test_decision_mode_a_returned_payment_sends_the_application_back_and_the_board_cannot_admit(
        client, login_as, make_staff):
    current_app.config["ADMISSION_MODE"] = "decision"
    try:
        application = apply_for(shares=1)
        request = application.payment_request
        _pay(request, 3000, day=today())
        db.session.refresh(application)
        assert application.status is ApplicationStatus.AWAITING_DECISION
        done = _returned(_take_back(request, 3000, day=today()), request)
        assert done.application_reopened
        db.session.refresh(application)
        assert application.status is ApplicationStatus.AWAITING_PAYMENT and request.due_cents == 3000
        with pytest.raises(admission.ApplicationNotPaid):
            admission.decide(application, admit=True, decision_on=today(), decision_reference="CA-1",
                             actor=make_staff())
        db.session.rollback()
        assert application.status is ApplicationStatus.AWAITING_PAYMENT
        assert _figures(application.member) == (0, 0, 0)
    finally:
        current_app.config["ADMISSION_MODE"] = "payment"


def test_the_board_cannot_admit_an_application_whose_request_is_not_paid(make_staff):
    """Whatever its status says, an application is admitted only with its request paid."""
    current_app.config["ADMISSION_MODE"] = "decision"
    try:
        application = apply_for(shares=1)
        _pay(application.payment_request, 3000, day=today())
        db.session.refresh(application)
        db.session.execute(db.update(type(application.payment_request)).where(
            type(application.payment_request).id == application.payment_request_id)
            .values(status=PaymentStatus.PARTIALLY_PAID))
        db.session.commit()
        with pytest.raises(admission.ApplicationNotPaid):
            admission.decide(application, admit=True, decision_on=today(), decision_reference="CA-1",
                             actor=make_staff())
    finally:
        current_app.config["ADMISSION_MODE"] = "payment"


def test_payment_mode_the_return_of_the_admitting_payment_keeps_the_member_and_asks_the_money_again(
        client, login_as, outbox):
    """A bank return does not undo an admission (only the board ends a membership): the payment leaves the
    register by a correction, the member stays one, out of good standing, and their request asks it again."""
    from shares.standing import NO_PAID_SHARE, standing_reasons

    login_as("staff")
    application = apply_for(shares=1)
    request = application.payment_request
    _pay(request, 3000, day=today())
    db.session.refresh(application)
    assert application.status is ApplicationStatus.ADMITTED
    member = application.member
    welcomed = len(outbox(member.email))
    tx = _take_back(request, 3000, day=today())
    asked = _post(client, tx, request, confirmed=False)
    assert asked.status_code == 200
    said = _text(asked)
    assert "Taken out of the share register for Inès Lefèvre: 30.00 €." in said
    assert f"{request.formatted_reference} asks 30.00 € again." in said
    assert ("This payment had admitted Inès Lefèvre: they stay a member (a bank return does not undo an admission), "
            "but are not in good standing until their shares are paid again.") in said
    db.session.expire_all()
    assert tx.in_queue and _figures(member) == (1, 3000, 3000)  # the confirmation changed nothing
    assert _post(client, tx, request, confirmed=True).status_code == 302
    db.session.expire_all()
    assert not tx.in_queue and tx.match_status is MatchStatus.RETURNED
    assert application.status is ApplicationStatus.ADMITTED and register.holding(member).status == "active"
    assert _figures(member) == (1, 3000, 0) and _refund_list() == []
    assert (request.status, request.due_cents) == (PaymentStatus.OPEN, 3000)
    assert NO_PAID_SHARE in standing_reasons(member, today())
    # The register's Amount column adds up: the correction shows the 30.00 € it took out (staff's page).
    entries = _text(client.get(f"/staff/members/{member.id}"))
    assert re.search(r"Correction [^€]*?[-\u2212]30\.00\xa0€", entries.replace(" €", "\xa0€")), entries
    # The certificate the admission mailed still checks as genuine, and says the payment was taken back since.
    from shares.models import CertificateIssue

    issued = db.session.scalar(select(CertificateIssue).where(CertificateIssue.member_id == member.id))
    check = _text(client.get(f"/certificates/{issued.token}"))
    assert ("Since then, a payment was taken back or corrected: the register shows 0.00 € paid up of 30.00 €."
            in check)
    # Paid again: the shares are paid up, nobody is admitted twice nor welcomed twice.
    _pay(request, 3000, day=today(), ref="S2")
    db.session.expire_all()
    assert _figures(member) == (1, 3000, 3000) and request.status is PaymentStatus.PAID
    assert application.status is ApplicationStatus.ADMITTED and NO_PAID_SHARE not in standing_reasons(member, today())
    assert len([m for m in outbox(member.email) if (m.dedupe_key or "").startswith("certificate:")]) <= 1
    assert len(outbox(member.email)) >= welcomed


def test_decision_mode_the_return_of_a_payment_the_board_admitted_on_keeps_the_admission(make_staff):
    """Paid, then admitted by the board, then taken back by the bank: the member stays, the capital is unpaid,
    and the request asks it again."""
    current_app.config["ADMISSION_MODE"] = "decision"
    try:
        application = apply_for(shares=2)
        request = application.payment_request
        _pay(request, 6000, day=today())
        admission.decide(application, admit=True, decision_on=today(), decision_reference="CA-9", actor=make_staff())
        db.session.commit()
        member = application.member
        assert _figures(member) == (2, 6000, 6000)
        done = _returned(_take_back(request, 6000, day=today()), request)
        assert done.admission_stands and not done.application_reopened and done.register_cents == 6000
        db.session.refresh(application)
        assert application.status is ApplicationStatus.ADMITTED
        assert _figures(member) == (2, 6000, 0) and (request.status, request.due_cents) == (PaymentStatus.OPEN, 6000)
    finally:
        current_app.config["ADMISSION_MODE"] = "payment"


def test_the_return_of_an_admitting_payment_after_the_exit_takes_it_off_the_leaving_refund(client, login_as):
    """Recorded after the member left: the money comes off their leaving refund, nothing is asked again."""
    application = apply_for(shares=1)
    request = application.payment_request
    _pay(request, 3000, day=today())
    member = application.member
    tx = _take_back(request, 3000, day=today())
    register.resign(member, on=today())
    db.session.commit()
    assert _refund_list() == [("leaving", 3000)]
    done = _returned(tx, request)
    assert done.left and done.refund_list_cents == 3000 and not done.admission_stands
    assert _refund_list() == [] and _figures(member) == (0, 0, 0)


# --- N4: a renewal payment that reinstated a lapsed member ---------------------------------------------

def test_a_returned_renewal_payment_puts_the_lapse_back_in_force(client, login_as, member_with_shares):
    login_as("staff")
    member = member_with_shares(1, on=D(2023, 1, 1), iban=IBAN)
    year = today().year
    fee = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=year)
    db.session.commit()
    register.lapse(member, fee, on=D(year, 1, 1))
    db.session.commit()
    _pay(fee, 2500, day=today())
    assert register.holding(member).status == "active" and renewal.lapsed_count(year) == 0
    tx = _take_back(fee, 2500, day=today())
    asked = _post(client, tx, fee, confirmed=False)
    assert "This payment had reinstated" in _text(asked) and "the lapse is in force again" in _text(asked)
    assert _post(client, tx, fee, confirmed=True).status_code == 302
    db.session.expire_all()
    assert register.holding(member).status == "lapsed" and renewal.lapsed_count(year) == 1
    assert (fee.status, fee.due_cents) == (PaymentStatus.OPEN, 2500)
    member_page = client.get(f"/staff/members/{member.id}")
    assert member_page.status_code == 200 and "lapsed (renewal unpaid)" in member_page.get_data(as_text=True)
    assert f"Lapsed: renewal {year} not paid" in client.get(f"/staff/renewal?year={year}").get_data(as_text=True)
    # Paid again: in force again (a reinstatement of its own, which a second return would undo).
    _pay(fee, 2500, day=today(), ref="S3")
    db.session.expire_all()
    assert register.holding(member).status == "active" and renewal.lapsed_count(year) == 0
    assert fee.status is PaymentStatus.PAID


def test_kept_money_decided_otherwise_is_not_taken_back_automatically(make_member):
    """An overpayment that bought shares is in the register as shares: its transfer's return matches no
    money still kept: refused in words (the money was divided since), and staff correct by hand."""
    member, request, applied = _paid_by_hand(make_member, 1, 6000)
    surpluses.buy_shares(applied.surplus)
    db.session.commit()
    assert applied.surplus.decision is SurplusDecision.EXTRA_SHARES
    tx = _take_back(request, 6000)
    with pytest.raises(PaymentDividedSince):
        bank.payment_returned(tx, request, expected_version=tx.version, reason="", actor=None)
