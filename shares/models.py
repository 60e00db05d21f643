"""Members of the cooperative. The share register's dated history builds on these."""
from __future__ import annotations

import enum
import unicodedata
from datetime import datetime

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import utcnow
from app.extensions import db
from app.models import Account


class MemberKind(str, enum.Enum):
    NATURAL = "natural"
    LEGAL = "legal"


class Category(str, enum.Enum):
    A = "A"  # users of the services
    B = "B"  # partners, permanent staff, legal persons


def _enum(cls, length: int):
    return db.Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def fold(text: str) -> str:
    """Lower case without accents, for searching 'Lefèvre' with 'lefevre'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class Member(db.Model):
    __tablename__ = "shares_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("app_account.id"), unique=True)
    kind: Mapped[MemberKind] = mapped_column(_enum(MemberKind, 10))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(12), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="BE")
    category: Mapped[Category] = mapped_column(_enum(Category, 1))
    national_number: Mapped[str | None] = mapped_column(String(11))
    enterprise_number: Mapped[str | None] = mapped_column(String(10))
    iban: Mapped[str | None] = mapped_column(String(34))
    search_text: Mapped[str] = mapped_column(String(500), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: an edit made on a stale copy fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def name(self) -> str:
        if self.kind is MemberKind.LEGAL:
            return self.legal_name or ""
        return f"{self.first_name or ''} {self.last_name or ''}".strip()

    @property
    def sort_name(self) -> str:
        if self.kind is MemberKind.LEGAL:
            return self.legal_name or ""
        return f"{self.last_name or ''}, {self.first_name or ''}"

    @property
    def email(self) -> str:
        return self.account.email

    @property
    def language(self) -> str:
        return self.account.language

    def refresh_search_text(self) -> None:
        self.search_text = fold(f"{self.name} {self.legal_name or ''} {self.account.email} {self.number}")


@event.listens_for(Member, "before_insert")
@event.listens_for(Member, "before_update")
def _keep_search_text(mapper, connection, member: Member) -> None:
    member.refresh_search_text()
