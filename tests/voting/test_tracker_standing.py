"""The public board's tracker search says what a ballot counts for by the record's own rule
(voting.record.ballot_standing, docs/election-record.md 5.8a, 5.8b): on boards with revotes, item
closes, held items and revocations, its answer is RecordState's, ballot by ballot and contest by
contest; it reads a few rows, it does not replay the board."""
from __future__ import annotations

import random
import re
from html import unescape

import pytest
from sqlalchemy import event, select

from app.extensions import db
from voting import queries, services
from voting.crypto.credential import credential_public
from voting.demo import definition, make_kits, run_keygen
from voting.models import BoardEvent, CastBallot
from voting.record import Window, ballot_standing, counts_within, replay

from tests.voting.item_records import CONTESTS
from tests.voting.test_services import ballot_for, record_of, with_credentials

CHOICE = {"r1": ["yes"], "r2": ["no"], "board-a": []}


def _election(hold=()):
    kits = make_kits(3)
    election = services.create_election(definition("ts-test", "Tracker search", CONTESTS, kits, 2, min_ballots=1),
                                        slug="ts-test", require_login=False)
    run_keygen(election, kits)
    db.session.commit()
    creds = with_credentials(election, n=5)
    services.open_election(election, hold=hold)
    db.session.commit()
    return election, creds


def _choices(rnd):
    return {"r1": [rnd.choice(["yes", "no", "abstain"])], "r2": [rnd.choice(["yes", "no", "abstain"])],
            "board-a": rnd.sample(["a01", "a02", "a03"], rnd.randint(0, 2))}


def _same_as_the_record(election):
    """Every ballot's standing from the search equals RecordState's, for every contest: by the
    board's own replay and by a replay of the published record."""
    ballots = list(db.session.scalars(select(CastBallot).where(CastBallot.election_id == election.id)
                                      .order_by(CastBallot.seq)))
    found = {s.ballot.tracker: s for s in queries.tracker_standings(election, ballots)}
    for state in (services.board_state(election), replay(record_of(election)["events"], defer_ballots=True)):
        for c in CONTESTS:
            counted = {e.tracker for e in state.counted_for(c.id).values()}
            assert {t for t, s in found.items() if c.id in s.counted} == counted, c.id
            item = state.closed_contests.get(c.id)
            opened = state.agenda.opened.get(c.id)
            for b in ballots:
                assert (c.id in found[b.tracker].closed_before) == (item is not None and item.seq < b.seq)
                assert (c.id in found[b.tracker].held) == (
                    c.id in state.agenda.held and (opened is None or b.seq < opened))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_search_says_what_the_record_counts_on_random_boards(seed):
    rnd = random.Random(seed)
    held = ["r2"] if seed != 2 else ["r1", "r2"]
    election, creds = _election(hold=held)
    live = list(range(len(creds)))
    steps = ["cast"] * 14 + ["revoke", "revoke", "open", "close", "close"]
    rnd.shuffle(steps)
    for step in steps:
        waiting = services.waiting_contests(election)
        closed = services.closed_contests(election)
        if step == "cast" and live:
            i = rnd.choice(live)
            services.cast_ballot(election, ballot_for(election, creds[i], _choices(rnd)))
        elif step == "revoke" and len(live) > 1:
            i = rnd.choice(live)
            live.remove(i)
            services.revoke_credential(election, credential_public(creds[i]))
        elif step == "open" and waiting:
            services.open_item(election, [sorted(waiting)[0]])
        elif step == "close":
            can = [c.id for c in CONTESTS if c.id not in closed and c.id not in waiting]
            if len(can) > 1:
                services.close_item(election, [rnd.choice(can)])
        db.session.commit()
        _same_as_the_record(election)
    services.close_election(election)
    db.session.commit()
    _same_as_the_record(election)


