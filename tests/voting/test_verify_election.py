"""A whole election end to end: 5 trustees (threshold 3), 60 credentials in both categories, abstentions,
revotes, one trustee absent. (Sized to prove the counts, not the speed: bench/ballots.py times 36,000.)"""

from __future__ import annotations

import copy
import io
import random
from collections import Counter
from typing import Any

import pytest

from voting.crypto.ballot import encrypt_ballot
from voting.crypto.credential import generate_credential
from voting.record import RecordError, RecordState, append_event, make_event, record_document
from voting.simulate import (
    Simulation,
    add_credentials,
    cast,
    finish,
    random_selections,
    reference_contests,
    replay_state,
    setup_election,
)
from voting.verify import verify_record

pytestmark = pytest.mark.no_db


@pytest.fixture(scope="module")
def election() -> dict[str, Any]:
    rnd = random.Random(2026)
    sim = setup_election(reference_contests(), trustees=5, threshold=3)
    cats = ["A"] * 40 + ["B"] * 20
    creds = add_credentials(sim, cats)
    state = replay_state(sim)
    final: dict[str, dict[str, list[str]]] = {}
    voters = creds[:55]  # 5 abstain from voting
    for cred in voters:
        sel = random_selections(sim.election, rnd)
        cast(sim, state, cred, sel, check=False)
        final[cred] = sel
    for cred in rnd.sample(voters, 8):  # revotes: the last ballot counts
        sel = random_selections(sim.election, rnd)
        cast(sim, state, cred, sel, check=False)
        final[cred] = sel
    before_close = copy.deepcopy(state)
    finish(sim, state, ["t5", "t1", "t4", "t3"])  # t2 absent; the result uses the first three on the record
    return {"sim": sim, "state": state, "creds": creds, "final": final, "before_close": before_close}


def test_verifier_passes_and_counts_match_the_plaintext(election: dict[str, Any]) -> None:
    sim: Simulation = election["sim"]
    out = io.StringIO()
    report = verify_record(record_document(sim.events), workers=2, out=out)
    assert report.ok, report.failure
    assert report.complete
    assert report.worker_processes == 2  # their memory counts in peak_rss_mb
    first_ballot = next(i for i, e in enumerate(sim.events) if e["type"] == "ballot")
    alone = verify_record(record_document(sim.events[:first_ballot + 3]), workers=1, out=io.StringIO())
    assert alone.checked["ballots"] == 3 and alone.worker_processes == 0
    assert report.checked["ballots"] == 63
    assert report.checked["superseded_ballots"] == 8
    assert report.checked["counted_ballots"] == 55
    assert report.checked["partial_decryptions"] == 4
    result = sim.events[-1]["data"]
    assert result["trustees"] == ["t1", "t4", "t5"]
    expected: dict[str, Counter[str]] = {"A": Counter(), "B": Counter()}
    for cred, sel in election["final"].items():
        cat = sim.credentials[cred]
        for cid, chosen in sel.items():
            for ch in chosen:
                expected[cat][f"{cid}/{ch}"] += 1
    for contest in sim.election.contests:
        for ch in contest.choices:
            got = result["counts"][contest.id][ch]
            assert got["A"] == expected["A"][f"{contest.id}/{ch}"]
            assert got["B"] == expected["B"][f"{contest.id}/{ch}"]
            assert got["total"] == got["A"] + got["B"]
    assert result["counted"] == {"A": sum(1 for c in election["final"] if sim.credentials[c] == "A"),
                                 "B": sum(1 for c in election["final"] if sim.credentials[c] == "B")}
    assert result["electorate"] == {"A": 40, "B": 20}
    board_a = result["outcomes"]["board-a"]
    assert len(board_a["elected"]) == 11


