from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from app.extensions import db
from shares import register
from shares.bank import import_statement  # noqa: F401  (imported for fixtures' users)


@pytest.fixture
def member_with_shares(make_member):
    """``member_with_shares(n, on=date, paid=True, category=...)``: a member who subscribed (and paid) n shares."""
    from shares.register import record_payment

    def make(n: int = 1, on: date = date(2022, 3, 1), paid: bool = True, **kwargs):
        member = make_member(**kwargs)
        entry, request = register.subscribe(member, n, on=on)
        if paid:
            record_payment(request, request.amount_cents, on=on)
        db.session.commit()
        return member
    return make


@pytest.fixture
def clock(monkeypatch):
    """``clock(instant)`` sets the one clock (``app.clock``): ``today()`` and ``utcnow()`` everywhere say it."""
    def at(instant: datetime) -> datetime:
        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return instant.astimezone(tz) if tz else instant.astimezone(timezone.utc).replace(tzinfo=None)

        monkeypatch.setattr("app.clock.datetime", Frozen)
        return instant
    return at
