"""Read-side selects for the pages; eager loading is decided here.

``answers_for_assembly(held_on, since=None)`` is the entry point another package (the general
assembly's agenda) uses to list the board's answers to report at an assembly."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.clock import BRUSSELS, today, utcnow
from app.extensions import db
from app.models import Account, AuditEntry
from shares.models import fold
from working_groups.models import (AnswerDecision, BoardAnswer, BoardMinutes, CallStatus, Follow, GroupMeeting,
                                   GroupMembership, MinutesApproval, MinutesAttendee,
                                   Implementation, MinutesStatus, Recommendation,
                                   RecommendationStatus, Synthesis, SynthesisRead, WorkingGroup)

PAGE_SIZE = 30
PUBLIC_STATUSES = ("submitted", "accepted", "amended", "postponed", "rejected", "planned", "in_progress",
                   "done", "abandoned")


def groups() -> list[WorkingGroup]:
    return list(db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.mandate_decided_on, WorkingGroup.id)))


def group_by_slug(slug: str) -> WorkingGroup | None:
    return db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))


def active_members(group: WorkingGroup) -> list[GroupMembership]:
    return [m for m in group.memberships if m.active]


def meeting_members(meeting: GroupMeeting) -> list[GroupMembership]:
    """Whose attendance a meeting records: the group's members on its day, and anyone already recorded."""
    recorded = {a.member_id for a in meeting.attendance}
    return [m for m in meeting.group.memberships if m.in_group_on(meeting.held_on) or m.member_id in recorded]


def memberships_of(member_id: int) -> list[GroupMembership]:
    return list(db.session.scalars(select(GroupMembership).where(
        GroupMembership.member_id == member_id, GroupMembership.left_at.is_(None))))


def member_counts() -> dict[int, int]:
    return dict(db.session.execute(select(GroupMembership.group_id, func.count()).where(
        GroupMembership.left_at.is_(None)).group_by(GroupMembership.group_id)).all())


def group_recommendations(group: WorkingGroup) -> list[Recommendation]:
    return list(db.session.scalars(select(Recommendation).where(Recommendation.group_id == group.id)
                                   .options(selectinload(Recommendation.answer))
                                   .order_by(Recommendation.number)))


def booklet_recommendations(group: WorkingGroup) -> list[Recommendation]:
    return list(db.session.scalars(select(Recommendation).where(
        Recommendation.group_id == group.id,
        Recommendation.status.in_((RecommendationStatus.SUBMITTED, RecommendationStatus.ANSWERED)))
        .options(selectinload(Recommendation.answer), selectinload(Recommendation.progress))
        .order_by(Recommendation.number)))


# -- the public list -----------------------------------------------------------------------------

@dataclass
class RecommendationFilters:
    q: str = ""
    group: str = ""
    status: str = ""
    assembly: date | None = None
    page: int = 1


def _status_clause(status: str):
    if status == "submitted":
        return Recommendation.status == RecommendationStatus.SUBMITTED
    if status in {d.value for d in AnswerDecision}:
        return BoardAnswer.decision == AnswerDecision(status)
    if status in {i.value for i in Implementation}:
        return Recommendation.implementation == Implementation(status)
    return None


def public_recommendations(filters: RecommendationFilters) -> tuple[list[Recommendation], int]:
    """Every recommendation handed to the board, searchable, by group, status and assembly (the one that
    gave the group its mandate, or the one at which the board's answer was reported)."""
    stmt = (select(Recommendation).join(WorkingGroup).outerjoin(BoardAnswer)
            .where(Recommendation.status.in_((RecommendationStatus.SUBMITTED, RecommendationStatus.ANSWERED))))
    for word in fold(filters.q).split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Recommendation.search_text.like(f"%{escaped}%", escape="\\"))
    if filters.group:
        stmt = stmt.where(WorkingGroup.slug == filters.group)
    clause = _status_clause(filters.status)
    if clause is not None:
        stmt = stmt.where(clause)
    if filters.assembly is not None:
        stmt = stmt.where(or_(WorkingGroup.mandate_decided_on == filters.assembly,
                              BoardAnswer.reported_on == filters.assembly))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.options(selectinload(Recommendation.answer))
                              .order_by(WorkingGroup.mandate_decided_on, WorkingGroup.id, Recommendation.number)
                              .limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)).all()
    return list(rows), total


def assembly_dates() -> list[date]:
    """The assemblies the list can be filtered by: mandates given and answers reported."""
    mandates = set(db.session.scalars(select(WorkingGroup.mandate_decided_on)))
    reported = set(db.session.scalars(select(BoardAnswer.reported_on).where(BoardAnswer.reported_on.is_not(None))))
    return sorted(mandates | reported)


