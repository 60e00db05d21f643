"""Calls for candidates, applications with their versions and photos, and board mandates.

Tables are prefixed ``candidates_``. One application per member and call is a database
guarantee (``uq_candidates_application_call_id``); a version number is unique per application."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (JSON, CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.db import value_enum
from app.extensions import db
from app.models import Account
from shares.models import Category, Member

LANGUAGES = ("fr", "nl", "en")


class ApplicationStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CORRECTION = "correction"  # the secretary asked the candidate to correct something
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# Statuses in which the candidate may still change the texts (before the closing date).
EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.CORRECTION,
            ApplicationStatus.ACCEPTED)
# Statuses waiting for the secretary.
TO_REVIEW = (ApplicationStatus.SUBMITTED,)


class Gender(str, enum.Enum):
    """Self-declared, optional, for the balance statistic only."""

    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"


class BallotOrder(str, enum.Enum):
    MANUAL = "manual"  # the secretary chose the order
    LOT = "lot"  # drawn by lot from a recorded seed


class Call(db.Model):
    """A call for candidates before a board election."""

    __tablename__ = "candidates_call"
    __table_args__ = (
        CheckConstraint("opens_on <= closes_on", name="dates_order"),
        CheckConstraint("closes_on < vote_opens_on", name="vote_after_close"),
        CheckConstraint("seats_a >= 0 AND seats_b >= 0 AND seats_a + seats_b > 0", name="seats"),
        CheckConstraint("term_years >= 1", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # The general assembly it prepares (the assemblies package links it; kept loose on purpose).
    assembly_id: Mapped[int | None] = mapped_column(index=True)
    # The voting election its candidates went into, once there is one (a voting.Election slug).
    election_slug: Mapped[str | None] = mapped_column(String(64))
    title_fr: Mapped[str] = mapped_column(String(200))
    title_nl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    text_fr: Mapped[str] = mapped_column(Text, default="")
    text_nl: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    vote_opens_on: Mapped[date] = mapped_column(Date)  # the election opens: withdrawals no longer change the ballot
    seats_a: Mapped[int]
    seats_b: Mapped[int]
    term_years: Mapped[int] = mapped_column(default=4)
    # Eligibility rule: staff of the cooperative may stand only in category B (statutes).
    staff_in_category_b: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    announced_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    ballot_fixed_at: Mapped[datetime | None]
    ballot_order: Mapped[BallotOrder | None] = mapped_column(value_enum(BallotOrder, 10))
    ballot_seed: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[Account | None] = relationship()

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language}", None) or self.title_fr

    def text(self, language: str) -> str:
        return getattr(self, f"text_{language}", None) or self.text_fr

    def seats(self, category: Category | str) -> int:
        return self.seats_a if Category(category) is Category.A else self.seats_b

    def is_open_on(self, on: date) -> bool:
        return self.announced_at is not None and self.opens_on <= on <= self.closes_on


class Photo(db.Model):
    """A candidate's photo, re-encoded (no metadata). Old photos stay: versions refer to them."""

    __tablename__ = "candidates_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Application(db.Model):
    __tablename__ = "candidates_application"
    __table_args__ = (
        UniqueConstraint("call_id", "member_id"),
        Index("ix_candidates_application_call_status", "call_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("candidates_call.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(value_enum(ApplicationStatus, 12),
                                                      default=ApplicationStatus.DRAFT)
    language: Mapped[str] = mapped_column(String(2), default="fr")  # the language the texts are written in
    published_name: Mapped[str] = mapped_column(String(120), default="")
    representative_name: Mapped[str] = mapped_column(String(120), default="")  # a legal person's representative
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("candidates_photo.id"))
    biography: Mapped[str] = mapped_column(Text, default="")
    motivation: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list] = mapped_column(JSON, default=list)
    skills_other: Mapped[str] = mapped_column(String(300), default="")
    vision: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[Category | None] = mapped_column(value_enum(Category, 1))  # from the register
    legal_person: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    gender: Mapped[Gender | None] = mapped_column(value_enum(Gender, 6))
    no_conflict: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    consent_publication: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    correction_note: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None]
    # Withdrawn once the vote had opened: still on the ballot, shown as withdrawn.
    withdrawn_after_vote: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Withdrawn by the register, not the candidate: the membership ended (an exit in force from this day).
    membership_ended_on: Mapped[date | None] = mapped_column(Date)
    ballot_position: Mapped[int | None]
    ballot_choice: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)

    call: Mapped[Call] = relationship(lazy="joined", innerjoin=True)
    member: Mapped[Member] = relationship()
    photo: Mapped[Photo | None] = relationship()
    decided_by: Mapped[Account | None] = relationship(foreign_keys=[decided_by_id])
    versions: Mapped[list[ApplicationVersion]] = relationship(
        back_populates="application", order_by="ApplicationVersion.number", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def on_ballot(self) -> bool:
        return self.status is ApplicationStatus.ACCEPTED or (
            self.status is ApplicationStatus.WITHDRAWN and self.withdrawn_after_vote)


class ApplicationVersion(db.Model):
    """Every change of an application, numbered: what it said and its status after the change."""

    __tablename__ = "candidates_application_version"
    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("candidates_application.id"))
    number: Mapped[int]
    event: Mapped[str] = mapped_column(String(30))
    status: Mapped[ApplicationStatus] = mapped_column(value_enum(ApplicationStatus, 12))
    data: Mapped[dict] = mapped_column(JSON)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("candidates_photo.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="versions")
    actor: Mapped[Account | None] = relationship()


class Mandate(db.Model):
    """A seat on the board: who, in which category, from when to when (elected from a call or recorded)."""

    __tablename__ = "candidates_mandate"
    __table_args__ = (CheckConstraint("starts_on < ends_on", name="dates_order"),
                      UniqueConstraint("member_id", "starts_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    category: Mapped[Category] = mapped_column(value_enum(Category, 1))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("candidates_call.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship()
