"""Write a large, valid election record straight to a file, in bounded memory.

    .venv/bin/python bench/big_record.py OUT.json --ballots 36000 [--workers 2] [--revotes 1]

For measuring the verifier (``python -m voting.verify OUT.json --json`` prints
its peak memory), and with ``--trustee-files DIR`` a scrutineer's decryption
(``python -m voting.trustee decrypt``), on the reference ballot: N credentials (one in three of
category B), one ballot each made in parallel, ``--revotes`` percent of the
voters voting again (their first ballot superseded), close, tally, three partial
decryptions and the result. Ballots are streamed to the file as they are made:
neither this script nor the verifier ever holds the whole record.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voting.crypto.ballot import encrypt_ballot  # noqa: E402
from voting.crypto.credential import credential_public, generate_credential  # noqa: E402
from voting.crypto.dkg import partial_decrypt  # noqa: E402
from voting.crypto.election import CATEGORIES, Election  # noqa: E402
from voting.crypto.group import IDENTITY, Element  # noqa: E402
from voting.crypto.tally import flat_choices, sums_to_json  # noqa: E402
from voting.record import RecordState, make_event  # noqa: E402
from voting.crypto.dkg import sign_trustee_data  # noqa: E402
from voting.simulate import new_voter, random_selections, reference_contests, setup_election  # noqa: E402

_W: dict[str, Any] = {}


def _init(election_json: dict[str, Any], y_hex: str) -> None:
    _W["el"] = Election.from_json(election_json)
    _W["y"] = Element.from_hex(y_hex)


def _make(jobs: list[tuple[str, str, int]]) -> tuple[list[dict[str, Any]], dict[str, list[tuple[str, str]]]]:
    """Encrypt a chunk of ballots; return them and their ciphertext sums per category."""
    el, y = _W["el"], _W["y"]
    width = len(flat_choices(el))
    acc = {cat: [[IDENTITY, IDENTITY] for _ in range(width)] for cat in CATEGORIES}
    out = []
    for cred, cat, seed in jobs:
        b = encrypt_ballot(el, y, cred, random_selections(el, random.Random(seed)))
        out.append(b)
        i = 0
        for c in b["contests"]:
            for ch in c["choices"]:
                cell = acc[cat][i]
                cell[0] = cell[0] + Element.from_hex(ch["alpha"])
                cell[1] = cell[1] + Element.from_hex(ch["beta"])
                i += 1
    return out, {cat: [(a.hex(), b.hex()) for a, b in col] for cat, col in acc.items()}


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def write_record(path: Path, n: int, workers: int, revotes_percent: float = 1.0,
                 trustee_files: Path | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    sim = setup_election(reference_contests(), trustees=5, threshold=3, election_id="big", min_ballots=5)
    el = sim.election
    if trustee_files is not None:  # what scrutineer t4 (who has not decrypted) keeps: for timing its decrypt
        trustee_files.mkdir(parents=True, exist_ok=True)
        (trustee_files / "t4.key.json").write_text(json.dumps(sim.trustee_private["t4"]))
        (trustee_files / "t4.share.json").write_text(json.dumps(sim.trustee_shares["t4"]))
    y = Element.from_hex(sim.events[-1]["data"]["public_key"])
    creds = [generate_credential() for _ in range(n)]
    cats = ["A" if i % 3 else "B" for i in range(n)]
    items = sorted(({"credential": credential_public(c), "category": k, "voter": new_voter()} for c, k in zip(creds, cats)),
                   key=lambda x: x["credential"])
    width = len(flat_choices(el))
    total = {cat: [(IDENTITY, IDENTITY)] * width for cat in CATEGORIES}
    n_revotes = int(n * revotes_percent / 100)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"format":"unevoix/v1/record","events":[')
        first = [True]

        def emit(etype: str, data: dict[str, Any]) -> None:
            event = make_event(state.last, etype, data)
            state.apply(event)
            fh.write(("" if first[0] else ",") + json.dumps(event, separators=(",", ":"), ensure_ascii=False))
            first[0] = False

        # the setup events again, into the file
        state = RecordState(defer_ballots=True, keep_ballots=False)
        for e in sim.events:
            emit(e["type"], e["data"])
        emit("credentials", {"election": el.fingerprint, "credentials": items})
        emit("open", state.open_data())
        jobs = [(c, k, i) for i, (c, k) in enumerate(zip(creds, cats))]
        jobs += [(c, k, n + i) for i, (c, k) in enumerate(zip(creds[:n_revotes], cats[:n_revotes]))]
        first_ballots: dict[str, list[tuple[Element, Element]]] = {}
        revoters = {credential_public(c) for c in creds[:n_revotes]}
        with multiprocessing.get_context("fork").Pool(workers, initializer=_init, initargs=(el.to_json(), y.hex())) as pool:
            for ballots, sums in pool.imap(_make, _chunks(jobs, 20)):
                for cat in CATEGORIES:
                    total[cat] = [(a + Element.from_hex(x, allow_identity=True), b + Element.from_hex(z, allow_identity=True))
                                  for (a, b), (x, z) in zip(total[cat], sums[cat])]
                for b in ballots:
                    cred = b["credential"]
                    if cred in revoters and cred not in first_ballots:
                        first_ballots[cred] = [(Element.from_hex(ch["alpha"]), Element.from_hex(ch["beta"]))
                                               for c in b["contests"] for ch in c["choices"]]
                    tracker, supersedes = state.check_new_ballot(b)
                    emit("ballot", {"ballot": b, "tracker": tracker, "supersedes": supersedes})
        for cred, cts in first_ballots.items():
            cat = state.credentials[cred]
            total[cat] = [(a - x, b - z) for (a, b), (x, z) in zip(total[cat], cts)]
        emit("close", state.close_data())
        for tid in ("t1", "t2", "t3"):
            emit("seal_signature", sign_trustee_data(sim.trustee_private[tid], "seal_signature", state.seal_data(tid)))
        state.compute_sums = lambda st: sums_to_json(el, total)
        emit("tally", state.tally_data())
        assert state.tally_decrypt is not None and state.tally_hash is not None
        for tid in ("t1", "t2", "t3"):
            emit("partial_decryption", partial_decrypt(el, sim.trustee_private[tid], sim.trustee_shares[tid]["share"],
                                                       state.tally_decrypt, state.tally_hash))
        emit("result", state.result_data())
        fh.write("]}")
    return {"ballots": n + n_revotes, "voters": n, "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - t0, 1)}


def write_synthetic(path: Path, n: int, revotes_percent: float = 1.0) -> dict[str, Any]:
    """A record of the same size and shape whose ballots carry made-up proofs and signatures.

    For measuring the verifier's memory at sizes that would take hours to encrypt on a
    loaded machine: every rule of the record holds (distinct ciphertexts, supersession,
    counts) and the verifier streams all of it, but reports ``ballot_signature`` at the
    first ballot. Its state is what a genuine record of that size gives."""
    t0 = time.perf_counter()
    rnd = random.Random(7)
    sim = setup_election(reference_contests(), trustees=5, threshold=3, election_id="big-synthetic", min_ballots=5)
    el = sim.election
    creds = [credential_public(generate_credential()) for _ in range(n)]
    cats = ["A" if i % 3 else "B" for i in range(n)]
    items = sorted(({"credential": c, "category": k, "voter": new_voter()} for c, k in zip(creds, cats)),
                   key=lambda x: x["credential"])
    from voting.crypto.group import GENERATOR, base_mul

    alpha = base_mul(rnd.randrange(1, 2**250))
    betas = [base_mul(rnd.randrange(1, 2**250)).hex() for _ in range(64)]

    def scalar() -> str:
        return f"{rnd.getrandbits(250):064x}"

    def ballot(cred: str) -> dict[str, Any]:
        nonlocal alpha
        contests = []
        for c in el.contests:
            choices = []
            for ch in c.choices:
                alpha = alpha + GENERATOR
                choices.append({"id": ch, "alpha": alpha.hex(), "beta": rnd.choice(betas),
                                "proof": [{"c": scalar(), "s": scalar()}, {"c": scalar(), "s": scalar()}]})
            contests.append({"id": c.id, "choices": choices,
                             "proof": [{"c": scalar(), "s": scalar()} for _ in range(c.min, c.max + 1)]})
        return {"election": el.fingerprint, "credential": cred, "contests": contests, "signature": "ab" * 64}

    state = RecordState(defer_ballots=True, keep_ballots=False)
    n_revotes = int(n * revotes_percent / 100)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"format":"unevoix/v1/record","events":[')
        first = True

        def emit(etype: str, data: dict[str, Any]) -> None:
            nonlocal first
            event = make_event(state.last, etype, data)
            state.apply(event)
            fh.write(("" if first else ",") + json.dumps(event, separators=(",", ":"), ensure_ascii=False))
            first = False

        for e in sim.events:
            emit(e["type"], e["data"])
        emit("credentials", {"election": el.fingerprint, "credentials": items})
        emit("open", state.open_data())
        for cred in creds + creds[:n_revotes]:
            b = ballot(cred)
            tracker, supersedes = state.check_new_ballot(b)
            emit("ballot", {"ballot": b, "tracker": tracker, "supersedes": supersedes})
        emit("close", state.close_data())
        for tid in ("t1", "t2", "t3"):
            emit("seal_signature", sign_trustee_data(sim.trustee_private[tid], "seal_signature", state.seal_data(tid)))
        fh.write("]}")
    return {"ballots": n + n_revotes, "voters": n, "bytes": path.stat().st_size, "synthetic": True,
            "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--ballots", type=int, default=36000)
    parser.add_argument("--workers", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--revotes", type=float, default=1.0, help="percent of voters who vote twice")
    parser.add_argument("--trustee-files", type=Path, default=None,
                        help="write scrutineer t4's key and secret share there, to time "
                             "`python -m voting.trustee decrypt` on the record")
    parser.add_argument("--synthetic", action="store_true",
                        help="made-up proofs (fast): for the verifier's memory at full size only")
    args = parser.parse_args(argv)
    if args.synthetic:
        print(json.dumps(write_synthetic(args.out, args.ballots, args.revotes)))
    else:
        print(json.dumps(write_record(args.out, args.ballots, args.workers, args.revotes, args.trustee_files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
