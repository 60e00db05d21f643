"""A lapse (the renewal unpaid after its grace period) is no exit: the application stays, the candidate
may still change it, but the secretary sees "Membership lapsed on ..." and cannot accept it until the
renewal is paid (candidates.services.check_eligibility, the one rule)."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale

from app.clock import today
from app.extensions import db
from app.web import format_day
from candidates import services
from candidates.models import ApplicationStatus
from candidates.permissions import can_stand
from shares import register
from shares.models import PaymentPurpose
from shares.payments import create_payment_request
from tests.candidates.test_candidacy_membership_ended import _text

LAPSED_ON = today() - timedelta(days=2)


def _day() -> str:
    with force_locale("en"):
        return format_day(LAPSED_ON)


def _lapse(member):
    fee = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=today().year)
    db.session.flush()
    register.lapse(member, fee, on=LAPSED_ON)
    db.session.commit()
    return fee


def test_a_lapsed_candidate_is_shown_and_cannot_be_accepted_until_the_renewal_is_paid(
        open_call, standing_member, apply, secretary, client, login_as):
    call = open_call()
    application = apply(call, standing_member())
    member = application.member
    fee = _lapse(member)

    login_as(secretary)
    review = _text(client.get(f"/candidates/manage/applications/{application.id}"))
    assert f"Membership lapsed on {_day()}: the renewal is not paid." in review
    assert "A lapsed member cannot be accepted while the lapse lasts." in review
    listing = _text(client.get(f"/candidates/manage/{call.slug}"))
    assert f"Membership lapsed on {_day()}" in listing

    refused = client.post(f"/candidates/manage/applications/{application.id}/accept")
    assert refused.status_code == 422
    assert "Your membership lapsed: the renewal is not paid." in _text(refused)
    db.session.expire_all()
    assert application.status is ApplicationStatus.SUBMITTED and application.withdrawn_at is None
    assert can_stand(member.account, call)  # the candidate may still change it: paying ends the lapse

    register.reinstate(member, fee, on=today())
    db.session.commit()
    assert client.post(f"/candidates/manage/applications/{application.id}/accept").status_code == 302
    db.session.expire_all()
    assert application.status is ApplicationStatus.ACCEPTED


def test_a_lapse_corrected_away_or_before_the_check_day_no_longer_counts(open_call, standing_member, apply):
    call = open_call()
    application = apply(call, standing_member())
    member = application.member
    fee = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=today().year)
    db.session.flush()
    entry = register.lapse(member, fee, on=LAPSED_ON)
    db.session.commit()
    assert services.member_eligibility(call, member, on=LAPSED_ON - timedelta(days=1)).lapsed_on is None
    assert services.member_eligibility(call, member).reasons == [services.LAPSED]

    register.correct(entry, reason="Paid at the door")
    db.session.commit()
    assert services.member_eligibility(call, member).eligible
