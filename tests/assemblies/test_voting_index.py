"""The list of elections tells a signed-in member which are theirs, and whether their ballot counts."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from assemblies import services
from assemblies.demo import cast_for
from assemblies.models import Elector
from tests.factories import sign_in


def test_the_elections_list_says_which_are_the_member_s_and_whether_they_voted(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    member = world.members[0]
    sign_in(client, member.account)
    page = client.get("/voting/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You can vote: your voting link is in the mail" in page and "You have voted" not in page
    mine = list(db.session.scalars(select(Elector).where(Elector.assembly_id == world.assembly.id,
                                                         Elector.member_id == member.id)))
    cast_for(world.assembly, mine, world.rng)
    db.session.commit()
    page = client.get("/voting/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You have voted: your ballot counts." in page and "You can vote" not in page
    # Someone outside the electorate, or nobody signed in, is told nothing of the kind.
    sign_in(client, world.outsider.account)
    assert "You can vote" not in client.get("/voting/").get_data(as_text=True)
    client.post("/auth/logout")
    anonymous = client.get("/voting/").get_data(as_text=True)
    assert "You can vote" not in anonymous and "You have voted" not in anonymous
