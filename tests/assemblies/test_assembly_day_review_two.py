"""A second review of the assembly day: the officer's steps due by the last day of the notice,
names typed twice with other spaces, direction marks in signed text, an invisible place, charts under
their category, Dutch wording, an agenda item added twice, and a vote closed early."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.clock import BRUSSELS, today
from app.extensions import db
from app.models import Role
from app.web import format_moment
from assemblies import errors, rules, services, tasks
from assemblies.demo import cast_for, tally
from assemblies.models import AgendaItem, Assembly, Elector, Gender, ItemKind
from shares.models import Category
from tests.assemblies.test_assembly_minutes import _signed
from tests.assemblies.test_assembly_views import electors
from tests.assemblies.world import meeting_day
from tests.factories import make_account, sign_in
from voting.models import Election


def test_the_officer_steps_before_the_convocations_are_due_by_the_last_day_of_the_notice(app, world):
    """The ballot on the board and the convocations are due by the last convocation day (CSA art. 6:70),
    not by the opening of the remote vote, days later."""
    starts = datetime.combine(today() + timedelta(days=30), time(14), tzinfo=BRUSSELS)
    waits = services.create_assembly(slug="ga-waits", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=starts,
                                     place="Namur", voting_opens_at=starts - timedelta(days=10),
                                     voting_closes_at=starts + timedelta(hours=4), record_date=world.record)
    services.add_item(waits, kind=ItemKind.RESOLUTION, titles={"fr": "Comptes", "nl": "Rekeningen", "en": "Accounts"})
    services.freeze_electorate(waits)
    db.session.commit()
    with app.test_request_context():
        due = {t.title.split(":")[0]: t.due for t in tasks.officer_tasks(world.officer)}
    last = rules.last_convocation_day(starts, 15)
    assert last == today() + timedelta(days=15)
    assert due["Put the ballot on the public board"] == last
    assert due["Send the convocations"] == rules.last_convocation_day(world.assembly.starts_at, 15)
    assert services.last_convocation_day(waits) == last


WHEN = datetime(2027, 6, 20, 12, tzinfo=timezone.utc)


def _draft(slug: str = "ga-draft"):
    """An assembly whose agenda may still change, with a board election."""
    assembly = services.create_assembly(slug=slug, titles={"fr": " AG  2027 ", "nl": "AV\u00a02027", "en": "GA 2027"},
                                        starts_at=WHEN, place="  Namur \u2003 centre ", voting_opens_at=WHEN,
                                        voting_closes_at=WHEN.replace(hour=18), record_date=date(2027, 6, 1))
    board = services.add_item(assembly, kind=ItemKind.BOARD, titles={"fr": "Conseil", "nl": "Raad", "en": "Board"})
    db.session.commit()
    return assembly, board


def test_a_candidate_typed_again_with_other_spaces_is_the_same_person(client, db):
    assembly, board = _draft()
    assert (assembly.title_fr, assembly.title_nl, assembly.place) == ("AG 2027", "AV 2027", "Namur centre")
    first = services.add_candidate(board, category=Category.A, name="  Jan \u00a0 Peeters\t", gender=Gender.MAN)
    assert first.name == "Jan Peeters"  # kept with one space, as it is printed on the ballot
    for again in ("jan   PEETERS", " Jan  Peeters ", "Jan\u2003Peeters", "Jan\u202fpeeters"):
        with pytest.raises(errors.CandidateTwice):
            services.add_candidate(board, category=Category.B if "\u2003" in again else Category.A, name=again,
                                   gender=Gender.MAN)
    secretary = make_account(roles=(Role.SECRETARY,), email="secretary@example.be")
    sign_in(client, secretary)
    refused = client.post(f"/assemblies/ga-draft/items/{board.id}/candidates",
                          data={"name": "jan   PEETERS", "category": "A", "gender": "man"})
    assert refused.status_code == 409
    assert "Jan Peeters is already a candidate on this item" in unescape(refused.get_data(as_text=True))
    db.session.expire_all()
    assert [c.name for c in db.session.get(AgendaItem, board.id).candidates] == ["Jan Peeters"]


DIRECTION_REFUSED = "A text cannot contain direction marks"


@pytest.mark.parametrize("mark", ["\u202e", "\u2067", "\u200f"])
def test_a_correction_of_signed_minutes_or_a_late_addition_reason_cannot_turn_its_text(client, world, mark):
    """What lands in a signed document reads as it is kept: a direction mark is refused beside its field."""
    minutes = _signed(world)
    sign_in(client, world.secretary)
    answer = client.post("/assemblies/ga-test/minutes/corrections", data={"text": f"Item 1: {mark}17:45"})
    assert answer.status_code == 400 and DIRECTION_REFUSED in unescape(answer.get_data(as_text=True))
    db.session.refresh(minutes)
    assert minutes.corrections == []
    added = client.post("/assemblies/ga-test/electorate/add",
                        data={"number": str(world.outsider.number), "reason": f"{mark}Paid on time", "confirmed": "1"})
    assert added.status_code == 400 and DIRECTION_REFUSED in unescape(added.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.scalar(select(Elector.id).where(Elector.member_id == world.outsider.id)) is None


def _new_assembly_form(**changed) -> dict[str, str]:
    day = (today() + timedelta(days=30)).isoformat()
    return {"slug": "ag-2027", "title_fr": "AG 2027", "title_nl": "AV 2027", "title_en": "GA 2027",
            "starts_at": f"{day}T14:00", "place": "Namur", "voting_opens_at": f"{day}T09:00",
            "voting_closes_at": f"{day}T18:00", "record_date": today().isoformat(), "quorum_percent": "10",
            "proxy_limit": "1", "min_count": "5", "tie_rule": "lot", **changed}


@pytest.mark.parametrize("place, said", [("\u200b\u200b", "This field is required."),
                                         (" \u00a0 ", "This field is required."),
                                         ("Namur\u202e", "cannot contain direction marks")])
def test_a_place_of_invisible_characters_is_no_place(client, world, place, said):
    sign_in(client, world.secretary)
    refused = client.post("/assemblies/new", data=_new_assembly_form(place=place))
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and 'id="place-error"' in html and said in html
    assert db.session.scalar(select(Assembly.id).where(Assembly.slug == "ag-2027")) is None


def _between(html: str, start: str, end: str | None) -> str:
    after = html[html.index(start):]
    return after[:after.index(end)] if end else after


def test_each_category_s_chart_is_drawn_under_its_own_heading(client, world):
    """A board election whose category B nobody stood for: category A's chart under category A, captioned
    with it, and nothing under category B (on the results page and on the projector)."""
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    board = next(i for i in world.assembly.items if i.kind is ItemKind.BOARD)
    for candidate in [c for c in board.candidates if c.category.value == "B"]:
        db.session.delete(candidate)
    db.session.commit()
    sign_in(client, world.members[0].account)
    for url in ("/assemblies/ga-test/results", f"/assemblies/ga-test/projector?item={board.id}"):
        html = unescape(client.get(url).get_data(as_text=True))
        under_a = _between(html, "Category A: ", "Category B: ")
        under_b = _between(html, "Category B: ", "</section>")
        assert "<svg" in under_a and "Votes in category A" in under_a, url
        assert "Nobody stood for these seats." in under_b and "<svg" not in under_b, url


def test_the_assembly_pages_read_as_dutch_is_written(client, world):
    """The console's close says "ongedaan gemaakt", the state follows "Toestand:" (not capitalised mid-sentence),
    a number out of range is said in our words, a correction is "Opgesteld door"."""
    world.officer.language = world.secretary.language = "nl"
    db.session.commit()
    services.convene(world.assembly)
    db.session.commit()
    sign_in(client, world.officer)
    assert client.post("/assemblies/ga-test/chair/open").status_code == 302
    meeting_day(world)
    console = unescape(client.get("/assemblies/ga-test/chair").get_data(as_text=True))
    assert "Dit kan niet ongedaan worden gemaakt: elk stembiljet" in console
    assert "op één stembiljet. Toestand: Open." in console and "(toestand:" not in console
    prepare = unescape(client.get("/assemblies/ga-test/prepare").get_data(as_text=True))
    assert "Het stembiljet staat op het publieke prikbord. Toestand: " in prepare and "(toestand:" not in prepare
    sign_in(client, world.secretary)
    refused = client.post("/assemblies/new", data=_new_assembly_form(quorum_percent="150", proxy_limit="11"))
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "Nummer moet" not in html
    assert "Vul een percentage van 0 tot 100 in." in html and "Vul een aantal volmachten van 0 tot 10 in." in html


def test_a_correction_of_the_minutes_says_who_wrote_it(client, world):
    _signed(world)
    world.secretary.language = "nl"
    db.session.commit()
    sign_in(client, world.secretary)
    assert client.post("/assemblies/ga-test/minutes/corrections", data={"text": "Punt 1: 17:45."}).status_code == 302
    page = unescape(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    assert f"Opgesteld door {world.secretary.display_name}." in page and "Gedaan door" not in page


def test_an_agenda_item_sent_twice_is_added_once(client, db):
    """A double click on "add an agenda item": the second post is refused with a clear message (also for the
    title typed again in other case or spaces), and the database holds one item whatever the timing."""
    assembly, board = _draft("ga-twice")
    secretary = make_account(roles=(Role.SECRETARY,), email="secretary@example.be")
    sign_in(client, secretary)
    item = {"kind": "resolution", "title_fr": "Comptes 2026", "title_nl": "Rekeningen 2026",
            "title_en": "Accounts 2026", "majority": "simple", "seats_a": "0", "seats_b": "0"}
    assert client.post("/assemblies/ga-twice/items", data=item).status_code == 302
    for again in (item, {**item, "title_en": "accounts  2026", "title_fr": "Autre"}):
        refused = client.post("/assemblies/ga-twice/items", data=again)
        html = unescape(refused.get_data(as_text=True))
        assert refused.status_code == 409 and "is already on the agenda: an item is listed once." in html
    db.session.expire_all()
    assert [i.title_en for i in db.session.get(Assembly, assembly.id).items] == ["Board", "Accounts 2026"]
    with pytest.raises(IntegrityError):  # the database holds it too (two requests at once)
        with db.session.begin_nested():
            db.session.add(AgendaItem(assembly_id=assembly.id, position=9, kind=ItemKind.RESOLUTION,
                                      title_fr="Comptes 2026", title_nl="x", title_en="y"))
            db.session.flush()


def test_the_assembly_page_says_the_vote_closed_early_and_when(client, world):
    services.convene(world.assembly)
    db.session.commit()
    sign_in(client, world.officer)
    assert client.post("/assemblies/ga-test/chair/open").status_code == 302
    meeting_day(world)  # the vote was announced until the end of the day
    announced = world.assembly.voting_closes_at
    assert client.post("/assemblies/ga-test/chair/close").status_code == 302
    db.session.expire_all()
    closed_at = db.session.get(Election, world.assembly.election_id).closed_at
    assert closed_at < announced
    sign_in(client, world.members[0].account)
    with client.application.test_request_context():
        when, until = format_moment(closed_at, "long"), format_moment(announced, "long")
    page = unescape(client.get("/assemblies/ga-test").get_data(as_text=True))
    assert f"the vote closed early, on {when} (it was announced until {until})" in page
    assert f" to {until}" not in page
