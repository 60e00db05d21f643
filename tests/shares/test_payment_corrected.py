"""A payment taken out of the register by hand (the member page's Correction form) reopens the request it
paid, as a bank return does (one rule: ``register.correct``): the request asks the money again, to the cent,
on the member's pages, staff's page and the extract; a correction beyond what the payment holds is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.clock import today
from app.extensions import db
from shares import register, surplus as surpluses
from shares.errors import CapitalBelowZero, PaymentCorrectionBeyond
from shares.models import EntryKind, MatchStatus, PaymentStatus, ShareEntry
from tests.factories import register_version, sign_in
from tests.shares.test_money_leaving import IBAN, _figures, _refund_list
from tests.shares.test_money_returned import D, _paid_by_hand, _pay, _post, _take_back, _text
from tests.shares.test_register_extract import needs_pdftotext, pdf_text


def _payments(request):
    return list(db.session.scalars(select(ShareEntry).where(ShareEntry.payment_request_id == request.id,
                                                           ShareEntry.kind == EntryKind.PAYMENT)
                                   .order_by(ShareEntry.id)))


def _paid(make_member, shares, cents, ref="S1"):
    """A member who subscribed ``shares`` on 1 January 2024 and paid them (``cents``, the whole amount): the
    bank statement's payment matched by its communication. Returns the member, the request, the payment."""
    member = make_member(iban=IBAN)
    _entry, request = register.subscribe(member, shares, on=D(2024, 1, 1))
    db.session.commit()
    _pay(request, cents, ref=ref)
    (payment,) = _payments(request)
    return member, request, payment


def _state(request):
    db.session.expire_all()
    return request.status, request.paid_cents, request.due_cents


def _corrections():
    return db.session.scalar(select(func.count()).select_from(ShareEntry).where(ShareEntry.kind == EntryKind.CORRECTION))


def _correct(client, member, entry, paid, confirmed=True, on=D(2024, 4, 1)):
    data = {"entry_id": entry.id, "shares": "0", "capital_cents": "", "paid_cents": paid,
            "effective_on": on.isoformat(), "reason": "the bank took the money back"}
    confirm = client.post(f"/staff/members/{member.id}/register/correct", data=data)
    if not confirmed or confirm.status_code != 200:
        return confirm
    return client.post(f"/staff/members/{member.id}/register/correct",
                       data=data | {"confirmed": "1", "register_version": register_version(confirm.get_data(as_text=True))})


def test_a_payment_corrected_by_hand_reopens_its_request_to_the_cent(make_member):
    """60 € paid for 2 shares: taking 20 € out leaves 40 € paid and 20 € asked; the rest out, 60 € asked;
    20 € put back, 40 € asked. The register's paid-up capital follows the same cents."""
    member, request, payment = _paid(make_member, 2, 6000)
    assert _state(request) == (PaymentStatus.PAID, 6000, 0)
    register.correct(payment, reason="part returned", on=D(2024, 4, 1), paid_cents=-2000)
    db.session.commit()
    assert _state(request) == (PaymentStatus.PARTIALLY_PAID, 4000, 2000) and request.paid_at is None
    assert _figures(member) == (2, 6000, 4000)
    register.correct(payment, reason="the rest returned", on=D(2024, 4, 1), paid_cents=-4000)
    db.session.commit()
    assert _state(request) == (PaymentStatus.OPEN, 0, 6000) and _figures(member) == (2, 6000, 0)
    register.correct(payment, reason="20 € came back after all", on=D(2024, 4, 2), paid_cents=2000)
    db.session.commit()
    assert _state(request) == (PaymentStatus.PARTIALLY_PAID, 2000, 4000) and _figures(member) == (2, 6000, 2000)
    register.correct(payment, reason="all of it came back", on=D(2024, 4, 2), paid_cents=4000)
    db.session.commit()
    assert _state(request) == (PaymentStatus.PAID, 6000, 0) and request.paid_at is not None


