"""Once the vote is closed the electorate is what the record sealed: no late addition nor removal
(refused in words, 409, nothing written, the forms no longer offered), and the results, the minutes
and their PDF keep the turnout of the close whatever is written afterwards."""
from __future__ import annotations

from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.clock import utcnow
from app.errors import error_message
from app.extensions import db
from app.models import AuditEntry
from assemblies import errors, queries, services
from assemblies.models import Assembly, Elector, ItemKind
from tests.assemblies.test_assembly_minutes import _signed, _text
from tests.factories import pdf_text, sign_in
from voting import errors as verrors
from voting import services as voting

SEALED = {"en": "The vote is closed: the electorate can no longer be corrected.",
          "fr": "Le vote est clos : le corps électoral ne peut plus être corrigé.",
          "nl": "De stemming is gesloten: het kiezerskorps kan niet meer worden verbeterd."}


def _electors(world):
    return [(e.member_id, e.removed_at, e.added_late) for e in db.session.scalars(
        select(Elector).where(Elector.assembly_id == world.assembly.id).order_by(Elector.id))]


def _corrections() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action.in_(("assemblies.electorate.add", "assemblies.electorate.remove"))))


def _pdf_text(client, url, tmp_path) -> str:
    return pdf_text(client.get(url).data, tmp_path)


def _figures(client, tmp_path) -> dict[str, str]:
    return {"results": _text(client.get("/assemblies/ga-test/results").get_data(as_text=True)),
            "minutes": _text(client.get("/assemblies/ga-test/minutes").get_data(as_text=True)),
            "minutes.pdf": _pdf_text(client, "/assemblies/ga-test/minutes.pdf", tmp_path)}


def test_after_the_tally_no_correction_changes_the_signed_minutes_or_the_results(client, world, tmp_path):
    _signed(world)
    sign_in(client, world.members[0].account)
    before = _figures(client, tmp_path)
    assert "Electorate 4 2 6" in before["results"] and "Electorate 4 2 6" in before["minutes"]
    electorate, corrections = _electors(world), _corrections()

    sign_in(client, world.secretary)
    for confirmed in ("", "1"):  # the confirmation step and the confirmed post alike
        added = client.post("/assemblies/ga-test/electorate/add", data={
            "number": str(world.outsider.number), "reason": "Paid late", "confirmed": confirmed})
        assert added.status_code == 409
        assert SEALED["en"] in _text(added.get_data(as_text=True))
    sign_in(client, world.officer)
    elector = db.session.scalar(select(Elector).where(Elector.assembly_id == world.assembly.id)
                                .order_by(Elector.id))
    assert elector.credential_public  # a member with a credential: once "Conflict", now said in words
    removed = client.post(f"/assemblies/ga-test/electorate/{elector.id}/remove", data={"reason": "Left"})
    text = _text(removed.get_data(as_text=True))
    assert removed.status_code == 409 and SEALED["en"] in text and "Roll" in text
    # An address that names no elector of this assembly, and a hostile reason: still nothing written.
    assert client.post("/assemblies/ga-test/electorate/999999/remove", data={"reason": "x"}).status_code == 404
    assert client.post(f"/assemblies/ga-test/electorate/{elector.id}/remove",
                       data={"reason": "x" * 5000}).status_code in (400, 409)

    db.session.expire_all()
    assert _electors(world) == electorate and _corrections() == corrections
    sign_in(client, world.members[0].account)
    assert _figures(client, tmp_path) == before


def test_after_the_close_the_forms_are_not_offered_and_the_pages_say_why(client, world):
    _signed(world)
    sign_in(client, world.officer)
    roll = _text(client.get("/assemblies/ga-test/roll").get_data(as_text=True))
    prepare = _text(client.get("/assemblies/ga-test/prepare").get_data(as_text=True))
    assert "Remove from the electorate" not in roll and SEALED["en"] in roll
    assert "Late correction: add a member" not in prepare and SEALED["en"] in prepare


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_the_refusal_is_said_in_the_readers_language(world, language):
    with force_locale(language):
        assert error_message(errors.ElectorateSealed()).replace("\u202f", " ").replace("\u00a0", " ").startswith(SEALED[language])


