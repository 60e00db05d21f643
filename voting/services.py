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
from contextlib import nullcontext
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, time
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import utcnow
from app.extensions import db
from app.mail import queue_mail
from app.models import Account
from voting import errors
from voting.crypto.ballot import (
    InvalidBallot,
    ballot_alphas,
    ballot_tracker,
    check_ballot_shape,
    parse_ciphertexts,
    verify_ballot_proofs,
    verify_ballot_signature,
)
from voting.crypto.credential import credential_public, generate_credential
from voting.crypto.dkg import TrusteeError
from voting.crypto.election import DefinitionError
from voting.crypto.election import Election as CryptoElection
from voting.crypto.encoding import is_hex
from voting.crypto.group import Element
from voting.record import RECORD_FORMAT, RecordError, RecordState, make_event
from voting.models import (
    BallotCiphertext,
    BoardEvent,
    CastBallot,
    Credential,
    Election,
    ElectionState,
    Trustee,
    VoterRoll,
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
    "duplicate_ballot": errors.DuplicateBallot,
}
_STEP_ERRORS: dict[str, type[errors.VotingError]] = {
    "wrong_election": errors.WrongFingerprint,
    "duplicate_trustee": errors.AlreadyPublished,
    "duplicate_decryption": errors.AlreadyPublished,
    "order": errors.WrongState,
    "unknown_trustee": errors.NotATrustee,
    "not_enough_trustees": errors.WrongState,
    "invalid_element": errors.InvalidGroupElement,
    "trustee_signature": errors.InvalidSignature,
}


def _step_error(exc: RecordError | TrusteeError) -> errors.VotingError:
    cls = _STEP_ERRORS.get(exc.code, errors.InvalidTrusteeData)
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
    for row in db.session.scalars(query):
        yield row.as_event()


def board_state(election: Election) -> RecordState:
    """Replay the whole board with voting.record's rules (ballot crypto deferred: it was checked
    when each ballot was accepted, and the verifier re-checks it)."""
    state = RecordState(defer_ballots=True)
    for event in iter_events(election):
        state.apply(event)
    return state


def _last_event(election: Election) -> dict[str, Any] | None:
    row = db.session.scalar(select(BoardEvent).where(BoardEvent.election_id == election.id)
                            .order_by(BoardEvent.seq.desc()).limit(1))
    return row.as_event() if row else None


