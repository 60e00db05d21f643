"""The demo loader: the four 2017 groups, recommendations at every step, two years of minutes."""
from __future__ import annotations

import random

from app.demo import DemoContext
from app.extensions import db
from app.models import Role
from tests.factories import make_account, make_member_obj
from working_groups.demo import load_working_groups
from working_groups.models import (AnswerDecision, BoardAnswer, BoardMinutes, Implementation, MinutesStatus,
                                   Recommendation, RecommendationStatus, WorkingGroup)


def test_the_demo_has_every_step():
    make_account(roles=(Role.SECRETARY,), email="secretary@example.be")
    members = [make_member_obj(language=random.Random(i).choice(["fr", "nl", "en"])) for i in range(70)]
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
