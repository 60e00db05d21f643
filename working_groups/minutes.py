"""The board's minutes: drafted by the secretary, circulated, commented and approved by the board members
(each, or the next meeting), then frozen; a synthesis in French, Dutch and English is published to members.

The workflow is the state machine ``MINUTES_TRANSITIONS``; the services flush, never commit."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import today, utcnow
from app.extensions import db
from app.mail import queue_mail
from app.models import Account, AccountRole, Role
from app.uow import lock_row, savepoint
from shares import standing
from shares.models import Member, fold
from working_groups.errors import (AlreadyApproved, AlreadyCorrected, ApprovalBeforeMeeting, BadVotes, DateToCome,
                                   EmptyText, IllegalTransition, LaterMeetingFollows, MeetingDateMissing, MinutesExist,
                                   MinutesFrozen, MinutesGone, NoBoardMembers, NoEarlierMeeting, NotABoardAttendee,
                                   NotAMeetingOfTheDay, NotDiscardable, SynthesisIncomplete)
from working_groups.labels import SITTINGS
from working_groups.models import (LANGUAGES, AttendanceStatus, BoardMinutes, MinutesApproval, MinutesAttendee,
                                   MinutesComment, MinutesDecision, MinutesItem, MinutesStatus, Synthesis, SynthesisRead)

MS = MinutesStatus
MINUTES_TRANSITIONS: dict[MinutesStatus, set[MinutesStatus]] = {
    MS.DRAFT: {MS.CIRCULATED},
    MS.CIRCULATED: {MS.DRAFT, MS.APPROVED},
    MS.APPROVED: {MS.SUPERSEDED},
    MS.SUPERSEDED: set(),
}


def _move(minutes: BoardMinutes, target: MinutesStatus, actor: Account | None, verb: str, **after) -> None:
    if target not in MINUTES_TRANSITIONS[minutes.status]:
        if minutes.status in (MS.APPROVED, MS.SUPERSEDED):
            raise MinutesFrozen(minutes.status.value, target.value)
        raise IllegalTransition(minutes.status.value, target.value)
    before = minutes.status
    minutes.status = target
    audit.record(f"working_groups.minutes.{verb}", minutes, before={"status": before},
                 after={"status": target, **after}, actor=actor)


def _require_editable(minutes: BoardMinutes) -> None:
    """Only a draft is edited: circulated minutes go back to draft first; approved ones are frozen."""
    if minutes.status is not MS.DRAFT:
        if minutes.status in (MS.APPROVED, MS.SUPERSEDED):
            raise MinutesFrozen(minutes.status.value, MS.DRAFT.value)
        raise IllegalTransition(minutes.status.value, MS.DRAFT.value)


def board_accounts() -> list[Account]:
    return list(db.session.scalars(select(Account).join(AccountRole).where(
        AccountRole.role == Role.BOARD, Account.active.is_(True)).order_by(Account.display_name, Account.id)))


def _held(meeting_on: date | None, sitting: int = 1) -> None:
    """Minutes record a meeting that was held: dated, not after today, and one of the day's meetings
    the form offers (``SITTINGS``)."""
    if meeting_on is None:
        raise MeetingDateMissing()
    if meeting_on > today():
        raise DateToCome()
    if sitting not in SITTINGS:
        raise NotAMeetingOfTheDay()


def minutes_of_meeting(day: date, sitting: int = 1, besides: BoardMinutes | None = None) -> BoardMinutes | None:
    """The minutes of the board meeting held on ``day`` as its ``sitting``-th meeting (their newest version
    still standing), other than ``besides`` and the versions it corrects."""
    chain = set()
    while besides is not None:
        chain.add(besides.id)
        besides = besides.supersedes
    return db.session.scalar(select(BoardMinutes).where(
        BoardMinutes.meeting_on == day, BoardMinutes.sitting == sitting, BoardMinutes.status != MS.SUPERSEDED,
        BoardMinutes.id.not_in(chain))
        .order_by(BoardMinutes.version.desc(), BoardMinutes.id.desc()).limit(1))


def _one_set_per_meeting(day: date, sitting: int, minutes: BoardMinutes | None = None) -> None:
    """A board meeting has one set of minutes (a correction is a new version of them, not a second set);
    a second meeting the same day is another meeting, said so by its ``sitting``, and follows a first one
    that has its minutes (other than ``minutes``, which would leave it)."""
    existing = minutes_of_meeting(day, sitting, besides=minutes)
    if existing is not None:
        raise MinutesExist(day, existing, sitting)
    if sitting > 1 and minutes_of_meeting(day, sitting - 1, besides=minutes) is None:
        raise NoEarlierMeeting(day, sitting)


def _keep_the_next_meeting_after_one(minutes: BoardMinutes, *, replaces_its_versions: bool) -> None:
    """Minutes that leave their meeting (moved to another, or deleted) while the day's next meeting has
    minutes: refused unless other minutes of their meeting stand. ``replaces_its_versions``: the versions
    they correct will not stand either (a correction moved elsewhere takes their place when approved)."""
    day, sitting = minutes.meeting_on, minutes.sitting
    if day is None or minutes_of_meeting(day, sitting + 1) is None:
        return
    others = minutes_of_meeting(day, sitting, besides=minutes) if replaces_its_versions else db.session.scalar(
        select(BoardMinutes).where(BoardMinutes.meeting_on == day, BoardMinutes.sitting == sitting,
                                   BoardMinutes.status != MS.SUPERSEDED, BoardMinutes.id != minutes.id).limit(1))
    if others is None:
        raise LaterMeetingFollows(day, sitting)


@contextmanager
def _one_set(day: date, sitting: int, besides: BoardMinutes | None = None) -> Iterator[None]:
    """Write and flush in a savepoint: minutes written for the same meeting at the same moment by someone
    else (the database keeps one set per meeting) are refused with the same sentence, naming theirs."""
    try:
        with savepoint():
            yield
            db.session.flush()
    except IntegrityError:
        raise MinutesExist(day, minutes_of_meeting(day, sitting, besides=besides), sitting) from None


def draft_minutes(meeting_on: date | None, place: str = "", actor: Account | None = None,
                  sitting: int = 1) -> BoardMinutes:
    """New minutes listing today's board members (present by default; the secretary corrects it); refused
    for a meeting that has minutes already (``MinutesExist``, naming them). ``sitting``: which of the
    day's board meetings (a second meeting that day has its own minutes, chosen knowingly)."""
    _held(meeting_on, sitting)
    _one_set_per_meeting(meeting_on, sitting)
    board = board_accounts()
    if not board:
        raise NoBoardMembers()
    minutes = BoardMinutes(meeting_on=meeting_on, sitting=sitting, place=place.strip(), status=MS.DRAFT,
                           created_by_id=actor.id if actor else None)
    minutes.attendees = [MinutesAttendee(account_id=a.id, status=AttendanceStatus.PRESENT) for a in board]
    with _one_set(meeting_on, sitting):
        db.session.add(minutes)
    audit.record("working_groups.minutes.draft", minutes,
                 after={"meeting_on": meeting_on, "sitting": sitting, "status": MS.DRAFT}, actor=actor)
    return minutes


