"""The adapter from board candidacies: a call's fixed ballot becomes the board item's candidates."""
from __future__ import annotations

import pytest

from assemblies import candidates_adapter, errors, services
from assemblies.models import Gender, ItemKind
from shares.models import Category, MemberKind
from tests.factories import make_member_obj


def _board_item(**seats):
    from datetime import date, datetime, timezone

    when = datetime(2027, 6, 20, 12, tzinfo=timezone.utc)
    assembly = services.create_assembly(slug="ga-import", titles={"fr": "AG", "nl": "AV", "en": "GA"},
                                        starts_at=when, place="Liège", voting_opens_at=when,
                                        voting_closes_at=when.replace(hour=18), record_date=date(2027, 6, 1))
    return services.add_item(assembly, kind=ItemKind.BOARD, titles={"fr": "CA", "nl": "RvB", "en": "Board"}, **seats)


def test_a_fixed_ballot_becomes_the_board_candidates_in_order(world):
    item = _board_item()
    company = make_member_obj(kind=MemberKind.LEGAL)
    choices = {
        "seats": {"A": 11, "B": 7},
        "contests": [{"id": "board-a", "category": "A", "seats": 11, "choices": ["a02", "a01", "a03"]},
                     {"id": "board-b", "category": "B", "seats": 7, "choices": ["b01"]}],
        "candidates": {
            "a01": {"name": "Zoé Leroy", "member_id": world.members[0].id, "withdrawn": False},
            "a02": {"name": "Yann Dupont", "member_id": world.members[1].id, "withdrawn": False},
            "a03": {"name": "Withdrawn Person", "member_id": world.members[2].id, "withdrawn": True},
            "b01": {"name": "Atelier asbl", "member_id": company.id, "withdrawn": False},
        }}
    assert candidates_adapter.import_candidates(item, choices) == 3
    names = [(c.category.value, c.position, c.name) for c in item.candidates]
    assert names == [("A", 1, "Yann Dupont"), ("A", 2, "Zoé Leroy"), ("B", 1, "Atelier asbl")]
    assert [c.gender for c in item.candidates if c.category.value == "B"] == [Gender.LEGAL]


def test_a_category_without_candidates_takes_the_call_s_seats_too(world):
    """A call for 4 A and 2 B seats that found candidates in A only: the item has 4 and 2 seats (the B seats
    stay unfilled), not its default 7 for B."""
    item = _board_item()
    assert (item.seats_a, item.seats_b) == (11, 7)
    choices = {"seats": {"A": 4, "B": 2},
               "contests": [{"id": "board-a", "category": "A", "seats": 4, "choices": ["a01"]}],
               "candidates": {"a01": {"name": "Zoé Leroy", "member_id": world.members[0].id, "withdrawn": False}}}
    assert candidates_adapter.import_candidates(item, choices) == 1
    assert (item.seats_a, item.seats_b) == (4, 2)


def test_without_the_candidacies_module_it_says_so(world, monkeypatch):
    monkeypatch.setattr(candidates_adapter, "available", lambda: False)
    with pytest.raises(candidates_adapter.CandidaciesUnavailable):
        candidates_adapter.import_from_call(world.assembly.items[4], "any")
    assert candidates_adapter.fixed_calls() == []


def test_the_candidates_of_a_real_call_in_ballot_order_with_their_declared_gender(world):
    from datetime import timedelta

    from candidates import services as cand
    from candidates.models import BallotOrder
    from tests.candidates.conftest import call_values, full_fields, make_standing_member, png_bytes

    secretary = world.secretary
    call = cand.create_call(actor=secretary, **call_values(seats_a=2, seats_b=1))
    cand.announce_call(call, actor=secretary)
    people = [(make_standing_member(category=c), g, n) for c, g, n in (
        (Category.A, "woman", "Anne Claes"), (Category.A, "man", "Bram Wouters"), (Category.B, "other", "Cé Lopez"))]
    apps = []
    for member, gender, name in people:
        app = cand.save_application(call, member, full_fields(gender=gender, published_name=name), photo=png_bytes(),
                                    actor=member.account)
        cand.submit_application(app, actor=member.account)
        cand.accept_application(app, actor=secretary)
        apps.append(app)
    cand.fix_ballot_order(call, BallotOrder.MANUAL, positions={apps[0].id: 2, apps[1].id: 1, apps[2].id: 1},
                          actor=secretary, on=call.closes_on + timedelta(days=1))
    from datetime import date, datetime, timezone
    when = datetime(2027, 6, 20, 12, tzinfo=timezone.utc)
    assembly = services.create_assembly(slug="ga-call", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=when,
                                        place="Gent", voting_opens_at=when, voting_closes_at=when.replace(hour=18),
                                        record_date=date(2027, 6, 1))
    item = services.add_item(assembly, kind=ItemKind.BOARD, titles={"fr": "CA", "nl": "RvB", "en": "Board"})
    assert candidates_adapter.import_from_call(item, call.slug) == 3
    assert [(c.category.value, c.name, c.gender.value) for c in item.candidates] == [
        ("A", "Bram Wouters", "man"), ("A", "Anne Claes", "woman"), ("B", "Cé Lopez", "other")]
    assert (item.seats_a, item.seats_b) == (2, 1)
    assert call.assembly_id == assembly.id  # its withdrawals are said on this assembly's results
    # Imported twice, or entered again by hand, a person stays on the ballot once (a voter could mark them twice).
    assert candidates_adapter.import_from_call(item, call.slug) == 0 and len(item.candidates) == 3
    with pytest.raises(errors.CandidateTwice):
        services.add_candidate(item, category=Category.B, name=" anne CLAES ", gender=Gender.WOMAN)
    with pytest.raises(candidates_adapter.CallNotFound):
        candidates_adapter.import_from_call(item, "no-such-call")


def test_the_secretary_is_told_when_the_call_changes_the_seats(client, world, monkeypatch):
    from app.extensions import db
    from tests.factories import sign_in

    item = _board_item(seats_a=3, seats_b=2)
    db.session.commit()
    choices = {"seats": {"A": 4, "B": 2},
               "contests": [{"id": "board-a", "category": "A", "seats": 4, "choices": ["a01"]}],
               "candidates": {"a01": {"name": "Zoé Leroy", "member_id": world.members[0].id, "withdrawn": False}}}
    monkeypatch.setattr(candidates_adapter, "import_from_call",
                        lambda item, call, actor=None: candidates_adapter.import_candidates(item, choices, actor=actor))
    sign_in(client, world.secretary)
    page = client.post(f"/assemblies/ga-import/items/{item.id}/import-candidates", data={"call": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 candidate imported from the call." in page
    assert "The seats are now the call&#39;s: 4 for category A and 2 for category B (they were 3 and 2)." in page
