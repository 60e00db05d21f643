"""The verbs of working groups and recommendations. Services flush, never commit; every refusal is a
DomainError; every change of status writes an audit row (``working_groups.<noun>.<verb>``)."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import today, utcnow
from app.extensions import db
from app.models import Account
from app.uow import savepoint
from app.uploads import checked_upload
from app.web import check_free_name
from shares.models import Member, fold
from shares.standing import is_member_now
from working_groups import queries
from working_groups.errors import (AlreadyAnswered, AlreadyInGroup, AmendedTextMissing, CallClosed,
                                   DateToCome, DateTooEarly, EmptyText, IllegalTransition, MeetingBeforeMandate,
                                   MeetingDateMissing, MeetingToCome,
                                   NotAMember, NotAnswerable, NotImplementable, NotInGroup, NothingToSubmit,
                                   PersonAlreadyInGroup, PersonNotAMember, RecommendationNotDraft,
                                   WorkingGroupError)
from working_groups.models import (AnswerDecision, AttendanceStatus, BoardAnswer, CallStatus, Follow, GroupDocument,
                                   GroupMeeting, GroupMembership, GroupRole, Implementation, MeetingAttendance,
                                   ProgressNote, Recommendation, RecommendationStatus, RecommendationVersion,
                                   Submission, WorkingGroup)

# ------------------------------------------------------------------------------------------------
# The state machines, stated once (the tests walk every pair)
# ------------------------------------------------------------------------------------------------

RS = RecommendationStatus
RECOMMENDATION_TRANSITIONS: dict[RecommendationStatus, set[RecommendationStatus]] = {
    RS.DRAFT: {RS.ADOPTED},
    RS.ADOPTED: {RS.SUBMITTED},
    RS.SUBMITTED: {RS.ANSWERED},
    RS.ANSWERED: set(),
}

IM = Implementation
# A progress note may keep the status (a dated note on work in progress); done and abandoned are final.
IMPLEMENTATION_TRANSITIONS: dict[Implementation | None, set[Implementation]] = {
    None: {IM.PLANNED},
    IM.PLANNED: {IM.PLANNED, IM.IN_PROGRESS, IM.DONE, IM.ABANDONED},
    IM.IN_PROGRESS: {IM.IN_PROGRESS, IM.DONE, IM.ABANDONED},
    IM.DONE: set(),
    IM.ABANDONED: set(),
}

FINAL_IMPLEMENTATION = (IM.DONE, IM.ABANDONED)

CALL_TRANSITIONS = {CallStatus.OPEN: {CallStatus.CLOSED}, CallStatus.CLOSED: {CallStatus.OPEN}}

IMPLEMENTED_DECISIONS = (AnswerDecision.ACCEPTED, AnswerDecision.AMENDED)


def _require_text(*values: str | None) -> None:
    if any(not (value or "").strip() for value in values):
        raise EmptyText()


def _move_recommendation(rec: Recommendation, target: RecommendationStatus, actor: Account | None,
                         action: str, error: type[IllegalTransition] = IllegalTransition, **after) -> None:
    if target not in RECOMMENDATION_TRANSITIONS[rec.status]:
        raise error(rec.status.value, target.value)
    before = rec.status
    rec.status, rec.updated_at = target, utcnow()
    audit.record(action, rec, before={"status": before}, after={"status": target, **after}, actor=actor)


# ------------------------------------------------------------------------------------------------
# Groups, calls, membership
# ------------------------------------------------------------------------------------------------

def create_group(*, slug: str, name: dict, mandate_text: dict, mandate_decided_on: date | None,
                 mandate_reference: str | None = None, call_text: dict | None = None,
                 actor: Account | None = None) -> WorkingGroup:
    _require_text(slug, name.get("fr") or name.get("nl") or name.get("en"), *mandate_text.values())
    check_free_name("working_groups", slug)
    if mandate_decided_on is None:
        raise EmptyText()
    group = WorkingGroup(slug=slug, name=name, mandate_text=mandate_text, mandate_decided_on=mandate_decided_on,
                         mandate_reference=mandate_reference or None, call_text=call_text or {},
                         call_status=CallStatus.OPEN)
    db.session.add(group)
    db.session.flush()
    audit.record("working_groups.group.create", group,
                 after={"slug": slug, "mandate_decided_on": mandate_decided_on}, actor=actor)
    return group


def set_call_status(group: WorkingGroup, target: CallStatus, actor: Account | None = None) -> None:
    if target not in CALL_TRANSITIONS[group.call_status]:
        raise IllegalTransition(group.call_status.value, target.value)
    before = group.call_status
    group.call_status = target
    audit.record(f"working_groups.call.{'open' if target is CallStatus.OPEN else 'close'}", group,
                 before={"call_status": before}, after={"call_status": target}, actor=actor)


def _member_has_left(member: Member) -> bool:
    from shares.standing import register_facts

    facts = register_facts(today(), [member.id]).get(member.id)
    return bool(facts and facts.exited)


def join_group(group: WorkingGroup, member: Member | None, motivation: str = "",
               actor: Account | None = None) -> GroupMembership:
    """Answer the call for volunteers. Refused when the call is closed or the person is no member (an
    applicant whose shares are not paid yet, or a member who left)."""
    if not is_member_now(member):
        raise NotAMember()
    if group.call_status is not CallStatus.OPEN:
        raise CallClosed()
    existing = db.session.scalar(select(GroupMembership).where(GroupMembership.group_id == group.id,
                                                               GroupMembership.member_id == member.id))
    if existing is not None:
        if existing.active:
            raise AlreadyInGroup()
        existing.rejoin()
        existing.role, existing.motivation = GroupRole.MEMBER, motivation.strip()
        membership = existing
    else:
        membership = GroupMembership(group_id=group.id, member_id=member.id, role=GroupRole.MEMBER,
                                     motivation=motivation.strip())
        with savepoint(conflict=AlreadyInGroup):
            db.session.add(membership)
            db.session.flush()
        db.session.expire(group, ["memberships"])
    audit.record("working_groups.membership.join", membership, after={"group": group.slug, "member": member.number},
                 actor=actor)
    return membership


def add_to_group(group: WorkingGroup, member: Member, role: GroupRole, actor: Account | None = None) -> GroupMembership:
    """A facilitator or the secretary adds someone directly (an invited expert, a facilitator): no call needed."""
    if _member_has_left(member):
        raise PersonNotAMember(member)
    existing = db.session.scalar(select(GroupMembership).where(GroupMembership.group_id == group.id,
                                                               GroupMembership.member_id == member.id))
    if existing is not None and existing.active:
        raise PersonAlreadyInGroup(member)
    membership = existing or GroupMembership(group_id=group.id, member_id=member.id)
    if existing is not None:
        membership.rejoin()
    membership.role = role
    with savepoint(conflict=PersonAlreadyInGroup(member)):
        db.session.add(membership)
        db.session.flush()
    db.session.expire(group, ["memberships"])
    audit.record("working_groups.membership.add", membership,
                 after={"group": group.slug, "member": member.number, "role": role}, actor=actor)
    return membership


def leave_group(membership: GroupMembership, actor: Account | None = None) -> None:
    if not membership.active:
        raise NotInGroup()
    membership.left_at = utcnow()
    audit.record("working_groups.membership.leave", membership, before={"active": True}, after={"active": False},
                 actor=actor)


def set_role(membership: GroupMembership, role: GroupRole, actor: Account | None = None) -> None:
    if not membership.active:
        raise NotInGroup()
    before = membership.role
    membership.role = role
    audit.record("working_groups.membership.role", membership, before={"role": before}, after={"role": role},
                 actor=actor)


def active_membership(group: WorkingGroup, member: Member | None) -> GroupMembership | None:
    if member is None:
        return None
    return db.session.scalar(select(GroupMembership).where(
        GroupMembership.group_id == group.id, GroupMembership.member_id == member.id,
        GroupMembership.left_at.is_(None)))


# ------------------------------------------------------------------------------------------------
# Meetings and documents
# ------------------------------------------------------------------------------------------------

def schedule_meeting(group: WorkingGroup, held_on: date | None, place: str = "", agenda: str = "",
                     actor: Account | None = None, starts_at: time | None = None) -> GroupMeeting:
    if held_on is None:
        raise MeetingDateMissing()
    if held_on < group.mandate_decided_on:
        raise MeetingBeforeMandate(group.mandate_decided_on)
    meeting = GroupMeeting(group_id=group.id, held_on=held_on, starts_at=starts_at, place=place.strip(),
                           agenda=agenda.strip())
    db.session.add(meeting)
    db.session.flush()
    db.session.expire(group, ["meetings"])
    audit.record("working_groups.meeting.schedule", meeting,
                 after={"group": group.slug, "held_on": held_on,
                        "starts_at": starts_at.strftime("%H:%M") if starts_at else None}, actor=actor)
    return meeting


def meeting_to_come(meeting: GroupMeeting) -> MeetingToCome | None:
    """Why nothing is recorded of ``meeting`` yet (it is still to come), or None once it has been held."""
    return MeetingToCome(meeting.held_on) if meeting.held_on > today() else None


def _held(meeting: GroupMeeting) -> None:
    refusal = meeting_to_come(meeting)
    if refusal is not None:
        raise refusal


def record_meeting(meeting: GroupMeeting, attendance: dict[int, AttendanceStatus], notes: str,
                   actor: Account | None = None) -> None:
    """Attendance of the group's members (by member id) and the notes, once the meeting has been held.
    Unknown people are refused."""
    _held(meeting)
    allowed = {m.member_id for m in queries.meeting_members(meeting)}
    if set(attendance) - allowed:
        raise NotInGroup()
    current = {a.member_id: a for a in meeting.attendance}
    for member_id, status in attendance.items():
        if member_id in current:
            current[member_id].status = status
        else:
            meeting.attendance.append(MeetingAttendance(member_id=member_id, status=status))
    meeting.notes = notes.strip()
    db.session.flush()
    audit.record("working_groups.meeting.record", meeting,
                 after={"present": sum(1 for s in attendance.values() if s is AttendanceStatus.PRESENT)}, actor=actor)


def add_document(group: WorkingGroup, title: str, filename: str, data: bytes,
                 actor: Account | None = None) -> GroupDocument:
    """Checked by ``app.uploads`` (size, extension, the file's first bytes)."""
    _require_text(title, filename)
    upload = checked_upload(filename, data)
    document = GroupDocument(group_id=group.id, title=title.strip()[:200], filename=upload.filename,
                             content_type=upload.content_type, size=len(data), data=data,
                             uploaded_by_id=actor.id if actor else None)
    db.session.add(document)
    db.session.flush()
    audit.record("working_groups.document.upload", document,
                 after={"group": group.slug, "filename": upload.filename, "size": len(data)}, actor=actor)
    return document


# ------------------------------------------------------------------------------------------------
# Recommendations
# ------------------------------------------------------------------------------------------------

def _refresh_search(rec: Recommendation) -> None:
    answer = rec.answer
    rec.search_text = fold(" ".join([rec.title, rec.text, rec.rationale,
                                     (answer.amended_text or "") if answer else "",
                                     answer.reasoning if answer else ""]))


def draft_recommendation(group: WorkingGroup, title: str, text: str, rationale: str = "", language: str = "fr",
                         author: Account | None = None) -> Recommendation:
    _require_text(title, text)
    number = (db.session.scalar(select(func.max(Recommendation.number)).where(Recommendation.group_id == group.id))
              or 0) + 1
    rec = Recommendation(group_id=group.id, number=number, title=title.strip(), text=text.strip(),
                         rationale=rationale.strip(), language=language, status=RS.DRAFT)
    rec.versions.append(RecommendationVersion(number=1, title=rec.title, text=rec.text, rationale=rec.rationale,
                                              author_id=author.id if author else None))
    _refresh_search(rec)
    db.session.add(rec)
    db.session.flush()
    audit.record("working_groups.recommendation.draft", rec, after={"group": group.slug, "number": number,
                                                                     "status": RS.DRAFT}, actor=author)
    return rec


def revise_recommendation(rec: Recommendation, title: str, text: str, rationale: str = "",
                          author: Account | None = None) -> RecommendationVersion:
    """A new version of a draft; adopted and later recommendations are frozen."""
    if rec.status is not RS.DRAFT:
        raise RecommendationNotDraft(rec.status.value, RS.DRAFT.value)
    _require_text(title, text)
    version = RecommendationVersion(number=len(rec.versions) + 1, title=title.strip(), text=text.strip(),
                                    rationale=rationale.strip(), author_id=author.id if author else None)
    rec.versions.append(version)
    rec.title, rec.text, rec.rationale, rec.updated_at = version.title, version.text, version.rationale, utcnow()
    _refresh_search(rec)
    db.session.flush()
    audit.record("working_groups.recommendation.revise", rec, after={"version": version.number}, actor=author)
    return version


def adopt_recommendations(meeting: GroupMeeting, recs: list[Recommendation], actor: Account | None = None) -> None:
    """Adopted in a meeting of their group, once it has been held: all or none."""
    if not recs:
        raise NothingToSubmit()
    _held(meeting)
    for rec in recs:
        if rec.group_id != meeting.group_id:
            raise NotInGroup()
        _move_recommendation(rec, RS.ADOPTED, actor, "working_groups.recommendation.adopt",
                             RecommendationNotDraft, meeting=meeting.id)
        rec.adopted_meeting_id = meeting.id


def submit_recommendations(group: WorkingGroup, submitted_on: date | None, actor: Account | None = None) -> Submission:
    """Every adopted recommendation of the group, as one set, to the board on ``submitted_on``."""
    if submitted_on is None:
        raise MeetingDateMissing()
    if submitted_on > today():
        raise DateToCome()
    recs = list(db.session.scalars(select(Recommendation).where(Recommendation.group_id == group.id,
                                                                Recommendation.status == RS.ADOPTED)
                                   .order_by(Recommendation.number)))
    if not recs:
        raise NothingToSubmit()
    adopted_on = max((r.adopted_meeting.held_on for r in recs if r.adopted_meeting is not None), default=None)
    if adopted_on is not None and submitted_on < adopted_on:
        raise DateTooEarly(adopted_on, "adopted")
    submission = Submission(group_id=group.id, submitted_on=submitted_on, submitted_by_id=actor.id if actor else None)
    db.session.add(submission)
    db.session.flush()
    for rec in recs:
        _move_recommendation(rec, RS.SUBMITTED, actor, "working_groups.recommendation.submit",
                             submission=submission.id)
        rec.submission_id = submission.id
    audit.record("working_groups.submission.create", submission,
                 after={"group": group.slug, "count": len(recs), "submitted_on": submitted_on}, actor=actor)
    return submission


def answer_mistakes(rec: Recommendation, decision: AnswerDecision | None, amended_text: str | None,
                    answered_on: date | None) -> dict[str, WorkingGroupError]:
    """What is wrong with an answer as typed, by field (``amended_text``, ``answered_on``), every mistake
    at once, so that the form says them together; ``answer_recommendation`` refuses the first."""
    mistakes: dict[str, WorkingGroupError] = {}
    if decision is AnswerDecision.AMENDED and not (amended_text or "").strip():
        mistakes["amended_text"] = AmendedTextMissing()
    if answered_on is not None and answered_on > today():
        mistakes["answered_on"] = DateToCome()
    elif answered_on is not None and rec.submission is not None and answered_on < rec.submission.submitted_on:
        mistakes["answered_on"] = DateTooEarly(rec.submission.submitted_on, "submitted")
    return mistakes


def require_answerable(rec: Recommendation) -> None:
    """Only a recommendation submitted to the board, not answered yet, gets the board's answer."""
    if rec.status is RS.ANSWERED:
        raise AlreadyAnswered()
    if rec.status is not RS.SUBMITTED:
        raise NotAnswerable(rec.status.value, RS.ANSWERED.value)


def answer_recommendation(rec: Recommendation, decision: AnswerDecision, reasoning: str,
                          amended_text: str | None = None, answered_on: date | None = None,
                          actor: Account | None = None) -> BoardAnswer:
    """The board's answer, recorded by the secretary: once (a unique constraint), always with reasoning."""
    require_answerable(rec)
    _require_text(reasoning)
    mistakes = answer_mistakes(rec, decision, amended_text, answered_on)
    if mistakes:
        raise next(iter(mistakes.values()))
    amended_text = ((amended_text or "").strip() or None) if decision is AnswerDecision.AMENDED else None
    answer = BoardAnswer(recommendation_id=rec.id, decision=decision, reasoning=reasoning.strip(),
                         amended_text=amended_text, answered_on=answered_on or today(),
                         answered_by_id=actor.id if actor else None)
    with savepoint(conflict=AlreadyAnswered):
        db.session.add(answer)
        db.session.flush()
    db.session.refresh(rec, ["answer"])
    _move_recommendation(rec, RS.ANSWERED, actor, "working_groups.recommendation.answer", decision=decision)
    if decision in IMPLEMENTED_DECISIONS:
        _set_implementation(rec, IM.PLANNED, actor)
    _refresh_search(rec)
    return answer


def _set_implementation(rec: Recommendation, target: Implementation, actor: Account | None) -> None:
    if target not in IMPLEMENTATION_TRANSITIONS[rec.implementation]:
        raise NotImplementable(rec.implementation.value if rec.implementation else "answered", target.value)
    before = rec.implementation
    rec.implementation, rec.updated_at = target, utcnow()
    if before is not target:
        audit.record("working_groups.implementation.update", rec, before={"implementation": before},
                     after={"implementation": target}, actor=actor)


def add_progress(rec: Recommendation, status: Implementation, note: str, noted_on: date | None = None,
                 actor: Account | None = None) -> ProgressNote:
    """A dated progress note on an accepted recommendation, which may move its implementation status."""
    if rec.answer is None or rec.answer.decision not in IMPLEMENTED_DECISIONS or rec.implementation is None:
        raise NotImplementable(rec.status.value, status.value)
    _require_text(note)
    if noted_on is not None and noted_on > today():
        raise DateToCome()
    if noted_on is not None and noted_on < rec.answer.answered_on:
        raise DateTooEarly(rec.answer.answered_on, "answered")
    _set_implementation(rec, status, actor)
    progress = ProgressNote(recommendation_id=rec.id, noted_on=noted_on or today(), status=status,
                            note=note.strip(), author_id=actor.id if actor else None)
    db.session.add(progress)
    db.session.flush()
    db.session.refresh(rec, ["progress"])
    return progress


def mark_reported(answers: list[BoardAnswer], assembly_on: date, actor: Account | None = None) -> int:
    """Record that these answers were reported at the general assembly of ``assembly_on``."""
    count = 0
    for answer in answers:
        if answer.reported_on is None:
            answer.reported_on = assembly_on
            audit.record("working_groups.answer.report", answer, after={"reported_on": assembly_on}, actor=actor)
            count += 1
    return count


def follow(account: Account, rec: Recommendation) -> None:
    exists = db.session.scalar(select(Follow.id).where(Follow.account_id == account.id,
                                                       Follow.recommendation_id == rec.id))
    if exists is None:
        try:
            with savepoint():  # followed from its page: what it shows is no news
                db.session.add(Follow(account_id=account.id, recommendation_id=rec.id, seen_at=utcnow()))
                db.session.flush()
        except IntegrityError:  # the same person, in another tab, at the same moment: followed either way
            pass


def seen_recommendation(account: Account, rec: Recommendation) -> None:
    """Its follower opened ``rec``: its moves until now are no longer news on their home page."""
    db.session.execute(update(Follow).where(Follow.account_id == account.id, Follow.recommendation_id == rec.id)
                       .values(seen_at=utcnow()).execution_options(synchronize_session=False))



def unfollow(account: Account, rec: Recommendation) -> None:
    row = db.session.scalar(select(Follow).where(Follow.account_id == account.id, Follow.recommendation_id == rec.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def public_status(rec: Recommendation) -> str:
    """What a member sees: the implementation if any, else the board's decision, else the lifecycle step."""
    if rec.implementation is not None:
        return rec.implementation.value
    if rec.answer is not None:
        return rec.answer.decision.value
    return rec.status.value