def answers_for_assembly(held_on: date, since: date | None = None) -> list[BoardAnswer]:
    """The board's answers to report at the general assembly held on ``held_on``: those given before
    that day and after ``since`` (the previous assembly, if given), plus any already marked as reported
    at that very assembly. Each answer carries its recommendation and group, ready for an agenda item:

        from working_groups.queries import answers_for_assembly
        for answer in answers_for_assembly(assembly.held_on, since=previous.held_on):
            answer.recommendation.title, answer.decision, answer.reasoning, answer.amended_text
    """
    window = BoardAnswer.answered_on <= held_on
    if since is not None:
        window = and_(window, BoardAnswer.answered_on > since)
    stmt = (select(BoardAnswer).join(Recommendation).join(WorkingGroup)
            .where(or_(and_(window, or_(BoardAnswer.reported_on.is_(None), BoardAnswer.reported_on == held_on)),
                       BoardAnswer.reported_on == held_on))
            .options(selectinload(BoardAnswer.recommendation).selectinload(Recommendation.group))
            .order_by(WorkingGroup.id, Recommendation.number))
    return list(db.session.scalars(stmt))


# Recommendations the board has still to answer: listed for the board, counted for its task.
_AWAITING_ANSWER = Recommendation.status == RecommendationStatus.SUBMITTED


def awaiting_answer() -> list[Recommendation]:
    return list(db.session.scalars(select(Recommendation).where(_AWAITING_ANSWER).order_by(
        Recommendation.group_id, Recommendation.number)))


def answered_in_progress() -> list[Recommendation]:
    """Accepted recommendations still being implemented: the secretary's follow-up list."""
    return list(db.session.scalars(select(Recommendation).where(
        Recommendation.implementation.in_((Implementation.PLANNED, Implementation.IN_PROGRESS)))
        .order_by(Recommendation.group_id, Recommendation.number)))


def is_following(account_id: int, rec_id: int) -> bool:
    return db.session.scalar(select(Follow.id).where(Follow.account_id == account_id,
                                                     Follow.recommendation_id == rec_id)) is not None


def followed_news(account_id: int, days: int = 30) -> list[Recommendation]:
    """Recommendations this person follows that moved in the last ``days`` days, since they last opened them."""
    since = utcnow() - timedelta(days=days)
    return list(db.session.scalars(select(Recommendation).join(Follow, Follow.recommendation_id == Recommendation.id)
                                   .where(Follow.account_id == account_id, Recommendation.updated_at >= since,
                                          or_(Follow.seen_at.is_(None), Recommendation.updated_at > Follow.seen_at))
                                   .order_by(Recommendation.updated_at.desc())))


def upcoming_meetings(member_id: int, days: int = 30) -> list[GroupMeeting]:
    """The next meetings (today and the coming ``days``) of the groups this member is in: not one
    already recorded (its attendance taken), nor one of today whose starting time has passed."""
    start = today()
    now = datetime.now(BRUSSELS).time()
    meetings = db.session.scalars(select(GroupMeeting).join(
        GroupMembership, GroupMembership.group_id == GroupMeeting.group_id).where(
        GroupMembership.member_id == member_id, GroupMembership.left_at.is_(None),
        GroupMeeting.held_on >= start, GroupMeeting.held_on <= start + timedelta(days=days))
        .options(joinedload(GroupMeeting.group)).order_by(GroupMeeting.held_on, GroupMeeting.starts_at))
    return [m for m in meetings if not m.attendance
            and not (m.held_on == start and m.starts_at is not None and m.starts_at < now)]


def open_calls() -> list[WorkingGroup]:
    return list(db.session.scalars(select(WorkingGroup).where(WorkingGroup.call_status == CallStatus.OPEN)
                                   .order_by(WorkingGroup.id)))


# -- minutes -------------------------------------------------------------------------------------

def board_minutes() -> list[BoardMinutes]:
    return list(db.session.scalars(select(BoardMinutes).order_by(BoardMinutes.meeting_on.desc(),
                                                                 BoardMinutes.sitting.desc(),
                                                                 BoardMinutes.version.desc())))


def minutes_in_progress() -> list[BoardMinutes]:
    """Minutes the board has not approved yet (drafts and circulated), newest meeting first: what a
    secretary about to start minutes may mean to continue."""
    return list(db.session.scalars(select(BoardMinutes).where(
        BoardMinutes.status.in_((MinutesStatus.DRAFT, MinutesStatus.CIRCULATED)))
        .order_by(BoardMinutes.meeting_on.desc(), BoardMinutes.sitting.desc(), BoardMinutes.version.desc())))


# Minutes whose synthesis members may read.
_PUBLISHED = and_(BoardMinutes.published_at.is_not(None), BoardMinutes.status == MinutesStatus.APPROVED)


def published_minutes() -> list[BoardMinutes]:
    return list(db.session.scalars(select(BoardMinutes).where(_PUBLISHED).order_by(BoardMinutes.meeting_on.desc(),
                                                                                  BoardMinutes.sitting.desc())))


def unread_syntheses(account_id: int, days: int = 30) -> list[BoardMinutes]:
    """Syntheses published in the last ``days`` days that this person has not opened (with their texts; not
    the attendees or approvals)."""
    since = utcnow() - timedelta(days=days)
    read = select(SynthesisRead.id).where(SynthesisRead.minutes_id == BoardMinutes.id,
                                          SynthesisRead.account_id == account_id).exists()
    return list(db.session.scalars(select(BoardMinutes).where(_PUBLISHED, BoardMinutes.published_at >= since, ~read)
        .options(lazyload(BoardMinutes.attendees), lazyload(BoardMinutes.approvals))
        .order_by(BoardMinutes.meeting_on.desc(), BoardMinutes.sitting.desc(), BoardMinutes.version.desc())))


