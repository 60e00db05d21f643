"""A proxy's holder may decline it: a member typing another's number cannot make them represent anyone
against their will (nor keep them, holding it, from giving their own)."""
from __future__ import annotations

from html import unescape

from sqlalchemy import select

from app.models import AuditEntry
from assemblies import services
from assemblies.models import Elector, Proxy, ProxyEnding
from assemblies.demo import cast_for
from app.extensions import db
from tests.assemblies.world import meeting_day
from tests.factories import sign_in

PAGE = "/assemblies/ga-test"


def _given(world, convene=True):
    if convene:
        services.convene(world.assembly)
        services.open_vote(world.assembly)
    giver, holder = world.members[0], world.members[1]
    proxy = services.give_proxy(world.assembly, giver, holder)
    db.session.commit()
    return giver, holder, proxy


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_the_holder_declines_and_the_giver_has_their_vote_back(client, world, outbox):
    giver, holder, proxy = _given(world)
    giver_mails = len(outbox(giver.email))
    sign_in(client, holder.account)
    page = _text(client.get(PAGE))
    assert f"You hold the proxy of {giver.name} (member number {giver.number})." in page
    assert f"Decline the proxy of {giver.name}" in page and "Yes, decline this proxy" in page
    assert "As long as you hold the proxies of other members, you cannot give your own" in page
    answer = client.post(f"{PAGE}/proxies/{proxy.id}/decline")
    assert answer.status_code == 302
    assert f"You have declined the proxy of {giver.name}: they are told by mail" in _text(client.get(PAGE))
    db.session.expire_all()
    assert services.standing_proxy(world.assembly, giver.id) is None
    assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "assemblies.proxy.decline")) \
        == holder.account.id
    ended = db.session.get(Proxy, proxy.id)  # the proxy itself says how it ended, and by whom
    assert (ended.ended_how, ended.ended_by_id) == (ProxyEnding.DECLINED, holder.account.id) and ended.ended_at
    mails = outbox(giver.email)[giver_mails:]
    subjects = [m.subject for m in mails]
    assert f"{holder.name} has declined your proxy: General assembly" in " ".join(subjects)
    declined = next(m for m in mails if "declined" in m.subject)
    assert "a new voting link is on its way to you" in declined.body_text
    assert any("Your new voting link" in s for s in subjects)  # the giver's own link, the holder's revoked
    # No longer holding it, the holder may give their own proxy.
    assert "Give my proxy" in _text(client.get(PAGE))
    # Declined twice (a second tab): said, nothing more happens.
    again = client.post(f"{PAGE}/proxies/{proxy.id}/decline")
    assert again.status_code == 409 and "You have already declined this proxy." in _text(again)
    assert len(outbox(giver.email)) == giver_mails + len(mails)


def test_only_the_holder_declines_and_not_once_they_voted_in_the_giver_s_name(client, world, outbox):
    giver, holder, proxy = _given(world)
    other = world.members[2]
    for who in (giver, other):  # the giver withdraws, they do not decline; a third member has nothing to decline
        sign_in(client, who.account)
        refused = client.post(f"{PAGE}/proxies/{proxy.id}/decline")
        assert refused.status_code == 404 and "You hold no such proxy." in _text(refused)
    sign_in(client, holder.account)
    assert client.post(f"{PAGE}/proxies/99999/decline").status_code == 404
    assert client.post(f"{PAGE}/proxies/0x1/decline").status_code == 404
    # The holder voted in the giver's name: declining would throw that ballot away without the giver.
    elector = db.session.scalar(select(Elector).where(Elector.member_id == giver.id))
    cast_for(world.assembly, [elector], world.rng)
    db.session.commit()
    page = _text(client.get(PAGE))
    assert "You have voted in their name: only they can withdraw it now." in page
    assert "Yes, decline this proxy" not in page
    used = client.post(f"{PAGE}/proxies/{proxy.id}/decline")
    assert used.status_code == 409 and "You have voted in their name: the proxy can no longer be declined." in _text(used)
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).active_giver == giver.id


def test_a_proxy_the_other_member_ended_meanwhile_is_said_as_it_ended(client, world, outbox):
    """The holder declines a proxy its giver has just withdrawn; the door withdraws one its holder has just
    declined: each refusal says how the proxy ended, as the proxy row keeps it."""
    giver, holder, proxy = _given(world)
    services.end_proxy(world.assembly, giver, giver.account)
    db.session.commit()
    sign_in(client, holder.account)
    refused = client.post(f"{PAGE}/proxies/{proxy.id}/decline")
    assert refused.status_code == 409 and "The member who gave you this proxy has already withdrawn it." in \
        _text(refused)
    again = services.give_proxy(world.assembly, giver, holder)
    services.decline_proxy(world.assembly, holder, again.id, holder.account)
    meeting_day(world)
    sign_in(client, world.staff)
    refused = client.post(f"{PAGE}/proxies/{again.id}/end")
    assert refused.status_code == 409
    assert f"The proxy of {giver.name} (no. {giver.number}) was already declined by its holder." in _text(refused)
    db.session.expire_all()
    assert [(p.ended_how, p.ended_by_id) for p in db.session.scalars(select(Proxy).order_by(Proxy.id))] == [
        (ProxyEnding.WITHDRAWN, giver.account.id), (ProxyEnding.DECLINED, holder.account.id)]


def test_declined_before_the_convocations_the_giver_is_told_their_convocation_comes_to_them(client, world, outbox):
    giver, holder, proxy = _given(world, convene=False)
    sign_in(client, holder.account)
    assert client.post(f"{PAGE}/proxies/{proxy.id}/decline").status_code == 302
    declined = outbox(giver.email)[-1]
    assert "has declined your proxy" in declined.subject
    assert "your convocation, with your voting link, will come to you" in declined.body_text


def test_no_decline_once_the_vote_is_closed(client, world):
    giver, holder, proxy = _given(world)
    meeting_day(world)
    services.close_vote(world.assembly)
    db.session.commit()
    sign_in(client, holder.account)
    assert "Yes, decline this proxy" not in _text(client.get(PAGE))
    closed = client.post(f"{PAGE}/proxies/{proxy.id}/decline")
    assert closed.status_code == 409 and "proxies are over" in _text(closed)
