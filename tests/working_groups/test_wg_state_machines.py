"""The recommendation lifecycle, the implementation follow-up and the minutes workflow as state machines:
every (state, action) pair is tried; the allowed ones move, every other one is refused and changes nothing."""
from __future__ import annotations

from datetime import date

import pytest

from app.errors import DomainError
from app.extensions import db
from app.models import AuditEntry
from tests.working_groups.conftest import make_board, make_group, make_minutes, make_recommendation
from working_groups import minutes as minutes_service
from working_groups import services
from working_groups.errors import (AlreadyAnswered, IllegalTransition, MinutesFrozen, NotAnswerable,
                                   NotImplementable, NothingToSubmit, RecommendationNotDraft)
from working_groups.models import (AnswerDecision, Implementation, MinutesStatus, Recommendation,
                                   RecommendationStatus)

RS = RecommendationStatus


def _adopt(rec):
    meeting = services.schedule_meeting(rec.group, date(2018, 3, 8))
    services.adopt_recommendations(meeting, [rec])


def _submit(rec):
    services.submit_recommendations(rec.group, date(2018, 3, 22))


def _answer(rec):
    services.answer_recommendation(rec, AnswerDecision.REJECTED, "Pas maintenant.", None, date(2018, 5, 16))


def _revise(rec):
    services.revise_recommendation(rec, "Nouveau titre", "Nouveau texte")


REC_ACTIONS = {"revise": _revise, "adopt": _adopt, "submit": _submit, "answer": _answer}
# (starting step, action) -> the status after it, or the error that refuses it.
REC_TABLE = {
    ("draft", "revise"): RS.DRAFT,
    ("draft", "adopt"): RS.ADOPTED,
    ("draft", "submit"): NothingToSubmit,
    ("draft", "answer"): NotAnswerable,
    ("adopted", "revise"): RecommendationNotDraft,
    ("adopted", "adopt"): RecommendationNotDraft,
    ("adopted", "submit"): RS.SUBMITTED,
    ("adopted", "answer"): NotAnswerable,
    ("submitted", "revise"): RecommendationNotDraft,
    ("submitted", "adopt"): RecommendationNotDraft,
    ("submitted", "submit"): NothingToSubmit,
    ("submitted", "answer"): RS.ANSWERED,
    ("answered", "revise"): RecommendationNotDraft,
    ("answered", "adopt"): RecommendationNotDraft,
    ("answered", "submit"): NothingToSubmit,
    ("answered", "answer"): AlreadyAnswered,
}


def test_the_table_covers_every_pair():
    assert set(REC_TABLE) == {(s, a) for s in ("draft", "adopted", "submitted", "answered") for a in REC_ACTIONS}


@pytest.mark.parametrize(("step", "action"), sorted(REC_TABLE))
def test_recommendation_lifecycle(step, action):
    rec = make_recommendation(make_group(), step)
    before_status, before_audit = rec.status, db.session.query(AuditEntry).count()
    expected = REC_TABLE[(step, action)]
    if isinstance(expected, RecommendationStatus):
        REC_ACTIONS[action](rec)
        db.session.commit()
        assert db.session.get(Recommendation, rec.id).status is expected
        assert db.session.query(AuditEntry).count() > before_audit
    else:
        with pytest.raises(expected):
            REC_ACTIONS[action](rec)
        db.session.rollback()
        rec = db.session.get(Recommendation, rec.id)
        assert rec.status is before_status
        assert db.session.query(AuditEntry).count() == before_audit


IM = Implementation
ALL_TARGETS = list(Implementation)


def _path_to(state: Implementation | None) -> list[Implementation]:
    return {None: [], IM.PLANNED: [], IM.IN_PROGRESS: [IM.IN_PROGRESS], IM.DONE: [IM.DONE],
            IM.ABANDONED: [IM.ABANDONED]}[state]