def update_minutes(minutes: BoardMinutes, *, meeting_on: date | None, place: str, summary: str,
                   attendance: dict[int, AttendanceStatus], actor: Account | None = None,
                   sitting: int | None = None) -> None:
    """A draft's date, meeting of the day (kept when ``sitting`` is None), place, summary and attendance."""
    _lock(minutes)
    sitting = minutes.sitting if sitting is None else sitting
    _require_editable(minutes)
    _held(meeting_on, sitting)
    if (meeting_on, sitting) != (minutes.meeting_on, minutes.sitting):
        _keep_the_next_meeting_after_one(minutes, replaces_its_versions=True)
        _one_set_per_meeting(meeting_on, sitting, minutes)
    known = {a.account_id: a for a in minutes.attendees}
    if set(attendance) - set(known):
        raise NotABoardAttendee()
    decisions = minutes.decisions
    with _one_set(meeting_on, sitting, besides=minutes):
        for account_id, status in attendance.items():
            known[account_id].status = status
        minutes.meeting_on, minutes.sitting = meeting_on, sitting
        minutes.place, minutes.summary = place.strip(), summary.strip()
        present = len(minutes.present)
        if any(d.votes_for + d.votes_against + d.votes_abstain > present for d in decisions):
            raise BadVotes()
    audit.record("working_groups.minutes.edit", minutes,
                 after={"meeting_on": meeting_on, "sitting": sitting, "present": present}, actor=actor)


