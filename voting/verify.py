"""Independent verifier of an election record: ``python -m voting.verify RECORD``.

Needs neither Flask nor the database. It streams the record event by event
(the document is never held whole: a 36,000-ballot record of about 1 GB
verifies in a bounded state: the replay of :class:`voting.record.RecordState`
without the ballots, running homomorphic sums, the compact copy index) and
verifies ballot signatures and proofs in parallel.

Exit status 0 when every check holds and the record is complete (or
``--partial`` was asked), 1 on the first failure (printed as
``FAIL at event <seq>: <sentence>`` in the user's language, then an indented
``technical detail (<code>): <English detail>``) or an incomplete record, 2 when
the record cannot be read. ``--json`` adds a last line for machines (its ``code``
is the failure's stable code). The language is ``--lang fr|nl|en``, else LANG
(voting.cli_i18n); the sentence for each code is in voting.reasons.
"""

from __future__ import annotations

import argparse
import codecs
import collections
import hashlib
import hmac
import json
import multiprocessing
import os
import secrets
import shutil
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from voting.cli_i18n import ENGLISH, N_, Words, parse_in_language
from voting.crypto.ballot import InvalidBallot, parse_ciphertexts
from voting.crypto.election import CATEGORIES, Election
from voting.crypto.encoding import _safe_int
from voting.crypto.group import IDENTITY, Element, sum_elements
from voting.crypto.tally import flat_choices, sums_to_json
from voting.record import RECORD_FORMAT, PreparedBallot, RecordError, RecordState, verify_ballot_crypto

CHUNK = 40
MAX_EVENT_BYTES = 64 << 20
READ_BYTES = 1 << 20
CHECKPOINT_TAG = b"unevoix/v1/verify-checkpoint\x00"
KEY_ENV = "UNEVOIX_VERIFY_KEY"


@dataclass
class Failure:
    code: str
    message: str
    seq: int | None

    def line(self, words: Words = ENGLISH) -> str:
        """``FAIL at event <seq>: <sentence>`` (the code's plain sentence in ``words``' language), then
        on its own indented line the technical detail (English) labelled with the code."""
        if self.seq is not None:
            head = words._("FAIL at event %(seq)s: %(sentence)s", seq=self.seq, sentence=words.reason(self.code))
        else:
            head = words._("FAIL: %(sentence)s", sentence=words.reason(self.code))
        return f"{head}\n  {words.detail(self.code, self.message)}" if self.message else head


@dataclass
class Report:
    failure: Failure | None = None
    checked: dict[str, int] = field(default_factory=dict)
    complete: bool = False
    missing: list[str] = field(default_factory=list)
    seconds: float = 0.0
    state: RecordState | None = None
    checkpoint_rejected: int = 0
    worker_processes: int = 0  # the ballots' checks ran in that many processes besides this one

    @property
    def ok(self) -> bool:
        return self.failure is None


# -- reading the record, one event at a time ------------------------------------------

class UnreadableRecord(ValueError):
    """The bytes are not a JSON record document (or cannot be fetched)."""


def _strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("a JSON object repeats a key")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in the record")


def _no_float(text: str) -> Any:
    raise ValueError(f"the number {text} is not an integer")


# Strict JSON as voting.crypto.encoding.strict_loads means it: no duplicate keys (parsers disagree
# on which one wins), no NaN/Infinity, no floats, integers a JavaScript number holds exactly.
DECODER = json.JSONDecoder(object_pairs_hook=_strict_object, parse_constant=_no_constant, parse_float=_no_float,
                           parse_int=_safe_int)


def strict_loads(text: str | bytes) -> Any:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    obj, end = DECODER.raw_decode(text, len(text) - len(text.lstrip()))
    if text[end:].strip():
        raise ValueError("extra data after the JSON document")
    return obj


