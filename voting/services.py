"""The verbs of the public board: create, key generation steps, credentials, open, cast, close,
tally, partial decryptions, result. They flush and never commit; the caller commits once.

Every append goes through :func:`_append`: it locks the election row (a no-op UPDATE, so appends
to one board queue up, and a ballot cannot slip in behind the close), reads the last event,
builds the new one, checks it with voting.record's rules, and inserts it inside a SAVEPOINT. The
database refuses a second event with the same ``(election, seq)`` or the same hash; on that
IntegrityError the append is rebuilt from the new last event (a few times, then ``BoardBusy``).
So the board the database holds is always a record that ``python -m voting.verify`` accepts.
"""
from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from flask import current_app, url_for
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import utcnow
from app.extensions import db
from app.jobs import job_context
from app.mail import queue_mail, queue_text, render_mail
from app.models import Account
from app.uow import savepoint
from app.web import check_free_name
from voting import errors, texts
from voting.crypto.ballot import InvalidBallot, parse_ciphertexts
from voting.crypto.credential import credential_public, generate_credential
from voting.crypto.dkg import TrusteeError
from voting.crypto.election import CATEGORIES, DefinitionError
from voting.crypto.election import Election as CryptoElection
from voting.crypto.encoding import is_hex
from voting.crypto.group import IDENTITY, Element, sum_elements
from voting.crypto.tally import Sums, flat_choices, sums_to_json
from voting.permissions import may_cast_for
from voting.record import (
    RECORD_FORMAT,
    AgendaWindows,
    RecordError,
    RecordState,
    check_ballot_on_board,
    check_credential,
    make_event,
    prepare_ballot,
    verify_ballot_crypto,
)
from voting.models import (
    BallotCiphertext,
    BoardEvent,
    CastBallot,
    Credential,
    Election,
    ElectionState,
    RunningSum,
    Trustee,
)

APPEND_ATTEMPTS = 5
_AFTER_CLOSE_TYPES = ("close", "tally", "partial_decryption", "result")

# voting.record / voting.crypto reason codes -> the domain error that names them.
_BALLOT_ERRORS: dict[str, type[errors.VotingError]] = {
    "ballot_format": errors.MalformedBallot,
    "wrong_election": errors.WrongFingerprint,
    "wrong_credential": errors.InvalidSignature,
    "ballot_signature": errors.InvalidSignature,
    "invalid_element": errors.InvalidGroupElement,
    "choice_proof": errors.InvalidProof,
    "contest_proof": errors.InvalidProof,
    "unknown_credential": errors.UnknownCredential,
    "ballot_after_close": errors.BallotAfterClose,
    "ballot_before_open": errors.BallotBoxNotOpen,
    "ballot_copied": errors.CopiedBallot,
    "ciphertext_reused": errors.ReusedCiphertext,
    "duplicate_ballot": errors.DuplicateBallot,
    "revoked_credential": errors.RevokedCredential,
}
_STEP_ERRORS: dict[str, type[errors.VotingError]] = {
    "wrong_election": errors.StepForAnotherElection,
    "duplicate_trustee": errors.AlreadyPublished,
    "duplicate_decryption": errors.AlreadyPublished,
    "order": errors.WrongState,
    "unknown_trustee": errors.NotATrustee,
    "not_enough_trustees": errors.WrongState,
    "invalid_element": errors.InvalidGroupElement,
    "trustee_signature": errors.InvalidTrusteeSignature,
    "complaint_unfounded": errors.ComplaintUnfounded,
    "not_enough_seals": errors.NotEnoughSeals,
    "credential_after_open": errors.CredentialAfterOpen,
    "voter_duplicate": errors.InvalidCredentialList,
    "credential_format": errors.InvalidCredentialList,
    "credential_duplicate": errors.InvalidCredentialList,
    "item_close": errors.ItemAlreadyClosed,
    "item_open": errors.ItemNotHeld,
}


def _step_error(exc: RecordError | TrusteeError) -> errors.VotingError:
    cls = _STEP_ERRORS.get(exc.code, errors.InvalidTrusteeData)
    if cls is errors.NotEnoughSeals:
        return errors.NotEnoughSeals(exc.message)
    return cls(exc.message, code=exc.code)


# -- reading the board ---------------------------------------------------------------------------

def crypto_election(election: Election) -> CryptoElection:
    if election.fingerprint is None:
        raise errors.WrongState("the definition is not final yet", state=election.state.value, needed="keygen")
    return CryptoElection.from_json(election.definition)


def iter_events(election: Election, batch: int = 500) -> Iterator[dict[str, Any]]:
    """The board's events in order, as the record writes them (streamed in batches)."""
    query = (select(BoardEvent).where(BoardEvent.election_id == election.id).order_by(BoardEvent.seq)
             .execution_options(yield_per=batch))
    # Closed even when the reader stops early (a client that hangs up): PostgreSQL streams it
    # through a server-side cursor, which must not be left open.
    result = db.session.scalars(query)
    try:
        for row in result:
            yield row.as_event()
    finally:
        result.close()


def board_state(election: Election) -> RecordState:
    """The board's state by voting.record's rules, at the cost of what is not a ballot.

    The board replays its own rows, each checked when it was appended (``trusted``): every event
    but the ballots is applied from its data; a ballot only from its index row (seq, hash,
    credential, tracker), its body not even loaded. The encrypted sums come from the running
    state (:class:`RunningSum`). ``python -m voting.verify`` re-checks everything from the record."""
    state = RecordState(defer_ballots=True, trusted=True, compute_sums=lambda st: running_sums(election, st.el, st))
    eid = election.id
    others = db.session.scalars(select(BoardEvent).where(BoardEvent.election_id == eid, BoardEvent.type != "ballot")
                                .order_by(BoardEvent.seq).execution_options(yield_per=200))
    ballots = db.session.execute(
        select(CastBallot.seq, BoardEvent.hash, Credential.public, CastBallot.tracker)
        .join(BoardEvent, (BoardEvent.election_id == CastBallot.election_id) & (BoardEvent.seq == CastBallot.seq))
        .join(Credential, Credential.id == CastBallot.credential_id)
        .where(CastBallot.election_id == eid).order_by(CastBallot.seq).execution_options(yield_per=2000))
    try:
        next_ballot = next(ballots, None)
        for row in others:
            while next_ballot is not None and next_ballot[0] < row.seq:
                state.apply_indexed_ballot(*next_ballot)
                next_ballot = next(ballots, None)
            state.apply(row.as_event())
        while next_ballot is not None:
            state.apply_indexed_ballot(*next_ballot)
            next_ballot = next(ballots, None)
    finally:  # server-side cursors on PostgreSQL: closed even when a rule refuses an event
        others.close()
        ballots.close()
    return state


# -- the running state: encrypted sums of the counted ballots, kept as ballots arrive ----------

# The agenda items' events (docs/election-record.md 5.8a, 5.8b): appending one sets the election
# row's agenda_head.
AGENDA_EVENTS = ("item_hold", "item_open", "item_close")

_SHARDS = 16
# A contest closed with its agenda item keeps the sums of that moment: a RunningSum row numbered
# _FROZEN + the item close's seq, written under the board's lock (never updated again).
_FROZEN = 1_000_000


def _shard() -> int:
    """This thread's shard: a worker's threads (gunicorn ``--threads``) and its processes each add
    to their own row as far as 16 go, so that casts rarely wait on each other's running sum."""
    return (os.getpid() * 7 + threading.get_native_id()) % _SHARDS


def _empty_running(width: int) -> dict[str, Any]:
    zero = IDENTITY.hex()
    return {"counted": {cat: 0 for cat in CATEGORIES}, "sums": {cat: [[zero, zero]] * width for cat in CATEGORIES}}