@pytest.mark.parametrize("cents", [-6001, -2 ** 40, 1])
def test_a_correction_beyond_what_the_payment_holds_changes_nothing(make_member, cents):
    """More out than the payment holds (another payment's capital would make the register accept it), or
    more back than was taken out: refused, the request and the register as they were."""
    member, request, payment = _paid(make_member, 2, 6000)
    _paid(make_member, 1, 3000, ref="S2")  # another member's money in the register
    _entry, more = register.subscribe(member, 5, on=D(2024, 1, 1))
    register.record_payment(more, 15000, on=D(2024, 1, 2))
    db.session.commit()
    before = _figures(member), _corrections()
    with pytest.raises((PaymentCorrectionBeyond, CapitalBelowZero)):
        register.correct(payment, reason="x", on=D(2024, 4, 1), paid_cents=cents)
    db.session.rollback()
    assert _state(request) == (PaymentStatus.PAID, 6000, 0) and (_figures(member), _corrections()) == before


def test_a_payment_taken_out_twice_is_refused_in_words(client, login_as, make_member):
    login_as("staff")
    member, request, payment = _paid(make_member, 1, 3000)
    assert _correct(client, member, payment, "-30").status_code == 302
    again = _correct(client, member, payment, "-30", confirmed=False)
    assert again.status_code == 422
    assert "This payment is out of the register already: nothing of it is left to take out." in _text(again)
    more = _correct(client, member, payment, "40", confirmed=False)
    assert more.status_code == 422
    assert ("A correction of this payment takes out at most 0.00 € (what it still holds in the register and its "
            "request received) and puts back at most 30.00 € (what was taken out of it).") in _text(more)
    assert _state(request) == (PaymentStatus.OPEN, 0, 3000) and _corrections() == 1


def test_staff_cannot_correct_another_member_s_payment_from_this_member_s_page(client, login_as, make_member):
    login_as("staff")
    member, _request, _payment = _paid(make_member, 1, 3000)
    other, other_request, other_payment = _paid(make_member, 1, 3000, ref="S2")
    refused = _correct(client, member, other_payment, "-30")
    assert refused.status_code == 400 and "Not a valid choice" in _text(refused)
    assert _state(other_request) == (PaymentStatus.PAID, 3000, 0) and _corrections() == 0
    assert _figures(other) == (1, 3000, 3000)


@needs_pdftotext
def test_the_correction_form_says_what_the_request_asks_and_every_page_shows_it(client, login_as, make_member,
                                                                                tmp_path):
    """Staff take 30 € of a 60 € payment out by hand: the confirmation says what the request will ask, the
    message what it asks; the member's My shares and My payments ask 30 €, staff's page and the extract agree."""
    login_as("staff")
    member, request, payment = _paid(make_member, 2, 6000)
    reference = request.formatted_reference
    confirm = _correct(client, member, payment, "-30", confirmed=False)
    assert confirm.status_code == 200
    assert f"The payment request {reference} will then ask 30.00 €." in _text(confirm)
    assert _state(request) == (PaymentStatus.PAID, 6000, 0)  # nothing recorded before the confirmation
    done = _correct(client, member, payment, "-30")
    assert done.status_code == 302
    staff_page = _text(client.get(f"/staff/members/{member.id}"))
    assert f"Correction recorded. The payment request {reference} now asks 30.00 €." in staff_page
    assert f"Subscription of 2 shares {reference} 60.00 € 30.00 € 30.00 € Partly paid" in staff_page
    assert _state(request) == (PaymentStatus.PARTIALLY_PAID, 3000, 3000) and _figures(member) == (2, 6000, 3000)
    extract = client.get(f"/staff/members/{member.id}/register-extract.pdf")
    assert extract.status_code == 200 and extract.mimetype == "application/pdf"
    extract_text = " ".join(pdf_text(extract.data, tmp_path).split())
    assert "Capital paid 30.00 €" in extract_text and "Correction" in extract_text
    sign_in(client, member.account)
    assert "Capital subscribed 60.00 € Capital paid 30.00 €" in _text(client.get("/me/shares"))
    payments_page = _text(client.get("/me/payments"))
    assert "Status Partly paid (30.00 € received) Still to pay 30.00 €" in payments_page
    assert f"Structured communication {reference}" in payments_page


