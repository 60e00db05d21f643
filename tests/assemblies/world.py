from __future__ import annotations

import random
from datetime import date, timedelta


from app.clock import today
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


def build_world(slug: str = "ga-test", min_count: int = 5):
    """Six members in good standing (4 A, 2 B), one not; officer, secretary, staff, two scrutineers;
    an assembly prepared with its agenda, frozen electorate and keyed election (not convened);
    ``min_count``: the smallest count the results publish."""
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
                                           starts=today() + timedelta(days=2), actor=w.officer,
                                           min_count=min_count)
    db.session.commit()
    w.rng = random.Random(7)
    return w

