"""While the agenda may change, the secretary takes one candidate off a board item and moves items up
and down; once the ballot is on the public board, neither is offered nor done."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from html import unescape

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import AuditEntry
from assemblies import errors, services
from assemblies.demo import build_agenda
from assemblies.models import AgendaItem, Assembly, Candidate, ItemKind
from tests.factories import make_account, sign_in
from app.models import Role

WHEN = datetime(2027, 6, 20, 12, tzinfo=timezone.utc)


@pytest.fixture
def draft(db):
    """An assembly whose agenda may still change: five items, the last a board election with candidates."""
    assembly = services.create_assembly(slug="ga-draft", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=WHEN,
                                        place="Namur", voting_opens_at=WHEN, voting_closes_at=WHEN.replace(hour=18),
                                        record_date=date(2027, 6, 1))
    build_agenda(assembly)
    db.session.commit()
    return assembly


@pytest.fixture
def secretary(db):
    return make_account(roles=(Role.SECRETARY,), email="secretary@example.be")


def _order(assembly) -> list[str]:
    db.session.expire_all()
    return [i.title_en for i in db.session.get(Assembly, assembly.id).items]


def _positions(assembly) -> list[int]:
    return list(db.session.scalars(select(AgendaItem.position).where(AgendaItem.assembly_id == assembly.id)
                                   .order_by(AgendaItem.position)))


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _board(assembly) -> AgendaItem:
    return next(i for i in assembly.items if i.kind is ItemKind.BOARD)


# -- moving items ----------------------------------------------------------------------------------

def test_an_item_moves_up_and_down_and_the_positions_stay_one_to_n(draft, secretary):
    before = _order(draft)
    services.move_item(draft.items[2], -1, actor=secretary)
    db.session.commit()
    assert _order(draft) == [before[0], before[2], before[1], before[3], before[4]]
    services.move_item(db.session.get(Assembly, draft.id).items[0], 1)
    db.session.commit()
    assert _order(draft) == [before[2], before[0], before[1], before[3], before[4]]
    assert _positions(draft) == [1, 2, 3, 4, 5]
    entry = _audit("assemblies.item.move")[0]
    assert entry.actor_id == secretary.id and (entry.before["position"], entry.after["position"]) == (3, 2)


def test_the_ends_of_the_agenda_do_not_move_and_nothing_changes(draft):
    before = _order(draft)
    with pytest.raises(errors.CannotMoveItem):
        services.move_item(draft.items[0], -1)
    db.session.rollback()
    with pytest.raises(errors.CannotMoveItem):
        services.move_item(db.session.get(Assembly, draft.id).items[-1], 1)
    db.session.rollback()
    assert _order(draft) == before and _audit("assemblies.item.move") == []


def test_a_locked_agenda_neither_moves_nor_loses_a_candidate(world):
    before = _order(world.assembly)
    with pytest.raises(errors.AgendaLocked):
        services.move_item(world.assembly.items[1], -1)
    db.session.rollback()
    board = _board(world.assembly)
    with pytest.raises(errors.AgendaLocked):
        services.remove_candidate(board.candidates[0])
    db.session.rollback()
    assert _order(world.assembly) == before and len(_board(world.assembly).candidates) == 11


def test_a_move_whose_free_position_was_taken_meanwhile_is_a_409_and_nothing_is_half_saved(client, draft, secretary):
    """Two moves at once: the second finds the waiting place (position 0) taken; the unique constraint
    refuses its flush, the request answers 409 in words and no position changed."""
    before = _order(draft)
    last = draft.items[-1]
    db.session.execute(update(AgendaItem).where(AgendaItem.id == last.id).values(position=0))  # mid-move elsewhere
    db.session.commit()
    sign_in(client, secretary)
    answer = client.post(f"/assemblies/ga-draft/items/{draft.items[1].id}/move", data={"direction": "up"})
    assert answer.status_code == 409
    assert "Someone changed this at the same time. Reload the page and try again." in answer.get_data(as_text=True)
    assert _positions(draft) == [0, 1, 2, 3, 4] and _order(draft)[1:] == before[:4]
    assert _audit("assemblies.item.move") == []


def test_the_prepare_page_moves_items_with_labelled_buttons(client, draft, secretary):
    sign_in(client, secretary)
    page = unescape(client.get("/assemblies/ga-draft/prepare").get_data(as_text=True))
    first, second, *_rest, last = _order(draft)
    assert f'aria-label="Move “{second}” up"' in page and f'aria-label="Move “{second}” down"' in page
    assert f'aria-label="Move “{first}” up"' not in page and f'aria-label="Move “{last}” down"' not in page
    item = draft.items[1]
    moved = client.post(f"/assemblies/ga-draft/items/{item.id}/move", data={"direction": "up"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"#item-{item.id}")
    assert f"“{second}” is now item 1 of the agenda." in unescape(client.get("/assemblies/ga-draft/prepare")
                                                                 .get_data(as_text=True))
    assert _order(draft)[:2] == [second, first]
    assert client.post(f"/assemblies/ga-draft/items/{item.id}/move", data={"direction": "sideways"}).status_code == 400
    top = client.post(f"/assemblies/ga-draft/items/{item.id}/move", data={"direction": "up"})
    assert top.status_code == 422 and "already at that end of the agenda" in top.get_data(as_text=True)
    assert _order(draft)[:2] == [second, first]


def test_once_the_ballot_is_on_the_board_the_page_offers_no_move_and_a_post_is_refused(client, world):
    sign_in(client, world.secretary)
    page = client.get("/assemblies/ga-test/prepare").get_data(as_text=True)
    assert "Move “" not in unescape(page) and "/move" not in page and not re.search(r"/candidates/\d+/delete", page)
    before = _order(world.assembly)
    refused = client.post(f"/assemblies/ga-test/items/{world.assembly.items[1].id}/move", data={"direction": "up"})
    assert refused.status_code == 409 and "the agenda can no longer change" in refused.get_data(as_text=True)
    assert _order(world.assembly) == before


# -- taking a candidate off ------------------------------------------------------------------------

def test_a_candidate_is_taken_off_and_the_others_keep_their_order(draft, secretary):
    board = _board(draft)
    category_a = [c for c in board.candidates if c.category.value == "A"]
    gone, kept = category_a[1], [c.name for c in category_a if c is not category_a[1]]
    services.remove_candidate(gone, actor=secretary)
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(Candidate).where(Candidate.item_id == board.id, Candidate.category == gone.category)
                              .order_by(Candidate.position)).all()
    assert [c.name for c in rows] == kept and [c.position for c in rows] == list(range(1, len(kept) + 1))
    entry = _audit("assemblies.candidate.delete")[0]
    assert entry.actor_id == secretary.id and entry.before["name"] == category_a[1].name


def test_the_prepare_page_takes_a_candidate_off_behind_a_confirmation(client, draft, secretary):
    sign_in(client, secretary)
    board = _board(draft)
    candidate = board.candidates[0]
    page = unescape(client.get("/assemblies/ga-draft/prepare").get_data(as_text=True))
    assert f'aria-label="Remove {candidate.name} from the candidates"' in page
    assert f"Yes, remove {candidate.name} from the ballot" in page
    url = f"/assemblies/ga-draft/items/{board.id}/candidates/{candidate.id}/delete"
    answer = client.post(url)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"#item-{board.id}")
    after = unescape(client.get("/assemblies/ga-draft/prepare").get_data(as_text=True))
    assert f"{candidate.name} is no longer a candidate." in after
    assert f"Yes, remove {candidate.name} from the ballot" not in after
    assert client.post(url).status_code == 404  # gone already (a second tab)
    other = draft.items[0]  # not this item's candidate
    assert client.post(f"/assemblies/ga-draft/items/{other.id}/candidates/{board.candidates[0].id}/delete"
                       ).status_code == 404


def test_a_member_cannot_take_a_candidate_off(client, draft, world):
    sign_in(client, world.members[0].account)
    board = _board(draft)
    url = f"/assemblies/ga-draft/items/{board.id}/candidates/{board.candidates[0].id}/delete"
    assert client.post(url).status_code == 403
    assert len(_board(db.session.get(Assembly, draft.id)).candidates) == 11


def test_once_the_ballot_is_on_the_board_a_candidate_stays(client, world):
    sign_in(client, world.secretary)
    board = _board(world.assembly)
    refused = client.post(f"/assemblies/ga-test/items/{board.id}/candidates/{board.candidates[0].id}/delete")
    assert refused.status_code == 409 and "the agenda can no longer change" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert len(_board(db.session.get(Assembly, world.assembly.id)).candidates) == 11