def _add_running(election: Election, width: int, category: str, count: int,
                 plus: list[tuple[Element, Element]] | None, minus: list[tuple[Element, Element]] | None) -> None:
    """Add one ballot's ciphertexts (``plus``) and take away another's (``minus``) in this
    thread's shard. Runs before the board's lock (lock order: shard, then election)."""
    if plus is None and minus is None and count == 0:
        return
    shard = _shard()
    # Plain rows, not ORM objects: one cast reads and writes its shard once (no unit of work).
    where = {"election": election.id, "shard": shard}
    # This thread's row, or any row no cast holds: two processes' threads can share a shard number,
    # and waiting for it would queue this cast behind the other's whole wait for the board's lock.
    # Only when every row is held (or none was made: the opening makes them) does it wait for its own.
    row = _conn().execute(_FREE_SHARD_FOR_UPDATE, where).first() or _conn().execute(_SHARD_FOR_UPDATE, where).first()
    if row is None:
        with suppress(IntegrityError), savepoint():  # another cast made it first: take that one
            db.session.execute(insert(RunningSum.__table__).values(election_id=election.id, shard=shard,
                                                                   state=_empty_running(width)))
        row = _conn().execute(_SHARD_FOR_UPDATE, where).first()
    row_id, current, shard = row
    cells = current["sums"][category]
    key = (election.id, shard, category)
    cached = _RUNNING_CACHE.get(key)
    if cached is not None and cached[0] == cells:  # what this thread wrote last: no parsing again
        elements = cached[1]
    else:
        elements = [(Element.from_hex(a, allow_identity=True), Element.from_hex(b, allow_identity=True))
                    for a, b in cells]
    new_elements, out = [], []
    for i, (a, b) in enumerate(elements):
        parts_a, parts_b = [a], [b]
        if plus is not None:
            parts_a.append(plus[i][0])
            parts_b.append(plus[i][1])
        if minus is not None:
            parts_a.append(-minus[i][0])
            parts_b.append(-minus[i][1])
        pair = (sum_elements(parts_a), sum_elements(parts_b))
        new_elements.append(pair)
        out.append([pair[0].hex(), pair[1].hex()])
    counted = dict(current["counted"])
    counted[category] += count
    _conn().execute(_SHARD_WRITE, {"row": row_id,
                                   "state": {"counted": counted, "sums": {**current["sums"], category: out}}})
    # Kept for this shard's next cast, which compares the row it reads with ``out`` first (a
    # rolled-back cast, or another process on the same shard, simply means parsing again).
    _RUNNING_CACHE[key] = (out, new_elements)


def _conn():
    """The session's connection, for the plain-row statements casting runs: ``Session.execute``
    adds its ORM layer (autoflush, ORM results), some 0.1 ms a statement. What these statements
    read is never left unflushed in the session (appends flush their rows)."""
    return db.session.connection()


# Casting's statements are built once, their values bound at each execution: building one costs
# some 0.2 ms, and a cast runs a dozen.
_SHARD_FOR_UPDATE = (select(RunningSum.id, RunningSum.state, RunningSum.shard)
                     .where(RunningSum.election_id == bindparam("election"), RunningSum.shard == bindparam("shard"))
                     .with_for_update())
_FREE_SHARD_FOR_UPDATE = (select(RunningSum.id, RunningSum.state, RunningSum.shard)
                          .where(RunningSum.election_id == bindparam("election"), RunningSum.shard < _FROZEN)
                          .order_by((RunningSum.shard == bindparam("shard")).desc(), RunningSum.shard)
                          .limit(1).with_for_update(skip_locked=True))
_SHARD_WRITE = (update(RunningSum.__table__).where(RunningSum.__table__.c.id == bindparam("row"))
                .values(state=bindparam("state")))

# (election id, shard, category) -> (the sums' hex as last written here, the same as elements)
_RUNNING_CACHE: dict[tuple[int, int, str], tuple[list[list[str]], list[tuple[Element, Element]]]] = {}


def _add_rows(width: int, rows: Iterable[RunningSum]) -> dict[str, list[tuple[Element, Element]]]:
    cols = {cat: [([], []) for _ in range(width)] for cat in CATEGORIES}
    for row in rows:
        for cat in CATEGORIES:
            for i, (a, b) in enumerate(row.state["sums"][cat]):
                cols[cat][i][0].append(Element.from_hex(a, allow_identity=True))
                cols[cat][i][1].append(Element.from_hex(b, allow_identity=True))
    return {cat: [(sum_elements(a), sum_elements(b)) for a, b in col] for cat, col in cols.items()}


def running_sums(election: Election, el: CryptoElection, state: RecordState | None = None) -> Sums:
    """The encrypted sums of every counted ballot, per category: the shards added up; a contest
    closed with its agenda item (``state.closed_contests``) takes the sums frozen at its close."""
    width = len(flat_choices(el))
    live = db.session.scalars(select(RunningSum).where(RunningSum.election_id == election.id,
                                                       RunningSum.shard < _FROZEN))
    out = sums_to_json(el, _add_rows(width, live))
    closes = state.item_closes if state is not None else []
    for item in closes:
        row = db.session.scalar(select(RunningSum).where(RunningSum.election_id == election.id,
                                                         RunningSum.shard == _FROZEN + item.seq))
        if row is None:  # written with its item close, in the same transaction: never missing
            raise errors.WrongState(f"the sums frozen at the item close {item.seq} are missing", state="open",
                                    needed="item_close sums")
        frozen = sums_to_json(el, _add_rows(width, [row]))
        for cat in CATEGORIES:
            for cid in item.contests:
                out[cat][cid] = frozen[cat][cid]
    return out


def _flat_ciphertexts(el: CryptoElection, ballot: Mapping[str, Any]) -> list[tuple[Element, Element]]:
    return [pair for contest in parse_ciphertexts(el, ballot) for pair in contest]


def _ballot_at(election: Election, seq: int) -> dict[str, Any]:
    data = db.session.scalar(select(BoardEvent.data).where(BoardEvent.election_id == election.id,
                                                           BoardEvent.seq == seq))
    return data["ballot"]


_LAST_EVENT = (select(BoardEvent.seq, BoardEvent.type, BoardEvent.hash)
               .where(BoardEvent.election_id == bindparam("election")).order_by(BoardEvent.seq.desc()).limit(1))


def _last_event(election: Election) -> dict[str, Any] | None:
    """The last event's ``seq``, ``type`` and ``hash`` (what the next event needs; not its data,
    which for a ballot is some 27 kB of JSON)."""
    row = _conn().execute(_LAST_EVENT, {"election": election.id}).first()
    return {"seq": row.seq, "type": row.type, "hash": row.hash} if row else None


_LOCK = (update(Election).where(Election.id == bindparam("election")).values(board_touched_at=bindparam("now"))
         .execution_options(synchronize_session=False))
_LOCK_IN_STATES = _LOCK.where(Election.state.in_(bindparam("states", expanding=True)))


def _lock_board(election: Election, *, states: Iterable[ElectionState] | None = None) -> bool:
    """Take the election row's lock for this transaction; False if its state is not in ``states``."""
    if states is None:
        result = _conn().execute(_LOCK, {"election": election.id, "now": utcnow()})
    else:
        result = _conn().execute(_LOCK_IN_STATES, {"election": election.id, "now": utcnow(), "states": list(states)})
    return result.rowcount == 1


_LOCK_OPEN_BOX = _LOCK_IN_STATES.returning(Election.agenda_head)


def _lock_open_box(election: Election) -> str | None:
    """The board's lock for a cast, and the row's ``agenda_head`` as the lock read it: current, since
    agenda events are appended under the same lock. BallotAfterClose when the box is no longer open."""
    row = _conn().execute(_LOCK_OPEN_BOX, {"election": election.id, "now": utcnow(),
                                           "states": [ElectionState.OPEN]}).first()
    if row is None:
        raise errors.BallotAfterClose()
    return row[0]


_INSERT_EVENT = insert(BoardEvent.__table__)


def _append(election: Election, build: Callable[[dict[str, Any] | None], tuple[str, dict[str, Any], Callable[[BoardEvent], None] | None]],
            *, plain: bool = False) -> BoardEvent:
    """Append the event ``build(last_event)`` returns as ``(type, data, after_insert)``.

    ``build`` re-reads whatever it needs *after* the last event was read (so anything committed
    before is visible, and anything committed after collides on ``seq``) and raises a
    DomainError to refuse. ``after_insert(row)`` adds the index rows in the same savepoint.
    ``plain``: insert the row without the ORM's unit of work (a ballot: ``after_insert`` and the
    caller get an unattached BoardEvent carrying the event's columns)."""
    for _attempt in range(APPEND_ATTEMPTS):
        try:
            with savepoint():
                last = _last_event(election)
                etype, data, after_insert, *raw = build(last)
                event = make_event(last, etype, data, raw[0] if raw else None)
                row = BoardEvent(election_id=election.id, seq=event["seq"], type=etype, prev=event["prev"],
                                 hash=event["hash"], data=event["data"])
                if plain:
                    _conn().execute(_INSERT_EVENT, dict(
                        election_id=election.id, seq=event["seq"], type=etype, prev=event["prev"],
                        hash=event["hash"], data=event["data"], created_at=utcnow()))
                else:
                    if etype in AGENDA_EVENTS:
                        election.agenda_head = event["hash"]
                    db.session.add(row)
                    db.session.flush()
                if after_insert is not None:
                    after_insert(row)
                    db.session.flush()
        except IntegrityError:  # another append took this seq (or a unique row): read the board again
            continue
        return row
    raise errors.BoardBusy("the board kept changing during the append")


