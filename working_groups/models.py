"""Working groups, their recommendations and the board's answers; the board's minutes and syntheses.

Tables are prefixed ``wg_``. "Happens once" rules are database constraints: one membership per member
and group, one answer per recommendation, one approval per board member and minutes, one synthesis per
language, one set of minutes per board meeting, one correction per version of the minutes."""
from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (JSON, CheckConstraint, Date, ForeignKey, Index, LargeBinary, SmallInteger, String, Text,
                        Time, UniqueConstraint)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import brussels_day, utcnow
from app.db import value_enum
from app.extensions import db
from app.models import Account
from shares.models import Member

LANGUAGES = ("fr", "nl", "en")


def localized(values: dict | None, language: str) -> str:
    """The text in ``language``, else French, else any language given."""
    values = values or {}
    return values.get(language) or values.get("fr") or next(iter(values.values()), "")


# ------------------------------------------------------------------------------------------------
# Groups
# ------------------------------------------------------------------------------------------------

class CallStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class GroupRole(str, enum.Enum):
    FACILITATOR = "facilitator"
    MEMBER = "member"
    EXPERT = "expert"


class WorkingGroup(db.Model):
    __tablename__ = "wg_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[dict]  # {"fr": ..., "nl": ..., "en": ...}
    mandate_text: Mapped[dict]
    mandate_decided_on: Mapped[date] = mapped_column(Date)  # the general assembly's decision
    mandate_reference: Mapped[str | None] = mapped_column(String(100))
    call_text: Mapped[dict]
    call_status: Mapped[CallStatus] = mapped_column(value_enum(CallStatus, 10), default=CallStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="group", order_by="GroupMembership.id")
    meetings: Mapped[list[GroupMeeting]] = relationship(back_populates="group", order_by="GroupMeeting.held_on")

    def title(self, language: str) -> str:
        return localized(self.name, language)


class GroupMembership(db.Model):
    __tablename__ = "wg_membership"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("wg_group.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    role: Mapped[GroupRole] = mapped_column(value_enum(GroupRole, 12), default=GroupRole.MEMBER)
    motivation: Mapped[str] = mapped_column(Text, default="")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)  # the current (or last) period's start
    left_at: Mapped[datetime | None]
    # The periods before a member left and joined again: [first day, last day] (ISO dates, Brussels).
    earlier_periods: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    group: Mapped[WorkingGroup] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship(lazy="joined")

    @property
    def active(self) -> bool:
        return self.left_at is None

    def rejoin(self) -> None:
        """A member who left joins again: their last period is kept, a new one starts today."""
        last = [brussels_day(self.joined_at).isoformat(), brussels_day(self.left_at).isoformat()]
        self.earlier_periods = [*(self.earlier_periods or []), last]
        self.joined_at, self.left_at = utcnow(), None

    def in_group_on(self, day: date) -> bool:
        """A member of the group on ``day``: in its current period (joined by then, not left before) or
        in one of the periods before they left and joined again."""
        if brussels_day(self.joined_at) <= day and (self.left_at is None or brussels_day(self.left_at) >= day):
            return True
        return any(date.fromisoformat(first) <= day <= date.fromisoformat(last)
                   for first, last in self.earlier_periods or ())


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


class GroupMeeting(db.Model):
    __tablename__ = "wg_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("wg_group.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)  # NOT NULL: a meeting needs a date
    starts_at: Mapped[time | None] = mapped_column(Time)  # Brussels time; none: not said yet
    place: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[WorkingGroup] = relationship(back_populates="meetings")
    attendance: Mapped[list[MeetingAttendance]] = relationship(back_populates="meeting", lazy="selectin",
                                                               cascade="all, delete-orphan")


class MeetingAttendance(db.Model):
    __tablename__ = "wg_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("wg_meeting.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"))
    status: Mapped[AttendanceStatus] = mapped_column(value_enum(AttendanceStatus, 10))

    meeting: Mapped[GroupMeeting] = relationship(back_populates="attendance")
    member: Mapped[Member] = relationship(lazy="joined")


class GroupDocument(db.Model):
    __tablename__ = "wg_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("wg_group.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[Account | None] = relationship()


# ------------------------------------------------------------------------------------------------
# Recommendations and the board's answers
# ------------------------------------------------------------------------------------------------

class RecommendationStatus(str, enum.Enum):
    DRAFT = "draft"
    ADOPTED = "adopted"
    SUBMITTED = "submitted"
    ANSWERED = "answered"


class AnswerDecision(str, enum.Enum):
    ACCEPTED = "accepted"
    AMENDED = "amended"  # accepted with amendments
    POSTPONED = "postponed"
    REJECTED = "rejected"


