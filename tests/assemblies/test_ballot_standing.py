"""What a general assembly day's pages and mails say of a ballot, by the tally's rule: the public
board's tracker search (a ballot cast with a proxy withdrawn later, one cast after an item's vote
closed, one superseded after it), the officer's "members who have voted", the receipt mail of a
ballot cast in another member's name, and the whole vote's close confirmed a second time."""
from __future__ import annotations

import re
from html import unescape

from app.extensions import db
from assemblies import queries, services
from assemblies.models import ItemKind
from tests.assemblies.test_assembly_views import post
from tests.assemblies.world import meeting_day
from tests.factories import sign_in
from voting import services as voting, texts
from voting.crypto.ballot import encrypt_ballot


def _text(answer) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True))))


def _link(mail) -> str:
    return re.search(r"/vote#([1-9A-Za-z-]+):", mail.body_text).group(1)


def _cast(client, election, credential) -> str:
    el = voting.crypto_election(election)
    ballot = encrypt_ballot(el, election.public_key, credential,
                            {c.id: [] if c.kind == "board" else ["yes"] for c in el.contests})
    answer = client.post("/voting/ga-test/ballots", json=ballot)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["tracker"]


def _lookup(client, tracker) -> str:
    return _text(client.get(f"/voting/ga-test/board?q={tracker}"))


def _voted_on_officer_page(client, world) -> int:
    sign_in(client, world.officer)
    page = client.get("/voting/manage/ga-test").get_data(as_text=True)
    return int(re.search(r"Members who have voted</dt>\s*<dd>(\d+)</dd>", page).group(1))


def _proxy_day(client, world, outbox) -> dict:
    """The holder of a proxy votes for its giver and for themselves, another member votes; the
    trackers (the mails are in the holder's language, Dutch)."""
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    giver, holder, other = world.members[:3]
    services.give_proxy(world.assembly, giver, holder)
    holder.account.language = "nl"
    db.session.commit()
    election = queries.election(world.assembly)
    own, proxied = _link(outbox(holder.email)[0]), _link(outbox(holder.email)[-1])
    sign_in(client, holder.account)
    trackers = {"for_giver": _cast(client, election, proxied), "holders_own": _cast(client, election, own)}
    sign_in(client, other.account)
    _cast(client, election, _link(outbox(other.email)[0]))
    return trackers


def test_the_receipt_of_a_ballot_cast_with_a_proxy_names_the_giver(client, world, outbox):
    trackers = _proxy_day(client, world, outbox)
    giver, holder = world.members[:2]
    (receipt,) = [m for m in outbox(holder.email) if trackers["for_giver"] in m.body_text]
    assert receipt.secret and giver.name not in receipt.subject  # the subject stays in the outbox once sent
    assert (f"Het stembiljet dat u uitbracht in naam van {giver.name}, die u een volmacht gaf, voor "
            in receipt.body_text)
    (own_receipt,) = [m for m in outbox(holder.email) if trackers["holders_own"] in m.body_text]
    assert giver.name not in own_receipt.body_text and "Uw stembiljet voor" in own_receipt.body_text


def test_the_officers_page_does_not_count_a_member_whose_only_ballot_was_revoked(client, world, outbox):
    _proxy_day(client, world, outbox)
    assert _voted_on_officer_page(client, world) == 3
    services.end_proxy(world.assembly, world.members[0])  # the giver takes their vote back
    db.session.commit()
    assert queries.turnout(world.assembly).voted["total"] == 2
    assert _voted_on_officer_page(client, world) == 2  # as the chair's console, the roll and the projector


def test_a_ballot_cast_with_a_proxy_withdrawn_since_is_said_not_to_count(client, world, outbox):
    trackers = _proxy_day(client, world, outbox)
    services.end_proxy(world.assembly, world.members[0])
    db.session.commit()
    page = _lookup(client, trackers["for_giver"])
    assert "Its voting code was revoked before the close of the vote: it does not count." in page
    assert "it counts" not in page
    assert "This is the credential's last ballot: it counts." in _lookup(client, trackers["holders_own"])
    sign_in(client, world.members[1].account)  # in Dutch
    page = _lookup(client, trackers["for_giver"])
    assert "De stemcode ervan werd ingetrokken vóór de sluiting van de stemming: het telt niet." in page
    assert "het telt." not in page


def test_a_ballot_cast_after_an_items_close_is_said_not_to_count_for_that_item(client, world, outbox):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    meeting_day(world)
    member = world.members[0]
    election = queries.election(world.assembly)
    sign_in(client, member.account)
    before = _cast(client, election, _link(outbox(member.email)[0]))
    item = next(i for i in world.assembly.items if i.kind is ItemKind.RESOLUTION)
    services.close_item(world.assembly, item)
    db.session.commit()
    after = _cast(client, election, _link(outbox(member.email)[0]))
    title = texts.contest_title(election.definition, item.contest_id, "en")
    page = _lookup(client, after)
    assert ("This is the credential's last ballot: it counts, except for the items whose vote had already "
            f"closed when it reached the board: {title}.") in page
    # The ballot it replaced still counts for the item closed in between.
    page = _lookup(client, before)
    assert "Superseded by a later ballot of the same credential" in page
    assert f"It still counts for the items whose vote closed before then: {title}." in page
    member.account.language = "nl"
    db.session.commit()
    title = texts.contest_title(election.definition, item.contest_id, "nl")
    assert ("Dit is het laatste stembiljet van deze stemcode: het telt, behalve voor de agendapunten waarvan de "
            f"stemming al was afgesloten toen het op het publiek prikbord kwam: {title}.") in _lookup(client, after)


def test_the_whole_vote_closed_again_from_another_tab_is_said_already_closed(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    meeting_day(world)
    sign_in(client, world.officer)
    assert post(client, "/assemblies/ga-test/chair/close", "/assemblies/ga-test/chair").status_code == 302
    again = client.post("/assemblies/ga-test/chair/close")
    assert again.status_code == 409 and "The vote is already closed." in _text(again)
    world.officer.language = "nl"
    db.session.commit()
    again = client.post("/assemblies/ga-test/chair/close")
    assert again.status_code == 409 and "De stemming is al afgesloten." in _text(again)
    assert "niet mogelijk in de huidige toestand" not in _text(again)
