"""Proxy review points: a proxy refused where its form is gone is said at the top of the page (a
phone shows the top after the post); a holder who opens the link of a proxy withdrawn since is told
who withdrew it, when, and what they can do."""
from __future__ import annotations

import re
from html import unescape

from app.extensions import db
from app.web import format_moment
from assemblies import services
from assemblies.models import Proxy
from tests.assemblies.test_assembly_services import credential_in
from tests.assemblies.test_assembly_views import post
from tests.factories import sign_in
from voting.crypto.credential import credential_public


def _public(mail) -> str:
    return credential_public(credential_in(mail))


def test_a_proxy_confirmed_in_a_second_tab_is_refused_at_the_top_of_the_page(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    giver, holder, other = world.members[:3]
    sign_in(client, giver.account)
    confirm = {"holder_number": str(holder.number), "confirmed": "1"}
    assert post(client, "/assemblies/ga-test/proxy", "/assemblies/ga-test", data=confirm).status_code == 302
    again = client.post("/assemblies/ga-test/proxy", data={"holder_number": str(other.number), "confirmed": "1"})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    top = re.search(r'<div class="error-summary" role="alert" tabindex="-1" autofocus>(.*?)</div>', html, re.S)
    assert top and top.start() < html.index("<dl class=\"facts\">")  # under the title, where a phone opens
    assert "A proxy already stands for this member." in unescape(top.group(1))
    assert html.count("A proxy already stands for this member.") == 1  # said once, not again at the foot
    assert services.standing_proxy(world.assembly, giver.id).holder_id == holder.id  # nothing changed
    # A withdrawal sent from a second tab: said at the top as well.
    assert post(client, "/assemblies/ga-test/proxy/end", "/assemblies/ga-test").status_code == 302
    twice = client.post("/assemblies/ga-test/proxy/end")
    assert twice.status_code == 404
    html = twice.get_data(as_text=True)
    assert html.index("There is no proxy to withdraw.") < html.index('<h2 id="proxy">')


def test_a_holder_opening_a_withdrawn_proxys_link_is_told_who_withdrew_it_and_when(client, world, outbox):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    giver, holder, third = world.members[0], world.members[1], world.members[2]
    services.give_proxy(world.assembly, giver, holder)
    db.session.commit()
    proxied = _public(outbox(holder.email)[-1])
    services.end_proxy(world.assembly, giver)
    db.session.commit()
    ended = db.session.query(Proxy).filter_by(giver_id=giver.id).one().ended_at
    sign_in(client, holder.account)
    with client.application.test_request_context():
        when = format_moment(ended, "long")
    use = client.get(f"/voting/ga-test/credentials/{proxied}")
    assert use.status_code == 403 and use.get_json()["error"] == "revoked_credential"
    assert use.get_json()["message"] == (
        f"{giver.name}, who gave you their proxy, withdrew it on {when}: this link no longer votes in their name, "
        "and they vote themselves. A ballot you cast with it no longer counts for the items whose vote was still "
        f"open then. To vote for yourself, use the link of your own convocation; if you think this is a mistake, "
        f"ask {giver.name}.")
    assert re.search(r"\d{1,2} \w+ 20\d\d", when) and "T" not in when  # in words, not an ISO date
    # A proxy the holder declined is said as such; a stranger still learns nothing of it.
    services.give_proxy(world.assembly, third, holder)
    db.session.commit()
    declined = _public(outbox(holder.email)[-1])
    proxy = services.standing_proxy(world.assembly, third.id)
    services.decline_proxy(world.assembly, holder, proxy.id)
    db.session.commit()
    assert client.get(f"/voting/ga-test/credentials/{declined}").get_json()["message"].startswith(
        f"You declined the proxy of {third.name} on ")
    stranger = client.application.test_client()
    sign_in(stranger, world.members[4].account)
    assert stranger.get(f"/voting/ga-test/credentials/{proxied}").get_json()["message"] == \
        "This voting credential has been revoked."


def test_a_declined_proxys_link_stays_declined_after_a_later_proxy_of_the_same_giver_is_withdrawn(
        client, world, outbox):
    """Two proxies between the same members: the first declined by the holder, the second withdrawn by the
    giver. Each link is told what ended its own proxy."""
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    giver, holder = world.members[0], world.members[1]
    services.give_proxy(world.assembly, giver, holder)
    db.session.commit()
    first = _public(outbox(holder.email)[-1])
    services.decline_proxy(world.assembly, holder, services.standing_proxy(world.assembly, giver.id).id)
    db.session.commit()
    services.give_proxy(world.assembly, giver, holder)
    db.session.commit()
    second = _public(outbox(holder.email)[-1])
    services.end_proxy(world.assembly, giver)
    db.session.commit()
    sign_in(client, holder.account)
    assert client.get(f"/voting/ga-test/credentials/{first}").get_json()["message"].startswith(
        f"You declined the proxy of {giver.name} on ")
    assert client.get(f"/voting/ga-test/credentials/{second}").get_json()["message"].startswith(
        f"{giver.name}, who gave you their proxy, withdrew it on ")
