"""Money the bank takes back, the cases a third review found: a refused application's refund, a refusal
after the claim drawn as it stands."""
from __future__ import annotations

from app.clock import today
from app.extensions import db
from flask import current_app
from shares import admission, register, surplus as surpluses
from shares.models import MatchStatus, PaymentStatus
from tests.shares.test_admission import apply_for
from tests.shares.test_money_leaving import IBAN, _figures, _refund_list
from tests.shares.test_money_returned import D, _paid_by_hand, _pay, _post, _take_back, _text


def test_a_refused_application_s_refund_leaves_the_list_when_the_bank_takes_the_money_back(client, login_as,
                                                                                             make_staff, monkeypatch):
    login_as("staff")
    monkeypatch.setitem(current_app.config, "ADMISSION_MODE", "decision")
    application = apply_for(shares=1)
    request = application.payment_request
    _pay(request, 3000, day=today())
    db.session.refresh(application)
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-1", actor=make_staff())
    db.session.commit()
    assert _refund_list() == [("refused_application", 3000)]
    tx = _take_back(request, 3000, day=today())
    asked = _post(client, tx, request, confirmed=False)
    assert asked.status_code == 200
    assert "Taken off the refund list: 30.00 €" in _text(asked)
    assert _post(client, tx, request, confirmed=True).status_code == 302
    db.session.expire_all()
    assert _refund_list() == [] and tx.match_status is MatchStatus.RETURNED
    assert request.status is PaymentStatus.CANCELLED and _figures(application.member) == (0, 0, 0)
    assert client.get("/staff/payments/refunds?format=csv").get_data(as_text=True).count("\n") <= 1
    assert all(t.capital_cents == 0 for t in register.totals(today()).values())


def test_a_refused_application_s_refund_paid_already_is_refused_in_words(client, login_as, make_staff, monkeypatch):
    login_as("staff")
    monkeypatch.setitem(current_app.config, "ADMISSION_MODE", "decision")
    application = apply_for(shares=1)
    request = application.payment_request
    _pay(request, 3000, day=today())
    db.session.refresh(application)
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-1",
                              actor=make_staff())
    db.session.commit()
    [listed] = db.session.scalars(surpluses.refund_list_statement()).all()
    surpluses.mark_refunded(listed)
    db.session.commit()
    tx = _take_back(request, 3000, day=today())
    refused = _post(client, tx, request, confirmed=True)
    assert refused.status_code == 409 and "already paid back" in _text(refused)
    db.session.expire_all()
    assert tx.in_queue and listed.refunded_at is not None and _refund_list() == []


def test_a_return_refused_after_the_claim_keeps_its_form(client, login_as, make_member):
    """The refusal comes after the transaction was claimed (in a rolled-back try): the page draws it as it
    stands, still in the queue, with the form to set it aside."""
    login_as("staff")
    member = make_member(iban=IBAN)
    _e, request = register.subscribe(member, 3, on=D(2024, 1, 1))
    db.session.commit()
    _pay(request, 9000)
    register.redeem(member, 2, on=D(2024, 2, 1))
    db.session.commit()
    [listed] = db.session.scalars(surpluses.refund_list_statement()).all()
    surpluses.mark_refunded(listed)
    db.session.commit()
    tx = _take_back(request, 9000)
    for confirmed in (False, True):
        page = _post(client, tx, request, confirmed=confirmed)
        assert page.status_code == 409 and "already paid back" in _text(page)
        assert "Resolved" not in _text(page) and f'name="tx{tx.id}-action"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert tx.in_queue and tx.match_status is not MatchStatus.RETURNED


def test_a_return_that_cancels_its_request_says_so_not_that_it_asks_again(client, login_as, make_member):
    """Resigned, the resignation corrected (the redemption stands: no shares), then the payment comes back:
    the request is cancelled, and the preview, the message and the audit say so."""
    from sqlalchemy import select

    from app.models import AuditEntry
    from shares.models import EntryKind, ShareEntry

    login_as("staff")
    member = make_member(iban=IBAN)
    _e, request = register.subscribe(member, 3, on=D(2024, 1, 1))
    db.session.commit()
    _pay(request, 9000)
    register.resign(member, on=D(2024, 3, 1))
    db.session.commit()
    resignation = db.session.scalar(select(ShareEntry).where(ShareEntry.kind == EntryKind.RESIGNATION))
    register.correct(resignation, reason="mistake", on=today())
    db.session.commit()
    tx = _take_back(request, 9000)
    asked = _text(_post(client, tx, request, confirmed=False))
    assert "Taken off the refund list: 90.00 €" in asked
    assert f"{request.formatted_reference} is cancelled: the shares it asked for are no longer held" in asked
    assert "asks 90.00 € again" not in asked
    done = client.post(f"/staff/payments/queue/{tx.id}", data={
        f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "returned", f"tx{tx.id}-reference": request.reference,
        "confirmed": "1"}, follow_redirects=True)
    assert "is cancelled: the shares it asked for are no longer held" in _text(done)
    assert "asks 90.00 € again" not in _text(done)
    db.session.expire_all()
    assert request.status is PaymentStatus.CANCELLED and _refund_list() == [] and _figures(member) == (0, 0, 0)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.bank_payment.returned"))
    assert entry.after["due_cents"] == 0


