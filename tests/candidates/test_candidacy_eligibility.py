"""Eligibility, table-driven: the pure rule, then the same rule fed by the real register."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.clock import today
from app.extensions import db
from app.models import AccountRole, Role
from candidates import services
from candidates.errors import NotEligible
from candidates.models import Call, Mandate
from shares import register
from shares.errors import ApplicationPending
from shares.models import Category
from tests.candidates.conftest import full_fields, png_bytes

VOTE = date(2027, 6, 20)


def _call(seats_a=11, seats_b=7, staff_in_b=True) -> Call:
    return Call(slug="x", title_fr="x", title_nl="x", title_en="x", opens_on=date(2027, 4, 20),
                closes_on=date(2027, 6, 15), vote_opens_on=VOTE, seats_a=seats_a, seats_b=seats_b, term_years=4,
                staff_in_category_b=staff_in_b)


CASES = [
    # (description, call kwargs, category, standing reasons, staff, mandate ends, applied category, expected)
    ("member in good standing, A", {}, Category.A, [], False, None, None, []),
    ("member in good standing, B", {}, Category.B, [], False, None, None, []),
    ("not renewed", {}, Category.A, ["not_renewed"], False, None, None, ["not_in_good_standing"]),
    ("no paid share", {}, Category.B, ["no_paid_share"], False, None, None, ["not_in_good_standing"]),
    ("resigned", {}, Category.A, ["resigned"], False, None, None, ["not_in_good_standing"]),
    ("no seats in A", {"seats_a": 0}, Category.A, [], False, None, None, ["no_seats_in_category"]),
    ("no seats in B is fine for A", {"seats_b": 0}, Category.A, [], False, None, None, []),
    ("staff in A refused", {}, Category.A, [], True, None, None, ["staff_not_in_category_b"]),
    ("staff in B accepted", {}, Category.B, [], True, None, None, []),
    ("staff in A when statutes allow", {"staff_in_b": False}, Category.A, [], True, None, None, []),
    ("term runs beyond the vote", {}, Category.A, [], False, VOTE + timedelta(days=1), None, ["term_running"]),
    ("term ends the day the vote opens", {}, Category.A, [], False, VOTE, None, []),
    ("term ended long ago", {}, Category.B, [], False, date(2020, 6, 1), None, []),
    ("category changed since applying", {}, Category.B, [], False, None, Category.A, ["category_changed"]),
    ("several at once", {"seats_a": 0}, Category.A, ["not_renewed"], True, VOTE + timedelta(days=400), Category.B,
     ["not_in_good_standing", "no_seats_in_category", "staff_not_in_category_b", "term_running", "category_changed"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_eligibility_rule(case):
    _, call_kwargs, category, standing, staff, mandate_end, applied, expected = case
    assert services.check_eligibility(_call(**call_kwargs), category=category, standing_reasons=standing,
                                      is_staff=staff, mandate_ends_on=mandate_end, applied_category=applied) == expected


def test_register_drives_the_rule(open_call, standing_member, make_member, secretary):
    call = open_call()
    good = standing_member()
    assert services.member_eligibility(call, good).reasons == []
    unpaid = standing_member(paid=False)
    assert services.member_eligibility(call, unpaid).reasons == ["not_in_good_standing"]
    assert "no_paid_share" in services.member_eligibility(call, unpaid).standing_reasons
    never = make_member()
    assert services.member_eligibility(call, never).reasons == ["not_in_good_standing"]
    staff_member = standing_member(category=Category.A)
    sitting = standing_member(category=Category.B)
    # Applications saved while they could stand: the role and the term come after (the review sees them).
    apps = [services.save_application(call, m, full_fields(), actor=m.account)
            for m in (good, unpaid, staff_member, sitting)]
    staff_member.account.roles.append(AccountRole(role=Role.STAFF))
    db.session.commit()
    assert services.member_eligibility(call, staff_member).reasons == ["staff_not_in_category_b"]
    db.session.add(Mandate(member_id=sitting.id, category=Category.B, starts_on=date(2024, 6, 1),
                           ends_on=call.vote_opens_on + timedelta(days=365)))
    db.session.commit()
    assert services.member_eligibility(call, sitting).reasons == ["term_running"]
    # The review list gives the same answers in a constant number of queries.
    table = services.eligibility_for_call(call, apps)
    assert [table[a.id].reasons for a in apps] == [[], ["not_in_good_standing"], ["staff_not_in_category_b"],
                                                   ["term_running"]]


def test_category_changed_after_submission_blocks_acceptance(open_call, standing_member, secretary):
    call = open_call()
    member = standing_member(category=Category.A)
    application = services.save_application(call, member, full_fields(), photo=png_bytes(), actor=member.account)
    services.submit_application(application, actor=member.account)
    assert application.category is Category.A
    register.change_category(member, Category.B, on=today())
    db.session.commit()
    with pytest.raises(NotEligible) as caught:
        services.accept_application(application, actor=secretary)
    assert caught.value.reasons == ["category_changed"]


def test_submission_refused_when_not_in_good_standing(open_call, standing_member):
    call = open_call()
    member = standing_member(paid=False)
    application = services.save_application(call, member, full_fields(), photo=png_bytes(), actor=member.account)
    with pytest.raises(NotEligible) as caught:
        services.submit_application(application, actor=member.account)
    assert caught.value.reasons == ["not_in_good_standing"]


def test_an_applicant_refused_is_led_to_apply_again_not_to_pay(app, client, open_call, make_member):
    """Their request is cancelled: nothing is due on My payments. The way to stand is to apply again.
    Not admitted, they may prepare no application meanwhile."""
    from shares import admission
    from tests.factories import sign_in
    from tests.shares.test_joining import _applicant

    call = open_call()
    application = _applicant(client, app)
    member = application.member
    with pytest.raises(ApplicationPending):
        services.save_application(call, member, full_fields(), photo=png_bytes(), actor=member.account)
    db.session.rollback()
    browser = app.test_client()
    sign_in(browser, member.account)
    waiting = browser.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    assert "/me/application/new" not in waiting  # an application waiting: nothing to apply for again
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-1",
                     actor=make_member().account)
    db.session.commit()
    page = browser.get(f"/candidates/me/{call.slug}/application")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/me/application/new"' in text and "apply again. Once admitted, you can stand" in text
    assert "See what to pay, and pay it" not in text


def test_a_resigned_member_with_a_draft_candidacy_is_led_to_apply_again_as_a_new_membership(app, open_call,
                                                                                           make_member, make_staff):
    from shares import register, surplus
    from tests.factories import give_paid_share, sign_in

    call = open_call()
    member = give_paid_share(make_member(iban="BE62510007547061"))
    services.save_application(call, member, full_fields(), photo=png_bytes(), actor=member.account)
    register.resign(member)
    (refund,) = surplus.member_refunds(member.id)
    surplus.mark_refunded(refund, actor=make_staff())
    db.session.commit()
    browser = app.test_client()
    sign_in(browser, member.account)
    text = browser.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    assert 'href="/me/application/new"' in text
    assert "Your membership has ended: apply again, as a new membership. Once admitted, you can stand" in text
