"""General assemblies: the meeting, its agenda, documents, electorate, proxies and attendance.

The votes themselves run on voting/ (one verifiable election per assembly, one contest per
resolution and one per board category): this package holds what the meeting is about and who
may take part, and builds the election definition with every text in French, Dutch and English.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.db import value_enum
from app.extensions import db
from app.models import Account
from shares.models import Category, Member

LANGUAGES = ("fr", "nl", "en")


class ItemKind(str, enum.Enum):
    INFORMATION = "information"
    RESOLUTION = "resolution"
    BOARD = "board"


class Majority(str, enum.Enum):
    SIMPLE = "simple"
    TWO_THIRDS = "two_thirds"
    THREE_QUARTERS = "three_quarters"
    EACH_CATEGORY = "each_category"


class Gender(str, enum.Enum):
    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"
    LEGAL = "legal"  # a legal person (company, association)


class Channel(str, enum.Enum):
    EMAIL = "email"
    LETTER = "letter"


class ProxySource(str, enum.Enum):
    ONLINE = "online"
    PAPER = "paper"


class ProxyEnding(str, enum.Enum):
    """How a proxy ended: its giver took their vote back (on their page, or at the door), or its holder
    declined it."""

    WITHDRAWN = "withdrawn"
    DECLINED = "declined"


class Trilingual:
    """Columns ``<field>_fr``, ``_nl``, ``_en``: ``text(field, lang)`` falls back to French."""

    def text(self, field: str, lang: str) -> str:
        value = getattr(self, f"{field}_{lang}", None) if lang in LANGUAGES else None
        return value or getattr(self, f"{field}_fr") or ""

    def texts(self, field: str) -> dict[str, str]:
        return {lang: self.text(field, lang) for lang in LANGUAGES}


class Assembly(Trilingual, db.Model):
    __tablename__ = "assembly_assembly"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title_fr: Mapped[str] = mapped_column(String(200))
    title_nl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300))
    voting_opens_at: Mapped[datetime]
    voting_closes_at: Mapped[datetime]
    record_date: Mapped[date] = mapped_column(Date)
    # The statutes' quorum: members taking part (voted, present or represented), % of the electorate.
    quorum_percent: Mapped[int] = mapped_column(default=0)
    proxy_limit: Mapped[int] = mapped_column(default=1)
    proxy_deadline: Mapped[datetime | None]
    min_count: Mapped[int] = mapped_column(default=5)  # a count below this is withheld (secrecy)
    tie_rule: Mapped[str] = mapped_column(String(20), default="ballot_order")
    electorate_frozen_at: Mapped[datetime | None]
    election_id: Mapped[int | None] = mapped_column(ForeignKey("voting_election.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    touched_at: Mapped[datetime | None]  # the row lock that serializes proxies and corrections

    items: Mapped[list[AgendaItem]] = relationship(back_populates="assembly", order_by="AgendaItem.position",
                                                   cascade="all, delete-orphan")
    documents: Mapped[list[Document]] = relationship(back_populates="assembly", order_by="Document.id",
                                                     cascade="all, delete-orphan")
    created_by: Mapped[Account | None] = relationship()


class AgendaItem(Trilingual, db.Model):
    __tablename__ = "assembly_item"
    # An item once on an agenda: the form sent twice (a double click) adds it once.
    __table_args__ = (UniqueConstraint("assembly_id", "position"),
                      Index("uq_assembly_item_title", "assembly_id", "title_fr", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assembly_assembly.id"), index=True)
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(value_enum(ItemKind, 20))
    title_fr: Mapped[str] = mapped_column(String(300))
    title_nl: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    body_fr: Mapped[str] = mapped_column(Text, default="")
    body_nl: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    majority: Mapped[Majority] = mapped_column(value_enum(Majority, 20), default=Majority.SIMPLE)
    abstentions_count: Mapped[bool] = mapped_column(default=False)
    seats_a: Mapped[int] = mapped_column(default=11)
    seats_b: Mapped[int] = mapped_column(default=7)

    assembly: Mapped[Assembly] = relationship(back_populates="items")
    candidates: Mapped[list[Candidate]] = relationship(back_populates="item", order_by="(Candidate.category, Candidate.position)",
                                                      cascade="all, delete-orphan", lazy="selectin")

    @property
    def contest_id(self) -> str:
        return f"item{self.position}"


class Candidate(db.Model):
    __tablename__ = "assembly_candidate"
    __table_args__ = (UniqueConstraint("item_id", "category", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assembly_item.id"), index=True)
    category: Mapped[Category] = mapped_column(value_enum(Category, 1))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    gender: Mapped[Gender] = mapped_column(value_enum(Gender, 10))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("shares_member.id"))

    item: Mapped[AgendaItem] = relationship(back_populates="candidates")

    @property
    def choice_id(self) -> str:
        return f"{self.category.value.lower()}{self.position:02d}"


class Document(Trilingual, db.Model):
    __tablename__ = "assembly_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assembly_assembly.id"), index=True)
    title_fr: Mapped[str] = mapped_column(String(200))
    title_nl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    assembly: Mapped[Assembly] = relationship(back_populates="documents")


class Elector(db.Model):
    """One member of the frozen electorate (the snapshot of the record date, then audited corrections)."""

    __tablename__ = "assembly_elector"
    __table_args__ = (UniqueConstraint("assembly_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assembly_assembly.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    category: Mapped[Category] = mapped_column(value_enum(Category, 1))
    added_late: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime | None]  # by a late correction (None: in the record date's snapshot)
    removed_at: Mapped[datetime | None]
    correction_reason: Mapped[str] = mapped_column(String(300), default="")
    # The convocation: which channel, when, how often the link was issued (a resend revokes the old one).
    convocation_channel: Mapped[Channel | None] = mapped_column(value_enum(Channel, 10))
    convoked_at: Mapped[datetime | None]
    links_issued: Mapped[int] = mapped_column(default=0)
    credential_public: Mapped[str | None] = mapped_column(String(64))

    member: Mapped[Member] = relationship(lazy="joined")


class Proxy(db.Model):
    """A member (giver) lets another member (holder) vote in their name at this assembly.

    ``active_giver`` equals ``giver_id`` while the proxy stands and is NULL once cancelled or
    superseded: the database refuses a second standing proxy from the same giver."""

    __tablename__ = "assembly_proxy"
    __table_args__ = (UniqueConstraint("assembly_id", "active_giver"),
                      CheckConstraint("(ended_at IS NULL) = (ended_how IS NULL)", name="ended_how_with_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assembly_assembly.id"), index=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    active_giver: Mapped[int | None] = mapped_column()
    source: Mapped[ProxySource] = mapped_column(value_enum(ProxySource, 10))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_how: Mapped[ProxyEnding | None] = mapped_column(value_enum(ProxyEnding, 10))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))  # who withdrew or declined it

    giver: Mapped[Member] = relationship(foreign_keys=[giver_id], lazy="joined")
    holder: Mapped[Member] = relationship(foreign_keys=[holder_id], lazy="joined")


class CheckIn(db.Model):
    """A member present in the hall (for the quorum); it touches no ballot."""

    __tablename__ = "assembly_checkin"
    __table_args__ = (UniqueConstraint("assembly_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assembly_assembly.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"))
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))

    member: Mapped[Member] = relationship(lazy="joined")


class AssemblyMinutes(db.Model):
    """The minutes (procès-verbal) of a general assembly: what the secretary writes around the
    facts the record already holds (attendance, quorum, each item's outcome, the elected), which
    are never typed again. A draft until signed; signed minutes are frozen and members read them."""

    __tablename__ = "assembly_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assembly_assembly.id"), unique=True)
    chair: Mapped[str] = mapped_column(String(200), default="")
    secretary: Mapped[str] = mapped_column(String(200), default="")
    tellers: Mapped[str] = mapped_column(String(300), default="")  # the vote tellers the meeting named
    opening: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")
    # Each save claims the version its form was drawn from: a second tab cannot overwrite the first.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))

    assembly: Mapped[Assembly] = relationship()
    notes: Mapped[list[MinutesNote]] = relationship(back_populates="minutes", lazy="selectin",
                                                    cascade="all, delete-orphan")
    signed_by: Mapped[Account | None] = relationship(foreign_keys=[signed_by_id])
    corrections: Mapped[list[MinutesCorrection]] = relationship(back_populates="minutes", lazy="selectin",
                                                                order_by="MinutesCorrection.id")

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    def note(self, item_id: int) -> str:
        return next((n.text for n in self.notes if n.item_id == item_id), "")


class MinutesNote(db.Model):
    """What was said on one agenda item (the debate, the questions), as the secretary wrote it."""

    __tablename__ = "assembly_minutes_note"
    __table_args__ = (UniqueConstraint("minutes_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("assembly_minutes.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assembly_item.id"))
    text: Mapped[str] = mapped_column(Text, default="")

    minutes: Mapped[AssemblyMinutes] = relationship(back_populates="notes")


class MinutesCorrection(db.Model):
    """A correction of signed minutes: they are never changed, a dated correction follows them."""

    __tablename__ = "assembly_minutes_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("assembly_minutes.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))

    minutes: Mapped[AssemblyMinutes] = relationship(back_populates="corrections")
    made_by: Mapped[Account | None] = relationship()