def _append_checked(election: Election, etype: str, make_data: Callable[[RecordState], dict[str, Any]],
                    after_insert: Callable[[BoardEvent], None] | None = None) -> tuple[BoardEvent, RecordState]:
    """Append an event whose data ``make_data(state)`` builds from the replayed board, after
    checking it with ``RecordState.apply`` (every rule of voting.record)."""
    box: dict[str, RecordState] = {}

    def build(last):
        state = board_state(election)
        if (state.last or {}).get("hash") != (last or {}).get("hash"):
            raise IntegrityError("board moved between reads", None, Exception())  # rebuilt by _append
        data = make_data(state)
        state.trusted = False  # the rows replayed were checked when appended; the new event is not
        try:
            state.apply(make_event(last, etype, data))
        except RecordError as exc:
            raise _step_error(exc) from exc
        box["state"] = state
        return etype, data, after_insert

    row = _append(election, build)
    return row, box["state"]


# -- creating an election ------------------------------------------------------------------------

def create_election(definition: Mapping[str, Any], trustees: Mapping[str, Account | None] | None = None, *,
                    slug: str | None = None, require_login: bool = True, created_by: Account | None = None,
                    assembly_id: int | None = None) -> Election:
    """A new election from a ``unevoix/v1`` definition.

    ``trustees`` maps each trustee id of the definition to the scrutineer account acting for it.
    A trustee whose ``signing_key``/``encryption_key`` are empty registers them later
    (:func:`register_trustee_keys`); once every trustee's keys are known, the definition is
    final, its event starts the board and the election moves to KEYGEN."""
    definition = dict(definition)
    definition.setdefault("min_ballots", current_app.config["VOTING_MIN_BALLOTS"])
    trustees = dict(trustees or {})
    try:
        listed = [dict(t) for t in definition.get("trustees") or []]
        ids = [t["id"] for t in listed]
        placeholder = {**definition, "trustees": [
            {**t, "signing_key": t.get("signing_key") or "0" * 64, "encryption_key": t.get("encryption_key") or "0" * 64}
            for t in listed]}
        checked = CryptoElection.from_json(placeholder)
    except (DefinitionError, KeyError, TypeError, AttributeError) as exc:
        raise errors.InvalidDefinition(str(exc)) from exc
    unknown = set(trustees) - set(ids)
    if unknown:
        raise errors.InvalidDefinition(f"unknown trustee ids: {', '.join(sorted(unknown))}")
    slug = slug or checked.id
    check_free_name("voting", slug)
    if db.session.scalar(select(Election.id).where(Election.slug == slug)) is not None:
        raise errors.DuplicateSlug(slug)
    election = Election(slug=slug, title=checked.title, definition=definition, state=ElectionState.SETUP,
                        require_login=require_login, created_by=created_by, assembly_id=assembly_id)
    db.session.add(election)
    for position, t in enumerate(listed, start=1):
        election.trustees.append(Trustee(
            trustee_id=t["id"], position=position, name=t.get("name") or t["id"], account=trustees.get(t["id"]),
            signing_key=t.get("signing_key") or None, encryption_key=t.get("encryption_key") or None))
    db.session.flush()
    audit.record("voting.election.create", election, actor=created_by,
                 after={"slug": slug, "title": election.title, "require_login": require_login,
                        "trustees": ids, "threshold": checked.threshold})
    _finalize_if_ready(election)
    return election


def _finalize_if_ready(election: Election) -> None:
    if election.state is not ElectionState.SETUP or any(not t.signing_key or not t.encryption_key for t in election.trustees):
        return
    definition = dict(election.definition)
    definition["trustees"] = [{"id": t.trustee_id, "name": t.name, "signing_key": t.signing_key,
                               "encryption_key": t.encryption_key} for t in election.trustees]
    try:
        final = CryptoElection.from_json(definition)
    except (DefinitionError, KeyError, TypeError) as exc:
        raise errors.InvalidDefinition(str(exc)) from exc
    if not _lock_board(election, states=[ElectionState.SETUP]):
        raise errors.WrongState("already final", state=election.state.value, needed="setup")
    election.definition = final.to_json()
    election.fingerprint = final.fingerprint
    _append_checked(election, "election", lambda state: final.to_json())
    election.state = ElectionState.KEYGEN
    db.session.flush()
    audit.record("voting.definition.publish", election, after={"fingerprint": final.fingerprint})


def register_trustee_keys(election: Election, trustee: Trustee, public: Mapping[str, Any]) -> None:
    """A scrutineer's public keys (the ``--public`` file of ``python -m voting.trustee init``)."""
    if election.state is not ElectionState.SETUP:
        raise errors.WrongState("the definition is final", state=election.state.value, needed="setup")
    if trustee.signing_key and trustee.encryption_key:
        raise errors.AlreadyPublished(f"trustee {trustee.trustee_id} keys")
    if not isinstance(public, Mapping) or public.get("id") != trustee.trustee_id \
            or not is_hex(public.get("signing_key"), 64) or not is_hex(public.get("encryption_key"), 64):
        raise errors.InvalidTrusteeData("expected {id, name, signing_key, encryption_key} for this trustee",
                                        code="trustee_format")
    trustee.signing_key, trustee.encryption_key = public["signing_key"], public["encryption_key"]
    db.session.flush()
    audit.record("voting.trustee.register_keys", trustee, after={"election": election.slug,
                                                                   "trustee": trustee.trustee_id})
    _finalize_if_ready(election)


# -- key generation ------------------------------------------------------------------------------

def _kind_of_step(data: Any) -> str:
    keys = set(data) if isinstance(data, Mapping) else set()
    if {"commitments", "shares"} <= keys:
        return "trustee_commitments"
    if "public_share" in keys and "dealers" in keys:
        return "trustee_share"
    if {"dealer", "shared_secret"} <= keys:
        return "trustee_complaint"
    if "factors" in keys:
        return "partial_decryption"
    if {"close", "head", "counted"} <= keys:
        return "seal_signature"
    raise errors.InvalidTrusteeData("not a scrutineer step (commitments, public share, seal signature or "
                                    "partial decryption)", code="trustee_format")


