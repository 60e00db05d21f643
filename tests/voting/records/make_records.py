"""Write a small valid election record and copies of it each broken in ONE way.

Run from the repository root: ``.venv/bin/python tests/voting/records/make_records.py``.
Writes ``valid.json``, one ``<name>.json`` per tampering, and ``expected.json``
mapping each file to the reason code ``python -m voting.verify`` must give
(``null`` for the valid record). Except ``broken_hash_link``, each tampered
copy is re-chained (every hash recomputed), as a dishonest server would do, so
that the verifier must find the semantic failure, not just a bad hash.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from voting.crypto.ballot import SIGNATURE_PREFIX, ballot_tracker, encrypt_ballot, unsigned_ballot_hash  # noqa: E402
from voting.crypto.credential import credential_private_key, generate_credential, public_key_hex  # noqa: E402
from voting.crypto.dkg import sign_trustee_data  # noqa: E402
from voting.crypto.election import Contest  # noqa: E402
from voting.crypto.group import ORDER, Element, base_mul  # noqa: E402
from voting.crypto.tally import decrypt_sums, published_groups  # noqa: E402
from voting.record import event_hash, record_document, rechain  # noqa: E402
from voting.simulate import add_credentials, cast, finish, replay_state, revoke, setup_election  # noqa: E402


def small_contests() -> tuple[Contest, ...]:
    return (
        Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
        Contest("r2", "resolution", ("yes", "no", "abstain"), 1, 1, majority="two_thirds"),
        Contest("board-a", "board", ("a01", "a02", "a03", "a04", "a05"), 0, 3, category="A", seats=3),
        Contest("board-b", "board", ("b01", "b02", "b03", "b04"), 0, 2, category="B", seats=2),
    )


SELECTIONS = [
    {"r1": ["yes"], "r2": ["yes"], "board-a": ["a01", "a02", "a03"], "board-b": ["b01"]},
    {"r1": ["yes"], "r2": ["no"], "board-a": ["a01", "a04"], "board-b": ["b02", "b03"]},
    {"r1": ["no"], "r2": ["yes"], "board-a": ["a02"], "board-b": ["b01", "b02"]},
    {"r1": ["abstain"], "r2": ["yes"], "board-a": [], "board-b": ["b04"]},
    {"r1": ["yes"], "r2": ["abstain"], "board-a": ["a03", "a05", "a01"], "board-b": []},
]
REVOTE = {"r1": ["no"], "r2": ["no"], "board-a": ["a05"], "board-b": ["b03", "b04"]}


def resign(ballot: dict[str, Any], credential: str) -> dict[str, Any]:
    key = credential_private_key(credential)
    out = {k: v for k, v in ballot.items() if k != "signature"}
    out["credential"] = public_key_hex(key)
    out["signature"] = key.sign(SIGNATURE_PREFIX + unsigned_ballot_hash(out)).hex()
    return out


def ballot_event(ballot: dict[str, Any], supersedes: str | None) -> dict[str, Any]:
    return {"seq": 0, "type": "ballot", "prev": "", "hash": "",
            "data": {"ballot": ballot, "tracker": ballot_tracker(ballot), "supersedes": supersedes}}


def build() -> dict[str, tuple[list[dict[str, Any]], str | None]]:
    sim = setup_election(small_contests(), trustees=3, threshold=2, election_id="demo-2026")
    creds = add_credentials(sim, ["A", "A", "A", "A", "B", "B", "B"])
    state = replay_state(sim)
    for cred, sel in zip(creds, SELECTIONS):
        cast(sim, state, cred, sel)
    cast(sim, state, creds[1], REVOTE)  # a revote: supersedes creds[1]'s first ballot
    # creds[4]'s holder lost it: revoked (its ballot no longer counts), a new one issued to the same voter.
    state.apply(revoke(sim, creds[4]))
    (reissued,) = add_credentials(sim, ["B"], [sim.voters[creds[4]]])
    state.apply(sim.events[-1])
    cast(sim, state, reissued, SELECTIONS[3])
    finish(sim, state, ["t3", "t1"], sealing=["t2", "t3"])  # t2 sealed but does not decrypt
    valid = sim.events
    el, y = sim.election, Element.from_hex(valid[[e["type"] for e in valid].index("election_key")]["data"]["public_key"])
    types = [e["type"] for e in valid]
    close_at = types.index("close")
    ballot_idx = [i for i, t in enumerate(types) if t == "ballot"]
    unvoted = creds[5]
    out: dict[str, tuple[list[dict[str, Any]], str | None]] = {"valid": (valid, None)}

    def reseal(evs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Re-chain, and have the scrutineers sign the tampered board's seal (they were fooled), so
        that the verifier must find the tampering itself, not a broken seal."""
        evs = rechain(evs)
        kinds = [e["type"] for e in evs]
        if "close" not in kinds:
            return evs
        at = kinds.index("close")
        evs[at]["data"]["head"] = evs[at - 1]["hash"]
        evs = rechain(evs)
        for e in evs:
            if e["type"] == "seal_signature":
                data = {k: v for k, v in e["data"].items() if k != "signature"}
                data["close"], data["head"] = evs[at]["hash"], evs[at]["data"]["head"]
                e["data"] = sign_trustee_data(sim.trustee_private[data["trustee"]], "seal_signature", data)
        return rechain(evs)

    def with_insert(at: int, event: dict[str, Any]) -> list[dict[str, Any]]:
        evs = copy.deepcopy(valid)
        evs.insert(at, event)
        return reseal(evs)

    # A ballot added (validly made by a credential that had not voted) after the close count was taken.
    added = encrypt_ballot(el, y, unvoted, SELECTIONS[0])
    out["ballot_added"] = (with_insert(close_at, ballot_event(added, None)), "close_count")

    # A ballot removed (one that neither supersedes nor is superseded).
    evs = copy.deepcopy(valid)
    del evs[ballot_idx[2]]
    out["ballot_removed"] = (reseal(evs), "close_count")

    # A ballot replaced by another ballot of the same voter (validly signed, other choices).
    evs = copy.deepcopy(valid)
    victim = evs[ballot_idx[0]]["data"]
    other = encrypt_ballot(el, y, creds[0], REVOTE)
    victim["ballot"], victim["tracker"] = other, ballot_tracker(other)
    out["ballot_replaced"] = (reseal(evs), "tally_sum")

    # A ballot duplicated.
    out["ballot_duplicated"] = (with_insert(ballot_idx[2] + 1, copy.deepcopy(valid[ballot_idx[2]])), "duplicate_ballot")

    # A ballot copied from another voter: a voter re-signs another's ciphertexts and proofs.
    copied = resign(copy.deepcopy(valid[ballot_idx[0]]["data"]["ballot"]), unvoted)
    out["ballot_copied"] = (with_insert(close_at, ballot_event(copied, None)), "ballot_copied")

    # A ballot signed by a credential that is not on the list.
    stranger = generate_credential()
    unknown = encrypt_ballot(el, y, stranger, SELECTIONS[1])
    out["unknown_credential"] = (with_insert(close_at, ballot_event(unknown, None)), "unknown_credential")

    # A ballot whose 0/1 proof was altered, re-signed by its voter (found by the parallel proof check).
    evs = copy.deepcopy(valid)
    victim = evs[ballot_idx[3]]["data"]
    proof = victim["ballot"]["contests"][2]["choices"][1]["proof"][0]
    proof["s"] = format((int(proof["s"], 16) + 1) % ORDER, "064x")
    victim["ballot"] = resign(victim["ballot"], creds[3])
    victim["tracker"] = ballot_tracker(victim["ballot"])
    out["ballot_bad_proof"] = (reseal(evs), "choice_proof")

    # A ballot altered without its voter's key.
    evs = copy.deepcopy(valid)
    victim = evs[ballot_idx[3]]["data"]
    victim["ballot"]["contests"][0]["choices"] = list(reversed(victim["ballot"]["contests"][0]["choices"][:2])) + \
        victim["ballot"]["contests"][0]["choices"][2:]
    for ch, name in zip(victim["ballot"]["contests"][0]["choices"], ("yes", "no", "abstain")):
        ch["id"] = name
    victim["tracker"] = ballot_tracker(victim["ballot"])
    out["ballot_forged"] = (reseal(evs), "ballot_signature")

    # A ballot that does not name the ballot it supersedes.
    evs = copy.deepcopy(valid)
    evs[ballot_idx[5]]["data"]["supersedes"] = None  # the revote of creds[1]
    out["supersession_hidden"] = (reseal(evs), "supersession")

    # A broken hash link: one ballot event points past its predecessor (its own hash recomputed).
    evs = copy.deepcopy(valid)
    evs[ballot_idx[1]]["prev"] = evs[ballot_idx[1] - 2]["hash"]
    evs[ballot_idx[1]]["hash"] = event_hash(evs[ballot_idx[1]])
    out["broken_hash_link"] = (evs, "hash_link")

    # The encrypted tally altered (the product of another set of ballots).
    evs = copy.deepcopy(valid)
    tally = evs[types.index("tally")]["data"]
    cell = tally["sums"]["A"]["r1"]["yes"]
    cell["beta"] = (Element.from_hex(cell["beta"], allow_identity=True) + base_mul(1)).hex()
    tally["decrypt"] = decrypt_sums(el, tally["sums"], published_groups(tally["counted"], el.min_ballots))
    out["wrong_tally"] = (reseal(evs), "tally_sum")

    # A wrong partial decryption, re-signed by its (dishonest) trustee.
    evs = copy.deepcopy(valid)
    pd_at = types.index("partial_decryption")
    pd = evs[pd_at]["data"]
    item = pd["factors"]["A"]["r1"]["yes"]
    item["factor"] = (Element.from_hex(item["factor"], allow_identity=True) + base_mul(1)).hex()
    evs[pd_at]["data"] = sign_trustee_data(sim.trustee_private[pd["trustee"]], "partial_decryption", pd)
    out["wrong_partial_decryption"] = (reseal(evs), "decryption_proof")

    # A wrong total in the result.
    evs = copy.deepcopy(valid)
    res = evs[-1]["data"]
    res["counts"]["r1"]["yes"]["A"] += 1
    res["counts"]["r1"]["yes"]["total"] += 1
    out["wrong_total"] = (reseal(evs), "result_count")

    # A wrong seat allocation (counts right, a non-elected candidate declared elected).
    evs = copy.deepcopy(valid)
    board = evs[-1]["data"]["outcomes"]["board-a"]
    loser = next(r["choice"] for r in reversed(board["ranking"]) if r["choice"] not in board["elected"])
    board["elected"] = board["elected"][:-1] + [loser]
    out["wrong_seats"] = (reseal(evs), "result_seats")

    # A wrong resolution outcome.
    evs = copy.deepcopy(valid)
    outcome = evs[-1]["data"]["outcomes"]["r1"]
    outcome["adopted"] = not outcome["adopted"]
    out["wrong_outcome"] = (reseal(evs), "result_outcome")

    # Eligibility: a second unrevoked credential for a voter (one member, two counted ballots).
    evs = copy.deepcopy(valid)
    twice = copy.deepcopy(evs[types.index("credentials")])
    extra = encrypt_ballot(el, y, generate_credential(), SELECTIONS[0])["credential"]
    voter = twice["data"]["credentials"][0]["voter"]
    twice["data"]["credentials"] = [{"credential": extra, "category": twice["data"]["credentials"][0]["category"],
                                     "voter": voter}]
    evs.insert(types.index("open"), twice)
    out["voter_twice"] = (reseal(evs), "voter_duplicate")

    # Eligibility: a new voter added after the opening.
    evs = copy.deepcopy(valid)
    late = copy.deepcopy(twice)
    late["data"]["credentials"][0]["voter"] = "ab" * 16
    evs.insert(types.index("open") + 1, late)
    out["credential_after_open"] = (reseal(evs), "credential_after_open")

    # A revoked credential's ballot: cast after its revocation.
    evs = copy.deepcopy(valid)
    revoked_at = types.index("revocation")
    again = encrypt_ballot(el, y, creds[4], SELECTIONS[2])
    evs.insert(revoked_at + 1, ballot_event(again, evs[ballot_idx[4]]["data"]["tracker"]))
    out["revoked_ballot"] = (reseal(evs), "revoked_credential")

    # The identity as a credential: OpenSSL would accept a forged signature under it.
    evs = copy.deepcopy(valid)
    ident = copy.deepcopy(twice)
    ident["data"]["credentials"] = [{"credential": "01" + "00" * 31, "category": "A", "voter": "cd" * 16}]
    evs.insert(types.index("open"), ident)
    out["identity_credential"] = (reseal(evs), "credential_format")

    # A tally before k scrutineers signed the seal.
    evs = copy.deepcopy(valid)
    del evs[types.index("seal_signature")]
    out["seal_missing"] = (reseal(evs), "not_enough_seals")

    # A seal signed over another head (a scrutineer who saw another board).
    evs = copy.deepcopy(valid)
    at = types.index("seal_signature")
    data = {k: v for k, v in evs[at]["data"].items() if k != "signature"}
    data["head"] = "0" * 64
    evs[at]["data"] = sign_trustee_data(sim.trustee_private[data["trustee"]], "seal_signature", data)
    out["seal_wrong_head"] = (rechain(evs), "seal")
    return out


def main() -> None:
    random.seed(0)
    records = build()
    expected = {}
    for name, (events, code) in records.items():
        (HERE / f"{name}.json").write_text(json.dumps(record_document(events), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        expected[f"{name}.json"] = code
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(records)} records to {HERE}")


if __name__ == "__main__":
    main()