def test_a_board_with_every_case_is_said_in_words(client):
    """One credential votes while r2 is held, then again once r1 closed and r2 opened; another
    credential is revoked after r1's close."""
    election, creds = _election(hold=["r2"])
    first = services.cast_ballot(election, ballot_for(election, creds[0], CHOICE)).tracker
    revoked = services.cast_ballot(election, ballot_for(election, creds[1], CHOICE)).tracker
    services.close_item(election, ["r1"])
    services.revoke_credential(election, credential_public(creds[1]))
    services.open_item(election, ["r2"])
    second = services.cast_ballot(election, ballot_for(election, creds[0], CHOICE)).tracker
    db.session.commit()
    found = _same_as_the_record(election)
    assert (found[first].counted, found[first].held, found[first].kept_for) == (("r1",), ("r2",), ("r1",))
    assert (found[second].counted, found[second].closed_before) == (("r2", "board-a"), ("r1",))
    assert (found[revoked].counted, found[revoked].held) == (("r1",), ("r2",))

    def page(tracker):
        text = client.get(f"/voting/ts-test/board?q={tracker}", headers={"HX-Request": "true",
                                                                       "HX-Target": "tracker-results"})
        assert text.status_code == 200
        return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text.get_data(as_text=True))))

    said = page(first)
    assert "Superseded by a later ballot of the same credential" in said
    assert "It still counts for the items whose vote closed before then: r1." in said
    assert ("It adds nothing for the items held back at the opening whose vote was not open yet when it reached "
            "the board: r2.") in said
    said = page(second)
    assert "it counts, except for the items whose vote had already closed when it reached the board: r1." in said
    assert "held back" not in said
    said = page(revoked)
    assert "Its voting code was revoked before the close of the vote: it does not count." in said
    assert "It still counts for the items whose vote closed before then: r1." in said
    assert "held back at the opening whose vote was not open yet when it reached the board: r2." in said


def test_a_last_ballot_cast_while_only_held_items_remain_counts_for_no_item(client):
    election, creds = _election(hold=["r2"])
    services.close_item(election, ["r1"])
    services.close_item(election, ["board-a"])
    tracker = services.cast_ballot(election, ballot_for(election, creds[0], CHOICE)).tracker
    db.session.commit()
    assert _same_as_the_record(election)[tracker].counted == ()
    text = client.get(f"/voting/ts-test/board?q={tracker}").get_data(as_text=True)
    said = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))
    assert "This is the credential's last ballot, but it counts for no item." in said
    assert "The vote on these items had already closed when it reached the board: r1, board-a." in said
    assert "it counts." not in said


def test_the_search_reads_a_few_rows_whatever_the_board(client):
    election, creds = _election(hold=["r2"])
    for cred in creds:
        services.cast_ballot(election, ballot_for(election, cred, CHOICE))
    services.close_item(election, ["r1"])
    tracker = services.cast_ballot(election, ballot_for(election, creds[0], CHOICE)).tracker
    db.session.commit()
    assert election.definition  # the row, expired by the commit, loaded again before counting
    statements = []
    listen = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        queries.tracker_standings(election, queries.find_tracker(election, tracker[:10]))
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len(statements) <= 4, statements  # the ballot, revocations, successors, the windows' events
    assert not any("voting_board_event.type = " in s and "ballot" in s for s in statements)


def test_the_rule_itself():
    held_then_opened, closed_at_10 = Window(5, None), Window(0, 10)
    assert counts_within(6, None, held_then_opened) and not counts_within(4, None, held_then_opened)
    assert counts_within(3, 12, closed_at_10) and not counts_within(3, 9, closed_at_10)
    assert not counts_within(11, None, closed_at_10)
    assert not counts_within(3, None, Window(None, None))  # held, never opened
    standing = ballot_standing(3, [9], None, {"a": closed_at_10, "b": Window(0, 8), "c": Window(None, None)})
    assert (standing.counted, standing.closed_before, standing.held) == (("b",), (), ("c",))
    assert ballot_standing(3, [], 7, {"b": Window(0, 8)}).counted == ()  # revoked before the close


def test_a_ballot_found_links_to_the_page_of_events_that_lists_it(client, monkeypatch):
    """The link under each ballot found opens the board's page of events where its row is (pages of 3 here)."""
    election, creds = _election()
    for cred in creds:
        services.cast_ballot(election, ballot_for(election, cred, CHOICE))
    db.session.commit()
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    events = db.session.scalars(select(BoardEvent.seq).where(BoardEvent.election_id == election.id)).all()
    for seq in events:
        rows, _ = queries.board_page(election, queries.board_page_number(seq))
        assert seq in [row.seq for row in rows]
    ballot = db.session.scalars(select(CastBallot).where(CastBallot.election_id == election.id)
                                .order_by(CastBallot.seq.desc())).first()
    found = client.get(f"/voting/ts-test/board?q={ballot.tracker}").get_data(as_text=True)
    page = queries.board_page_number(ballot.seq)
    assert page > 1
    href = f"/voting/ts-test/board?page={page}#event-{ballot.seq}"
    assert f'<a href="{href}">See it among the events of the board</a>' in found
    assert f'<tr id="event-{ballot.seq}">' in client.get(href).get_data(as_text=True)
