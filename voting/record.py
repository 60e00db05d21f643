"""The election record: an append-only, hash-chained list of events (pure functions).

An event is ``{"seq", "type", "prev", "data", "hash"}`` where ``hash`` is the
SHA-256 of the canonical JSON of the event without ``hash`` and ``prev`` is
the previous event's ``hash`` (64 zeros for the first). A DB-backed board
stores one row per event and replays them through :class:`RecordState`,
which enforces every rule; see docs/election-record.md.
"""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Protocol

from voting.crypto.ballot import (
    InvalidBallot,
    check_ballot_shape,
    parse_ciphertexts,
    verify_ballot_proofs,
    verify_ballot_signature,
)
from voting.crypto.dkg import (
    TrusteeError,
    commitment_eval,
    decryption_factors,
    joint_public_key,
    verify_partial_decryption,
    verify_step1,
    verify_trustee_signature,
)
from voting.crypto.ed25519 import is_full_order_key
from voting.crypto.election import CATEGORIES, DefinitionError, Election
from voting.crypto.encoding import EncodingError, canonical_json, hash_json, hash_json_bytes, is_hex, same_json
from voting.crypto.errors import CodedError
from voting.crypto.group import Element, GroupError, sum_elements
from voting.crypto.tally import (
    Sums,
    TallyError,
    compute_result,
    decrypt_counts,
    contest_groups,
    decrypt_sums,
    flat_choices,
    published_groups,
    sum_ballots,
    sums_to_json,
)

RECORD_FORMAT = "unevoix/v1/record"
GENESIS_PREV = "0" * 64
EVENT_TYPES = (
    "election",
    "trustee_commitments",
    "trustee_complaint",
    "trustee_share",
    "election_key",
    "credentials",
    "revocation",
    "open",
    "electorate_addition",
    "ballot",
    "item_hold",
    "item_open",
    "item_close",
    "close",
    "seal_signature",
    "tally",
    "partial_decryption",
    "result",
)


class RecordError(CodedError):
    """The first broken rule of a record: stable ``code``, a sentence, the event ``seq``."""

    def __init__(self, code: str, message: str, seq: int | None = None) -> None:
        super().__init__(code, message, f" (event {seq})" if seq is not None else "")
        self.seq = seq


# -- events and the chain ----------------------------------------------------

def event_hash(event: Mapping[str, Any], ballot_bytes: bytes | None = None) -> str:
    """SHA-256 of the canonical event without ``hash``.

    ``ballot_bytes``: the canonical JSON of ``event["data"]["ballot"]`` when
    already computed (a ballot event with exactly the standard members), so a
    large ballot is serialised once for both its tracker and its event hash.
    """
    if ballot_bytes is None:
        return hash_json({k: v for k, v in event.items() if k != "hash"})
    data = event["data"]
    raw = b"".join((
        b'{"data":{"ballot":', ballot_bytes,
        b',"supersedes":', canonical_json(data["supersedes"]),
        b',"tracker":', canonical_json(data["tracker"]),
        b'},"prev":', canonical_json(event["prev"]),
        b',"seq":', canonical_json(event["seq"]),
        b',"type":"ballot"}',
    ))
    return hashlib.sha256(raw).hexdigest()


def make_event(prev: Mapping[str, Any] | None, event_type: str, data: Mapping[str, Any],
               ballot_bytes: bytes | None = None) -> dict[str, Any]:
    """A new event following ``prev`` (None for the first event); ``ballot_bytes`` as for
    :func:`event_hash` (a ballot event whose ballot was already serialised)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    event: dict[str, Any] = {
        "seq": 0 if prev is None else prev["seq"] + 1,
        "type": event_type,
        "prev": GENESIS_PREV if prev is None else prev["hash"],
        "data": dict(data),
    }
    event["hash"] = event_hash(event, ballot_bytes if event_type == "ballot" else None)
    return event


def append_event(events: list[dict[str, Any]], event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Append (in place) and return the new event; does not validate the data."""
    event = make_event(events[-1] if events else None, event_type, data)
    events.append(event)
    return event


def check_link(prev: Mapping[str, Any] | None, event: Any, seq: int, ballot_bytes: bytes | None = None) -> None:
    if not isinstance(event, dict) or set(event) != {"seq", "type", "prev", "data", "hash"}:
        raise RecordError("event_format", "an event has exactly seq, type, prev, data, hash", seq)
    if type(event["seq"]) is not int or event["seq"] != seq:
        raise RecordError("sequence", f"event numbered {event['seq']!r} where {seq} was expected", seq)
    expected_prev = GENESIS_PREV if prev is None else prev["hash"]
    if event["prev"] != expected_prev:
        raise RecordError("hash_link", "the event does not point to the hash of the previous event", seq)
    try:
        if event["hash"] != event_hash(event, ballot_bytes):
            raise RecordError("event_hash", "the event's hash does not match its content", seq)
    except EncodingError as exc:
        raise RecordError("event_format", str(exc), seq) from exc
    if event["type"] not in EVENT_TYPES or not isinstance(event["data"], dict):
        raise RecordError("event_format", f"unknown event type {event['type']!r}", seq)


def record_document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": RECORD_FORMAT, "events": events}


