from __future__ import annotations

from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry
from shares import register
from shares.errors import (BelowMinimumShares, BoardApprovalRequired, FutureDate, InvalidShareCount, LaterEntries,
                           MemberNotActive, NotEnoughShares, ReasonRequired, SameCategory, SameMember, UnpaidShares)
from shares.models import Category, EntryKind, PaymentPurpose, PaymentStatus, ShareEntry
from shares.register import record_payment

D = date


def test_subscription_creates_entry_and_request(make_member):
    member = make_member(category=Category.A)
    entry, request = register.subscribe(member, 3, on=D(2021, 5, 2))
    db.session.commit()
    assert entry.kind is EntryKind.SUBSCRIPTION and entry.shares == 3 and entry.capital_cents == 9000
    assert request.purpose is PaymentPurpose.SUBSCRIPTION and request.amount_cents == 9000
    assert request.status is PaymentStatus.OPEN and len(request.reference) == 12
    _, second = register.subscribe(member, 1, on=D(2022, 1, 1))
    assert second.purpose is PaymentPurpose.ADDITIONAL_SHARES
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.register.subscription")) is not None


def test_price_per_category_is_configurable(make_member, monkeypatch):
    monkeypatch.setitem(current_app.config, "SHARE_PRICE_CENTS", {"A": 3000, "B": 5000})
    _, request = register.subscribe(make_member(category=Category.B), 2, on=D(2022, 1, 1))
    assert request.amount_cents == 10000


@pytest.mark.parametrize("bad", [0, -1])
def test_subscription_refuses_non_positive(make_member, bad):
    with pytest.raises(InvalidShareCount):
        register.subscribe(make_member(), bad, on=D(2022, 1, 1))


def test_future_date_refused(make_member):
    with pytest.raises(FutureDate):
        register.subscribe(make_member(), 1, on=D(2999, 1, 1))


def test_as_of_date_reconstruction(member_with_shares, make_member):
    alice = member_with_shares(4, on=D(2021, 2, 1))
    bob = member_with_shares(1, on=D(2021, 3, 1))
    register.transfer(alice, bob, 2, on=D(2022, 6, 1), board_decision_on=D(2022, 5, 20), board_reference="CA-2022-07")
    register.redeem(bob, 1, on=D(2023, 1, 10))
    register.change_category(alice, Category.B, on=D(2023, 4, 1))
    register.resign(bob, on=D(2024, 12, 31))
    db.session.commit()

    assert register.holding(alice, D(2021, 1, 31)).shares == 0
    a21, b21 = register.holding(alice, D(2021, 12, 31)), register.holding(bob, D(2021, 12, 31))
    assert (a21.shares, a21.capital_cents, a21.paid_cents) == (4, 12000, 12000)
    assert b21.shares == 1
    assert register.holding(alice, D(2022, 6, 1)).shares == 2
    assert register.holding(bob, D(2022, 6, 1)).shares == 3
    assert register.holding(bob, D(2023, 1, 10)).shares == 2
    assert register.holding(alice, D(2023, 3, 31)).category is Category.A
    assert register.holding(alice, D(2023, 4, 1)).category is Category.B
    assert alice.category is Category.B
    gone = register.holding(bob, D(2025, 1, 1))
    assert gone.shares == 0 and gone.left is EntryKind.RESIGNATION and gone.paid_cents == 0

    totals_2022 = register.totals(D(2022, 12, 31))
    assert totals_2022[Category.A].members == 2 and totals_2022[Category.A].shares == 5
    assert totals_2022[Category.A].capital_cents == 15000 and totals_2022[Category.A].paid_cents == 15000
    totals_2025 = register.totals(D(2025, 1, 1))
    assert totals_2025[Category.A].members == 0 and totals_2025[Category.B].members == 1
    assert totals_2025[Category.B].shares == 2

    rows = register.register_rows(D(2023, 12, 31))
    assert [r.member.id for r in rows] == sorted([alice.id, bob.id], key=lambda i: db.session.get(type(alice), i).number)
    row = {r.member.id: r for r in rows}[bob.id]
    assert row.dates["subscription"] == [D(2021, 3, 1)] and row.dates["received"] == [D(2022, 6, 1)] and not row.dates.get("ceded")
    alice_row = {r.member.id: r for r in rows}[alice.id]
    assert alice_row.dates["ceded"] == [D(2022, 6, 1)] and not alice_row.dates.get("received")
    assert row.dates["redemption"] == [D(2023, 1, 10)] and row.dates["payment"] == [D(2021, 3, 1)]
    assert register.register_rows(D(2020, 1, 1)) == []


