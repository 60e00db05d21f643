"""Services: groups and calls, meetings, documents, recommendations and answers, minutes and syntheses."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.clock import brussels_day, today, utcnow
from app.extensions import db
from app import uploads
from app.models import AuditEntry, OutboxMessage
from app.uploads import BadFile, EmptyFile, FileTooLarge
from shares import register
from tests.factories import give_paid_share, make_member_obj
from tests.working_groups.conftest import (make_board, make_group, make_minutes, make_recommendation,
                                           make_volunteer)
from working_groups import minutes as minutes_service
from working_groups import queries, services
from working_groups.errors import (AlreadyAnswered, AlreadyApproved, AlreadyCorrected, AlreadyInGroup,
                                   AmendedTextMissing, BadVotes, CallClosed,
                                   DateToCome, DateTooEarly, EmptyText, IllegalTransition, MeetingDateMissing,
                                   LaterMeetingFollows, MinutesExist, MinutesFrozen, NoEarlierMeeting,
                                   NotABoardAttendee, NotAMeetingOfTheDay, NotAMember, NotInGroup,
                                   SynthesisIncomplete)
from working_groups.labels import SITTINGS
from working_groups.models import (MAX_SITTING, AnswerDecision, AttendanceStatus, BoardAnswer, BoardMinutes,
                                   CallStatus, GroupMembership,
                                   GroupRole, MinutesStatus, RecommendationStatus)


def _actions() -> list[str]:
    return [a for (a,) in db.session.query(AuditEntry.action).order_by(AuditEntry.id)]


# -- groups ----------------------------------------------------------------------------------------

def test_a_member_answers_the_call_and_the_audit_says_so(group):
    member = give_paid_share(make_member_obj())
    membership = services.join_group(group, member, "Je veux m'impliquer.", actor=member.account)
    db.session.commit()
    assert membership.role is GroupRole.MEMBER and membership.active
    assert "working_groups.membership.join" in _actions()
    assert [m.member_id for m in queries.active_members(group)] == [member.id]


def test_joining_a_closed_call_is_refused_and_nothing_changes(group):
    services.set_call_status(group, CallStatus.CLOSED)
    db.session.commit()
    with pytest.raises(CallClosed) as refused:
        services.join_group(group, give_paid_share(make_member_obj()))
    assert refused.value.status == 409
    db.session.rollback()
    assert db.session.query(GroupMembership).count() == 0


def test_joining_twice_is_refused(group):
    member = make_volunteer(group)
    with pytest.raises(AlreadyInGroup):
        services.join_group(group, member)


def test_the_same_membership_twice_is_refused_by_the_database(group):
    member = make_volunteer(group)
    db.session.add(GroupMembership(group_id=group.id, member_id=member.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_leaving_then_joining_again_reuses_the_membership(group):
    member = make_volunteer(group)
    membership = services.active_membership(group, member)
    services.leave_group(membership)
    db.session.commit()
    assert services.active_membership(group, member) is None
    again = services.join_group(group, member)
    assert again.id == membership.id and again.active


def test_someone_who_resigned_cannot_join(group):
    member = make_member_obj()
    register.subscribe(member, 1, on=date(2020, 1, 1))
    register.resign(member, on=date(2021, 1, 1))
    db.session.commit()
    with pytest.raises(NotAMember):
        services.join_group(group, member)


def test_no_member_record_means_no_joining(group):
    with pytest.raises(NotAMember):
        services.join_group(group, None)


def test_an_applicant_whose_share_is_not_paid_cannot_join(group):
    applicant = make_member_obj()  # a member record, no paid share yet
    register.subscribe(applicant, 1, on=date(2020, 1, 1))
    db.session.commit()
    with pytest.raises(NotAMember):
        services.join_group(group, applicant)
    assert db.session.query(GroupMembership).count() == 0


def test_a_meeting_needs_a_date(group):
    with pytest.raises(MeetingDateMissing) as refused:
        services.schedule_meeting(group, None, "Bruxelles", "Ordre du jour")
    assert refused.value.status == 422


def test_attendance_only_for_the_group_s_members_on_the_meeting_s_day(group):
    inside = make_volunteer(group)
    outside = make_member_obj()
    meeting = services.schedule_meeting(group, today())
    services.record_meeting(meeting, {inside.id: AttendanceStatus.PRESENT}, "Tour de table.")
    db.session.commit()
    assert [(a.member_id, a.status) for a in meeting.attendance] == [(inside.id, AttendanceStatus.PRESENT)]
    with pytest.raises(NotInGroup):
        services.record_meeting(meeting, {outside.id: AttendanceStatus.PRESENT}, "")
    # a meeting of last month: the volunteer who joined today was not in the group yet
    earlier = services.schedule_meeting(group, today() - timedelta(days=30))
    assert queries.meeting_members(earlier) == [] and queries.meeting_members(meeting)[0].member_id == inside.id
    with pytest.raises(NotInGroup):
        services.record_meeting(earlier, {inside.id: AttendanceStatus.PRESENT}, "")


def test_a_member_who_left_and_joined_again_is_listed_for_the_meetings_of_their_periods_only(group):
    volunteer = make_volunteer(group)
    membership = db.session.scalar(select(GroupMembership).where(GroupMembership.member_id == volunteer.id))
    joined, left = utcnow() - timedelta(days=90), utcnow() - timedelta(days=60)
    membership.joined_at = joined
    services.leave_group(membership)
    membership.left_at = left
    db.session.commit()
    again = services.join_group(group, volunteer, "De retour.")
    db.session.commit()
    assert again.id == membership.id and again.active
    # Brussels days of those moments: 90 days ago was summer time, so late at night it is already the next day.
    assert again.earlier_periods == [[brussels_day(joined).isoformat(), brussels_day(left).isoformat()]]
    during_first = services.schedule_meeting(group, today() - timedelta(days=75))
    while_away = services.schedule_meeting(group, today() - timedelta(days=30))
    now = services.schedule_meeting(group, today())
    assert [m.member_id for m in queries.meeting_members(during_first)] == [volunteer.id]
    assert queries.meeting_members(while_away) == []
    assert [m.member_id for m in queries.meeting_members(now)] == [volunteer.id]
    with pytest.raises(NotInGroup):
        services.record_meeting(while_away, {volunteer.id: AttendanceStatus.PRESENT}, "")
    services.record_meeting(during_first, {volunteer.id: AttendanceStatus.PRESENT}, "")


@pytest.mark.parametrize(("filename", "data", "error"), [
    ("notes.exe", b"MZ\x90\x00", BadFile),
    ("fake.pdf", b"<html>not a pdf</html>", BadFile),
    ("empty.txt", b"", EmptyFile),
    ("latin1.txt", "é".encode("latin-1"), BadFile),
    ("big.pdf", b"%PDF-" + b"0" * (uploads.MAX_BYTES + 1), FileTooLarge),
])
def test_documents_are_checked(group, filename, data, error):
    with pytest.raises(error):
        services.add_document(group, "Un document", filename, data)


def test_a_pdf_document_is_kept(group):
    data = b"%PDF-1.4 test\n%%EOF"
    document = services.add_document(group, "Mandat", "../../etc/mandat.pdf", data)
    assert document.content_type == "application/pdf" and "/" not in document.filename and document.size == len(data)


# -- recommendations -------------------------------------------------------------------------------

def test_revisions_are_kept_as_versions(group):
    rec = make_recommendation(group)
    services.revise_recommendation(rec, "Un comité d'éthique élu", "Élu par l'Assemblée générale.", "Légitimité")
    db.session.commit()
    assert [v.number for v in rec.versions] == [1, 2]
    assert rec.title == "Un comité d'éthique élu" and rec.versions[0].title == "Créer un comité d'éthique indépendant"


def test_empty_text_is_refused(group):
    with pytest.raises(EmptyText):
        services.draft_recommendation(group, "  ", "texte")


def test_submission_takes_every_adopted_recommendation_as_one_set(group):
    first = make_recommendation(group, "adopted")
    second = make_recommendation(group, "adopted", title="Une charte éthique")
    draft = make_recommendation(group, "draft", title="Encore un brouillon")
    submission = services.submit_recommendations(group, date(2018, 3, 22))
    db.session.commit()
    assert first.submission_id == second.submission_id == submission.id
    assert draft.status is RecommendationStatus.DRAFT and draft.submission_id is None


def test_the_board_answers_once(group):
    rec = make_recommendation(group, "submitted")
    services.answer_recommendation(rec, AnswerDecision.POSTPONED, "Après l'installation du comité.")
    db.session.commit()
    with pytest.raises(AlreadyAnswered) as refused:
        services.answer_recommendation(rec, AnswerDecision.ACCEPTED, "Finalement oui.")
    assert refused.value.status == 409
    db.session.rollback()
    assert db.session.get(BoardAnswer, rec.answer.id).decision is AnswerDecision.POSTPONED


def test_a_second_answer_is_refused_by_the_database(group):
    rec = make_recommendation(group, "answered")
    db.session.add(BoardAnswer(recommendation_id=rec.id, decision=AnswerDecision.REJECTED, reasoning="Deux fois",
                               answered_on=date(2018, 5, 17)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_answer_without_reasoning_is_refused_by_the_service_and_the_database(group):
    rec = make_recommendation(group, "submitted")
    with pytest.raises(EmptyText):
        services.answer_recommendation(rec, AnswerDecision.ACCEPTED, "   ")
    db.session.add(BoardAnswer(recommendation_id=rec.id, decision=AnswerDecision.ACCEPTED, reasoning="",
                               answered_on=date(2018, 5, 17)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_amendments_need_the_amended_text_beside_the_original(group):
    rec = make_recommendation(group, "submitted")
    with pytest.raises(AmendedTextMissing):
        services.answer_recommendation(rec, AnswerDecision.AMENDED, "À préciser.", "")
    services.answer_recommendation(rec, AnswerDecision.AMENDED, "À préciser.", "Un comité de cinq sociétaires.")
    db.session.commit()
    assert rec.answer.amended_text == "Un comité de cinq sociétaires." and rec.text.startswith("Le Conseil")
    assert services.public_status(rec) == "planned"


def test_every_mistake_of_an_answer_is_named_by_its_field_and_the_service_refuses_the_first(group):
    rec = make_recommendation(group, "submitted")  # submitted on 22 March 2018
    later = today() + timedelta(days=2)
    assert services.answer_mistakes(rec, AnswerDecision.ACCEPTED, "", date(2018, 5, 16)) == {}
    mistakes = services.answer_mistakes(rec, AnswerDecision.AMENDED, "  ", later)
    assert {name: type(exc) for name, exc in mistakes.items()} == {"amended_text": AmendedTextMissing,
                                                                  "answered_on": DateToCome}
    early = services.answer_mistakes(rec, None, None, date(2018, 3, 1))["answered_on"]
    assert isinstance(early, DateTooEarly) and early.earliest == date(2018, 3, 22)
    with pytest.raises(AmendedTextMissing):
        services.answer_recommendation(rec, AnswerDecision.AMENDED, "À préciser.", "", later)
    assert db.session.query(BoardAnswer).count() == 0 and rec.status is RecommendationStatus.SUBMITTED


def test_answers_for_assembly_lists_the_answers_to_report(group):
    early = make_recommendation(group, "answered")
    later = make_recommendation(make_group("it"), "submitted", title="Outils sur téléphone")
    services.answer_recommendation(later, AnswerDecision.REJECTED, "Trop tôt.", answered_on=date(2019, 5, 1))
    db.session.commit()
    assert [a.recommendation_id for a in queries.answers_for_assembly(date(2018, 6, 19))] == [early.id]
    both = queries.answers_for_assembly(date(2019, 6, 18))
    assert {a.recommendation_id for a in both} == {early.id, later.id}
    services.mark_reported([early.answer], date(2018, 6, 19))
    db.session.commit()
    assert [a.recommendation_id for a in queries.answers_for_assembly(date(2019, 6, 18), since=date(2018, 6, 19))] \
        == [later.id]
    assert [a.recommendation_id for a in queries.answers_for_assembly(date(2018, 6, 19))] == [early.id]


def test_the_public_list_filters_and_searches(group):
    done = make_recommendation(group, "answered")
    services.add_progress(done, services.IM.DONE, "Comité élu.")
    make_recommendation(group, "draft", title="Brouillon secret")
    other = make_recommendation(make_group("it"), "submitted", title="Outils sur téléphone")
    db.session.commit()
    rows, total = queries.public_recommendations(queries.RecommendationFilters())
    assert {r.id for r in rows} == {done.id, other.id} and total == 2  # drafts stay in the group
    assert [r.id for r in queries.public_recommendations(queries.RecommendationFilters(status="done"))[0]] == [done.id]
    assert [r.id for r in queries.public_recommendations(queries.RecommendationFilters(group="it"))[0]] == [other.id]
    assert [r.id for r in queries.public_recommendations(queries.RecommendationFilters(q="TELEPHONE"))[0]] == [other.id]
    assert queries.public_recommendations(queries.RecommendationFilters(assembly=date(2017, 6, 20)))[1] == 2
    assert queries.public_recommendations(queries.RecommendationFilters(assembly=date(2030, 1, 1)))[1] == 0


# -- minutes ---------------------------------------------------------------------------------------

def test_each_board_member_approves_once_then_the_minutes_are_approved():
    board = make_board(2)
    minutes = make_minutes("circulated", board=board)
    assert minutes_service.approve(minutes, board[0]) is False
    with pytest.raises(AlreadyApproved):
        minutes_service.approve(minutes, board[0])
    assert minutes_service.approve(minutes, board[1]) is True
    db.session.commit()
    assert minutes.status is MinutesStatus.APPROVED and minutes.approved_on is not None
    assert "working_groups.minutes.approve" in _actions()


def test_only_listed_board_members_approve(secretary):
    minutes = make_minutes("circulated", board=make_board(2))
    with pytest.raises(NotABoardAttendee):
        minutes_service.approve(minutes, secretary)
    latecomer = make_board(1)[0]
    with pytest.raises(NotABoardAttendee):
        minutes_service.approve(minutes, latecomer)


def test_circulating_tells_each_board_member():
    board = make_board(2)
    make_minutes("circulated", board=board)
    assert {m.to_address for m in db.session.query(OutboxMessage)} == {a.email for a in board}


def test_votes_cannot_exceed_the_members_present():
    board = make_board(2)
    minutes = make_minutes("draft", board=board)
    with pytest.raises(BadVotes):
        minutes_service.add_decision(minutes, "Trop de voix", 2, 1, 0)


def test_approved_minutes_are_frozen_and_corrected_by_a_new_version():
    board = make_board(2)
    minutes = make_minutes("approved", board=board)
    with pytest.raises(MinutesFrozen):
        minutes_service.update_minutes(minutes, meeting_on=minutes.meeting_on, place="Ailleurs", summary="",
                                       attendance={})
    db.session.rollback()
    new = minutes_service.correct(minutes, "Le lieu était erroné.")
    db.session.commit()
    assert new.version == 2 and new.supersedes_id == minutes.id and new.status is MinutesStatus.DRAFT
    assert [i.title for i in new.items] == ["Budget"] and len(new.syntheses) == 3
    with pytest.raises(AlreadyCorrected):
        minutes_service.correct(minutes, "Encore")


def test_a_board_meeting_has_one_set_of_minutes_and_a_correction_is_a_version_of_it():
    board = make_board(2)
    first = make_minutes("circulated", board=board, meeting_on=date(2026, 9, 10))
    with pytest.raises(MinutesExist) as refused:
        minutes_service.draft_minutes(date(2026, 9, 10), "Gent")
    assert refused.value.minutes == first and refused.value.status == 409
    db.session.rollback()
    other = minutes_service.draft_minutes(date(2026, 10, 8), "Gent")  # another meeting: welcome
    with pytest.raises(MinutesExist):  # nor moved onto the day of minutes that exist
        minutes_service.update_minutes(other, meeting_on=date(2026, 9, 10), place="Gent", summary="", attendance={})
    db.session.rollback()
    assert db.session.query(BoardMinutes).filter_by(meeting_on=date(2026, 9, 10)).count() == 1
    for account in board:
        minutes_service.approve(first, account)
    correction = minutes_service.correct(first, "Le lieu était erroné.")  # the same set, a new version
    minutes_service.update_minutes(correction, meeting_on=date(2026, 9, 10), place="Namur", summary="",
                                   attendance={})
    db.session.commit()
    with pytest.raises(MinutesExist) as refused:
        minutes_service.draft_minutes(date(2026, 9, 10))
    assert refused.value.minutes == correction  # the newest version, to open
    db.session.rollback()


def test_two_secretaries_drafting_the_same_meeting_at_once_get_one_set(monkeypatch):
    """The check before writing saw nothing (the other secretary's minutes were not committed yet): the
    database's one set per meeting refuses the second, said as the check says it, the transaction alive."""
    first = make_minutes("draft", board=make_board(2), meeting_on=date(2026, 9, 10))
    other = minutes_service.draft_minutes(date(2026, 10, 8))
    db.session.commit()
    monkeypatch.setattr(minutes_service, "_one_set_per_meeting", lambda *args, **kwargs: None)
    before = _actions()
    with pytest.raises(MinutesExist) as refused:
        minutes_service.draft_minutes(date(2026, 9, 10), "Gent")
    assert refused.value.minutes == first
    with pytest.raises(MinutesExist) as moved:
        minutes_service.update_minutes(other, meeting_on=date(2026, 9, 10), place="", summary="", attendance={})
    assert moved.value.minutes == first
    assert db.session.scalar(select(BoardMinutes.meeting_on).where(BoardMinutes.id == other.id)) == date(2026, 10, 8)
    db.session.commit()  # what the savepoints undid is all that was written
    assert db.session.query(BoardMinutes).count() == 2 and _actions() == before


def test_the_database_frees_the_day_of_minutes_corrected_onto_another_day(monkeypatch):
    """The superseded version of minutes corrected onto the right day no longer holds the wrong day;
    two first versions standing on one day are still refused by the database, said as the check says it."""
    board = make_board(2)
    wrong = make_minutes("approved", board=board, meeting_on=date(2026, 9, 10))
    fixed = minutes_service.correct(wrong, "La date était erronée.")
    minutes_service.update_minutes(fixed, meeting_on=date(2026, 9, 3), place="Gent", summary="", attendance={})
    minutes_service.circulate(fixed)
    minutes_service.approve_at_meeting(fixed, date(2026, 10, 1))
    db.session.commit()
    assert wrong.status is MinutesStatus.SUPERSEDED
    monkeypatch.setattr(minutes_service, "_one_set_per_meeting", lambda *args, **kwargs: None)
    held = minutes_service.draft_minutes(date(2026, 9, 10), "Bruxelles")
    db.session.commit()
    with pytest.raises(MinutesExist) as refused:
        minutes_service.draft_minutes(date(2026, 9, 10), "Gent")
    assert refused.value.minutes == held
    db.session.rollback()


def test_a_second_board_meeting_the_same_day_has_its_own_minutes_chosen_knowingly(monkeypatch):
    """A morning meeting and an extraordinary one in the evening: the second is chosen as the day's second
    meeting and has its own set; the same meeting twice is still refused, by the check and by the
    database; a correction stays the same meeting's."""
    board = make_board(2)
    morning = make_minutes("approved", board=board, meeting_on=date(2026, 9, 10))
    assert morning.sitting == 1
    with pytest.raises(MinutesExist) as refused:  # the date alone: the morning's meeting
        minutes_service.draft_minutes(date(2026, 9, 10), "Gent")
    assert refused.value.minutes == morning and refused.value.sitting == 1
    db.session.rollback()
    evening = minutes_service.draft_minutes(date(2026, 9, 10), "Gent", sitting=2)
    db.session.commit()
    assert (evening.meeting_on, evening.sitting) == (date(2026, 9, 10), 2)
    with pytest.raises(MinutesExist) as twice:
        minutes_service.draft_minutes(date(2026, 9, 10), sitting=2)
    assert twice.value.minutes == evening and twice.value.sitting == 2
    db.session.rollback()
    # A draft moved onto a meeting that has minutes is refused; onto a free one of the day, welcome.
    other = minutes_service.draft_minutes(date(2026, 10, 8))
    db.session.commit()
    with pytest.raises(MinutesExist) as moved:
        minutes_service.update_minutes(other, meeting_on=date(2026, 9, 10), sitting=2, place="", summary="",
                                       attendance={})
    assert moved.value.minutes == evening
    db.session.rollback()
    other = db.session.get(BoardMinutes, other.id)
    minutes_service.update_minutes(other, meeting_on=date(2026, 9, 10), sitting=3, place="", summary="",
                                   attendance={})
    minutes_service.update_minutes(other, meeting_on=date(2026, 9, 10), place="Namur", summary="", attendance={})
    assert other.sitting == 3  # kept when not given
    correction = minutes_service.correct(morning, "Le lieu était erroné.")
    assert (correction.meeting_on, correction.sitting) == (date(2026, 9, 10), 1)
    db.session.commit()
    # The database keeps one set per meeting when the check saw nothing (two secretaries at once).
    monkeypatch.setattr(minutes_service, "_one_set_per_meeting", lambda *args, **kwargs: None)
    with pytest.raises(MinutesExist) as raced:
        minutes_service.draft_minutes(date(2026, 9, 10), "Gent", sitting=2)
    assert raced.value.minutes == evening
    db.session.rollback()
    assert [(m.sitting, m.version) for m in db.session.scalars(
        select(BoardMinutes).where(BoardMinutes.meeting_on == date(2026, 9, 10))
        .order_by(BoardMinutes.sitting, BoardMinutes.version))] == [(1, 1), (1, 2), (2, 1), (3, 1)]


def test_a_second_meeting_of_the_day_follows_a_first_one():
    """Minutes of the day's second (third) meeting for a day whose meeting before it has none are refused,
    drafted or moved there, and nothing is written; once the earlier meeting has its minutes, welcome."""
    make_board(2)
    for sitting in (2, 3):
        with pytest.raises(NoEarlierMeeting) as refused:
            minutes_service.draft_minutes(date(2026, 9, 10), "Gent", sitting=sitting)
        assert (refused.value.status, refused.value.day, refused.value.sitting) == (422, date(2026, 9, 10), sitting)
        db.session.rollback()
    assert db.session.query(BoardMinutes).count() == 0
    morning = minutes_service.draft_minutes(date(2026, 9, 10))
    db.session.commit()
    with pytest.raises(NoEarlierMeeting):  # the morning's own minutes moved to the evening: no first meeting left
        minutes_service.update_minutes(morning, meeting_on=date(2026, 9, 10), sitting=2, place="", summary="",
                                       attendance={})
    db.session.rollback()
    with pytest.raises(NoEarlierMeeting):  # a third meeting needs a second
        minutes_service.draft_minutes(date(2026, 9, 10), sitting=3)
    db.session.rollback()
    evening = minutes_service.draft_minutes(date(2026, 9, 10), sitting=2)
    assert (evening.sitting, db.session.get(BoardMinutes, morning.id).sitting) == (2, 1)


def test_the_first_meeting_s_minutes_cannot_leave_a_second_meeting_without_them():
    """Moving the first meeting's minutes to another day or meeting, or deleting them, while the day's
    second meeting has minutes would leave that one following none: refused, nothing written. A correction
    deleted leaves the approved version standing: allowed; the second meeting's own minutes move freely."""
    board = make_board(2)
    day = date(2026, 9, 10)
    morning = make_minutes("approved", board=board, meeting_on=day)
    evening = minutes_service.draft_minutes(day, sitting=2)
    db.session.commit()
    correction = minutes_service.correct(morning, "Une faute de frappe.")
    db.session.commit()
    for moved_to in ((date(2026, 9, 9), 1), (day, 3)):
        with pytest.raises(LaterMeetingFollows) as refused:
            minutes_service.update_minutes(correction, meeting_on=moved_to[0], sitting=moved_to[1], place="",
                                           summary="", attendance={})
        assert (refused.value.status, refused.value.day, refused.value.sitting) == (422, day, 1)
        db.session.rollback()
    minutes_service.discard(correction)  # the approved version still records the first meeting
    db.session.commit()
    first = minutes_service.draft_minutes(date(2026, 9, 11))
    second = minutes_service.draft_minutes(date(2026, 9, 11), sitting=2)
    db.session.commit()
    with pytest.raises(LaterMeetingFollows):
        minutes_service.discard(first)
    db.session.rollback()
    minutes_service.update_minutes(second, meeting_on=date(2026, 9, 11), sitting=2, place="Gent", summary="",
                                   attendance={})  # staying where it is
    minutes_service.discard(second)
    minutes_service.discard(db.session.get(BoardMinutes, first.id))  # nothing follows it any more
    db.session.commit()
    assert [(m.meeting_on, m.sitting, m.status.value) for m in db.session.scalars(
        select(BoardMinutes).order_by(BoardMinutes.id))] == [(day, 1, "approved"), (day, 2, "draft")]
    assert db.session.get(BoardMinutes, evening.id) is not None


def test_the_meetings_of_the_day_offered_are_those_the_database_allows():
    assert set(SITTINGS) == set(range(1, MAX_SITTING + 1))


@pytest.mark.parametrize("sitting", [0, -1, 5, 32767])
def test_minutes_for_a_meeting_of_the_day_the_form_does_not_offer_are_refused(sitting):
    make_board(1)
    with pytest.raises(NotAMeetingOfTheDay) as refused:
        minutes_service.draft_minutes(date(2026, 9, 10), sitting=sitting)
    assert refused.value.status == 422
    draft = minutes_service.draft_minutes(date(2026, 9, 10))
    with pytest.raises(NotAMeetingOfTheDay):
        minutes_service.update_minutes(draft, meeting_on=date(2026, 9, 10), sitting=sitting, place="", summary="",
                                       attendance={})
    assert draft.sitting == 1


def test_publishing_needs_three_languages_and_tells_members_in_their_language():
    board = make_board(2)
    incomplete = make_minutes("approved", board=board, syntheses=False)
    minutes_service.save_synthesis(incomplete, "fr", "Budget", "Le budget.")
    with pytest.raises(SynthesisIncomplete):
        minutes_service.publish(incomplete)
    db.session.rollback()
    dutch = give_paid_share(make_member_obj(language="nl"))
    french = give_paid_share(make_member_obj(language="fr"))
    minutes = make_minutes("approved", board=board, meeting_on=date(2026, 10, 1))
    assert minutes_service.publish(minutes) == 2
    db.session.commit()
    nl_mail = db.session.query(OutboxMessage).filter_by(to_address=dutch.email).one()
    fr_mail = db.session.query(OutboxMessage).filter_by(to_address=french.email).one()
    assert "Begroting van het jaar" in nl_mail.body_text and nl_mail.language == "nl"
    assert "1 oktober 2026" in nl_mail.subject
    assert "Budget de l'année" in fr_mail.body_text and "1er octobre 2026" in fr_mail.subject
    with pytest.raises(IllegalTransition):
        minutes_service.publish(minutes)
    with pytest.raises(MinutesFrozen):
        minutes_service.save_synthesis(minutes, "fr", "Autre", "Autre")


def test_a_draft_is_not_published_and_not_found_by_search():
    make_minutes("circulated", board=make_board(2))
    assert queries.published_minutes() == []
    assert queries.search("budget", "fr") == []


def test_search_finds_syntheses_in_the_reader_s_language_and_recommendations(group):
    minutes = make_minutes("published", board=make_board(2))
    rec = make_recommendation(group, "submitted", title="Budget participatif")
    hits = queries.search("budget", "nl")
    assert [(h.kind, h.obj.language) for h in hits if h.kind == "synthesis"] == [("synthesis", "nl")]
    assert [h.obj.id for h in hits if h.kind == "recommendation"] == [rec.id]
    assert sum(1 for h in hits if h.kind == "synthesis") == 1 and minutes.published_at


def test_a_corrected_published_version_replaces_the_old_one_for_members():
    board = make_board(2)
    old = make_minutes("published", board=board)
    new = minutes_service.correct(old, "Erreur dans les votes")
    minutes_service.circulate(new)
    minutes_service.approve_at_meeting(new, date(2026, 11, 1))
    db.session.commit()
    assert queries.published_minutes() == [new]


def test_a_deletion_waits_for_an_edit_that_holds_the_minutes_lock(monkeypatch):
    """The minutes' lock is a write on every database: a colleague's deletion that comes between an edit's
    lock and its write waits for the edit's commit (SQLite has no row lock: a read under FOR UPDATE let the
    deletion land first, and the edit's write then failed with a 500), then deletes the edited draft."""
    import threading
    import time

    from flask import current_app

    minutes = make_minutes("draft", board=make_board(2))
    mid, served = minutes.id, current_app._get_current_object()
    locked, events = threading.Event(), []
    original = minutes_service._lock

    def lock_then_pause(row):
        original(row)
        if threading.current_thread().name == "edit":
            locked.set()
            time.sleep(0.5)  # the colleague's deletion is sent now

    monkeypatch.setattr(minutes_service, "_lock", lock_then_pause)

    def run(name, action):
        with served.app_context():
            try:
                action(db.session.get(BoardMinutes, mid))
                db.session.commit()
                events.append((name, "done"))
            except Exception as exc:  # noqa: BLE001 - a failure is what the test looks for
                db.session.rollback()
                events.append((name, type(exc).__name__))
            finally:
                db.session.remove()

    def edit(row):
        minutes_service.update_minutes(row, meeting_on=row.meeting_on, place="Gent", summary="Le toit est réparé.",
                                       attendance={})

    def delete(row):
        locked.wait(20)
        minutes_service.discard(row)

    threads = [threading.Thread(target=run, args=("edit", edit), name="edit"),
               threading.Thread(target=run, args=("delete", delete), name="delete")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert events == [("edit", "done"), ("delete", "done")]
    db.session.expire_all()
    assert db.session.get(BoardMinutes, mid) is None
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "working_groups.minutes.edit")) is not None
