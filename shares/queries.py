"""Read-side selects for the member pages."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from shares.models import Member, fold

PAGE_SIZE = 25


def search_members(query: str, page: int = 1) -> tuple[list[Member], int]:
    """By member number (exact), else every word must appear in the name, e-mail or number."""
    query = "".join(c for c in query if c.isprintable()).strip()
    stmt = select(Member)
    if query.isascii() and query.isdigit() and len(query) <= 9:  # a member number (longer digit runs search the text)
        stmt = stmt.where(Member.number == int(query))
    else:
        for word in fold(query).split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Member.search_text.like(f"%{escaped}%", escape="\\"))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Member.last_name, Member.legal_name, Member.first_name, Member.id)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return list(rows), total


def member_for_account(account_id: int) -> Member | None:
    return db.session.scalar(select(Member).where(Member.account_id == account_id))
