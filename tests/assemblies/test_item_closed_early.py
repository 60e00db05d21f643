"""An agenda item whose vote the chair closed before the general close: its counts are those of that
moment (ballots cast later count for the other items only), and the results page, the results PDF
and the minutes (page and PDF) say, in words, when it was closed."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.clock import BRUSSELS
from app.extensions import db
from assemblies import minutes as minutes_service, queries, services
from assemblies.demo import cast_for, tally
from assemblies.models import Elector, ItemKind
from tests.assemblies.world import build_world, meeting_day
from tests.factories import csv_rows, pdf_text, sign_in
from voting import services as voting

SAID = {"en": "The vote on this item was closed at {time}, before the general close of the vote: "
              "only the ballots cast before then count for it.",
        "fr": "Le vote sur ce point a été clôturé à {time}, avant la clôture générale du vote : "
              "seuls les bulletins déposés avant cette heure comptent pour ce point.",
        "nl": "De stemming over dit punt werd om {time} afgesloten, vóór de algemene sluiting van de stemming: "
              "alleen de stembiljetten die daarvoor zijn uitgebracht, tellen voor dit punt."}


@pytest.fixture
def world():
    return build_world(min_count=1)  # three ballots are shown: the point is which ones count


def _electors(w):
    return list(db.session.scalars(select(Elector).where(Elector.assembly_id == w.assembly.id).order_by(Elector.id)))


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).replace("\u202f", " ").replace("\u00a0", " ")


def _pdf_text(client, url, tmp_path) -> str:
    answer = client.get(url)
    assert answer.status_code == 200
    text = pdf_text(answer.data, tmp_path, layout=False)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))


def _closed_early_and_tallied(w):
    """Three ballots, the first resolution closed, three more ballots, then the general close and the
    result. Returns the closed item and the time its close was recorded (Brussels)."""
    services.convene(w.assembly)
    services.open_vote(w.assembly)
    db.session.commit()
    meeting_day(w)
    electors = _electors(w)
    cast_for(w.assembly, electors[:3], w.rng)
    item = next(i for i in w.assembly.items if i.kind is ItemKind.RESOLUTION)
    services.close_item(w.assembly, item)
    cast_for(w.assembly, electors[3:], w.rng)
    at = voting.item_closes(queries.election(w.assembly))[item.contest_id]["at"]
    tally(w.assembly, w.kits)
    db.session.commit()
    return item, at.astimezone(BRUSSELS).strftime("%H:%M")


def test_the_counts_of_an_item_closed_early_are_those_of_its_close(world):
    item, _ = _closed_early_and_tallied(world)
    rows = {row["item"].id: row for row in queries.results(world.assembly)}
    closed = rows[item.id]["outcome"].total
    assert closed.yes + closed.no + closed.abstain == 3  # the three ballots cast after its close do not count
    others = [row for row in rows.values() if row["kind"] == "resolution" and row["item"].id != item.id]
    assert others and all(r["outcome"].total.yes + r["outcome"].total.no + r["outcome"].total.abstain == 6
                          for r in others)
    assert rows[item.id]["closed_early"]["meeting_day"]
    assert all(row["closed_early"] is None for row in rows.values() if row["item"].id != item.id)


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_results_page_and_pdf_say_when_an_item_was_closed(client, world, tmp_path, language):
    item, time = _closed_early_and_tallied(world)
    world.members[0].account.language = language
    db.session.commit()
    sign_in(client, world.members[0].account)
    sentence = SAID[language].format(time=time)
    page = _text(client.get("/assemblies/ga-test/results").get_data(as_text=True))
    assert page.count(sentence) == 1, page
    # Said under the closed item's title, before the next item's.
    titles = [i.text("title", language) for i in world.assembly.items if i.kind is not ItemKind.INFORMATION]
    assert page.index(item.text("title", language)) < page.index(sentence) < page.index(titles[1])
    assert sentence in _pdf_text(client, "/assemblies/ga-test/results.pdf", tmp_path)


def test_the_minutes_say_when_an_item_was_closed_with_the_date_if_not_the_meetings_day(client, world, tmp_path):
    item, time = _closed_early_and_tallied(world)
    draft = minutes_service.start_minutes(world.assembly, actor=world.secretary)
    minutes_service.save_minutes(draft, version=draft.version, chair="Anne Lemaire", secretary="Bruno Peeters",
                                 tellers="", opening="", closing="", notes={})
    minutes_service.sign_minutes(draft, version=draft.version, actor=world.secretary)
    db.session.commit()
    sign_in(client, world.members[0].account)
    sentence = SAID["en"].format(time=time)
    page = _text(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    assert page.count(sentence) == 1
    assert sentence in _pdf_text(client, "/assemblies/ga-test/minutes.pdf", tmp_path)
    # A meeting held the day before (it ran past midnight): the close is dated.
    world.assembly.starts_at -= timedelta(days=1)
    db.session.commit()
    page = _text(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    assert sentence not in page
    at = voting.item_closes(queries.election(world.assembly))[item.contest_id]["at"].astimezone(BRUSSELS)
    dated = (f"The vote on this item was closed on {at.day} {at:%B %Y} at {time}, before the general close of "
             "the vote: only the ballots cast before then count for it.")
    assert dated in page
    assert dated in _pdf_text(client, "/assemblies/ga-test/minutes.pdf", tmp_path)


def _csv_notes(client):
    """The results CSV's rows as (item, note), in the signed-in reader's language."""
    answer = client.get("/assemblies/ga-test/results.csv")
    assert answer.status_code == 200
    header, *rows = csv_rows(answer.get_data(as_text=True))
    return [(row[0], row[-1]) for row in rows]


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_results_csv_says_when_an_item_was_closed_in_words(client, world, language):
    """Each line of the closed item says it, in the reader's language; the others say nothing of it."""
    item, time = _closed_early_and_tallied(world)
    world.members[0].account.language = language
    db.session.commit()
    sign_in(client, world.members[0].account)
    sentence = SAID[language].format(time=time).replace(" :", "\u00a0:")  # French spacing: a no-break space
    notes = _csv_notes(client)
    title = item.text("title", language)
    assert [note for item_title, note in notes if item_title == title] == [sentence] * 3  # yes, no, abstain
    assert all(note == "" for item_title, note in notes if item_title != title)


