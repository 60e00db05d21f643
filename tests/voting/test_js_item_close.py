"""Items closed one by one: the JavaScript verifier and scrutineer (static/js/scrutineer/record.mjs,
verifier.mjs, static/js/verify/worker.mjs) count exactly as Python's RecordState does, and refuse
what the Python verifier refuses. Skipped only when ``node`` is not installed."""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from voting.crypto.election import Contest
from voting.crypto.tally import contest_groups, decrypt_sums
from voting.crypto.credential import credential_public, generate_credential
from voting.record import RecordState, append_event, rechain, record_document
from voting.simulate import (add_credentials, cast, close_item, finish, hold_items, new_voter, open_box, open_item,
                             revoke, setup_election)
from voting.verify import verify_record

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

pytestmark = [pytest.mark.no_db, pytest.mark.skipif(NODE is None, reason="node is not installed")]

CONTESTS = (
    Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("r2", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("board-a", "board", ("a1", "a2", "a3"), 0, 2, category="A", seats=2),
)


def sel(r1: str, r2: str, board: list[str] | None = None) -> dict[str, list[str]]:
    return {"r1": [r1], "r2": [r2], "board-a": board or []}


def build(tmp: Path) -> dict[str, list[dict]]:
    sim = setup_election(CONTESTS, trustees=3, threshold=2, election_id="items", min_ballots=1)
    creds = add_credentials(sim, ["A", "A", "A", "B"])
    state = RecordState()
    for e in sim.events:
        state.apply(e)
    open_box(sim, state)
    cast(sim, state, creds[0], sel("yes", "yes", ["a1"]))
    cast(sim, state, creds[1], sel("no", "yes"))
    cast(sim, state, creds[3], sel("yes", "no"))
    close_item(sim, state, ["r1"])
    cast(sim, state, creds[0], sel("no", "no", ["a2"]))  # a revote after r1's close
    cast(sim, state, creds[2], sel("no", "abstain", ["a3"]))  # a first ballot after r1's close
    state.apply(revoke(sim, creds[1]))  # a revocation after r1's close: r1 keeps its ballot
    late = generate_credential()  # a voter added late (an audited correction of the electorate)
    sim.credentials[late] = "B"
    items = [{"credential": credential_public(late), "category": "B", "voter": new_voter()}]
    state.apply(append_event(sim.events, "electorate_addition", state.electorate_addition_data(items)))
    cast(sim, state, late, sel("yes", "yes"))
    close_item(sim, state, ["r2"])
    cast(sim, state, creds[3], sel("abstain", "abstain"))  # counts for board-a only
    before_tally = len(sim.events)
    finish(sim, state)
    cases = {"items_ok": copy.deepcopy(sim.events)}

    # The tally counts every contest from the last ballots (as if no item had closed): post-close
    # ballots counted for r1 and r2.
    at = next(i for i, e in enumerate(sim.events) if e["type"] == "tally")
    assert at >= before_tally
    wrong = RecordState()
    for e in sim.events[:at]:
        wrong.apply(e)
    wrong.item_closes.clear()
    wrong.closed_contests.clear()
    wrong.agenda.closed.clear()
    tally = dict(sim.events[at]["data"])
    tally["sums"] = wrong.counted_sums()
    tally["decrypt"] = decrypt_sums(sim.election, tally["sums"],
                                    contest_groups(sim.election, tally["contest_counted"], sim.election.min_ballots))
    events = copy.deepcopy(sim.events[:at])
    append_event(events, "tally", tally)
    cases["refuse_post_close_ballot_counted"] = events

    # The tally claims other counts for r1 (every A credential listed).
    tally = dict(sim.events[at]["data"])
    tally["contest_counted"] = {**tally["contest_counted"], "r1": {"A": 3, "B": 0}}
    events = copy.deepcopy(sim.events[:at])
    append_event(events, "tally", tally)
    cases["refuse_contest_counts"] = events

    # Every item closed, then a ballot (the server would refuse it; a made-up board holds it).
    events = copy.deepcopy(sim.events[:at])
    events = events[: next(i for i, e in enumerate(events) if e["type"] == "close")]
    st = RecordState()
    for e in events:
        st.apply(e)
    append_event(events, "item_close", st.item_close_data(["board-a"]))
    late = next(e for e in reversed(events) if e["type"] == "ballot")
    append_event(events, "ballot", {**late["data"]})  # (rejected before anything else is compared)
    cases["refuse_ballot_after_every_item"] = events

    # A late addition whose stated electorate is not the credential list's.
    events = copy.deepcopy(sim.events)
    events = events[: next(i for i, e in enumerate(events) if e["type"] == "electorate_addition") + 1]
    events[-1] = {**events[-1], "data": {**events[-1]["data"], "electorate": {"A": 9, "B": 9}}}
    cases["refuse_late_electorate"] = rechain(events)

    # r1 closed twice.
    events = copy.deepcopy(sim.events[: next(i for i, e in enumerate(sim.events) if e["type"] == "close")])
    st = RecordState()
    for e in events:
        st.apply(e)
    append_event(events, "item_close", {**st.item_close_data(["board-a"]), "contests": ["r1"]})
    cases["refuse_item_closed_twice"] = events

    # The minimum count contest by contest: r1 closed with one B ballot publishes only its total.
    mixed = setup_election(CONTESTS, trustees=3, threshold=2, election_id="items-mixed", min_ballots=2)
    mc = add_credentials(mixed, ["A", "A", "B", "B"])
    st = RecordState()
    for e in mixed.events:
        st.apply(e)
    open_box(mixed, st)
    for cred in mc[:3]:
        cast(mixed, st, cred, sel("yes", "no", ["a1"]))
    close_item(mixed, st, ["r1"])
    cast(mixed, st, mc[3], sel("no", "no"))
    finish(mixed, st)
    assert st.result["counts"]["r1"]["yes"] == {"A": None, "B": None, "total": 3}
    cases["items_mixed"] = mixed.events

    # Fewer ballots than the minimum count everywhere: every count withheld, nothing decrypted, and
    # the result names no scrutineer (the browser verifier once called that a failure).
    few = setup_election(CONTESTS, trustees=3, threshold=2, election_id="items-few", min_ballots=5)
    fc = add_credentials(few, ["A", "B"])
    st = RecordState()
    for e in few.events:
        st.apply(e)
    open_box(few, st)
    for cred in fc:
        cast(few, st, cred, sel("yes", "no"))
    finish(few, st)
    assert st.result["trustees"] == [] and not any(e["type"] == "partial_decryption" for e in few.events)
    cases["all_withheld"] = few.events

    cases.update(build_held())
    for name, evs in cases.items():
        (tmp / f"{name}.json").write_text(json.dumps(record_document(evs)), encoding="utf-8")
    return cases


def build_held() -> dict[str, list[dict]]:
    """Items held back at the opening and opened later (5.8b): r2 held, opened, then closed;
    board-a held and never opened."""
    sim = setup_election(CONTESTS, trustees=3, threshold=2, election_id="items-held", min_ballots=1)
    creds = add_credentials(sim, ["A", "A", "A", "B"])
    state = RecordState()
    for e in sim.events:
        state.apply(e)
    open_box(sim, state)
    hold_items(sim, state, ["r2", "board-a"])
    cast(sim, state, creds[0], sel("yes", "yes", ["a1"]))  # before r2 opens: counts for r1 only
    cast(sim, state, creds[1], sel("no", "yes"))
    open_item(sim, state, ["r2"])
    cast(sim, state, creds[1], sel("no", "no"))  # a revote after r2's open: counts for r2
    cast(sim, state, creds[3], sel("yes", "abstain"))
    cast(sim, state, creds[2], sel("yes", "yes"))
    state.apply(revoke(sim, creds[2]))  # revoked: counts for nothing
    close_item(sim, state, ["r2"])
    cast(sim, state, creds[0], sel("abstain", "no"))  # after r2's close: r1 only
    finish(sim, state)
    cases = {"held_ok": copy.deepcopy(sim.events)}
    at = next(i for i, e in enumerate(sim.events) if e["type"] == "tally")
    wrong = RecordState()
    for e in sim.events[:at]:
        wrong.apply(e)
    wrong.agenda.held.clear()  # the pre-open ballots counted for r2
    tally = dict(sim.events[at]["data"])
    tally["sums"] = wrong.counted_sums()
    tally["decrypt"] = decrypt_sums(sim.election, tally["sums"],
                                    contest_groups(sim.election, tally["contest_counted"], sim.election.min_ballots))
    events = copy.deepcopy(sim.events[:at])
    append_event(events, "tally", tally)
    cases["refuse_pre_open_ballot_counted"] = events
    tally = dict(sim.events[at]["data"])
    tally["contest_counted"] = {**tally["contest_counted"], "r2": {"A": 2, "B": 1}}
    events = copy.deepcopy(sim.events[:at])
    append_event(events, "tally", tally)
    cases["refuse_held_counts"] = events
    first_open = next(i for i, e in enumerate(sim.events) if e["type"] == "item_open")
    events = copy.deepcopy(sim.events[: first_open + 1])
    append_event(events, "item_open", {"election": sim.election.fingerprint, "contests": ["r2"]})
    cases["refuse_item_opened_twice"] = events
    events = copy.deepcopy(sim.events[: first_open + 1])
    append_event(events, "item_close", {"election": sim.election.fingerprint, "contests": ["board-a"],
                                        "counted": 2, "head": events[-1]["hash"]})
    cases["refuse_close_before_item_open"] = events
    events = copy.deepcopy(sim.events[: first_open + 1])
    append_event(events, "item_hold", {"election": sim.election.fingerprint, "contests": ["r1"]})
    cases["refuse_late_hold"] = events
    return cases


EXPECTED = {
    "held_ok": None,
    "refuse_pre_open_ballot_counted": "tally_sum",
    "refuse_held_counts": "tally_count",
    "refuse_item_opened_twice": "item_open",
    "refuse_close_before_item_open": "item_close",
    "refuse_late_hold": "order",
    "items_ok": None,
    "refuse_post_close_ballot_counted": "tally_sum",
    "refuse_contest_counts": "tally_count",
    "refuse_ballot_after_every_item": "ballot_after_close",
    "refuse_item_closed_twice": "item_close",
    "refuse_late_electorate": "open_count",
}


def test_python_and_javascript_agree_on_item_closes(tmp_path: Path) -> None:
    cases = build(tmp_path)
    for name, code in EXPECTED.items():  # the Python verifier's verdicts
        report = verify_record(record_document(cases[name]), workers=1, out=io.StringIO())
        got = report.failure.code if report.failure else None
        assert got == code, (name, report.failure)
    state = RecordState()
    for e in cases["items_ok"]:
        state.apply(e)
    (tmp_path / "expected.json").write_text(json.dumps({
        "codes": EXPECTED, "contest_counted": state.tally_contest_counted, "counts": state.result["counts"],
        "held": held_expected(cases["held_ok"]),
    }), encoding="utf-8")
    assert state.tally_contest_counted == {"r1": {"A": 2, "B": 1}, "r2": {"A": 2, "B": 2}, "board-a": {"A": 2, "B": 2}}
    assert state.result["electorate"] == {"A": 2, "B": 2}  # one A revoked, one B added late
    assert state.result["counts"]["r1"]["yes"]["total"] == 2 and state.result["counts"]["r2"]["no"]["total"] == 2
    env = dict(os.environ, UNEVOIX_ITEMS_DIR=str(tmp_path))
    proc = subprocess.run([NODE, "--test", "--test-reporter=tap", str(ROOT / "tests" / "js" / "item_close.test.mjs")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert sum(1 for line in proc.stdout.splitlines() if line.startswith("ok ")) == 6, proc.stdout[-3000:]


def held_expected(events: list[dict]) -> dict:
    state = RecordState()
    for e in events:
        state.apply(e)
    # r1: the last ballots of creds 0, 1, 3 (2 revoked); r2: creds 1 and 3 (after its open, before its
    # close; cred 0's ballot before the open does not count); board-a: held and never opened.
    assert state.tally_contest_counted == {"r1": {"A": 2, "B": 1}, "r2": {"A": 1, "B": 1}, "board-a": {"A": 0, "B": 0}}
    r2 = state.result["counts"]["r2"]
    assert (r2["yes"]["total"], r2["no"]["total"], r2["abstain"]["total"]) == (0, 1, 1)
    return {"contest_counted": state.tally_contest_counted, "counts": state.result["counts"]}
