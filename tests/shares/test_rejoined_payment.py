"""A bank payment naming the structured communication of a membership that ended, after the person
applied again (a new membership, a new member number): it pays the new membership's one open request
when it is exactly what that still owes, on a day it can pay it, and the old membership's money is
settled; otherwise it waits for staff with the reason ("rejoined"), who pay the new request by hand or
put the money on the old membership's refund list. Amounts to the cent on both members' pages."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from app.clock import today
from app.extensions import db
from shares import admission, bank, register, surplus
from shares.camt_writer import Credit, write_camt053
from shares.models import (ApplicationStatus, BankTransaction, Category, MatchStatus, PaymentStatus, Surplus,
                           SurplusKind)
from shares.settings import setting
from tests.factories import sign_in
from tests.shares.test_rejoining import LEFT_ON, NUMBER, OLD_PAID

IBAN = "BE62510007547061"
PAYER = "BE21001234567803"


def _text(response) -> str:
    return " ".join(re.sub("<[^>]+>", " ", response.get_data(as_text=True)).replace("\u00a0", " ")
                    .replace("\u202f", " ").split())


def _left_and_refunded(make_member, make_staff):
    """Member since OLD_PAID (one share, 30 €, its request paid), resigned on LEFT_ON, refunded: the old
    membership and its paid request."""
    old = make_member(email="back@example.be", national_number=NUMBER, iban=IBAN, first_name="Bernard",
                      last_name="Retour")
    _entry, old_request = register.subscribe(old, 1, on=OLD_PAID)
    register.record_payment(old_request, 3000, on=OLD_PAID)
    register.resign(old, on=LEFT_ON)
    db.session.commit()
    refund = db.session.scalars(select(Surplus).where(Surplus.member_id == old.id,
                                                      Surplus.kind == SurplusKind.LEAVING)).one()
    surplus.mark_refunded(refund, actor=make_staff())
    db.session.commit()
    return old, old_request


def _applied_again(make_member, make_staff):
    """As :func:`_left_and_refunded`, then applied again today for two shares (60 €): the old membership, its
    paid request, the new application."""
    old, old_request = _left_and_refunded(make_member, make_staff)
    application = admission.apply_again(old, shares=2, category=Category.A, actor=old.account)
    db.session.commit()
    return old, old_request, application


def _import(cents, request, ref, day=None):
    result = bank.import_statement(write_camt053(setting("COOP_IBAN"), ref, 0, [
        Credit(cents, day or today(), "Bernard Retour", iban=PAYER, reference=request.reference)]))
    db.session.commit()
    return result


def _after_exit(member_id: int) -> list[int]:
    return [s.amount_cents for s in db.session.scalars(select(Surplus).where(
        Surplus.member_id == member_id, Surplus.kind == SurplusKind.AFTER_EXIT))]


def test_the_old_communication_pays_the_new_membership_s_request_when_it_is_exactly_what_it_owes(
        app, client, login_as, make_member, make_staff):
    old, old_request, application = _applied_again(make_member, make_staff)
    new, request = application.member, application.payment_request
    result = _import(6000, old_request, "R1")
    assert result.counts == {"matched": 1}
    tx = db.session.scalar(select(BankTransaction))
    assert (tx.match_status, tx.payment_request_id, tx.why) == (MatchStatus.MATCHED, request.id, "")
    db.session.expire_all()
    assert (request.status, request.paid_cents) == (PaymentStatus.PAID, 6000)
    assert application.status is ApplicationStatus.ADMITTED  # payment mode: the payment admits
    assert (register.holding(new).shares, register.holding(new).paid_cents) == (2, 6000)
    assert (register.holding(old).shares, register.holding(old).paid_cents) == (0, 0)
    assert (old_request.status, old_request.paid_cents) == (PaymentStatus.PAID, 3000)  # as it was
    assert _after_exit(old.id) == [] and surplus.money_unsettled(old.id) is False

    login_as("staff")
    # The audit log says which request the payment paid instead of the one it names, in words.
    audit_page = html.unescape(_text(client.get("/staff/audit?object_type=shares_bank_transaction")))
    assert "Bank payment naming a membership that ended, paid into the person's new membership's request" in audit_page
    assert (f"Structured communication: {old_request.formatted_reference}" in audit_page
            and f"Payment request: {request.formatted_reference}" in audit_page)
    assert (f"Earlier member number: {old.number}" in audit_page and f"Member number: {new.number}" in audit_page
            and "Paid into the request" in audit_page)
    new_page = _text(client.get(f"/staff/members/{new.id}"))
    assert "Shares today 2 Capital subscribed 60.00 € Capital paid 60.00 €" in new_page
    assert f"Subscription of 2 shares {request.formatted_reference} 60.00 € 60.00 € 0.00 € Paid" in new_page
    old_page = _text(client.get(f"/staff/members/{old.id}"))
    assert "Shares today 0 Capital subscribed 0.00 € Capital paid 0.00 €" in old_page
    assert f"Subscription of 1 share {old_request.formatted_reference} 30.00 € 30.00 € 0.00 € Paid" in old_page
    assert "60.00" not in old_page and "Paid after the member left" not in old_page
    browser = app.test_client()
    sign_in(browser, old.account)
    mine = _text(browser.get("/me/shares"))
    assert f"Member number {new.number}" in mine and "Shares held 2 Capital subscribed 60.00 € Capital paid 60.00 €" in mine


def test_another_amount_waits_for_staff_who_pay_the_new_request_by_hand(client, login_as, make_member, make_staff):
    old, old_request, application = _applied_again(make_member, make_staff)
    new, request = application.member, application.payment_request
    result = _import(3000, old_request, "R2")  # the old share's price, with the old communication
    assert result.counts == {"rejoined": 1}
    tx = db.session.scalar(select(BankTransaction))
    assert (tx.match_status, tx.payment_request_id) == (MatchStatus.UNKNOWN, old_request.id)
    db.session.expire_all()
    assert request.paid_cents == 0 and _after_exit(old.id) == []

    login_as("staff")
    queue = _text(client.get("/staff/payments/queue"))
    assert "Names a membership that ended, and the person applied again since" in queue
    assert "Members who applied again" in _text(client.get("/staff/payments/queue?why=rejoined"))
    opened = _text(client.get(f"/staff/payments/queue/{tx.id}"))
    assert (f"Bernard Retour applied again after their membership (member {old.number}) ended: the communication "
            "is that membership's.") in opened
    assert f"(member {new.number}): {request.formatted_reference}, still due 60.00 €" in opened
    assert "the person's new membership: the communication is that of their earlier one" in opened
    assert "Put 30.00 € on the refund list" in opened
    no_reason = client.post(f"/staff/payments/queue/{tx.id}", data={
        f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "match", f"tx{tx.id}-reference": request.reference})
    assert no_reason.status_code in (400, 422)
    db.session.expire_all()
    assert request.paid_cents == 0
    paid = client.post(f"/staff/payments/queue/{tx.id}", data={
        f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "match", f"tx{tx.id}-reference": request.reference,
        f"tx{tx.id}-reason": "Old communication, for the new shares"}, follow_redirects=True)
    assert paid.status_code == 200
    db.session.expire_all()
    assert (request.status, request.paid_cents, request.due_cents) == (PaymentStatus.PARTIALLY_PAID, 3000, 3000)
    assert _after_exit(old.id) == [] and register.holding(old).paid_cents == 0
    new_page = _text(client.get(f"/staff/members/{new.id}"))
    assert "Capital paid 0.00 € 30.00 € received on" in new_page and "of 60.00 € asked" in new_page
    assert f"{request.formatted_reference} 60.00 € 30.00 € 30.00 € Partly paid" in new_page
    old_page = _text(client.get(f"/staff/members/{old.id}"))
    assert "Capital paid 0.00 €" in old_page and "Paid after the member left" not in old_page


def test_staff_may_put_it_on_the_old_membership_s_refund_list_instead(client, login_as, make_member, make_staff):
    old, old_request, application = _applied_again(make_member, make_staff)
    _import(3000, old_request, "R3")
    tx = db.session.scalar(select(BankTransaction))
    login_as("staff")
    done = client.post(f"/staff/payments/queue/{tx.id}", data={
        f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "match",
        f"tx{tx.id}-reference": old_request.reference}, follow_redirects=True)
    assert done.status_code == 200
    db.session.expire_all()
    assert _after_exit(old.id) == [3000] and application.payment_request.paid_cents == 0
    assert register.holding(application.member).paid_cents == 0
    old_page = _text(client.get(f"/staff/members/{old.id}"))
    assert "30.00 € (Paid after the member left: it buys nothing)" in old_page
    assert "Capital paid 0.00 €" in _text(client.get(f"/staff/members/{application.member.id}"))


def test_the_exact_amount_still_waits_when_the_old_membership_has_money_to_settle_or_the_day_is_too_early(
        make_member, make_staff, login_as, client):
    old, old_request, application = _applied_again(make_member, make_staff)
    request = application.payment_request
    early = _import(6000, old_request, "R4", day=today() - timedelta(days=1))  # before they applied again
    assert early.counts == {"rejoined": 1}
    tx = db.session.scalar(select(BankTransaction))
    login_as("staff")
    client.post(f"/staff/payments/queue/{tx.id}", data={
        f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "match",
        f"tx{tx.id}-reference": old_request.reference})
    db.session.expire_all()
    assert _after_exit(old.id) == [6000] and surplus.money_unsettled(old.id)
    unsettled = _import(6000, old_request, "R5")  # on the old refund list, not yet paid back: staff decide
    assert unsettled.counts == {"rejoined": 1}
    db.session.expire_all()
    assert request.paid_cents == 0 and register.holding(application.member).paid_cents == 0


def test_a_former_member_who_did_not_apply_again_is_as_before(make_member):
    old = make_member(email="gone@example.be", iban=IBAN)
    _entry, old_request = register.subscribe(old, 1, on=OLD_PAID)
    register.resign(old, on=LEFT_ON)
    db.session.commit()
    assert _import(3000, old_request, "R6").counts == {"left": 1}


def test_a_credit_waiting_in_the_queue_for_the_old_membership_holds_applying_again(make_member, make_staff):
    """Paid after the exit and waiting for staff ("the member left"): it is the old membership's money still
    to settle, so applying again waits for staff's decision on it, as for a refund still to make."""
    old, old_request = _left_and_refunded(make_member, make_staff)
    assert admission.reapply_refusal(old) is None
    _import(3000, old_request, "Q1")
    tx = db.session.scalar(select(BankTransaction))
    assert (tx.why, tx.in_queue, tx.amount_cents) == ("left", True, 3000)
    assert surplus.money_unsettled(old.id) is True
    assert isinstance(admission.reapply_refusal(old), admission.EarlierMoneyPending)