@pytest.mark.parametrize("start", [IM.PLANNED, IM.IN_PROGRESS, IM.DONE, IM.ABANDONED])
@pytest.mark.parametrize("target", ALL_TARGETS)
def test_implementation_follow_up(start, target):
    rec = make_recommendation(make_group(), "answered")
    assert rec.implementation is IM.PLANNED  # an accepted recommendation is planned at once
    for step in _path_to(start):
        services.add_progress(rec, step, "étape")
    db.session.commit()
    allowed = target in services.IMPLEMENTATION_TRANSITIONS[start]
    if allowed:
        services.add_progress(rec, target, "Nouvelle étape")
        db.session.commit()
        assert rec.implementation is target and rec.progress[-1].note == "Nouvelle étape"
    else:
        notes = len(rec.progress)
        with pytest.raises(NotImplementable):
            services.add_progress(rec, target, "Refusé")
        db.session.rollback()
        rec = db.session.get(Recommendation, rec.id)
        assert rec.implementation is start and len(rec.progress) == notes


@pytest.mark.parametrize("decision", [AnswerDecision.POSTPONED, AnswerDecision.REJECTED])
def test_a_recommendation_not_accepted_has_no_implementation(decision):
    rec = make_recommendation(make_group(), "answered", decision=decision)
    assert rec.implementation is None
    with pytest.raises(NotImplementable):
        services.add_progress(rec, IM.PLANNED, "Non")


MS = MinutesStatus


def _m_edit(m):
    minutes_service.add_item(m, "Divers")


def _m_circulate(m):
    minutes_service.circulate(m)


def _m_withdraw(m):
    minutes_service.withdraw(m)


def _m_at_meeting(m):
    minutes_service.approve_at_meeting(m, date(2026, 10, 1))


def _m_correct(m):
    minutes_service.correct(m, "Erreur de date")


MINUTES_ACTIONS = {"edit": _m_edit, "circulate": _m_circulate, "withdraw": _m_withdraw,
                   "approve_at_meeting": _m_at_meeting, "correct": _m_correct}
MINUTES_TABLE = {
    ("draft", "edit"): MS.DRAFT,
    ("draft", "circulate"): MS.CIRCULATED,
    ("draft", "withdraw"): IllegalTransition,
    ("draft", "approve_at_meeting"): IllegalTransition,
    ("draft", "correct"): IllegalTransition,
    ("circulated", "edit"): IllegalTransition,
    ("circulated", "circulate"): IllegalTransition,
    ("circulated", "withdraw"): MS.DRAFT,
    ("circulated", "approve_at_meeting"): MS.APPROVED,
    ("circulated", "correct"): IllegalTransition,
    ("approved", "edit"): MinutesFrozen,
    ("approved", "circulate"): MinutesFrozen,
    ("approved", "withdraw"): MinutesFrozen,
    ("approved", "approve_at_meeting"): MinutesFrozen,
    ("approved", "correct"): MS.APPROVED,  # stays approved until the correction is approved
}


def test_the_minutes_table_covers_every_pair():
    assert set(MINUTES_TABLE) == {(s, a) for s in ("draft", "circulated", "approved") for a in MINUTES_ACTIONS}


@pytest.mark.parametrize(("step", "action"), sorted(MINUTES_TABLE))
def test_minutes_workflow(step, action):
    minutes = make_minutes(step, board=make_board(2))
    before = (minutes.status, len(minutes.items), db.session.query(AuditEntry).count())
    expected = MINUTES_TABLE[(step, action)]
    if isinstance(expected, MinutesStatus):
        MINUTES_ACTIONS[action](minutes)
        db.session.commit()
        assert minutes.status is expected
    else:
        with pytest.raises(expected) as refused:
            MINUTES_ACTIONS[action](minutes)
        assert isinstance(refused.value, DomainError) and refused.value.status == 409
        db.session.rollback()
        assert (minutes.status, len(minutes.items), db.session.query(AuditEntry).count()) == before


def test_superseded_minutes_accept_nothing():
    board = make_board(2)
    old = make_minutes("approved", board=board)
    new = minutes_service.correct(old, "Décompte des votes")
    minutes_service.circulate(new)
    for account in board:
        minutes_service.approve(new, account)
    db.session.commit()
    assert old.status is MS.SUPERSEDED and new.status is MS.APPROVED and new.version == 2
    for action in MINUTES_ACTIONS.values():
        with pytest.raises(IllegalTransition):
            action(old)
        db.session.rollback()