# --- A renewal paid, taken back, paid again, taken back again ---------------------------------------

def test_a_renewal_paid_again_and_taken_back_again_puts_the_lapse_back_each_time(client, login_as,
                                                                                 member_with_shares):
    from shares import renewal
    from shares.models import PaymentPurpose
    from shares.payments import create_payment_request

    login_as("staff")
    member = member_with_shares(1, on=D(2023, 1, 1), iban=IBAN)
    year = today().year
    fee = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=year)
    db.session.commit()
    register.lapse(member, fee, on=D(year, 1, 1))
    db.session.commit()

    def state():
        db.session.expire_all()
        return register.holding(member).status, renewal.lapsed_count(year), fee.status, fee.due_cents

    for round_, ref in enumerate(("S1", "S3")):
        _pay(fee, 2500, day=today(), ref=ref)
        assert state() == ("active", 0, PaymentStatus.PAID, 0)
        tx = _take_back(fee, 2500, day=today(), ref=f"R{round_}")
        asked = _text(_post(client, tx, fee, confirmed=False))
        assert "This payment had reinstated" in asked and "the lapse is in force again" in asked
        assert _post(client, tx, fee, confirmed=True).status_code == 302
        assert state() == ("lapsed", 1, PaymentStatus.OPEN, 2500)
    # What staff and the member read: lapsed on the campaign page and the member's page; 25.00 € asked again.
    assert f"Lapsed: renewal {year} not paid" in client.get(f"/staff/renewal?year={year}").get_data(as_text=True)
    assert "lapsed (renewal unpaid)" in client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert _refund_list() == [] and _figures(member) == (1, 3000, 3000)
    login_as(member.account)
    mine = _text(client.get("/me/payments"))
    assert fee.formatted_reference in mine and "25.00 €" in mine
    # Paid a third time: active again.
    _pay(fee, 2500, day=today(), ref="S5")
    assert state() == ("active", 0, PaymentStatus.PAID, 0)


# --- A lapse or a reinstatement voided once ---------------------------------------------------------

def test_a_lapse_corrected_twice_is_refused_in_words(client, login_as, member_with_shares):
    import pytest
    from sqlalchemy import func, select
    from sqlalchemy.exc import IntegrityError

    from shares.errors import EntryVoidedAlready
    from shares.models import EntryKind, PaymentPurpose, ShareEntry
    from shares.payments import create_payment_request

    login_as("staff")
    member = member_with_shares(1, on=D(2023, 1, 1), iban=IBAN)
    year = today().year
    fee = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=year)
    db.session.commit()
    lapse = register.lapse(member, fee, on=D(year, 1, 1))
    db.session.commit()

    def correct():
        db.session.refresh(member)
        return client.post(f"/staff/members/{member.id}/register/correct", data={
            "entry_id": lapse.id, "effective_on": today().isoformat(), "reason": "sent by mistake", "confirmed": "1",
            "register_version": member.version})

    assert correct().status_code == 302
    again = correct()
    assert again.status_code == 409
    assert "This entry was corrected already" in _text(again)
    voids = select(func.count()).select_from(ShareEntry).where(ShareEntry.corrects_id == lapse.id)
    assert db.session.scalar(voids) == 1 and register.holding(member).status == "active"
    with pytest.raises(EntryVoidedAlready):
        register.correct(lapse, reason="again", on=today())
    db.session.rollback()
    # The database keeps it too, whatever the timing (two staff past the check at once).
    with pytest.raises(IntegrityError):
        db.session.add(ShareEntry(member_id=member.id, kind=EntryKind.CORRECTION, effective_on=today(),
                                  corrects_id=lapse.id, note="raced"))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(voids) == 1


# --- A payment divided since by a decision ----------------------------------------------------------

