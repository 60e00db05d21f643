"""An exit recorded in the register (resignation, exclusion) withdraws the membership's open
applications: who is no longer a member cannot stand. The candidate is told by mail in their language,
the secretary's pages say why, in words; other members' applications, decided ones and those of a
call whose vote has opened stay as they are."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from app.clock import today
from app.extensions import db
from app.models import AuditEntry, OutboxMessage
from app.web import format_day
from candidates import services
from candidates.models import ApplicationStatus, ApplicationVersion, BallotOrder
from shares import register
from shares.models import Category, EntryKind, ShareEntry
from tests.factories import register_version, sign_in

LEFT_ON = today() - timedelta(days=1)


def _day(language: str) -> str:
    with force_locale(language):
        return format_day(LEFT_ON)


def _text(response) -> str:
    import re

    return " ".join(re.sub("<[^>]+>", " ", response.get_data(as_text=True)).split())


def _plain(text: str) -> str:
    """French spacing's no-break spaces as plain ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _mails(to: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == to,
                                                               OutboxMessage.subject.like("%withdrawn%")
                                                               | OutboxMessage.subject.like("%retirée%")
                                                               | OutboxMessage.subject.like("%ingetrokken%"))))


def _accepted(call, apply, member, secretary, **fields):
    application = apply(call, member, **fields)
    services.accept_application(application, actor=secretary)
    db.session.commit()
    return application


def test_a_resignation_withdraws_the_open_applications_and_tells_the_candidate(open_call, standing_member, apply,
                                                                              secretary):
    call = open_call()
    member = standing_member(language="fr")
    sent = apply(call, member)
    other = apply(call, standing_member())  # another account's application in the same call
    draft_call = open_call(slug="board-draft")
    draft = services.save_application(draft_call, member, {"biography": "Un début"}, actor=member.account)
    db.session.commit()

    register.resign(member, on=LEFT_ON)
    db.session.commit()

    for application in (sent, draft):
        db.session.refresh(application)
        assert application.status is ApplicationStatus.WITHDRAWN
        assert application.membership_ended_on == LEFT_ON and not application.withdrawn_after_vote
        last = db.session.scalars(select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
                                  .order_by(ApplicationVersion.number.desc())).first()
        assert last.event == "membership_ended" and last.status is ApplicationStatus.WITHDRAWN
    db.session.refresh(other)
    assert other.status is ApplicationStatus.SUBMITTED and other.membership_ended_on is None
    mails = _mails(member.email)
    assert len(mails) == 2 and all(m.language == "fr" for m in mails)
    assert all(_plain(m.subject) == "Votre candidature est retirée : votre qualité de sociétaire a pris fin"
               for m in mails)
    # One mail per application, each naming its own call (the two are queued in no set order).
    (sent_mail,) = [m for m in mails if "/candidates/me/board-test/application" in m.body_text]
    assert f"a pris fin le {_plain(_day('fr'))}." in _plain(sent_mail.body_text) and "Appel" in sent_mail.body_text
    assert any("/candidates/me/board-draft/application" in m.body_text for m in mails)
    assert not _mails(other.member.email)
    withdrawals = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "candidates.application.withdraw"))
    assert withdrawals == 2