def add_item(minutes: BoardMinutes, title: str, discussion: str = "", actor: Account | None = None) -> MinutesItem:
    _lock(minutes)
    _require_editable(minutes)
    if not title.strip():
        raise EmptyText()
    item = MinutesItem(position=len(minutes.items) + 1, title=title.strip(), discussion=discussion.strip())
    minutes.items.append(item)
    db.session.flush()
    audit.record("working_groups.minutes.item", minutes, after={"item": item.position}, actor=actor)
    return item


def add_decision(minutes: BoardMinutes, text: str, votes_for: int, votes_against: int, votes_abstain: int,
                 actor: Account | None = None) -> MinutesDecision:
    _lock(minutes)
    _require_editable(minutes)
    if not text.strip():
        raise EmptyText()
    votes = (votes_for, votes_against, votes_abstain)
    if min(votes) < 0 or sum(votes) > len(minutes.present):
        raise BadVotes()
    decision = MinutesDecision(text=text.strip(), votes_for=votes_for, votes_against=votes_against,
                               votes_abstain=votes_abstain)
    minutes.decisions.append(decision)
    db.session.flush()
    audit.record("working_groups.minutes.decision", minutes,
                 after={"for": votes_for, "against": votes_against, "abstain": votes_abstain}, actor=actor)
    return decision


def remove_item(minutes: BoardMinutes, item: MinutesItem, actor: Account | None = None) -> None:
    """Take an agenda item out of a draft; the others are renumbered."""
    _lock(minutes)
    _require_editable(minutes)
    if item.minutes_id != minutes.id:
        raise NotABoardAttendee()
    minutes.items.remove(item)
    db.session.delete(item)
    for position, other in enumerate(minutes.items, start=1):
        other.position = position
    db.session.flush()
    audit.record("working_groups.minutes.item_remove", minutes, before={"item": item.title}, actor=actor)


def remove_decision(minutes: BoardMinutes, decision: MinutesDecision, actor: Account | None = None) -> None:
    _lock(minutes)
    _require_editable(minutes)
    if decision.minutes_id != minutes.id:
        raise NotABoardAttendee()
    minutes.decisions.remove(decision)
    db.session.delete(decision)
    db.session.flush()
    audit.record("working_groups.minutes.decision_remove", minutes, before={"decision": decision.text}, actor=actor)


def circulate(minutes: BoardMinutes, actor: Account | None = None) -> None:
    """Send the draft to the board members listed, who comment and approve."""
    _lock(minutes)
    _held(minutes.meeting_on)  # a draft made before the rule, dated ahead
    _move(minutes, MS.CIRCULATED, actor, "circulate")
    minutes.circulated_at = utcnow()
    from app.jobs import job_context

    with job_context():
        from flask import url_for

        link = url_for("working_groups.minutes_show", minutes_id=minutes.id, _external=True)
        for attendee in minutes.attendees:
            queue_mail(attendee.account.email, attendee.account.language, "minutes_circulated",
                       dedupe_key=f"wg-minutes-circulated-{minutes.id}-{attendee.account_id}-"
                                  f"{minutes.circulated_at:%Y%m%d%H%M%S%f}",
                       account=attendee.account, minutes=minutes, link=link)


def withdraw(minutes: BoardMinutes, actor: Account | None = None) -> None:
    """Back to draft for changes: the approvals given so far no longer count."""
    _lock(minutes)
    _move(minutes, MS.DRAFT, actor, "withdraw", approvals_cleared=len(minutes.approvals))
    for approval in list(minutes.approvals):
        db.session.delete(approval)
    db.session.flush()
    db.session.expire(minutes, ["approvals"])


def discard(minutes: BoardMinutes, actor: Account | None = None) -> None:
    """A mistaken draft taken away (a wrong date, a meeting that did not take place, a correction not
    needed after all) while nobody has commented on it: it and its lines are deleted; the audit log keeps
    its date."""
    _lock(minutes)
    if minutes.status is not MS.DRAFT or minutes.comments:
        raise NotDiscardable()
    _keep_the_next_meeting_after_one(minutes, replaces_its_versions=False)
    audit.record("working_groups.minutes.discard", minutes, before={"meeting_on": minutes.meeting_on,
                                                                    "status": MS.DRAFT}, actor=actor)
    for row in [*minutes.attendees, *minutes.items, *minutes.decisions, *minutes.syntheses, *minutes.approvals]:
        db.session.delete(row)
    db.session.delete(minutes)
    db.session.flush()


