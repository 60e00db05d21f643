"""A board candidate whose membership ended once the vote had opened stays on the ballot (it no longer
changes); the secretary's preparation page, the results page and the results file say that they left the
cooperative on that day and cannot take a seat."""
from __future__ import annotations

import re
from html import unescape

from flask_babel import force_locale

from app.clock import today
from app.extensions import db
from app.web import format_day
from assemblies import queries
from assemblies.demo import cast_for, tally
from assemblies.models import ItemKind
from shares import register
from tests.assemblies.test_assembly_views import electors
from tests.factories import csv_rows, sign_in


def _text(html: str) -> str:
    return " ".join(unescape(re.sub("<[^>]+>", " ", html)).split())


def test_an_elected_candidate_who_left_is_said_unable_to_take_the_seat(client, world):
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    board = next(i for i in world.assembly.items if i.kind is ItemKind.BOARD)
    row = next(r for r in queries.results(world.assembly) if r["kind"] == "board")
    group = row["groups"][0]
    elected = group["by_choice"][group["seat"].elected[0]]
    stays = group["by_choice"][group["seat"].elected[1]]
    gone = world.members[1]
    elected.member_id = gone.id
    db.session.commit()
    register.resign(gone, on=today())
    db.session.commit()
    with force_locale("en"):
        day = format_day(today())

    sign_in(client, world.members[0].account)
    page = _text(client.get(f"/assemblies/{world.assembly.slug}/results").get_data(as_text=True))
    assert f"{elected.name} left the cooperative on {day} and cannot take a seat." in page
    assert "the seat they won is not taken by them" in page
    assert f"{stays.name} left" not in page
    rows = csv_rows(client.get(f"/assemblies/{world.assembly.slug}/results.csv").get_data(as_text=True))
    (cells,) = [r for r in rows if r[1] == elected.name]
    assert cells[5] == f"Elected; left the cooperative on {day}: cannot take a seat"
    assert [r[5] for r in rows if r[1] == stays.name] == ["Elected"]

    sign_in(client, world.secretary)
    prepare = _text(client.get(f"/assemblies/{world.assembly.slug}/prepare").get_data(as_text=True))
    assert f"{elected.name} left the cooperative on {day} and cannot take a seat." in prepare
    assert "The ballot no longer changes: they stay on it" in prepare
    assert board.candidates  # nothing was removed from the ballot
    assert elected in board.candidates
