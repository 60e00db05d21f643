"""The server holds agenda items back at the opening and opens them later (docs/election-record.md
5.8b): a held item's running sums start at its open, refusals, the record verifies."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import AuditEntry
from voting import errors, services
from voting.models import BoardEvent
from voting.verify import verify_record

from tests.voting.test_item_close_services import finish
from tests.voting.test_services import ballot_for, new_election, record_of, with_credentials


@pytest.fixture
def held_box():
    election, kits = new_election(require_login=False, min_ballots=1)
    creds = with_credentials(election)
    services.open_election(election, hold=["r1"])
    db.session.commit()
    return election, kits, creds


def test_ballots_before_a_held_items_open_do_not_count_for_it(held_box):
    election, kits, creds = held_box
    assert services.waiting_contests(election) == {"r1"}
    services.cast_ballot(election, ballot_for(election, creds[0], {"r1": ["yes"], "board-a": ["a1"]}))
    services.cast_ballot(election, ballot_for(election, creds[1], {"r1": ["yes"], "board-a": ["a2"]}))
    db.session.commit()
    with pytest.raises(errors.ItemNotOpen):
        services.close_item(election, ["r1"])
    db.session.rollback()
    services.open_item(election, ["r1"])
    db.session.commit()
    assert services.waiting_contests(election) == set()
    # after r1's open: a revote counts, a first ballot counts, a revoked one does not
    services.cast_ballot(election, ballot_for(election, creds[1], {"r1": ["no"], "board-a": ["a2"]}))
    services.cast_ballot(election, ballot_for(election, creds[2], {"r1": ["yes"], "board-a": ["a3"]}))
    services.revoke_credential(election, services.credential_public(creds[2]))
    db.session.commit()
    with pytest.raises(errors.ItemNotHeld):
        services.open_item(election, ["r1"])
    db.session.rollback()
    with pytest.raises(errors.ItemNotHeld):
        services.open_item(election, ["board-a"])  # never held
    db.session.rollback()
    with pytest.raises(errors.UnknownContest):
        services.open_item(election, ["nope"])
    db.session.rollback()
    res = finish(election, kits)
    assert res["counts"]["r1"]["yes"]["total"] == 0 and res["counts"]["r1"]["no"]["total"] == 1
    assert res["outcomes"]["r1"]["turnout"] == 1
    assert res["counts"]["board-a"]["a1"]["total"] == 1 and res["counts"]["board-a"]["a2"]["total"] == 1
    assert res["counts"]["board-a"]["a3"]["total"] == 0
    tally = services.tally_event(election).data
    assert sum(tally["contest_counted"]["r1"].values()) == 1
    report = verify_record(record_of(election), workers=1, out=io.StringIO())
    assert report.ok and report.complete, report.failure
    assert {"voting.item.open", "voting.election.open"} <= set(db.session.scalars(select(AuditEntry.action)))


def test_a_held_item_opened_then_closed_freezes_its_own_sums(held_box):
    election, kits, creds = held_box
    services.cast_ballot(election, ballot_for(election, creds[0], {"r1": ["yes"], "board-a": ["a1"]}))
    db.session.commit()
    services.open_item(election, ["r1"])
    services.cast_ballot(election, ballot_for(election, creds[1], {"r1": ["no"], "board-a": ["a2"]}))
    db.session.commit()
    services.close_item(election, ["r1"])
    db.session.commit()
    services.cast_ballot(election, ballot_for(election, creds[0], {"r1": ["no"], "board-a": ["a3"]}))
    db.session.commit()
    res = finish(election, kits)
    assert (res["counts"]["r1"]["yes"]["total"], res["counts"]["r1"]["no"]["total"]) == (0, 1)
    assert res["counts"]["board-a"]["a3"]["total"] == 1 and res["counts"]["board-a"]["a1"]["total"] == 0
    assert verify_record(record_of(election), workers=1, out=io.StringIO()).ok


def test_a_held_item_never_opened_counts_nothing_and_the_record_verifies(held_box):
    election, kits, creds = held_box
    services.cast_ballot(election, ballot_for(election, creds[0], {"r1": ["yes"], "board-a": ["a1"]}))
    db.session.commit()
    res = finish(election, kits)
    assert res["outcomes"]["r1"]["turnout"] == 0
    assert res["counts"]["board-a"]["a1"]["total"] == 1
    assert verify_record(record_of(election), workers=1, out=io.StringIO()).ok


def test_holding_an_unknown_contest_is_refused():
    election, kits = new_election(require_login=False, min_ballots=1)
    with_credentials(election)
    with pytest.raises(errors.UnknownContest):
        services.open_election(election, hold=["nope"])


def test_hold_and_open_from_the_command_line(data_app):
    election, kits = new_election(require_login=False, min_ballots=1)
    with_credentials(election)
    db.session.commit()
    runner = data_app.test_cli_runner()
    result = runner.invoke(args=["voting", "open", election.slug, "--hold", "r1"])
    assert result.exit_code == 0, result.output
    assert "Held back: r1" in result.output
    db.session.expire_all()
    assert services.waiting_contests(election) == {"r1"}
    result = runner.invoke(args=["voting", "open-item", election.slug, "r1"])
    assert result.exit_code == 0 and "the vote on r1 is open" in result.output, result.output
    again = runner.invoke(args=["voting", "open-item", election.slug, "r1"])
    assert again.exit_code != 0
    db.session.expire_all()
    assert services.waiting_contests(election) == set()


def test_the_election_row_names_its_last_agenda_event_and_casting_reads_the_agenda_only_when_it_moves(held_box):
    election, _, creds = held_box

    def last(etype):
        return db.session.scalar(select(BoardEvent.hash).where(BoardEvent.election_id == election.id,
                                                               BoardEvent.type == etype))

    assert election.agenda_head == last("item_hold")
    agenda_reads = []

    def count(conn, cursor, statement, *args):
        if "FROM voting_board_event" in statement and "item_hold" in str(args[0]) + statement:
            agenda_reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for i in range(3):
            services.cast_ballot(election, ballot_for(election, creds[i], {"r1": ["yes"], "board-a": ["a1"]}))
            db.session.commit()
        assert len(agenda_reads) == 1  # the first cast under this agenda reads it; the others keep it
        services.open_item(election, ["r1"])
        db.session.commit()
        assert election.agenda_head == last("item_open")
        agenda_reads.clear()
        for i in range(3, 5):
            services.cast_ballot(election, ballot_for(election, creds[i], {"r1": ["no"], "board-a": ["a2"]}))
            db.session.commit()
        assert len(agenda_reads) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert services.waiting_contests(election) == set()
