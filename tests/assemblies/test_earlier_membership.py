"""A former member who applied again votes at an assembly through the membership its electorate counts
(the record date before the exit): their assembly page, signed in with the account that now shows the
new membership, says so, shows that membership's proxy given or held, and withdraws it there through
the same service as anyone's. Nobody else's proxy is touched."""
from __future__ import annotations

from html import unescape
import re

from sqlalchemy import func, select

from app.clock import today
from app.extensions import db
from app.web import format_day
from assemblies import queries, services
from assemblies.models import Proxy
from shares import register
from shares.models import Category
from shares.queries import member_for_account
from shares.services import rejoin_member
from tests.factories import sign_in

PAGE = "/assemblies/ga-test"


def _text(response) -> str:
    return " ".join(unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True))).split())


def _came_back(member):
    """``member`` resigns today (after the record date: still an elector) and applies again: a new membership."""
    register.resign(member, on=today())
    new = rejoin_member(member, Category.A)
    db.session.commit()
    assert member_for_account(member.account_id).id == new.id
    return new


def test_the_page_shows_the_earlier_membership_s_proxy_and_withdraws_it(client, world, outbox):
    services.convene(world.assembly)
    old, holder = world.members[0], world.members[1]
    services.give_proxy(world.assembly, old, holder)
    other_giver, other_holder = world.members[2], world.members[3]  # another account's proxy
    services.give_proxy(world.assembly, other_giver, other_holder)
    db.session.commit()
    new = _came_back(old)
    assert queries.member_in(world.assembly, old.account_id).id == old.id

    sign_in(client, old.account)
    page = _text(client.get(PAGE))
    with client.application.test_request_context():
        record_day = format_day(world.assembly.record_date)
    assert (f"This assembly counts your earlier membership (member number {old.number}), a member in good standing "
            f"on {record_day}: you vote, and give or withdraw your proxy, through it.") in page
    assert f"{holder.name} holds your proxy and votes in your name." in page
    assert "You are not in this assembly's electorate" not in page
    assert "Yes, withdraw my proxy" in page

    mails_before = len(outbox(old.email))
    assert client.post(f"{PAGE}/proxy/end").status_code == 302
    assert services.standing_proxy(world.assembly, old.id) is None
    assert services.standing_proxy(world.assembly, other_giver.id).holder_id == other_holder.id
    assert len(outbox(old.email)) == mails_before + 1  # the new voting link, to the membership that votes
    assert outbox(holder.email)[-1].body_text.startswith(f"Hello {holder.name},")  # the holder is told
    after = _text(client.get(PAGE))
    assert "holds your proxy" not in after and "Give my proxy" in after
    # A second request (the back button, another tab): nothing to withdraw, nothing changed.
    proxies = db.session.scalar(select(func.count()).select_from(Proxy).where(Proxy.active_giver.is_not(None)))
    assert client.post(f"{PAGE}/proxy/end").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Proxy).where(Proxy.active_giver.is_not(None))) == proxies
    assert services.elector_for(world.assembly, new) is None


def test_the_earlier_membership_s_held_proxy_is_shown_and_a_stranger_cannot_withdraw_it(client, world, outbox):
    from voting.crypto.credential import credential_public

    services.convene(world.assembly)
    services.open_vote(world.assembly)
    old, giver = world.members[0], world.members[4]
    services.give_proxy(world.assembly, giver, old)
    db.session.commit()
    proxied = re.search(r"/vote#([1-9A-Za-z-]+):", outbox(old.email)[-1].body_text).group(1)
    _came_back(old)
    sign_in(client, old.account)
    page = _text(client.get(PAGE))
    assert f"You hold the proxy of {giver.name}" in page
    assert f"Vote in the name of {giver.name} (their proxy)" in _text(client.get("/"))
    use = client.get(f"/voting/ga-test/credentials/{credential_public(proxied)}").get_json()
    assert use["proxy_of"] == giver.name
    assert "As long as you hold the proxies of other members, you cannot give your own" in page
    # Someone else signed in: their page is about their own membership; the post withdraws nothing of ours.
    stranger = client.application.test_client()
    sign_in(stranger, world.members[5].account)
    assert "earlier membership" not in _text(stranger.get(PAGE))
    assert stranger.post(f"{PAGE}/proxy/end").status_code == 404
    assert services.standing_proxy(world.assembly, giver.id).holder_id == old.id


def test_a_member_who_never_left_sees_no_word_of_an_earlier_membership(client, world):
    sign_in(client, world.members[1].account)
    page = _text(client.get(PAGE))
    assert "earlier membership" not in page and "Give my proxy" in page
    # An outsider applied again after the record date: the page speaks of the current membership, not in it.
    sign_in(client, world.outsider.account)
    assert "You are not in this assembly's electorate" in _text(client.get(PAGE))


def test_the_earlier_membership_votes_signed_in_with_its_convocation_link(client, world, outbox):
    """The ballot page and casting take the membership the election sent a credential to, not the
    account's newest one: the person votes once, through the membership the electorate counts."""
    from assemblies import queries
    from voting import services as voting
    from voting.crypto.ballot import encrypt_ballot
    from voting.crypto.credential import credential_public

    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    old = world.members[0]
    credential = re.search(r"/vote#([1-9A-Za-z-]+):", outbox(old.email)[-1].body_text).group(1)
    _came_back(old)
    sign_in(client, old.account)
    assert "Vote: General assembly" in _text(client.get("/"))  # the home page's task, for that membership
    assert "You are not among the voters of this election" not in _text(client.get("/voting/ga-test/vote"))
    use = client.get(f"/voting/ga-test/credentials/{credential_public(credential)}").get_json()
    assert use == {"proxy_of": None, "voted": False, "message": None, "cast_for": None}  # their own, not "in the name of"
    election = queries.election(world.assembly)
    el = voting.crypto_election(election)
    ballot = encrypt_ballot(el, election.public_key, credential,
                            {c.id: (["yes"] if c.kind == "resolution" else []) for c in el.contests})
    assert client.post("/voting/ga-test/ballots", json=ballot).status_code == 201
    assert services.has_voted(world.assembly, old.id)
    assert "You have voted." in _text(client.get(PAGE))
    # Another account cannot cast with that membership's credential.
    stranger = client.application.test_client()
    sign_in(stranger, world.members[5].account)
    again = encrypt_ballot(el, election.public_key, credential,
                           {c.id: (["no"] if c.kind == "resolution" else []) for c in el.contests})
    assert stranger.post("/voting/ga-test/ballots", json=again).status_code == 403


def test_the_door_takes_the_new_number_as_the_membership_the_electorate_counts(world):
    """A paper proxy or a check-in typed with the person's new member number is the earlier membership's,
    the one in the electorate (the same account: one person); a number of another account stays its own."""
    from assemblies.models import ProxySource

    services.convene(world.assembly)
    old, holder = world.members[0], world.members[1]
    db.session.commit()
    new = _came_back(old)
    assert services.counted_member_by_number(world.assembly, str(new.number)).id == old.id
    assert services.counted_member_by_number(world.assembly, str(holder.number)).id == holder.id
    assert services.counted_member_by_number(world.assembly, str(world.outsider.number)).id == world.outsider.id
    proxy = services.record_paper_proxy(world.assembly, str(new.number), str(holder.number))
    db.session.commit()
    assert (proxy.giver_id, proxy.holder_id, proxy.source) == (old.id, holder.id, ProxySource.PAPER)
    assert services.standing_proxy(world.assembly, new.id) is None
