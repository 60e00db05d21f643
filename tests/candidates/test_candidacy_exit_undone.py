"""An exit recorded by mistake and corrected away gives back the applications it withdrew, as they were
(status, place on a fixed ballot), tells the candidate, and the audit log says so; an application whose
call moved on meanwhile (the ballot fixed without it) stays withdrawn."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.models import AuditEntry, OutboxMessage
from candidates import services
from candidates.models import ApplicationStatus, ApplicationVersion, BallotOrder
from shares import register
from shares.models import EntryKind, ShareEntry
from tests.candidates.test_candidacy_membership_ended import LEFT_ON, _accepted, _text


def _exit_entry(member) -> ShareEntry:
    return db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id,
                                                      ShareEntry.kind.in_((EntryKind.RESIGNATION, EntryKind.EXCLUSION))
                                                      ).order_by(ShareEntry.id.desc()))


def _undo_exit(member, shares_too: bool = True) -> None:
    """Staff correct the exit recorded by mistake, then (``shares_too``) the redemption it made."""
    entry = _exit_entry(member)
    redemption = register.exit_redemption(entry)
    register.correct(entry, reason="Recorded for the wrong member", on=entry.effective_on)
    db.session.commit()
    if shares_too:
        register.correct(redemption, reason="Recorded for the wrong member", on=entry.effective_on,
                         shares=-redemption.shares, capital_cents=-redemption.capital_cents,
                         paid_cents=-redemption.paid_cents)
        db.session.commit()


def _events(application) -> list[str]:
    return list(db.session.scalars(select(ApplicationVersion.event).where(
        ApplicationVersion.application_id == application.id).order_by(ApplicationVersion.number)))


def test_undoing_the_exit_puts_the_candidate_back_at_their_place_on_the_fixed_ballot(
        open_call, standing_member, apply, secretary, client, login_as):
    call = open_call()
    first = _accepted(call, apply, standing_member(), secretary, published_name="Anna Eerste")
    back = _accepted(call, apply, standing_member(language="nl"), secretary, published_name="Bert Terug")
    third = _accepted(call, apply, standing_member(), secretary, published_name="Chloé Troisième")
    services.publish_list(call, actor=secretary)
    services.fix_ballot_order(call, BallotOrder.MANUAL, positions={first.id: 1, back.id: 2, third.id: 3},
                              actor=secretary, on=call.closes_on + timedelta(days=1))
    db.session.commit()
    register.resign(back.member, on=LEFT_ON)
    db.session.commit()
    db.session.refresh(third)
    assert back.status is ApplicationStatus.WITHDRAWN and third.ballot_choice == "a02"

    _undo_exit(back.member)

    for application in (first, back, third):
        db.session.refresh(application)
    assert back.status is ApplicationStatus.ACCEPTED and back.membership_ended_on is None and back.withdrawn_at is None
    assert [first.ballot_choice, back.ballot_choice, third.ballot_choice] == ["a01", "a02", "a03"]
    assert list(services.ballot_choices(call)["candidates"]) == ["a01", "a02", "a03"]
    assert _events(back)[-2:] == ["membership_ended", "membership_restored"]
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "candidates.application.restore"))
    assert audit is not None and audit.after["ballot_choice"] == "a02"
    (mail,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == back.member.email,
                                                             OutboxMessage.subject.like("%terug%")))
    assert mail.language == "nl"

    login_as(secretary)
    assert "Bert Terug" in _text(client.get(f"/candidates/{call.slug}"))  # on the published list again
    review = _text(client.get(f"/candidates/manage/applications/{back.id}"))
    assert "Given back: the exit was corrected" in review and "Withdrawn: their membership ended on" not in review
    login_as("staff")
    log = _text(client.get("/staff/audit"))
    assert "Application given back: the exit that withdrew it was corrected" in log


def test_a_sent_application_comes_back_as_sent_and_a_redated_exit_withdraws_it_again(open_call, standing_member,
                                                                                     apply):
    call = open_call()
    application = apply(call, standing_member())
    member = application.member
    register.resign(member, on=LEFT_ON - timedelta(days=1))
    db.session.commit()

    _undo_exit(member)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.SUBMITTED and application.ballot_choice is None

    register.resign(member, on=LEFT_ON)  # the right day this time
    db.session.commit()
    db.session.refresh(application)
    assert application.status is ApplicationStatus.WITHDRAWN and application.membership_ended_on == LEFT_ON


def test_what_happened_since_keeps_the_application_withdrawn(open_call, standing_member, apply, secretary, client,
                                                             login_as):
    call = open_call()
    gone = _accepted(call, apply, standing_member(), secretary)
    stays = _accepted(call, apply, standing_member(), secretary)
    own = apply(call, standing_member())
    services.withdraw_application(own, actor=own.member.account)  # withdrawn by the candidate before the exit
    db.session.commit()
    register.resign(gone.member, on=LEFT_ON)
    register.resign(own.member, on=LEFT_ON)
    db.session.commit()
    # The ballot was fixed without the candidate who left.
    call.opens_on, call.closes_on = today() - timedelta(days=20), today() - timedelta(days=1)
    services.fix_ballot_order(call, BallotOrder.LOT, actor=secretary)
    db.session.commit()

    _undo_exit(gone.member)
    _undo_exit(own.member)

    db.session.refresh(gone)
    db.session.refresh(stays)
    db.session.refresh(own)
    assert gone.status is ApplicationStatus.WITHDRAWN and gone.membership_ended_on == LEFT_ON
    assert own.status is ApplicationStatus.WITHDRAWN and _events(own)[-1] == "withdrawn"
    assert stays.ballot_choice == "a01"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "candidates.application.restore")) is None
    login_as(secretary)
    review = _text(client.get(f"/candidates/manage/applications/{gone.id}"))
    assert "That exit was corrected since (recorded by mistake), but the application stays withdrawn" in review
    assert "corrected since" not in _text(client.get(f"/candidates/manage/applications/{stays.id}"))


def test_an_acceptance_is_decided_again_while_the_register_shows_no_share(open_call, standing_member, apply,
                                                                          secretary):
    """The exit corrected, the shares it redeemed not yet: the application comes back sent, not accepted (the
    secretary decides again once the register shows a member in good standing), and the candidate is told."""
    call = open_call()
    back = _accepted(call, apply, standing_member(), secretary, published_name="Bert Terug")
    register.resign(back.member, on=LEFT_ON)
    db.session.commit()
    _undo_exit(back.member, shares_too=False)
    db.session.refresh(back)
    assert back.status is ApplicationStatus.SUBMITTED and back.membership_ended_on is None
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == back.member.email)
                              .order_by(OutboxMessage.id.desc())).first()
    assert "the secretary will decide on your application again once it does" in mail.body_text
    assert "back as it was" not in mail.body_text
