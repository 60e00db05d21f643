"""Read-side selects for the voting pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import lazyload, load_only

from app.extensions import db
from app.models import Account
from shares.models import Member
from voting.models import BoardEvent, CastBallot, Credential, Election, ElectionState, Trustee
from voting.record import WINDOW_EVENTS, AgendaWindows, Window, ballot_standing

PAGE_SIZE = 50


def election_by_slug(slug: str) -> Election:
    election = db.session.scalar(select(Election).where(Election.slug == slug))
    if election is None:
        abort(404)
    return election


# Built once (as voting.services' casting statements are): every cast runs it.
_FOR_CASTING = select(Election).where(Election.slug == bindparam("slug")).options(
    load_only(Election.id, Election.slug, Election.title, Election.state, Election.require_login,
              Election.fingerprint, Election.public_key, Election.assembly_id, Election.agenda_head), lazyload(Election.trustees))


def election_for_casting(slug: str) -> Election:
    """The election as casting needs it: its state, key and assembly (whose proxies count), not its
    definition (parsed once per process by voting.services) nor its trustees."""
    election = db.session.scalar(_FOR_CASTING, {"slug": slug})
    if election is None:
        abort(404)
    return election


def elections() -> list[Election]:
    return list(db.session.scalars(select(Election).order_by(Election.created_at.desc(), Election.id.desc())))


# States in which the people preparing or counting wait on each other; an open box moves with every ballot.
WAITING_STATES = ("setup", "keygen", "closed")


def progress_stamp(election: Election) -> str:
    """What a waiting page depends on: the state, the scrutineers' keys registered (setup puts nothing on
    the board) and the board's last event. Another stamp: the page is out of date. While the box is
    open its ballots are not moves: a page watching an open box (a scrutineer's) waits for its close."""
    last = (db.session.scalar(select(func.max(BoardEvent.seq)).where(BoardEvent.election_id == election.id))
            if election.state is not ElectionState.OPEN else None)
    keys = db.session.scalar(select(func.count(Trustee.id)).where(Trustee.election_id == election.id,
                                                                  Trustee.signing_key.is_not(None)))
    return f"{election.state.value}.{keys}.{last or 0}"


def voter_status(account_id: int) -> dict[int, bool]:
    """The elections in which the account's member who votes there (:func:`voter_contact`'s: the membership
    a credential of it was delivered to, the newest if several; a former member who applied again votes
    through the one the record date found) holds a credential still valid, and whether a ballot of it counts."""
    counted = select(CastBallot.id).where(CastBallot.credential_id == Credential.id,
                                          CastBallot.superseded_by_tracker.is_(None)).exists()
    rows = db.session.execute(select(Credential.election_id, Credential.member_id, Credential.revoked_at.is_(None),
                                     counted).join(Member, Member.id == Credential.member_id)
                              .where(Member.account_id == account_id).order_by(Credential.member_id)).all()
    voter = {election_id: member_id for election_id, member_id, _, _ in rows}  # the newest membership last
    return {election_id: counts for election_id, member_id, valid, counts in rows
            if valid and member_id == voter[election_id]}


def trustee_for(election: Election, trustee_id: str) -> Trustee:
    for t in election.trustees:
        if t.trustee_id == trustee_id:
            return t
    abort(404)


def trustees_of_account(election: Election, account_id: int) -> list[Trustee]:
    return [t for t in election.trustees if t.account_id == account_id]


@dataclass
class BoardRow:
    seq: int
    type: str
    hash: str
    created_at: object
    tracker: str | None
    superseded_by: str | None


def board_page(election: Election, page: int = 1, event_type: str | None = None) -> tuple[list[BoardRow], int]:
    """One page of events (newest last) without their data: ballots carry their tracker."""
    where = [BoardEvent.election_id == election.id]
    if event_type:
        where.append(BoardEvent.type == event_type)
    total = db.session.scalar(select(func.count(BoardEvent.id)).where(*where)) or 0
    query = (select(BoardEvent.seq, BoardEvent.type, BoardEvent.hash, BoardEvent.created_at,
                    CastBallot.tracker, CastBallot.superseded_by_tracker)
             .outerjoin(CastBallot, (CastBallot.election_id == BoardEvent.election_id) & (CastBallot.seq == BoardEvent.seq))
             .where(*where).order_by(BoardEvent.seq).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return [BoardRow(*row) for row in db.session.execute(query)], total


def board_page_number(seq: int) -> int:
    """The page of :func:`board_page` (every event) that lists the event ``seq``: events count from 0, one
    after the other."""
    return seq // PAGE_SIZE + 1


_CLOSED_BEFORE = select(BoardEvent.data).where(
    BoardEvent.election_id == bindparam("election"), BoardEvent.type == "item_close",
    BoardEvent.seq < select(CastBallot.seq).where(CastBallot.election_id == bindparam("election"),
                                                  CastBallot.tracker == bindparam("tracker")).scalar_subquery())


def closed_before_ballot(election_id: int, tracker: str) -> list[str]:
    """The contests whose vote had closed item by item when this ballot reached the board: its part
    for them does not count (docs/election-record.md 5.8a). For a ballot sent again (a new one's
    answer takes them from the cast, voting.services.Cast). By the election's id: the view asks
    after the failed transaction, when the election row has expired (reading it again would load it
    whole)."""
    rows = db.session.scalars(_CLOSED_BEFORE, {"election": election_id, "tracker": tracker})
    return sorted({contest for data in rows for contest in data["contests"]})


def find_tracker(election: Election, text: str) -> list[CastBallot]:
    """Ballots whose tracker is ``text`` or starts with it (at least 8 hex characters)."""
    text = text.strip().lower()
    if len(text) < 8 or any(c not in "0123456789abcdef" for c in text):
        return []
    query = select(CastBallot).where(CastBallot.election_id == election.id)
    query = query.where(CastBallot.tracker == text) if len(text) == 64 else \
        query.where(CastBallot.tracker.startswith(text, autoescape=True))
    return list(db.session.scalars(query.order_by(CastBallot.seq).limit(20)))


@dataclass(frozen=True)
class TrackerStanding:
    """Whether a ballot found by its tracker counts, by the tally's rule (docs/election-record.md
    5.7a, 5.8a, 5.8b, decided by voting.record.ballot_standing): the contests it counts for
    (``counted``); those whose vote had closed when it landed (``closed_before``) or was held back,
    not open yet (``held``); a superseded ballot, or one whose credential was revoked, still counts
    for the contests that closed in between (``kept_for``)."""

    ballot: CastBallot
    revoked: bool
    counted: tuple[str, ...]
    closed_before: tuple[str, ...]
    held: tuple[str, ...]
    kept_for: tuple[str, ...]


def contest_windows(election: Election) -> dict[str, Window]:
    """Every contest's window, in definition order, from the few events that make them (one
    indexed query, whatever the number of ballots)."""
    agenda = AgendaWindows()
    for etype, seq, data in db.session.execute(select(BoardEvent.type, BoardEvent.seq, BoardEvent.data).where(
            BoardEvent.election_id == election.id, BoardEvent.type.in_(WINDOW_EVENTS)).order_by(BoardEvent.seq)):
        agenda.add(etype, seq, data.get("contests", ()))
    return {c["id"]: agenda.window(c["id"]) for c in election.definition["contests"]}


def tracker_standings(election: Election, ballots: list[CastBallot]) -> list[TrackerStanding]:
    """The standing of each of ``ballots`` (those :func:`find_tracker` found: a few), from the
    facts gathered by indexed reads; the board is not replayed."""
    if not ballots:
        return []
    revoked = dict(db.session.execute(select(Credential.id, Credential.revoked_seq).where(
        Credential.id.in_({b.credential_id for b in ballots}), Credential.revoked_at.is_not(None))).all())
    successors = dict(db.session.execute(select(CastBallot.tracker, CastBallot.seq).where(
        CastBallot.election_id == election.id,
        CastBallot.tracker.in_({b.superseded_by_tracker for b in ballots if b.superseded_by_tracker}))).all())
    windows = contest_windows(election)
    out = []
    for b in ballots:
        later = [successors[b.superseded_by_tracker]] if b.superseded_by_tracker else []
        standing = ballot_standing(b.seq, later, revoked.get(b.credential_id), windows)
        ended = bool(later) or b.credential_id in revoked
        out.append(TrackerStanding(b, b.credential_id in revoked, standing.counted, standing.closed_before,
                                   standing.held, standing.counted if ended else ()))
    return out


def step_counts(election: Election) -> dict[str, int]:
    """What ``services.officer_steps`` needs of the board's counts, in two small queries (the home
    page's tasks ask it for every election waiting for its officer)."""
    credentials = db.session.scalar(select(func.count(Credential.id)).where(Credential.election_id == election.id))
    decryptions = db.session.scalar(select(func.count(BoardEvent.id)).where(
        BoardEvent.election_id == election.id, BoardEvent.type == "partial_decryption"))
    return {"credentials": credentials or 0, "partial_decryptions": decryptions or 0}


def voted_members(election_id: int | None, member_ids: list[int] | None = None, before_seq: int | None = None):
    """Members with a counted ballot: one on a credential delivered to them and not revoked (a
    revoked credential's ballots no longer count). Read from the credentials, apart from the
    ballots' content; officers see it, scrutineers do not. ``before_seq``: ballots on the board
    before that event only. The one definition of "voted": the officer's page (board_counts), the
    chair's console, the roll and the projector."""
    if election_id is None:
        return select(Credential.member_id).where(False)
    query = (select(Credential.member_id).distinct().join(CastBallot, CastBallot.credential_id == Credential.id)
             .where(Credential.election_id == election_id, Credential.revoked_at.is_(None),
                    Credential.member_id.is_not(None)))
    if member_ids is not None:
        query = query.where(Credential.member_id.in_(member_ids))
    if before_seq is not None:
        query = query.where(CastBallot.seq < before_seq)
    return query


def board_counts(election: Election) -> dict[str, int]:
    eid = election.id
    by_type = dict(db.session.execute(select(BoardEvent.type, func.count(BoardEvent.id))
                                      .where(BoardEvent.election_id == eid).group_by(BoardEvent.type)).all())
    ballots = by_type.get("ballot", 0)
    counted = db.session.scalar(select(func.count(CastBallot.id)).join(
        Credential, Credential.id == CastBallot.credential_id).where(
        CastBallot.election_id == eid, CastBallot.superseded_by_tracker.is_(None),
        Credential.revoked_at.is_(None))) or 0
    credentials = db.session.scalar(select(func.count(Credential.id)).where(Credential.election_id == eid)) or 0
    revoked = db.session.scalar(select(func.count(Credential.id)).where(
        Credential.election_id == eid, Credential.revoked_at.is_not(None))) or 0
    voters = db.session.scalar(select(func.count()).select_from(voted_members(eid).subquery())) or 0
    return {"events": sum(by_type.values()), "ballots": ballots, "counted": counted,
            "superseded": db.session.scalar(select(func.count(CastBallot.id)).where(
                CastBallot.election_id == eid, CastBallot.superseded_by_tracker.is_not(None))) or 0, "credentials": credentials, "revoked": revoked,
            "roll": voters, "partial_decryptions": by_type.get("partial_decryption", 0)}


def event_data(election: Election, event_type: str) -> list[dict]:
    """The data of every event of one type, in order (trustee steps, tally, result: small)."""
    return [row.data for row in db.session.scalars(
        select(BoardEvent).options(load_only(BoardEvent.data)).where(
            BoardEvent.election_id == election.id, BoardEvent.type == event_type).order_by(BoardEvent.seq))]


def credential_owner(election: Election, public: str) -> int | None:
    """The id of the member a credential of this election was delivered to (None: not known)."""
    return db.session.scalar(select(Credential.member_id).where(Credential.election_id == election.id,
                                                                Credential.public == public))


def credential_revoked_at(election: Election, public: str) -> datetime | None:
    """When a credential of this election was revoked (None: it was not, or is not known)."""
    return db.session.scalar(select(Credential.revoked_at).where(Credential.election_id == election.id,
                                                                 Credential.public == public))


def proxy_giver_name(election: Election, public: str, member_id: int) -> str | None:
    """The name of the member a credential was delivered to when it is not ``member_id`` (who then
    casts with it as their proxy), else None."""
    giver = db.session.scalar(select(Member).join(Credential, Credential.member_id == Member.id).where(
        Credential.election_id == election.id, Credential.public == public, Credential.member_id != member_id))
    return giver.name if giver is not None else None


def has_live_credential(election: Election, member_id: int) -> bool:
    """Whether a credential of this election delivered to the member still votes (not revoked)."""
    return db.session.scalar(select(Credential.id).where(Credential.election_id == election.id,
                                                         Credential.member_id == member_id,
                                                         Credential.revoked_at.is_(None)).limit(1)) is not None


def delivered_credential(election: Election, member_id: int) -> bool:
    """Whether a credential of this election was ever delivered to the member (a revoked one too)."""
    return db.session.scalar(select(Credential.id).where(Credential.election_id == election.id,
                                                         Credential.member_id == member_id).limit(1)) is not None


def has_voted(election: Election, member_id: int) -> bool:
    return db.session.scalar(select(CastBallot.id).join(Credential, Credential.id == CastBallot.credential_id).where(
        Credential.election_id == election.id, Credential.member_id == member_id).limit(1)) is not None


_VOTER_CONTACT = (select(Member.id, Account.email, Account.language).join(Account, Account.id == Member.account_id)
                  .where(Member.account_id == bindparam("account"))
                  .order_by(select(Credential.id).where(Credential.member_id == Member.id,
                                                        Credential.election_id == bindparam("election"))
                            .exists().desc(), Member.id.desc())
                  .limit(1))  # built once: every signed-in cast runs it


def voter_contact(election: Election, account_id: int):
    """The account's member who votes in this election, as ``id``, ``email`` and ``language`` (as
    shares.queries.member_contact gives it): the membership a credential of this election was delivered
    to, else the current one. A former member who applied again after an assembly's record date votes
    through the membership the record date found; their new one is not in that electorate."""
    return db.session.execute(_VOTER_CONTACT, {"account": account_id, "election": election.id}).first()