def minutes_awaiting(account_id: int) -> list[tuple[int, date, int]]:
    """(id, meeting day, meeting of the day) of the circulated minutes this board member attended and has
    not approved yet."""
    attended = select(MinutesAttendee.id).where(MinutesAttendee.minutes_id == BoardMinutes.id,
                                                MinutesAttendee.account_id == account_id).exists()
    approved = select(MinutesApproval.id).where(MinutesApproval.minutes_id == BoardMinutes.id,
                                                MinutesApproval.account_id == account_id).exists()
    return [tuple(row) for row in db.session.execute(
        select(BoardMinutes.id, BoardMinutes.meeting_on, BoardMinutes.sitting).where(
            BoardMinutes.status == MinutesStatus.CIRCULATED, attended, ~approved)
        .order_by(BoardMinutes.meeting_on, BoardMinutes.sitting, BoardMinutes.id))]


def work_counts() -> dict[str, int]:
    """The board's and the secretary's waiting work, counted in one query (the home page's tasks):
    minutes in draft or circulated, approved minutes whose synthesis is unpublished, recommendations
    waiting for the board's answer."""
    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = db.session.execute(select(
        count(BoardMinutes, BoardMinutes.status.in_((MinutesStatus.DRAFT, MinutesStatus.CIRCULATED))).label("open"),
        count(BoardMinutes, BoardMinutes.status == MinutesStatus.APPROVED,
              BoardMinutes.published_at.is_(None)).label("unpublished"),
        count(Recommendation, _AWAITING_ANSWER).label("awaiting"))).one()
    return row._asdict()


def successor_of(minutes: BoardMinutes) -> BoardMinutes | None:
    return db.session.scalar(select(BoardMinutes).where(BoardMinutes.supersedes_id == minutes.id))


# The moves of minutes a colleague's typing can miss, as the audit log names them (MinutesMovedOn's steps).
MINUTES_MOVES = {"working_groups.minutes.circulate": "circulated", "working_groups.minutes.withdraw": "withdrawn",
                 "working_groups.minutes.approve": "approved", "working_groups.synthesis.publish": "published",
                 "working_groups.minutes.supersede": "superseded", "working_groups.minutes.discard": "discarded"}


def last_move(minutes_id: int) -> tuple[str, datetime, str | None] | None:
    """The last step the minutes took (``MINUTES_MOVES``), when, and by whom (None: no one signed in), from
    the audit log, which keeps it after a draft is deleted; None when they never moved."""
    entry = db.session.scalar(select(AuditEntry).options(joinedload(AuditEntry.actor)).where(
        AuditEntry.object_type == "wg_minutes", AuditEntry.object_id == str(minutes_id),
        AuditEntry.action.in_(MINUTES_MOVES)).order_by(AuditEntry.id.desc()).limit(1))
    if entry is None:
        return None
    return MINUTES_MOVES[entry.action], entry.at, entry.actor.display_name if entry.actor else None


def account_names(ids) -> dict[int, str]:
    """Board members by account, as the minutes list them (their attendance typed for minutes now gone)."""
    return dict(db.session.execute(select(Account.id, Account.display_name).where(Account.id.in_(list(ids)))).all())


# -- search --------------------------------------------------------------------------------------

@dataclass
class SearchHit:
    kind: str  # "recommendation" or "synthesis"
    obj: object
    title: str


def search(q: str, language: str, limit: int = 50) -> list[SearchHit]:
    """Published syntheses (in any language, the reader's first) and recommendations handed to the board."""
    words = fold(q).split()
    if not words:
        return []

    def likes(column):
        return [column.like("%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
                            escape="\\") for w in words]

    recs = db.session.scalars(select(Recommendation).where(
        Recommendation.status.in_((RecommendationStatus.SUBMITTED, RecommendationStatus.ANSWERED)),
        *likes(Recommendation.search_text)).order_by(Recommendation.group_id, Recommendation.number).limit(limit))
    syntheses = db.session.scalars(select(Synthesis).join(BoardMinutes).where(
        BoardMinutes.published_at.is_not(None), BoardMinutes.status == MinutesStatus.APPROVED,
        *likes(Synthesis.search_text)).order_by(BoardMinutes.meeting_on.desc(), BoardMinutes.sitting.desc())
        .limit(limit * 3))
    hits: list[SearchHit] = []
    seen: set[int] = set()
    for synthesis in syntheses:
        if synthesis.minutes_id in seen:
            continue
        seen.add(synthesis.minutes_id)
        # Found in any language: shown in the reader's own when it exists.
        shown = synthesis.minutes.synthesis(language) or synthesis
        hits.append(SearchHit("synthesis", shown, shown.title))
    hits.extend(SearchHit("recommendation", r, r.title) for r in recs)
    return hits[:limit]