def test_unpaid_capital_shows_in_totals(make_member):
    member = make_member()
    _, request = register.subscribe(member, 2, on=D(2022, 1, 1))
    record_payment(request, 3000, on=D(2022, 2, 1))
    db.session.commit()
    assert request.status is PaymentStatus.PARTIALLY_PAID
    t = register.totals(D(2022, 3, 1))[Category.A]
    assert (t.shares, t.capital_cents, t.paid_cents) == (2, 6000, 3000)
    assert register.totals(D(2022, 1, 15))[Category.A].paid_cents == 0


def test_transfer_rules(member_with_shares, make_member):
    giver = member_with_shares(2)
    receiver = member_with_shares(1)
    approval = dict(on=D(2023, 1, 1), board_decision_on=D(2022, 12, 1), board_reference="CA-12")
    with pytest.raises(BoardApprovalRequired):
        register.transfer(giver, receiver, 1, on=D(2023, 1, 1), board_decision_on=None, board_reference="")
    with pytest.raises(SameMember):
        register.transfer(giver, giver, 1, **approval)
    with pytest.raises(BelowMinimumShares):
        register.transfer(giver, receiver, 2, **approval)
    with pytest.raises(NotEnoughShares):
        register.transfer(giver, receiver, 3, **approval)
    unpaid = member_with_shares(3, paid=False)
    with pytest.raises(UnpaidShares):
        register.transfer(unpaid, receiver, 1, **approval)
    out, into = register.transfer(giver, receiver, 1, **approval)
    db.session.commit()
    assert out.transfer_group == into.transfer_group and out.shares == -1 and into.shares == 1
    assert out.counterpart_member_id == receiver.id and into.board_reference == "CA-12"


def test_category_minimum_is_enforced(member_with_shares, monkeypatch):
    monkeypatch.setitem(current_app.config, "CATEGORY_MIN_SHARES", {"A": 1, "B": 3})
    b_member = member_with_shares(4, category=Category.B)
    other = member_with_shares(1)
    with pytest.raises(BelowMinimumShares):
        register.transfer(b_member, other, 2, on=D(2023, 1, 1), board_decision_on=D(2023, 1, 1),
                          board_reference="CA")
    with pytest.raises(BelowMinimumShares):
        register.change_category(other, Category.B, on=D(2023, 1, 1))
    with pytest.raises(BelowMinimumShares):
        register.redeem(b_member, 2, on=D(2023, 1, 1))


def test_category_change_and_void_by_correction(member_with_shares):
    member = member_with_shares(1)
    with pytest.raises(SameCategory):
        register.change_category(member, Category.A, on=D(2023, 1, 1))
    change = register.change_category(member, Category.B, on=D(2023, 1, 1))
    assert member.category is Category.B
    with pytest.raises(ReasonRequired):
        register.correct(change, reason=" ", on=D(2023, 2, 1))
    register.correct(change, reason="typed on the wrong member", on=D(2023, 2, 1))
    db.session.commit()
    assert member.category is Category.A
    assert register.holding(member, D(2023, 1, 15)).category is Category.B
    assert register.holding(member, D(2023, 3, 1)).category is Category.A


def test_correction_of_shares(member_with_shares):
    member = member_with_shares(5)
    subscription = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id,
                                                              ShareEntry.kind == EntryKind.SUBSCRIPTION))
    register.correct(subscription, reason="subscribed 3, not 5", shares=-2, capital_cents=-6000, paid_cents=-6000,
                     on=D(2023, 1, 1))
    db.session.commit()
    assert register.holding(member, D(2023, 1, 1)).shares == 3
    assert register.holding(member, D(2022, 12, 31)).shares == 5


def test_a_correction_never_leaves_the_register_impossible(member_with_shares):
    """No capital below zero (at the correction's date or later), no correction dated before its entry,
    no correction that changes nothing: each refused in words, and nothing written."""
    from app.errors import error_message
    from shares.errors import CapitalBelowZero, CorrectionBeforeEntry, NothingToCorrect

    member = member_with_shares(1)
    payment = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id,
                                                         ShareEntry.kind == EntryKind.PAYMENT))
    before = db.session.scalar(select(func.count()).select_from(ShareEntry))
    with pytest.raises(CapitalBelowZero) as below:
        register.correct(payment, reason="huge", capital_cents=-999_999_999_00, on=D(2023, 1, 1))
    with current_app.test_request_context():
        assert "below zero" in error_message(below.value)
    with pytest.raises(CapitalBelowZero):
        register.correct(payment, reason="paid twice", paid_cents=-3001, on=D(2023, 1, 1))
    with pytest.raises(CorrectionBeforeEntry) as early:
        register.correct(payment, reason="backdated", paid_cents=-1000, on=D(2020, 1, 1))
    with current_app.test_request_context():
        assert "1 March 2022" in error_message(early.value)
    with pytest.raises(NothingToCorrect):
        register.correct(payment, reason="nothing", on=D(2023, 1, 1))
    assert db.session.scalar(select(func.count()).select_from(ShareEntry)) == before
    # What the register can hold is still recorded: the whole payment taken back, on or after its date.
    register.correct(payment, reason="the bank reversed it", paid_cents=-3000, on=D(2022, 3, 1))
    assert register.holding(member, D(2023, 1, 1)).paid_cents == 0


