"""Ballot benchmark on the reference ballot (board A at most 11 of 20, board B at most 7 of 12,
five yes/no/abstain resolutions = 47 choices).

    .venv/bin/python bench/ballots.py [--ballots N] [--workers W]

Prints its figures; the last line is one JSON object. The "floor" is the
time of exactly the group operations a verification cannot avoid, done bare
on random operands with the same primitives: for each proof branch the two
commitments A = g^s * alpha^-c and B = y^s * beta^-c * g^(v c), i.e. two
variable-base exponentiations plus fixed-base ones from tables, each
commitment joined in one multi-point addition (see verification_ops). The
ratio verification / floor shows what the rest (parsing, validation, hashing,
the signature) costs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voting.crypto.ballot import encrypt_ballot, verify_ballot  # noqa: E402
from voting.crypto.credential import credential_public, generate_credential  # noqa: E402
from voting.crypto.dkg import partial_decrypt  # noqa: E402
from voting.crypto.election import Election  # noqa: E402
from voting.crypto.group import GENERATOR, ORDER, Element, base_mul, fixed_base_table, lincomb  # noqa: E402
from voting.record import RecordState, append_event, record_document  # noqa: E402
from voting.simulate import random_selections, reference_contests, seal, setup_election  # noqa: E402

REFERENCE_SELECTION = {
    "board-a": ["a01", "a02", "a03", "a05", "a08", "a13", "a14", "a15", "a17", "a19", "a20"],
    "board-b": ["b01", "b02", "b03", "b04", "b05", "b06", "b12"],
    "r1": ["yes"], "r2": ["no"], "r3": ["abstain"], "r4": ["yes"], "r5": ["no"],
}


def verification_ops(election: Election) -> dict[str, int]:
    """The group operations one ballot verification needs.

    Per proof branch j (value v_j): A_j = g^s * alpha^-c and B_j = y^s * beta^-c * g^(v c):
    two variable-base exponentiations, two or three fixed-base ones (tables for g and y),
    joined by two multi-point additions (one libsecp256k1 combine each).
    """
    branches = nonzero = 0
    for c in election.contests:
        for _choice in c.choices:
            branches += 2
            nonzero += 1
        branches += c.max - c.min + 1
        nonzero += sum(1 for v in range(c.min, c.max + 1) if v)
    return {"branches": branches, "variable_base": 2 * branches, "fixed_base": 2 * branches + nonzero,
            "combines": 2 * branches}


def floor_functions(election: Election, ops: dict[str, int]) -> tuple[Any, Any]:
    """(the floor, the variable-base exponentiations alone) as functions, on random operands."""
    rnd = random.Random(1)
    g_table = fixed_base_table(GENERATOR)
    y_table = fixed_base_table(base_mul(rnd.randrange(1, ORDER)))
    values = []
    for c in election.contests:
        values += [0, 1] * len(c.choices)
        values += list(range(c.min, c.max + 1))
    work = [(rnd.randrange(1, ORDER), rnd.randrange(1, ORDER), v, base_mul(rnd.randrange(1, ORDER)),
             base_mul(rnd.randrange(1, ORDER))) for v in values]
    assert len(work) == ops["branches"]

    def floor() -> None:
        for s, c, v, alpha, beta in work:
            lincomb([(g_table, s)], [(alpha, ORDER - c)])
            lincomb([(y_table, s), (g_table, v * c)], [(beta, ORDER - c)])

    def variable_only() -> None:
        for s, c, v, alpha, beta in work:
            _ = alpha * (ORDER - c)
            _ = beta * (ORDER - c)

    return floor, variable_only


def interleaved_ms(fns: dict[str, Any], runs: int) -> dict[str, tuple[float, float]]:
    """(min, median) ms of each function, run in turns so that load from other
    processes hits all of them alike; the minimum is the uncontended cost."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1000)
    return {name: (min(ts), statistics.median(ts)) for name, ts in times.items()}


def _encrypt_job(args: tuple[dict[str, Any], str, str, int]) -> dict[str, Any]:
    election_json, y_hex, credential, seed = args
    election = Election.from_json(election_json)
    return encrypt_ballot(election, y_hex, credential, random_selections(election, random.Random(seed)))