def test_an_exclusion_withdraws_a_published_candidacy_and_the_others_move_up(open_call, standing_member, apply,
                                                                             secretary, client, login_as):
    call = open_call()
    excluded = _accepted(call, apply, standing_member(language="nl"), secretary, published_name="Xavier Exclu")
    stays = _accepted(call, apply, standing_member(), secretary)
    services.publish_list(call, actor=secretary)
    services.fix_ballot_order(call, BallotOrder.MANUAL, positions={excluded.id: 1, stays.id: 2}, actor=secretary,
                              on=call.closes_on + timedelta(days=1))
    db.session.commit()
    assert excluded.ballot_choice == "a01"

    register.exclude(excluded.member, on=LEFT_ON, board_decision_on=LEFT_ON, board_reference="CA-12")
    db.session.commit()

    db.session.refresh(excluded)
    db.session.refresh(stays)
    assert excluded.status is ApplicationStatus.WITHDRAWN and excluded.ballot_choice is None
    assert stays.ballot_choice == "a01" and stays.status is ApplicationStatus.ACCEPTED
    choices = services.ballot_choices(call)
    assert list(choices["candidates"]) == ["a01"] and choices["candidates"]["a01"]["application_id"] == stays.id
    assert [m.language for m in _mails(excluded.member.email)] == ["nl"]
    assert _mails(excluded.member.email)[0].subject == "Uw kandidatuur is ingetrokken: uw lidmaatschap is beëindigd"

    login_as(secretary)
    public = _text(client.get(f"/candidates/{call.slug}"))
    assert "Xavier Exclu" not in public and "Camille Dubois" in public
    day = _day("en")
    review = _text(client.get(f"/candidates/manage/applications/{excluded.id}"))
    assert f"Withdrawn: their membership ended on {day}." in review
    assert "The candidate was on the published list of candidates: they are no longer on it." in review
    assert "The ballot order was already fixed: the candidates after them moved up one place." in review
    assert "Withdrawn: the membership ended" in review  # the history's line
    listing = _text(client.get(f"/candidates/manage/{call.slug}"))
    assert f"Withdrawn: their membership ended on {day}." in listing
    # The candidate who stays: nothing said about an ended membership.
    assert "membership ended" not in _text(client.get(f"/candidates/manage/applications/{stays.id}"))


def test_decided_withdrawn_and_voting_applications_are_left_as_they_are(open_call, standing_member, apply, secretary):
    rejected_call = open_call(slug="board-rejected")
    member = standing_member()
    rejected = apply(rejected_call, member)
    services.reject_application(rejected, "Pas de photo lisible", actor=secretary)
    withdrawn_call = open_call(slug="board-withdrawn")
    withdrawn = apply(withdrawn_call, member)
    services.withdraw_application(withdrawn, actor=member.account)
    voting_call = open_call(slug="board-voting")
    voting = _accepted(voting_call, apply, member, secretary)
    # The vote of that call has opened (its ballot no longer changes): the election decides.
    voting_call.opens_on, voting_call.closes_on = today() - timedelta(days=30), today() - timedelta(days=5)
    voting_call.vote_opens_on = today()
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(ApplicationVersion))

    register.resign(member, on=LEFT_ON)
    db.session.commit()

    for application, status in ((rejected, ApplicationStatus.REJECTED), (withdrawn, ApplicationStatus.WITHDRAWN),
                                (voting, ApplicationStatus.ACCEPTED)):
        db.session.refresh(application)
        assert application.status is status and application.membership_ended_on is None
    assert db.session.scalar(select(func.count()).select_from(ApplicationVersion)) == before
    assert not _mails(member.email)


def test_staff_record_the_resignation_once_and_the_candidate_is_told_once(open_call, standing_member, apply, client,
                                                                         login_as):
    call = open_call()
    application = apply(call, standing_member(category=Category.B))
    member = application.member
    login_as("staff")
    form = {"effective_on": LEFT_ON.isoformat(), "note": "Départ"}
    first = client.post(f"/staff/members/{member.id}/register/resign", data=form)
    seen = register_version(first.get_data(as_text=True))
    done = client.post(f"/staff/members/{member.id}/register/resign",
                       data=form | {"confirmed": "1", "register_version": seen})
    assert done.status_code == 302
    db.session.expire_all()
    assert application.status is ApplicationStatus.WITHDRAWN and application.membership_ended_on == LEFT_ON
    # The same confirmation again (a second tab): refused, nothing withdrawn or mailed twice.
    again = client.post(f"/staff/members/{member.id}/register/resign",
                        data=form | {"confirmed": "1", "register_version": seen})
    assert again.status_code == 409
    assert len(_mails(member.email)) == 1
    assert db.session.scalar(select(func.count()).select_from(ApplicationVersion).where(
        ApplicationVersion.application_id == application.id, ApplicationVersion.event == "membership_ended")) == 1