def test_the_services_refuse_a_correction_once_the_vote_is_closed(world):
    _signed(world)
    electorate = _electors(world)
    with pytest.raises(errors.ElectorateSealed) as refused:
        services.add_elector_late(world.assembly, world.outsider, "Paid late")
    assert refused.value.status == 409
    db.session.rollback()
    elector = db.session.scalar(select(Elector).where(Elector.assembly_id == world.assembly.id))
    with pytest.raises(errors.ElectorateSealed):
        services.remove_elector(world.assembly, elector, "Left")
    db.session.rollback()
    assert _electors(world) == electorate


def test_the_turnout_of_a_closed_vote_is_that_of_its_close(world):
    """Rows written after the close (as before this rule, or by hand) change nothing the record sealed."""
    _signed(world)
    sealed = queries.turnout(world.assembly)
    assert sealed.electorate["total"] == 6
    gone = db.session.scalar(select(Elector).where(Elector.assembly_id == world.assembly.id))
    gone.removed_at = utcnow()
    db.session.add(Elector(assembly_id=world.assembly.id, member_id=world.outsider.id,
                           category=world.outsider.category, added_late=True, added_at=utcnow()))
    db.session.commit()
    assert queries.turnout(world.assembly) == sealed


def test_while_the_vote_is_open_a_member_with_a_link_is_still_removed(client, world):
    services.convene(world.assembly)
    db.session.commit()
    elector = db.session.scalar(select(Elector).where(Elector.assembly_id == world.assembly.id)
                                .order_by(Elector.id))
    assert elector.credential_public
    sign_in(client, world.officer)
    removed = client.post(f"/assemblies/ga-test/electorate/{elector.id}/remove", data={"reason": "Deceased"})
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Elector, elector.id).removed_at is not None
    assert queries.turnout(world.assembly).electorate["total"] == 5


def test_a_removal_the_board_refuses_is_said_on_the_roll(client, world, monkeypatch):
    services.convene(world.assembly)
    db.session.commit()
    elector = db.session.scalar(select(Elector).where(Elector.assembly_id == world.assembly.id)
                                .order_by(Elector.id))

    def busy(*args, **kwargs):
        raise verrors.BoardBusy("busy")

    monkeypatch.setattr(voting, "revoke_credential", busy)
    sign_in(client, world.officer)
    removed = client.post(f"/assemblies/ga-test/electorate/{elector.id}/remove", data={"reason": "Deceased"})
    text = _text(removed.get_data(as_text=True))
    assert removed.status_code == 409 and "The board is very busy. Please try again." in text and "Roll" in text
    db.session.expire_all()
    assert db.session.get(Elector, elector.id).removed_at is None


def test_new_link_is_offered_only_to_members_who_were_sent_one(client, world):
    sign_in(client, world.officer)
    assert "Revoke the old link" not in client.get("/assemblies/ga-test/roll").get_data(as_text=True)
    services.convene(world.assembly)
    db.session.commit()
    roll = unescape(client.get("/assemblies/ga-test/roll").get_data(as_text=True))
    assert roll.count("Revoke the old link and e-mail a new one") == 6


@pytest.mark.parametrize("language, said", [
    ("en", "The board election “Committee” on the agenda has no candidates yet."),
    ("fr", "L'élection du conseil « Comité » à l'ordre du jour n'a pas encore de candidats."),
    ("nl", "De bestuursverkiezing “Comiteit” op de agenda heeft nog geen kandidaten."),
])
def test_a_board_election_without_candidates_is_named(world, language, said):
    from assemblies.models import Gender
    from shares.models import Category

    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-test"))
    fresh = services.create_assembly(
        slug="ag-open", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=assembly.starts_at,
        place="Bruxelles", voting_opens_at=assembly.voting_opens_at, voting_closes_at=assembly.voting_closes_at,
        record_date=world.record)
    first = services.add_item(fresh, kind=ItemKind.BOARD, titles={"fr": "Conseil", "nl": "Raad", "en": "Board"})
    services.add_item(fresh, kind=ItemKind.BOARD, titles={"fr": "Comité", "nl": "Comiteit", "en": "Committee"},
                      seats_a=2, seats_b=0)
    services.add_candidate(first, category=Category.B, name="Élodie Dubois", gender=Gender.WOMAN)
    with pytest.raises(errors.CandidatesMissing) as refused:
        services.build_definition(fresh, [("t1", "Scrutineer")], 1)
    with force_locale(language):
        assert error_message(refused.value).replace("\u202f", " ").replace("\u00a0", " ") == said
