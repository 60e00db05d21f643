from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from app.clock import BRUSSELS, brussels_day, today, utcnow
from app.extensions import db
from app.models import Role
from shares.models import Category, EntryKind, ShareEntry
from tests.factories import make_account, make_member_obj


def in_good_standing(member, on: date) -> None:
    day = date(on.year, 1, 2) if on.month > 1 or on.day > 2 else on
    db.session.add(ShareEntry(member_id=member.id, kind=EntryKind.SUBSCRIPTION, effective_on=day, shares=1,
                              capital_cents=3000, amount_cents=3000, category=member.category))
    db.session.add(ShareEntry(member_id=member.id, kind=EntryKind.PAYMENT, effective_on=day, paid_cents=3000,
                              amount_cents=3000))
    db.session.commit()


class World:
    pass


# The world's meeting is this many days ahead: the convocations go out in time (ASSEMBLY_NOTICE_DAYS, 15).
MEETING_IN_DAYS = 20


def meeting_day(w, started: bool = True) -> None:
    """The day of the world's meeting has come (after its convocations went out in time): the meeting
    started a minute ago (``started``) or starts in an hour, and its vote closes at the end of the day.
    The door and the chair's close are then open."""
    now = utcnow()
    midnight = datetime.combine(today(), time(0), tzinfo=BRUSSELS)
    starts_at = max(now - timedelta(minutes=1), midnight) if started else now + timedelta(hours=1)
    w.assembly.starts_at = starts_at
    w.assembly.voting_closes_at = datetime.combine(brussels_day(starts_at), time(23, 59, 59), tzinfo=BRUSSELS)
    w.assembly.proxy_deadline = w.assembly.voting_closes_at
    db.session.commit()


def build_world(slug: str = "ga-test", min_count: int = 5):
    """Six members in good standing (4 A, 2 B), one not; officer, secretary, staff, two scrutineers;
    an assembly prepared with its agenda, frozen electorate and keyed election (not convened), its
    meeting ``MEETING_IN_DAYS`` ahead and its remote voting open since yesterday (``meeting_day``
    brings the day of the meeting); ``min_count``: the smallest count the results publish."""
    from assemblies.demo import prepared_assembly

    w = World()
    w.record = today() - timedelta(days=3)
    w.members = [make_member_obj(category=Category.A if i < 4 else Category.B) for i in range(6)]
    for m in w.members:
        in_good_standing(m, w.record)
    w.outsider = make_member_obj()
    w.officer = make_account(roles=(Role.OFFICER,), email="officer@example.be")
    w.secretary = make_account(roles=(Role.SECRETARY,), email="secretary@example.be")
    w.staff = make_account(roles=(Role.STAFF,), email="staff@example.be")
    w.scrutineers = [make_account(roles=(Role.SCRUTINEER,), email=f"scr{i}@example.be") for i in range(2)]
    w.assembly, w.kits = prepared_assembly(slug, w.scrutineers, record_date=w.record,
                                           starts=today() + timedelta(days=MEETING_IN_DAYS), actor=w.officer,
                                           opens=utcnow() - timedelta(days=1), min_count=min_count)
    db.session.commit()
    w.rng = random.Random(7)
    return w