def record_trustee_step(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """Any scrutineer upload (what ``python -m voting.trustee keygen1|keygen2|decrypt`` writes)."""
    kind = _kind_of_step(data)
    if data.get("election") != election.fingerprint:  # said as such before the step's place in the order
        raise errors.StepForAnotherElection(f"the file is for election {str(data.get('election'))[:16]}...")
    if kind == "trustee_commitments":
        return record_trustee_commitments(election, data, trustee)
    if kind == "trustee_share":
        return record_trustee_share(election, data, trustee)
    if kind == "trustee_complaint":
        return record_trustee_complaint(election, data, trustee)
    if kind == "seal_signature":
        return record_seal_signature(election, data, trustee)
    return record_partial_decryption(election, data, trustee)


def _check_trustee_matches(data: Mapping[str, Any], trustee: Trustee | None) -> None:
    if trustee is not None and data.get("trustee") != trustee.trustee_id:
        raise errors.NotATrustee(f"the file is signed for trustee {data.get('trustee')!r}, "
                                 f"not {trustee.trustee_id!r}")


def record_trustee_commitments(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """Step 1: a dealer's signed commitments, proof and encrypted shares."""
    _check_trustee_matches(data, trustee)
    if election.state is not ElectionState.KEYGEN:
        raise errors.WrongState("key generation is over or not started", state=election.state.value, needed="keygen")
    _lock_board(election)
    row, _ = _append_checked(election, "trustee_commitments", lambda state: dict(data))
    audit.record("voting.trustee.commit", election, after={"trustee": data.get("trustee"), "seq": row.seq})
    return row


def record_trustee_share(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """Step 2: a trustee's signed public share. After the last one, the election key is appended."""
    _check_trustee_matches(data, trustee)
    if election.state is not ElectionState.KEYGEN:
        raise errors.WrongState("key generation is over or not started", state=election.state.value, needed="keygen")
    _lock_board(election)
    row, state = _append_checked(election, "trustee_share", lambda state: dict(data))
    audit.record("voting.trustee.share", election, after={"trustee": data.get("trustee"), "seq": row.seq})
    if all(t.id in state.shares for t in state.el.trustees):
        key_row, _ = _append_checked(election, "election_key", lambda st: st.election_key_data())
        election.public_key = key_row.data["public_key"]
        db.session.flush()
        audit.record("voting.election.key", election, after={"public_key": election.public_key, "seq": key_row.seq})
    return row


def record_trustee_complaint(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """A recipient's signed complaint proving a dealer's share wrong: key generation goes on without
    that dealer, and every trustee publishes its public share again (``python -m voting.trustee keygen2``)."""
    _check_trustee_matches(data, trustee)
    if election.state is not ElectionState.KEYGEN:
        raise errors.WrongState("key generation is over or not started", state=election.state.value, needed="keygen")
    _lock_board(election)
    row, _ = _append_checked(election, "trustee_complaint", lambda state: dict(data))
    audit.record("voting.trustee.complain", election,
                 after={"trustee": data.get("trustee"), "dealer": data.get("dealer"), "seq": row.seq})
    return row


def keygen_progress(election: Election) -> dict[str, list[str]]:
    """Which trustees published step 1 and step 2 (from the board's event index); a complaint
    voids the public shares published before it (each trustee publishes again without the dealer)."""
    rows = db.session.execute(select(BoardEvent.type, BoardEvent.data["trustee"].as_string())
                              .where(BoardEvent.election_id == election.id,
                                     BoardEvent.type.in_(["trustee_commitments", "trustee_complaint", "trustee_share",
                                                          "partial_decryption"]))
                              .order_by(BoardEvent.seq)).all()
    out: dict[str, list[str]] = {"trustee_commitments": [], "trustee_share": [], "partial_decryption": [],
                                 "trustee_complaint": []}
    for etype, who in rows:
        if etype == "trustee_complaint":
            out["trustee_share"] = []
        out[etype].append(who)
    return out


# -- credentials ---------------------------------------------------------------------------------

def new_voter() -> str:
    """A voter pseudonym for the record: 128 random bits, never derived from the member."""
    return secrets.token_hex(16)


def publish_credentials(election: Election, items: Iterable[Mapping[str, Any]],
                        delivered_to: Mapping[str, int] | None = None, *, late: bool = False) -> BoardEvent:
    """Publish public credentials (the authority's public list: ``{"credentials": [...]}`` items
    ``{"credential": hex, "category": "A"|"B", "voter": 32 hex}``) as one ``credentials`` event.

    Before the opening only (after it, a credential replaces a revoked one: :func:`reissue_credential`),
    or, with ``late`` while the box is open, new voters added by a late correction of the electorate
    (an ``electorate_addition`` event, docs/election-record.md 5.7c; the caller audits the reason).
    ``delivered_to`` maps a public credential to the member it was delivered to (optional)."""
    if election.state not in (ElectionState.KEYGEN, ElectionState.OPEN):
        raise errors.WrongState("credentials go on the board before the close", state=election.state.value,
                                needed="keygen|open")
    listed = sorted(({"credential": i.get("credential"), "category": i.get("category"), "voter": i.get("voter")}
                     for i in items), key=lambda x: str(x["credential"]))
    if not listed:
        raise errors.InvalidCredentialList("an empty credential list", code="credential_format")
    delivered_to = dict(delivered_to or {})
    _lock_board(election)

    def add_rows(row: BoardEvent) -> None:
        db.session.add_all(Credential(election_id=election.id, public=i["credential"], category=i["category"],
                                      voter=i["voter"], member_id=delivered_to.get(i["credential"]),
                                      published_seq=row.seq)
                           for i in listed)

    late = late and election.state is ElectionState.OPEN
    etype = "electorate_addition" if late else "credentials"
    try:
        row, _ = _append_checked(election, etype,
                                 (lambda state: state.electorate_addition_data(listed)) if late else
                                 (lambda state: {"election": election.fingerprint, "credentials": listed}), add_rows)
    except (errors.WrongState, errors.CredentialAfterOpen):
        raise
    except errors.VotingError as exc:
        raise errors.InvalidCredentialList(exc.detail, **exc.info) from exc
    audit.record("voting.electorate.add" if late else "voting.credentials.publish", election,
                 after={"count": len(listed), "seq": row.seq,
                        "A": sum(1 for i in listed if i["category"] == "A"),
                        "B": sum(1 for i in listed if i["category"] == "B")})
    return row


def _vote_link(election: Election, credential: str, base_url: str | None = None) -> str:
    base = (base_url or current_app.config["PUBLIC_URL"]).rstrip("/")
    with job_context():
        return f"{base}{url_for('voting.vote', slug=election.slug)}#{credential}"


def _deliver(election: Election, private: list[tuple[Any, str]], letters: list | None, base_url: str | None) -> None:
    """Each private credential leaves exactly once: in a secret mail (its text erased from the
    outbox once sent) or, with ``letters``, appended there for the command to print; never kept."""
    base = (base_url or current_app.config["PUBLIC_URL"]).rstrip("/")
    with job_context():
        board = f"{base}{url_for('voting.board', slug=election.slug)}"
        for member, cred in private:
            link = _vote_link(election, cred, base_url)
            title = texts.election_title(election, member.language)
            if letters is not None:
                letters.append({"member": member, "credential": cred, "link": link, "board": board,
                                "election_title": title})
                continue
            queue_mail(member.email, member.language, "voting_credential",
                       dedupe_key=f"voting-credential:{election.id}:{member.id}:{credential_public(cred)[:16]}",
                       secret=True, election_title=title, link=link, credential=cred, board=board)


def issue_credentials(election: Election, members: Iterable[Any], *, base_url: str | None = None,
                      letters: list | None = None) -> int:
    """Play the credential authority (demo, tests, small elections): one credential per member,
    published (public part and a fresh voter pseudonym) and delivered (private part in the link's
    #fragment) by secret mail, or into ``letters`` for the command to print. Then forgotten.

    Members already holding a credential for this election are skipped. Returns how many were issued."""
    have = set(db.session.scalars(select(Credential.member_id).where(Credential.election_id == election.id,
                                                                     Credential.member_id.is_not(None))))
    todo = [m for m in members if m.id not in have]
    if not todo:
        return 0
    private = [(m, generate_credential()) for m in todo]
    publics = {credential_public(cred): m for m, cred in private}
    publish_credentials(election, [{"credential": pub, "category": m.category.value, "voter": new_voter()}
                                   for pub, m in publics.items()],
                        {pub: m.id for pub, m in publics.items()})
    _deliver(election, private, letters, base_url)
    del private, publics  # the private parts leave with the mail or the letters; nothing else keeps them
    return len(todo)


def _credential_row(election: Election, public: str) -> Credential:
    credential = db.session.scalar(select(Credential).where(Credential.election_id == election.id,
                                                            Credential.public == public))
    if credential is None:
        raise errors.UnknownCredential(public)
    return credential


def member_credential(election: Election, member_id: int) -> Credential | None:
    """The member's unrevoked credential for this election, if any."""
    return db.session.scalar(select(Credential).where(Credential.election_id == election.id,
                                                      Credential.member_id == member_id,
                                                      Credential.revoked_at.is_(None)))


def revoke_credential(election: Election, public: str, *, actor: Account | None = None) -> Credential:
    """A ``revocation`` event: the credential casts no more and its ballots no longer count."""
    if election.state not in (ElectionState.KEYGEN, ElectionState.OPEN):
        raise errors.WrongState("revocations go on the board before the close", state=election.state.value,
                                needed="keygen|open")
    credential = _credential_row(election, public)
    if credential.revoked_at is not None:
        raise errors.AlreadyRevoked(public)
    latest = db.session.scalar(select(CastBallot).where(CastBallot.credential_id == credential.id,
                                                        CastBallot.superseded_by_tracker.is_(None)))
    if latest is not None:  # its counted ballot leaves the running sums
        el = crypto_election(election)
        held, opened = holds(election)  # (a held contest: only if placed after its open)
        _add_running(election, len(flat_choices(el)), credential.category, -1, None,
                     _window_mask(el, _flat_ciphertexts(el, _ballot_at(election, latest.seq)),
                                  _outside(held, opened, latest.seq)))
    _lock_board(election)
    if db.session.scalar(select(CastBallot.id).where(CastBallot.credential_id == credential.id,
                                                     CastBallot.superseded_by_tracker.is_(None))) != \
            (latest.id if latest is not None else None):  # it cast meanwhile: the sums moved
        raise errors.BoardBusy("the credential cast a ballot during its revocation")
    row, _ = _append_checked(election, "revocation", lambda st: {"election": election.fingerprint, "credential": public})
    credential.revoked_at = utcnow()
    credential.revoked_seq = row.seq
    db.session.flush()
    audit.record("voting.credential.revoke", election, actor=actor, after={"credential": public, "seq": row.seq})
    return credential


def reissue_credential(election: Election, member: Any, *, actor: Account | None = None,
                       base_url: str | None = None, letters: list | None = None) -> Credential:
    """A member lost their credential: revoke it (if not yet) and issue a new one to the same voter
    pseudonym, delivered like the first. Both are events on the board, before any ballot of the
    new credential."""
    old = db.session.scalar(select(Credential).where(Credential.election_id == election.id,
                                                     Credential.member_id == member.id)
                            .order_by(Credential.published_seq.desc()).limit(1))
    if old is None:
        raise errors.UnknownCredential(f"member {member.id} holds no credential for this election")
    if old.revoked_at is None:
        revoke_credential(election, old.public, actor=actor)
    cred = generate_credential()
    public = credential_public(cred)
    publish_credentials(election, [{"credential": public, "category": old.category, "voter": old.voter}],
                        {public: member.id})
    _deliver(election, [(member, cred)], letters, base_url)
    del cred
    audit.record("voting.credential.reissue", election, actor=actor, after={"credential": public})
    return _credential_row(election, public)


# -- opening, casting, closing -------------------------------------------------------------------

def chaired_by_assembly(election: Election) -> bool:
    """An assembly's election: its box is opened and closed by the assembly (assemblies.services.open_vote,
    close_vote, which keep the meeting's calendar), never from the election officer's page or command."""
    return election.assembly_id is not None


def officer_steps(election: Election, counts: Mapping[str, int]) -> set[str]:
    """The steps (``open``, ``close``, ``tally``, ``result``) the election is ready for now: the
    buttons the management page offers and what the officer's home page asks. ``counts``: at least
    ``voting.queries.step_counts``. An assembly's box is opened and closed by its chair's console,
    which adds the meeting's calendar (assemblies.services); this says whether the box is ready."""
    state, threshold = election.state, election.definition["threshold"]
    steps = set()
    if state is ElectionState.KEYGEN and election.public_key and counts["credentials"]:
        steps.add("open")
    if state is ElectionState.OPEN:
        steps.add("close")
    if state is ElectionState.CLOSED:
        tally = tally_event(election)
        if tally is None and len(seal_progress(election)) >= threshold:
            steps.add("tally")
        if tally is not None and (counts["partial_decryptions"] >= threshold or not tally.data["decrypt"]):
            steps.add("result")
    return steps


def refuse_if_chaired_by_assembly(election: Election) -> None:
    if chaired_by_assembly(election):
        raise errors.ChairedByAssembly("open and close it from the assembly's chair's console")


def open_election(election: Election, hold: Iterable[str] = ()) -> None:
    """The ``open`` event (with the electorate per category): ballots are accepted from now on and
    no new voter can be added. ``hold``: contests held back (an ``item_hold`` event right after the
    open, in the same transaction); the chair opens them later (:func:`open_item`)."""
    held = list(hold)
    known = {c["id"] for c in election.definition["contests"]}
    if any(c not in known for c in held):
        raise errors.UnknownContest(f"not contests of this election: {', '.join(c for c in held if c not in known)}")
    if election.state is not ElectionState.KEYGEN:
        raise errors.WrongState("only a ready election opens", state=election.state.value, needed="keygen")
    if election.public_key is None:
        raise errors.WrongState("the election key is not on the board yet", state=election.state.value,
                                needed="election_key")
    if db.session.scalar(select(Credential.id).where(Credential.election_id == election.id).limit(1)) is None:
        raise errors.NoCredentials()
    if not _lock_board(election, states=[ElectionState.KEYGEN]):
        raise errors.WrongState("changed meanwhile", state=election.state.value, needed="keygen")
    _append_checked(election, "open", lambda st: st.open_data())
    if held:
        _append_checked(election, "item_hold", lambda st: st.item_hold_data(held))
    election.state = ElectionState.OPEN
    election.opened_at = utcnow()
    # Every thread's running-sum row from the start, so that a cast finds its own free (_add_running).
    empty = _empty_running(_cast_context(election).width)
    db.session.execute(insert(RunningSum.__table__), [
        {"election_id": election.id, "shard": shard, "state": empty} for shard in range(_SHARDS)])
    db.session.flush()
    audit.record("voting.election.open", election, before={"state": "keygen"},
                 after={"state": "open", **({"held": sorted(held)} if held else {})})


def _ballot_error(exc: InvalidBallot | RecordError) -> errors.VotingError:
    return _BALLOT_ERRORS.get(exc.code, errors.MalformedBallot)(exc.message, code=exc.code)


@dataclass(frozen=True)
class _CastContext:
    """What casting needs of an election that does not change once the box is open: the parsed
    definition, the election key and the number of choices. Kept per process, keyed by the
    election's id, fingerprint (the hash of the definition) and key, so a cast does not parse the
    definition again; a changed definition or key is simply another entry."""

    el: CryptoElection
    public_key: Element
    width: int
    contests: frozenset[str]


_CAST_CONTEXTS: dict[tuple[int, str | None, str | None], _CastContext] = {}


def _cast_context(election: Election) -> _CastContext:
    key = (election.id, election.fingerprint, election.public_key)
    context = _CAST_CONTEXTS.get(key)
    if context is None:
        el = crypto_election(election)
        context = _CastContext(el, Element.from_hex(election.public_key), len(flat_choices(el)),
                               frozenset(c.id for c in el.contests))
        if len(_CAST_CONTEXTS) >= 16:
            _CAST_CONTEXTS.clear()
        _CAST_CONTEXTS[key] = context
    return context


@dataclass(frozen=True)
class _CredentialRow:
    id: int
    category: str
    member_id: int | None
    revoked: bool
    latest_tracker: str | None  # its ballot that counts now (None: it has not voted)
    latest_seq: int | None


_READ_AGENDA = "read"  # DbBoard's default: no agenda_head given, the board reads the agenda

_CURRENT = (select(CastBallot.tracker, CastBallot.seq)
            .where(CastBallot.credential_id == Credential.id, CastBallot.superseded_by_tracker.is_(None)).limit(1))
_CREDENTIAL_ROW = (select(Credential.id, Credential.category, Credential.member_id, Credential.revoked_at,
                          _CURRENT.with_only_columns(CastBallot.tracker).scalar_subquery(),
                          _CURRENT.with_only_columns(CastBallot.seq).scalar_subquery())
                   .where(Credential.election_id == bindparam("election"), Credential.public == bindparam("public")))
_TRACKER_SEEN = select(CastBallot.id).where(CastBallot.tracker == bindparam("tracker"))
# One unique-index probe per alpha, whatever the planner's statistics say: with ``alpha IN (...)``
# a table analysed before the box opened (or never) was read whole, every ballot of the
# election, at every cast. The LIMIT (at most one row matches: the key is unique) keeps the
# planner from flattening the lateral subquery into a join, which reads the election's rows too;
# the owner's key is a subquery per match, not a join the planner could put outside the probes
# (with some statistics it probed every alpha once per credential).
_ALPHA_OWNERS_PG = text(
    "SELECT (SELECT c.public FROM voting_credential c WHERE c.id = b.credential_id) "
    "FROM unnest(CAST(:alphas AS varchar[])) AS a(alpha) "
    "CROSS JOIN LATERAL (SELECT credential_id FROM voting_ballot_ciphertext b "
    "WHERE b.election_id = :election AND b.alpha = a.alpha LIMIT 1) AS b")


class DbBoard:
    """The acceptance rule's view of the board (voting.record.BallotBoard) over the index rows.

    ``by_constraint``: leave two look-ups to the database's UNIQUE constraints, which refuse the
    same thing when the rows are inserted: a tracker already on the board (``voting_cast_ballot``)
    and an alpha already on the board (``voting_ballot_ciphertext``). Casting uses it under the
    board's lock only after the full look-ups passed before the lock; should the insert then
    collide (a ballot that landed meanwhile), the append is rebuilt with every look-up, and the
    rule names the refusal as always.

    ``contests``: the election's contest ids, when the caller has them parsed (casting) and the
    election row was loaded without its definition.

    ``agenda_head``: the election row's ``agenda_head`` as the caller read it (casting: before the
    lock, then as the lock read it); the agenda is then the one kept under it (:func:`agenda_at`).
    By default the board reads the agenda."""

    def __init__(self, election: Election, closed: bool = False, *, by_constraint: bool = False,
                 contests: frozenset[str] | None = None, agenda_head: str | None = _READ_AGENDA) -> None:
        self.election = election
        self.closed = closed
        self.by_constraint = by_constraint
        self.contests = contests
        self.agenda_head = agenda_head
        self._credentials: dict[str, _CredentialRow | None] = {}
        self._agenda: Agenda | None = None

    @property
    def agenda(self) -> Agenda:
        """The agenda items' events as this board saw them (read once)."""
        if self._agenda is None:
            self._agenda = (agenda(self.election) if self.agenda_head == _READ_AGENDA
                            else agenda_at(self.election, self.agenda_head))
        return self._agenda

    def ballot_stage(self) -> str:
        if self.closed or self.election.state in (ElectionState.CLOSED, ElectionState.TALLIED):
            return "closed"
        if self.election.state is not ElectionState.OPEN:
            return "before_open"
        contests = self.contests
        if contests is None:
            contests = [c["id"] for c in self.election.definition["contests"]]
        return "open" if self.agenda.accepts(contests) else "closed"

    def credential_row(self, credential: str) -> _CredentialRow | None:
        """The credential's row and its current ballot, in one query (kept for this board)."""
        if credential not in self._credentials:
            row = _conn().execute(_CREDENTIAL_ROW, {"election": self.election.id, "public": credential}).first()
            self._credentials[credential] = None if row is None else _CredentialRow(
                row[0], row[1], row[2], row[3] is not None, row[4], row[5])
        return self._credentials[credential]

    def credential_status(self, credential: str) -> str | None:
        row = self.credential_row(credential)
        if row is None:
            return None
        return "revoked" if row.revoked else "active"

    def tracker_seen(self, tracker: str) -> bool:
        if self.by_constraint:
            return False
        return _conn().scalar(_TRACKER_SEEN, {"tracker": tracker}) is not None

    def alpha_owners(self, alphas: tuple[str, ...]) -> set[str]:
        if self.by_constraint:
            return set()
        if db.session.get_bind().dialect.name == "postgresql":
            return set(_conn().scalars(_ALPHA_OWNERS_PG, {"alphas": list(alphas), "election": self.election.id}))
        return set(db.session.scalars(select(Credential.public).join(
            BallotCiphertext, BallotCiphertext.credential_id == Credential.id).where(
            BallotCiphertext.election_id == self.election.id, BallotCiphertext.alpha.in_(list(alphas)))))

    def latest_tracker(self, credential: str) -> str | None:
        row = self.credential_row(credential)
        return row.latest_tracker if row is not None else None


_INSERT_ALPHAS_PG = text("INSERT INTO voting_ballot_ciphertext (election_id, alpha, credential_id) "
                         "SELECT :election, a, :credential FROM unnest(CAST(:alphas AS varchar[])) AS a")
_INSERT_CAST = insert(CastBallot.__table__)


def _insert_alphas(election_id: int, credential_id: int, alphas: Iterable[str]) -> None:
    """The ballot's alphas as ``voting_ballot_ciphertext`` rows (UNIQUE per election): one
    statement, whose text does not depend on the number of rows."""
    if db.session.get_bind().dialect.name == "postgresql":
        _conn().execute(_INSERT_ALPHAS_PG, {"election": election_id, "credential": credential_id,
                                               "alphas": list(alphas)})
    else:
        db.session.execute(insert(BallotCiphertext.__table__), [
            {"election_id": election_id, "alpha": a, "credential_id": credential_id} for a in alphas])


@dataclass(frozen=True)
class Cast:
    """A ballot on the board: its tracker, and the contests whose vote had closed item by item when
    it landed (docs/election-record.md 5.8a: its part for them does not count), as read under the
    board's lock."""

    tracker: str
    not_counted: list[str]


def cast_ballot(election: Election, ballot: Any, member: Any = None,
                before_lock: Callable[[str], None] | None = None) -> Cast:
    """Accept a ballot by voting.record's one acceptance rule and append it (:class:`Cast`).

    The expensive part (form, elements, signature, proofs) runs before anything is locked; the
    ballot is added to this process's running-sum shard; then, under the board's lock, only the
    board checks and the append (the look-ups the database's UNIQUE constraints repeat are left
    to them, see :class:`DbBoard`). Refusals (nothing recorded): LoginRequired,
    NotYourCredential, BallotBoxNotOpen, BallotAfterClose, MalformedBallot, WrongFingerprint,
    UnknownCredential, RevokedCredential, InvalidGroupElement, InvalidSignature, InvalidProof,
    DuplicateBallot, CopiedBallot, ReusedCiphertext.

    ``member``: the signed-in member casting (a Member, or any row with its ``id``, ``email`` and
    ``language``, as shares.queries.member_contact gives it); None when nobody is signed in.

    ``before_lock(tracker)`` runs once the ballot is known good, before the board's lock (e.g. to
    queue the receipt mail, whose rendering then does not hold the board up); it is rolled back
    with everything else if the append is refused."""
    if election.state in (ElectionState.CLOSED, ElectionState.TALLIED):
        raise errors.BallotAfterClose()
    if election.state is not ElectionState.OPEN or election.public_key is None:
        raise errors.BallotBoxNotOpen()
    if election.require_login and member is None:
        raise errors.LoginRequired()
    context = _cast_context(election)
    el, y = context.el, context.public_key
    board = DbBoard(election, contests=context.contests, agenda_head=election.agenda_head)
    try:
        prepared = prepare_ballot(el, y, ballot, verify=False)
        # A first look at the board before the crypto work (taken again under the lock below).
        supersedes = check_ballot_on_board(board, prepared)
    except RecordError as exc:
        raise _ballot_error(exc) from exc
    credential = board.credential_row(prepared.credential)
    assert credential is not None  # check_ballot_on_board found it
    if election.require_login and not may_cast_for(member, credential.member_id, election):
        raise errors.NotYourCredential(owner_id=credential.member_id)
    try:
        cts = verify_ballot_crypto(el, y, prepared)
    except RecordError as exc:
        raise _ballot_error(exc) from exc
    plus = [pair for contest in cts for pair in contest]
    minus = (_flat_ciphertexts(el, _ballot_at(election, credential.latest_seq))
             if credential.latest_seq is not None else None)
    # Items held back at the opening (5.8b): a held contest's sums start at its item open, so this
    # ballot adds nothing for a contest still waiting, and the superseded one is taken away only
    # for the contests it counted for. Checked again under the lock (no item open in between).
    holding = board.agenda.holds  # read by check_ballot_on_board (the box is open)
    if holding[0]:
        plus = _window_mask(el, plus, _outside(*holding, None))
        minus = _window_mask(el, minus, _outside(*holding, credential.latest_seq))
    if before_lock is not None:
        before_lock(prepared.tracker)
    _add_running(election, context.width, credential.category, 0 if supersedes is not None else 1, plus, minus)
    agenda_head = _lock_open_box(election)
    attempts = 0
    locked: DbBoard | None = None

    def build(last):
        nonlocal attempts, locked
        attempts += 1
        closed = last is not None and last["type"] in _AFTER_CLOSE_TYPES
        locked = DbBoard(election, closed, by_constraint=attempts == 1, contests=context.contests,
                         agenda_head=agenda_head)
        try:
            now_supersedes = check_ballot_on_board(locked, prepared)
            if now_supersedes != supersedes and attempts == 1:  # the credential cast meanwhile: every look-up
                every_look_up = DbBoard(election, closed, contests=context.contests, agenda_head=agenda_head)
                now_supersedes = check_ballot_on_board(every_look_up, prepared)
        except RecordError as exc:
            raise _ballot_error(exc) from exc
        if now_supersedes != supersedes:  # the same credential cast meanwhile: the sums moved
            raise errors.BoardBusy("the credential's previous ballot changed during the cast")
        if holding[0] and locked.agenda.holds != holding:  # the chair opened an item meanwhile
            raise errors.BoardBusy("an agenda item's vote opened during the cast")
        data = {"ballot": ballot, "tracker": prepared.tracker, "supersedes": supersedes}

        def add_rows(row: BoardEvent) -> None:
            if supersedes is not None:
                db.session.execute(update(CastBallot).where(CastBallot.tracker == supersedes)
                                   .values(superseded_by_tracker=prepared.tracker)
                                   .execution_options(synchronize_session=False))
            _conn().execute(_INSERT_CAST, dict(
                election_id=election.id, credential_id=credential.id, tracker=prepared.tracker, seq=row.seq))
            _insert_alphas(election.id, credential.id, prepared.alphas)
        return "ballot", data, add_rows, prepared.ballot_bytes  # serialised once, for tracker and hash

    _append(election, build, plain=True)
    # No audit row per ballot, no roll row: the board is the ballots' append-only log, and a row
    # written per voter would pair the voters' order with the ballots' order.
    assert locked is not None  # the accepted build's board, whose agenda the open box was read from
    return Cast(prepared.tracker, sorted(locked.agenda.closed))


@dataclass(frozen=True)
class CredentialUse:
    """Whose vote a credential carries, for the member about to cast with it."""

    proxy_of: str | None  # the represented member's name when the caster holds their proxy
    voted: bool  # a ballot cast with it counts now: another one replaces it


def credential_use(election: Election, public: str, member: Any = None) -> CredentialUse:
    """What the ballot page tells the voter about the credential it holds, before they choose:
    the refusals casting would give (unknown, revoked, another member's: the record's
    check_credential and may_cast_for), or in whose name they vote. Casting decides; this only warns early."""
    board = DbBoard(election)
    try:
        check_credential(board, public)
    except RecordError as exc:
        raise _ballot_error(exc) from exc
    row = board.credential_row(public)  # read once by the check, kept by the board
    proxy_of = None
    if election.require_login:
        if member is None:
            raise errors.LoginRequired()
        if not may_cast_for(member, row.member_id, election):
            raise errors.NotYourCredential(owner_id=row.member_id)
        if row.member_id != member.id:
            from shares.models import Member

            proxy_of = db.session.get(Member, row.member_id).name
    return CredentialUse(proxy_of=proxy_of, voted=row.latest_tracker is not None)


def warn_credential_owner(election: Election, owner_id: int | None) -> None:
    """Tell the member a credential was delivered to that someone else's account tried to cast
    with it (after a NotYourCredential refusal, in a transaction of its own)."""
    from shares.models import Member

    owner = db.session.get(Member, owner_id) if owner_id is not None else None
    if owner is None:
        return
    with job_context():
        queue_mail(owner.email, owner.language, "voting_credential_misuse",
                   election_title=texts.election_title(election, owner.language))


# Where the tracker goes while the receipt is rendered once per election and language: random per
# process, so that no title or translation contains it.
_TRACKER_MARK = secrets.token_hex(16)
# (election id, slug, fingerprint, language, public URL, proxy giver's name) -> the receipt's subject and
# body, marked
_RECEIPTS: dict[tuple[int, str, str | None, str, str, str | None], tuple[str, str]] = {}


def mail_tracker(election: Election, tracker: str, member: Any, cast_for: str | None = None) -> None:
    """The tracker by e-mail, as docs/election-record.md asks (the voter can then find it on the board). Secret
    mail: its text is erased from the outbox once sent. ``cast_for``: the name of the member who gave
    ``member`` their proxy, when the ballot was cast in their name (said in the text, not the subject,
    which stays in the outbox).

    Casting queues one per ballot: the message is rendered once per election and language, with a
    mark in the tracker's places (its line and the board link's query), and filled in per ballot."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    key = (election.id, election.slug, election.fingerprint, member.language, base, cast_for)
    marked = _RECEIPTS.get(key)
    if marked is None:  # the title in the member's language reads the definition: once, here
        with job_context():
            marked = render_mail(member.language, "voting_tracker",
                                 election_title=texts.election_title(election, member.language),
                                 tracker=_TRACKER_MARK, cast_for=cast_for,
                                 board=f"{base}{url_for('voting.board', slug=election.slug, q=_TRACKER_MARK)}")
        if len(_RECEIPTS) >= 64:
            _RECEIPTS.clear()
        _RECEIPTS[key] = marked
    subject, body = (part.replace(_TRACKER_MARK, tracker) for part in marked)
    queue_text(member.email, member.language, subject, body, secret=True)


def accepts_ballots(election: Election) -> bool:
    """The box is open and the vote on at least one agenda item with it (docs/election-record.md
    5.8a): what the board, the ballot page's links and the home page's "Vote" all ask."""
    if election.state is not ElectionState.OPEN:
        return False
    return agenda(election).accepts({c["id"] for c in election.definition["contests"]})


@dataclass(frozen=True)
class Agenda:
    """The agenda items' events on the board (docs/election-record.md 5.8a, 5.8b): the contests
    held back at the opening (``item_hold``), per contest the chair opened since the seq of its
    ``item_open``, and the contests whose vote closed item by item (``item_close``)."""

    held: frozenset[str]
    opened: Mapping[str, int]
    closed: frozenset[str]

    @property
    def holds(self) -> tuple[frozenset[str], Mapping[str, int]]:
        return self.held, self.opened

    def accepts(self, contests: Iterable[str]) -> bool:
        """Some contest of ``contests`` (the election's) still takes votes (the box being open)."""
        return not set(contests) <= self.closed


_AGENDA = select(BoardEvent.type, BoardEvent.seq, BoardEvent.data, BoardEvent.hash).where(
    BoardEvent.election_id == bindparam("election"), BoardEvent.type.in_(AGENDA_EVENTS)).order_by(BoardEvent.seq)
_NO_AGENDA = Agenda(frozenset(), MappingProxyType({}), frozenset())
# agenda_head -> the Agenda its events make, per process. A hash names the whole board before it,
# so an agenda kept under it is that board's, whatever election or database it was read from.
_AGENDAS: dict[str, Agenda] = {}


def _read_agenda(election: Election) -> tuple[Agenda, str | None]:
    """The election's :class:`Agenda` in one query, and the hash of its last event (None: none)."""
    read = AgendaWindows()
    last = None
    for etype, seq, data, event_hash in _conn().execute(_AGENDA, {"election": election.id}):
        read.add(etype, seq, data["contests"])
        last = event_hash
    return Agenda(frozenset(read.held), MappingProxyType(read.opened), frozenset(read.closed)), last


def agenda(election: Election) -> Agenda:
    """The election's :class:`Agenda`, in one query."""
    return _read_agenda(election)[0]


def agenda_at(election: Election, head: str | None) -> Agenda:
    """The agenda whose last event has the hash ``head`` (the election row's ``agenda_head``), read
    once per process: casting then reads no agenda events while no item opens or closes."""
    if head is None:
        return _NO_AGENDA
    known = _AGENDAS.get(head)
    if known is None:
        known, last = _read_agenda(election)
        if last != head:  # the row was read before an agenda event landed: not kept under another name
            return known
        if len(_AGENDAS) >= 64:
            _AGENDAS.clear()
        _AGENDAS[head] = known
    return known


def holds(election: Election) -> tuple[frozenset[str], Mapping[str, int]]:
    """The contests held back at the opening and, per contest the chair opened since, the seq of
    its ``item_open`` (docs/election-record.md 5.8b); none held: ``(frozenset(), {})``."""
    return agenda(election).holds


def waiting_contests(election: Election) -> set[str]:
    """The contests held back at the opening whose vote the chair has not opened yet."""
    held, opened = holds(election)
    return set(held) - set(opened)


def _window_mask(el: CryptoElection, flat: list[tuple[Element, Element]] | None, skip: set[str]
                 ) -> list[tuple[Element, Element]] | None:
    """``flat`` (one ballot's ciphertexts, contest after contest) with the contests of ``skip``
    replaced by the identity: what that ballot adds to (or took from) the running sums."""
    if flat is None or not skip:
        return flat
    out, i = [], 0
    for c in el.contests:
        for _ in c.choices:
            out.append((IDENTITY, IDENTITY) if c.id in skip else flat[i])
            i += 1
    return out


def _outside(held: frozenset[str], opened: Mapping[str, int], seq: int | None) -> set[str]:
    """The held contests for which a ballot placed at ``seq`` (None: placed now) does not count."""
    return {cid for cid in held if cid not in opened or (seq is not None and seq < opened[cid])}


def _item_contests_under_lock(election: Election, contests: Iterable[str], verb: str) -> list[str]:
    """What opening and closing an item both check: contests of this election, an open box (then
    the board's lock, so nothing lands meanwhile), none of them closed already."""
    names = list(contests)
    known = {c["id"] for c in election.definition["contests"]}
    if not names or any(c not in known for c in names):
        raise errors.UnknownContest(f"not contests of this election: {', '.join(c for c in names if c not in known)}")
    if election.state is not ElectionState.OPEN:
        raise errors.WrongState(f"only an open ballot box {verb} an item", state=election.state.value, needed="open")
    if not _lock_board(election, states=[ElectionState.OPEN]):
        raise errors.WrongState("closed meanwhile", state="closed", needed="open")
    if closed := set(names) & closed_contests(election):
        raise errors.ItemAlreadyClosed(f"already closed: {', '.join(sorted(closed))}")
    return names


def open_item(election: Election, contests: Iterable[str], *, actor: Account | None = None) -> BoardEvent:
    """Open the vote on one agenda item held back at the opening: an ``item_open`` event naming its
    contests. Ballots placed from here on count for them; those placed before do not. The running
    sums need no change: a ballot cast while the item waited added nothing for it."""
    names = _item_contests_under_lock(election, contests, "opens")
    if not set(names) <= waiting_contests(election):
        raise errors.ItemNotHeld(f"already open: {', '.join(sorted(set(names) - waiting_contests(election)))}")
    row, _ = _append_checked(election, "item_open", lambda st: st.item_open_data(names))
    audit.record("voting.item.open", election, actor=actor, after={"contests": row.data["contests"], "seq": row.seq})
    return row


def closed_contests(election: Election) -> set[str]:
    """The contests whose vote was closed item by item (``item_close`` events) before the close."""
    return set(agenda(election).closed)


def item_closes(election: Election) -> dict[str, dict[str, Any]]:
    """Per closed contest, its item close: ``{"seq", "counted", "at"}`` (``at``: when the chair closed it)."""
    out: dict[str, dict[str, Any]] = {}
    for row in db.session.scalars(select(BoardEvent).where(BoardEvent.election_id == election.id,
                                                           BoardEvent.type == "item_close").order_by(BoardEvent.seq)):
        for cid in row.data["contests"]:
            out[cid] = {"seq": row.seq, "counted": row.data["counted"], "at": row.created_at}
    return out


def close_item(election: Election, contests: Iterable[str], *, actor: Account | None = None) -> BoardEvent:
    """Close the vote on one agenda item: an ``item_close`` event naming its contests, the board's
    count and head. Ballots on the board before it count for those contests, none after; the
    encrypted sums of those contests are frozen here (the tally takes them)."""
    names = _item_contests_under_lock(election, contests, "closes")
    if set(names) & waiting_contests(election):
        raise errors.ItemNotOpen(f"not open yet: {', '.join(sorted(set(names) & waiting_contests(election)))}")
    row, _ = _append_checked(election, "item_close", lambda st: st.item_close_data(names))
    # Under the board's lock: every ballot on the board is in the committed shards, and no ballot
    # can land before this transaction ends (a cast's shard update and its append commit together).
    el = crypto_election(election)
    width = len(flat_choices(el))
    live = db.session.scalars(select(RunningSum).where(RunningSum.election_id == election.id,
                                                       RunningSum.shard < _FROZEN)).all()
    flat = _add_rows(width, live)
    counted = {cat: sum(r.state["counted"][cat] for r in live) for cat in CATEGORIES}
    db.session.add(RunningSum(election_id=election.id, shard=_FROZEN + row.seq, state={
        "counted": counted, "sums": {cat: [[a.hex(), b.hex()] for a, b in flat[cat]] for cat in CATEGORIES}}))
    db.session.flush()
    audit.record("voting.item.close", election, actor=actor,
                 after={"contests": row.data["contests"], "counted": row.data["counted"], "head": row.data["head"]})
    return row


def close_election(election: Election) -> BoardEvent:
    """The ``close`` event: the number of ballots and of counted ballots, and the board's head, that
    the scrutineers then sign (the seal)."""
    if election.state in (ElectionState.CLOSED, ElectionState.TALLIED):
        raise errors.AlreadyClosed("already closed", state=election.state.value, needed="open")
    if election.state is not ElectionState.OPEN:
        raise errors.WrongState("only an open ballot box closes", state=election.state.value, needed="open")
    if not _lock_board(election, states=[ElectionState.OPEN]):
        raise errors.AlreadyClosed("closed meanwhile", state="closed", needed="open")
    row, _ = _append_checked(election, "close", lambda st: st.close_data())
    election.state = ElectionState.CLOSED
    election.closed_at = utcnow()
    db.session.flush()
    audit.record("voting.election.close", election, before={"state": "open"},
                 after={"state": "closed", "ballots": row.data["ballots"], "counted": row.data["counted"],
                        "head": row.data["head"]})
    return row


def seal_data(election: Election, trustee_id: str) -> dict[str, Any]:
    """What a scrutineer signs to seal the closed board (add ``signature``): see the record docs."""
    if election.state not in (ElectionState.CLOSED, ElectionState.TALLIED):
        raise errors.WrongState("the seal follows the close", state=election.state.value, needed="closed")
    return board_state(election).seal_data(trustee_id)


def close_event(election: Election) -> BoardEvent | None:
    return db.session.scalar(select(BoardEvent).where(BoardEvent.election_id == election.id,
                                                      BoardEvent.type == "close"))


def electorate(election: Election) -> dict[str, int]:
    """Unrevoked credentials per category (one per voter), as the ``open`` event and the result count them."""
    rows = db.session.execute(select(Credential.category, func.count(Credential.id)).where(
        Credential.election_id == election.id, Credential.revoked_at.is_(None)).group_by(Credential.category)).all()
    return {cat: dict(rows).get(cat, 0) for cat in CATEGORIES}


def seal_progress(election: Election) -> list[str]:
    """Trustee ids that signed the seal, in board order."""
    return [d.get("trustee") for d in db.session.scalars(
        select(BoardEvent.data).where(BoardEvent.election_id == election.id, BoardEvent.type == "seal_signature")
        .order_by(BoardEvent.seq))]


def record_seal_signature(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """A scrutineer's signature of the seal (``python -m voting.trustee sign-seal`` or the browser)."""
    _check_trustee_matches(data, trustee)
    if election.state is not ElectionState.CLOSED:
        raise errors.WrongState("the seal is signed after the close, before the result", state=election.state.value,
                                needed="closed")
    _lock_board(election)
    row, _ = _append_checked(election, "seal_signature", lambda state: dict(data))
    audit.record("voting.seal.sign", election, after={"trustee": data.get("trustee"), "seq": row.seq})
    return row


# -- tally ---------------------------------------------------------------------------------------

def compute_tally(election: Election) -> BoardEvent:
    """The encrypted tally from the running sums (every counted ballot), once k scrutineers
    signed the seal; with the totals the minimum count allows to decrypt."""
    if election.state is not ElectionState.CLOSED:
        raise errors.WrongState("the tally follows the close", state=election.state.value, needed="closed")
    if db.session.scalar(select(BoardEvent.id).where(BoardEvent.election_id == election.id,
                                                     BoardEvent.type == "tally")) is not None:
        raise errors.AlreadyPublished("tally")
    _lock_board(election)
    row, _ = _append_checked(election, "tally", lambda state: state.tally_data(running_sums(election, state.el, state)))
    audit.record("voting.tally.compute", election, after={"seq": row.seq, "counted": row.data["counted"],
                                                          "decrypt": sorted(row.data["decrypt"])})
    return row


def tally_event(election: Election) -> BoardEvent | None:
    return db.session.scalar(select(BoardEvent).where(BoardEvent.election_id == election.id,
                                                      BoardEvent.type == "tally"))


def record_partial_decryption(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """A scrutineer's signed partial decryption of the tally, each factor with its proof."""
    _check_trustee_matches(data, trustee)
    if election.state is not ElectionState.CLOSED or tally_event(election) is None:
        raise errors.WrongState("partial decryptions follow the encrypted tally", state=election.state.value,
                                needed="tally")
    _lock_board(election)
    row, _ = _append_checked(election, "partial_decryption", lambda state: dict(data))
    audit.record("voting.decryption.publish", election, after={"trustee": data.get("trustee"), "seq": row.seq})
    return row


def missing_trustees(election: Election) -> list[str]:
    """Trustee ids whose step the election waits for: every scrutineer's keys and key generation; the
    seal's signatures, then the partial decryptions, until k of them are on the board."""
    progress = keygen_progress(election)
    ids = [t.trustee_id for t in election.trustees]
    if election.state in (ElectionState.SETUP,):
        return [t.trustee_id for t in election.trustees if not (t.signing_key and t.encryption_key)]
    if election.state is ElectionState.KEYGEN:
        if set(progress["trustee_commitments"]) != set(ids):
            return [i for i in ids if i not in progress["trustee_commitments"]]
        return [i for i in ids if i not in progress["trustee_share"]]
    if election.state is ElectionState.CLOSED:  # k of the scrutineers are enough: nobody is waited for after
        done = seal_progress(election) if tally_event(election) is None else progress["partial_decryption"]
        if len(set(done)) >= election.definition["threshold"]:
            return []
        return [i for i in ids if i not in done]
    return []


def publish_result(election: Election) -> BoardEvent:
    """Combine the first k partial decryptions on the board into the result.

    With fewer than k: ``NotEnoughTrustees`` naming who is missing."""
    if election.state is not ElectionState.CLOSED or tally_event(election) is None:
        raise errors.WrongState("the result follows the tally", state=election.state.value, needed="tally")
    el = crypto_election(election)
    have = keygen_progress(election)["partial_decryption"]
    tally = tally_event(election)
    if tally.data["decrypt"] and len(have) < el.threshold:
        raise errors.NotEnoughTrustees(missing_trustees(election), len(have), el.threshold)
    if not _lock_board(election, states=[ElectionState.CLOSED]):
        raise errors.WrongState("already tallied", state="tallied", needed="closed")
    row, _ = _append_checked(election, "result", lambda state: state.result_data())
    election.state = ElectionState.TALLIED
    election.tallied_at = utcnow()
    db.session.flush()
    audit.record("voting.result.publish", election, before={"state": "closed"},
                 after={"state": "tallied", "seq": row.seq, "trustees": row.data["trustees"]})
    return row


def result(election: Election) -> dict[str, Any] | None:
    row = db.session.scalar(select(BoardEvent).where(BoardEvent.election_id == election.id,
                                                     BoardEvent.type == "result"))
    return row.data if row else None


# -- export --------------------------------------------------------------------------------------

def export_record(election: Election) -> Iterator[str]:
    """The record document (``{"events": [...], "format": ...}``) in pieces, for streaming."""
    yield '{"events":['
    first = True
    for event in iter_events(election):
        yield ("" if first else ",") + json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        first = False
    yield '],"format":' + json.dumps(RECORD_FORMAT) + "}"
