"""Read-side selects for the core pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.errors import DomainError
from app.extensions import db
from app.models import Account, AuditEntry
from app.web import whole_number

AUDIT_PAGE = 50


class BadFilter(DomainError):
    """A filter value in the address that cannot be a filter (a page marker that is not a small number)."""

    status = 400


@dataclass
class AuditFilters:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    day: date | None = None
    before_id: int | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        try:
            day = date.fromisoformat(args["day"]) if args.get("day") else None
        except ValueError:
            day = None
        before = args.get("before_id", "").strip()
        before_id = whole_number(before)
        if before and before_id is None:
            raise BadFilter()
        return cls(action=args.get("action", "").strip(), object_type=args.get("object_type", "").strip(),
                   object_id=args.get("object_id", "").strip(), actor=args.get("actor", "").strip(),
                   day=day, before_id=before_id)


def audit_entries(f: AuditFilters) -> tuple[list[AuditEntry], bool]:
    """Newest first, keyset-paginated on id so deep pages stay fast."""
    stmt = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if f.action:
        stmt = stmt.where(AuditEntry.action.startswith(f.action))
    if f.object_type:
        stmt = stmt.where(AuditEntry.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEntry.object_id == f.object_id)
    if f.actor:
        stmt = stmt.join(Account, AuditEntry.actor_id == Account.id).where(Account.email == f.actor.lower())
    if f.day:
        start = datetime.combine(f.day, time.min, tzinfo=timezone.utc)
        stmt = stmt.where(AuditEntry.at >= start, AuditEntry.at < start + timedelta(days=1))
    if f.before_id:
        stmt = stmt.where(AuditEntry.id < f.before_id)
    rows = db.session.scalars(stmt.limit(AUDIT_PAGE + 1)).unique().all()
    return list(rows[:AUDIT_PAGE]), len(rows) > AUDIT_PAGE