def test_the_results_csv_dates_a_close_on_another_day_in_words(client, world):
    item, time = _closed_early_and_tallied(world)
    world.assembly.starts_at -= timedelta(days=1)  # the meeting ran past midnight
    db.session.commit()
    sign_in(client, world.members[0].account)
    at = voting.item_closes(queries.election(world.assembly))[item.contest_id]["at"].astimezone(BRUSSELS)
    dated = (f"The vote on this item was closed on {at.day} {at:%B %Y} at {time}, before the general close of "
             "the vote: only the ballots cast before then count for it.")
    notes = {note for title, note in _csv_notes(client) if title == item.text("title", "en")}
    assert notes == {dated}
    assert not re.search(r"\d{4}-\d{2}-\d{2}", dated)  # no ISO date


def test_the_results_csv_gives_both_notes_when_a_closed_item_s_counts_are_withheld(client):
    """Fewer ballots than the minimum count on the closed item: why the counts are empty, then when it closed."""
    world = build_world(min_count=4)  # the closed item counts 3 ballots
    item, time = _closed_early_and_tallied(world)
    sign_in(client, world.members[0].account)
    notes = {note for title, note in _csv_notes(client) if title == item.text("title", "en")}
    assert notes == {"fewer than 4 ballots: not shown; " + SAID["en"].format(time=time)}
    world.members[0].account.language = "fr"
    db.session.commit()
    notes = {note for title, note in _csv_notes(client) if title == item.text("title", "fr")}
    french = SAID["fr"].format(time=time).replace(" :", "\u00a0:")
    assert notes == {"moins de 4 bulletins\u00a0: non affiché\u202f; " + french}


@pytest.mark.parametrize("language, quorum", [
    ("en", "Quorum: 1 member taking part needed; 6 took part."),
    ("fr", "Quorum : 1 sociétaire participant requis ; 6 ont participé."),
    ("nl", "Quorum: 1 deelnemend lid vereist; 6 namen deel."),
])
def test_the_quorum_is_said_in_the_singular_for_one(client, world, language, quorum):
    world.assembly.quorum_percent = 1  # of six electors: one member taking part is enough
    _closed_early_and_tallied(world)
    world.members[0].account.language = language
    db.session.commit()
    sign_in(client, world.members[0].account)
    assert quorum in _text(client.get("/assemblies/ga-test/results").get_data(as_text=True))


def test_the_results_csv_of_no_assembly_or_no_result_is_not_found(client, world):
    sign_in(client, world.members[0].account)
    for slug in ("nope", "ga-test%00", "x" * 5000, "ga-test\u200b"):
        assert client.get(f"/assemblies/{slug}/results.csv").status_code in (400, 404), slug
    assert client.get("/assemblies/ga-test/results.csv").status_code == 404  # not tallied yet
    page = client.get("/assemblies/ga-test/results")
    assert page.status_code == 404
    assert "The results of this assembly are not published yet" in page.get_data(as_text=True)


