"""Items held back at the opening and opened later by the chair (docs/election-record.md 5.8b):
the counting rule per contest window, the verifier."""

from __future__ import annotations

import copy
import io

import pytest

from voting.crypto.tally import contest_groups, decrypt_sums
from voting.record import RecordError, RecordState, append_event, rechain, record_document
from voting.simulate import (add_credentials, cast, close_item, finish, open_box, open_item,
                             replay_state, revoke, setup_election)
from voting.verify import verify_record

from tests.voting.item_records import CONTESTS, opened, outcome, yes_no

pytestmark = pytest.mark.no_db


@pytest.fixture()
def world():
    return opened(["r2"])


def test_a_ballot_before_the_items_open_does_not_count_for_it_one_after_does(world) -> None:
    sim, state, creds = world
    assert state.waiting_contests() == ["r2"]
    cast(sim, state, creds[0], yes_no("yes", "yes"))  # r2 not open yet: its part does not count
    cast(sim, state, creds[1], yes_no("no", "no"))
    assert set(state.counted_for("r2")) == set()
    open_item(sim, state, ["r2"])
    assert state.waiting_contests() == []
    cast(sim, state, creds[1], yes_no("no", "abstain"))  # a revote after the open: counts for r2
    cast(sim, state, creds[2], yes_no("yes", "no"))  # a first ballot after the open
    finish(sim, state)
    assert outcome(state, "r1")["yes"]["total"] == 2 and outcome(state, "r1")["no"]["total"] == 1
    r2 = outcome(state, "r2")
    assert (r2["yes"]["total"], r2["no"]["total"], r2["abstain"]["total"]) == (0, 1, 1)
    assert state.result["outcomes"]["r1"]["turnout"] == 3
    assert state.result["outcomes"]["r2"]["turnout"] == 2
    tally = next(e for e in sim.events if e["type"] == "tally")["data"]
    assert tally["contest_counted"]["r2"] == {"A": 1, "B": 1}
    assert tally["contest_counted"]["r1"] == {"A": 2, "B": 1}
    assert verify_record(record_document(sim.events), workers=1).ok


def test_a_held_item_never_opened_counts_nothing(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    finish(sim, state)
    r2 = outcome(state, "r2")
    assert all(r2[ch]["total"] in (0, None) for ch in ("yes", "no", "abstain"))
    assert state.result["outcomes"]["r2"]["turnout"] == 0
    assert state.result["outcomes"]["r1"]["turnout"] == 1
    assert verify_record(record_document(sim.events), workers=1).ok


def test_open_then_close_a_held_item_with_a_revocation(world) -> None:
    sim, state, creds = world
    open_item(sim, state, ["r2"])
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    cast(sim, state, creds[2], yes_no("no", "no"))
    state.apply(revoke(sim, creds[2]))  # revoked before r2's close: its ballot leaves r2's count
    close_item(sim, state, ["r2"])
    cast(sim, state, creds[1], yes_no("no", "no"))  # after r2's close: counts for r1 only
    finish(sim, state)
    r2 = outcome(state, "r2")
    assert (r2["yes"]["total"], r2["no"]["total"]) == (1, 0)
    r1 = outcome(state, "r1")
    assert (r1["yes"]["total"], r1["no"]["total"]) == (1, 1)
    assert verify_record(record_document(sim.events), workers=1).ok


def test_hold_and_open_rules(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    fp = sim.election.fingerprint
    bad = [
        ("item_open", {"election": fp, "contests": ["r1"]}, "item_open"),  # never held
        ("item_open", {"election": fp, "contests": ["zz"]}, "item_open"),
        ("item_open", {"election": fp, "contests": []}, "event_format"),
        ("item_open", {"election": fp, "contests": ["r2"], "head": "x"}, "event_format"),
        ("item_close", {**state.item_close_data(["r2"])}, "item_close"),  # not open yet
        ("item_hold", {"election": fp, "contests": ["r1"]}, "order"),  # not right after the open
    ]
    for etype, data, code in bad:
        trial = copy.deepcopy(sim.events)
        append_event(trial, etype, data)
        with pytest.raises(RecordError) as exc:
            replay_state(type(sim)(sim.election, trial, {}, {}, {}))
        assert exc.value.code == code, (etype, data)
    open_item(sim, state, ["r2"])
    trial = copy.deepcopy(sim.events)
    append_event(trial, "item_open", {"election": fp, "contests": ["r2"]})  # opened already
    with pytest.raises(RecordError) as exc:
        replay_state(type(sim)(sim.election, trial, {}, {}, {}))
    assert exc.value.code == "item_open"


def test_the_verifier_rejects_a_tally_counting_a_ballot_cast_before_the_items_open(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))  # before r2 opens
    open_item(sim, state, ["r2"])
    cast(sim, state, creds[1], yes_no("no", "no"))
    finish(sim, state)
    assert verify_record(record_document(sim.events), workers=1).ok
    forged = copy.deepcopy(sim.events)
    at = next(i for i, e in enumerate(forged) if e["type"] == "tally")
    honest = RecordState()
    for e in forged[:at]:
        honest.apply(e)
    honest.agenda.held.clear()  # counts every last ballot for r2, the pre-open one included
    wrong_sums = honest.counted_sums()
    tally = dict(forged[at]["data"])
    tally["sums"] = wrong_sums
    tally["decrypt"] = decrypt_sums(sim.election, wrong_sums,
                                    contest_groups(sim.election, tally["contest_counted"], sim.election.min_ballots))
    forged = rechain(forged[:at] + [{"type": "tally", "data": tally}])
    report = verify_record(record_document(forged), workers=1, out=io.StringIO())
    assert not report.ok
    assert report.failure.code == "tally_sum"
    forged_counts = copy.deepcopy(sim.events[:at])
    tally = dict(sim.events[at]["data"])
    tally["contest_counted"] = {**tally["contest_counted"], "r2": {"A": 2, "B": 0}}
    append_event(forged_counts, "tally", tally)
    report = verify_record(record_document(forged_counts), workers=1, out=io.StringIO())
    assert report.failure.code == "tally_count"


def test_a_record_without_held_items_keeps_its_tally_format() -> None:
    sim = setup_election(CONTESTS, trustees=3, threshold=2, min_ballots=1)
    creds = add_credentials(sim, ["A"])
    state = replay_state(sim)
    open_box(sim, state)
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    finish(sim, state)
    tally = next(e for e in sim.events if e["type"] == "tally")["data"]
    assert set(tally) == {"election", "counted", "sums", "decrypt"}
    assert not any(e["type"] in ("item_hold", "item_open") for e in sim.events)
