"""A candidate on the ballot may withdraw while the assembly's vote runs (they stay on the ballot, shown as
withdrawn), not once it is over: closed, tallied, or the meeting's day past. The link is gone, the page and a
forged POST are refused in words (409), nothing is written (docs/candidacies.md, *The ballot*)."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.clock import today, utcnow
from app.extensions import db
from app.models import AuditEntry
from assemblies import services as assembly_services
from assemblies.demo import cast_for, tally
from candidates import errors, services
from candidates.models import ApplicationStatus, ApplicationVersion
from tests.assemblies.test_assembly_candidate_standing import _on_ballot
from tests.assemblies.test_assembly_views import electors
from tests.factories import sign_in
from voting import services as voting


def _announced(member, assembly=None):
    """``member`` on the ballot of an announced call for ``assembly``, whose vote opened yesterday."""
    application = _on_ballot(member, assembly=assembly)
    application.call.announced_at = utcnow() - timedelta(days=30)
    db.session.commit()
    return application


def _text(html: str) -> str:
    return " ".join(unescape(re.sub("<[^>]+>", " ", html)).split())


def _closed(world):
    cast_for(world.assembly, electors(world), world.rng)
    voting.close_election(assembly_services._election(world.assembly))


def _tallied(world):
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)


def _held(world):
    """The meeting was yesterday (its vote left open by the chair)."""
    world.assembly.starts_at -= timedelta(days=30)


def _written(application_id) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(ApplicationVersion)
                              .where(ApplicationVersion.application_id == application_id)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "candidates.application.withdraw")))


def test_during_the_vote_the_candidate_may_withdraw_and_stays_on_the_ballot(client, world):
    application = _announced(world.members[1], world.assembly)
    cast_for(world.assembly, electors(world), world.rng)  # the vote is open, ballots are cast
    db.session.commit()
    sign_in(client, world.members[1].account)
    page = client.get("/candidates/me/board-ballot/application").get_data(as_text=True)
    assert 'href="/candidates/me/board-ballot/withdraw"' in page
    confirm = client.get("/candidates/me/board-ballot/withdraw")
    assert confirm.status_code == 200
    assert "The vote has opened: your name stays on the ballot, shown as withdrawn." in _text(confirm.get_data(as_text=True))
    assert client.post("/candidates/me/board-ballot/withdraw").status_code == 302
    db.session.expire_all()
    assert application.status is ApplicationStatus.WITHDRAWN and application.withdrawn_after_vote


@pytest.mark.parametrize("over", [_closed, _tallied, _held], ids=["closed", "tallied", "meeting-held"])
def test_once_the_vote_is_over_no_withdrawal_is_offered_nor_taken(client, world, over):
    application = _announced(world.members[1], world.assembly)
    over(world)
    db.session.commit()
    before = _written(application.id)
    sign_in(client, world.members[1].account)

    page = client.get("/candidates/me/board-ballot/application").get_data(as_text=True)
    assert "/withdraw" not in page and "Withdraw my application" not in page
    said = "The vote is over: your application can no longer be withdrawn."
    for answer in (client.get("/candidates/me/board-ballot/withdraw"), client.post("/candidates/me/board-ballot/withdraw")):
        assert answer.status_code == 409 and said in _text(answer.get_data(as_text=True))
        assert "Yes, withdraw my application" not in answer.get_data(as_text=True)
    db.session.expire_all()
    assert application.status is ApplicationStatus.ACCEPTED and not application.withdrawn_after_vote
    assert _written(application.id) == before

    client.post("/language", data={"language": "nl"})
    dutch = client.post("/candidates/me/board-ballot/withdraw")
    assert dutch.status_code == 409 and "De stemming is afgelopen" in _text(dutch.get_data(as_text=True))
    client.post("/language", data={"language": "fr"})
    french = client.post("/candidates/me/board-ballot/withdraw")
    assert french.status_code == 409 and "Le vote est clos" in _text(french.get_data(as_text=True))

    with pytest.raises(errors.VoteOver):
        services.withdraw_application(application, actor=world.members[1].account)


def test_a_call_for_no_assembly_known_keeps_the_withdrawal_of_the_vote(client, world):
    """The candidacies know a vote is over only from the assembly the call is for."""
    application = _announced(world.members[1])
    _closed(world)
    db.session.commit()
    assert services.withdrawal_refusal(application) is None
    assert application.call.vote_opens_on <= today()