def comment(minutes: BoardMinutes, author: Account, body: str) -> MinutesComment:
    _lock(minutes)
    if minutes.status in (MS.APPROVED, MS.SUPERSEDED):
        raise MinutesFrozen(minutes.status.value, MS.CIRCULATED.value)
    if not body.strip():
        raise EmptyText()
    note = MinutesComment(author_id=author.id, body=body.strip())
    minutes.comments.append(note)
    db.session.flush()
    audit.record("working_groups.minutes.comment", minutes, after={"comment": note.id}, actor=author)
    return note


def _finish_approval(minutes: BoardMinutes, actor: Account | None, verb: str, **after) -> None:
    _move(minutes, MS.APPROVED, actor, verb, **after)
    minutes.approved_on = today()
    previous = minutes.supersedes
    if previous is not None and previous.status is MS.APPROVED:
        _move(previous, MS.SUPERSEDED, actor, "supersede", by=minutes.id)
        if previous.published_at is not None and minutes.published_at is None:
            # The corrected version takes the published one's place; members were told already.
            minutes.published_at = utcnow()


def _lock(minutes: BoardMinutes) -> None:
    """Take the minutes' lock (``app.uow.lock_row``), then read them afresh, so two board members approving
    at once, or two publications, see each other's work, and a change to a draft checks the status it has
    now. A row gone (a colleague deleted the draft) is ``MinutesGone``."""
    if not lock_row(minutes):
        raise MinutesGone()


def approve(minutes: BoardMinutes, account: Account) -> bool:
    """One board member's approval (once: a unique constraint). Returns True when it completes the
    approval: every board member present at the meeting has approved."""
    _lock(minutes)
    if minutes.status is not MS.CIRCULATED:
        if minutes.status in (MS.APPROVED, MS.SUPERSEDED):
            raise MinutesFrozen(minutes.status.value, MS.APPROVED.value)
        raise IllegalTransition(minutes.status.value, MS.APPROVED.value)
    attendee = next((a for a in minutes.attendees if a.account_id == account.id), None)
    if attendee is None or not account.has_role(Role.BOARD):
        raise NotABoardAttendee()
    if any(a.account_id == account.id for a in minutes.approvals):
        raise AlreadyApproved()
    with savepoint(conflict=AlreadyApproved):
        db.session.add(MinutesApproval(minutes_id=minutes.id, account_id=account.id))
        db.session.flush()
    db.session.expire(minutes, ["approvals"])
    audit.record("working_groups.minutes.approval", minutes, after={"approved_by": account.id}, actor=account)
    approved = {a.account_id for a in minutes.approvals}
    needed = {a.account_id for a in minutes.approvers}
    if needed <= approved:
        _finish_approval(minutes, account, "approve", approvals=len(approved))
        return True
    return False


def approve_at_meeting(minutes: BoardMinutes, meeting_on: date | None, actor: Account | None = None) -> None:
    """Approved by the board at a later meeting, recorded by the secretary."""
    _lock(minutes)
    if meeting_on is None:
        raise MeetingDateMissing()
    if meeting_on < minutes.meeting_on:
        raise ApprovalBeforeMeeting(minutes.meeting_on)
    if meeting_on > today():
        raise DateToCome()
    _finish_approval(minutes, actor, "approve", at_meeting_on=meeting_on)
    minutes.approved_at_meeting_on = meeting_on


def correct(minutes: BoardMinutes, reason: str, actor: Account | None = None) -> BoardMinutes:
    """A new draft version of approved minutes, with the reason; the approved one stays until the new one
    is approved (one correction per version: a unique constraint)."""
    _lock(minutes)
    if minutes.status is not MS.APPROVED:
        raise IllegalTransition(minutes.status.value, MS.DRAFT.value)
    if not reason.strip():
        raise EmptyText()
    if db.session.scalar(select(BoardMinutes.id).where(BoardMinutes.supersedes_id == minutes.id)) is not None:
        raise AlreadyCorrected()
    new = BoardMinutes(meeting_on=minutes.meeting_on, sitting=minutes.sitting, place=minutes.place,
                       version=minutes.version + 1,
                       status=MS.DRAFT, summary=minutes.summary, supersedes_id=minutes.id,
                       correction_reason=reason.strip(), created_by_id=actor.id if actor else None)
    new.attendees = [MinutesAttendee(account_id=a.account_id, status=a.status) for a in minutes.attendees]
    new.items = [MinutesItem(position=i.position, title=i.title, discussion=i.discussion) for i in minutes.items]
    new.decisions = [MinutesDecision(text=d.text, votes_for=d.votes_for, votes_against=d.votes_against,
                                     votes_abstain=d.votes_abstain) for d in minutes.decisions]
    new.syntheses = [Synthesis(language=s.language, title=s.title, body=s.body, search_text=s.search_text)
                     for s in minutes.syntheses]
    with savepoint(conflict=AlreadyCorrected):
        db.session.add(new)
        db.session.flush()
    audit.record("working_groups.minutes.correct", new, before={"version": minutes.version},
                 after={"version": new.version, "supersedes": minutes.id, "reason": reason.strip()}, actor=actor)
    return new


