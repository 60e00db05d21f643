"""Independent verifier of an election record: ``python -m voting.verify RECORD``.

Needs neither Flask nor the database. Exit status 0 when every check holds,
1 on the first failure (printed as ``FAIL <code> at event <seq>: <sentence>``),
2 when the record cannot be read.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from voting.crypto.ballot import InvalidBallot, parse_ciphertexts, verify_ballot_proofs, verify_ballot_signature
from voting.crypto.election import CATEGORIES, Election
from voting.crypto.group import IDENTITY, Element, sum_elements
from voting.crypto.tally import flat_choices, sums_to_json
from voting.record import RECORD_FORMAT, RecordError, RecordState

CHUNK = 40


@dataclass
class Failure:
    code: str
    message: str
    seq: int | None

    def line(self) -> str:
        where = f" at event {self.seq}" if self.seq is not None else ""
        return f"FAIL {self.code}{where}: {self.message}"


@dataclass
class Report:
    failure: Failure | None = None
    checked: dict[str, int] = field(default_factory=dict)
    complete: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None


def load_record(source: str) -> Any:
    if source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=60) as resp:  # noqa: S310 (https only)
            return json.loads(resp.read().decode("utf-8"))
    if "://" in source:
        raise ValueError("only local files and https:// URLs are accepted")
    with open(source, encoding="utf-8") as fh:
        return json.load(fh)


# -- parallel ballot verification -------------------------------------------

_W: dict[str, Any] = {}


def _init_worker(election_json: dict[str, Any], y_hex: str) -> None:
    _W["election"] = Election.from_json(election_json)
    _W["y"] = Element.from_hex(y_hex)


def _verify_chunk(jobs: Sequence[tuple[int, str, dict[str, Any], str, bool, bool]]) -> tuple[list[tuple[int, str, str]], dict[str, list[tuple[str, str]]], list[str]]:
    """Verify ballots; return (failures, partial sums of counted ballots per category, verified event hashes)."""
    election: Election = _W["election"]
    y: Element = _W["y"]
    width = len(flat_choices(election))
    cols: dict[str, list[tuple[list[Element], list[Element]]]] = {cat: [([], []) for _ in range(width)] for cat in CATEGORIES}
    failures, verified = [], []
    for seq, ev_hash, ballot, category, counted, need_verify in jobs:
        try:
            cts = parse_ciphertexts(election, ballot)
            if need_verify:
                verify_ballot_signature(ballot)
                verify_ballot_proofs(election, y, ballot, cts)
                verified.append(ev_hash)
        except InvalidBallot as exc:
            failures.append((seq, exc.code, exc.message))
            continue
        if counted:
            col = cols[category]
            i = 0
            for pairs in cts:
                for a, b in pairs:
                    col[i][0].append(a)
                    col[i][1].append(b)
                    i += 1
    sums = {cat: [(sum_elements(a).hex(), sum_elements(b).hex()) for a, b in col] for cat, col in cols.items()}
    return failures, sums, verified


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def verify_record(
    doc: Any,
    *,
    workers: int | None = None,
    checkpoint: str | None = None,
    out: Any = None,
) -> Report:
    """Check everything; the report names the first failure in record order."""
    out = out if out is not None else sys.stdout
    t0 = time.perf_counter()
    report = Report()
    if not isinstance(doc, dict) or doc.get("format") != RECORD_FORMAT or not isinstance(doc.get("events"), list):
        report.failure = Failure("record_format", f"not a {RECORD_FORMAT} document", None)
        return report
    events = doc["events"]
    state = RecordState(defer_ballots=True)
    seq_failure: Failure | None = None
    for event in events:
        try:
            state.apply(event)
        except RecordError as exc:
            seq_failure = Failure(exc.code, exc.message, exc.seq)
            break
    failures: list[Failure] = [seq_failure] if seq_failure else []
    el = state.election
    n_choice_proofs = n_contest_proofs = verified_now = 0
    if el is not None and state.public_key is not None and state.ballots:
        done: set[str] = set()
        if checkpoint and os.path.exists(checkpoint):
            with open(checkpoint, encoding="ascii") as fh:
                done = {line.strip() for line in fh if line.strip()}
        counted_ids = {id(e) for e in state.last_by_credential.values()}
        hashes = {e.seq: events[e.seq]["hash"] for e in state.ballots}
        jobs = [
            (e.seq, hashes[e.seq], e.ballot, e.category, id(e) in counted_ids, hashes[e.seq] not in done)
            for e in state.ballots
        ]
        to_verify = verified_now = sum(1 for j in jobs if j[5])
        print(f"verifying {to_verify} ballots ({len(jobs) - to_verify} already verified per checkpoint) "
              f"on {workers or os.cpu_count()} processes", file=out)
        ballot_failures: list[Failure] = []
        parts: list[dict[str, list[tuple[str, str]]]] = []
        ckpt = open(checkpoint, "a", encoding="ascii") if checkpoint else None
        try:
            nproc = workers or os.cpu_count() or 1
            args = (el.to_json(), state.public_key.hex())
            if nproc > 1 and len(jobs) > CHUNK:
                ctx = multiprocessing.get_context("fork")
                with ctx.Pool(nproc, initializer=_init_worker, initargs=args) as pool:
                    results = list(_collect(pool.imap_unordered(_verify_chunk, _chunks(jobs, CHUNK)), ckpt))
            else:
                _init_worker(*args)
                results = list(_collect(map(_verify_chunk, _chunks(jobs, CHUNK)), ckpt))
        finally:
            if ckpt:
                ckpt.close()
        for fails, sums, _ in results:
            ballot_failures.extend(Failure(code, msg, seq) for seq, code, msg in fails)
            parts.append(sums)
        failures.extend(ballot_failures)
        per_ballot_choices = sum(len(c.choices) for c in el.contests)
        n_choice_proofs = to_verify * per_ballot_choices
        n_contest_proofs = to_verify * len(el.contests)
        if state.tally_sums is not None and state.tally_seq is not None:
            width = len(flat_choices(el))
            flat = {}
            for cat in CATEGORIES:
                cols = [([], []) for _ in range(width)]
                for part in parts:
                    for i, (a, b) in enumerate(part[cat]):
                        cols[i][0].append(Element.from_hex(a, allow_identity=True))
                        cols[i][1].append(Element.from_hex(b, allow_identity=True))
                flat[cat] = [(sum_elements(a), sum_elements(b)) for a, b in cols]
            if sums_to_json(el, flat) != state.tally_sums:
                failures.append(Failure("tally_sum", "the encrypted tally is not the product of the counted ballots", state.tally_seq))
    elif el is not None and state.tally_sums is not None and state.tally_seq is not None:
        flat = {cat: [(IDENTITY, IDENTITY)] * len(flat_choices(el)) for cat in CATEGORIES}
        if sums_to_json(el, flat) != state.tally_sums:
            failures.append(Failure("tally_sum", "the encrypted tally is not the product of the counted ballots", state.tally_seq))
    if failures:
        report.failure = min(failures, key=lambda f: (f.seq if f.seq is not None else -1))
    report.complete = state.result is not None and report.failure is None
    superseded = sum(1 for e in state.ballots if e.superseded_by)
    report.checked = {
        "events": state.events,
        "hash_links": state.events,
        "trustee_commitments": state.counts.get("trustee_commitments", 0),
        "trustee_shares": state.counts.get("trustee_share", 0),
        "credentials": len(state.credentials),
        "revocations": len(state.revoked),
        "ballots": len(state.ballots),
        "ballot_signatures_verified_now": verified_now,
        "choice_proofs": n_choice_proofs,
        "contest_proofs": n_contest_proofs,
        "superseded_ballots": superseded,
        "counted_ballots": len(state.last_by_credential),
        "seal_signatures": len(state.seals),
        "tally": 1 if state.tally_hash else 0,
        "partial_decryptions": len(state.decryptions),
        "decryption_proofs": len(state.decryptions) * 2 * (len(flat_choices(el)) if el else 0),
        "result": 1 if state.result is not None else 0,
    }
    report.seconds = time.perf_counter() - t0
    return report


def _collect(results: Iterable[Any], ckpt: Any) -> Iterable[Any]:
    for res in results:
        if ckpt is not None and res[2]:
            ckpt.write("".join(h + "\n" for h in res[2]))
            ckpt.flush()
        yield res


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voting.verify", description="Verify a Une Voix election record.")
    parser.add_argument("record", help="path or https:// URL of the record (JSON)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--resume", metavar="CHECKPOINT", help="file of verified ballot event hashes, read and appended to")
    parser.add_argument("--complete", action="store_true", help="also fail if the record has no result yet")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on the last line")
    args = parser.parse_args(argv)
    try:
        doc = load_record(args.record)
    except (OSError, ValueError) as exc:
        print(f"FAIL unreadable: cannot read the record: {exc}")
        return 2
    report = verify_record(doc, workers=args.workers, checkpoint=args.resume)
    for key, value in report.checked.items():
        print(f"checked {key}: {value}")
    if report.failure is None and args.complete and not report.complete:
        report.failure = Failure("incomplete", "the record has no result yet", None)
    if report.failure is not None:
        print(report.failure.line())
    elif report.complete:
        print(f"OK: every check holds, result verified ({report.seconds:.1f} s)")
    else:
        print(f"OK so far: every check holds; the election has no result yet ({report.seconds:.1f} s)")
    if args.json:
        print(json.dumps({"ok": report.ok, "code": report.failure.code if report.failure else None,
                          "seq": report.failure.seq if report.failure else None, "checked": report.checked}))
    return 0 if report.failure is None else 1


if __name__ == "__main__":
    sys.exit(main())
