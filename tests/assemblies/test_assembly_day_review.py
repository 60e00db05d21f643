"""The assembly day as the officer, the secretary and the door use it: a paper proxy and a late addition
to the electorate confirmed with the members' names first, a paper proxy withdrawn at the door, an item's
close sent from a second tab said on the console, and proxies over once the vote is closed."""
from __future__ import annotations

from html import unescape

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry
from assemblies import errors, services
from assemblies.models import Elector, Proxy, ProxyEnding, ProxySource
from tests.assemblies.test_assembly_views import _vote_items, named, post
from tests.assemblies.world import meeting_day
from tests.factories import sign_in
from voting.models import Credential

DOOR, PAPER = "/assemblies/ga-test/checkin", "/assemblies/ga-test/proxies/paper"


def standing() -> list[Proxy]:
    db.session.expire_all()
    return list(db.session.scalars(select(Proxy).where(Proxy.active_giver.is_not(None)).order_by(Proxy.id)))


def text(answer) -> str:
    return unescape(answer.get_data(as_text=True))


def test_a_paper_proxy_names_both_members_and_is_recorded_only_once_confirmed(client, world, outbox):
    giver, holder = world.members[0], world.members[1]
    services.convene(world.assembly)
    meeting_day(world)
    sign_in(client, world.staff)
    numbers = {"giver_number": str(giver.number), "holder_number": str(holder.number)}
    mails = len(outbox())
    asked = post(client, PAPER, DOOR, numbers)
    page = text(asked)
    assert asked.status_code == 200
    assert (f"{giver.name} (member {giver.number}) gives their proxy to {holder.name} (member {holder.number})."
            in page)
    assert "Yes, record the proxy" in page and 'name="confirmed" value="1"' in page
    assert standing() == [] and len(outbox()) == mails  # nothing recorded, nobody mailed
    done = client.post(PAPER, data={**numbers, "confirmed": "1"})
    assert done.status_code == 302
    (proxy,) = standing()
    assert (proxy.giver_id, proxy.holder_id, proxy.source) == (giver.id, holder.id, ProxySource.PAPER)
    assert f"The proxy of {giver.name} to {holder.name} is recorded." in text(client.get(DOOR))
    assert [m for m in outbox(holder.email) if giver.name in m.subject]  # the holder has the giver's link
    # The same confirmation sent from a second tab: refused in words on the door's page, nothing more.
    again = client.post(PAPER, data={**numbers, "confirmed": "1"})
    assert again.status_code == 409 and f"A proxy already stands for {named(giver)}." in text(again)
    assert 'id="checkin-form"' in text(again) and len(standing()) == 1


def test_a_paper_proxy_refused_names_nobody_to_confirm(client, world):
    giver = world.members[0]
    meeting_day(world)
    sign_in(client, world.staff)
    for holder_number, status, sentence in (
            (world.outsider.number, 403, f"{named(world.outsider)} is not in the electorate of this assembly."),
            (giver.number, 400, "A member cannot hold their own proxy."),
            (99999999, 404, "No member has this number.")):
        for confirmed in ("", "1"):
            answer = post(client, PAPER, DOOR, {"giver_number": str(giver.number),
                                                "holder_number": str(holder_number), "confirmed": confirmed})
            assert answer.status_code == status and sentence in text(answer)
            assert "gives their proxy to" not in text(answer)
    assert standing() == []


def withdrawals(by) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "assemblies.proxy.end",
                                                            AuditEntry.actor_id == by.id)))


def live_credential(member) -> Credential | None:
    db.session.expire_all()
    return db.session.scalar(select(Credential).where(Credential.member_id == member.id,
                                                      Credential.revoked_at.is_(None)))


