"""Money that leaves with a member adds up: an exit undone takes its refund off the refund list, every
redemption puts what it repays on that list once, shares redeemed unpaid are no longer asked for, paid-up
capital never exceeds subscribed capital, and money paid for someone who left buys nothing: it waits for
staff, then goes on the refund list. Amounts to the cent, on every surface that shows them."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.clock import today
from app.extensions import db
from shares import bank, register, surplus as surpluses
from shares.camt_writer import Credit, write_camt053
from shares.errors import MemberLeftMoney, RefundAlreadyMade, RefundStillListed, SurplusAlreadyDecided
from shares.models import (BankTransaction, EntryKind, MatchStatus, PaymentPurpose, PaymentStatus, ShareEntry, Surplus,
                           SurplusDecision, SurplusKind)
from shares.payments import create_payment_request
from shares.settings import setting

D = date
IBAN = "BE62510007547061"
PAYER = "BE21001234567803"  # a member's bank, not the cooperative's own account


def _refund_list():
    return [(s.kind.value, s.amount_cents) for s in db.session.scalars(surpluses.refund_list_statement())]


def _figures(member):
    position = register.holding(member)
    return position.shares, position.capital_cents, position.paid_cents


def _register_totals():
    figures = register.totals(today())
    return sum(t.capital_cents for t in figures.values()), sum(t.paid_cents for t in figures.values())


def _import(cents, request, ref, day=D(2024, 3, 1)):
    result = bank.import_statement(write_camt053(setting("COOP_IBAN"), ref, 0, [
        Credit(cents, day, "Payer", iban=PAYER, reference=request.reference)]))
    db.session.commit()
    return result


def _entry(member, kind):
    return db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id, ShareEntry.kind == kind)
                             .order_by(ShareEntry.id.desc()).limit(1))


# --- 1. an exit undone -----------------------------------------------------------------------------

def test_an_exit_undone_keeps_its_refund_until_the_shares_come_back_and_leaving_again_lists_one_refund(
        member_with_shares):
    """90 EUR paid in, resigned, the exit corrected away: the redemption stands, so its
    90 EUR stay on the refund list (owed to the member); the shares put back take it off; resigned again:
    one refund of 90 EUR on the list, not two (180 EUR for 90 EUR received), and never none."""
    member = member_with_shares(3, on=D(2024, 1, 1), iban=IBAN)
    resignation, redemption = register.resign(member, on=D(2024, 2, 1))
    db.session.commit()
    assert _refund_list() == [("leaving", 9000)]
    register.correct(resignation, reason="resigned by mistake", on=D(2024, 2, 2))
    db.session.commit()
    assert _refund_list() == [("leaving", 9000)]
    assert register.holding(member).status == "active" and _figures(member) == (0, 0, 0)
    register.correct(redemption, reason="shares back: the exit was a mistake", on=D(2024, 2, 2), shares=3,
                     capital_cents=9000, paid_cents=9000)
    db.session.commit()
    assert _refund_list() == []
    voided = db.session.scalar(select(Surplus).where(Surplus.share_entry_id == redemption.id))
    assert voided.voided_at is not None and voided.refunded_at is None
    with pytest.raises(SurplusAlreadyDecided):  # a voided refund cannot be marked paid back
        surpluses.mark_refunded(voided)
    db.session.rollback()
    assert register.holding(member).status == "active" and _figures(member) == (3, 9000, 9000)
    register.resign(member, on=D(2024, 3, 1))
    db.session.commit()
    assert _refund_list() == [("leaving", 9000)]
    assert _figures(member) == (0, 0, 0)


def test_an_exit_corrected_alone_then_recorded_again_keeps_the_money_listed(member_with_shares):
    """Re-dating an exit (corrected, then resigned again) without touching the redemption: the
    90 EUR paid in stay on the refund list, once."""
    member = member_with_shares(3, on=D(2024, 1, 1), iban=IBAN)
    resignation, redemption = register.resign(member, on=D(2024, 2, 1))
    db.session.commit()
    register.correct(resignation, reason="wrong date", on=D(2024, 2, 2))
    db.session.commit()
    assert len(register.resign(member, on=D(2024, 3, 1))) == 1  # nothing left to redeem
    db.session.commit()
    assert _refund_list() == [("leaving", 9000)]
    assert register.holding(member).status == "resignation" and _figures(member) == (0, 0, 0)


def test_an_exit_whose_refund_was_made_stays_and_says_why(client, login_as, member_with_shares):
    member = member_with_shares(2, on=D(2024, 1, 1), iban=IBAN)
    resignation, _redemption = register.resign(member, on=D(2024, 2, 1))
    db.session.commit()
    [refund] = db.session.scalars(surpluses.refund_list_statement()).all()
    surpluses.mark_refunded(refund)
    db.session.commit()
    with pytest.raises(RefundAlreadyMade):
        register.correct(resignation, reason="mistake", on=D(2024, 2, 2))
    db.session.rollback()
    login_as("staff")
    response = client.post(f"/staff/members/{member.id}/register/correct", data={
        "entry_id": resignation.id, "shares": "0", "effective_on": "2024-02-02", "reason": "mistake",
        "confirmed": "1", "register_version": member.version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The 60.00 € this redemption paid back were marked as paid back on" in page
    assert "can no longer be undone" in page
    assert db.session.scalar(select(ShareEntry).where(ShareEntry.corrects_id == resignation.id)) is None
    assert register.holding(member).status == "resignation"


def test_paid_capital_is_not_put_back_while_its_refund_is_listed(client, login_as, member_with_shares):
    member = member_with_shares(3, on=D(2024, 1, 1), iban=IBAN)
    resignation, redemption = register.resign(member, on=D(2024, 2, 1))
    db.session.commit()
    with pytest.raises(RefundStillListed) as refused:  # the exit still stands: correct it first
        register.correct(redemption, reason="x", on=D(2024, 2, 2), shares=3, capital_cents=9000, paid_cents=9000)
    assert refused.value.exit_in_force and refused.value.amount_cents == 9000
    db.session.rollback()
    login_as("staff")
    response = client.post(f"/staff/members/{member.id}/register/correct", data={
        "entry_id": redemption.id, "shares": "3", "capital_cents": "90", "paid_cents": "90",
        "effective_on": "2024-02-02", "reason": "x", "confirmed": "1", "register_version": member.version})
    assert response.status_code == 409
    assert ("The 90.00 € this redemption pays back are still on the refund list: correct the resignation or "
            "exclusion first") in response.get_data(as_text=True)
    assert _refund_list() == [("leaving", 9000)] and _figures(member) == (0, 0, 0)
    # Undoing the exit from the page says the refund stays listed while the shares stay redeemed.
    db.session.expire_all()
    response = client.post(f"/staff/members/{member.id}/register/correct", data={
        "entry_id": resignation.id, "shares": "0", "effective_on": "2024-02-02", "reason": "resigned by mistake",
        "confirmed": "1", "register_version": member.version})
    assert response.status_code == 302
    assert ("Its shares stay redeemed, so the refund of 90.00 € stays on the refund list. To give the member their "
            "shares back, correct the redemption too") in client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert _refund_list() == [("leaving", 9000)]
    db.session.expire_all()
    response = client.post(f"/staff/members/{member.id}/register/correct", data={
        "entry_id": redemption.id, "shares": "3", "capital_cents": "90", "paid_cents": "90",
        "effective_on": "2024-02-02", "reason": "resigned by mistake", "confirmed": "1",
        "register_version": db.session.get(type(member), member.id).version})
    assert response.status_code == 302
    assert "The refund of 90.00 € is taken off the refund list." in client.get(
        f"/staff/members/{member.id}").get_data(as_text=True)
    assert _refund_list() == [] and _figures(member) == (3, 9000, 9000)


def test_a_plain_redemption_is_undone_by_putting_all_of_it_back(member_with_shares):
    member = member_with_shares(3, on=D(2024, 1, 1), iban=IBAN)
    redemption = register.redeem(member, 2, on=D(2024, 2, 1))
    db.session.commit()
    with pytest.raises(RefundStillListed) as refused:  # half of it: which half of the refund stays?
        register.correct(redemption, reason="x", on=D(2024, 2, 2), shares=1, capital_cents=3000, paid_cents=3000)
    assert not refused.value.exit_in_force
    db.session.rollback()
    register.correct(redemption, reason="redeemed by mistake", on=D(2024, 2, 2), shares=2, capital_cents=6000,
                     paid_cents=6000)
    db.session.commit()
    assert _refund_list() == [] and _figures(member) == (3, 9000, 9000)


# --- 4. every redemption on the refund list ---------------------------------------------------------

def test_a_redemption_that_does_not_end_the_membership_puts_its_refund_on_the_list_once(
        client, login_as, member_with_shares):
    member = member_with_shares(3, on=D(2024, 1, 1), iban=IBAN)
    login_as("staff")
    response = client.post(f"/staff/members/{member.id}/register/redeem", data={
        "shares": "2", "effective_on": "2024-02-01", "confirmed": "1", "register_version": member.version},
        follow_redirects=True)
    assert response.status_code == 200
    assert ("Redemption recorded. 60.00 € paid up is on the refund list, to be paid back to BE62 5100 0754 7061."
            in response.get_data(as_text=True))
    redemption = _entry(member, EntryKind.REDEMPTION)
    [refund] = db.session.scalars(surpluses.refund_list_statement()).all()
    assert (refund.kind, refund.amount_cents, refund.refund_iban, refund.share_entry_id) == (
        SurplusKind.REDEMPTION, 6000, IBAN, redemption.id)
    assert _figures(member) == (1, 3000, 3000) and _register_totals() == (3000, 3000)
    listed = client.get("/staff/payments/refunds").get_data(as_text=True)
    assert "60.00 €" in listed and "Shares redeemed, paid back" in listed
    # Once per register entry, by the database.
    db.session.add(Surplus(member_id=member.id, share_entry_id=redemption.id, amount_cents=6000,
                           kind=SurplusKind.REDEMPTION, decision=SurplusDecision.REFUND, decided_at=refund.decided_at))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_refund_listed_without_an_account_is_marked_paid_back_with_the_account_it_went_to(
        client, login_as, member_with_shares):
    """A member with no known account redeems shares: the refund list says so, and marking it paid back
    asks which account the money went to (refused without one, or with a bad one, in words); that
    account is kept with the refund and the amount leaves the list."""
    member = member_with_shares(3, on=D(2024, 1, 1))
    member.iban = None
    db.session.commit()
    login_as("staff")
    client.post(f"/staff/members/{member.id}/register/redeem", data={
        "shares": "2", "effective_on": "2024-02-01", "confirmed": "1", "register_version": member.version})
    [refund] = db.session.scalars(surpluses.refund_list_statement()).all()
    assert (refund.amount_cents, refund.refund_iban) == (6000, None)
    listed = client.get("/staff/payments/refunds").get_data(as_text=True)
    assert "No account known: ask the member for one." in listed and "60.00 € in all" in listed
    url = f"/staff/payments/kept/{refund.id}/refunded"
    for typed, words in (("", "A refund needs a valid IBAN to pay back to."), ("BE00 0000 0000 0000", "IBAN")):
        refused = client.post(url, data={"iban": typed})
        assert refused.status_code in (400, 422) and words in refused.get_data(as_text=True), typed
        assert "60.00 € in all" in refused.get_data(as_text=True)  # still on the list
    done = client.post(url, data={"iban": "BE62 5100 0754 7061"}, follow_redirects=True)
    assert done.status_code == 200 and "Marked as paid back: 60.00 € to BE62 5100 0754 7061." in done.get_data(as_text=True)
    db.session.expire_all()
    assert refund.refunded_at is not None and refund.refund_iban == IBAN
    assert db.session.scalars(surpluses.refund_list_statement()).all() == []


# --- 2. an exit cancels what is not paid up; money paid afterwards buys nothing ----------------------

def test_an_exit_cancels_every_request_for_shares_not_paid_up(make_member):
    """The first subscription too (staff-entered, unpaid), and one partly paid: what it received is repaid."""
    first_member = make_member(iban=IBAN)
    _e, first = register.subscribe(first_member, 2, on=D(2024, 1, 1))
    assert first.purpose is PaymentPurpose.SUBSCRIPTION
    register.resign(first_member, on=D(2024, 2, 1))
    db.session.commit()
    assert first.status is PaymentStatus.CANCELLED and _figures(first_member) == (0, 0, 0)
    assert _refund_list() == []

    member = make_member(iban=IBAN)
    _e, paid = register.subscribe(member, 1, on=D(2024, 1, 1))
    register.record_payment(paid, 3000, on=D(2024, 1, 1))
    _e, more = register.subscribe(member, 2, on=D(2024, 1, 2))
    register.record_payment(more, 1000, on=D(2024, 1, 3))
    db.session.commit()
    register.resign(member, on=D(2024, 2, 1))
    db.session.commit()
    db.session.refresh(more)
    assert (more.status, more.paid_cents) == (PaymentStatus.CANCELLED, 1000)
    assert _refund_list() == [("leaving", 4000)]  # 30 EUR of the first share and the 10 EUR paid on the others
    assert _figures(member) == (0, 0, 0) and _register_totals() == (0, 0)


def test_money_paid_after_the_exit_waits_for_staff_then_goes_on_the_refund_list(client, login_as, make_member):
    """60 EUR arriving for a subscription of someone who left was taken as paid-up capital of a
    member with no shares. Now: the queue says why, and paying it puts it on the refund list."""
    member = make_member(iban=IBAN, first_name="Rita", last_name="Gone")
    _e, request = register.subscribe(member, 2, on=D(2024, 1, 1))
    register.resign(member, on=D(2024, 2, 1))
    db.session.commit()
    result = _import(6000, request, "L1")
    assert result.counts == {"left": 1}
    tx = db.session.scalar(select(BankTransaction))
    assert (tx.why, tx.match_status, tx.payment_request_id) == ("left", MatchStatus.UNKNOWN, request.id)
    assert _figures(member) == (0, 0, 0) and _register_totals() == (0, 0)
    login_as("staff")
    queue = client.get("/staff/payments/queue").get_data(as_text=True)
    assert "Paid for a member who has left: it buys nothing" in queue
    opened = client.get(f"/staff/payments/queue/{tx.id}").get_data(as_text=True)
    assert "Rita Gone has left the cooperative: this money buys nothing and enters no register." in opened
    assert "Put 60.00 € on the refund list" in opened and "cancelled" in opened and "still due" not in opened
    only_left = client.get("/staff/payments/queue?why=left")  # the count's link filters the queue by it
    assert only_left.status_code == 200 and "Members who left" in only_left.get_data(as_text=True)
    response = client.post(f"/staff/payments/queue/{tx.id}", data={
        f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "match",
        f"tx{tx.id}-reference": request.formatted_reference}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Rita Gone has left the cooperative: nothing is recorded in the register. 60.00 € is on the refund "
            "list, to be paid back to BE21 0012 3456 7803.") in page
    db.session.expire_all()
    [refund] = db.session.scalars(surpluses.refund_list_statement()).all()
    assert (refund.kind, refund.amount_cents, refund.refund_iban) == (SurplusKind.AFTER_EXIT, 6000, PAYER)
    assert db.session.scalar(select(func.count()).select_from(ShareEntry).where(
        ShareEntry.kind == EntryKind.PAYMENT)) == 0
    db.session.refresh(request)
    assert (request.status, request.paid_cents) == (PaymentStatus.CANCELLED, 0)
    assert _figures(member) == (0, 0, 0) and _register_totals() == (0, 0)
    assert "Paid after the member left: it buys nothing" in client.get("/staff/payments/refunds").get_data(as_text=True)


def test_a_former_member_s_renewal_is_neither_paid_in_cash_nor_shown_to_pay(client, member_with_shares):
    from tests.factories import sign_in

    member = member_with_shares(1, on=D(2024, 1, 1), iban=IBAN)
    renewal = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=2024)
    register.record_payment(renewal, 1000, on=D(2024, 1, 5))
    register.resign(member, on=D(2024, 2, 1))  # a renewal partly paid stays, for staff
    db.session.commit()
    assert renewal.status is PaymentStatus.PARTIALLY_PAID
    with pytest.raises(MemberLeftMoney):
        register.record_payment_received(renewal, 1500, on=D(2024, 3, 1), how="cash", seen_paid_cents=1000)
    db.session.rollback()
    sign_in(client, member.account)
    page = client.get("/me/payments").get_data(as_text=True)
    assert "You have left the cooperative: nothing more is asked of you." in page
    assert "qr-box" not in page and "scan the QR code" not in page


# --- 3. unpaid shares redeemed; paid-up never above subscribed ---------------------------------------

def test_redeeming_unpaid_shares_takes_them_off_their_request(make_member):
    member = make_member(iban=IBAN)
    _e, request = register.subscribe(member, 3, on=D(2024, 1, 1))
    db.session.commit()
    register.redeem(member, 2, on=D(2024, 2, 1))
    db.session.commit()
    db.session.refresh(request)
    assert (request.shares, request.amount_cents, request.status) == (1, 3000, PaymentStatus.OPEN)
    assert _refund_list() == []  # nothing was paid: nothing to repay
    assert _import(3000, request, "U1").counts == {"matched": 1}
    assert _figures(member) == (1, 3000, 3000) and _register_totals() == (3000, 3000)


def test_unpaid_shares_leave_first_and_their_request_is_cancelled(member_with_shares):
    member = member_with_shares(1, on=D(2024, 1, 1), iban=IBAN)
    _e, more = register.subscribe(member, 2, on=D(2024, 1, 2))
    db.session.commit()
    register.redeem(member, 2, on=D(2024, 2, 1))
    db.session.commit()
    db.session.refresh(more)
    assert more.status is PaymentStatus.CANCELLED
    assert _figures(member) == (1, 3000, 3000) and _refund_list() == []


def test_paid_up_capital_never_exceeds_subscribed_capital(make_member):
    """A request asking more than the register's unpaid capital (left so before this fix): what it would
    pay beyond is kept for staff, not booked as capital."""
    member = make_member(iban=IBAN)
    subscription, request = register.subscribe(member, 3, on=D(2024, 1, 1))
    register.correct(subscription, reason="two shares were never subscribed", on=D(2024, 1, 2), shares=-2,
                     capital_cents=-6000)
    db.session.commit()
    applied = register.record_payment(request, 9000, on=D(2024, 1, 5))
    db.session.commit()
    assert applied.entry.paid_cents == 3000 and applied.surplus.amount_cents == 6000
    assert applied.surplus.kind is SurplusKind.OVERPAYMENT and applied.surplus.decision is None
    assert _figures(member) == (1, 3000, 3000) and _register_totals() == (3000, 3000)


# --- 11. a former member's money kept is only paid back --------------------------------------------

def test_a_former_member_s_overpayment_is_not_credited_to_next_year(client, login_as, make_member):
    member = make_member(iban=IBAN)
    _e, request = register.subscribe(member, 1, on=D(2024, 1, 1))
    db.session.commit()
    _import(5000, request, "O1")
    tx = db.session.scalar(select(BankTransaction))
    kept = bank.match_by_hand(tx, request, expected_version=tx.version, reason="", actor=None).surplus
    db.session.commit()
    register.resign(member, on=D(2024, 4, 1))
    db.session.commit()
    with pytest.raises(MemberLeftMoney):
        surpluses.credit_next_year(kept)
    db.session.rollback()
    login_as("staff")
    queue = client.get("/staff/payments/queue").get_data(as_text=True)  # the queue offers only the refund
    assert "has left the cooperative: this money can only be paid back." in queue
    assert "Pay it back" in queue and "Buy more shares with it" not in queue and "next year&#39;s membership" not in queue
    response = client.post(f"/staff/payments/kept/{kept.id}/credit", data={})
    assert response.status_code == 409
    assert "This person has left the cooperative: money received for them buys nothing" in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(Surplus, kept.id).decision is None
    assert db.session.scalar(select(func.count()).select_from(
        select(Surplus).where(Surplus.kind == SurplusKind.OVERPAYMENT).subquery())) == 1
    from shares.renewal import renewal_request_for
    assert renewal_request_for(member.id, today().year + 1) is None


def test_cash_for_a_former_member_is_judged_by_the_day_it_was_received(client, login_as, member_with_shares,
                                                                         monkeypatch):
    """A former member's renewal partly paid stays open: cash received once they had left is refused beside its
    date (409: it is handed back, not recorded), cash received before their exit pays it, as a bank
    payment dated then would (register.paid_after_exit, one rule for both). Recording looks the exit up once."""
    member = member_with_shares(1, on=D(2024, 1, 1), iban=IBAN)
    renewal = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=2024)
    register.record_payment(renewal, 1000, on=D(2024, 1, 5))
    register.resign(member, on=D(2024, 2, 1))
    db.session.commit()
    login_as("staff")
    url = f"/staff/payment-requests/{renewal.id}/received"
    assert url in client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    cash = {"amount_cents": "15,00", "how": "cash", "seen_paid_cents": "1000"}
    for confirmed in ({}, {"confirmed": "1"}):
        response = client.post(url, data=cash | {"effective_on": "2024-03-01"} | confirmed)
        assert response.status_code == 409
        text = " ".join(re.sub("<[^>]+>", " ", response.get_data(as_text=True)).split())
        assert "Yes, record it" not in text
        assert text.index("This person has left the cooperative: money received for them buys nothing") \
            > text.index("Date received")
        db.session.expire_all()
        assert (renewal.paid_cents, renewal.status) == (1000, PaymentStatus.PARTIALLY_PAID)
    looked_up = []
    exits = register.exits_in_force
    monkeypatch.setattr(register, "exits_in_force", lambda *a, **kw: looked_up.append(a) or exits(*a, **kw))
    done = client.post(url, data=cash | {"effective_on": "2024-01-20", "confirmed": "1"})
    assert done.status_code == 302 and len(looked_up) == 1
    db.session.expire_all()
    assert (renewal.paid_cents, renewal.status) == (2500, PaymentStatus.PAID)

