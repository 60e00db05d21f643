"""The assembly pages as each role uses them: preparing, the member's page and home task, the ballot
page in words, casting (refusals, idempotent retry), the roll, check-in, chair, projector, results."""
from __future__ import annotations

import random
import re
import subprocess
from datetime import timedelta, timezone
from html import unescape

from sqlalchemy import func, select

from app.clock import BRUSSELS, today, utcnow
from app.extensions import db
from app.models import AuditEntry
from assemblies import queries, services
from assemblies.demo import cast_for, tally
from assemblies.models import Assembly, CheckIn, Elector, ItemKind, Proxy, ProxySource
from tests.assemblies.test_assembly_services import credential_in
from tests.assemblies.world import build_world, meeting_day
from tests.factories import csv_rows, pdf_text, sign_in
from voting import services as voting
from voting.models import Election, Trustee
from voting.crypto.ballot import encrypt_ballot
from voting.crypto.credential import CredentialError, credential_public, normalize_credential


def post(client, url, page, data=None, **kw):
    """A form post (CSRF is off in tests; the page it comes from must render)."""
    assert client.get(page).status_code == 200
    return client.post(url, data=data or {}, **kw)


def electors(w):
    return list(db.session.scalars(select(Elector).where(Elector.assembly_id == w.assembly.id).order_by(Elector.id)))


def test_a_secretary_prepares_an_assembly_in_the_app(client, world):
    sign_in(client, world.secretary)
    page = client.get("/assemblies/new")
    assert page.status_code == 200
    day = (today() + timedelta(days=30)).isoformat()
    form = {"slug": "ag-2027", "title_fr": "AG 2027", "title_nl": "AV 2027", "title_en": "GA 2027",
            "starts_at": f"{day}T14:00", "place": "Namur", "voting_opens_at": f"{day}T09:00",
            "voting_closes_at": f"{day}T18:00", "record_date": today().isoformat(), "quorum_percent": "10",
            "proxy_limit": "1", "min_count": "5", "tie_rule": "lot"}
    bad = post(client, "/assemblies/new", "/assemblies/new", {**form, "voting_closes_at": f"{day}T08:00"})
    assert bad.status_code == 400 and "The vote must close after it opens, and on the day of the meeting at the latest." in bad.get_data(as_text=True)
    assert 'id="voting_closes_at-error"' in bad.get_data(as_text=True)  # beside the field it is about
    after_the_day = (today() + timedelta(days=31)).isoformat()
    late = post(client, "/assemblies/new", "/assemblies/new", {**form, "record_date": after_the_day})
    assert late.status_code == 400 and 'id="record_date-error"' in late.get_data(as_text=True)
    assert "The record date cannot come after the day of the assembly." in late.get_data(as_text=True)
    assert post(client, "/assemblies/new", "/assemblies/new", form).status_code == 302
    item = {"kind": "resolution", "title_fr": "Comptes", "title_nl": "Rekeningen", "title_en": "Accounts",
            "majority": "each_category", "seats_a": "11", "seats_b": "7"}
    assert post(client, "/assemblies/ag-2027/items", "/assemblies/ag-2027/prepare", item).status_code == 302
    board = {**item, "kind": "board", "title_fr": "Conseil", "title_nl": "Raad", "title_en": "Board"}
    assert post(client, "/assemblies/ag-2027/items", "/assemblies/ag-2027/prepare", board).status_code == 302
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ag-2027"))
    board_id = assembly.items[1].id
    r = post(client, f"/assemblies/ag-2027/items/{board_id}/candidates", "/assemblies/ag-2027/prepare",
             {"name": "Nadia El Amrani", "category": "A", "gender": "woman"})
    assert r.status_code == 302
    html = client.get("/assemblies/ag-2027/prepare").get_data(as_text=True)
    assert "Nadia El Amrani" in html and "A majority within each category" in html
    missing = post(client, "/assemblies/ag-2027/items", "/assemblies/ag-2027/prepare", {"kind": "resolution"})
    assert missing.status_code == 400 and "This field is required." in missing.get_data(as_text=True)
    # The record date is today: the secretary's home page asks for the electorate, until it is frozen.
    home = unescape(client.get("/").get_data(as_text=True))
    assert "Freeze the electorate: GA 2027 (record date " in home
    assert 'href="/assemblies/ag-2027/prepare#electorate"' in home
    assert post(client, "/assemblies/ag-2027/electorate/freeze", "/assemblies/ag-2027/prepare").status_code == 302
    assert "Freeze the electorate: GA 2027" not in unescape(client.get("/").get_data(as_text=True))


def test_a_board_election_has_seats_and_its_candidates_a_seat_to_win(client, world):
    sign_in(client, world.secretary)
    day = (today() + timedelta(days=30)).isoformat()
    assert post(client, "/assemblies/new", "/assemblies/new", {
        "slug": "ag-seats", "title_fr": "AG", "title_nl": "AV", "title_en": "GA", "starts_at": f"{day}T14:00",
        "place": "Namur", "voting_opens_at": f"{day}T09:00", "voting_closes_at": f"{day}T18:00",
        "record_date": today().isoformat(), "quorum_percent": "10", "proxy_limit": "1", "min_count": "5",
        "tie_rule": "lot"}).status_code == 302
    page = "/assemblies/ag-seats/prepare"
    board = {"kind": "board", "title_fr": "Conseil", "title_nl": "Raad", "title_en": "Board", "majority": "simple"}
    none = post(client, "/assemblies/ag-seats/items", page, {**board, "seats_a": "0", "seats_b": "0"})
    assert none.status_code == 400
    assert "A board election needs at least one seat, in category A or B." in none.get_data(as_text=True)
    assert post(client, "/assemblies/ag-seats/items", page, {**board, "seats_a": "2", "seats_b": "0"}).status_code == 302
    item = db.session.scalar(select(Assembly).where(Assembly.slug == "ag-seats")).items[-1]
    refused = post(client, f"/assemblies/ag-seats/items/{item.id}/candidates", page,
                   {"name": "Bea Bee", "category": "B", "gender": "woman"})
    assert refused.status_code == 409 and ("This election has no seat in category B: a candidate of it could not be "
                                           "elected.") in unescape(refused.get_data(as_text=True))
    assert post(client, f"/assemblies/ag-seats/items/{item.id}/candidates", page,
                {"name": "Ann Aa", "category": "A", "gender": "woman"}).status_code == 302