def _quorum_world(w, before_close, after_close):
    """Quorum 60 % of six electors (four members taking part needed). ``before_close(electors)`` and
    ``after_close(electors)`` run around the close of the first resolution; then the others vote and
    the result is tallied. Returns the result rows by item id and the closed item."""
    w.assembly.quorum_percent = 60
    services.convene(w.assembly)
    services.open_vote(w.assembly)
    db.session.commit()
    meeting_day(w)
    electors = _electors(w)
    before_close(electors)
    item = next(i for i in w.assembly.items if i.kind is ItemKind.RESOLUTION)
    services.close_item(w.assembly, item)
    after_close(electors)
    tally(w.assembly, w.kits)
    db.session.commit()
    return {row["item"].id: row for row in queries.results(w.assembly)}, item


def test_an_item_closed_early_counts_its_quorum_at_its_close(world):
    def before(electors):
        cast_for(world.assembly, electors[:2], world.rng)
        services.check_in(world.assembly, electors[5].member)  # in the hall before the close: takes part

    def after(electors):
        cast_for(world.assembly, electors[2:4], world.rng)  # too late for the closed item
        services.check_in(world.assembly, electors[4].member)  # arrived after its close

    rows, item = _quorum_world(world, before, after)
    closed = rows[item.id]["outcome"]
    assert (closed.quorum, closed.participants, closed.quorum_met, closed.adopted) == (4, 3, False, False)
    others = [r["outcome"] for r in rows.values() if r["kind"] == "resolution" and r["item"].id != item.id]
    # The items still open at the end count the whole meeting: four ballots and two members in the hall.
    assert others and all(o.participants == 6 and o.quorum_met for o in others)
    assert queries.turnout(world.assembly).participants == 6


def test_a_proxy_standing_at_the_close_counts_and_one_ended_before_does_not(world):
    def before(electors):
        cast_for(world.assembly, electors[:2], world.rng)
        services.give_proxy(world.assembly, electors[2].member, electors[0].member)  # stands at the close
        services.give_proxy(world.assembly, electors[3].member, electors[1].member)
        services.end_proxy(world.assembly, electors[3].member)  # taken back before the close
        services.check_in(world.assembly, electors[5].member)

    rows, item = _quorum_world(world, before, lambda electors: None)
    closed = rows[item.id]["outcome"]
    assert (closed.participants, closed.quorum_met) == (4, True)


def test_members_added_to_the_electorate_after_an_item_closed_do_not_move_its_quorum(world):
    """Four of six electors took part when the item closed: 60 % met. Two members a late correction adds
    afterwards were not entitled to vote on it: its quorum stays counted out of six (out of eight, five
    would be needed); the items still open count them."""
    from tests.factories import give_paid_share, make_member_obj

    def before(electors):
        cast_for(world.assembly, electors[:4], world.rng)

    def after(electors):
        late = [world.outsider, make_member_obj()]
        for member in late:
            give_paid_share(member)
            services.add_elector_late(world.assembly, member, "payment booked late", actor=world.officer)

    rows, item = _quorum_world(world, before, after)
    closed = rows[item.id]["outcome"]
    assert (closed.quorum, closed.participants, closed.quorum_met) == (4, 4, True)
    others = [r["outcome"] for r in rows.values() if r["kind"] == "resolution" and r["item"].id != item.id]
    assert others and all(o.quorum == 5 for o in others)
    assert queries.turnout(world.assembly).electorate["total"] == 8


@pytest.mark.parametrize("language, said", [
    ("en", "Quorum: 4 members taking part needed; 3 had taken part when its vote closed."),
    ("fr", "Quorum : 4 sociétaires participants requis ; 3 avaient participé à la clôture de son vote."),
    ("nl", "Quorum: 4 deelnemende leden vereist; 3 hadden deelgenomen toen de stemming erover sloot."),
])
def test_the_results_page_says_who_had_taken_part_when_an_item_closed(client, world, language, said):
    def before(electors):
        cast_for(world.assembly, electors[:3], world.rng)

    _quorum_world(world, before, lambda electors: cast_for(world.assembly, electors[3:], world.rng))
    world.members[0].account.language = language
    db.session.commit()
    sign_in(client, world.members[0].account)
    page = _text(client.get("/assemblies/ga-test/results").get_data(as_text=True))
    assert said in page, page
    assert "6 took part." in page or "6 ont participé." in page or "6 namen deel." in page
