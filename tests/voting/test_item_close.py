"""Closing the vote item by item (docs/election-record.md 5.8a): the counting rule, the verifier."""

from __future__ import annotations

import copy
import io

import pytest

from voting.crypto.credential import credential_public
from voting.crypto.tally import contest_groups, decrypt_sums
from voting.record import RecordError, RecordState, append_event, rechain, record_document
from voting.simulate import add_credentials, cast, close_item, finish, open_box, replay_state, revoke, setup_election
from voting.verify import verify_record

from tests.voting.item_records import CONTESTS, opened, outcome, yes_no

pytestmark = pytest.mark.no_db


@pytest.fixture()
def world():
    return opened()


def test_a_revote_after_an_items_close_counts_for_the_open_items_only(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    cast(sim, state, creds[1], yes_no("no", "yes"))
    close_item(sim, state, ["r1"])
    assert state.open_contests() == ["r2", "board-a"]
    cast(sim, state, creds[0], yes_no("no", "no", ["a01"]))  # r1 part does not count any more
    cast(sim, state, creds[2], yes_no("no", "no", ["a02"]))  # a first ballot after r1 closed
    finish(sim, state)
    assert outcome(state, "r1")["yes"]["total"] == 1 and outcome(state, "r1")["no"]["total"] == 1
    assert outcome(state, "r2")["yes"]["total"] == 1 and outcome(state, "r2")["no"]["total"] == 2
    assert outcome(state, "board-a")["a01"]["total"] == 1
    assert state.result["outcomes"]["r1"]["turnout"] == 2
    assert state.result["outcomes"]["r2"]["turnout"] == 3
    tally = next(e for e in sim.events if e["type"] == "tally")["data"]
    assert tally["contest_counted"]["r1"] == {"A": 2, "B": 0}
    assert tally["contest_counted"]["r2"] == {"A": 2, "B": 1}
    assert verify_record(record_document(sim.events), workers=1).ok


def test_a_revocation_after_an_items_close_leaves_that_item_alone(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    cast(sim, state, creds[2], yes_no("no", "no"))
    close_item(sim, state, ["r1"])
    state.apply(revoke(sim, creds[0]))
    # the same voter gets a new credential (revoke and reissue) and votes again: counted once per item
    new = add_credentials(sim, ["A"], voters=[sim.voters[creds[0]]])
    state.apply(sim.events[-1])
    cast(sim, state, new[0], yes_no("no", "abstain"))
    finish(sim, state)
    assert outcome(state, "r1")["yes"]["total"] == 1 and outcome(state, "r1")["no"]["total"] == 1
    r2 = outcome(state, "r2")
    assert (r2["yes"]["total"], r2["no"]["total"], r2["abstain"]["total"]) == (0, 1, 1)
    assert state.result["outcomes"]["r1"]["turnout"] == 2 and state.result["outcomes"]["r2"]["turnout"] == 2
    assert verify_record(record_document(sim.events), workers=1).ok


def test_ballots_before_the_close_count_and_after_do_not(world) -> None:
    """Closing an item while ballots arrive: the close names the board's head, so what is on the
    board before it counts and what comes after does not."""
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    close_item(sim, state, ["r1", "r2"])
    assert state.open_contests() == ["board-a"]
    cast(sim, state, creds[1], yes_no("yes", "yes", ["a03"]))  # after: counts for the board only
    close_item(sim, state, ["board-a"])
    assert state.ballot_stage() == "closed"  # every item closed: no ballot is accepted
    with pytest.raises(RecordError) as exc:
        cast(sim, state, creds[2], yes_no("no", "no"))
    assert exc.value.code == "ballot_after_close"
    finish(sim, state)
    assert outcome(state, "r1")["yes"]["total"] == 1
    assert outcome(state, "board-a")["a03"]["total"] == 1
    assert verify_record(record_document(sim.events), workers=1).ok


def test_item_close_rules(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    close_item(sim, state, ["r1"])
    bad = [
        ({**state.item_close_data(["r2"]), "contests": ["r1"]}, "item_close"),  # closed already
        ({**state.item_close_data(["r2"]), "contests": ["zz"]}, "item_close"),
        ({**state.item_close_data(["r2"]), "contests": ["board-a", "r2"]}, "item_close"),  # out of order
        ({**state.item_close_data(["r2"]), "contests": []}, "event_format"),
        ({**state.item_close_data(["r2"]), "counted": 7}, "close_count"),
        ({**state.item_close_data(["r2"]), "head": "0" * 64}, "close_count"),
    ]
    for data, code in bad:
        trial = copy.deepcopy(sim.events)
        append_event(trial, "item_close", data)
        with pytest.raises(RecordError) as exc:
            replay_state(type(sim)(sim.election, trial, {}, {}, {}))
        assert exc.value.code == code, data


def test_item_close_before_the_opening_is_out_of_order() -> None:
    sim = setup_election(CONTESTS, min_ballots=1)
    add_credentials(sim, ["A"])
    state = replay_state(sim)
    append_event(sim.events, "item_close", {"election": sim.election.fingerprint, "contests": ["r1"],
                                            "counted": 0, "head": sim.events[-1]["hash"]})
    with pytest.raises(RecordError) as exc:
        replay_state(sim)
    assert exc.value.code == "order"
    assert state.opened is False


def test_the_verifier_rejects_a_tally_counting_a_ballot_cast_after_the_items_close(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    cast(sim, state, creds[1], yes_no("yes", "yes"))
    close_item(sim, state, ["r1"])
    cast(sim, state, creds[0], yes_no("no", "no"))  # a revote after r1's close
    finish(sim, state)
    good = verify_record(record_document(sim.events), workers=1)
    assert good.ok and good.complete
    # The same record whose tally counts the revote for r1 (the last ballot of every credential):
    # sums of the final counted set for every contest, every later event rebuilt honestly.
    forged = copy.deepcopy(sim.events)
    at = next(i for i, e in enumerate(forged) if e["type"] == "tally")
    honest = RecordState()
    for e in forged[:at]:
        honest.apply(e)
    honest.item_closes.clear()
    honest.closed_contests.clear()
    honest.agenda.closed.clear()
    wrong_sums = honest.counted_sums()
    tally = dict(forged[at]["data"])
    tally["sums"] = wrong_sums
    tally["decrypt"] = decrypt_sums(sim.election, wrong_sums,
                                    contest_groups(sim.election, tally["contest_counted"], sim.election.min_ballots))
    forged = rechain(forged[:at] + [{"type": "tally", "data": tally}])
    report = verify_record(record_document(forged), workers=1, out=io.StringIO())
    assert not report.ok
    assert report.failure.code == "tally_sum"
    # ... and a tally that claims the final counts for r1 fails on the counts
    forged_counts = copy.deepcopy(sim.events[:at])
    tally = dict(sim.events[at]["data"])
    tally["contest_counted"] = {**tally["contest_counted"], "r1": {"A": 1, "B": 0}}
    append_event(forged_counts, "tally", tally)
    report = verify_record(record_document(forged_counts), workers=1, out=io.StringIO())
    assert report.failure.code == "tally_count"


def test_a_record_without_item_closes_keeps_its_tally_format(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    finish(sim, state)
    tally = next(e for e in sim.events if e["type"] == "tally")["data"]
    assert set(tally) == {"election", "counted", "sums", "decrypt"}
    assert credential_public(creds[0]) in state.credentials


# -- a late addition to the electorate (5.7c) --------------------------------------------------------

def late_items(sim, categories):
    from voting.crypto.credential import generate_credential
    from voting.simulate import new_voter

    creds = [generate_credential() for _ in categories]
    items = sorted(({"credential": credential_public(c), "category": cat, "voter": new_voter()}
                    for c, cat in zip(creds, categories)), key=lambda x: x["credential"])
    for c, cat in zip(creds, categories):
        sim.credentials[c] = cat
    return creds, items


def test_a_voter_added_late_votes_and_the_counts_follow(world) -> None:
    sim, state, creds = world
    cast(sim, state, creds[0], yes_no("yes", "yes"))
    close_item(sim, state, ["r1"])
    late, items = late_items(sim, ["B"])
    state.apply(append_event(sim.events, "electorate_addition", state.electorate_addition_data(items)))
    assert state.electorate() == {"A": 2, "B": 3}
    cast(sim, state, late[0], yes_no("yes", "no"))  # counts for the items still open only
    finish(sim, state)
    assert state.result["electorate"] == {"A": 2, "B": 3}
    assert state.result["outcomes"]["r1"]["turnout"] == 1 and state.result["outcomes"]["r2"]["turnout"] == 2
    assert verify_record(record_document(sim.events), workers=1, out=io.StringIO()).ok


def test_late_addition_rules(world) -> None:
    sim, state, creds = world
    _, items = late_items(sim, ["A"])
    plain = copy.deepcopy(sim.events)  # a plain credentials event still admits no new voter after the opening
    append_event(plain, "credentials", {"election": sim.election.fingerprint, "credentials": items})
    known = {**items[0], "voter": sim.voters[creds[0]]}
    cases = [
        (plain, "credential_after_open"),
        ({**state.electorate_addition_data(items), "electorate": {"A": 2, "B": 2}}, "open_count"),
        (state.electorate_addition_data([known]), "voter_duplicate"),
    ]
    for data, code in cases:
        trial = data if isinstance(data, list) else copy.deepcopy(sim.events)
        if not isinstance(data, list):
            append_event(trial, "electorate_addition", data)
        with pytest.raises(RecordError) as exc:
            replay_state(type(sim)(sim.election, trial, {}, {}, {}))
        assert exc.value.code == code
    before = setup_election(CONTESTS, min_ballots=1)
    add_credentials(before, ["A"])
    st = replay_state(before)
    _, more = late_items(before, ["A"])
    append_event(before.events, "electorate_addition", st.electorate_addition_data(more))
    with pytest.raises(RecordError) as exc:
        replay_state(before)
    assert exc.value.code == "order"


def test_the_minimum_count_applies_contest_by_contest() -> None:
    """An item closed with one B ballot publishes only its total; the items closed later, with two B
    ballots, publish per category; the verifier agrees."""
    sim = setup_election(CONTESTS, trustees=3, threshold=2, min_ballots=2)
    creds = add_credentials(sim, ["A", "A", "B", "B"])
    state = replay_state(sim)
    open_box(sim, state)
    for cred in creds[:3]:
        cast(sim, state, cred, yes_no("yes", "no", ["a01"]))
    close_item(sim, state, ["r1"])
    cast(sim, state, creds[3], yes_no("no", "no"))
    finish(sim, state)
    tally = next(e for e in sim.events if e["type"] == "tally")["data"]
    assert set(tally["decrypt"]["total"]) == {"r1"} and set(tally["decrypt"]["A"]) == {"r2", "board-a"}
    r1, r2 = state.result["counts"]["r1"], state.result["counts"]["r2"]
    assert r1["yes"] == {"A": None, "B": None, "total": 3}
    assert r2["no"] == {"A": 2, "B": 2, "total": 4}
    assert state.result["published"] == ["A", "B", "total"]
    assert verify_record(record_document(sim.events), workers=1, out=io.StringIO()).ok