def test_exclusion_needs_board_and_stops_everything(member_with_shares):
    member = member_with_shares(2)
    with pytest.raises(BoardApprovalRequired):
        register.exclude(member, on=D(2024, 1, 1), board_decision_on=None, board_reference=None)
    entries = register.exclude(member, on=D(2024, 1, 1), board_decision_on=D(2023, 12, 15), board_reference="CA-99")
    db.session.commit()
    assert [e.kind for e in entries] == [EntryKind.EXCLUSION, EntryKind.REDEMPTION]
    assert entries[1].amount_cents == -6000
    with pytest.raises(MemberNotActive):
        register.subscribe(member, 1, on=D(2024, 2, 1))
    with pytest.raises(MemberNotActive):
        register.resign(member, on=D(2024, 2, 1))


def test_an_exit_is_dated_after_the_member_s_last_entry_so_no_holding_goes_below_zero(member_with_shares):
    """A resignation back-dated before a later redemption redeemed the shares twice (the demo's register
    showed -1 share): refused, with the last entry's date; dated after it, the member holds 0, not less."""
    member = member_with_shares(3, on=D(2024, 1, 1))
    register.redeem(member, 1, on=D(2025, 6, 30))
    with pytest.raises(LaterEntries) as refused:
        register.resign(member, on=D(2025, 1, 1))
    assert refused.value.last_on == D(2025, 6, 30)
    with pytest.raises(LaterEntries):
        register.exclude(member, on=D(2025, 1, 1), board_decision_on=D(2024, 12, 1), board_reference="CA-1")
    register.resign(member, on=D(2025, 7, 1))
    db.session.commit()
    for day in (D(2025, 7, 1), D(2026, 1, 1)):
        assert (register.holding(member, day).shares, register.holding(member, day).paid_cents) == (0, 0)


def test_register_is_append_only(member_with_shares):
    member = member_with_shares(1)
    entry = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id))
    entry.shares = 7
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ShareEntry, entry.id))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_a_company_or_association_is_in_category_b_whatever_the_way_in(make_member):
    from shares.errors import LegalPersonInCategoryA
    from shares.models import MemberKind
    from shares.services import create_member

    with pytest.raises(LegalPersonInCategoryA):
        create_member(email="asbl@example.be", kind=MemberKind.LEGAL, category=Category.A, legal_name="ASBL X",
                      street="Rue Haute 1", postcode="1000", city="Bruxelles")
    firm = make_member(kind=MemberKind.LEGAL, legal_name="ASBL Y")
    register.subscribe(firm, 1, on=date(2024, 1, 1))
    with pytest.raises(LegalPersonInCategoryA):
        register.change_category(firm, Category.A, on=date(2024, 6, 1))


def test_shares_bought_and_not_paid_leave_with_their_request_when_the_member_leaves(member_with_shares):
    """Nobody will pay them and nothing of them is repaid: the request is cancelled, the subscription
    corrected out on the day of the exit, and the redemption repays what was paid, to the cent."""
    member = member_with_shares(1, on=D(2024, 1, 1))
    _entry, purchase = register.subscribe(member, 2, on=D(2024, 6, 1))
    assert purchase.purpose is PaymentPurpose.ADDITIONAL_SHARES and purchase.paid_cents == 0
    entries = register.resign(member, on=D(2024, 7, 1))
    db.session.commit()
    assert purchase.status is PaymentStatus.CANCELLED
    redemption = entries[-1]
    assert (redemption.shares, redemption.capital_cents, redemption.paid_cents) == (-1, -3000, -3000)
    for day in (D(2024, 7, 1), D(2025, 1, 1)):
        position = register.holding(member, day)
        assert (position.shares, position.capital_cents, position.paid_cents) == (0, 0, 0)