class Implementation(str, enum.Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"


class Submission(db.Model):
    """A set of adopted recommendations handed to the board on a date."""

    __tablename__ = "wg_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("wg_group.id"), index=True)
    submitted_on: Mapped[date] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[WorkingGroup] = relationship()


class Recommendation(db.Model):
    __tablename__ = "wg_recommendation"
    __table_args__ = (UniqueConstraint("group_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("wg_group.id"), index=True)
    number: Mapped[int]  # R1, R2... within the group
    status: Mapped[RecommendationStatus] = mapped_column(value_enum(RecommendationStatus, 12),
                                                         default=RecommendationStatus.DRAFT, index=True)
    language: Mapped[str] = mapped_column(String(2), default="fr")  # the language it was written in
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    adopted_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("wg_meeting.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("wg_submission.id"), index=True)
    implementation: Mapped[Implementation | None] = mapped_column(value_enum(Implementation, 12), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[WorkingGroup] = relationship(lazy="joined")
    adopted_meeting: Mapped[GroupMeeting | None] = relationship()
    submission: Mapped[Submission | None] = relationship()
    versions: Mapped[list[RecommendationVersion]] = relationship(
        back_populates="recommendation", order_by="RecommendationVersion.number")
    answer: Mapped[BoardAnswer | None] = relationship(back_populates="recommendation", uselist=False)
    progress: Mapped[list[ProgressNote]] = relationship(
        back_populates="recommendation", order_by="(ProgressNote.noted_on, ProgressNote.id)")

    @property
    def code(self) -> str:
        return f"{self.group.slug.upper()[:3]}-{self.number}"


class RecommendationVersion(db.Model):
    __tablename__ = "wg_recommendation_version"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("wg_recommendation.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="versions")
    author: Mapped[Account | None] = relationship()


class BoardAnswer(db.Model):
    """The board's answer: once per recommendation (unique), always with reasoning."""

    __tablename__ = "wg_answer"
    __table_args__ = (
        CheckConstraint("length(reasoning) > 0", name="reasoning"),
        CheckConstraint("decision != 'amended' OR amended_text IS NOT NULL", name="amended_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("wg_recommendation.id"), unique=True)
    decision: Mapped[AnswerDecision] = mapped_column(value_enum(AnswerDecision, 12), index=True)
    amended_text: Mapped[str | None] = mapped_column(Text)
    reasoning: Mapped[str] = mapped_column(Text)
    answered_on: Mapped[date] = mapped_column(Date, index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    # The general assembly at which the answer was reported to the members.
    reported_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="answer")


class ProgressNote(db.Model):
    __tablename__ = "wg_progress_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("wg_recommendation.id"), index=True)
    noted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[Implementation] = mapped_column(value_enum(Implementation, 12))
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    recommendation: Mapped[Recommendation] = relationship(back_populates="progress")


class Follow(db.Model):
    """A person following a recommendation: its news shows on their home page."""

    __tablename__ = "wg_follow"
    __table_args__ = (UniqueConstraint("account_id", "recommendation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("app_account.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("wg_recommendation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the follower last opened the recommendation: what moved before is no news to them.
    seen_at: Mapped[datetime | None]


# ------------------------------------------------------------------------------------------------
# Board minutes
# ------------------------------------------------------------------------------------------------

class MinutesStatus(str, enum.Enum):
    DRAFT = "draft"
    CIRCULATED = "circulated"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


# A board meets at most this many times a day (working_groups.labels.SITTINGS words each of them).
MAX_SITTING = 4


class BoardMinutes(db.Model):
    """One version of the minutes of a board meeting. Approved minutes are frozen: a correction is a
    new version citing this one (``supersedes_id`` is unique: one correction per version). A meeting,
    known by its day and which of the day's meetings it was (``sitting``), has one set of minutes: one
    first version standing per meeting (a partial unique index; a correction may move the set to the
    right meeting, and the version it replaces frees the old one)."""

    __tablename__ = "wg_minutes"
    __table_args__ = (Index("uq_wg_minutes_meeting_first", "meeting_on", "sitting", unique=True,
                            sqlite_where=sql_text("supersedes_id IS NULL AND status <> 'superseded'"),
                            postgresql_where=sql_text("supersedes_id IS NULL AND status <> 'superseded'")),
                      CheckConstraint(f"sitting BETWEEN 1 AND {MAX_SITTING}", name="sitting"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_on: Mapped[date] = mapped_column(Date, index=True)
    # Which of the day's board meetings: 1, the first or only one; 2, a second meeting that day (SITTINGS).
    sitting: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    place: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[MinutesStatus] = mapped_column(value_enum(MinutesStatus, 12), default=MinutesStatus.DRAFT,
                                                  index=True)
    summary: Mapped[str] = mapped_column(Text, default="")  # the discussion, for the board
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("wg_minutes.id"), unique=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    circulated_at: Mapped[datetime | None]
    approved_on: Mapped[date | None] = mapped_column(Date)
    approved_at_meeting_on: Mapped[date | None] = mapped_column(Date)  # approved by the next meeting
    published_at: Mapped[datetime | None]  # the synthesis, for members
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def approved_as_of(self) -> date | None:
        """The day the minutes count as approved: the board meeting that approved them, else the day the
        last board member present approved them (``approved_on``: the day the approval was recorded)."""
        return self.approved_at_meeting_on or self.approved_on

    supersedes: Mapped[BoardMinutes | None] = relationship(remote_side="BoardMinutes.id")
    attendees: Mapped[list[MinutesAttendee]] = relationship(back_populates="minutes", lazy="selectin",
                                                            order_by="MinutesAttendee.id")
    items: Mapped[list[MinutesItem]] = relationship(back_populates="minutes", order_by="MinutesItem.position")
    decisions: Mapped[list[MinutesDecision]] = relationship(back_populates="minutes",
                                                            order_by="MinutesDecision.id")
    comments: Mapped[list[MinutesComment]] = relationship(back_populates="minutes",
                                                          order_by="MinutesComment.id")
    approvals: Mapped[list[MinutesApproval]] = relationship(back_populates="minutes", lazy="selectin")
    syntheses: Mapped[list[Synthesis]] = relationship(back_populates="minutes", lazy="selectin")

    @property
    def present(self) -> list[MinutesAttendee]:
        return [a for a in self.attendees if a.status is AttendanceStatus.PRESENT]

    @property
    def approvers(self) -> list[MinutesAttendee]:
        """Whose approvals complete the minutes: every board member present (all those listed, if the
        minutes list nobody present)."""
        return self.present or list(self.attendees)

    @property
    def quorum_reached(self) -> bool:
        """More than half of the board members listed are present."""
        return bool(self.attendees) and 2 * len(self.present) > len(self.attendees)

    def synthesis(self, language: str) -> Synthesis | None:
        return next((s for s in self.syntheses if s.language == language), None)


class MinutesAttendee(db.Model):
    __tablename__ = "wg_minutes_attendee"
    __table_args__ = (UniqueConstraint("minutes_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("wg_minutes.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("app_account.id"))
    status: Mapped[AttendanceStatus] = mapped_column(value_enum(AttendanceStatus, 10))

    minutes: Mapped[BoardMinutes] = relationship(back_populates="attendees")
    account: Mapped[Account] = relationship(lazy="joined")


class MinutesItem(db.Model):
    __tablename__ = "wg_minutes_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("wg_minutes.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    discussion: Mapped[str] = mapped_column(Text, default="")

    minutes: Mapped[BoardMinutes] = relationship(back_populates="items")


class MinutesDecision(db.Model):
    __tablename__ = "wg_minutes_decision"
    __table_args__ = (
        CheckConstraint("votes_for >= 0 AND votes_against >= 0 AND votes_abstain >= 0", name="votes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("wg_minutes.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    votes_for: Mapped[int] = mapped_column(default=0)
    votes_against: Mapped[int] = mapped_column(default=0)
    votes_abstain: Mapped[int] = mapped_column(default=0)

    minutes: Mapped[BoardMinutes] = relationship(back_populates="decisions")

    @property
    def carried(self) -> bool:
        return self.votes_for > self.votes_against


class MinutesComment(db.Model):
    __tablename__ = "wg_minutes_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("wg_minutes.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    minutes: Mapped[BoardMinutes] = relationship(back_populates="comments")
    author: Mapped[Account] = relationship(lazy="joined")


class MinutesApproval(db.Model):
    __tablename__ = "wg_minutes_approval"
    __table_args__ = (UniqueConstraint("minutes_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("wg_minutes.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("app_account.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)

    minutes: Mapped[BoardMinutes] = relationship(back_populates="approvals")
    account: Mapped[Account] = relationship(lazy="joined")


class SynthesisRead(db.Model):
    """A person opened a published synthesis (its page or PDF): it is no longer news on their home page."""

    __tablename__ = "wg_synthesis_read"
    __table_args__ = (UniqueConstraint("account_id", "minutes_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("app_account.id", ondelete="CASCADE"))
    minutes_id: Mapped[int] = mapped_column(ForeignKey("wg_minutes.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Synthesis(db.Model):
    """What members read of a board meeting, one per language."""

    __tablename__ = "wg_synthesis"
    __table_args__ = (UniqueConstraint("minutes_id", "language"),
                      Index("ix_wg_synthesis_language", "language"))

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("wg_minutes.id"))
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    minutes: Mapped[BoardMinutes] = relationship(back_populates="syntheses")