def _lock_board(election: Election, *, states: Iterable[ElectionState] | None = None) -> bool:
    """Take the election row's lock for this transaction; False if its state is not in ``states``."""
    stmt = update(Election).where(Election.id == election.id)
    if states is not None:
        stmt = stmt.where(Election.state.in_(list(states)))
    result = db.session.execute(stmt.values(board_touched_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _append(election: Election, build: Callable[[dict[str, Any] | None], tuple[str, dict[str, Any], Callable[[BoardEvent], None] | None]]) -> BoardEvent:
    """Append the event ``build(last_event)`` returns as ``(type, data, after_insert)``.

    ``build`` re-reads whatever it needs *after* the last event was read (so anything committed
    before is visible, and anything committed after collides on ``seq``) and raises a
    DomainError to refuse. ``after_insert(row)`` adds the index rows in the same savepoint."""
    for _attempt in range(APPEND_ATTEMPTS):
        savepoint = db.session.begin_nested()
        try:
            last = _last_event(election)
            etype, data, after_insert = build(last)
            event = make_event(last, etype, data)
            row = BoardEvent(election_id=election.id, seq=event["seq"], type=etype, prev=event["prev"],
                             hash=event["hash"], data=event["data"])
            db.session.add(row)
            db.session.flush()
            if after_insert is not None:
                after_insert(row)
                db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            continue
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
        savepoint.commit()
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
    audit.record("voting.election_created", election, actor=created_by,
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
    audit.record("voting.definition_published", election, after={"fingerprint": final.fingerprint})


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
    audit.record("voting.trustee_keys_registered", trustee, after={"election": election.slug,
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
    raise errors.InvalidTrusteeData("not a scrutineer step (commitments, public share or partial decryption)",
                                    code="trustee_format")


def record_trustee_step(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """Any scrutineer upload (what ``python -m voting.trustee keygen1|keygen2|decrypt`` writes)."""
    kind = _kind_of_step(data)
    if kind == "trustee_commitments":
        return record_trustee_commitments(election, data, trustee)
    if kind == "trustee_share":
        return record_trustee_share(election, data, trustee)
    if kind == "trustee_complaint":
        return record_trustee_complaint(election, data, trustee)
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
    audit.record("voting.trustee_commitments", election, after={"trustee": data.get("trustee"), "seq": row.seq})
    return row


def record_trustee_share(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """Step 2: a trustee's signed public share. After the last one, the election key is appended."""
    _check_trustee_matches(data, trustee)
    if election.state is not ElectionState.KEYGEN:
        raise errors.WrongState("key generation is over or not started", state=election.state.value, needed="keygen")
    _lock_board(election)
    row, state = _append_checked(election, "trustee_share", lambda state: dict(data))
    audit.record("voting.trustee_share", election, after={"trustee": data.get("trustee"), "seq": row.seq})
    if all(t.id in state.shares for t in state.el.trustees):
        key_row, _ = _append_checked(election, "election_key", lambda st: st.election_key_data())
        election.public_key = key_row.data["public_key"]
        db.session.flush()
        audit.record("voting.election_key", election, after={"public_key": election.public_key, "seq": key_row.seq})
    return row


def record_trustee_complaint(election: Election, data: Mapping[str, Any], trustee: Trustee | None = None) -> BoardEvent:
    """A recipient's signed complaint proving a dealer's share wrong: key generation goes on without
    that dealer, and every trustee publishes its public share again (``python -m voting.trustee keygen2``)."""
    _check_trustee_matches(data, trustee)
    if election.state is not ElectionState.KEYGEN:
        raise errors.WrongState("key generation is over or not started", state=election.state.value, needed="keygen")
    _lock_board(election)
    row, _ = _append_checked(election, "trustee_complaint", lambda state: dict(data))
    audit.record("voting.trustee_complaint", election,
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

def publish_credentials(election: Election, items: Iterable[Mapping[str, Any]],
                        delivered_to: Mapping[str, int] | None = None) -> BoardEvent:
    """Publish public credentials (the authority's public list: ``{"credentials": [...]}`` items
    ``{"credential": hex, "category": "A"|"B"}``) as one ``credentials`` event.

    ``delivered_to`` maps a public credential to the member it was delivered to (optional)."""
    if election.state not in (ElectionState.KEYGEN, ElectionState.OPEN):
        raise errors.WrongState("credentials go on the board before the close", state=election.state.value,
                                needed="keygen|open")
    listed = sorted(({"credential": i.get("credential"), "category": i.get("category")} for i in items),
                    key=lambda x: str(x["credential"]))
    if not listed:
        raise errors.InvalidDefinition("an empty credential list", code="credential_format")
    delivered_to = dict(delivered_to or {})
    _lock_board(election)

    def add_rows(row: BoardEvent) -> None:
        db.session.add_all(Credential(election_id=election.id, public=i["credential"], category=i["category"],
                                      member_id=delivered_to.get(i["credential"]), published_seq=row.seq)
                           for i in listed)

    try:
        row, _ = _append_checked(election, "credentials",
                                 lambda state: {"election": election.fingerprint, "credentials": listed}, add_rows)
    except errors.WrongState:
        raise
    except errors.VotingError as exc:
        raise errors.InvalidCredentialList(exc.detail, **exc.info) from exc
    audit.record("voting.credentials_published", election,
                 after={"count": len(listed), "seq": row.seq,
                        "A": sum(1 for i in listed if i["category"] == "A"),
                        "B": sum(1 for i in listed if i["category"] == "B")})
    return row


def issue_credentials(election: Election, members: Iterable[Any], *, base_url: str | None = None) -> int:
    """Play the credential authority (demo, tests, small elections): one credential per member,
    published (public part only) and mailed (private part in the link's #fragment), then forgotten.

    Members already holding a credential for this election are skipped. Returns how many were issued."""
    have = set(db.session.scalars(select(Credential.member_id).where(Credential.election_id == election.id,
                                                                     Credential.member_id.is_not(None))))
    todo = [m for m in members if m.id not in have]
    if not todo:
        return 0
    private = [(m, generate_credential()) for m in todo]
    publics = {credential_public(cred): m for m, cred in private}
    publish_credentials(election, [{"credential": pub, "category": m.category.value} for pub, m in publics.items()],
                        {pub: m.id for pub, m in publics.items()})
    base = (base_url or current_app.config["PUBLIC_URL"]).rstrip("/")
    with _mail_context():
        path = url_for("voting.vote", slug=election.slug)
        for member, cred in private:
            queue_mail(member.email, member.language, "voting_credential",
                       dedupe_key=f"voting-credential:{election.id}:{member.id}", secret=True,
                       election_title=election.title, link=f"{base}{path}#{cred}", credential=cred,
                       board=f"{base}{url_for('voting.board', slug=election.slug)}")
    del private, publics  # the private parts leave with the mail; nothing else keeps them
    return len(todo)


def revoke_credential(election: Election, public: str) -> Credential:
    credential = db.session.scalar(select(Credential).where(Credential.election_id == election.id,
                                                            Credential.public == public))
    if credential is None:
        raise errors.UnknownCredential(public)
    if credential.revoked_at is None:
        credential.revoked_at = utcnow()
        db.session.flush()
        audit.record("voting.credential_revoked", election, after={"credential": public})
    return credential


# -- opening, casting, closing -------------------------------------------------------------------

def open_election(election: Election) -> None:
    if election.state is not ElectionState.KEYGEN:
        raise errors.WrongState("only a ready election opens", state=election.state.value, needed="keygen")
    if election.public_key is None:
        raise errors.WrongState("the election key is not on the board yet", state=election.state.value,
                                needed="election_key")
    if db.session.scalar(select(Credential.id).where(Credential.election_id == election.id).limit(1)) is None:
        raise errors.NoCredentials()
    if not _lock_board(election, states=[ElectionState.KEYGEN]):
        raise errors.WrongState("changed meanwhile", state=election.state.value, needed="keygen")
    election.state = ElectionState.OPEN
    election.opened_at = utcnow()
    db.session.flush()
    audit.record("voting.election_opened", election, before={"state": "keygen"}, after={"state": "open"})


def _ballot_error(exc: InvalidBallot | RecordError) -> errors.VotingError:
    return _BALLOT_ERRORS.get(exc.code, errors.MalformedBallot)(exc.message, code=exc.code)


def cast_ballot(election: Election, ballot: Any, member: Any = None) -> str:
    """Validate a ballot, append it to the board with its index rows and the roll mark; the tracker.

    Refusals (nothing recorded): LoginRequired, BallotBoxNotOpen, BallotAfterClose,
    MalformedBallot, WrongFingerprint, UnknownCredential, RevokedCredential,
    InvalidGroupElement, InvalidSignature, InvalidProof, DuplicateBallot (the same credential
    resubmitted this very ballot), CopiedBallot (a ciphertext of another credential's ballot),
    ReusedCiphertext (a ciphertext of this credential's own earlier ballot)."""
    if election.state in (ElectionState.CLOSED, ElectionState.TALLIED):
        raise errors.BallotAfterClose()
    if election.state is not ElectionState.OPEN or election.public_key is None:
        raise errors.BallotBoxNotOpen()
    if election.require_login and member is None:
        raise errors.LoginRequired()
    el = crypto_election(election)
    try:
        check_ballot_shape(el, ballot)
    except InvalidBallot as exc:
        raise _ballot_error(exc) from exc
    credential = db.session.scalar(select(Credential).where(Credential.election_id == election.id,
                                                            Credential.public == ballot["credential"]))
    if credential is None:
        raise errors.UnknownCredential()
    if credential.revoked_at is not None:
        raise errors.RevokedCredential()
    try:
        cts = parse_ciphertexts(el, ballot)
        verify_ballot_signature(ballot)
        verify_ballot_proofs(el, Element.from_hex(election.public_key), ballot, cts)
    except InvalidBallot as exc:
        raise _ballot_error(exc) from exc
    tracker = ballot_tracker(ballot)
    alphas = ballot_alphas(ballot)
    if len(set(alphas)) != len(alphas):
        raise errors.CopiedBallot("a ciphertext repeats inside the ballot")
    if not _lock_board(election, states=[ElectionState.OPEN]):
        raise errors.BallotAfterClose()
    voter_id = credential.member_id or (member.id if member is not None else None)

    def build(last):
        if last is not None and last["type"] in _AFTER_CLOSE_TYPES:
            raise errors.BallotAfterClose()
        if db.session.scalar(select(CastBallot.id).where(CastBallot.tracker == tracker)) is not None:
            raise errors.DuplicateBallot()
        owners = set(db.session.scalars(select(BallotCiphertext.credential_id).where(
            BallotCiphertext.election_id == election.id, BallotCiphertext.alpha.in_(alphas))))
        if owners - {credential.id}:
            raise errors.CopiedBallot()
        if owners:
            raise errors.ReusedCiphertext()
        previous = db.session.scalar(select(CastBallot).where(CastBallot.credential_id == credential.id,
                                                              CastBallot.superseded_by_tracker.is_(None)))
        data = {"ballot": ballot, "tracker": tracker, "supersedes": previous.tracker if previous else None}

        def add_rows(row: BoardEvent) -> None:
            if previous is not None:
                previous.superseded_by_tracker = tracker
            db.session.add(CastBallot(election_id=election.id, credential_id=credential.id, tracker=tracker,
                                      seq=row.seq))
            db.session.add_all(BallotCiphertext(election_id=election.id, alpha=a, credential_id=credential.id)
                               for a in alphas)
        return "ballot", data, add_rows

    _append(election, build)
    if voter_id is not None:
        mark_voted(election, voter_id)
    # No audit row per ballot: the board is the ballots' append-only log, and an audit row (actor,
    # time) would pair the voter with the ballot event the roll is kept apart from.
    return tracker


def mark_voted(election: Election, member_id: int) -> None:
    """The roll mark, once per member (a revote leaves the first mark as it is)."""
    exists = db.session.scalar(select(VoterRoll.id).where(VoterRoll.election_id == election.id,
                                                          VoterRoll.member_id == member_id))
    if exists is None:
        today = datetime.combine(utcnow().date(), time(0), tzinfo=utcnow().tzinfo)
        savepoint = db.session.begin_nested()
        try:
            db.session.add(VoterRoll(election_id=election.id, member_id=member_id, voted_at=today))
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()  # marked meanwhile by a concurrent revote: the mark is there
        else:
            savepoint.commit()


def mail_tracker(election: Election, tracker: str, member: Any) -> None:
    """The tracker by e-mail, as BALLOTS.md asks (the voter can then find it on the board)."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    with _mail_context():
        queue_mail(member.email, member.language, "voting_tracker", election_title=election.title, tracker=tracker,
                   board=f"{base}{url_for('voting.board', slug=election.slug, q=tracker)}")


def _mail_context():
    """Mail templates need a request context (context processors); a CLI command has none."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/", base_url=current_app.config["PUBLIC_URL"])


def close_election(election: Election) -> BoardEvent:
    if election.state is not ElectionState.OPEN:
        raise errors.WrongState("only an open ballot box closes", state=election.state.value, needed="open")
    if not _lock_board(election, states=[ElectionState.OPEN]):
        raise errors.WrongState("closed meanwhile", state="closed", needed="open")

    def build(last):
        ballots = db.session.scalar(select(func.count(CastBallot.id)).where(CastBallot.election_id == election.id))
        counted = db.session.scalar(select(func.count(CastBallot.id)).where(
            CastBallot.election_id == election.id, CastBallot.superseded_by_tracker.is_(None)))
        return "close", {"election": election.fingerprint, "ballots": ballots, "counted": counted}, None

    row = _append(election, build)
    election.state = ElectionState.CLOSED
    election.closed_at = utcnow()
    db.session.flush()
    audit.record("voting.election_closed", election, before={"state": "open"},
                 after={"state": "closed", "ballots": row.data["ballots"], "counted": row.data["counted"]})
    return row


# -- tally ---------------------------------------------------------------------------------------

def compute_tally(election: Election) -> BoardEvent:
    """The encrypted tally: homomorphic sums of the last ballot of every credential, per category."""
    if election.state is not ElectionState.CLOSED:
        raise errors.WrongState("the tally follows the close", state=election.state.value, needed="closed")
    if db.session.scalar(select(BoardEvent.id).where(BoardEvent.election_id == election.id,
                                                     BoardEvent.type == "tally")) is not None:
        raise errors.AlreadyPublished("tally")
    _lock_board(election)
    row, _ = _append_checked(election, "tally", lambda state: state.tally_data())
    audit.record("voting.tally_computed", election, after={"seq": row.seq, "counted": row.data["counted"]})
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
    audit.record("voting.partial_decryption", election, after={"trustee": data.get("trustee"), "seq": row.seq})
    return row


def missing_trustees(election: Election) -> list[str]:
    """Trustee ids that have not published the step the election waits for (keygen or decryption)."""
    progress = keygen_progress(election)
    ids = [t.trustee_id for t in election.trustees]
    if election.state in (ElectionState.SETUP,):
        return [t.trustee_id for t in election.trustees if not (t.signing_key and t.encryption_key)]
    if election.state is ElectionState.KEYGEN:
        if set(progress["trustee_commitments"]) != set(ids):
            return [i for i in ids if i not in progress["trustee_commitments"]]
        return [i for i in ids if i not in progress["trustee_share"]]
    if election.state is ElectionState.CLOSED:
        return [i for i in ids if i not in progress["partial_decryption"]]
    return []


def publish_result(election: Election) -> BoardEvent:
    """Combine the first k partial decryptions on the board into the result.

    With fewer than k: ``NotEnoughTrustees`` naming who is missing."""
    if election.state is not ElectionState.CLOSED or tally_event(election) is None:
        raise errors.WrongState("the result follows the tally", state=election.state.value, needed="tally")
    el = crypto_election(election)
    have = keygen_progress(election)["partial_decryption"]
    if len(have) < el.threshold:
        raise errors.NotEnoughTrustees(missing_trustees(election), len(have), el.threshold)
    if not _lock_board(election, states=[ElectionState.CLOSED]):
        raise errors.WrongState("already tallied", state="tallied", needed="closed")
    row, _ = _append_checked(election, "result", lambda state: state.result_data())
    election.state = ElectionState.TALLIED
    election.tallied_at = utcnow()
    db.session.flush()
    audit.record("voting.result_published", election, before={"state": "closed"},
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
