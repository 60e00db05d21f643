"""Fixtures for working groups and minutes: a group with volunteers, recommendations at a chosen step,
board members and minutes at a chosen step."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from app.extensions import db
from app.models import Role
from tests.factories import give_paid_share, make_account, make_member_obj
from working_groups import minutes as minutes_service
from working_groups import services
from working_groups.models import AnswerDecision, GroupRole


def make_group(slug: str = "ethics", **kw):
    group = services.create_group(
        slug=slug, name={"fr": "Comité d'éthique", "nl": "Ethisch comité", "en": "Ethics committee"},
        mandate_text={"fr": "Mettre en place un comité éthique.", "en": "Set up an ethics committee."},
        mandate_decided_on=kw.pop("decided_on", date(2017, 6, 20)), mandate_reference="AG 2017, 6.1",
        call_text={"fr": "Rejoignez-nous", "en": "Join us"})
    db.session.commit()
    return group


def make_recommendation(group, step: str = "draft", title: str = "Créer un comité d'éthique indépendant",
                        decision: AnswerDecision = AnswerDecision.ACCEPTED, meeting_on: date = date(2018, 3, 8)):
    """A recommendation brought to ``step``: draft, adopted, submitted or answered."""
    rec = services.draft_recommendation(group, title, "Le Conseil institue un comité d'éthique de sept sociétaires.",
                                        "Les sociétaires doivent pouvoir s'adresser à une instance indépendante.")
    if step != "draft":
        meeting = services.schedule_meeting(group, meeting_on, "Bruxelles", "Adoption")
        services.adopt_recommendations(meeting, [rec])
    if step in ("submitted", "answered"):
        services.submit_recommendations(group, date(2018, 3, 22))
    if step == "answered":
        services.answer_recommendation(rec, decision, "Le Conseil partage l'analyse du groupe.",
                                       "Texte amendé." if decision is AnswerDecision.AMENDED else None,
                                       date(2018, 5, 16))
    db.session.commit()
    return rec


def make_volunteer(group, role: GroupRole = GroupRole.MEMBER, **kw):
    member = make_member_obj(**kw)
    if role is GroupRole.MEMBER:
        services.join_group(group, give_paid_share(member))
    else:
        services.add_to_group(group, member, role)
    db.session.commit()
    return member


_board_numbers = itertools.count(1)


def make_board(n: int = 3):
    return [make_account(roles=(Role.BOARD,), email=f"board{next(_board_numbers)}@example.be") for _ in range(n)]


def make_minutes(step: str = "draft", board=None, meeting_on: date = date(2026, 9, 10), syntheses: bool = True,
                 sitting: int = 1):
    """Minutes brought to ``step``: draft, circulated, approved or published (``sitting``: which meeting of
    the day they record)."""
    board = board if board is not None else make_board()
    minutes = minutes_service.draft_minutes(meeting_on, "Bruxelles", sitting=sitting)
    minutes_service.add_item(minutes, "Budget", "La direction financière a présenté le budget.")
    minutes_service.add_decision(minutes, "Le budget est approuvé.", len(board) - 1, 0, 1)
    if syntheses:
        for language, title in (("fr", "Budget de l'année"), ("nl", "Begroting van het jaar"),
                                ("en", "The year's budget")):
            minutes_service.save_synthesis(minutes, language, title, f"{title}: texte, tekst, text.")
    if step != "draft":
        minutes_service.circulate(minutes)
    if step in ("approved", "published"):
        for account in board:
            minutes_service.approve(minutes, account)
    if step == "published":
        minutes_service.publish(minutes)
    db.session.commit()
    return minutes


@pytest.fixture
def group():
    return make_group()


@pytest.fixture
def secretary():
    return make_account(roles=(Role.SECRETARY,), email="secretary@example.be")