def test_any_three_trustees_give_the_same_result(election: dict[str, Any]) -> None:
    sim: Simulation = election["sim"]
    state: RecordState = election["state"]
    from voting.crypto.dkg import partial_decrypt

    types = [e["type"] for e in sim.events]
    upto = types.index("partial_decryption")
    alt = RecordState()
    for e in sim.events[:upto]:
        alt.apply(e)
    events = list(sim.events[:upto])
    for tid in ("t2", "t3"):
        data = partial_decrypt(sim.election, sim.trustee_private[tid], sim.trustee_shares[tid]["share"],
                               alt.tally_sums, alt.tally_hash)
        alt.apply(append_event(events, "partial_decryption", data))
    with pytest.raises(RecordError) as info:
        alt.result_data()
    assert info.value.code == "not_enough_trustees" and "t1" in info.value.message and "t5" in info.value.message
    data = partial_decrypt(sim.election, sim.trustee_private["t4"], sim.trustee_shares["t4"]["share"],
                           alt.tally_sums, alt.tally_hash)
    alt.apply(append_event(events, "partial_decryption", data))
    other = alt.result_data()
    assert other["trustees"] == ["t2", "t3", "t4"]
    assert other["counts"] == state.result["counts"]
    assert other["outcomes"] == state.result["outcomes"]


def test_board_refuses_bad_ballots(election: dict[str, Any]) -> None:
    sim: Simulation = election["sim"]
    state: RecordState = copy.deepcopy(election["before_close"])
    creds = election["creds"]
    y = state.public_key
    fresh = creds[-1]  # never voted
    # Unknown credential.
    with pytest.raises(RecordError) as info:
        state.ballot_event_data(encrypt_ballot(sim.election, y, generate_credential(), {"r1": ["yes"], "r2": ["yes"], "r3": ["yes"], "r4": ["yes"], "r5": ["yes"]}))
    assert info.value.code == "unknown_credential"
    sel = {f"r{i}": ["no"] for i in range(1, 6)}
    # Copy of another credential's ballot, re-signed by the copier.
    from voting.crypto.ballot import SIGNATURE_PREFIX, unsigned_ballot_hash
    from voting.crypto.credential import credential_private_key, public_key_hex

    victim = state.ballots[0].ballot
    key = credential_private_key(fresh)
    copied = {k: v for k, v in copy.deepcopy(victim).items() if k != "signature"}
    copied["credential"] = public_key_hex(key)
    copied["signature"] = key.sign(SIGNATURE_PREFIX + unsigned_ballot_hash(copied)).hex()
    with pytest.raises(RecordError) as info:
        state.ballot_event_data(copied)
    assert info.value.code == "ballot_copied"
    # Duplicate (replayed) ballot.
    with pytest.raises(RecordError) as info:
        state.ballot_event_data(copy.deepcopy(victim))
    assert info.value.code == "duplicate_ballot"
    # Wrong election.
    bad = encrypt_ballot(sim.election, y, fresh, sel)
    bad["election"] = "0" * 64
    with pytest.raises(RecordError) as info:
        state.ballot_event_data(bad)
    assert info.value.code == "wrong_election"
    # A valid ballot is accepted and supersession is computed.
    good = encrypt_ballot(sim.election, y, fresh, sel)
    data = state.ballot_event_data(good)
    assert data["supersedes"] is None
    state.apply(make_event(state.last, "ballot", data))
    again = state.ballot_event_data(encrypt_ballot(sim.election, y, fresh, sel))
    assert again["supersedes"] == data["tracker"]
    # After close: refused.
    state.apply(make_event(state.last, "close", state.close_data()))
    with pytest.raises(RecordError) as info:
        state.ballot_event_data(encrypt_ballot(sim.election, y, creds[-2], sel))
    assert info.value.code == "ballot_after_close"


def test_record_replays_without_deferral(election: dict[str, Any]) -> None:
    """The non-parallel path (what a DB-backed board uses) checks every ballot as it goes."""
    sim: Simulation = election["sim"]
    state = RecordState()
    for e in sim.events[:40]:
        state.apply(e)
    assert state.counts["ballot"] > 20


def test_spliced_ballot_event_hash_equals_the_plain_one(election: dict[str, Any]) -> None:
    from voting.crypto.encoding import canonical_json
    from voting.record import event_hash

    sim: Simulation = election["sim"]
    ballots = [e for e in sim.events if e["type"] == "ballot"]
    assert any(e["data"]["supersedes"] for e in ballots)
    for e in ballots[:5] + [b for b in ballots if b["data"]["supersedes"]][:5]:
        assert event_hash(e, canonical_json(e["data"]["ballot"])) == event_hash(e) == e["hash"]