def test_staff_withdraw_any_proxy_at_the_door_and_the_giver_gets_a_new_link(client, world, outbox):
    paper_giver, holder, online_giver, other_holder = world.members[0], world.members[1], world.members[2], \
        world.members[3]
    services.convene(world.assembly)
    paper = services.record_paper_proxy(world.assembly, paper_giver.number, holder.number)
    online = services.give_proxy(world.assembly, online_giver, other_holder)
    meeting_day(world)
    sign_in(client, world.staff)
    end, end_online = (f"/assemblies/ga-test/proxies/{p.id}/end" for p in (paper, online))
    door = text(client.get(DOOR))
    assert end in door and end_online in door and door.count("Yes, withdraw this proxy") == 2
    for giver, to in ((paper_giver, holder), (online_giver, other_holder)):
        assert (f"{giver.name} votes themselves again: the link sent to {to.name} stops working and "
                f"{giver.name} receives a new one by e-mail.") in door
    assert "has no e-mail address" not in door
    # A member cannot withdraw it, nor record one.
    sign_in(client, world.members[4].account)
    assert client.post(end).status_code == 403 and client.post(end_online).status_code == 403
    assert client.post(PAPER, data={"giver_number": str(world.members[4].number),
                                    "holder_number": str(holder.number), "confirmed": "1"}).status_code == 403
    assert len(standing()) == 2
    # The member who gave theirs online asks at the door: staff withdraw it, as the member would.
    sign_in(client, world.staff)
    links, told = len(outbox(online_giver.email)), len(outbox(other_holder.email))
    holders_link = live_credential(online_giver)
    assert post(client, end_online, DOOR).status_code == 302
    assert [p.id for p in standing()] == [paper.id]
    assert f"The proxy of {online_giver.name} is withdrawn: they vote themselves." in text(client.get(DOOR))
    (new_link,) = outbox(online_giver.email)[links:]
    assert new_link.subject.startswith("Your new voting link")
    (tell,) = outbox(other_holder.email)[told:]
    assert "The voting link you received for them no longer works" in tell.body_text
    assert live_credential(online_giver).id != holders_link.id  # the holder's link no longer votes
    assert [e.after["giver"] for e in withdrawals(world.staff)] == [online_giver.number]  # staff on the record
    ended = db.session.get(Proxy, online.id, populate_existing=True)  # and on the proxy: how, by whom
    assert (ended.ended_how, ended.ended_by_id) == (ProxyEnding.WITHDRAWN, world.staff.id) and ended.ended_at
    # The paper proxy, likewise.
    links, told = len(outbox(paper_giver.email)), len(outbox(holder.email))
    assert post(client, end, DOOR).status_code == 302
    assert standing() == []
    assert f"The proxy of {paper_giver.name} is withdrawn: they vote themselves." in text(client.get(DOOR))
    assert len(outbox(paper_giver.email)) == links + 1  # a new link, as when they withdraw it themselves
    assert len(outbox(holder.email)) == told + 1  # the holder is told theirs stopped working
    # The same withdrawal from a second tab: refused in words, nothing changes.
    for again in (client.post(end), client.post(end_online)):
        assert again.status_code == 409
        assert "was already withdrawn." in text(again) and 'id="checkin-form"' in text(again)
    assert f"The proxy of {named(paper_giver)} was already withdrawn." in text(client.post(end))
    assert client.post("/assemblies/ga-test/proxies/999999/end").status_code == 404
    assert client.post("/assemblies/ga-test/proxies/abc/end").status_code == 404
    assert standing() == [] and len(outbox(paper_giver.email)) == links + 1 and len(withdrawals(world.staff)) == 2


def test_staff_withdraw_the_proxy_of_a_giver_without_e_mail_and_say_so(client, world, outbox):
    giver, holder = world.members[0], world.members[1]
    giver.account.email = ""  # signed on paper; the cooperative has no address for them
    db.session.commit()
    paper = services.record_paper_proxy(world.assembly, giver.number, holder.number)
    services.convene(world.assembly)  # the giver's link goes to the holder
    meeting_day(world)
    holders_link = live_credential(giver)
    sign_in(client, world.staff)
    end = f"/assemblies/ga-test/proxies/{paper.id}/end"
    door = text(client.get(DOOR))
    no_email = (f"{giver.name} has no e-mail address: tell them yourself that their proxy is withdrawn. To vote, "
                "they need a voting link on paper, which an election officer prints (Roll and convocations, New link).")
    assert (f"{giver.name} votes themselves again: the link sent to {holder.name} stops working. {no_email}"
            in door)
    assert "receives a new one" not in door
    mails, told = len(outbox()), len(outbox(holder.email))
    done = post(client, end, DOOR)
    assert done.status_code == 302
    page = text(client.get(DOOR))
    assert f"The proxy of {giver.name} is withdrawn: they vote themselves." in page and no_email in page
    assert "print a letter" not in page
    assert standing() == []
    assert live_credential(giver) is None and holders_link.revoked_at is not None  # the holder votes no more for them
    assert len(outbox()) == mails + 1 and len(outbox(holder.email)) == told + 1  # the holder only is told
    assert withdrawals(world.staff)
    # The officer's roll marks the giver, then prints their letter, with a link that votes.
    sign_in(client, world.officer)
    lost = "Their link no longer works and no new one was sent: print them a letter (New link)."
    roll = text(client.get("/assemblies/ga-test/roll"))
    assert roll.count(lost) == 1  # in the giver's row only
    row = roll[roll.index(f"{giver.name} ({giver.number})"):]
    assert lost in row[:row.index("</tr>")]
    elector = services.elector_for(world.assembly, giver)
    letter = client.post(f"/assemblies/ga-test/roll/{elector.id}/letter")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert live_credential(giver) is not None
    assert lost not in text(client.get("/assemblies/ga-test/roll"))