def js_encrypt_ms() -> tuple[float | None, float | None]:
    script = ROOT / "bench" / "ballots_js.mjs"
    node = shutil.which("node")
    if not script.exists() or node is None:
        return None, None
    try:
        proc = subprocess.run([node, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=600)
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        return data.get("js_encrypt_ms"), data.get("js_verify_ms")
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return None, None


def server_times(events: list[dict[str, Any]], sim: Any, enabled: bool = True) -> dict[str, float]:
    """Seconds the server takes at this number of ballots (a temporary SQLite database, the real
    services): the same board is rebuilt through them (key generation uploads, the credential
    list, the opening, every ballot cast with ``cast_ballot``, the close and k seals), then the
    tally, one scrutineer's partial decryption upload (the slowest of three) and the result are
    timed: what each of these steps costs."""
    if not enabled:
        return {}
    from app import create_app
    from app.extensions import db
    from voting import services
    from voting.crypto.dkg import partial_decrypt as decrypt_part
    from voting.crypto.dkg import sign_trustee_data

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SERVER_NAME": None})
        with app.app_context():
            db.create_all()
            el = sim.election
            row = services.create_election(el.to_json(), slug="bench", require_login=False)
            for e in events:
                if e["type"] in ("trustee_commitments", "trustee_share"):
                    services.record_trustee_step(row, e["data"])
                elif e["type"] == "credentials":
                    services.publish_credentials(row, e["data"]["credentials"])
                elif e["type"] == "open":
                    services.open_election(row)
                    db.session.commit()  # bench: each step commits as its request would
                elif e["type"] == "ballot":
                    services.cast_ballot(row, e["data"]["ballot"])
                    db.session.commit()  # bench: one ballot, one commit, as a request
                elif e["type"] == "close":
                    services.close_election(row)
                    db.session.commit()  # bench: as the close request
                    break
            for tid in ("t1", "t2", "t3"):
                data = sign_trustee_data(sim.trustee_private[tid], "seal_signature", services.seal_data(row, tid))
                services.record_trustee_step(row, data)
            db.session.commit()  # bench: the seals, as their requests
            t = time.perf_counter()
            tally = services.compute_tally(row)
            db.session.commit()  # bench: the tally is timed with its commit
            tally_s = time.perf_counter() - t
            parts = [decrypt_part(el, sim.trustee_private[tid], sim.trustee_shares[tid]["share"], tally.data["decrypt"],
                                  tally.hash) for tid in ("t1", "t2", "t3")]
            upload_s = []
            for data in parts:
                t = time.perf_counter()
                services.record_trustee_step(row, data)
                db.session.commit()  # bench: an upload is timed with its commit
                upload_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            services.publish_result(row)
            db.session.commit()  # bench: the result is timed with its commit
            result_s = time.perf_counter() - t
            db.session.remove()
            db.engine.dispose()
    return {"server_tally_s": round(tally_s, 2), "server_upload_s": round(max(upload_s), 2),
            "server_result_s": round(result_s, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--server", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the server's tally and a scrutineer upload on a SQLite board")
    args = parser.parse_args(argv)

    sim = setup_election(reference_contests(), trustees=5, threshold=3, election_id="bench")
    el = sim.election
    state = RecordState()
    for e in sim.events:
        state.apply(e)
    y = Element.from_hex(sim.events[-1]["data"]["public_key"])
    cred = generate_credential()
    n_choices = sum(len(c.choices) for c in el.contests)
    print(f"reference ballot: {len(el.contests)} contests, {n_choices} choices; {args.workers} cores")

    ballot = encrypt_ballot(el, y, cred, REFERENCE_SELECTION)
    pub = credential_public(cred)
    ops = verification_ops(el)
    floor_fn, var_fn = floor_functions(el, ops)
    verify_ballot(el, y, ballot, pub)  # warm-up: builds the tables for g and y
    timed = interleaved_ms({
        "encrypt": lambda: encrypt_ballot(el, y, cred, REFERENCE_SELECTION),
        "verify": lambda: verify_ballot(el, y, ballot, pub),
        "floor": floor_fn,
        "variable": var_fn,
    }, args.runs)
    enc, ver, floor, floor_var = (timed[k][0] for k in ("encrypt", "verify", "floor", "variable"))
    median_ratio = timed["verify"][1] / timed["floor"][1]
    print("(minimum over interleaved runs; medians in the JSON)")
    print(f"encrypt + prove + sign one ballot: {enc:.1f} ms")
    print(f"verify one ballot:                 {ver:.1f} ms")
    print(f"floor: {ops['variable_base']} variable-base + {ops['fixed_base']} fixed-base (table) exponentiations "
          f"in {ops['combines']} combines = {floor:.1f} ms (the variable-base ones alone {floor_var:.1f} ms)")
    print(f"verification / floor:              {ver / floor:.2f} (medians: {median_ratio:.2f})")

    # N ballots: make them (in parallel), then verify all, sum, decrypt.
    n = args.ballots
    creds = [generate_credential() for _ in range(n)]
    cats = ["A" if i % 3 else "B" for i in range(n)]
    items = sorted(({"credential": credential_public(c), "category": k, "voter": f"{i:032x}"}
                    for i, (c, k) in enumerate(zip(creds, cats))), key=lambda x: x["credential"])
    state.apply(append_event(sim.events, "credentials", {"election": el.fingerprint, "credentials": items}))
    state.apply(append_event(sim.events, "open", state.open_data()))
    t = time.perf_counter()
    jobs = [(el.to_json(), y.hex(), c, i) for i, c in enumerate(creds)]
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        ballots = pool.map(_encrypt_job, jobs, chunksize=25)
    make_s = time.perf_counter() - t
    print(f"made {n} ballots in {make_s:.1f} s")
    for b in ballots:
        tracker, supersedes = state.check_new_ballot(b)
        state.apply(append_event(sim.events, "ballot", {"ballot": b, "tracker": tracker, "supersedes": supersedes}))
    state.apply(append_event(sim.events, "close", state.close_data()))
    for tid in ("t1", "t2", "t3"):
        seal(sim, state, tid)
    t = time.perf_counter()
    tally = state.tally_data()
    sum_s = time.perf_counter() - t
    state.apply(append_event(sim.events, "tally", tally))
    t = time.perf_counter()
    for tid in ("t1", "t2", "t3"):
        data = partial_decrypt(el, sim.trustee_private[tid], sim.trustee_shares[tid]["share"], state.tally_decrypt, state.tally_hash)
        state.apply(append_event(sim.events, "partial_decryption", data))
    result = state.result_data()
    decrypt_s = time.perf_counter() - t
    append_event(sim.events, "result", result)
    print(f"homomorphic sum of {n} ballots (one core): {sum_s:.2f} s")
    print(f"3 partial decryptions with proofs, their verification, combination: {decrypt_s:.2f} s")
    # The verifier as a member runs it: a separate process reading the record file (streamed),
    # whose peak resident memory (its own and its workers') it reports itself.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "record.json"
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(record_document(sim.events), fh, separators=(",", ":"))
        record_mb = path.stat().st_size / 1e6
        del ballots
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "voting.verify", str(path), "--workers", str(args.workers), "--json"],
                              cwd=ROOT, capture_output=True, text=True, timeout=24 * 3600)
        verify_all_s = time.perf_counter() - t
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        verify_rss_mb = json.loads(proc.stdout.strip().splitlines()[-1])["peak_rss_mb"]
    print(f"verify the whole record ({n} ballots, {record_mb:.0f} MB, {args.workers} cores): {verify_all_s:.1f} s "
          f"= {verify_all_s / n * 1000:.2f} ms per ballot; peak memory {verify_rss_mb:.0f} MB")
    server = server_times(sim.events, sim, args.server) if args.server else {}
    if server:
        print(f"server at {n} ballots: tally {server['server_tally_s']:.2f} s, "
              f"one scrutineer upload {server['server_upload_s']:.2f} s, result {server['server_result_s']:.2f} s")
    js_enc, js_ver = js_encrypt_ms()
    print(f"JS (node) encrypt: {js_enc} ms, verify: {js_ver} ms")
    print(json.dumps({
        "choices": n_choices,
        "encrypt_ms": round(enc, 2),
        "verify_ms": round(ver, 2),
        "floor_ms": round(floor, 2),
        "floor_variable_base_only_ms": round(floor_var, 2),
        "verify_over_floor": round(ver / floor, 3),
        "verify_over_floor_medians": round(median_ratio, 3),
        "medians_ms": {k: round(v[1], 2) for k, v in timed.items()},
        "ops": ops,
        "ballots": n,
        "workers": args.workers,
        "make_ballots_s": round(make_s, 2),
        "sum_s": round(sum_s, 2),
        "decrypt_s": round(decrypt_s, 2),
        "verify_record_s": round(verify_all_s, 2),
        "verify_record_ms_per_ballot": round(verify_all_s / n * 1000, 3),
        "record_mb": round(record_mb, 1),
        "verify_peak_rss_mb": verify_rss_mb,
        **server,
        "js_encrypt_ms": js_enc,
        "js_verify_ms": js_ver,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
