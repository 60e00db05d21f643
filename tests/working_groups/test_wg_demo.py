"""The demo loader: the four 2017 groups, recommendations at every step, two years of minutes."""
from __future__ import annotations

import random

from app.demo import DemoContext
from app.extensions import db
from app.models import Role
from tests.factories import give_paid_share, make_account, make_member_obj
from working_groups.demo import load_working_groups
from working_groups.models import (AnswerDecision, BoardAnswer, BoardMinutes, Implementation, MinutesStatus,
                                   Recommendation, RecommendationStatus, WorkingGroup)


def test_the_demo_has_every_step():
    make_account(roles=(Role.SECRETARY,), email="secretary@example.be")
    members = [give_paid_share(make_member_obj(language=random.Random(i).choice(["fr", "nl", "en"])))
               for i in range(70)]
    ctx = DemoContext(members=70, rng=random.Random(2017), data={"members": members})
    load_working_groups(ctx)
    db.session.commit()
    assert {g.slug for g in db.session.query(WorkingGroup)} == {"ethique", "representation", "information", "outils"}
    recs = db.session.query(Recommendation).all()
    assert {r.status for r in recs} == set(RecommendationStatus)
    assert {a.decision for a in db.session.query(BoardAnswer)} == set(AnswerDecision)
    assert {r.implementation for r in recs} - {None} == set(Implementation)
    minutes = db.session.query(BoardMinutes).all()
    published = [m for m in minutes if m.published_at and m.status is MinutesStatus.APPROVED]
    assert len(published) == 6 and all(len(m.syntheses) == 3 for m in published)
    assert (max(m.meeting_on for m in published) - min(m.meeting_on for m in published)).days > 600
    assert [m.status for m in minutes].count(MinutesStatus.CIRCULATED) == 1
    assert [m.status for m in minutes].count(MinutesStatus.SUPERSEDED) == 1


def test_the_audit_log_names_the_groups_objects(data_app):
    """Every working-group object the demo audits is named in the audit log (app.audit.object_names):
    a group by its name, a meeting and minutes by their date, a recommendation by its title."""
    from sqlalchemy import select

    from app import audit
    from app.models import AuditEntry

    make_account(roles=(Role.SECRETARY,), email="secretary@example.be")
    members = [give_paid_share(make_member_obj()) for _ in range(70)]
    load_working_groups(DemoContext(members=70, rng=random.Random(2017), data={"members": members}))
    db.session.commit()
    kinds = ("wg_group", "wg_meeting", "wg_recommendation", "wg_minutes")
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type.in_(kinds))))
    with data_app.app_context(), data_app.test_request_context(headers={"Accept-Language": "en"}):
        names = audit.object_names(entries)
    assert {entry.object_type for entry in entries} == set(kinds)
    assert all((entry.object_type, entry.object_id) in names for entry in entries)
    assert not any(name.isdigit() for name in names.values())
