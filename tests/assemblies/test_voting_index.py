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
    _may_vote_then_voted(client, world, member)
    # Someone outside the electorate, or nobody signed in, is told nothing of the kind.
    sign_in(client, world.outsider.account)
    outsider = client.get("/voting/").get_data(as_text=True)
    assert "You can vote" not in outsider and f'/voting/{world.assembly.slug}/vote"' not in outsider
    client.post("/auth/logout")
    anonymous = client.get("/voting/").get_data(as_text=True)
    assert "You can vote" not in anonymous and "You have voted" not in anonymous
    assert f'/voting/{world.assembly.slug}/vote"' not in anonymous


def test_a_page_waiting_on_others_learns_that_the_election_moved_on(client, world):
    from voting import queries as voting_queries

    election = voting_queries.election_by_slug(world.assembly.slug)
    sign_in(client, world.officer)
    assert election.state.value == "keygen"  # the key is made: the chair waits for nobody but themself
    shown = voting_queries.progress_stamp(election)
    chair = client.get(f"/assemblies/{world.assembly.slug}/chair").get_data(as_text=True)
    assert f"/voting/{election.slug}/progress?shown={shown}" in chair
    url = f"/voting/{election.slug}/progress?shown={shown}"
    assert client.get(url).status_code == 204
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    moved = client.get(url)
    assert moved.status_code == 200 and "moved on since this page was shown" in moved.get_data(as_text=True)
    # An open box moves with every ballot: nothing to watch there.
    assert "/progress?" not in client.get(f"/assemblies/{world.assembly.slug}/chair").get_data(as_text=True)
    assert client.get(f"/voting/{election.slug}/progress?shown=" + "x" * 5000).status_code == 200
    assert client.get("/voting/no-such-election/progress").status_code == 404


def test_the_scrutineer_page_watches_while_it_waits(client, world):
    from voting.models import Trustee

    trustee = db.session.scalar(select(Trustee).where(Trustee.account_id == world.scrutineers[0].id))
    sign_in(client, world.scrutineers[0])
    page = client.get(f"/voting/{trustee.election.slug}/scrutineer").get_data(as_text=True)
    # Key generation: the page's live part asks again, waiting on the others.
    assert 'id="scrutineer-watch"' in page and f"/voting/{trustee.election.slug}/scrutineer?shown=" in page


def test_a_member_who_left_and_rejoined_sees_the_vote_of_the_membership_in_the_electorate(client, world):
    """The list agrees with the assembly's pages (assemblies.queries.member_in): the account's new membership,
    outside this electorate, does not hide the vote of the earlier one the record date found."""
    from app.clock import today
    from assemblies import queries as assembly_queries
    from shares import register
    from shares.models import Category
    from shares.queries import member_for_account
    from shares.services import rejoin_member

    services.convene(world.assembly)
    services.open_vote(world.assembly)
    old = world.members[0]
    register.resign(old, on=today())  # after the record date: still an elector
    new = rejoin_member(old, Category.A)
    db.session.commit()
    assert member_for_account(old.account_id).id == new.id
    assert assembly_queries.member_in(world.assembly, old.account_id).id == old.id
    sign_in(client, old.account)
    _may_vote_then_voted(client, world, old)


def _may_vote_then_voted(client, world, member):
    """The list says the elector ``member`` may vote, then, once a ballot of theirs is cast, that it counts."""
    page = client.get("/voting/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You can vote: your voting link is in the mail" in page and "You have voted" not in page
    ballot = f'href="/voting/{world.assembly.slug}/vote"'
    assert f"{ballot}>Vote</a>" in page  # the ballot a click away, not only the public board
    mine = list(db.session.scalars(select(Elector).where(Elector.assembly_id == world.assembly.id,
                                                         Elector.member_id == member.id)))
    cast_for(world.assembly, mine, world.rng)
    db.session.commit()
    page = client.get("/voting/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You have voted: your ballot counts." in page and "You can vote" not in page
    assert f"{ballot}>Vote again</a>" in page