def test_a_return_after_fewer_shares_is_refused_with_what_became_of_the_money(client, login_as, make_member):
    """40 € paid for 2 shares (60 €), fewer shares: 30 € stay in the register, 10 € go on the refund list.
    The bank takes the 40 € back: refused in words (never "try again"), nothing changes."""
    login_as("staff")
    member, request, applied = _paid_by_hand(make_member, 2, 4000)
    _req, rest = surpluses.fewer_shares(applied.shortfall)
    surpluses.refund(rest)
    db.session.commit()
    assert _figures(member) == (1, 3000, 3000) and _refund_list() == [("overpayment", 1000)]
    tx = _take_back(request, 4000)
    for confirmed in (False, True):
        page = _post(client, tx, request, confirmed=confirmed)
        text = _text(page)
        assert page.status_code == 422 and "Try again" not in text
        assert ("The 40.00 € taken back were divided since they arrived (fewer shares, or shares bought with part "
                "of them): 30.00 € are in the register and 10.00 € on the refund list") in text
        assert f'name="tx{tx.id}-action"' in page.get_data(as_text=True)  # set it aside from here
    db.session.expire_all()
    assert _figures(member) == (1, 3000, 3000) and _refund_list() == [("overpayment", 1000)]
    assert tx.in_queue and request.status is PaymentStatus.PAID and request.paid_cents == 3000
    csv = client.get("/staff/payments/refunds?format=csv").get_data(as_text=True)
    assert "10,00" in csv or "1000" in csv


def test_a_return_after_shares_bought_with_the_excess_names_the_rest_kept(make_member):
    import pytest

    from shares import bank
    from shares.errors import PaymentDividedSince

    member, request, applied = _paid_by_hand(make_member, 1, 7000)
    _extra, rest = surpluses.buy_shares(applied.surplus)
    surpluses.refund(rest)
    db.session.commit()
    assert _figures(member) == (2, 6000, 6000) and _refund_list() == [("overpayment", 1000)]
    tx = _take_back(request, 7000)
    with pytest.raises(PaymentDividedSince) as refused:
        bank.payment_returned(tx, request, expected_version=tx.version, reason="", actor=None)
    assert (refused.value.register_cents, refused.value.kept_cents) == (6000, 1000)
    db.session.rollback()
    assert _figures(member) == (2, 6000, 6000) and _refund_list() == [("overpayment", 1000)]


def test_a_return_after_next_year_paid_with_the_excess_says_so(make_member):
    """55 € paid for one share (30 €): the 25 € kept paid next year's membership. The bank takes the 55 € back:
    refused in words that name each part, the membership paid included (not "shares bought")."""
    import pytest

    from shares import bank
    from shares.errors import PaymentDividedSince
    from tests.shares.test_refund_call_off import _said

    member, request, applied = _paid_by_hand(make_member, 1, 5500)
    surpluses.credit_next_year(applied.surplus)
    db.session.commit()
    tx = _take_back(request, 5500)
    with pytest.raises(PaymentDividedSince) as refused:
        bank.payment_returned(tx, request, expected_version=tx.version, reason="", actor=None)
    assert (refused.value.register_cents, refused.value.credited_cents, refused.value.kept_cents) == (3000, 2500, 0)
    said = _said(refused.value)
    assert ("The 55.00 € taken back were divided since they arrived: 30.00 € are in the register, 25.00 € paid next "
            "year's membership and 0.00 € are on the refund list or waiting for a decision.") in said
    assert "shares bought" not in said
    db.session.rollback()
    assert _figures(member) == (1, 3000, 3000) and tx.in_queue


def test_the_refusal_of_a_divided_payment_says_what_to_do_and_leads_there(client, login_as, make_member):
    """70 € for one share: of the 40 € kept, 30 € bought one more share and 10 € went on the refund list. The
    bank takes the 70 € back: nothing changes (422), the words name each part and the steps, and the queue item
    links to the member's corrections, the money kept and the refund list, the set-aside form open."""
    member, request, applied = _paid_by_hand(make_member, 1, 7000)
    _extra, rest = surpluses.buy_shares(applied.surplus)
    surpluses.refund(rest)
    db.session.commit()
    tx = _take_back(request, 7000)
    login_as("staff")
    refused = _post(client, tx, request, confirmed=False)
    assert refused.status_code == 422
    said, page = _text(refused), refused.get_data(as_text=True)
    assert ("The 70.00 € taken back were divided since they arrived (fewer shares, or shares bought with part of "
            "them): 60.00 € are in the register and 10.00 € on the refund list or waiting for a decision.") in said
    assert "A return cannot follow them automatically: nothing is changed. Set this return aside with a reason" in said
    assert "then mark it as paid back on the refund list." in said
    assert f'href="/staff/members/{member.id}?open=correct#action-correct"' in page
    assert f"Correct the payments on the register page of {member.name}" in said
    assert 'href="/staff/payments/refunds"' in page and 'href="/staff/payments/queue#kept"' in page
    assert '<details class="action" open>' in page  # "Another request, or set aside", open
    db.session.expire_all()
    assert tx.in_queue and _figures(member) == (2, 6000, 6000) and _refund_list() == [("overpayment", 1000)]
    # The links answer, and the member's page offers the correction they lead to.
    member_page = client.get(f"/staff/members/{member.id}?open=correct")
    assert member_page.status_code == 200 and 'id="action-correct" open>' in member_page.get_data(as_text=True)
    assert client.get("/staff/payments/refunds").status_code == 200
