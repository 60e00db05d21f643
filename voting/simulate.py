"""Run a whole election in memory (no Flask, no database): for tests, demo records and the bench."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from voting.crypto.ballot import encrypt_ballot
from voting.crypto.credential import credential_public, generate_credential
from voting.crypto.dkg import (
    joint_public_key,
    keygen_step1,
    keygen_step2,
    new_trustee_identity,
    partial_decrypt,
    sign_trustee_data,
)
from voting.crypto.election import Contest, Election, TrusteeInfo
from voting.record import RecordState, append_event


def reference_contests(resolutions: int = 5, board_a: int = 20, board_b: int = 12) -> tuple[Contest, ...]:
    """The reference ballot: 5 yes/no/abstain, board A at most 11 of 20, board B at most 7 of 12."""
    cs = [Contest(f"r{i + 1}", "resolution", ("yes", "no", "abstain"), 1, 1) for i in range(resolutions)]
    if board_a:
        cs.append(Contest("board-a", "board", tuple(f"a{i + 1:02d}" for i in range(board_a)), 0, min(11, board_a), category="A"))
    if board_b:
        cs.append(Contest("board-b", "board", tuple(f"b{i + 1:02d}" for i in range(board_b)), 0, min(7, board_b), category="B"))
    return tuple(cs)


@dataclass
class Simulation:
    election: Election
    events: list[dict[str, Any]]
    trustee_private: dict[str, dict[str, str]]
    trustee_shares: dict[str, dict[str, Any]]
    credentials: dict[str, str]  # private credential -> category
    ballots: list[dict[str, Any]] = field(default_factory=list)
    voters: dict[str, str] = field(default_factory=dict)  # private credential -> voter pseudonym


def setup_election(
    contests: tuple[Contest, ...], trustees: int = 3, threshold: int = 2, election_id: str = "ag-2026",
    tie_rule: str = "ballot_order", min_ballots: int = 1,
) -> Simulation:
    privs, pubs = {}, []
    for i in range(1, trustees + 1):
        priv, pub = new_trustee_identity(f"t{i}", f"Trustee {i}")
        privs[priv["id"]] = priv
        pubs.append(TrusteeInfo(**pub))
    election = Election(election_id, "Assemblée générale", contests, tuple(pubs), threshold, tie_rule,
                        min_ballots=min_ballots)
    events: list[dict[str, Any]] = []
    append_event(events, "election", election.to_json())
    step1, states = [], {}
    for tid, priv in privs.items():
        data, state = keygen_step1(election, priv)
        step1.append(data)
        states[tid] = state
        append_event(events, "trustee_commitments", data)
    shares = {}
    for tid, priv in privs.items():
        data, secret = keygen_step2(election, priv, states[tid], step1)
        shares[tid] = secret
        append_event(events, "trustee_share", data)
    state = RecordState()
    for e in events:
        state.apply(e)
    y = joint_public_key(state.commitments[t.id] for t in election.trustees)
    append_event(events, "election_key", {"election": election.fingerprint, "public_key": y.hex()})
    return Simulation(election, events, privs, shares, {})


def new_voter() -> str:
    """A voter pseudonym: 128 random bits (the record never names the member)."""
    return secrets.token_hex(16)


def add_credentials(sim: Simulation, categories: list[str], voters: list[str] | None = None) -> list[str]:
    """One credentials event; ``voters`` reuses pseudonyms (a reissue after a revocation)."""
    creds = [generate_credential() for _ in categories]
    voters = voters or [new_voter() for _ in categories]
    for cred, cat, voter in zip(creds, categories, voters):
        sim.credentials[cred] = cat
        sim.voters[cred] = voter
    items = sorted(({"credential": credential_public(c), "category": cat, "voter": v}
                    for c, cat, v in zip(creds, categories, voters)), key=lambda x: x["credential"])
    append_event(sim.events, "credentials", {"election": sim.election.fingerprint, "credentials": items})
    return creds


def revoke(sim: Simulation, credential: str) -> dict[str, Any]:
    return append_event(sim.events, "revocation", {"election": sim.election.fingerprint,
                                                   "credential": credential_public(credential)})


def open_box(sim: Simulation, state: RecordState) -> None:
    for e in sim.events[state.events:]:
        state.apply(e)
    state.apply(append_event(sim.events, "open", state.open_data()))


def random_selections(election: Election, rnd: random.Random) -> dict[str, list[str]]:
    sel = {}
    for c in election.contests:
        k = rnd.randint(c.min, c.max)
        sel[c.id] = rnd.sample(list(c.choices), k)
    return sel


def cast(sim: Simulation, state: RecordState, credential: str, selections: dict[str, list[str]], *, check: bool = True) -> dict[str, Any]:
    assert state.public_key is not None
    if not state.opened:  # a simulation convenience: the first ballot opens the box
        open_box(sim, state)
    ballot = encrypt_ballot(sim.election, state.public_key, credential, selections)
    data = state.ballot_event_data(ballot) if check else {"ballot": ballot, **dict(zip(("tracker", "supersedes"), state.check_new_ballot(ballot)))}
    state.apply(append_event(sim.events, "ballot", data))
    sim.ballots.append(ballot)
    return ballot


def close_item(sim: Simulation, state: RecordState, contests: list[str]) -> dict[str, Any]:
    """Close the vote on one agenda item's contests (an ``item_close`` event)."""
    event = append_event(sim.events, "item_close", state.item_close_data(contests))
    state.apply(event)
    return event


def hold_items(sim: Simulation, state: RecordState, contests: list[str]) -> dict[str, Any]:
    """Hold back agenda items' contests at the opening (an ``item_hold`` event right after ``open``)."""
    event = append_event(sim.events, "item_hold", state.item_hold_data(contests))
    state.apply(event)
    return event


def open_item(sim: Simulation, state: RecordState, contests: list[str]) -> dict[str, Any]:
    """Open the vote on a held-back agenda item's contests (an ``item_open`` event)."""
    event = append_event(sim.events, "item_open", state.item_open_data(contests))
    state.apply(event)
    return event


def seal(sim: Simulation, state: RecordState, trustee: str) -> dict[str, Any]:
    data = sign_trustee_data(sim.trustee_private[trustee], "seal_signature", state.seal_data(trustee))
    event = append_event(sim.events, "seal_signature", data)
    state.apply(event)
    return event


def finish(sim: Simulation, state: RecordState, decrypting: list[str] | None = None,
           sealing: list[str] | None = None) -> None:
    """Close, seal (default: the first k trustees), tally, partially decrypt with the given trustees
    (default: the first k), publish the result."""
    if not state.opened:
        open_box(sim, state)
    state.apply(append_event(sim.events, "close", state.close_data()))
    k = sim.election.threshold
    for tid in (sealing if sealing is not None else [t.id for t in sim.election.trustees][:k]):
        seal(sim, state, tid)
    state.apply(append_event(sim.events, "tally", state.tally_data()))
    assert state.tally_decrypt is not None and state.tally_hash is not None
    who = decrypting if decrypting is not None else [t.id for t in sim.election.trustees][:k]
    if state.tally_decrypt:
        for tid in who:
            data = partial_decrypt(sim.election, sim.trustee_private[tid], sim.trustee_shares[tid]["share"],
                                   state.tally_decrypt, state.tally_hash)
            state.apply(append_event(sim.events, "partial_decryption", data))
    state.apply(append_event(sim.events, "result", state.result_data()))


def replay_state(sim: Simulation) -> RecordState:
    state = RecordState()
    for e in sim.events:
        state.apply(e)
    return state