def rechain(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Renumber and re-hash a list of events (used to build test records)."""
    out: list[dict[str, Any]] = []
    for e in events:
        append_event(out, e["type"], e["data"])
    return out


# -- the acceptance rule for ballots ---------------------------------------------
#
# ONE rule decides whether a ballot goes on the board; the server (voting.services.cast_ballot),
# the record replay (RecordState) and the verifier all call these two functions. The first holds
# everything that needs no board (the expensive part: the server runs it outside any lock, the
# verifier in parallel); the second is what needs the board (cheap: set look-ups). See
# docs/election-record.md section 5.10 for the one description of the rule and its argument.

VOTER_HEX = 32  # a voter pseudonym: 128 random bits, 32 lowercase hex


@dataclass(frozen=True)
class PreparedBallot:
    """A ballot that passed every check needing no board."""

    ballot: dict[str, Any]
    credential: str
    tracker: str
    alphas: tuple[str, ...]
    ballot_bytes: bytes


class BallotBoard(Protocol):
    """What the acceptance rule asks of a board (RecordState in memory, the database in services)."""

    def ballot_stage(self) -> str:
        """``before_open``, ``open`` or ``closed``."""

    def credential_status(self, credential: str) -> str | None:
        """``active``, ``revoked`` or None (not on the list)."""

    def tracker_seen(self, tracker: str) -> bool: ...

    def alpha_owners(self, alphas: tuple[str, ...]) -> set[str]:
        """The credentials whose accepted ballots hold any of these alphas."""

    def latest_tracker(self, credential: str) -> str | None: ...


def prepare_ballot(election: Election, public_key: Element | None, ballot: Any, *, verify: bool = True,
                   ballot_bytes: bytes | None = None, seq: int | None = None) -> PreparedBallot:
    """Checks of a ballot on its own: shape and fingerprint, hex values, no alpha twice in it, and
    (``verify``) :func:`verify_ballot_crypto`. Raises RecordError with the reason code."""
    try:
        check_ballot_shape(election, ballot)
    except InvalidBallot as exc:
        raise RecordError(exc.code, exc.message, seq) from exc
    choices = [ch for c in ballot["contests"] for ch in c["choices"]]
    alphas = tuple(ch["alpha"] for ch in choices)
    if not all(is_hex(ch["alpha"], 66) and is_hex(ch["beta"], 66) for ch in choices):
        raise RecordError("invalid_element", "every alpha and beta is 66 lowercase hex characters", seq)
    if len(set(alphas)) != len(alphas):
        raise RecordError("ciphertext_reused", "the same ciphertext appears twice in the ballot", seq)
    try:
        raw = ballot_bytes if ballot_bytes is not None else canonical_json(ballot)
    except EncodingError as exc:
        raise RecordError("ballot_format", str(exc), seq) from exc
    prepared = PreparedBallot(ballot, ballot["credential"], hashlib.sha256(raw).hexdigest(), alphas, raw)
    if verify:
        verify_ballot_crypto(election, public_key, prepared, seq)
    return prepared


def verify_ballot_crypto(election: Election, public_key: Element | None, prepared: PreparedBallot,
                         seq: int | None = None) -> list[list[tuple[Element, Element]]]:
    """Every group element, the signature and every proof (the expensive part); returns the
    parsed ciphertexts (the verifier adds them up)."""
    if public_key is None:
        raise RecordError("ballot_before_open", "no election key yet", seq)
    try:
        cts = parse_ciphertexts(election, prepared.ballot)
        verify_ballot_signature(prepared.ballot)
        verify_ballot_proofs(election, public_key, prepared.ballot, cts)
    except InvalidBallot as exc:
        raise RecordError(exc.code, exc.message, seq) from exc
    return cts


def check_credential(board: BallotBoard, credential: str, seq: int | None = None) -> None:
    """The credential a ballot is signed with is on the list and not revoked (part of
    ``check_ballot_on_board``; the ballot page asks it alone before the voter chooses)."""
    status = board.credential_status(credential)
    if status is None:
        raise RecordError("unknown_credential", "the ballot is signed by a credential not on the list", seq)
    if status == "revoked":
        raise RecordError("revoked_credential", "the ballot is signed by a revoked credential", seq)


def check_ballot_on_board(board: BallotBoard, prepared: PreparedBallot, seq: int | None = None) -> str | None:
    """Checks of a prepared ballot against the board; returns the tracker it supersedes (or None).

    The copy rule: no alpha of the ballot may already be on the board. In another credential's
    ballot it is ballot copying (``ballot_copied``); in the same credential's earlier ballot a
    reused encryption (``ciphertext_reused``). Proof values are not compared (see the docs)."""
    stage = board.ballot_stage()
    if stage == "before_open":
        raise RecordError("ballot_before_open", "the ballot box is not open", seq)
    if stage == "closed":
        raise RecordError("ballot_after_close", "the ballot box is closed", seq)
    check_credential(board, prepared.credential, seq)
    if board.tracker_seen(prepared.tracker):
        raise RecordError("duplicate_ballot", f"ballot {prepared.tracker[:12]}... is already on the board", seq)
    owners = board.alpha_owners(prepared.alphas)
    if owners - {prepared.credential}:
        raise RecordError("ballot_copied", "a ciphertext of this ballot is already in another credential's ballot", seq)
    if owners:
        raise RecordError("ciphertext_reused", "a ciphertext of this ballot is already in an earlier ballot of the same credential", seq)
    return board.latest_tracker(prepared.credential)


def accept_ballot(election: Election, public_key: Element | None, board: BallotBoard, ballot: Any) -> dict[str, Any]:
    """The whole rule: the ``ballot`` event data to append, or RecordError naming the refusal.

    The checks run in one order everywhere: the ballot's form, then the board, then the crypto
    (so a copied ballot is named ``ballot_copied``, not by the proof it breaks)."""
    prepared = prepare_ballot(election, public_key, ballot, verify=False)
    supersedes = check_ballot_on_board(board, prepared)
    verify_ballot_crypto(election, public_key, prepared)
    return {"ballot": ballot, "tracker": prepared.tracker, "supersedes": supersedes}


# -- replaying the record ------------------------------------------------------

@dataclass(slots=True)
class BallotEntry:
    seq: int
    credential: str
    category: str
    tracker: str
    ballot: dict[str, Any] | None  # None when the state does not keep ballots (streaming verifier)
    superseded_by: str | None = None
    ended: int | None = None  # the seq at which it stopped being its credential's last unrevoked ballot


@dataclass(frozen=True, slots=True)
class Window:
    """When one contest's vote was open on the board (docs/election-record.md 5.8a, 5.8b): after
    ``opened`` (the opening's seq, or its ``item_open``'s if it was held back; None: held back and
    not opened) and before ``closed`` (its ``item_close``'s; None: open until the final close)."""

    opened: int | None
    closed: int | None


# The events that set the contests' windows (5.8a, 5.8b).
WINDOW_EVENTS = ("open", "item_hold", "item_open", "item_close")


@dataclass(slots=True)
class AgendaWindows:
    """The contests' windows as the events of ``WINDOW_EVENTS`` set them, read in board order: the one
    reading of them, by the replay (:class:`RecordState`, which checks each event first), the board's
    agenda (``voting.services.agenda``) and the indexed query of the public board's tracker search
    (``voting.queries.contest_windows``)."""

    open_seq: int | None = None
    held: set[str] = field(default_factory=set)  # held back at the opening (``item_hold``)
    opened: dict[str, int] = field(default_factory=dict)  # held contest -> its ``item_open``'s seq
    closed: dict[str, int] = field(default_factory=dict)  # contest -> its ``item_close``'s seq

    def add(self, etype: str, seq: int, contests: Iterable[str] = ()) -> None:
        """The event of type ``etype`` at ``seq``, naming ``contests`` (the opening names none)."""
        if etype == "open":
            self.open_seq = seq
        elif etype == "item_hold":
            self.held = set(contests)
        else:
            (self.opened if etype == "item_open" else self.closed).update(dict.fromkeys(contests, seq))

    def window(self, contest: str) -> Window:
        return Window(self.opened.get(contest) if contest in self.held else self.open_seq, self.closed.get(contest))


def counts_within(seq: int, ended: int | None, window: Window) -> bool:
    """**The** per-contest counting rule (5.8a, 5.8b) for one ballot placed at ``seq``, which stopped
    being its credential's last unrevoked ballot at ``ended`` (its next ballot's or the revocation's
    seq; None: it still is): it counts if placed while the contest's vote was open and still the
    last one when that vote closed."""
    if window.opened is None or seq < window.opened or (window.closed is not None and seq > window.closed):
        return False
    return ended is None or (window.closed is not None and ended > window.closed)


@dataclass(frozen=True)
class BallotStanding:
    """What one ballot counts for, contest by contest (in the order of the windows given)."""

    counted: tuple[str, ...]
    closed_before: tuple[str, ...]  # the vote had closed item by item when it landed
    held: tuple[str, ...]  # held back at the opening and not opened yet when it landed
    # Every other contest: it stopped counting (superseded or revoked) before that vote closed.


def ballot_standing(seq: int, later: Iterable[int], revoked: int | None,
                    windows: Mapping[str, Window]) -> BallotStanding:
    """The standing of the ballot placed at ``seq`` from the facts: the seqs of its credential's
    later ballots, of the credential's revocation (None: not revoked), and every contest's window."""
    ended = min((s for s in (*later, revoked) if s is not None and s > seq), default=None)
    return BallotStanding(
        tuple(c for c, w in windows.items() if counts_within(seq, ended, w)),
        tuple(c for c, w in windows.items() if w.closed is not None and w.closed < seq),
        tuple(c for c, w in windows.items() if w.opened is None or seq < w.opened))


@dataclass(slots=True)
class ItemClose:
    """An ``item_close`` event: its contests are counted from the board as it stood then."""

    seq: int
    contests: tuple[str, ...]
    # The last ballot of every credential unrevoked at that moment: what counts for those contests.
    counted: dict[str, BallotEntry]


class CopyIndex:
    """Which credential first used each copy key, in bounded memory.

    A key is the first 96 bits of BLAKE2b(value) (no accidental collision among
    the ~10^7 values of a large election: about 2^-50), kept in an
    open-addressing table of two 64-bit arrays (16 bytes a slot, at most 85 %
    full): a 36,000-ballot board's 3.4 million keys take 64 MB, where a Python
    dict of the values takes gigabytes. Owners are small integers
    (the credential's position in the lists).
    """

    __slots__ = ("_keys", "_packed", "_mask", "_n")

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._alloc(capacity)
        self._n = 0

    def _alloc(self, capacity: int) -> None:
        self._keys = array("Q", bytes(8 * capacity))
        self._packed = array("Q", bytes(8 * capacity))  # (32 key bits << 32) | (owner + 1); 0 = empty
        self._mask = capacity - 1

    @staticmethod
    def key(tag: bytes, value: str) -> int:
        return int.from_bytes(hashlib.blake2b(tag + value.encode("ascii"), digest_size=12).digest(), "big")

    def __len__(self) -> int:
        return self._n

    def get(self, key: int) -> int | None:
        lo, hi = key & 0xFFFFFFFFFFFFFFFF, key >> 64
        keys, packed, mask = self._keys, self._packed, self._mask
        i = lo & mask
        while True:
            p = packed[i]
            if p == 0:
                return None
            if keys[i] == lo and p >> 32 == hi:
                return (p & 0xFFFFFFFF) - 1
            i = (i + 1) & mask

    def setdefault(self, key: int, owner: int) -> int:
        found = self.get(key)
        if found is not None:
            return found
        if (self._n + 1) * 20 > (self._mask + 1) * 17:  # load <= 0.85: a few more probes, half the memory
            old_keys, old_packed = self._keys, self._packed
            self._alloc(2 * (self._mask + 1))
            for k, p in zip(old_keys, old_packed):
                if p:
                    self._insert(k, p)
        self._insert(key & 0xFFFFFFFFFFFFFFFF, (key >> 64) << 32 | (owner + 1))
        self._n += 1
        return owner

    def _insert(self, lo: int, p: int) -> None:
        keys, packed, mask = self._keys, self._packed, self._mask
        i = lo & mask
        while packed[i]:
            i = (i + 1) & mask
        keys[i] = lo
        packed[i] = p


@dataclass
class RecordState:
    """Everything learned by replaying events; ``apply`` raises on the first broken rule.

    With ``defer_ballots=True`` the signature and proofs of ballots are not
    checked (the verifier checks them in parallel afterwards) and neither are
    the tally sums (``tally_claim`` keeps the claimed sums for the caller).
    """

    defer_ballots: bool = False
    keep_ballots: bool = True
    # A board replaying its own rows, each checked when it was appended: no signature, proof or
    # curve check is repeated (the ballots' neither, with ``defer_ballots``); every rule of order
    # and every value the state derives still is. So each scrutineer step costs what it adds.
    trusted: bool = False
    election: Election | None = None
    events: int = 0
    last: dict[str, Any] | None = None
    commitments: dict[str, list[Element]] = field(default_factory=dict)
    step1_hashes: dict[str, str] = field(default_factory=dict)
    step1_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    # dealer -> the trustee whose complaint proved its share wrong (left out of the key)
    disqualified: dict[str, str] = field(default_factory=dict)
    shares: dict[str, Element] = field(default_factory=dict)
    public_key: Element | None = None
    credentials: dict[str, str] = field(default_factory=dict)  # public credential -> category
    voter_of: dict[str, str] = field(default_factory=dict)  # public credential -> voter pseudonym
    active_credential: dict[str, str] = field(default_factory=dict)  # voter -> its unrevoked credential
    voter_category: dict[str, str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    opened: bool = False
    ballots: list[BallotEntry] = field(default_factory=list)
    # The last ballot of every unrevoked credential: the ballots that count.
    last_by_credential: dict[str, BallotEntry] = field(default_factory=dict)
    latest_by_credential: dict[str, str] = field(default_factory=dict)  # credential -> tracker of its last ballot
    trackers: set[str] = field(default_factory=set)
    # copy key of every alpha on the board -> number of the credential whose ballot holds it
    copy_index: CopyIndex = field(default_factory=CopyIndex)
    credential_number: dict[str, int] = field(default_factory=dict)
    credential_list: list[str] = field(default_factory=list)
    # The agenda items closed one by one before the final close (docs/election-record.md 5.8a).
    item_closes: list[ItemClose] = field(default_factory=list)
    closed_contests: dict[str, ItemClose] = field(default_factory=dict)
    # The opening, the agenda items held back at it and opened or closed since (5.8a, 5.8b).
    agenda: AgendaWindows = field(default_factory=AgendaWindows)
    closed: bool = False
    close_hash: str | None = None
    close_data_seen: dict[str, Any] | None = None
    seals: dict[str, dict[str, Any]] = field(default_factory=dict)
    tally_seq: int | None = None
    tally_hash: str | None = None
    tally_sums: Sums | None = None
    tally_decrypt: Sums | None = None
    tally_counted: dict[str, int] | None = None
    tally_contest_counted: dict[str, dict[str, int]] | None = None
    decryptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    decryption_order: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    compute_sums: Callable[["RecordState"], Sums] | None = None
    _ballot_bytes: bytes | None = field(default=None, repr=False)
    # counted_for's answers per window, for the board of ``_counted_at`` events (contests closed
    # together, or all those still open, share one)
    _counted: dict[Window, Mapping[str, BallotEntry]] = field(default_factory=dict, repr=False)
    _counted_at: int = field(default=-1, repr=False)

    # -- dispatch --------------------------------------------------------------
    def apply(self, event: Any) -> None:
        seq = self.events
        self._ballot_bytes = None
        if (isinstance(event, dict) and event.get("type") == "ballot" and isinstance(event.get("data"), dict)
                and set(event["data"]) == {"ballot", "tracker", "supersedes"}):
            try:
                self._ballot_bytes = canonical_json(event["data"]["ballot"])
            except EncodingError as exc:
                raise RecordError("event_format", str(exc), seq) from exc
        check_link(self.last, event, seq, self._ballot_bytes)
        etype, data = event["type"], event["data"]
        if self.election is None and etype != "election":
            raise RecordError("order", "the first event must be the election definition", seq)
        if self.result is not None:
            raise RecordError("order", "no event may follow the result", seq)
        try:
            getattr(self, f"_apply_{etype}")(seq, event, data)
        except (InvalidBallot, TrusteeError, TallyError) as exc:
            raise RecordError(exc.code, exc.message, seq) from exc
        except (GroupError, DefinitionError, KeyError, TypeError, AttributeError) as exc:
            raise RecordError("event_format", f"{etype}: {exc}", seq) from exc
        self.counts[etype] = self.counts.get(etype, 0) + 1
        self.last = event
        self.events += 1

    @property
    def el(self) -> Election:
        assert self.election is not None
        return self.election

    def _check_election_field(self, data: Mapping[str, Any], seq: int) -> None:
        if data.get("election") != self.el.fingerprint:
            raise RecordError("wrong_election", "the event names another election fingerprint", seq)

    # -- setup -----------------------------------------------------------------
    def _apply_election(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if self.election is not None:
            raise RecordError("order", "a second election definition", seq)
        election = Election.from_json(data)
        if not same_json(election.to_json(), data):
            raise RecordError("event_format", "the election definition is not in canonical form", seq)
        self.election = election

    def _apply_trustee_commitments(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if self.public_key is not None or self.shares:
            raise RecordError("order", "trustee commitments after key generation moved on", seq)
        elems = [Element.from_hex(c) for c in data["commitments"]] if self.trusted else verify_step1(self.el, data)
        if data["trustee"] in self.commitments:
            raise RecordError("duplicate_trustee", f"trustee {data['trustee']} published twice", seq)
        self.commitments[data["trustee"]] = elems
        self.step1_hashes[data["trustee"]] = hash_json_bytes(data).hex()
        self.step1_data[data["trustee"]] = data

    def qualified(self) -> list[str]:
        """The dealers whose polynomials make the key: every trustee no complaint proved at fault."""
        return [t.id for t in self.el.trustees if t.id not in self.disqualified]

    def _apply_trustee_complaint(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        from voting.crypto.dkg import verify_complaint

        el = self.el
        missing = [t.id for t in el.trustees if t.id not in self.commitments]
        if missing or self.public_key is not None:
            raise RecordError("order", "a complaint comes after every trustee's commitments, before the election key", seq)
        if not isinstance(data, dict) or data.get("dealer") not in self.step1_data:
            raise RecordError("trustee_format", "a complaint names a trustee whose commitments are on the record", seq)
        dealer = data["dealer"]
        if dealer in self.disqualified:
            raise RecordError("duplicate_trustee", f"trustee {dealer} is already left out of key generation", seq)
        if not self.trusted:
            verify_complaint(el, self.step1_data[dealer], data)
        self.disqualified[dealer] = data["trustee"]
        # Every public share published so far counted that dealer: each trustee publishes again.
        self.shares = {}

    def _apply_trustee_share(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        el = self.el
        missing = [t.id for t in el.trustees if t.id not in self.commitments]
        if missing or self.public_key is not None:
            raise RecordError("order", f"public share before all commitments (missing {', '.join(missing)})", seq)
        if not isinstance(data, dict) or set(data) != {"election", "trustee", "public_share", "dealers", "signature"}:
            raise RecordError("trustee_format", "trustee share malformed", seq)
        if not self.trusted:
            verify_trustee_signature(el, "trustee_share", data)
        self._check_election_field(data, seq)
        who = data["trustee"]
        if who in self.shares:
            raise RecordError("duplicate_trustee", f"trustee {who} published its share twice", seq)
        qualified = self.qualified()
        if data["dealers"] != {d: self.step1_hashes[d] for d in qualified}:
            raise RecordError("trustee_share", f"trustee {who} acknowledged other commitments than the record's qualified dealers", seq)
        expected = sum_elements(commitment_eval(self.commitments[d], el.trustee_index(who)) for d in qualified)
        if data["public_share"] != expected.hex():
            raise RecordError("trustee_share", f"trustee {who}: public share does not follow from the commitments", seq)
        self.shares[who] = expected

    def _apply_election_key(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        el = self.el
        missing = [t.id for t in el.trustees if t.id not in self.shares]
        if missing:
            raise RecordError("order", f"election key before every trustee confirmed (missing {', '.join(missing)})", seq)
        if self.public_key is not None or set(data) != {"election", "public_key"}:
            raise RecordError("event_format", "election key malformed or repeated", seq)
        self._check_election_field(data, seq)
        qualified = self.qualified()
        if len(qualified) < el.threshold:
            raise RecordError("order", f"only {len(qualified)} qualified dealers, fewer than the threshold "
                              f"{el.threshold}: key generation must restart with replacement scrutineers", seq)
        y = self.election_key()
        if data["public_key"] != y.hex():
            raise RecordError("election_key", "the election key is not the product of the trustees' commitments", seq)
        if y.is_identity:
            # Trustees whose first coefficients cancel out: every ballot would be readable by anyone.
            raise RecordError("election_key", "the election key is the identity element (no secrecy at all)", seq)
        self.public_key = y

    def election_key(self) -> Element:
        """The joint key: the product of the qualified dealers' first commitments."""
        return joint_public_key(self.commitments[d] for d in self.qualified())

    def election_key_data(self) -> dict[str, Any]:
        return {"election": self.el.fingerprint, "public_key": self.election_key().hex()}

    def _apply_credentials(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if self.closed:
            raise RecordError("order", "credentials after close", seq)
        self._check_election_field(data, seq)
        if set(data) != {"election", "credentials"} or not isinstance(data["credentials"], list) or not data["credentials"]:
            raise RecordError("credential_format", "credentials event malformed", seq)
        self._add_credentials(data["credentials"], seq, late=False)

    def electorate_addition_data(self, credentials: list[dict[str, Any]]) -> dict[str, Any]:
        """The ``electorate_addition`` event data: new voters after the opening (a late correction of
        the electorate) and the electorate they make (5.7c)."""
        after = self.electorate()
        for item in credentials:
            after[item["category"]] += 1
        return {"election": self.el.fingerprint, "credentials": list(credentials), "electorate": after}

    def _apply_electorate_addition(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if not self.opened or self.closed:
            raise RecordError("order", "a late addition to the electorate comes after the opening, before the close", seq)
        self._check_election_field(data, seq)
        if set(data) != {"election", "credentials", "electorate"} or not isinstance(data["credentials"], list) \
                or not data["credentials"]:
            raise RecordError("credential_format", "an electorate addition has exactly election, credentials, electorate", seq)
        for item in data["credentials"]:
            if isinstance(item, dict) and item.get("voter") in self.voter_category:
                raise RecordError("voter_duplicate", "an electorate addition lists new voters only", seq)
        expected = self.electorate()
        self._add_credentials(data["credentials"], seq, late=True)
        for item in data["credentials"]:
            expected[item["category"]] += 1
        if not same_json(data["electorate"], expected):
            raise RecordError("open_count", "the electorate after the addition differs from the credential list", seq)

    def _add_credentials(self, items: list[Any], seq: int, *, late: bool) -> None:
        keys = []
        new: dict[str, tuple[str, str]] = {}
        new_voters: set[str] = set()
        for item in items:
            if not isinstance(item, dict) or set(item) != {"credential", "category", "voter"} \
                    or not is_hex(item["credential"], 64) or item["category"] not in CATEGORIES \
                    or not is_hex(item["voter"], VOTER_HEX):
                raise RecordError("credential_format", "each credential is 64 hex with category A or B and a voter pseudonym", seq)
            cred, voter = item["credential"], item["voter"]
            if cred in self.credentials or cred in new:
                raise RecordError("credential_duplicate", f"credential {cred[:12]}... listed twice", seq)
            if voter in self.active_credential or voter in new_voters:
                raise RecordError("voter_duplicate", f"voter {voter[:8]}... already holds an unrevoked credential", seq)
            if self.opened and not late and voter not in self.voter_category:
                raise RecordError("credential_after_open", "after the opening, a credential replaces a revoked one only", seq)
            if voter in self.voter_category and self.voter_category[voter] != item["category"]:
                raise RecordError("credential_format", f"voter {voter[:8]}... changes category", seq)
            if not self.trusted and not is_full_order_key(cred):
                raise RecordError("credential_format", f"credential {cred[:12]}... is not an Ed25519 key of full order", seq)
            keys.append(cred)
            new[cred] = (voter, item["category"])
            new_voters.add(voter)
        if keys != sorted(keys):
            raise RecordError("credential_format", "credentials must be sorted (the list must not reveal the roll order)", seq)
        for cred, (voter, cat) in new.items():
            self.credential_number[cred] = len(self.credential_list)
            self.credential_list.append(cred)
            self.credentials[cred] = cat
            self.voter_of[cred] = voter
            self.active_credential[voter] = cred
            self.voter_category[voter] = cat

    def _apply_revocation(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if self.closed:
            raise RecordError("order", "revocation after close", seq)
        self._check_election_field(data, seq)
        if set(data) != {"election", "credential"}:
            raise RecordError("event_format", "a revocation has exactly election, credential", seq)
        cred = data["credential"]
        if cred not in self.credentials:
            raise RecordError("unknown_credential", "revocation of a credential not on the list", seq)
        if cred in self.revoked:
            raise RecordError("revocation", f"credential {cred[:12]}... is already revoked", seq)
        self.revoked.add(cred)
        self.active_credential.pop(self.voter_of[cred], None)
        last = self.last_by_credential.pop(cred, None)  # its ballots no longer count
        if last is not None:
            last.ended = seq

    def electorate(self) -> dict[str, int]:
        """Unrevoked credentials per category (one per voter)."""
        out = {cat: 0 for cat in CATEGORIES}
        for cred in self.active_credential.values():
            out[self.credentials[cred]] += 1
        return out

    def open_data(self) -> dict[str, Any]:
        return {"election": self.el.fingerprint, "electorate": self.electorate()}

    def _apply_open(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if self.public_key is None or self.opened or not self.credentials:
            raise RecordError("order", "the opening needs the election key and credentials, once", seq)
        self._check_election_field(data, seq)
        if not same_json(data, self.open_data()):
            raise RecordError("open_count", "the opening's electorate differs from the credential list", seq)
        self.opened = True
        self.agenda.add("open", seq)

    # -- voting (the BallotBoard of the acceptance rule) ----------------------------
    def ballot_stage(self) -> str:
        if self.closed or (self.opened and not self.open_contests()):
            return "closed"
        return "open" if self.opened else "before_open"

    def open_contests(self) -> list[str]:
        """The contests whose vote is not closed yet (in definition order)."""
        if self.closed or self.election is None:
            return []
        return [c.id for c in self.el.contests if c.id not in self.closed_contests]

    def credential_status(self, credential: str) -> str | None:
        if credential not in self.credentials:
            return None
        return "revoked" if credential in self.revoked else "active"

    def tracker_seen(self, tracker: str) -> bool:
        return tracker in self.trackers

    def alpha_owners(self, alphas: tuple[str, ...]) -> set[str]:
        owners = set()
        for alpha in alphas:
            at = self.copy_index.get(_alpha_key(alpha))
            if at is not None:
                owners.add(self.credential_list[at])
        return owners

    def latest_tracker(self, credential: str) -> str | None:
        return self.latest_by_credential.get(credential)

    def check_new_ballot(
        self, ballot: Any, seq: int | None = None, ballot_bytes: bytes | None = None
    ) -> tuple[str, str | None]:
        """The acceptance rule without the crypto: returns (tracker, supersedes)."""
        prepared = prepare_ballot(self.el, self.public_key, ballot, verify=False, ballot_bytes=ballot_bytes, seq=seq)
        return prepared.tracker, check_ballot_on_board(self, prepared, seq)

    def ballot_event_data(self, ballot: dict[str, Any]) -> dict[str, Any]:
        """The whole acceptance rule; the ``ballot`` event data to append."""
        if self.election is None:
            raise RecordError("ballot_before_open", "no election yet")
        return accept_ballot(self.el, self.public_key, self, ballot)

    def _apply_ballot(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if set(data) != {"ballot", "tracker", "supersedes"}:
            raise RecordError("event_format", "a ballot event has exactly ballot, tracker, supersedes", seq)
        ballot = data["ballot"]
        prepared = prepare_ballot(self.el, self.public_key, ballot, verify=False,
                                  ballot_bytes=self._ballot_bytes, seq=seq)
        supersedes = check_ballot_on_board(self, prepared, seq)
        if not self.defer_ballots:
            verify_ballot_crypto(self.el, self.public_key, prepared, seq)
        if data["tracker"] != prepared.tracker:
            raise RecordError("tracker", "the tracker is not the hash of the ballot", seq)
        if data["supersedes"] != supersedes:
            raise RecordError("supersession", "the ballot does not name the credential's previous ballot as superseded", seq)
        cred = prepared.credential
        entry = BallotEntry(seq, cred, self.credentials[cred], prepared.tracker, ballot if self.keep_ballots else None)
        prev = self.last_by_credential.get(cred)
        if prev is not None:
            prev.superseded_by, prev.ended = prepared.tracker, seq
        self.last_by_credential[cred] = entry
        self.latest_by_credential[cred] = prepared.tracker
        self.ballots.append(entry)
        self.trackers.add(prepared.tracker)
        me = self.credential_number[cred]
        for alpha in prepared.alphas:
            self.copy_index.setdefault(_alpha_key(alpha), me)

    def apply_indexed_ballot(self, seq: int, event_hash: str, credential: str, tracker: str) -> None:
        """A ballot event of a trusted board, from its index row (seq, hash, credential, tracker)
        without its body: only its effects (supersession, counts, the chain's head)."""
        if not self.trusted or seq != self.events or credential not in self.credentials:
            raise RecordError("sequence", "indexed ballots only on a trusted board, in order", seq)
        entry = BallotEntry(seq, credential, self.credentials[credential], tracker, {})
        prev = self.last_by_credential.get(credential)
        if prev is not None:
            prev.superseded_by, prev.ended = tracker, seq
        self.last_by_credential[credential] = entry
        self.latest_by_credential[credential] = tracker
        self.ballots.append(entry)
        self.trackers.add(tracker)
        self.counts["ballot"] = self.counts.get("ballot", 0) + 1
        self.last = {"seq": seq, "hash": event_hash}
        self.events += 1

    # -- holding items back at the opening, opening them later ---------------------------
    def waiting_contests(self) -> list[str]:
        """The contests held back at the opening whose vote the chair has not opened yet."""
        if self.closed or self.election is None:
            return []
        return [c.id for c in self.el.contests if c.id in self.agenda.held and c.id not in self.agenda.opened]

    @property
    def per_contest(self) -> bool:
        """Whether contests count apart (items closed or held apart): the tally then states
        ``contest_counted``."""
        return bool(self.item_closes or self.agenda.held)

    def _item_names(self, data: dict[str, Any], keys: set[str], code: str, seq: int) -> list[str]:
        if set(data) != keys or not isinstance(data["contests"], list) or not data["contests"]:
            raise RecordError("event_format", f"an {code.replace('_', ' ')} has exactly {', '.join(sorted(keys))} "
                              "(contests not empty)", seq)
        self._check_election_field(data, seq)
        order = [c.id for c in self.el.contests]
        names = data["contests"]
        if not all(isinstance(c, str) and c in order for c in names) \
                or names != sorted(set(names), key=order.index):
            raise RecordError(code, f"an {code.replace('_', ' ')} names contests of the definition, once each, "
                              "in its order", seq)
        return names

    def item_hold_data(self, contests: Iterable[str]) -> dict[str, Any]:
        """The ``item_hold`` event data holding ``contests`` back (right after the opening)."""
        wanted = set(contests)
        return {"election": self.el.fingerprint, "contests": [c.id for c in self.el.contests if c.id in wanted]}

    def _apply_item_hold(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if self.agenda.open_seq is None or seq != self.agenda.open_seq + 1:
            raise RecordError("order", "items are held back by the event right after the opening", seq)
        self.agenda.add("item_hold", seq, self._item_names(data, {"election", "contests"}, "item_hold", seq))

    def item_open_data(self, contests: Iterable[str]) -> dict[str, Any]:
        """The ``item_open`` event data opening held-back ``contests`` (one agenda item's)."""
        wanted = set(contests)
        return {"election": self.el.fingerprint, "contests": [c.id for c in self.el.contests if c.id in wanted]}

    def _apply_item_open(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if not self.opened or self.closed:
            raise RecordError("order", "an item opens after the opening, before the close", seq)
        names = self._item_names(data, {"election", "contests"}, "item_open", seq)
        waiting = set(self.waiting_contests())
        wrong = [c for c in names if c not in waiting]
        if wrong:
            raise RecordError("item_open", f"contest {wrong[0]} was not held back or is already open", seq)
        self.agenda.add("item_open", seq, names)

    # -- closing the vote item by item -------------------------------------------------
    def item_close_data(self, contests: Iterable[str]) -> dict[str, Any]:
        """The ``item_close`` event data closing ``contests`` (one agenda item's contests)."""
        wanted = set(contests)
        return {"election": self.el.fingerprint, "contests": [c.id for c in self.el.contests if c.id in wanted],
                "counted": len(self.last_by_credential), "head": self.last["hash"] if self.last else GENESIS_PREV}

    def _apply_item_close(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if not self.opened or self.closed:
            raise RecordError("order", "an item closes after the opening, before the close", seq)
        if set(data) != {"election", "contests", "counted", "head"} or not isinstance(data["contests"], list) \
                or not data["contests"]:
            raise RecordError("event_format", "an item close has exactly election, contests (not empty), counted, head", seq)
        self._check_election_field(data, seq)
        order = [c.id for c in self.el.contests]
        names = data["contests"]
        if not all(isinstance(c, str) and c in order for c in names) \
                or names != sorted(set(names), key=order.index):
            raise RecordError("item_close", "an item close names contests of the definition, once each, in its order", seq)
        again = [c for c in names if c in self.closed_contests]
        if again:
            raise RecordError("item_close", f"contest {again[0]} is already closed", seq)
        waiting = [c for c in names if c in self.waiting_contests()]
        if waiting:
            raise RecordError("item_close", f"contest {waiting[0]} is not open yet", seq)
        if not same_json(data, self.item_close_data(names)):
            raise RecordError(
                "close_count",
                f"the item close counts {data.get('counted')} at head {str(data.get('head'))[:12]}..., "
                f"the board holds {len(self.last_by_credential)}", seq)
        item = ItemClose(seq, tuple(names), dict(self.last_by_credential))
        self.item_closes.append(item)
        for cid in names:
            self.closed_contests[cid] = item
        self.agenda.add("item_close", seq, names)

    def window(self, contest: str) -> Window:
        return self.agenda.window(contest)

    def counted_for(self, contest: str) -> Mapping[str, BallotEntry]:
        """The ballots that count for ``contest`` by :func:`counts_within`, among the last ballot of
        each credential unrevoked at that contest's close (its item close, else now): the others
        ended before it."""
        window = self.window(contest)
        if self._counted_at != self.events:
            self._counted, self._counted_at = {}, self.events
        if window not in self._counted:
            item = self.closed_contests.get(contest)
            last = item.counted if item is not None else self.last_by_credential
            self._counted[window] = {cred: entry for cred, entry in last.items()
                                     if counts_within(entry.seq, entry.ended, window)}
        return self._counted[window]

    def contest_counted(self) -> dict[str, dict[str, int]]:
        """Per contest, the counted ballots per category."""
        out = {}
        for c in self.el.contests:
            per = {cat: 0 for cat in CATEGORIES}
            for entry in self.counted_for(c.id).values():
                per[entry.category] += 1
            out[c.id] = per
        return out

    def close_data(self) -> dict[str, Any]:
        return {"election": self.el.fingerprint, "ballots": len(self.ballots), "counted": len(self.last_by_credential),
                "head": self.last["hash"] if self.last else GENESIS_PREV}

    def _apply_close(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if not self.opened or self.closed:
            raise RecordError("order", "close before the opening or twice", seq)
        self._check_election_field(data, seq)
        if not same_json(data, self.close_data()):
            raise RecordError(
                "close_count",
                f"the close event counts {data.get('ballots')} ballots / {data.get('counted')} counted at head "
                f"{str(data.get('head'))[:12]}..., the board holds {len(self.ballots)} / {len(self.last_by_credential)}",
                seq,
            )
        self.closed = True
        self.close_hash = event["hash"]
        self.close_data_seen = data

    @property
    def close_head(self) -> str | None:
        """The board's head when the box closed (what the close event and the seal name)."""
        return self.close_data_seen["head"] if self.close_data_seen else None

    def seal_data(self, trustee: str) -> dict[str, Any]:
        """What a scrutineer signs (then adds ``signature``): the close event, its count and head."""
        assert self.close_data_seen is not None and self.close_hash is not None
        return {"election": self.el.fingerprint, "trustee": trustee, "close": self.close_hash,
                "counted": self.close_data_seen["counted"], "head": self.close_data_seen["head"]}

    def _apply_seal_signature(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if not self.closed or self.close_hash is None:
            raise RecordError("order", "a seal signature before the close", seq)
        if set(data) != {"election", "trustee", "close", "counted", "head", "signature"}:
            raise RecordError("seal", "a seal signature has exactly election, trustee, close, counted, head, signature", seq)
        if not self.trusted:
            verify_trustee_signature(self.el, "seal_signature", data)
        self._check_election_field(data, seq)
        who = data["trustee"]
        if who in self.seals:
            raise RecordError("duplicate_trustee", f"trustee {who} signed the seal twice", seq)
        if not same_json({k: v for k, v in data.items() if k != "signature"}, self.seal_data(who)):
            raise RecordError("seal", f"trustee {who} signed another close, count or head", seq)
        self.seals[who] = data

    def missing_seals(self) -> list[str]:
        return [t.id for t in self.el.trustees if t.id not in self.seals]

    # -- tally -------------------------------------------------------------------
    def counted_by_category(self) -> dict[str, int]:
        out = {cat: 0 for cat in CATEGORIES}
        for entry in self.last_by_credential.values():
            out[entry.category] += 1
        return out

    def counted_sums(self) -> Sums:
        """Homomorphic sum of the last ballot of every unrevoked credential, per category."""
        if self.compute_sums is not None:
            return self.compute_sums(self)
        if not self.keep_ballots:
            raise RecordError("tally_sum", "this replay does not keep ballots: the caller sums them (compute_sums)")
        flat = sum_ballots(self.el, ((e.category, e.ballot) for e in self.last_by_credential.values()))
        out = sums_to_json(self.el, flat)
        # Contests counted apart (closed or held apart): from the ballots that count for each.
        apart: dict[Window, list[str]] = {}
        for c in self.el.contests:
            if c.id in self.closed_contests or c.id in self.agenda.held:
                apart.setdefault(self.window(c.id), []).append(c.id)
        for cids in apart.values():
            own = sums_to_json(self.el, sum_ballots(self.el, ((e.category, e.ballot)
                                                              for e in self.counted_for(cids[0]).values())))
            for cat in CATEGORIES:
                for cid in cids:
                    out[cat][cid] = own[cat][cid]
        return out

    def tally_data(self, sums: Sums | None = None) -> dict[str, Any]:
        """The ``tally`` event data (``sums``: the counted sums when already known, e.g. kept running)."""
        counted = self.counted_by_category()
        sums = sums if sums is not None else self.counted_sums()
        data = {"election": self.el.fingerprint, "counted": counted, "sums": sums}
        if self.per_contest:
            per_contest = self.contest_counted()
            data["contest_counted"] = per_contest
            data["decrypt"] = decrypt_sums(self.el, sums, contest_groups(self.el, per_contest, self.el.min_ballots))
        else:
            data["decrypt"] = decrypt_sums(self.el, sums, published_groups(counted, self.el.min_ballots))
        return data

    def _apply_tally(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if not self.closed or self.tally_hash is not None:
            raise RecordError("order", "tally before close or twice", seq)
        if len(self.seals) < self.el.threshold:
            raise RecordError("not_enough_seals", f"{len(self.seals)} of {self.el.threshold} scrutineers signed the seal; "
                              f"missing: {', '.join(self.missing_seals())}", seq)
        self._check_election_field(data, seq)
        members = {"election", "counted", "sums", "decrypt"} | ({"contest_counted"} if self.per_contest else set())
        if set(data) != members:
            raise RecordError("event_format", "tally malformed (contest_counted exactly when items were closed)", seq)
        if not same_json(data["counted"], self.counted_by_category()):
            raise RecordError("tally_count", "the tally counts other ballots than the last per credential", seq)
        if self.per_contest and not same_json(data["contest_counted"], self.contest_counted()):
            raise RecordError("tally_count", "the tally counts, for a contest, other ballots than those placed "
                              "while it was open", seq)
        self._check_sums_shape(data["sums"], seq)
        if not self.defer_ballots and not same_json(data["sums"], self.counted_sums()):
            raise RecordError("tally_sum", "the encrypted tally is not the product of the counted ballots", seq)
        if self.per_contest:
            groups: Any = contest_groups(self.el, data["contest_counted"], self.el.min_ballots)
        else:
            groups = published_groups(data["counted"], self.el.min_ballots)
        expected = decrypt_sums(self.el, data["sums"], groups)
        if not same_json(data["decrypt"], expected):
            raise RecordError("tally_decrypt", "the totals to decrypt are not those the minimum count allows", seq)
        self.tally_seq = seq
        self.tally_hash = event["hash"]
        self.tally_sums = data["sums"]
        self.tally_decrypt = data["decrypt"]
        self.tally_counted = data["counted"]
        self.tally_contest_counted = data.get("contest_counted")

    def _check_sums_shape(self, sums: Any, seq: int) -> None:
        ok = isinstance(sums, dict) and set(sums) == set(CATEGORIES)
        if ok:
            for cat in CATEGORIES:
                per = sums[cat]
                if not isinstance(per, dict) or set(per) != {c.id for c in self.el.contests}:
                    ok = False
                    break
                for c in self.el.contests:
                    if not isinstance(per[c.id], dict) or set(per[c.id]) != set(c.choices):
                        ok = False
                        break
                    for ct in per[c.id].values():
                        if not isinstance(ct, dict) or set(ct) != {"alpha", "beta"}:
                            ok = False
                            break
                        Element.from_hex(ct["alpha"], allow_identity=True)
                        Element.from_hex(ct["beta"], allow_identity=True)
        if not ok:
            raise RecordError("event_format", "tally sums must cover every category, contest and choice", seq)

    def _apply_partial_decryption(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        if self.tally_hash is None or self.tally_decrypt is None:
            raise RecordError("order", "partial decryption before the tally", seq)
        if not self.tally_decrypt:
            raise RecordError("order", "nothing to decrypt: every count is withheld", seq)
        who = data.get("trustee") if isinstance(data, dict) else None
        if who in self.decryptions:
            raise RecordError("duplicate_decryption", f"trustee {who} decrypted twice", seq)
        if who not in self.shares:
            raise RecordError("unknown_trustee", f"{who!r} is not a trustee of this election", seq)
        factors = decryption_factors(data) if self.trusted else \
            verify_partial_decryption(self.el, data, self.shares[who], self.tally_decrypt, self.tally_hash)
        self.decryptions[who] = factors
        self.decryption_order.append(who)

    def missing_trustees(self) -> list[str]:
        return [t.id for t in self.el.trustees if t.id not in self.decryptions]

    def result_data(self) -> dict[str, Any]:
        """The result from the first k partial decryptions in record order."""
        el = self.el
        if self.tally_decrypt is None or self.tally_counted is None or self.tally_hash is None:
            raise RecordError("order", "the result follows the tally")
        if self.tally_decrypt and len(self.decryptions) < el.threshold:
            raise RecordError(
                "not_enough_trustees",
                f"{len(self.decryptions)} of {el.threshold} partial decryptions; missing: {', '.join(self.missing_trustees())}",
            )
        used = self.decryption_order[: el.threshold] if self.tally_decrypt else []
        used.sort(key=el.trustee_index)
        factors = {el.trustee_index(t): self.decryptions[t] for t in used}
        counts = decrypt_counts(el, self.tally_decrypt, factors, self.tally_counted, self.tally_contest_counted)
        return compute_result(el, counts, self.tally_counted, self.electorate(), used, self.tally_hash,
                              self.tally_contest_counted)

    def _apply_result(self, seq: int, event: Any, data: dict[str, Any]) -> None:
        expected = self.result_data()
        if set(data) != set(expected):
            raise RecordError("event_format", "result malformed", seq)
        for key in ("election", "tally", "trustees", "electorate", "counted", "min_ballots", "published", "counts"):
            if not same_json(data[key], expected[key]):
                raise RecordError("result_count", f"the result's {key} differ from the decrypted tally", seq)
        for c in self.el.contests:
            got = data["outcomes"].get(c.id) if isinstance(data["outcomes"], dict) else None
            if not same_json(got, expected["outcomes"][c.id]):
                code = "result_seats" if c.kind == "board" else "result_outcome"
                raise RecordError(code, f"contest {c.id}: the declared outcome does not follow from the counts", seq)
        if not same_json(data["outcomes"], expected["outcomes"]):
            raise RecordError("result_outcome", "the result declares outcomes for unknown contests", seq)
        self.result = data


def _alpha_key(alpha: str) -> int:
    return CopyIndex.key(b"alpha:", alpha)


def replay(events: Iterable[Any], *, defer_ballots: bool = False) -> RecordState:
    state = RecordState(defer_ballots=defer_ballots)
    for event in events:
        state.apply(event)
    return state


__all__ = [
    "GENESIS_PREV",
    "RECORD_FORMAT",
    "RecordError",
    "RecordState",
    "BallotBoard",
    "PreparedBallot",
    "BallotStanding",
    "Window",
    "accept_ballot",
    "append_event",
    "ballot_standing",
    "AgendaWindows",
    "WINDOW_EVENTS",
    "counts_within",
    "check_ballot_on_board",
    "check_link",
    "prepare_ballot",
    "verify_ballot_crypto",
    "event_hash",
    "make_event",
    "record_document",
    "rechain",
    "replay",
    "flat_choices",
]