def test_a_divided_payment_followed_by_hand_ends_with_the_money_right(client, login_as, make_member):
    """70 € for one share (30 €): 30 € of the 40 € kept bought one more share, 10 € went on the refund list.
    The bank takes the 70 € back: refused, staff follow the words by clicking: set the return aside, correct
    each payment on the member's page (both requests ask 30 € again), mark the 10 € paid back. The member
    owes 60 € for 2 shares, nothing is paid up, nothing is on the refund list."""
    member, request, applied = _paid_by_hand(make_member, 1, 7000)
    extra, rest = surpluses.buy_shares(applied.surplus)
    surpluses.refund(rest)
    db.session.commit()
    tx = _take_back(request, 7000)
    login_as("staff")
    refused = _post(client, tx, request, confirmed=True)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert f'href="/staff/members/{member.id}?open=correct#action-correct"' in page
    aside = client.post(f"/staff/payments/queue/{tx.id}", data={
        f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "dismiss",
        f"tx{tx.id}-reason": "70 € returned by the bank: corrected by hand"})
    assert aside.status_code == 302
    db.session.expire_all()
    assert tx.match_status is MatchStatus.IGNORED
    correcting = client.get(f"/staff/members/{member.id}?open=correct").get_data(as_text=True)
    for payment in (*_payments(request), *_payments(extra)):
        assert f'<option value="{payment.id}"' in correcting
        assert _correct(client, member, payment, "-30", on=today()).status_code == 302
    assert _state(request) == (PaymentStatus.OPEN, 0, 3000)
    assert _state(extra) == (PaymentStatus.OPEN, 0, 3000)
    assert _figures(member) == (2, 6000, 0)
    assert _refund_list() == [("overpayment", 1000)]
    refunds = client.get("/staff/payments/refunds").get_data(as_text=True)
    assert f"/staff/payments/kept/{rest.id}/refunded" in refunds
    assert client.post(f"/staff/payments/kept/{rest.id}/refunded", data={}).status_code == 302
    assert _refund_list() == []
    # A bank return and these corrections agree: 70 € came in, 70 € went back, 60 € are asked again.
    assert sum(r.due_cents for r in (request, extra)) == 6000


def test_next_year_paid_with_a_divided_payment_is_taken_back_by_hand_as_a_fee(client, login_as, make_member):
    """55 € for one share (30 €): the 25 € kept paid the renewal. The bank takes the 55 € back (refused:
    divided); staff correct both payments by hand, "capital paid -30" and "-25": the share's request asks
    30 € again, the renewal what the 25 € paid, and the register's paid-up capital is 0 € (the fee was never capital)."""
    member, request, applied = _paid_by_hand(make_member, 1, 5500)
    renewal = surpluses.credit_next_year(applied.surplus)
    db.session.commit()
    assert _state(renewal)[1] == 2500 and _figures(member) == (1, 3000, 3000)
    login_as("staff")
    (share_payment,) = _payments(request)
    (fee_payment,) = _payments(renewal)
    assert _correct(client, member, share_payment, "-30", on=today()).status_code == 302
    assert _correct(client, member, fee_payment, "-25", on=today()).status_code == 302
    assert _state(request) == (PaymentStatus.OPEN, 0, 3000)
    assert _state(renewal) == (PaymentStatus.OPEN, 0, renewal.amount_cents)
    assert _figures(member) == (1, 3000, 0)
    fee_correction = db.session.scalar(select(ShareEntry).where(ShareEntry.corrects_id == fee_payment.id))
    assert (fee_correction.paid_cents, fee_correction.amount_cents) == (0, -2500)