def test_before_the_convocations_a_withdrawal_promises_no_new_link(client, world, outbox):
    paper_giver, holder, online_giver, other_holder = world.members[0], world.members[1], world.members[2], \
        world.members[3]
    paper = services.record_paper_proxy(world.assembly, paper_giver.number, holder.number)
    services.give_proxy(world.assembly, online_giver, other_holder)
    db.session.commit()
    sign_in(client, world.staff)
    door = text(client.get(DOOR))
    assert (f"{paper_giver.name} votes themselves again: the convocation, with their voting link, will go to them "
            f"and not to {holder.name}.") in door
    assert "stops working" not in door and "receives a new one" not in door
    told = len(outbox(holder.email))
    assert post(client, f"/assemblies/ga-test/proxies/{paper.id}/end", DOOR).status_code == 302
    (tell,) = outbox(holder.email)[told:]
    assert "You will not receive a voting link for them: their convocation goes to them." in tell.body_text
    assert "no longer works" not in tell.body_text
    # The member's own withdrawal, on their page.
    sign_in(client, online_giver.account)
    page = text(client.get("/assemblies/ga-test"))
    assert "Your convocation, with your voting link, will go to you and not to the holder." in page
    assert "you receive a new one" not in page
    assert post(client, "/assemblies/ga-test/proxy/end", "/assemblies/ga-test").status_code == 302
    page = text(client.get("/assemblies/ga-test"))
    assert "Your proxy is withdrawn. Your convocation, with your voting link, will come to you." in page
    assert "A new voting link is on its way to you." not in page
    assert standing() == [] and outbox(paper_giver.email) == [] and outbox(online_giver.email) == []


def test_once_the_vote_is_closed_proxies_are_over_at_the_door_and_in_the_service(client, world):
    giver, holder = world.members[0], world.members[1]
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    paper = services.record_paper_proxy(world.assembly, world.members[2].number, world.members[3].number)
    online = services.give_proxy(world.assembly, world.members[4], world.members[5])
    meeting_day(world)
    services.close_vote(world.assembly)
    db.session.commit()
    assert isinstance(services.proxies_closed(world.assembly), errors.ProxiesOver)
    sign_in(client, world.staff)
    door = text(client.get(DOOR))
    assert "The vote is closed: proxies are over" in door
    assert 'id="paper-proxy-form"' not in door and "Yes, withdraw this proxy" not in door
    refused = post(client, PAPER, DOOR, {"giver_number": str(giver.number), "holder_number": str(holder.number),
                                         "confirmed": "1"})
    assert refused.status_code == 409 and "The vote is closed: proxies are over" in text(refused)
    assert "no link can be issued" not in text(refused)
    for proxy in (paper, online):
        withdrawn = client.post(f"/assemblies/ga-test/proxies/{proxy.id}/end")
        assert withdrawn.status_code == 409 and "The vote is closed: proxies are over" in text(withdrawn)
    assert [p.id for p in standing()] == [paper.id, online.id]


def test_an_item_closed_from_a_second_tab_is_said_on_the_chair_s_console(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    meeting_day(world)
    sign_in(client, world.officer)
    first = _vote_items(world.assembly)[0]
    url = f"/assemblies/ga-test/chair/items/{first['item'].id}/close"
    assert client.get(url).status_code == 200 and client.get(url).status_code == 200  # two tabs
    assert client.post(url).status_code == 302
    again = client.post(url)
    page = text(again)
    assert again.status_code == 409
    assert "The vote on this item is already closed." in page
    assert "Chair's console" in page and "The vote item by item" in page  # the console, not a bare error page
    assert "Back to the home page" not in page


def test_a_late_addition_names_the_member_before_it_is_made(client, world):
    newcomer = world.outsider
    sign_in(client, world.secretary)
    add, prepare = "/assemblies/ga-test/electorate/add", "/assemblies/ga-test/prepare"

    def in_electorate() -> bool:
        db.session.expire_all()
        return db.session.scalar(select(func.count(Elector.id)).where(Elector.member_id == newcomer.id,
                                                                      Elector.removed_at.is_(None))) == 1

    asked = post(client, add, prepare, {"number": str(newcomer.number), "reason": "Paid on the record date"})
    page = text(asked)
    assert asked.status_code == 200
    assert f"{newcomer.name} (member {newcomer.number}) is added to the electorate of" in page
    assert f"Yes, add {newcomer.name} to the electorate" in page and 'value="Paid on the record date"' in page
    assert not in_electorate()
    done = client.post(add, data={"number": str(newcomer.number), "reason": "Paid on the record date",
                                  "confirmed": "1"})
    assert done.status_code == 302 and in_electorate()
    assert f"{newcomer.name} (member {newcomer.number}) is added to the electorate." in text(client.get(prepare))
    # Confirmed again from a second tab, an unknown number, a member already in it: refused before any name.
    already = "This member is already in the electorate."
    for number, confirmed, status, sentence in ((newcomer.number, "1", 409, already),
                                                (world.members[0].number, "", 409, already),
                                                (99999999, "", 404, "No member has this number.")):
        answer = post(client, add, prepare, {"number": str(number), "reason": "Again", "confirmed": confirmed})
        assert answer.status_code == status and sentence in text(answer)
        assert "Yes, add" not in text(answer)
    sign_in(client, world.members[0].account)
    assert client.post(add, data={"number": str(newcomer.number), "reason": "x", "confirmed": "1"}).status_code == 403