def test_the_former_candidate_reads_why_on_their_application(open_call, standing_member, apply, client):
    call = open_call()
    application = apply(call, standing_member())
    register.resign(application.member, on=LEFT_ON)
    db.session.commit()
    sign_in(client, application.member.account)
    page = client.get(f"/candidates/me/{call.slug}/application")
    assert page.status_code == 200
    assert f"Withdrawn: your membership ended on {_day('en')}." in _text(page)


def test_the_catch_up_withdraws_what_exits_recorded_before_the_rule_left_open_once(
        app, open_call, standing_member, apply, secretary):
    from shares.signals import membership_ended

    call = open_call()
    before_rule = _accepted(call, apply, standing_member(language="fr"), secretary)
    undone = apply(call, standing_member())
    stays = apply(call, standing_member())
    voting_call = open_call(slug="board-voting")
    voting = apply(voting_call, before_rule.member)
    voting_call.opens_on, voting_call.closes_on = today() - timedelta(days=30), today() - timedelta(days=5)
    voting_call.vote_opens_on = today()
    db.session.commit()
    # Exits recorded before the candidacies listened to them: nothing was withdrawn.
    listeners = list(membership_ended.receivers.values())
    membership_ended.receivers.clear()
    try:
        register.resign(before_rule.member, on=LEFT_ON)
        register.resign(undone.member, on=LEFT_ON)
        db.session.commit()
    finally:
        for listener in listeners:
            membership_ended.connect(listener, weak=False)
    register.correct(db.session.scalar(select(ShareEntry).where(
        ShareEntry.member_id == undone.member_id, ShareEntry.kind == EntryKind.RESIGNATION)), reason="Wrong member")
    db.session.commit()
    assert before_rule.status is ApplicationStatus.ACCEPTED

    runner = app.test_cli_runner()
    first = runner.invoke(args=["candidates", "withdraw-former-members"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("1 application(s) withdrawn.")
    assert f"member {before_rule.member.number}, call board-test" in first.output
    db.session.expire_all()
    assert before_rule.status is ApplicationStatus.WITHDRAWN and before_rule.membership_ended_on == LEFT_ON
    assert undone.status is stays.status is ApplicationStatus.SUBMITTED  # the exit was corrected; a member
    assert voting.status is ApplicationStatus.SUBMITTED  # the vote has opened: the ballot does not change
    assert len(_mails(before_rule.member.email)) == 1

    again = runner.invoke(args=["candidates", "withdraw-former-members"])
    assert again.exit_code == 0 and again.output.startswith("0 application(s) withdrawn.")
    assert len(_mails(before_rule.member.email)) == 1


def test_a_candidate_on_the_ballot_who_leaves_once_the_vote_opened_stays_and_the_secretary_is_told(
        open_call, standing_member, apply, secretary, client, login_as):
    call = open_call()
    leaves = _accepted(call, apply, standing_member(), secretary, published_name="Lucie Partie")
    services.fix_ballot_order(call, BallotOrder.MANUAL, positions={leaves.id: 1}, actor=secretary,
                              on=call.closes_on + timedelta(days=1))
    call.opens_on, call.closes_on = today() - timedelta(days=30), today() - timedelta(days=5)
    call.vote_opens_on = today() - timedelta(days=1)
    db.session.commit()

    register.resign(leaves.member, on=today())
    db.session.commit()

    db.session.refresh(leaves)
    assert leaves.status is ApplicationStatus.ACCEPTED and leaves.ballot_choice == "a01"
    login_as(secretary)
    with force_locale("en"):
        day = format_day(today())
    review = _text(client.get(f"/candidates/manage/applications/{leaves.id}"))
    assert f"Lucie Partie left the cooperative on {day} and cannot take a seat." in review
    assert "the ballot no longer changes, so they stay on it" in review
