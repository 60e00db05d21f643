"""Records a dishonest server could hand a scrutineer to make it decrypt someone's vote.

Shared by the Python tests (``python -m voting.trustee decrypt``) and the
JavaScript ones (``tests/js/scrutineer_refusals.test.mjs`` through
``test_js_scrutineer_refusals.py``): both tools must refuse every ``refuse_*``
case and accept ``ok``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from voting.crypto.ballot import SIGNATURE_PREFIX, ballot_tracker, encrypt_ballot, unsigned_ballot_hash
from voting.crypto.credential import credential_private_key, credential_public, generate_credential
from voting.crypto.election import Contest
from voting.crypto.group import ORDER, Element, base_mul, scalar_from_hex, scalar_hex
from voting.crypto.proofs import random_scalar
from voting.crypto.tally import decrypt_sums, published_groups
from voting.record import RecordState, append_event, record_document
from voting.crypto.dkg import sign_trustee_data
from voting.simulate import Simulation, add_credentials, cast, new_voter, setup_election

CONTESTS = (
    Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("board-a", "board", ("a1", "a2", "a3"), 0, 2, category="A", seats=2),
)


def _replay(events: list[dict[str, Any]]) -> RecordState:
    state = RecordState()
    for e in events:
        state.apply(e)
    return state


def _open(events: list[dict[str, Any]], state: RecordState) -> None:
    state.apply(append_event(events, "open", state.open_data()))


def _close_and_tally(events: list[dict[str, Any]], state: RecordState, sim: Simulation) -> None:
    """Close, the first k scrutineers seal, the tally."""
    state.apply(append_event(events, "close", state.close_data()))
    for tid in ("t1", "t2"):
        state.apply(append_event(events, "seal_signature", sign_trustee_data(
            sim.trustee_private[tid], "seal_signature", state.seal_data(tid))))
    state.apply(append_event(events, "tally", state.tally_data()))


def build_cases() -> tuple[Simulation, dict[str, list[dict[str, Any]]]]:
    """(the simulation, with its trustees' secrets) and {case name: events}."""
    sim = setup_election(CONTESTS, trustees=3, threshold=2, election_id="refusals", min_ballots=5)
    base_events = copy.deepcopy(sim.events)
    creds = add_credentials(sim, ["A"] * 6 + ["B"] * 2)
    _open(sim.events, _replay(sim.events))
    setup = copy.deepcopy(sim.events)
    cases: dict[str, list[dict[str, Any]]] = {}

    # ok: six A voters (one revotes), no B voter: every published count has >= 5 ballots or none.
    state = _replay(sim.events)
    for i, cred in enumerate(creds[:6]):
        cast(sim, state, cred, {"r1": [["yes", "no", "abstain"][i % 3]], "board-a": ["a1"] if i % 2 else []})
    cast(sim, state, creds[0], {"r1": ["no"]})
    open_events = copy.deepcopy(sim.events)
    _close_and_tally(sim.events, state, sim)
    cases["ok"] = copy.deepcopy(sim.events)

    # The victim's ballot alone on the board.
    events = copy.deepcopy(setup)
    state = _replay(events)
    victim = encrypt_ballot(sim.election, state.public_key, creds[0], {"r1": ["yes"], "board-a": ["a2"]})
    state.apply(append_event(events, "ballot", state.ballot_event_data(victim)))
    _close_and_tally(events, state, sim)
    cases["refuse_one_ballot"] = events

    # Five A voters and one B voter: category B's count would show that voter's choices, so the
    # tally decrypts only the total of both categories (not a refusal: nothing shows).
    events = copy.deepcopy(setup)
    state = _replay(events)
    for cred in creds[:5] + creds[6:7]:
        state.apply(append_event(events, "ballot", state.ballot_event_data(
            encrypt_ballot(sim.election, state.public_key, cred, {"r1": ["no"]}))))
    _close_and_tally(events, state, sim)
    cases["total_only"] = events

    # A tally the server made up from one member's ciphertexts (the counts look right).
    events = copy.deepcopy(cases["ok"])
    tally = events[-1]
    victim = next(e["data"]["ballot"] for e in events if e["type"] == "ballot")
    sums = copy.deepcopy(tally["data"]["sums"])
    for c in victim["contests"]:
        for ch in c["choices"]:
            sums["A"][c["id"]][ch["id"]] = {"alpha": ch["alpha"], "beta": ch["beta"]}
    events = events[:-1]
    groups = published_groups(tally["data"]["counted"], sim.election.min_ballots)
    append_event(events, "tally", {**tally["data"], "sums": sums, "decrypt": decrypt_sums(sim.election, sums, groups)})
    cases["refuse_made_up_tally"] = events

    # Honest sums, but the totals to decrypt made up from one member's ciphertexts.
    events = copy.deepcopy(cases["ok"])
    tally = events[-1]
    decrypt = copy.deepcopy(tally["data"]["decrypt"])
    for c in victim["contests"]:
        for ch in c["choices"]:
            decrypt["A"][c["id"]][ch["id"]] = {"alpha": ch["alpha"], "beta": ch["beta"]}
    events = events[:-1]
    append_event(events, "tally", {**tally["data"], "decrypt": decrypt})
    cases["refuse_made_up_decrypt"] = events

    # A ballot the server made up from another member's ciphertexts, re-randomised (so no ciphertext
    # repeats) under a credential it controls, with the victim's proofs; four dummy voters beside it.
    events = copy.deepcopy(base_events)
    server_creds = [generate_credential() for _ in range(5)]
    items = sorted(({"credential": credential_public(c), "category": "A", "voter": new_voter()}
                    for c in server_creds + [creds[0]]), key=lambda x: x["credential"])
    append_event(events, "credentials", {"election": sim.election.fingerprint, "credentials": items})
    _open(events, _replay(events))
    # The record's replay with ballot crypto deferred (as a board replays its rows) accepts the forgery;
    # only verifying every ballot refuses it.
    state = RecordState(defer_ballots=True)
    for e in events:
        state.apply(e)
    victim = encrypt_ballot(sim.election, state.public_key, creds[0], {"r1": ["yes"], "board-a": ["a3"]})
    state.apply(append_event(events, "ballot", state.ballot_event_data(victim)))
    y = state.public_key
    forged = copy.deepcopy(victim)
    forged["credential"] = credential_public(server_creds[0])
    for c in forged["contests"]:
        for ch in c["choices"]:
            r = random_scalar()
            ch["alpha"] = (Element.from_hex(ch["alpha"]) + base_mul(r)).hex()
            ch["beta"] = (Element.from_hex(ch["beta"]) + y * r).hex()
            # (the victim's proof values, shifted by the same randomness: no value repeats on the board)
            ch["proof"] = [{"c": p["c"], "s": scalar_hex((scalar_from_hex(p["s"]) + r) % ORDER)} for p in ch["proof"]]
    key = credential_private_key(server_creds[0])
    forged["signature"] = key.sign(SIGNATURE_PREFIX + unsigned_ballot_hash(forged)).hex()
    state.apply(append_event(events, "ballot", {"ballot": forged, "tracker": ballot_tracker(forged), "supersedes": None}))
    for cred in server_creds[1:]:
        state.apply(append_event(events, "ballot", state.ballot_event_data(
            encrypt_ballot(sim.election, y, cred, {"r1": ["abstain"]}))))
    _close_and_tally(events, state, sim)
    cases["refuse_made_up_ballot"] = events

    # The board is not closed: no tally, nothing to decrypt.
    cases["refuse_unclosed"] = open_events
    # Closed, but sealed by one scrutineer of the two needed: no tally may follow.
    events = copy.deepcopy(open_events)
    state = _replay(events)
    state.apply(append_event(events, "close", state.close_data()))
    state.apply(append_event(events, "seal_signature", sign_trustee_data(
        sim.trustee_private["t1"], "seal_signature", state.seal_data("t1"))))
    cases["refuse_unsealed"] = events
    # An election defined to publish counts of a single ballot: a one-ballot tally would be decrypted.
    low = setup_election(CONTESTS, trustees=3, threshold=2, election_id="refusals-low", min_ballots=1)
    lcreds = add_credentials(low, ["A"] * 6)
    state = _replay(low.events)
    _open(low.events, state)
    state.apply(append_event(low.events, "ballot", state.ballot_event_data(
        encrypt_ballot(low.election, state.public_key, lcreds[0], {"r1": ["yes"]}))))
    _close_and_tally(low.events, state, low)
    cases["refuse_low_minimum"] = low.events
    return sim, cases


def write_cases(directory: Path) -> tuple[Simulation, dict[str, Path]]:
    sim, cases = build_cases()
    paths = {}
    for name, events in cases.items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(record_document(events)), encoding="utf-8")
        paths[name] = path
    for tid, priv in sim.trustee_private.items():
        (directory / f"{tid}.key").write_text(json.dumps(priv), encoding="utf-8")
        (directory / f"{tid}.share").write_text(json.dumps(sim.trustee_shares[tid]), encoding="utf-8")
    return sim, paths