class RecordFile:
    """A record document on disk, read as a stream of events.

    ``events()`` yields ``(event, (offset, length))`` in file order, holding at
    most one read buffer and one event; ``load(loc)`` reads one event again
    (the verifier re-reads the few superseded ballots it must subtract).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        self.format: Any = None
        self.extra_keys: list[str] = []

    def load(self, loc: tuple[int, int]) -> Any:
        with open(self.path, "rb") as fh:
            fh.seek(loc[0])
            return strict_loads(fh.read(loc[1]))

    def events(self) -> Iterator[tuple[Any, tuple[int, int]]]:
        with open(self.path, "rb") as fh:
            yield from _Scanner(fh, self).events()


class _Scanner:
    def __init__(self, fh: Any, owner: RecordFile) -> None:
        self.fh = fh
        self.owner = owner
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.base = 0  # byte offset of buf[0]
        self.ascii = True
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        raw = self.fh.read(READ_BYTES)
        if not raw:
            self.eof = True
            self.buf += self.decoder.decode(b"", final=True)
            return False
        if self.pos > READ_BYTES:
            self.base = self._byte_at(self.pos)
            self.buf = self.buf[self.pos:]
            self.pos = 0
            self.ascii = self.buf.isascii()
        text = self.decoder.decode(raw)
        self.ascii = self.ascii and text.isascii()
        self.buf += text
        return True

    def _byte_at(self, i: int) -> int:
        return self.base + (i if self.ascii else len(self.buf[:i].encode("utf-8")))

    def _skip_ws(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                raise UnreadableRecord("the record ends too early")

    def _expect(self, chars: str) -> str:
        ch = self._skip_ws()
        if ch not in chars:
            raise UnreadableRecord(f"expected {' or '.join(repr(c) for c in chars)} at byte {self._byte_at(self.pos)}")
        self.pos += 1
        return ch

    def _value(self) -> tuple[Any, int, int]:
        self._skip_ws()
        while True:
            # Keep a margin past the value's likely end before decoding (one retry per read at most).
            if len(self.buf) - self.pos < 1 << 16 and self._more():
                continue
            try:
                obj, end = DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_EVENT_BYTES:
                    raise UnreadableRecord("an event is larger than 64 MB") from exc
                if self._more():
                    continue
                raise UnreadableRecord(f"invalid JSON: {exc}") from exc
            except (ValueError, RecursionError) as exc:  # strict rules (duplicate key, float, NaN, depth)
                raise UnreadableRecord(f"invalid JSON: {exc}") from exc
            start = self.pos
            self.pos = end
            return obj, start, end

    def events(self) -> Iterator[tuple[Any, tuple[int, int]]]:
        self._expect("{")
        seen: set[str] = set()
        if self._skip_ws() == "}":
            raise UnreadableRecord("an empty document")
        while True:
            key, _, _ = self._value()
            if not isinstance(key, str) or key in seen:
                raise UnreadableRecord("the document's keys must be distinct strings")
            seen.add(key)
            self._expect(":")
            if key == "events":
                self._expect("[")
                if self._skip_ws() == "]":
                    self.pos += 1
                else:
                    while True:
                        event, start, end = self._value()
                        b0 = self._byte_at(start)
                        yield event, (b0, self._byte_at(end) - b0)
                        if self._expect(",]") == "]":
                            break
            else:
                value, _, _ = self._value()
                if key == "format":
                    self.owner.format = value
                else:
                    self.owner.extra_keys.append(key)
            if self._expect(",}") == "}":
                break
        if "events" not in seen:
            raise UnreadableRecord("the document has no events")
        while self.pos < len(self.buf) or self._more():
            if self.buf[self.pos:].strip():
                raise UnreadableRecord("extra data after the record document")
            self.pos = len(self.buf)


class RecordList:
    """An in-memory record document (tests, the server's own board)."""

    def __init__(self, doc: Any) -> None:
        if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
            raise UnreadableRecord("not a record document")
        self.doc = doc
        self.format = doc.get("format")
        self.extra_keys = [k for k in doc if k not in ("format", "events")]

    def events(self) -> Iterator[tuple[Any, int]]:
        for i, event in enumerate(self.doc["events"]):
            yield event, i

    def load(self, loc: int) -> Any:
        return self.doc["events"][loc]


def fetched(source: str) -> bool:
    """Whether the verifier downloads the record ``source`` names itself: an https:// address
    (never plain http); anything else is a local file."""
    return source.startswith("https://")


def fetch_record(url: str, directory: str | None = None) -> str:
    """Download an https:// record to a temporary file (streamed); returns its path."""
    if not fetched(url):
        raise UnreadableRecord("only local files and https:// URLs are accepted")
    fd, path = tempfile.mkstemp(prefix="unevoix-record-", suffix=".json", dir=directory)
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, os.fdopen(fd, "wb") as out:  # noqa: S310 (https only)
            shutil.copyfileobj(resp, out, READ_BYTES)
    except BaseException:
        os.unlink(path)
        raise
    return path


def open_record(source: Any) -> RecordFile | RecordList:
    if isinstance(source, (RecordFile, RecordList)):
        return source
    if isinstance(source, dict):
        return RecordList(source)
    source = str(source)
    if "://" in source:
        raise UnreadableRecord("only local files and https:// URLs are accepted")
    if not os.path.isfile(source):
        raise OSError(f"{source}: no such file")
    return RecordFile(source)


def load_record(source: str) -> Any:
    """The whole document in memory (small records, tests); the verifier itself streams."""
    if fetched(source):
        path = fetch_record(source)
        try:
            with open(path, encoding="utf-8") as fh:
                return strict_loads(fh.read())
        finally:
            os.unlink(path)
    if "://" in source:
        raise UnreadableRecord("only local files and https:// URLs are accepted")
    with open(source, encoding="utf-8") as fh:
        return strict_loads(fh.read())


# -- the resume checkpoint: authenticated, never trusted -----------------------------

def checkpoint_key(path: str | None = None) -> bytes:
    """This user's secret checkpoint key (created on first use, mode 0600).

    A checkpoint line is an HMAC over the election fingerprint, the election key
    and the ballot event's hash: a checkpoint written by anyone else (or for
    another election) authenticates nothing, and those ballots are verified again.
    """
    path = path or os.environ.get(KEY_ENV) or str(Path.home() / ".config" / "unevoix" / "verify-checkpoint.key")
    try:
        with open(path, "rb") as fh:
            key = fh.read()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def _checkpoint_mac(key: bytes, fingerprint: str, y_hex: str, event_hash: str) -> str:
    msg = CHECKPOINT_TAG + f"{fingerprint}:{y_hex}:{event_hash}".encode("ascii")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


class Checkpoint:
    def __init__(self, path: str, key: bytes) -> None:
        self.path, self.key = path, key
        self.lines: list[str] = []
        self.done: set[str] = set()
        self.rejected = 0
        self.fh: Any = None

    def bind(self, fingerprint: str, y_hex: str) -> None:
        self.fp, self.y = fingerprint, y_hex
        if os.path.exists(self.path):
            with open(self.path, encoding="ascii", errors="replace") as fh:
                for line in fh:
                    parts = line.split()
                    if not parts:
                        continue
                    if len(parts) == 2 and hmac.compare_digest(parts[0], _checkpoint_mac(self.key, fingerprint, y_hex, parts[1])):
                        self.done.add(parts[1])
                    else:
                        self.rejected += 1
        self.fh = open(self.path, "a", encoding="ascii")

    def add(self, hashes: Sequence[str]) -> None:
        if self.fh is not None and hashes:
            self.fh.write("".join(f"{_checkpoint_mac(self.key, self.fp, self.y, h)} {h}\n" for h in hashes))
            self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


# -- parallel ballot verification ------------------------------------------------------

_W: dict[str, Any] = {}


def _init_worker(election_json: dict[str, Any], y_hex: str) -> None:
    _W["election"] = Election.from_json(election_json)
    _W["y"] = Element.from_hex(y_hex)


Job = tuple[int, str, bytes, str, bool]  # seq, event hash, canonical ballot bytes, category, verify?


def _verify_chunk(jobs: Sequence[Job]) -> tuple[list[tuple[int, str, str]], dict[str, list[tuple[str, str]]], list[str]]:
    """Verify ballots; return (failures, sums of every ballot's ciphertexts per category, verified event hashes)."""
    election: Election = _W["election"]
    y: Element = _W["y"]
    width = len(flat_choices(election))
    cols: dict[str, list[tuple[list[Element], list[Element]]]] = {cat: [([], []) for _ in range(width)] for cat in CATEGORIES}
    failures, verified = [], []
    for seq, ev_hash, raw, category, need_verify in jobs:
        ballot = json.loads(raw)
        try:
            if need_verify:
                # voting.record's own check (the acceptance rule's expensive half), not a restatement
                cts = verify_ballot_crypto(election, y, PreparedBallot(ballot, ballot["credential"], "", (), raw), seq)
                verified.append(ev_hash)
            else:
                cts = parse_ciphertexts(election, ballot)
        except RecordError as exc:
            failures.append((seq, exc.code, exc.message))
            continue
        except InvalidBallot as exc:
            failures.append((seq, exc.code, exc.message))
            continue
        col = cols[category]
        i = 0
        for pairs in cts:
            for a, b in pairs:
                col[i][0].append(a)
                col[i][1].append(b)
                i += 1
    sums = {cat: [(sum_elements(a).hex(), sum_elements(b).hex()) for a, b in col] for cat, col in cols.items()}
    return failures, sums, verified


class _BallotChecker:
    """Feeds ballots to worker processes with a bounded number of chunks in flight."""

    def __init__(self, el: Election, y: Element, workers: int, checkpoint: Checkpoint | None) -> None:
        self.width = len(flat_choices(el))
        self.acc: dict[str, list[tuple[Element, Element]]] = {cat: [(IDENTITY, IDENTITY)] * self.width for cat in CATEGORIES}
        self.failures: list[Failure] = []
        self.checkpoint = checkpoint
        self.batch: list[Job] = []
        self.pending: collections.deque[Any] = collections.deque()
        self.verified_now = 0
        self.nproc = max(1, workers)
        args = (el.to_json(), y.hex())
        self.pool = None
        if self.nproc > 1:
            self.pool = multiprocessing.get_context("fork").Pool(self.nproc, initializer=_init_worker, initargs=args)
        else:
            _init_worker(*args)

    def add(self, job: Job) -> None:
        self.batch.append(job)
        if len(self.batch) >= CHUNK:
            self._submit()

    def _submit(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        if self.pool is None:
            self._take(_verify_chunk(batch))
            return
        while len(self.pending) >= 2 * self.nproc:
            self._take(self.pending.popleft().get())
        self.pending.append(self.pool.apply_async(_verify_chunk, (batch,)))

    def _take(self, res: Any) -> None:
        fails, sums, verified = res
        self.failures.extend(Failure(code, msg, seq) for seq, code, msg in fails)
        for cat in CATEGORIES:
            self.acc[cat] = [
                (a + Element.from_hex(x, allow_identity=True), b + Element.from_hex(z, allow_identity=True))
                for (a, b), (x, z) in zip(self.acc[cat], sums[cat])
            ]
        self.verified_now += len(verified)
        if self.checkpoint is not None:
            self.checkpoint.add(verified)

    def finish(self) -> None:
        try:
            self._submit()
            while self.pending:
                self._take(self.pending.popleft().get())
        finally:
            if self.pool is not None:
                self.pool.close()
                self.pool.join()

    def abort(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def missing_parts(state: RecordState, words: Words = ENGLISH) -> list[str]:
    """What a complete record still lacks, in protocol order (empty when it has its result), in
    ``words``' language (English, the default, for the JSON report)."""
    _ = words._
    if state.election is None:
        return [_("the election definition")]
    el = state.el
    missing = []
    if state.public_key is None:
        missing.append(_("key generation (the election key)"))
    if not state.opened:
        missing.append(_("the opening of the ballot box"))
    if not state.closed:
        missing.append(_("the close of the ballot box"))
    if len(state.seals) < el.threshold:
        missing.append(_("seal signatures (%(have)s of the %(need)s needed)", have=len(state.seals), need=el.threshold))
    if state.tally_hash is None:
        missing.append(_("the encrypted tally"))
    if len(state.decryptions) < el.threshold and (state.tally_decrypt is None or state.tally_decrypt):
        missing.append(_("partial decryptions (%(have)s of the %(need)s needed)", have=len(state.decryptions),
                         need=el.threshold))
    if state.result is None:
        missing.append(_("the result"))
    return missing


def verify_record(
    source: Any,
    *,
    workers: int | None = None,
    checkpoint: str | None = None,
    checkpoint_key_file: str | None = None,
    out: Any = None,
    progress: Callable[[int], None] | None = None,
    words: Words = ENGLISH,
) -> Report:
    """Check everything; the report names the first failure in record order.

    ``source``: a path, a record document (dict) or a :class:`RecordFile`.
    Streams the events; ``report.state`` is the replayed state (without ballots). The progress
    lines printed to ``out`` are in ``words``' language.
    """
    out = out if out is not None else sys.stdout
    t0 = time.perf_counter()
    report = Report()
    try:
        record = open_record(source)
    except UnreadableRecord as exc:
        report.failure = Failure("unreadable", str(exc), None)
        return report
    state = RecordState(defer_ballots=True, keep_ballots=False)
    report.state = state
    nproc = workers or os.cpu_count() or 1
    ckpt = Checkpoint(checkpoint, checkpoint_key(checkpoint_key_file)) if checkpoint else None
    checker: _BallotChecker | None = None
    locations: dict[int, Any] = {}
    failures: list[Failure] = []
    try:
        stream = record.events()
        first = True
        for event, loc in stream:
            if first:
                first = False
                if (record.format is not None and record.format != RECORD_FORMAT) or record.extra_keys:
                    raise RecordError("record_format", f"not a {RECORD_FORMAT} document")
            state.apply(event)
            if event["type"] == "ballot":
                if checker is None:
                    assert state.public_key is not None
                    if ckpt is not None:
                        ckpt.bind(state.el.fingerprint, state.public_key.hex())
                        print(words._("checkpoint %(file)s: %(done)s ballots already verified", file=checkpoint,
                                      done=len(ckpt.done))
                              + (words._(", %(lines)s lines that do not authenticate ignored", lines=ckpt.rejected)
                                 if ckpt.rejected else ""),
                              file=out)
                    print(words._("verifying ballots on %(n)s processes", n=nproc), file=out)
                    checker = _BallotChecker(state.el, state.public_key, nproc, ckpt)
                    report.worker_processes = nproc if checker.pool is not None else 0
                entry = state.ballots[-1]
                locations[entry.seq] = loc
                raw = state._ballot_bytes if state._ballot_bytes is not None else json.dumps(event["data"]["ballot"]).encode()
                checker.add((entry.seq, event["hash"], raw, entry.category, event["hash"] not in (ckpt.done if ckpt else ())))
                if progress is not None and len(state.ballots) % 1000 == 0:
                    progress(len(state.ballots))
        if first or record.format != RECORD_FORMAT or record.extra_keys:
            # (a writer with sorted keys puts "events" before "format": checked at the end)
            raise RecordError("record_format", f"not a {RECORD_FORMAT} document")
    except RecordError as exc:
        failures.append(Failure(exc.code, exc.message, exc.seq))
    except (UnreadableRecord, OSError, UnicodeDecodeError) as exc:
        if checker is not None:
            checker.abort()
        if ckpt is not None:
            ckpt.close()
        report.failure = Failure("unreadable", f"cannot read the record: {exc}", None)
        return report
    except BaseException:
        if checker is not None:
            checker.abort()
        raise
    try:
        if checker is not None:
            checker.finish()
    finally:
        if ckpt is not None:
            ckpt.close()
            report.checkpoint_rejected = ckpt.rejected
    el = state.election
    if checker is not None:
        failures.extend(checker.failures)
    if el is not None and state.tally_sums is not None and state.tally_seq is not None:
        width = len(flat_choices(el))
        acc = checker.acc if checker is not None else {cat: [(IDENTITY, IDENTITY)] * width for cat in CATEGORIES}
        # The counted ballots are every ballot minus the superseded ones and those of revoked
        # credentials (few: re-read from the record); for a contest closed with its agenda item,
        # minus also every ballot placed after that close (state.counted_for says which count).
        # (for a contest held back at the opening, minus also every ballot placed before its item open).
        sources = [state.counted_for(c.id) for c in el.contests]  # kept alive: their ids key ``sets``
        sets: dict[int, set[int]] = {}  # one set per distinct counted set (contests closed together share it)
        for source in sources:
            if id(source) not in sets:
                sets[id(source)] = {e.seq for e in source.values()}
        counted_by_contest = [sets[id(source)] for source in sources]
        every = set.intersection(*counted_by_contest) if counted_by_contest else set()
        for entry in state.ballots:
            if entry.seq in every:
                continue
            ballot = record.load(locations[entry.seq])["data"]["ballot"]
            cts = parse_ciphertexts(el, ballot)
            flat = [(x, z) if entry.seq not in counted else (IDENTITY, IDENTITY)
                    for counted, contest in zip(counted_by_contest, cts) for (x, z) in contest]
            acc[entry.category] = [(a - x, b - z) for (a, b), (x, z) in zip(acc[entry.category], flat)]
        if sums_to_json(el, acc) != state.tally_sums:
            failures.append(Failure("tally_sum", "the encrypted tally is not the sum of the counted ballots", state.tally_seq))
    if failures:
        report.failure = min(failures, key=lambda f: (f.seq if f.seq is not None else -1))
    report.complete = state.result is not None and report.failure is None
    report.missing = missing_parts(state)
    n_ballots = len(state.ballots)
    verified_now = checker.verified_now if checker is not None else 0
    report.checked = {
        "events": state.events,
        "hash_links": state.events,
        "trustee_commitments": state.counts.get("trustee_commitments", 0),
        "trustee_shares": state.counts.get("trustee_share", 0),
        "credentials": len(state.credentials),
        "revocations": len(state.revoked),
        "ballots": n_ballots,
        "ballot_signatures_verified_now": verified_now,
        "choice_proofs": verified_now * (sum(len(c.choices) for c in el.contests) if el else 0),
        "contest_proofs": verified_now * (len(el.contests) if el else 0),
        "superseded_ballots": sum(1 for e in state.ballots if e.superseded_by),
        "counted_ballots": len(state.last_by_credential),
        "item_closes": len(state.item_closes),
        "seal_signatures": len(state.seals),
        "tally": 1 if state.tally_hash else 0,
        "partial_decryptions": len(state.decryptions),
        "decryption_proofs": len(state.decryptions) * len(state.tally_decrypt or {}) * (len(flat_choices(el)) if el else 0),
        "result": 1 if state.result is not None else 0,
    }
    report.seconds = time.perf_counter() - t0
    return report


def peak_rss_mb(worker_processes: int = 0) -> float:
    """The verifier's memory at its peak (MB), as a laptop must have it: this process's peak
    resident memory plus, for each worker process, the largest worker's. An upper bound: the pages
    a forked worker still shares with this process are counted again in each."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + worker_processes * children) / 1024.0


# What each figure of the report counts, in words (the JSON report keeps the keys).
CHECKED_LABELS: dict[str, str] = {
    "events": N_("events"),
    "hash_links": N_("hash links between events"),
    "trustee_commitments": N_("scrutineers' key commitments"),
    "trustee_shares": N_("scrutineers' public key shares"),
    "credentials": N_("voting credentials"),
    "revocations": N_("revocations"),
    "ballots": N_("ballots"),
    "ballot_signatures_verified_now": N_("ballot signatures verified now"),
    "choice_proofs": N_("proofs that each choice is 0 or 1"),
    "contest_proofs": N_("proofs of the number of choices per question"),
    "superseded_ballots": N_("superseded ballots"),
    "counted_ballots": N_("counted ballots"),
    "item_closes": N_("agenda item closes"),
    "seal_signatures": N_("seal signatures"),
    "tally": N_("encrypted tally"),
    "partial_decryptions": N_("partial decryptions"),
    "decryption_proofs": N_("decryption proofs"),
    "result": N_("result"),
}


def build_parser(words: Words) -> argparse.ArgumentParser:
    _ = words._
    parser = argparse.ArgumentParser(prog="python -m voting.verify", description=_("Verify a Une Voix election record."))
    parser.add_argument("record", help=_("path or https:// URL of the record (JSON)"))
    parser.add_argument("--workers", type=int, default=None, help=_("processes (default: all cores)"))
    parser.add_argument("--resume", metavar="CHECKPOINT",
                        help=_("file of verified ballots, read and appended to (authenticated with your own key)"))
    parser.add_argument("--checkpoint-key", metavar="FILE",
                        help=_("secret key of the checkpoint (default: $%(env)s or "
                               "~/.config/unevoix/verify-checkpoint.key)", env=KEY_ENV).replace("%", "%%"))
    parser.add_argument("--partial", action="store_true",
                        help=_("accept a record that stops before the result (a check in progress)"))
    parser.add_argument("--complete", action="store_true", help=argparse.SUPPRESS)  # the default since format v1.1
    parser.add_argument("--json", action="store_true", help=_("print the report as JSON on the last line"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_in_language(build_parser, argv)
    words = args.words
    _ = words._
    tmp = None
    try:
        source = args.record
        if fetched(source):
            tmp = source = fetch_record(source)
        report = verify_record(source, workers=args.workers, checkpoint=args.resume, checkpoint_key_file=args.checkpoint_key,
                               words=words)
    except (OSError, UnreadableRecord, ValueError) as exc:
        print(Failure("unreadable", f"cannot read the record: {exc}", None).line(words))
        return 2
    finally:
        if tmp:
            os.unlink(tmp)
    if report.failure is not None and report.failure.code == "unreadable":
        print(report.failure.line(words))
        return 2
    for key, value in report.checked.items():
        print(_("checked %(what)s: %(count)s", what=_(CHECKED_LABELS[key]), count=value))
    if report.checkpoint_rejected:
        print(_("note: %(lines)s checkpoint lines did not authenticate; those ballots were verified again",
                lines=report.checkpoint_rejected))
    seconds = words.decimal(report.seconds)
    if report.failure is None and not report.complete and not args.partial:
        report.failure = Failure("incomplete", "", None)
    if report.failure is not None:
        print(report.failure.line(words))
        if report.failure.code == "incomplete":
            assert report.state is not None
            print("  " + _("still missing: %(parts)s", parts="; ".join(missing_parts(report.state, words))))
    elif report.complete:
        print(_("OK: every check holds, result verified (%(seconds)s s)", seconds=seconds))
    else:
        assert report.state is not None
        print(_("OK so far (partial check): every check holds; still missing: %(parts)s (%(seconds)s s)",
                parts="; ".join(missing_parts(report.state, words)), seconds=seconds))
    if args.json:
        print(json.dumps({"ok": report.ok, "complete": report.complete, "code": report.failure.code if report.failure else None,
                          "seq": report.failure.seq if report.failure else None, "missing": report.missing,
                          "checked": report.checked, "peak_rss_mb": round(peak_rss_mb(report.worker_processes), 1)}))
    return 0 if report.failure is None else 1


if __name__ == "__main__":
    sys.exit(main())