def test_a_pdf_document_is_attached_and_anything_else_refused(client, world):
    import io

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart
    sign_in(client, world.secretary)
    page = "/assemblies/ga-test/prepare"
    titles = {"title_fr": "Comptes", "title_nl": "Rekeningen", "title_en": "Accounts"}
    bad = post(client, "/assemblies/ga-test/documents", page,
               {**titles, "file": (io.BytesIO(b"hello"), "x.txt")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "This file is not a PDF: it is a text file (.txt)." in bad.get_data(as_text=True)
    disguised = post(client, "/assemblies/ga-test/documents", page,
                     {**titles, "file": (io.BytesIO(b"<html><script>alert(1)</script>"), "accounts.pdf")},
                     content_type="multipart/form-data")
    assert disguised.status_code == 422 and "its name ends in .pdf, but its content is not a PDF" in disguised.get_data(as_text=True)
    # A year's accounts weigh a few megabytes: above the 1 MB of an ordinary form, under the 10 MB of a file.
    big = b"%PDF-1.4 " + b"0" * (3 * 1024 * 1024) + b"\n%%EOF"
    # Encoded in memory: the test client would spool a body this size to a file it does not close.
    named = FileStorage(io.BytesIO(big), "Comptes 2026; x=1 <b>annuels</b> é.pdf")
    boundary, body = encode_multipart({**titles, "file": named})
    ok = post(client, "/assemblies/ga-test/documents", page, body,
              content_type=f"multipart/form-data; boundary={boundary}")
    assert ok.status_code == 302
    db.session.expire_all()
    doc = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-test")).documents[0]
    served = client.get(f"/assemblies/ga-test/documents/{doc.id}")
    assert served.data == big and served.headers["X-Content-Type-Options"] == "nosniff"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith('inline; filename="Comptes 2026 x1 bannuelsb e.pdf"'), disposition
    assert disposition.endswith("bannuelsb%20%C3%A9.pdf")


def test_the_member_finds_vote_on_home_and_assembly_page_and_vote_again_after(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    member = world.members[0]
    sign_in(client, member.account)
    home = client.get("/").get_data(as_text=True)
    assert "Vote: General assembly" in home and "/voting/ga-test/vote" in home
    page = client.get("/assemblies/ga-test").get_data(as_text=True)
    assert ">Vote<" in page
    # The signed-in member's own elector row (the electorate's rows need not follow world.members)
    cast_for(world.assembly, [e for e in electors(world) if e.member_id == member.id], world.rng)
    db.session.commit()
    assert "Vote again: General assembly" in client.get("/").get_data(as_text=True)
    assert "Vote again" in client.get("/assemblies/ga-test").get_data(as_text=True)
    assert "Vote:" not in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True).replace(
        "Vote again:", "")


def test_once_every_item_is_closed_nobody_is_asked_to_vote(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    meeting_day(world)  # the meeting has started: the chair may close items
    sign_in(client, world.members[0].account)
    voting_items = [v["item"] for v in _vote_items(world.assembly)]
    for item in voting_items[:-1]:
        services.close_item(world.assembly, item)
    db.session.commit()
    assert "Vote: General assembly" in client.get("/").get_data(as_text=True)  # one item still open
    services.close_item(world.assembly, voting_items[-1])
    db.session.commit()
    assert "Vote: General assembly" not in client.get("/").get_data(as_text=True)
    assert ">Vote<" not in client.get("/assemblies/ga-test").get_data(as_text=True)


def test_the_ballot_page_speaks_in_words_in_the_readers_language(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    member = world.members[0]
    member.account.language = "nl"
    db.session.commit()
    sign_in(client, member.account)
    client.post("/language", data={"language": "nl"})
    html = client.get("/voting/ga-test/vote").get_data(as_text=True)
    assert "Goedkeuring van de jaarrekening" in html and "Onthouding" in html and "Amélie Dubois" in html
    visible = re.sub(r"<[^>]+>", " ", html)
    for code in ("item2", "a01", "two_thirds", "t1"):
        assert not re.search(rf"\b{code}\b", visible), code


def test_casting_refusals_and_idempotent_retry(client, world, outbox):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    election = queries.election(world.assembly)
    el = voting.crypto_election(election)
    mail = outbox(world.members[0].email)[0]
    credential = re.search(r"/vote#([1-9A-Za-z-]+):", mail.body_text).group(1)
    sel = {c.id: (["no"] if c.kind == "resolution" else []) for c in el.contests}
    ballot = encrypt_ballot(el, election.public_key, credential, sel)
    token = lambda: ""  # noqa: E731 - CSRF is off in tests
    # An officer holds no member account: they cannot vote for anyone.
    sign_in(client, world.officer)
    refused = client.post("/voting/ga-test/ballots", json=ballot, headers={"X-CSRFToken": token()})
    assert refused.status_code in (401, 403) and refused.json["message"]
    sign_in(client, world.members[0].account)
    first = client.post("/voting/ga-test/ballots", json=ballot, headers={"X-CSRFToken": token()})
    assert first.status_code == 201
    again = client.post("/voting/ga-test/ballots", json=ballot, headers={"X-CSRFToken": token()})
    assert again.status_code == 200 and again.json["tracker"] == first.json["tracker"]
    assert voting.board_state(election).counted_by_category()["A"] == 1  # nothing counted twice
    assert first.json["not_counted"] == again.json["not_counted"] == []
    # An item's vote closes before a second ballot arrives: the answer names what does not count.
    item = _vote_items(world.assembly)[0]["item"]
    meeting_day(world)  # the meeting has started: the chair may close an item
    services.close_item(world.assembly, item)
    db.session.commit()
    revote = client.post("/voting/ga-test/ballots", json=encrypt_ballot(el, election.public_key, credential, sel))
    assert revote.status_code == 201
    assert revote.json["not_counted"] == services.item_contests(item, election.definition)
    meeting_day(world)
    services.close_vote(world.assembly)
    db.session.commit()
    late = encrypt_ballot(el, election.public_key, credential, sel)
    closed = client.post("/voting/ga-test/ballots", json=late, headers={"X-CSRFToken": token()})
    assert closed.status_code == 409 or closed.status_code == 422
    assert "closed" in closed.json["message"]


def test_the_roll_shows_convocations_and_who_voted_to_officers_only(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    cast_for(world.assembly, [electors(world)[0]], world.rng)
    db.session.commit()
    sign_in(client, world.scrutineers[0])
    assert client.get("/assemblies/ga-test/roll").status_code == 403
    sign_in(client, world.officer)
    html = client.get("/assemblies/ga-test/roll").get_data(as_text=True)
    assert world.members[0].name in html and "by e-mail" in html and "Taking part: 1 of 6 members (16.7%)." in html
    world.officer.language = "nl"
    db.session.commit()
    assert "Deelname: 1 van 6 leden (16,7%)." in client.get("/assemblies/ga-test/roll").get_data(as_text=True)
    world.officer.language = "fr"
    db.session.commit()
    assert "(16,7\u202f%)." in client.get("/assemblies/ga-test/roll").get_data(as_text=True)


def test_a_lost_link_is_replaced_and_a_letter_printed(client, world, outbox, tmp_path):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    sign_in(client, world.officer)
    e = electors(world)[1]
    assert post(client, f"/assemblies/ga-test/roll/{e.id}/resend", "/assemblies/ga-test/roll").status_code == 302
    assert len(outbox(e.member.email)) == 2
    pdf = post(client, f"/assemblies/ga-test/roll/{e.id}/letter", "/assemblies/ga-test/roll")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # The letter says what the convocation mail says: when to vote, the proxy, the page, the fingerprint.
    words = " ".join(pdf_text(pdf.data, tmp_path, layout=False).split())
    fingerprint = db.session.get(Election, world.assembly.election_id).fingerprint
    assert "Vote from " in words and "only your last ballot counts" in words
    assert "/assemblies/ga-test" in words.replace(" ", "") and f"Election fingerprint: {fingerprint}" in words
    assert "you can give your proxy to another member until" in words  # the world's deadline is the close
    db.session.expire_all()
    assert db.session.get(Elector, e.id).links_issued == 3


def test_check_in_by_typed_member_number(client, world):
    services.give_proxy(world.assembly, world.members[2], world.members[3])
    meeting_day(world)
    sign_in(client, world.staff)
    door = client.get("/assemblies/ga-test/checkin").get_data(as_text=True)
    assert f"{world.members[2].name} ({world.members[2].number})" in door and "online" in door
    # Its button waits for the script that keeps a scanned code's secret on the device; without it, the
    # page says to find the member by name (a number typed and posted is still read, below).
    assert re.search(r'<button type="submit" disabled aria-describedby="checkin-waiting">\s*Check in</button>', door)
    assert "Getting the form ready" in door and "<noscript>" in unescape(door)
    number = world.members[0].number
    ok = post(client, "/assemblies/ga-test/checkin", "/assemblies/ga-test/checkin", {"number": str(number)})
    assert ok.status_code == 302
    html = client.get("/assemblies/ga-test/checkin").get_data(as_text=True)
    assert "is checked in" in html
    twice = post(client, "/assemblies/ga-test/checkin", "/assemblies/ga-test/checkin", {"number": str(number)})
    assert twice.status_code == 409
    arrived = db.session.scalar(select(CheckIn.checked_in_at).where(CheckIn.member_id == world.members[0].id))
    brussels = arrived.replace(tzinfo=timezone.utc).astimezone(BRUSSELS) if arrived.tzinfo is None else \
        arrived.astimezone(BRUSSELS)
    assert f"{named(world.members[0])} was already checked in at {brussels:%H:%M}." in \
        unescape(twice.get_data(as_text=True))  # Brussels time, as on every page (UTC is an hour off)
    unknown = post(client, "/assemblies/ga-test/checkin", "/assemblies/ga-test/checkin", {"number": "99999999"})
    assert unknown.status_code == 404 and "No member has this number." in unknown.get_data(as_text=True)
    outsider = post(client, "/assemblies/ga-test/checkin", "/assemblies/ga-test/checkin",
                    {"number": str(world.outsider.number)})
    assert outsider.status_code == 403 and "not in the electorate" in outsider.get_data(as_text=True)


def test_a_member_gives_a_proxy_from_the_assembly_page(client, world, outbox):
    services.convene(world.assembly)
    db.session.commit()
    sign_in(client, world.members[0].account)
    page = "/assemblies/ga-test"
    self_proxy = post(client, "/assemblies/ga-test/proxy", page, {"holder_number": str(world.members[0].number)})
    assert self_proxy.status_code == 400 and "You cannot give your proxy to yourself." in self_proxy.get_data(as_text=True)
    # A number outside the electorate is refused before any name is shown (numbers run in order), in the
    # words a number naming nobody gets: a typed number does not tell who is a member in good standing.
    neutral = "No member of this assembly&#39;s electorate has this number: check it with the member you chose."
    for number in (world.outsider.number, 99999999):
        outside = post(client, "/assemblies/ga-test/proxy", page, {"holder_number": str(number)})
        text = outside.get_data(as_text=True)
        assert outside.status_code == 422 and neutral in text and world.outsider.name not in text
    holder = world.members[1]
    asked = post(client, "/assemblies/ga-test/proxy", page, {"holder_number": str(holder.number)})
    text = asked.get_data(as_text=True)  # a mistyped number would hand the vote to a stranger: whom it names
    assert asked.status_code == 200 and f"to {holder.name} (member {holder.number})" in text
    assert 'name="confirmed" value="1"' in text and services.standing_proxy(world.assembly, world.members[0].id) is None
    ok = post(client, "/assemblies/ga-test/proxy", page, {"holder_number": str(holder.number), "confirmed": "1"})
    assert ok.status_code == 302
    # The same confirmation sent again from a second tab: refused, and said although the form is gone.
    again = post(client, "/assemblies/ga-test/proxy", page, {"holder_number": str(holder.number), "confirmed": "1"})
    assert again.status_code == 409 and 'class="error-summary" role="alert"' in again.get_data(as_text=True)
    assert "holds your proxy" in client.get(page).get_data(as_text=True)
    assert post(client, "/assemblies/ga-test/proxy/end", page).status_code == 302
    assert services.standing_proxy(world.assembly, world.members[0].id) is None


def test_a_member_whose_proxy_stands_is_not_asked_to_vote_and_may_take_the_vote_back(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    giver, holder = world.members[0], world.members[1]
    services.give_proxy(world.assembly, giver, holder)
    db.session.commit()
    sign_in(client, giver.account)
    page = "/assemblies/ga-test"
    assert "Vote: General assembly" not in client.get("/").get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    assert ">Vote<" not in html and f"{holder.name} holds your proxy and votes in your name." in html
    assert "no longer counts" not in html
    # The holder votes with the giver's link: the giver is told, and may still take the vote back.
    cast_for(world.assembly, [e for e in electors(world) if e.member_id == giver.id], world.rng)
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert f"{holder.name} holds your proxy and has voted in your name." in html
    assert "Vote again" not in html and "Vote again" not in client.get("/").get_data(as_text=True)
    assert "The ballot cast in your name no longer counts" in html
    assert post(client, "/assemblies/ga-test/proxy/end", page).status_code == 302
    assert services.standing_proxy(world.assembly, giver.id) is None
    assert "Vote: General assembly" in client.get("/").get_data(as_text=True)
    assert ">Vote<" in client.get(page).get_data(as_text=True)


def test_after_the_close_the_page_still_says_who_held_the_proxy_and_why_none_moves(client, world):
    """Once the vote is closed: the page says who holds the member's proxy and that proxies are over (no
    withdrawal offered); a withdrawal or a proxy sent from a tab opened before the close is refused on the
    assembly page in words (409), nothing changes."""
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    giver, holder, other = world.members[0], world.members[1], world.members[2]
    services.give_proxy(world.assembly, giver, holder)
    db.session.commit()
    meeting_day(world)
    services.close_vote(world.assembly)
    db.session.commit()
    page = "/assemblies/ga-test"
    over = "The vote is closed: proxies are over, none can be given, withdrawn or declined any more."
    sign_in(client, giver.account)
    html = unescape(client.get(page).get_data(as_text=True))
    assert f"{holder.name} holds your proxy and votes in your name." in html and over in html
    assert "Withdraw my proxy" not in html
    refused = client.post("/assemblies/ga-test/proxy/end")
    assert refused.status_code == 409 and over in unescape(refused.get_data(as_text=True))
    assert services.standing_proxy(world.assembly, giver.id) is not None
    sign_in(client, other.account)
    assert "<h2 id=\"proxy\">" not in client.get(page).get_data(as_text=True)  # nothing to say any more
    late = client.post("/assemblies/ga-test/proxy", data={"holder_number": str(holder.number), "confirmed": "1"})
    assert late.status_code == 409 and over in unescape(late.get_data(as_text=True))
    assert services.standing_proxy(world.assembly, other.id) is None


def test_a_member_who_gave_a_proxy_is_told_why_their_link_stopped_and_gets_a_new_one_said_as_such(client, world,
                                                                                                     outbox):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    giver, holder = world.members[0], world.members[1]
    title = world.assembly.text("title", "en")
    first = _convocation_code(outbox(giver.email)[-1])
    assert outbox(giver.email)[-1].subject == f"Convocation: {title}"
    assert outbox(giver.email)[-1].body_text.startswith(f"Hello {giver.name},")
    services.give_proxy(world.assembly, giver, holder)
    db.session.commit()
    sign_in(client, giver.account)
    use = client.get(f"/voting/ga-test/credentials/{first[3]}")
    assert use.status_code == 403 and use.get_json()["error"] == "revoked_credential"
    assert use.get_json()["message"] == (f"You gave your proxy to {holder.name}, who votes in your name with a link of "
                                         "their own. To vote yourself, withdraw your proxy on the assembly's page: a "
                                         "new link then comes to you by mail.")
    assert post(client, "/assemblies/ga-test/proxy/end", "/assemblies/ga-test").status_code == 302
    new = outbox(giver.email)[-1]
    assert new.subject == f"Your new voting link: {title}" and "It replaces the link you received before" in new.body_text
    assert outbox(holder.email)[-1].body_text.startswith(f"Hello {holder.name},")  # told the proxy is withdrawn
    use = client.get(f"/voting/ga-test/credentials/{first[3]}").get_json()
    assert use["message"] == ("This link was replaced by a newer one, sent to you by mail: vote with the link of your "
                              "latest mail.")
    other = client.application.test_client()  # someone else's revoked credential is not explained to them
    sign_in(other, world.members[2].account)
    assert other.get(f"/voting/ga-test/credentials/{first[3]}").get_json()["message"] == \
        "This voting credential has been revoked."
    # Having voted, the member is told why no proxy can be given any more (the heading is not left empty).
    cast_for(world.assembly, [e for e in electors(world) if e.member_id == giver.id], world.rng)
    db.session.commit()
    page = client.get("/assemblies/ga-test").get_data(as_text=True)
    assert "You have voted yourself, so you can no longer give a proxy: your last ballot counts." in page


def test_a_member_removed_from_the_electorate_is_not_told_to_look_for_a_newer_link(client, world, outbox):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    member = world.members[3]
    public = _convocation_code(outbox(member.email)[-1])[3]
    services.remove_elector(world.assembly, services.elector_for(world.assembly, member), "Registered twice")
    db.session.commit()
    sign_in(client, member.account)
    use = client.get(f"/voting/ga-test/credentials/{public}")
    assert use.status_code == 403 and use.get_json()["message"] == (
        "This link no longer votes: it was revoked on the public board. If you think you should vote, write to the "
        "election officer.")


def test_the_ballot_page_learns_in_whose_name_a_credential_votes_before_the_voter_chooses(client, world, outbox):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    giver, holder, other = world.members[0], world.members[1], world.members[2]
    services.give_proxy(world.assembly, giver, holder)
    db.session.commit()

    def public(mail):
        return credential_public(credential_in(mail))

    holders = outbox(holder.email)
    own, proxied = public(holders[0]), public(holders[-1])
    revoked, others = public(outbox(giver.email)[0]), public(outbox(other.email)[0])
    url = "/voting/ga-test/credentials/{}".format
    anonymous = client.get(url(own))
    assert anonymous.status_code == 403 and anonymous.get_json()["error"] == "login_required"
    sign_in(client, holder.account)
    assert client.get(url(own)).get_json() == {"proxy_of": None, "voted": False, "message": None, "cast_for": None}
    answer = client.get(url(proxied)).get_json()
    assert answer["proxy_of"] == giver.name and answer["voted"] is False
    assert answer["message"] == f"You are voting in the name of {giver.name}, who gave you their proxy."
    # The holder's home page owes the giver's vote, and the assembly page says which mail has its link.
    assert f"Vote in the name of {giver.name} (their proxy): General assembly" in client.get("/").get_data(as_text=True)
    assert f"the link of the mail “Proxy of {giver.name}”" in client.get("/assemblies/ga-test").get_data(as_text=True)
    # The holder casts for the giver: the page then says the next ballot replaces that one.
    election = queries.election(world.assembly)
    el = voting.crypto_election(election)
    private = re.search(r"/vote#([1-9A-Za-z-]+):", holders[-1].body_text).group(1)
    ballot = encrypt_ballot(el, election.public_key, private, {c.id: [] if c.kind == "board" else ["yes"]
                                                              for c in el.contests})
    assert client.post("/voting/ga-test/ballots", json=ballot).status_code == 201
    assert "Vote in the name of" not in client.get("/").get_data(as_text=True)
    assert "You have voted in their name" in client.get("/assemblies/ga-test").get_data(as_text=True)
    again = client.get(url(proxied)).get_json()
    assert again["voted"] is True and "this ballot will replace the earlier one" in again["message"]
    # The refusals casting would give, in words, without telling the owner (only a cast attempt does).
    mails_before = len(outbox(other.email))
    for public_part, status, code in [(others, 403, "not_your_credential"), (revoked, 403, "revoked_credential"),
                                      ("0" * 64, 404, "unknown_credential"), ("zz", 404, "unknown_credential"),
                                      (own.upper(), 404, "unknown_credential"), (own + "0", 404, "unknown_credential")]:
        refused = client.get(url(public_part))
        assert refused.status_code == status and refused.get_json()["error"] == code, public_part
        assert refused.get_json()["message"]
    assert len(outbox(other.email)) == mails_before
    assert client.get("/voting/no-such-election/credentials/" + own).status_code == 404


def test_chair_opens_and_closes_and_projector_stops_polling_once_the_result_is_out(client, world):
    services.convene(world.assembly)
    db.session.commit()
    sign_in(client, world.members[0].account)
    assert client.post("/assemblies/ga-test/chair/open").status_code == 403  # a member cannot open votes
    sign_in(client, world.officer)
    for bad in ("²", "١²٣", "9" * 30, "-1"):  # an item to hold that is no id: refused, the vote stays closed
        assert client.post("/assemblies/ga-test/chair/open", data={"hold": bad}).status_code == 400, bad
    assert post(client, "/assemblies/ga-test/chair/open", "/assemblies/ga-test/chair").status_code == 302
    projector = client.get("/assemblies/ga-test/projector", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 3s"' in projector and "<html" not in projector
    cast_for(world.assembly, electors(world), world.rng)
    db.session.commit()
    meeting_day(world)  # the meeting has started: the chair may close the vote
    assert post(client, "/assemblies/ga-test/chair/close", "/assemblies/ga-test/chair").status_code == 302
    closed = client.get("/assemblies/ga-test/projector").get_data(as_text=True)
    assert 'every 15s' in closed and "Turnout over time" in closed
    db.session.expire_all()
    tally(db.session.scalar(select(Assembly).where(Assembly.slug == "ga-test")), world.kits)
    db.session.commit()
    html = client.get("/assemblies/ga-test/projector").get_data(as_text=True)
    assert "hx-trigger" not in html and "Approval of the annual accounts" in html
    assert ("Adopted" in html) or ("Rejected" in html)


def test_the_projector_is_the_room_s_screen_and_shows_one_item_alone_when_asked(client, world):
    from assemblies.models import AgendaItem

    services.convene(world.assembly)
    db.session.commit()
    voted = [i for i in world.assembly.items if i.kind is not ItemKind.INFORMATION]
    first, second = voted[0], voted[1]
    talk = db.session.scalar(select(AgendaItem).where(AgendaItem.assembly_id == world.assembly.id,
                                                      AgendaItem.kind == ItemKind.INFORMATION))
    sign_in(client, world.officer)
    assert post(client, "/assemblies/ga-test/chair/open", "/assemblies/ga-test/chair").status_code == 302
    chair = client.get("/assemblies/ga-test/chair").get_data(as_text=True)
    assert f'href="/assemblies/ga-test/projector?item={first.id}"' in chair  # the chair shows an item alone
    visitor = client.application.test_client()
    page = visitor.get("/assemblies/ga-test/projector").get_data(as_text=True)
    assert '<html lang="en" class="projector">' in page
    assert 'aria-label="Main"' not in page and "Sign in" not in page and 'class="site"' in page  # no menu
    assert 'name="language" value="nl"' in page  # the language buttons stay
    assert first.text("title", "en") in page and second.text("title", "en") in page
    alone = visitor.get(f"/assemblies/ga-test/projector?item={first.id}").get_data(as_text=True)
    assert first.text("title", "en") in alone and second.text("title", "en") not in alone
    assert "The vote is open." in alone and 'class="turnout"' not in alone and "Taking part:" in alone  # the item, large
    assert 'class="turnout"' in page  # every item: the turnout beside them
    assert 'href="/assemblies/ga-test/projector">Every item</a>' in alone
    swap = visitor.get(f"/assemblies/ga-test/projector?item={first.id}", headers={"HX-Request": "true"}).text
    assert f'hx-get="/assemblies/ga-test/projector?item={first.id}"' in swap  # its polling keeps the item
    for bad, status in (("abc", 400), ("-1", 400), ("9" * 30, 400), ("0", 404), ("99999", 404),
                        (str(talk.id) if talk else "99998", 404)):
        assert visitor.get(f"/assemblies/ga-test/projector?item={bad}").status_code == status, bad
    other, _kits = build_world_item_elsewhere(world)
    assert visitor.get(f"/assemblies/ga-test/projector?item={other.id}").status_code == 404  # another assembly's
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()
    results = visitor.get(f"/assemblies/ga-test/projector?item={second.id}").get_data(as_text=True)
    assert results.count('<section class="result"') == 1 and f'id="result-{second.id}"' in results
    everything = visitor.get("/assemblies/ga-test/projector").get_data(as_text=True)
    assert everything.count('<section class="result"') == len(voted)
    page = client.get("/assemblies/ga-test/results").get_data(as_text=True)  # the officer, who runs the room
    for item in voted:
        assert f'href="/assemblies/ga-test/projector?item={item.id}">Show this result on the projector</a>' in page
    sign_in(client, world.members[0].account)  # a member has no projector to run
    member_page = client.get("/assemblies/ga-test/results").get_data(as_text=True)
    assert "Show this result on the projector" not in member_page
    assert '<a href="/assemblies/ga-test">Back to the assembly</a>' in member_page  # no dead end on a phone


def build_world_item_elsewhere(world):
    """An item put to the vote at another assembly."""
    from assemblies.demo import prepared_assembly

    other, kits = prepared_assembly("ga-elsewhere", world.scrutineers, record_date=world.record,
                                    starts=today() + timedelta(days=40), actor=world.officer)
    db.session.commit()
    return next(i for i in other.items if i.kind is not ItemKind.INFORMATION), kits


def test_results_page_csv_and_pdf(client, world):
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()
    sign_in(client, world.members[0].account)
    html = client.get("/assemblies/ga-test/results").get_data(as_text=True)
    assert "Amélie Dubois" in html and "<svg" in html and "Majority required: two thirds." in html
    assert "seats" in html and "Among the elected" in html
    csv = client.get("/assemblies/ga-test/results.csv").get_data(as_text=True)
    assert "Approval of the annual accounts" in csv and "Amélie Dubois" in csv
    pdf = client.get("/assemblies/ga-test/results.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    world.members[0].account.language = "fr"
    db.session.commit()
    french = client.get("/assemblies/ga-test/results").get_data(as_text=True)
    among = re.search(r"Parmi les élu·es\u00a0:([^<]*)</p>", french).group(1)
    assert re.fullmatch(r"( [^;:]+\u00a0: \d+)(\u202f;( [^;:]+\u00a0: \d+))+", among), among  # « femmes : 1 ; … »


def test_seats_nobody_fills_are_said_on_the_results_page_and_csv(client, world):
    """More seats than candidates with votes, and a category nobody stood for: the heading keeps the
    seats the agenda announced and the results say how many stay unfilled (the category does not vanish)."""
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    board = next(i for i in world.assembly.items if i.kind is ItemKind.BOARD)
    board.seats_a = 9  # seven candidates of category A on the ballot
    for candidate in [c for c in board.candidates if c.category.value == "B"]:
        db.session.delete(candidate)
    db.session.commit()
    sign_in(client, world.members[0].account)
    html = unescape(client.get("/assemblies/ga-test/results").get_data(as_text=True))
    row = next(r for r in queries.results(world.assembly) if r["kind"] == "board")
    elected_a = len(row["groups"][0]["seat"].elected)
    assert "Category A: 9 seats" in html and f"{9 - elected_a} seats stay unfilled." in html
    assert "Category B: 2 seats" in html and "Nobody stood for these seats." in html and "2 seats stay unfilled." in html
    assert "(category B)" not in html  # no empty chart for it
    rows = csv_rows(client.get("/assemblies/ga-test/results.csv").get_data(as_text=True))
    unfilled = [r for r in rows if any("stay unfilled" in cell for cell in r)]
    assert [r[0].split("(")[-1] for r in unfilled] == ["Category A: 9 seats)", "Category B: 2 seats)"]
    assert unfilled[0][5] == f"{9 - elected_a} seats stay unfilled." and unfilled[1][5] == "2 seats stay unfilled."


def test_a_result_on_the_results_pdf_stays_on_one_page_with_its_heading(client, world, tmp_path):
    """Each question's heading, its outcome and all its table's rows are on one page (the world's
    results would otherwise put the second question's "Total" row on the next page); each
    election's category heading is on the page of all its candidates."""
    from assemblies.models import Candidate

    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()
    sign_in(client, world.members[0].account)
    path = tmp_path / "results.pdf"
    path.write_bytes(client.get("/assemblies/ga-test/results.pdf").data)
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    questions = [i for i in world.assembly.items if i.kind is ItemKind.RESOLUTION]
    assert len(questions) >= 2
    for item in questions:
        title = item.text("title", "en")
        page = next(p for p in pages if title in p).split(title, 1)[1]
        assert all(words in page for words in ("Majority required", "Category A", "Category B", "Total")), (title, page)
    for category, heading in (("A", "Category A: 4 seats"), ("B", "Category B: 2 seats")):
        page = next(p for p in pages if heading in p).split(heading, 1)[1].split("seats")[0]
        names = db.session.scalars(select(Candidate.name).where(Candidate.category == category)).all()
        assert len(names) >= 4 and all(name in page for name in names), (heading, page)


def test_results_csv_cells_are_never_formulas(client, world):
    from assemblies.models import Candidate

    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    candidate = db.session.scalar(select(Candidate).where(Candidate.name == "Amélie Dubois"))
    candidate.name = '=HYPERLINK("http://evil.example","x")'
    db.session.commit()
    sign_in(client, world.members[0].account)
    response = client.get("/assemblies/ga-test/results.csv")
    csv = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "'=HYPERLINK" in csv and ";=HYPERLINK" not in csv and '"=HYPERLINK' not in csv
    assert [c for row in csv_rows(csv) for c in row if c.startswith("=")] == []


def test_a_candidate_name_longer_than_its_cell_stays_on_the_results_pdf_page(client, world, tmp_path):
    """A name of one unbroken word wraps inside its cell (the counts keep their width), not past the page's edge."""
    from assemblies.models import Candidate

    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    db.session.scalar(select(Candidate).where(Candidate.name == "Amélie Dubois")).name = "Dubois" * 25
    db.session.commit()
    sign_in(client, world.members[0].account)
    path = tmp_path / "results.pdf"
    path.write_bytes(client.get("/assemblies/ga-test/results.pdf").data)
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    words = re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', boxes)
    assert any("DuboisDubois" in word for _x, word in words)
    assert max(float(x) for x, _word in words) <= width


def test_the_roll_pages_and_searches(client, world):
    sign_in(client, world.officer)
    m = world.members[3]
    html = client.get(f"/assemblies/ga-test/roll?q={m.email}").get_data(as_text=True)
    assert f"{m.name} ({m.number})" in html and f"({world.members[0].number})" not in html
    assert "Members found: 1" in html


def test_the_roll_goes_page_by_page_in_member_number_order(client, world, monkeypatch):
    monkeypatch.setattr(queries, "ROLL_PAGE", 4)
    sign_in(client, world.officer)
    numbers = sorted(m.number for m in world.members)  # the six electors (the outsider is not one)

    def shown(page):
        html = client.get(f"/assemblies/ga-test/roll?page={page}").get_data(as_text=True)
        return [n for n in numbers if f"({n})" in html], "Next page" in html, "Previous page" in html

    assert shown(1) == (numbers[:4], True, False)
    assert shown(2) == (numbers[4:], False, True)
    assert shown(3) == ([], False, True)  # past the end: an empty page, not an error
    for hostile in ("0", "-1", "abc", "1e3", "99999999999"):
        assert client.get(f"/assemblies/ga-test/roll?page={hostile}").status_code == 400


def test_the_public_board_shows_the_result_in_words(client, world):
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()
    html = client.get("/voting/ga-test/board").get_data(as_text=True)
    assert "Approval of the annual accounts" in html and "Amélie Dubois" in html
    visible = re.sub(r"<[^>]+>", " ", html)
    for code in ("item2", "a01", "two_thirds", "ballot_order", "t1"):
        assert not re.search(rf"\b{code}\b", visible), code


def _vote_items(assembly):
    return [v for v in queries.vote_items(assembly)]


def test_the_chair_closes_the_vote_item_by_item(client, world):
    services.convene(world.assembly)
    db.session.commit()
    sign_in(client, world.officer)
    post(client, "/assemblies/ga-test/chair/open", "/assemblies/ga-test/chair")
    meeting_day(world)  # the meeting has started: the chair may close items
    first, second = _vote_items(world.assembly)[:2]
    url = f"/assemblies/ga-test/chair/items/{first['item'].id}/close"
    # a member cannot close an item, nor see its confirmation page
    sign_in(client, world.members[0].account)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    sign_in(client, world.officer)
    chair = client.get("/assemblies/ga-test/chair").get_data(as_text=True)
    assert "Close the vote on this item" in chair and url in chair
    confirm = client.get(url).get_data(as_text=True)
    assert "This cannot be undone" in confirm and "Yes, close the vote on this item" in confirm
    cast_for(world.assembly, electors(world), world.rng)  # six ballots: the minimum count of 5 is met
    db.session.commit()
    assert post(client, url, "/assemblies/ga-test/chair").status_code == 302
    db.session.expire_all()
    items = _vote_items(world.assembly)
    assert items[0]["closed"] and items[0]["counted"] == 6 and not items[1]["closed"]
    # closed once only, with a clear message and 409; the confirmation page says so too
    again = client.post(url)
    assert again.status_code == 409 and "already closed" in again.get_data(as_text=True)
    assert "already closed" in client.get(url).get_data(as_text=True)
    chair = client.get("/assemblies/ga-test/chair").get_data(as_text=True)
    assert "6 ballots count for this item." in chair
    # the projector: the closed item stops polling, the open one keeps polling
    html = client.get("/assemblies/ga-test/projector").get_data(as_text=True)
    closed = re.search(rf'<div class="vote-item closed" id="vote-item-{first["item"].id}"[^>]*>', html)
    assert closed and "hx-trigger" not in closed.group(0)
    assert re.search(rf'id="vote-item-{second["item"].id}" hx-get="[^"]+" hx-trigger="every 3s"', html)
    part = client.get(f"/assemblies/ga-test/projector/items/{first['item'].id}", headers={"HX-Request": "true"})
    assert "Vote closed" in part.get_data(as_text=True) and "hx-trigger" not in part.get_data(as_text=True)
    # a member's ballot page shows the item closed, no choice offered for it
    election = queries.election(world.assembly)
    page = client.get(f"/voting/{election.slug}/vote").get_data(as_text=True)
    fieldset = re.search(rf'<fieldset class="contest closed" data-contest="{first["contests"][0]}"[^>]*>(.*?)</fieldset>',
                         page, re.S)
    assert fieldset and "The vote on this item is closed" in fieldset.group(1) and "<input" not in fieldset.group(1)
    board = client.get(f"/voting/{election.slug}/board").get_data(as_text=True)
    assert "The vote on an item closes" in board  # the public board names the event in words
    # the final close and the tally: every item's result, the verifier agrees
    meeting_day(world)  # the meeting has started: the chair may close the vote
    assert post(client, "/assemblies/ga-test/chair/close", "/assemblies/ga-test/chair").status_code == 302
    db.session.expire_all()
    tally(db.session.scalar(select(Assembly).where(Assembly.slug == "ga-test")), world.kits)
    db.session.commit()
    from voting.record import record_document
    from voting.verify import verify_record
    import io

    report = verify_record(record_document(list(voting.iter_events(election))), workers=1, out=io.StringIO())
    assert report.ok and report.complete, report.failure
    assert voting.result(election)["outcomes"][first["contests"][0]]["turnout"] == 6


def test_closing_an_item_before_the_vote_opens_is_refused(client, world):
    sign_in(client, world.officer)
    item = _vote_items(world.assembly)[0]["item"]
    url = f"/assemblies/ga-test/chair/items/{item.id}/close"
    assert "not open" in client.get(url).get_data(as_text=True)
    refused = client.post(url)
    assert refused.status_code == 409 and "The vote is not open" in refused.get_data(as_text=True)
    info = next((i for i in world.assembly.items if i.kind.value == "information"), None)
    if info is not None:
        assert client.get(f"/assemblies/ga-test/chair/items/{info.id}/close").status_code == 404


def test_the_chair_holds_an_item_back_and_opens_it_later(client, world):
    services.convene(world.assembly)
    db.session.commit()
    sign_in(client, world.officer)
    first, second = _vote_items(world.assembly)[:2]
    # a malformed or foreign item to hold back: a clear refusal, nothing opened
    assert post(client, "/assemblies/ga-test/chair/open", "/assemblies/ga-test/chair",
                data={"hold": "x"}).status_code == 400
    assert post(client, "/assemblies/ga-test/chair/open", "/assemblies/ga-test/chair",
                data={"hold": "999999"}).status_code == 404
    assert queries.election(world.assembly).state.value == "keygen"
    chair = client.get("/assemblies/ga-test/chair").get_data(as_text=True)
    assert "Items to hold back (optional)" in chair and f'name="hold" value="{first["item"].id}"' in chair
    assert post(client, "/assemblies/ga-test/chair/open", "/assemblies/ga-test/chair",
                data={"hold": str(first["item"].id)}).status_code == 302
    db.session.expire_all()
    items = _vote_items(world.assembly)
    assert items[0]["waiting"] and not items[1]["waiting"] and not items[0]["closed"]
    url = f"/assemblies/ga-test/chair/items/{first['item'].id}/open"
    chair = client.get("/assemblies/ga-test/chair").get_data(as_text=True)
    assert "not open yet" in chair
    # only the chair (officer) opens an item
    sign_in(client, world.members[0].account)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    sign_in(client, world.officer)
    # a held item cannot be closed before it opens
    refused = client.post(f"/assemblies/ga-test/chair/items/{first['item'].id}/close")
    assert refused.status_code == 409 and "not open yet" in refused.get_data(as_text=True)
    # the projector and the ballot page say so
    part = client.get(f"/assemblies/ga-test/projector/items/{first['item'].id}", headers={"HX-Request": "true"})
    assert "Vote not open yet" in part.get_data(as_text=True) and "hx-trigger" in part.get_data(as_text=True)
    election = queries.election(world.assembly)
    page = client.get(f"/voting/{election.slug}/vote").get_data(as_text=True)
    fieldset = re.search(rf'<fieldset class="contest closed waiting" data-contest="{first["contests"][0]}"[^>]*>(.*?)</fieldset>',
                         page, re.S)
    assert fieldset and "not open yet" in fieldset.group(1) and "<input" not in fieldset.group(1)
    info = client.get(f"/voting/{election.slug}/election.json").get_json()
    assert info["held_contests"] == first["contests"] and info["closed_contests"] == []
    cast_for(world.assembly, electors(world), world.rng)  # six ballots before the item opens
    db.session.commit()
    # held back for the hall's debate: it opens no sooner than the meeting starts
    when = world.assembly.starts_at.astimezone(BRUSSELS)
    sentence = (f"The meeting starts on {when.day} {when:%B} {when.year} at {when:%H:%M}: the vote on an item held "
                "back can be opened from then.")
    chair = unescape(client.get("/assemblies/ga-test/chair").get_data(as_text=True))
    assert sentence in chair and url not in chair  # no button that can only fail
    confirm = unescape(client.get(url).get_data(as_text=True))
    assert sentence in confirm and "Yes, open the vote on this item" not in confirm
    refused = client.post(url)
    assert refused.status_code == 422 and sentence in unescape(refused.get_data(as_text=True))
    assert _vote_items(world.assembly)[0]["waiting"]
    meeting_day(world)  # the meeting has started: the chair may open the item (and close the vote)
    assert url in client.get("/assemblies/ga-test/chair").get_data(as_text=True)
    confirm = client.get(url).get_data(as_text=True)
    assert "This cannot be undone" in confirm and "Yes, open the vote on this item" in confirm
    assert post(client, url, "/assemblies/ga-test/chair").status_code == 302
    db.session.expire_all()
    assert not _vote_items(world.assembly)[0]["waiting"]
    again = client.post(url)
    assert again.status_code == 409 and "already open" in again.get_data(as_text=True)
    assert "already open" in client.get(url).get_data(as_text=True)
    never_held = client.post(f"/assemblies/ga-test/chair/items/{second['item'].id}/open")
    assert never_held.status_code == 409
    assert client.get(f"/voting/{election.slug}/election.json").get_json()["held_contests"] == []
    board = client.get(f"/voting/{election.slug}/board").get_data(as_text=True)
    assert "The vote on an item opens" in board and "Items held back at the opening" in board
    cast_for(world.assembly, electors(world)[:5], world.rng)  # five ballots after: these count for it
    db.session.commit()
    assert post(client, "/assemblies/ga-test/chair/close", "/assemblies/ga-test/chair").status_code == 302
    db.session.expire_all()
    tally(db.session.scalar(select(Assembly).where(Assembly.slug == "ga-test")), world.kits)
    db.session.commit()
    from voting.record import record_document
    from voting.verify import verify_record
    import io

    report = verify_record(record_document(list(voting.iter_events(election))), workers=1, out=io.StringIO())
    assert report.ok and report.complete, report.failure
    outcomes = voting.result(election)["outcomes"]
    assert outcomes[first["contests"][0]]["turnout"] == 5
    assert outcomes[second["contests"][0]]["turnout"] == 6


def test_opening_an_item_before_the_vote_opens_is_refused(client, world):
    sign_in(client, world.officer)
    item = _vote_items(world.assembly)[0]["item"]
    url = f"/assemblies/ga-test/chair/items/{item.id}/open"
    assert "not open" in client.get(url).get_data(as_text=True)
    refused = client.post(url)
    assert refused.status_code == 409 and "The vote is not open" in refused.get_data(as_text=True)


def test_an_election_is_called_by_its_title_in_each_reader_s_language(client, world, outbox):
    """The pages, lists and mails about an assembly's election, not only its ballot and its board."""
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    member = world.members[0]
    member.account.language = "nl"
    db.session.commit()
    election = queries.election(world.assembly)
    titles = election.definition["texts"]["title"]
    assert len({titles["fr"], titles["nl"], titles["en"]}) == 3
    el = voting.crypto_election(election)
    credential = re.search(r"/vote#([1-9A-Za-z-]+):", outbox(member.email)[0].body_text).group(1)
    ballot = encrypt_ballot(el, election.public_key, credential, {c.id: [] if c.kind != "resolution" else ["yes"]
                                                                  for c in el.contests})
    sign_in(client, member.account)
    assert client.post("/voting/ga-test/ballots", json=ballot).status_code == 201
    receipt = outbox(member.email)[-1]
    assert receipt.subject == f"Uw stembiljet staat op het prikbord: {titles['nl']}"
    sign_in(client, world.officer)
    for language in ("fr", "nl", "en"):
        client.post("/language", data={"language": language})
        for page in ("/voting/manage/ga-test", "/voting/manage/", "/voting/"):
            assert titles[language] in client.get(page).get_data(as_text=True), (language, page)


def test_a_member_outside_the_electorate_is_told_why_they_cannot_vote(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    why = "You are not in this assembly's electorate, which is the members in good standing on"
    sign_in(client, world.outsider.account)
    page = client.get("/assemblies/ga-test").get_data(as_text=True)
    assert why in page and 'href="/me/shares"' in page and "/voting/ga-test/vote" not in page
    sign_in(client, world.members[0].account)
    page = client.get("/assemblies/ga-test").get_data(as_text=True)
    assert why not in page and "/voting/ga-test/vote" in page


def test_before_the_keys_the_officer_is_told_why_nothing_can_be_sent_or_opened(client, world):
    """Between "the ballot on the board" and the scrutineers' keys, the roll and the console say what waits."""
    from datetime import datetime, timezone

    when = datetime.combine(today() + timedelta(days=9), datetime.min.time(), tzinfo=timezone.utc)
    assembly = services.create_assembly(slug="ga-waits", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=when,
                                        place="Namur", voting_opens_at=when, voting_closes_at=when + timedelta(hours=8),
                                        record_date=world.record)
    services.add_item(assembly, kind=ItemKind.RESOLUTION, titles={"fr": "Comptes", "nl": "Rekeningen", "en": "Accounts"},
                      bodies={"fr": "Premier.\n\nSecond.", "nl": "Eerste.\n\nTweede.", "en": "First.\n\nSecond."})
    services.add_item(assembly, kind=ItemKind.RESOLUTION, titles={"fr": "Résolution", "nl": "Resolutie",
                                                                  "en": "Resolution"})
    services.freeze_electorate(assembly)
    db.session.commit()
    sign_in(client, world.officer)
    home = client.get("/").get_data(as_text=True)
    assert "Put the ballot on the public board: GA" in home  # the officer's next step, on their home page
    prepare = client.get("/assemblies/ga-waits/prepare").get_data(as_text=True)
    # Putting the ballot on the board cannot be undone: the button is behind a disclosure that says so.
    assert "<summary>Put the ballot on the public board</summary>" in prepare
    assert "This cannot be undone." in prepare and "Yes, put the ballot on the public board" in prepare
    assert '<p class="pre">First.\n\nSecond.</p>' in prepare  # paragraphs kept
    # A title that says what the item's kind says is not echoed by the kind's badge.
    assert "<strong>Resolution</strong>\n" in prepare
    assert prepare.count('<span class="tag">Resolution</span>') == 1  # beside "Accounts" only
    # The scrutineers are checkboxes, named with their address, in a fieldset whose legend names them.
    boxes = re.findall(r'<input id="scrutineers-\d+" name="scrutineers" type="checkbox" value="(\d+)">', prepare)
    assert sorted(map(int, boxes)) == sorted(a.id for a in world.scrutineers)
    assert f"{world.scrutineers[0].display_name} ({world.scrutineers[0].email})" in prepare
    assert "<legend>Scrutineers</legend>" in prepare
    url = "/assemblies/ga-waits/vote/prepare"
    for data, said in (({"threshold": "1"}, "Choose at least one scrutineer."),
                       ({"scrutineers": str(world.officer.id), "threshold": "1"}, "Choose among the options listed."),
                       ({"scrutineers": "abc", "threshold": "1"}, "Choose at least one scrutineer."),
                       ({"scrutineers": str(world.scrutineers[0].id), "threshold": "0"},
                        "Enter a number of scrutineers from 1 to 20.")):
        refused = client.post(url, data=data)
        assert refused.status_code == 400 and said in refused.get_data(as_text=True), data
        assert "is not a valid choice" not in refused.get_data(as_text=True)
        assert db.session.scalar(select(Assembly.election_id).where(Assembly.id == assembly.id)) is None
    # More to decrypt together than were chosen: said beside the number, the choice kept.
    for picked, threshold, said in ((world.scrutineers[:2], "3", "At most 2: 2 scrutineers are chosen."),
                                    (world.scrutineers[:1], "2", "At most 1: 1 scrutineer is chosen."),
                                    ([world.scrutineers[0]] * 2, "2", "At most 1: 1 scrutineer is chosen.")):
        refused = client.post(url, data={"scrutineers": [a.id for a in picked], "threshold": threshold})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400 and f'<p class="error" id="threshold-error">{said}</p>' in html
        assert re.search(rf'<input checked id="scrutineers-\d+" name="scrutineers" type="checkbox" value="{picked[0].id}">', html)
        assert db.session.scalar(select(Assembly.election_id).where(Assembly.id == assembly.id)) is None
    chosen = [a.id for a in world.scrutineers]
    assert client.post(url, data={"scrutineers": chosen, "threshold": "1"}).status_code == 302
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Trustee.account_id).where(Trustee.election_id == assembly.election_id))) \
        == sorted(chosen)
    roll = client.get("/assemblies/ga-waits/roll").get_data(as_text=True)
    assert "Yes, send the convocations" not in roll
    assert "The convocations can be sent once every scrutineer has given their public key" in roll
    chair = client.get("/assemblies/ga-waits/chair").get_data(as_text=True)
    assert "The vote can be opened once every scrutineer has given their public key" in chair
    assert "Put the ballot on the public board: GA" not in client.get("/").get_data(as_text=True)


def test_the_officer_home_page_asks_for_the_convocations_until_they_are_sent(client, world):
    sign_in(client, world.officer)
    task = "Send the convocations: %s (6 members waiting)" % world.assembly.text("title", "en")
    assert task in client.get("/").get_data(as_text=True)
    services.convene(world.assembly)
    db.session.commit()
    assert "Send the convocations" not in client.get("/").get_data(as_text=True)
    member_home = client.application.test_client()
    sign_in(member_home, world.members[0].account)
    assert "Send the convocations" not in member_home.get("/").get_data(as_text=True)


def test_the_officer_home_page_leads_from_each_step_of_the_vote_to_the_next(client, world):
    """Open, chair on the day, close past the announced close, then (once the scrutineers have done
    their part) the encrypted tally and the result: each is on the officer's home page when it is due."""
    from voting.demo import partial_decryption, seal_signature
    from voting.models import Election

    title = world.assembly.text("title", "en")
    steps = {"open": f"Open the vote: {title}", "chair": f"Chair the vote at today's meeting: {title}",
             "close": f"Close the vote: {title} (the announced close has passed)",
             "tally": f"Compute the encrypted tally: {title}", "result": f"Publish the result: {title}"}

    def shown() -> set[str]:
        db.session.expire_all()
        home = unescape(client.get("/").get_data(as_text=True))
        return {step for step, words in steps.items() if words in home}

    sign_in(client, world.officer)
    assert shown() == set()  # no credential yet: the console would refuse to open (the convocations first)
    services.convene(world.assembly)
    db.session.commit()
    assert shown() == {"open"}  # the key is made, the credentials are out and remote voting has opened
    assert 'href="/assemblies/ga-test/chair"' in client.get("/").get_data(as_text=True)
    services.open_vote(world.assembly)
    db.session.commit()
    assert shown() == set()  # remote voting runs until the meeting
    meeting_day(world)
    assert shown() == {"chair"}
    world.assembly.voting_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert shown() == {"close"}
    election = db.session.get(Election, world.assembly.election_id)
    voting.close_election(election)
    db.session.commit()
    assert shown() == set()  # the scrutineers sign the seal first
    kits = list(world.kits.values())
    threshold = voting.crypto_election(election).threshold
    for kit in kits[:threshold]:
        voting.record_trustee_step(election, seal_signature(election, kit))
    db.session.commit()
    assert shown() == {"tally"}
    voting.compute_tally(election)
    db.session.commit()
    assert shown() == set()  # the scrutineers decrypt
    for kit in kits[:threshold]:
        voting.record_trustee_step(election, partial_decryption(election, kit))
    db.session.commit()
    assert shown() == {"result"}
    assert 'href="/voting/manage/ga-test"' in client.get("/").get_data(as_text=True)
    voting.publish_result(election)
    db.session.commit()
    assert shown() == set()
    member = client.application.test_client()
    sign_in(member, world.members[0].account)
    assert not any(words in member.get("/").get_data(as_text=True) for words in steps.values())


def test_on_the_day_the_door_is_on_the_staff_home_page(client, world):
    from app.clock import utcnow
    from voting.models import Election

    services.convene(world.assembly)
    services.open_vote(world.assembly)
    sign_in(client, world.staff)
    task = "Welcome members at the door: %s" % world.assembly.text("title", "en")
    assert task not in client.get("/").get_data(as_text=True)  # days before
    world.assembly.starts_at = utcnow()
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert task in home and f"/assemblies/{world.assembly.slug}/checkin" in home
    assert '<span class="hint">today</span>' in home  # not "by 29 November" on the 29th
    voting.close_election(db.session.get(Election, world.assembly.election_id))
    db.session.commit()
    assert task not in client.get("/").get_data(as_text=True)  # the door closed with the vote


def test_an_arrival_recorded_by_mistake_is_taken_back_at_the_door(client, world):
    """A mistyped number checks in someone else: the door lists its latest arrivals, each with a
    confirmed undo; the member no longer counts as present, may give a proxy again, and the audit
    log keeps both steps."""
    meeting_day(world)
    sign_in(client, world.staff)
    wrong, right = world.members[1], world.members[0]
    door = "/assemblies/ga-test/checkin"
    assert post(client, door, door, {"number": str(wrong.number)}).status_code == 302
    page = unescape(client.get(door).get_data(as_text=True))
    row = db.session.scalar(select(CheckIn).where(CheckIn.member_id == wrong.id))
    assert "Latest arrivals" in page and f"{wrong.name} ({wrong.number})" in page
    assert f'action="/assemblies/ga-test/checkin/{row.id}/undo"' in page and "Yes, take this arrival back" in page
    undo = f"/assemblies/ga-test/checkin/{row.id}/undo"
    assert post(client, undo, door).status_code == 302
    assert f"{wrong.name} is no longer checked in." in unescape(client.get(door).get_data(as_text=True))
    assert queries.turnout(world.assembly).present["total"] == 0
    again = post(client, undo, door)  # a second tab
    assert again.status_code == 404 and "This check-in was already taken back." in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "assemblies.checkin.undo")) == 1
    services.give_proxy(world.assembly, wrong, right)  # no longer present: may be represented
    db.session.commit()
    assert post(client, door, door, {"number": str(wrong.number)}).status_code == 302  # and may arrive again
    other = build_world_item_elsewhere(world)[0].assembly
    foreign = db.session.scalar(select(CheckIn).where(CheckIn.member_id == wrong.id))
    assert post(client, f"/assemblies/{other.slug}/checkin/{foreign.id}/undo", door).status_code in (404, 422)
    assert db.session.get(CheckIn, foreign.id) is not None  # another assembly's door takes nothing back here


def test_withheld_counts_read_as_unknown_not_as_rejected(client, world):
    """Two ballots of six: below the minimum count (5) nothing is decrypted; the results say the counts
    are withheld, never "majority not met", and the board names no scrutineer."""
    cast_for(world.assembly, electors(world)[:2], world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()
    sign_in(client, world.members[0].account)
    html = client.get("/assemblies/ga-test/results").get_data(as_text=True)
    assert "Majority not met." not in html and "Majority met." not in html
    board = client.get("/voting/ga-test/board").get_data(as_text=True)
    assert "Nothing was decrypted: every count is withheld." in board
    assert "Decrypted by the scrutineers: ." not in board


def test_a_category_hidden_because_of_the_other_says_so(client, world):
    cast_for(world.assembly, electors(world), world.rng)  # 4 in category A, 2 in B: totals only
    tally(world.assembly, world.kits)
    db.session.commit()
    sign_in(client, world.members[0].account)
    html = client.get("/assemblies/ga-test/results").get_data(as_text=True)
    assert "not shown by category: a category has fewer than 5 ballots" in html
    assert "fewer than 5 ballots: not shown" not in html


# -- the door: paper proxies, codes, the results' CSV ---------------------------------------------

def _field_error(html: str, field: str) -> str | None:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return unescape(found.group(1)) if found else None


def _has_autofocus(html: str, field: str) -> bool:
    tag = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', html).group(0)
    return re.search(r"\bautofocus\b", tag) is not None


def test_a_refused_paper_proxy_is_said_beside_its_field_on_the_door_page(client, world):
    giver, holder, other = world.members[0], world.members[1], world.members[2]
    services.give_proxy(world.assembly, other, holder)  # the holder's one proxy (the statutes' limit)
    meeting_day(world)  # the door's page shows its check-in form too
    sign_in(client, world.staff)
    door, url = "/assemblies/ga-test/checkin", "/assemblies/ga-test/proxies/paper"

    def proxies():
        return db.session.scalar(select(func.count(Proxy.id)))

    cases = [  # (giver, holder, status, {field: message} or the form's own message)
        ("", "", 400, {"giver_number": "This field is required.", "holder_number": "This field is required."}),
        ("abc", str(holder.number), 400, {"giver_number": "Enter a whole number."}),
        ("99999999", str(holder.number), 404, {"giver_number": "No member has this number."}),
        ("9" * 40, str(holder.number), 404, {"giver_number": "No member has this number."}),
        (str(giver.number), "-3", 404, {"holder_number": "No member has this number."}),
        (str(giver.number), str(giver.number), 400, {"holder_number": "A member cannot hold their own proxy."}),
        # At the door the refusal names the member it is about (a member's own form never does).
        (str(world.outsider.number), str(giver.number), 403,
         {"giver_number": f"{named(world.outsider)} is not in the electorate of this assembly."}),
        (str(giver.number), str(world.outsider.number), 403,
         {"holder_number": f"{named(world.outsider)} is not in the electorate of this assembly."}),
        (str(giver.number), str(holder.number), 409,
         {"holder_number": f"{named(holder)} already holds as many proxies as the statutes allow."}),
        (str(other.number), str(giver.number), 409, {"giver_number": f"A proxy already stands for {named(other)}."}),
        # The same proxy handed in twice: said as such, not as the holder's limit.
        (str(other.number), str(holder.number), 409, {"giver_number": f"A proxy already stands for {named(other)}."}),
    ]
    before = proxies()
    for giver_number, holder_number, status, errors_ in cases:
        answer = post(client, url, door, {"giver_number": giver_number, "holder_number": holder_number})
        html = answer.get_data(as_text=True)
        assert answer.status_code == status, (giver_number, holder_number, answer.status_code)
        assert 'id="checkin-form"' in html and "Standing proxies" in html  # the door's page, not an error page
        for field in ("giver_number", "holder_number"):
            assert _field_error(html, field) == errors_.get(field), (giver_number, holder_number, field)
        assert _has_autofocus(html, next(iter(errors_))) and not _has_autofocus(html, "number")
        assert proxies() == before
    # Past the deadline: said above the form (it is about neither member).
    world.assembly.proxy_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = post(client, url, door, {"giver_number": str(giver.number), "holder_number": str(world.members[4].number)})
    html = late.get_data(as_text=True)
    assert late.status_code == 422 and proxies() == before
    assert re.search(r'id="paper-proxy-error">Proxies could be given until [^<]+: the deadline has passed.</p>', html)
    assert _field_error(html, "giver_number") is None and _field_error(html, "holder_number") is None
    door_page = unescape(client.get(door).get_data(as_text=True))  # the door no longer offers the form
    assert "Proxies could be given until" in door_page and 'id="paper-proxy-form"' not in door_page
    world.assembly.proxy_deadline = None
    db.session.commit()
    asked = post(client, url, door, {"giver_number": f" {giver.number}", "holder_number": str(world.members[4].number)})
    assert asked.status_code == 200 and proxies() == before  # whom the numbers name, first
    ok = client.post(url, data={"giver_number": str(giver.number), "holder_number": str(world.members[4].number),
                                "confirmed": "1"})
    assert ok.status_code == 302 and proxies() == before + 1
    assert services.standing_proxy(world.assembly, giver.id).source is ProxySource.PAPER


def _convocation_code(mail) -> tuple[str, str, str, str]:
    """The link (what the QR code holds), its credential, the election fingerprint, and the public part."""
    link = re.search(r"^(\S+/vote#([1-9A-Za-z-]+):([0-9a-f]{64}))$", mail.body_text, re.MULTILINE)
    return link.group(1), link.group(2), link.group(3), credential_public(link.group(2))


def test_check_in_reads_the_number_the_printed_code_and_the_scanned_link(client, world, outbox):
    services.convene(world.assembly)
    meeting_day(world)
    sign_in(client, world.staff)
    door = "/assemblies/ga-test/checkin"
    page = client.get(door).get_data(as_text=True)
    assert '<label for="number">Scan the convocation\'s QR code, or type the member number or the code</label>' in page
    assert _has_autofocus(page, "number") and 'autocomplete="off"' in page
    codes = {}
    for m in world.members:
        link, credential, fingerprint, public = _convocation_code(outbox(m.email)[-1])
        codes[m.id] = dict(link=link, credential=credential, fingerprint=fingerprint, public=public)
    m = world.members
    readings = [  # what a USB scanner types (then Enter), what staff type
        (m[0], "  " + codes[m[0].id]["link"] + "\r\n"),
        (m[1], codes[m[1].id]["credential"]),  # as printed under the QR code
        (m[2], codes[m[2].id]["credential"].replace("-", "").swapcase()),  # typed with Caps Lock on
        (m[3], f'{codes[m[3].id]["credential"]}:{codes[m[3].id]["fingerprint"]}'),  # the part after #
        (m[4], codes[m[4].id]["public"].upper()),  # what the camera's page sends
        (m[5], f" {m[5].number} "),
    ]
    for member, typed in readings:
        answer = post(client, door, door, {"number": typed})
        assert answer.status_code == 302, (member.name, typed)
        after = client.get(door).get_data(as_text=True)
        assert f"{member.name} is checked in." in after and _has_autofocus(after, "number")
    assert queries.turnout(world.assembly).present["total"] == 6


def test_check_in_refuses_garbage_other_assemblies_and_replaced_codes_in_words(client, world, outbox):
    from assemblies.demo import prepared_assembly
    from voting.crypto.credential import generate_credential

    services.convene(world.assembly)
    other, _kits = prepared_assembly("ga-other", world.scrutineers, record_date=world.record,
                                     starts=today() + timedelta(days=30), actor=world.officer)
    services.convene(other)
    db.session.commit()
    member = world.members[0]
    link, credential, fingerprint, _public = _convocation_code(outbox(member.email)[0])
    other_link = _convocation_code(outbox(member.email)[-1])
    assert "/ga-other/" in other_link[0]
    services.resend_link(world.assembly, services.elector_for(world.assembly, member))  # the first link is replaced
    meeting_day(world)
    new_link = _convocation_code(outbox(member.email)[-1])[0]
    assert "/ga-test/" in new_link and new_link != link
    sign_in(client, world.staff)
    door = "/assemblies/ga-test/checkin"
    unreadable = ("This is neither a member number nor the code of a convocation: scan the QR code again, or type "
                  "the member number.")
    another = "This code comes from the convocation to another assembly: type the member number."
    garbled = _garbled(credential)
    cases = [
        ("hello world", 400, unreadable),
        ("=HYPERLINK(1)", 400, unreadable),
        (link.replace(credential, garbled), 400, unreadable),
        (link.split("#")[0], 400, unreadable),  # the address printed under the code: anyone's
        (link.replace(fingerprint, "zz"), 400, unreadable),
        ("9" * 501, 400, "This is too long for a member number or a convocation's code: scan the QR code again."),
        ("x" * 10_000, 400, "This is too long for a member number or a convocation's code: scan the QR code again."),
        ("   ", 400, "This field is required."),
        ("99999999", 404, "No member has this number."),
        ("9" * 60, 404, "No member has this number."),
        (generate_credential(), 404, "No member of this assembly has this code: type the member number."),
        ("f" * 64, 404, "No member of this assembly has this code: type the member number."),
        (other_link[0], 422, another),  # the other assembly's link
        (other_link[1], 422, another),  # its printed code
        (other_link[3], 422, another),  # its public part, from the camera
        (link.replace("/ga-test/", "/ga-else/"), 422, another),
        (link.replace(fingerprint, "0" * 64), 422, another),
        (link, 422, "This code was replaced by a newer link (a lost link or a proxy): type the member number."),
        (str(world.outsider.number), 403, f"{named(world.outsider)} is not in the electorate of this assembly. They "
                                          "may attend without voting; if this is a mistake, the election officer can "
                                          "add them to the electorate (a late correction)."),
    ]
    for typed, status, message in cases:
        answer = post(client, door, door, {"number": typed})
        html = answer.get_data(as_text=True)
        assert answer.status_code == status, (typed[:80], answer.status_code)
        assert _field_error(html, "number") == message, typed[:80]
        assert _has_autofocus(html, "number") and 'value=""' in re.search(r'<input[^>]*id="number"[^>]*>',
                                                                         html).group(0)
        assert credential not in html and other_link[1] not in html  # a secret typed is never shown back
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    assert post(client, door, door, {"number": new_link}).status_code == 302


def _garbled(credential: str) -> str:
    """The credential with its last check character mistyped, so that it is read as nothing: a digit,
    which has no other case (a letter swapped for its other case is read back as the same code), and
    one for which neither the code as typed nor with Caps Lock passes its check (about once in 1,300)."""
    for digit in "23456789":
        garbled = credential[:-1] + digit
        if garbled != credential and not any(_passes_check(reading) for reading in (garbled, garbled.swapcase())):
            return garbled
    raise AssertionError("no mistyping of this credential fails its check")


def _passes_check(text: str) -> bool:
    try:
        normalize_credential(text)
    except CredentialError:
        return False
    return True


def named(member) -> str:
    """How the door's refusals name a member."""
    return f"{member.name} (no. {member.number})"


def test_any_text_at_the_door_is_a_member_or_a_refusal_in_words(world, data_app):
    """Whatever a scanner or a keyboard gives, member_for_code answers a member or a DomainError."""
    from app.errors import DomainError, error_message

    rng = random.Random(11)
    alphabet = "0123456789abcdefABCDEF:#/-. %?=&xyzé\u00a0\t"
    services.convene(world.assembly)
    db.session.commit()
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
        try:
            services.member_for_code(world.assembly, text)
        except DomainError as exc:
            with data_app.test_request_context():
                assert error_message(exc) and "cannot be done" not in error_message(exc), type(exc)


def _csv(client, assembly):
    answer = client.get(f"/assemblies/{assembly.slug}/results.csv")
    assert answer.status_code == 200
    return csv_rows(answer.get_data(as_text=True))


def _expected_rows(assembly, lang="en"):
    """Per (item, choice or candidate): (A, B, total) read from the results the pages show."""
    out = {}
    for row in queries.results(assembly):
        title = row["item"].text("title", lang)
        if row["kind"] == "resolution":
            o = row["outcome"]
            for key, label in (("yes", "Yes"), ("no", "No"), ("abstain", "Abstain")):
                out[(title, label)] = (getattr(o.per_category["A"], key), getattr(o.per_category["B"], key),
                                       getattr(o.total, key))
        else:
            for g in row["groups"]:
                n = g["seat"].seats
                seats = f"{title} (Category {g['category']}: {n} seat{'s' if n != 1 else ''})"  # each category's own
                for r in g["seat"].ranking:
                    out[(seats, g["by_choice"][r.choice].name)] = (*g["per_category"][r.choice], r.votes)
    return out


def test_the_results_csv_gives_each_category_when_the_record_publishes_it(client):
    world = build_world(min_count=2)  # 4 ballots in category A, 2 in B: both at least the minimum count
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()
    sign_in(client, world.members[0].account)
    header, *rows = _csv(client, world.assembly)
    assert header == ["Item", "Choice or candidate", "Category A", "Category B", "Total", "Outcome", "Note"]
    expected = _expected_rows(world.assembly)
    assert len(rows) == len(expected) == 3 * 3 + 11
    for item, choice, a, b, total, outcome, note in rows:
        assert (int(a), int(b), int(total)) == expected[(item, choice)], (item, choice)
        assert int(a) + int(b) == int(total) and outcome and note == ""
    votes_a = sum(int(r[2]) for r in rows if r[0] == "Discharge of the directors")
    assert votes_a == 4  # every ballot of category A answers each resolution once


def test_the_results_csv_says_in_words_which_counts_are_withheld_in_the_reader_s_language(client, world):
    """The count columns hold numbers only (a spreadsheet sums them): a withheld count is an empty
    cell, and the last column says why, in the reader's language."""
    cast_for(world.assembly, electors(world), world.rng)  # 2 ballots in category B, fewer than 5: totals only
    tally(world.assembly, world.kits)
    db.session.commit()
    sign_in(client, world.members[0].account)
    header, *rows = _csv(client, world.assembly)
    expected = _expected_rows(world.assembly)
    hidden = "not shown by category: a category has fewer than 5 ballots"
    for item, choice, a, b, total, outcome, note in rows:
        assert (a, b, note) == ("", "", hidden), (item, choice)
        assert int(total) == expected[(item, choice)][2] and outcome
    world.members[0].account.language = "fr"
    db.session.commit()
    header, *rows = _csv(client, world.assembly)
    assert header == ["Point", "Choix ou candidat", "Catégorie A", "Catégorie B", "Total", "Résultat", "Note"]
    assert {r[6] for r in rows} == {"pas affiché par catégorie\u00a0: une catégorie a moins de 5 bulletins"}


def test_the_results_csv_withholds_every_count_below_the_minimum_in_words(client, world):
    cast_for(world.assembly, electors(world)[:2], world.rng)  # 2 ballots of 6: nothing is decrypted
    tally(world.assembly, world.kits)
    db.session.commit()
    sign_in(client, world.members[0].account)
    header, *rows = _csv(client, world.assembly)
    assert len(rows) == 3 * 3 + 11
    for item, choice, a, b, total, outcome, note in rows:
        assert [a, b, total, note] == ["", "", "", "fewer than 5 ballots: not shown"], (item, choice)
        assert outcome == "Withheld: fewer ballots than the minimum count", (item, choice)  # not "Not elected"


def test_checking_in_a_member_who_gave_a_proxy_says_the_proxy_stands(client, world):
    giver, holder = world.members[0], world.members[1]
    services.give_proxy(world.assembly, giver, holder)
    meeting_day(world)
    sign_in(client, world.staff)
    post(client, "/assemblies/ga-test/checkin", "/assemblies/ga-test/checkin", {"number": str(giver.number)})
    page = client.get("/assemblies/ga-test/checkin").get_data(as_text=True)
    assert f"{giver.name} is checked in. Their proxy to {holder.name} stands" in unescape(page)


def test_the_proxy_deadline_is_said_before_and_the_form_is_gone_after(client, world, outbox):
    """The page and the convocation say until when a proxy can be given; once that moment has passed the
    page says so instead of offering a form that could only be refused."""
    from datetime import datetime

    world.assembly.proxy_deadline = datetime(2099, 12, 30, 11, 0, tzinfo=timezone.utc)  # noon in Brussels
    services.convene(world.assembly)
    db.session.commit()
    member = world.members[0]
    (convocation,) = [m for m in outbox(member.email) if m.subject.startswith("Convocation")]
    assert "you can give your proxy to another member until 30 December 2099, 12:00" in convocation.body_text
    sign_in(client, member.account)
    page = unescape(client.get("/assemblies/ga-test").get_data(as_text=True))
    assert "you can give your proxy to another member until 30 December 2099, 12:00" in page
    assert "Give my proxy" in page
    world.assembly.proxy_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = unescape(client.get("/assemblies/ga-test").get_data(as_text=True))
    assert "Proxies could be given until" in page and "Give my proxy" not in page
    refused = post(client, "/assemblies/ga-test/proxy", "/assemblies/ga-test",
                   {"holder_number": str(world.members[1].number), "confirmed": "1"})
    assert refused.status_code in (403, 409, 422) and "the deadline has passed" in refused.get_data(as_text=True)


def test_the_door_and_the_member_s_page_say_why_a_proxy_cannot_be_given(client, world):
    giver, holder, present, other = world.members[0], world.members[1], world.members[2], world.members[3]
    world.assembly.proxy_limit = 2
    services.convene(world.assembly)
    services.give_proxy(world.assembly, giver, holder)
    meeting_day(world)
    services.check_in(world.assembly, present)
    db.session.commit()
    sign_in(client, world.staff)
    door, url = "/assemblies/ga-test/checkin", "/assemblies/ga-test/proxies/paper"
    cases = [
        (present, other, "giver_number", f"{named(present)} is checked in: present, they vote themselves (a proxy is "
                                         "for a member who is absent)."),
        (holder, other, "giver_number", f"{named(holder)} holds the proxies of other members, so cannot give their "
                                        "own: a proxy is not passed on."),
        (other, giver, "holder_number", f"{named(giver)} has given their own proxy, so cannot hold another: a proxy "
                                        "is not passed on."),
    ]
    for from_, to, field, message in cases:
        answer = post(client, url, door, {"giver_number": str(from_.number), "holder_number": str(to.number)})
        assert answer.status_code == 409, (from_.name, to.name)
        assert _field_error(answer.get_data(as_text=True), field) == message
    assert db.session.scalar(select(func.count(Proxy.id))) == 1
    for member, sentence in ((present, "You are checked in at the assembly: you vote yourself"),
                             (holder, "As long as you hold the proxies of other members, you cannot give your own")):
        sign_in(client, member.account)
        page = unescape(client.get("/assemblies/ga-test").get_data(as_text=True))
        assert sentence in page and "Give my proxy" not in page
        refused = post(client, "/assemblies/ga-test/proxy", "/assemblies/ga-test",
                       {"holder_number": str(other.number), "confirmed": "1"})
        assert refused.status_code == 409
    sign_in(client, other.account)
    assert "Give my proxy" in client.get("/assemblies/ga-test").get_data(as_text=True)


def test_removing_a_member_from_the_electorate_needs_a_reason_said_on_the_roll(client, world):
    """The browser's "required" lets a reason of spaces through: the roll comes back saying whom it is
    about and why, instead of a bare "bad request"; with a reason, the member is removed."""
    sign_in(client, world.officer)
    elector = electors(world)[0]
    url, page = f"/assemblies/ga-test/electorate/{elector.id}/remove", "/assemblies/ga-test/roll"
    blank = post(client, url, page, {"reason": "   "})
    text = unescape(blank.get_data(as_text=True))
    assert blank.status_code == 400 and f"{elector.member.name} stays in the electorate: say why" in text
    db.session.refresh(elector)
    assert elector.removed_at is None
    assert post(client, url, page, {"reason": "Deceased"}).status_code == 302
    db.session.refresh(elector)
    assert elector.removed_at is not None and elector.correction_reason == "Deceased"


def test_a_member_who_applied_again_votes_through_the_membership_in_the_electorate(client, world, outbox):
    """A former member who applied again after the record date has a new membership, not in this
    electorate: signed in, their home page, the assembly's page and the ballot take the membership the
    record date found, whose link they received, and its vote counts once."""
    from shares.models import Category
    from shares.services import rejoin_member

    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    old = world.members[0]
    new = rejoin_member(old, Category.A)
    db.session.commit()
    assert services.elector_for(world.assembly, new) is None
    sign_in(client, old.account)
    assert "Vote: General assembly" in client.get("/").get_data(as_text=True)
    assert ">Vote<" in client.get("/assemblies/ga-test").get_data(as_text=True)
    assert "You are not among the voters" not in client.get("/voting/ga-test/vote").get_data(as_text=True)
    # The proxy the person gives, and takes back, is the elector's: the membership that votes.
    holder = world.members[1]
    assert post(client, "/assemblies/ga-test/proxy", "/assemblies/ga-test",
                {"holder_number": str(holder.number), "confirmed": "1"}).status_code == 302
    assert services.standing_proxy(world.assembly, old.id) is not None
    assert "holds your proxy" in client.get("/assemblies/ga-test").get_data(as_text=True)
    assert post(client, "/assemblies/ga-test/proxy/end", "/assemblies/ga-test").status_code == 302
    assert services.standing_proxy(world.assembly, old.id) is None
    private = re.search(r"/vote#([1-9A-Za-z-]+):", outbox(old.account.email)[-1].body_text).group(1)
    answer = client.get(f"/voting/ga-test/credentials/{credential_public(private)}")
    assert answer.status_code == 200 and answer.get_json()["proxy_of"] is None
    election = queries.election(world.assembly)
    el = voting.crypto_election(election)
    ballot = encrypt_ballot(el, election.public_key, private, {c.id: [] if c.kind == "board" else ["yes"]
                                                              for c in el.contests})
    assert client.post("/voting/ga-test/ballots", json=ballot).status_code == 201
    assert services.has_voted(world.assembly, old.id)
    assert "Vote again: General assembly" in client.get("/").get_data(as_text=True)


def test_the_door_finds_a_member_by_name_who_has_neither_convocation_nor_number(client, world):
    found, other = world.members[1], world.members[2]
    found.first_name, found.last_name = "Anaïs", "Lefèvre-Dubois"
    db.session.commit()
    meeting_day(world)
    sign_in(client, world.officer)  # the officer may not open staff's member search
    door = client.get("/assemblies/ga-test/checkin?name=lefevre  ANAIS").get_data(as_text=True)
    assert f"Anaïs Lefèvre-Dubois ({found.number}, Bruxelles)" in unescape(door)
    assert "Check in Anaïs Lefèvre-Dubois" in unescape(door) and other.name not in door.split('id="door-search"')[1]
    ok = post(client, "/assemblies/ga-test/checkin", "/assemblies/ga-test/checkin", {"number": str(found.number)})
    assert ok.status_code == 302
    again = unescape(client.get("/assemblies/ga-test/checkin?name=lefèvre").get_data(as_text=True))
    assert "checked in at" in again and "Check in Anaïs" not in again
    # Outside the electorate, a name nobody has, an e-mail address (door staff may not learn whose it is),
    # and what a hostile hand types: said, never a 500.
    for typed in (world.outsider.last_name, "Nobody Here", found.account.email, "example.be", "%", "_", "\\",
                  "'; drop table x; --"):
        page = client.get("/assemblies/ga-test/checkin", query_string={"name": typed})
        assert page.status_code == 200
        assert "No member of this assembly's electorate has that name." in unescape(page.get_data(as_text=True)), typed
    too_long = client.get("/assemblies/ga-test/checkin", query_string={"name": "x" * 101})
    assert too_long.status_code == 200 and "No member of this" not in too_long.get_data(as_text=True)
