"""Good standing: one rule, per member and for everybody at once, as of any date."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from shares import standing
from shares.models import (Category, EntryKind, PaymentPurpose, PaymentRequest, PaymentStatus, ShareEntry)
from shares.references import random_reference

JOINED = date(2022, 3, 1)


def entry(member, kind, on, **values):
    e = ShareEntry(member_id=member.id, kind=kind, effective_on=on, **values)
    db.session.add(e)
    db.session.flush()
    return e


def subscribe(member, on=JOINED, shares=1, paid=True, category=None):
    entry(member, EntryKind.SUBSCRIPTION, on, shares=shares, capital_cents=3000 * shares, amount_cents=3000 * shares,
          category=category or member.category)
    if paid:
        entry(member, EntryKind.PAYMENT, on, paid_cents=3000 * shares, amount_cents=3000 * shares)


def renewal(member, year, paid_at=None, status=PaymentStatus.PAID):
    request = PaymentRequest(member_id=member.id, purpose=PaymentPurpose.RENEWAL, year=year, amount_cents=3000,
                             reference=random_reference(), status=status,
                             paid_cents=3000 if status is PaymentStatus.PAID else 0,
                             paid_at=paid_at or datetime(year, 1, 20, 10, tzinfo=timezone.utc))
    db.session.add(request)
    db.session.flush()
    return request


def test_a_member_who_renewed_is_in_good_standing(make_member):
    member = make_member()
    subscribe(member)
    renewal(member, 2024)
    db.session.commit()
    assert standing.is_in_good_standing(member, date(2024, 6, 1))
    assert standing.standing_reasons(member, date(2024, 6, 1)) == []
    assert standing.members_in_good_standing(date(2024, 6, 1)) == {member.id}


def test_without_renewal_the_year_is_not_covered(make_member):
    member = make_member()
    subscribe(member)
    renewal(member, 2023)
    db.session.commit()
    assert standing.is_in_good_standing(member, date(2023, 12, 31))
    assert standing.standing_reasons(member, date(2024, 1, 1)) == [standing.NOT_RENEWED]
    assert standing.members_in_good_standing(date(2024, 1, 1)) == set()


def test_renewal_counts_from_the_day_it_is_paid_brussels_time(make_member):
    member = make_member()
    subscribe(member)
    # 23:30 UTC on 9 May is 01:30 on 10 May in Brussels (summer time).
    renewal(member, 2024, paid_at=datetime(2024, 5, 9, 23, 30, tzinfo=timezone.utc))
    db.session.commit()
    assert not standing.is_in_good_standing(member, date(2024, 5, 9))
    assert standing.is_in_good_standing(member, date(2024, 5, 10))


@pytest.mark.parametrize("status", [PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID, PaymentStatus.CANCELLED])
def test_an_unpaid_renewal_does_not_count(make_member, status):
    member = make_member()
    subscribe(member)
    renewal(member, 2024, status=status)
    db.session.commit()
    assert standing.standing_reasons(member, date(2024, 6, 1)) == [standing.NOT_RENEWED]


def test_joining_during_the_year_counts_as_renewed(make_member):
    member = make_member()
    subscribe(member, on=date(2024, 4, 2))
    db.session.commit()
    assert standing.standing_reasons(member, date(2024, 4, 1)) == [standing.NO_PAID_SHARE]  # nothing to renew yet
    assert standing.is_in_good_standing(member, date(2024, 4, 2))
    assert standing.is_in_good_standing(member, date(2024, 12, 31))
    assert standing.standing_reasons(member, date(2025, 1, 1)) == [standing.NOT_RENEWED]


def test_subscribed_but_unpaid_is_no_paid_share(make_member):
    member = make_member()
    subscribe(member, on=date(2024, 2, 1), paid=False)
    db.session.commit()
    # Subscribed and not paid: no share paid (and nothing to renew before a first payment).
    assert standing.standing_reasons(member, date(2024, 3, 1)) == [standing.NO_PAID_SHARE]
    entry(member, EntryKind.PAYMENT, date(2024, 3, 5), paid_cents=1000, amount_cents=1000)
    db.session.commit()
    assert standing.NO_PAID_SHARE in standing.standing_reasons(member, date(2024, 3, 6))
    entry(member, EntryKind.PAYMENT, date(2024, 3, 6), paid_cents=2000, amount_cents=2000)
    db.session.commit()
    assert standing.is_in_good_standing(member, date(2024, 3, 6))


def test_two_shares_one_paid_is_enough(make_member):
    member = make_member()
    entry(member, EntryKind.SUBSCRIPTION, JOINED, shares=2, capital_cents=6000, category=Category.A)
    entry(member, EntryKind.PAYMENT, JOINED, paid_cents=3000)
    renewal(member, 2024)
    db.session.commit()
    assert standing.is_in_good_standing(member, date(2024, 6, 1))


def test_all_shares_redeemed_is_no_paid_share(make_member):
    member = make_member()
    subscribe(member)
    renewal(member, 2024)
    entry(member, EntryKind.REDEMPTION, date(2024, 5, 1), shares=-1, capital_cents=-3000, paid_cents=-3000)
    db.session.commit()
    assert standing.is_in_good_standing(member, date(2024, 4, 30))
    assert standing.standing_reasons(member, date(2024, 5, 1)) == [standing.NO_PAID_SHARE]


@pytest.mark.parametrize("kind, code", [(EntryKind.RESIGNATION, standing.RESIGNED),
                                        (EntryKind.EXCLUSION, standing.EXCLUDED)])
def test_resigned_or_excluded_from_the_effective_date(make_member, kind, code):
    member = make_member()
    subscribe(member)
    renewal(member, 2024)
    entry(member, kind, date(2024, 9, 1))
    db.session.commit()
    assert standing.is_in_good_standing(member, date(2024, 8, 31))
    assert standing.standing_reasons(member, date(2024, 9, 1)) == [code]
    assert standing.members_in_good_standing(date(2024, 9, 1)) == set()


def test_a_corrected_exit_no_longer_counts_and_a_new_subscription_readmits(make_member):
    corrected, readmitted = make_member(), make_member()
    for m in (corrected, readmitted):
        subscribe(m)
        renewal(m, 2024)
    wrong = entry(corrected, EntryKind.EXCLUSION, date(2024, 3, 1))
    entry(corrected, EntryKind.CORRECTION, date(2024, 3, 10), corrects_id=wrong.id)
    entry(readmitted, EntryKind.RESIGNATION, date(2024, 2, 1))
    subscribe(readmitted, on=date(2024, 4, 1))
    db.session.commit()
    assert standing.standing_reasons(corrected, date(2024, 3, 5)) == [standing.EXCLUDED]
    assert standing.is_in_good_standing(corrected, date(2024, 3, 10))
    assert standing.standing_reasons(readmitted, date(2024, 3, 1)) == [standing.RESIGNED]
    assert standing.is_in_good_standing(readmitted, date(2024, 4, 1))


def test_category_is_read_from_the_register_as_of_the_date(make_member):
    member = make_member(category=Category.A)
    subscribe(member, category=Category.A)
    entry(member, EntryKind.CATEGORY_CHANGE, date(2024, 5, 1), category=Category.B)
    db.session.commit()
    facts = standing.register_facts(date(2024, 4, 30), [member.id])[member.id]
    assert facts.category is Category.A
    assert standing.register_facts(date(2024, 5, 1), [member.id])[member.id].category is Category.B


def test_a_member_with_no_register_entries_is_not_in_good_standing(make_member):
    member = make_member()
    assert standing.standing_reasons(member, date(2024, 1, 1)) == [standing.NO_PAID_SHARE]


def test_the_bulk_variant_uses_a_constant_number_of_queries(make_member, query_counter):
    def populate(n):
        for _ in range(n):
            m = make_member()
            subscribe(m)
            renewal(m, 2024)
        db.session.commit()

    populate(3)
    with query_counter() as few:
        assert len(standing.members_in_good_standing(date(2024, 6, 1))) == 3
    populate(30)
    with query_counter() as many:
        assert len(standing.members_in_good_standing(date(2024, 6, 1))) == 33
    assert few.n == many.n <= 4


# What the bulk answer says must be what the per-member answer says, whatever the history.
_events = st.lists(st.tuples(st.sampled_from(["subscribe", "pay", "redeem", "resign", "exclude", "correct_last",
                                              "renew", "renew_unpaid", "category"]),
                             st.integers(min_value=0, max_value=1000)), max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(_events, min_size=1, max_size=4), day=st.integers(min_value=0, max_value=1200))
def test_bulk_and_single_answers_agree(make_member, histories, day):
    start = date(2022, 1, 1)
    members = []
    try:
        for history in histories:
            m = make_member()
            members.append(m)
            last = None
            for kind, offset in history:
                on = start + timedelta(days=offset)
                if kind == "subscribe":
                    last = entry(m, EntryKind.SUBSCRIPTION, on, shares=1, capital_cents=3000, category=Category.A)
                elif kind == "pay":
                    last = entry(m, EntryKind.PAYMENT, on, paid_cents=3000)
                elif kind == "redeem":
                    last = entry(m, EntryKind.REDEMPTION, on, shares=-1, capital_cents=-3000, paid_cents=-3000)
                elif kind == "resign":
                    last = entry(m, EntryKind.RESIGNATION, on)
                elif kind == "exclude":
                    last = entry(m, EntryKind.EXCLUSION, on)
                elif kind == "correct_last" and last is not None:
                    entry(m, EntryKind.CORRECTION, on, corrects_id=last.id)
                    last = None  # an entry is voided once (uq_shares_entry_voided_once)
                elif kind == "category":
                    last = entry(m, EntryKind.CATEGORY_CHANGE, on, category=Category.B)
                elif kind in ("renew", "renew_unpaid") and not db.session.scalar(
                        db.select(PaymentRequest.id).where(PaymentRequest.member_id == m.id,
                                                           PaymentRequest.year == on.year)):
                    renewal(m, on.year, paid_at=datetime(on.year, on.month, on.day, 12, tzinfo=timezone.utc),
                            status=PaymentStatus.PAID if kind == "renew" else PaymentStatus.OPEN)
        db.session.commit()
        on = start + timedelta(days=day)
        bulk = standing.members_in_good_standing(on)
        for m in members:
            reasons = standing.standing_reasons(m, on)
            assert set(reasons) <= set(standing.REASONS)
            assert (m.id in bulk) == (not reasons) == standing.is_in_good_standing(m, on)
    finally:
        db.session.rollback()
        for table in ("shares_entry", "shares_payment_request"):
            db.session.execute(db.text(f"DELETE FROM {table}"))
        db.session.commit()