def save_synthesis(minutes: BoardMinutes, language: str, title: str, body: str,
                   actor: Account | None = None) -> Synthesis:
    """The members' synthesis in one language; frozen once published or once the minutes are replaced."""
    if language not in LANGUAGES:
        raise EmptyText()
    _lock(minutes)
    if minutes.published_at is not None or minutes.status is MS.SUPERSEDED:
        raise MinutesFrozen(minutes.status.value, MS.DRAFT.value)
    if not title.strip() or not body.strip():
        raise EmptyText()
    synthesis = minutes.synthesis(language)
    if synthesis is None:
        synthesis = Synthesis(language=language, title="", body="")
        minutes.syntheses.append(synthesis)
    synthesis.title, synthesis.body, synthesis.updated_at = title.strip(), body.strip(), utcnow()
    synthesis.search_text = fold(f"{synthesis.title} {synthesis.body}")
    db.session.flush()
    audit.record("working_groups.synthesis.save", minutes, after={"language": language}, actor=actor)
    return synthesis


def publish(minutes: BoardMinutes, actor: Account | None = None, notify: bool = True) -> int:
    """Publish the synthesis to members (the minutes stay board-only) and tell each member in their
    language. Returns how many members were told. Once only."""
    _lock(minutes)
    if minutes.published_at is not None:
        raise IllegalTransition("published", "published")
    if minutes.status is not MS.APPROVED or any(minutes.synthesis(lang) is None for lang in LANGUAGES):
        raise SynthesisIncomplete()
    minutes.published_at = utcnow()
    audit.record("working_groups.synthesis.publish", minutes, after={"published": True}, actor=actor)
    return notify_members(minutes) if notify else 0


def notify_members(minutes: BoardMinutes, skip: set[str] | frozenset = frozenset()) -> int:
    """Queue one notice per member, in their language (``skip``: dedupe keys already queued)."""
    from flask import url_for

    from app.jobs import job_context

    count = 0
    with job_context():
        link = url_for("working_groups.synthesis_show", minutes_id=minutes.id, _external=True)
        # Current members only (can_read_syntheses): not a former member, nor an applicant whose shares are
        # unpaid. Facts of every member at once; an account's latest membership is the one that counts.
        facts = standing.register_facts(today())
        rows = db.session.execute(select(Account.id, Account.email, Account.language, Account.display_name, Member.id)
                                  .join(Member, Member.account_id == Account.id).where(Account.active.is_(True))
                                  .order_by(Account.id, Member.id)).all()
        latest = {row[0]: row for row in rows}  # the newest membership last
        for account_id, email, language, name, member_id in latest.values():
            if member_id not in facts or not standing.is_current_member(facts[member_id]):
                continue
            key = f"wg-synthesis-{minutes.id}-{account_id}"
            if key in skip:
                continue
            language = language if language in LANGUAGES else "fr"
            synthesis = minutes.synthesis(language)
            queue_mail(email, language, "synthesis_published", dedupe_key=key,
                       name=name, minutes=minutes, synthesis=synthesis, link=f"{link}?lang={language}")
            count += 1
    return count


def read_synthesis(account: Account, minutes: BoardMinutes) -> None:
    """``account`` opened the synthesis of ``minutes``: no longer news on their home page (once, whatever
    the tabs: the unique constraint)."""
    if db.session.scalar(select(SynthesisRead.id).where(SynthesisRead.account_id == account.id,
                                                        SynthesisRead.minutes_id == minutes.id)) is None:
        with suppress(IntegrityError), savepoint():
            db.session.add(SynthesisRead(account_id=account.id, minutes_id=minutes.id))
            db.session.flush()
