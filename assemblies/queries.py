"""Read-side selects for the assembly pages: lists, the roll, turnout, results."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort
from sqlalchemy import func, or_, select

from app.clock import brussels_day, today
from app.extensions import db
from assemblies import rules
from assemblies.models import AgendaItem, Assembly, CheckIn, Elector, ItemKind, Proxy
from shares.models import Member, fold
from shares.queries import holds_word, member_for_account
from voting import services as voting
from voting.models import Credential, Election
from voting.queries import voted_members


def elector_membership(assembly: Assembly, account_id: int) -> Member | None:
    """The account's membership in this assembly's electorate, or None. A former member who applied again
    after the record date takes part through the membership the record date found (their new one is not
    in this electorate), as its voting link does (voting.queries.voter_contact)."""
    return db.session.scalar(
        select(Member).join(Elector, (Elector.member_id == Member.id) & (Elector.assembly_id == assembly.id)
                            & Elector.removed_at.is_(None))
        .where(Member.account_id == account_id).order_by(Member.id.desc()).limit(1))


def member_in(assembly: Assembly, account_id: int) -> Member | None:
    """The account's membership that takes part in this assembly: the one in its electorate, else the
    current one."""
    return elector_membership(assembly, account_id) or member_for_account(account_id)


def assemblies() -> list[Assembly]:
    return list(db.session.scalars(select(Assembly).order_by(Assembly.starts_at.desc())))


def assembly_by_slug(slug: str) -> Assembly:
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == slug))
    if assembly is None:
        abort(404)
    return assembly


def item_or_404(assembly: Assembly, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.assembly_id != assembly.id:
        abort(404)
    return item


def elector_or_404(assembly: Assembly, elector_id: int) -> Elector:
    elector = db.session.get(Elector, elector_id)
    if elector is None or elector.assembly_id != assembly.id:
        abort(404)
    return elector


def election(assembly: Assembly) -> Election | None:
    return db.session.get(Election, assembly.election_id) if assembly.election_id else None


def vote_items(assembly: Assembly) -> list[dict[str, Any]]:
    """Each voting agenda item, in order, with whether its vote is closed and, once closed, how
    many ballots count for it (the item close on the board): ``{"item", "contests", "closed",
    "counted", "waiting"}``. An item is closed by its own close or by the final close; ``waiting``:
    held back at the opening and not opened yet (its count is then not the board's: ``counted``
    is None for an item that was held back)."""
    from assemblies.services import item_contests
    from voting.models import ElectionState

    el = election(assembly)
    if el is None:
        return []
    closes = voting.item_closes(el)
    held, opened = voting.holds(el)
    final = voting.close_event(el) if el.state not in (ElectionState.SETUP, ElectionState.KEYGEN,
                                                       ElectionState.OPEN) else None
    out = []
    for item in assembly.items:
        contests = item_contests(item, el.definition) if item.kind is not ItemKind.INFORMATION else []
        if not contests:
            continue
        close = closes.get(contests[0])
        counted = close["counted"] if close else (final.data["counted"] if final is not None else None)
        closed = close is not None or final is not None
        if contests[0] in held:  # its window started at its open: the board's count is not its count
            counted = None
        out.append({"item": item, "contests": contests, "closed": closed,
                    "by_item": close is not None, "counted": counted,
                    "waiting": not closed and contests[0] in held and contests[0] not in opened})
    return out


ROLL_PAGE = 50  # as the register: a page a phone scrolls through


def roll(assembly: Assembly, page: int = 1, q: str = "") -> tuple[list[dict[str, Any]], int]:
    """One page of electors (by member number; ``q`` searches name, e-mail or number): convocation,
    proxy, presence and whether they voted (officers only). Returns (rows, total)."""
    from shares.models import Member, fold

    query = select(Elector).join(Member, Member.id == Elector.member_id).where(Elector.assembly_id == assembly.id)
    if q.strip():
        query = query.where(Member.search_text.contains(fold(q.strip()), autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    electors = db.session.scalars(query.order_by(Member.number).limit(ROLL_PAGE)
                                  .offset((max(page, 1) - 1) * ROLL_PAGE)).all()
    ids = [e.member_id for e in electors]
    voted = set(db.session.scalars(voted_members(assembly.election_id, ids)))
    present = set(db.session.scalars(select(CheckIn.member_id).where(CheckIn.assembly_id == assembly.id,
                                                                     CheckIn.member_id.in_(ids))))
    proxies = {p.giver_id: p for p in db.session.scalars(select(Proxy).where(
        Proxy.assembly_id == assembly.id, Proxy.active_giver.is_not(None), Proxy.giver_id.in_(ids)))}
    # Convened, and the link revoked with none sent since (a proxy withdrawn for a member without an
    # e-mail address): they need a letter from the officer.
    revoked = set(db.session.scalars(select(Credential.public).where(
        Credential.election_id == assembly.election_id, Credential.revoked_at.is_not(None),
        Credential.public.in_([e.credential_public for e in electors if e.credential_public])))) \
        if assembly.election_id else set()
    return [{"elector": e, "member": e.member, "voted": e.member_id in voted, "present": e.member_id in present,
             "proxy": proxies.get(e.member_id),
             "link_lost": e.convoked_at is not None and e.removed_at is None and e.credential_public in revoked}
            for e in electors], total


@dataclass
class Turnout:
    electorate: dict[str, int]
    voted: dict[str, int]
    present: dict[str, int]
    represented: dict[str, int]
    participants: int  # voted, present or represented (each member once)

    @property
    def percent(self) -> float:
        total = self.electorate.get("total", 0)
        return 100 * self.participants / total if total else 0.0


def _by_category(member_ids: set[int], categories: dict[int, str]) -> dict[str, int]:
    out = {"A": 0, "B": 0}
    for m in member_ids:
        if m in categories:
            out[categories[m]] += 1
    out["total"] = out["A"] + out["B"]
    return out


def vote_close(assembly: Assembly) -> dict[str, Any] | None:
    """The close of the whole vote on the board, ``{"seq", "at"}``, or None while it is not closed."""
    el = election(assembly)
    row = voting.close_event(el) if el is not None else None
    return {"seq": row.seq, "at": row.created_at} if row is not None else None


def turnout(assembly: Assembly, until: dict[str, Any] | None = None) -> Turnout:
    """Who takes part now, or (``until``: an item close, ``{"seq", "at"}``) when the chair closed
    that item's vote: the ballots on the board before it, the members checked in and the proxies
    standing at that moment, out of the electorate of that moment. A quorum is met, or not, when the vote
    on an item closes: a member who arrives later took no part in it, and one a late correction adds
    later was not entitled to vote on it. Once the whole vote is closed, "now" is its close: the figures
    the record sealed, which the results and the signed minutes state, whatever is done afterwards."""
    if until is None:
        until = vote_close(assembly)
    electors = select(Elector.member_id, Elector.category).where(Elector.assembly_id == assembly.id)
    if until is None:
        electors = electors.where(Elector.removed_at.is_(None))
    else:
        electors = electors.where(or_(Elector.added_at.is_(None), Elector.added_at <= until["at"]),
                                  or_(Elector.removed_at.is_(None), Elector.removed_at > until["at"]))
    categories = {m: c.value for m, c in db.session.execute(electors)}
    checked_in = select(CheckIn.member_id).where(CheckIn.assembly_id == assembly.id)
    proxies = select(Proxy.giver_id).where(Proxy.assembly_id == assembly.id)
    if until is None:
        proxies = proxies.where(Proxy.active_giver.is_not(None))
    else:
        checked_in = checked_in.where(CheckIn.checked_in_at <= until["at"])
        proxies = proxies.where(Proxy.created_at <= until["at"],
                                or_(Proxy.ended_at.is_(None), Proxy.ended_at > until["at"]))
    voted = set(db.session.scalars(voted_members(assembly.election_id,
                                                 before_seq=until["seq"] if until is not None else None)))
    present = set(db.session.scalars(checked_in))
    represented = set(db.session.scalars(proxies))
    electorate = _by_category(set(categories), categories)
    return Turnout(electorate=electorate, voted=_by_category(voted, categories),
                   present=_by_category(present, categories),
                   represented=_by_category(represented - present, categories),
                   participants=len((voted | present | represented) & set(categories)))


@dataclass(frozen=True)
class Standing:
    """Why a board candidate still on the ballot may not take a seat, and from which day: ``left`` (resigned
    or excluded), ``withdrew`` (their candidacy, once the vote had opened), ``lapsed`` (the renewal unpaid);
    or ``rejoined``: they left on ``on`` and were admitted again on ``again_on`` (a new membership), a
    member now. Of a person admitted again, what is said is their latest membership's: left or lapsed again."""
    reason: str
    on: date
    again_on: date | None = None

    @property
    def seated(self) -> bool:
        return self.reason == "rejoined"


def candidates_standing(assembly: Assembly, on: date | None = None) -> dict[int, Standing]:
    """The board candidates (by candidate id) who cannot take a seat, or who left and came back: once the
    vote has opened the ballot does not change, so they stay on it, and the pages say why, judged on ``on``
    (today; signed minutes: the day they were signed, so that they do not change after) by the person's
    latest membership then (``shares.register.comebacks``: one admitted again may have left or lapsed since,
    said with that day). A few queries, whatever the number of candidates."""
    on = on or today()
    from assemblies import candidates_adapter
    from shares.register import comebacks, exits_in_force, holdings

    cands = [c for item in assembly.items if item.kind is ItemKind.BOARD for c in item.candidates
             if c.member_id is not None]
    ids = {c.member_id for c in cands}
    exits = exits_in_force(ids, on)
    back = comebacks(exits, on)
    # The person's membership now, if they are a member: the one on the ballot, or the latest they were
    # admitted to again (not ended since).
    now = {m: m for m in ids if m not in exits} | {m: b.member_id for m, b in back.items() if b.ended_on is None}
    positions = holdings(set(now.values()), on)
    lapsed = {m: positions[n].lapsed_on for m, n in now.items() if n in positions and positions[n].lapsed_on}
    withdrew = {m: day for m, day in candidates_adapter.withdrawn_on_ballot(ids, assembly.id).items() if day <= on}
    out = {}
    for c in cands:
        m = c.member_id
        if m not in now:
            out[c.id] = Standing("left", back[m].ended_on if m in back else exits[m])
        elif m in withdrew:
            out[c.id] = Standing("withdrew", withdrew[m])
        elif m in lapsed:
            out[c.id] = Standing("lapsed", lapsed[m])
        elif m in back:
            out[c.id] = Standing("rejoined", back[m].left_on, back[m].admitted_on)
    return out


def results(assembly: Assembly, standing_on: date | None = None) -> list[dict[str, Any]] | None:
    """Per voting agenda item, the outcome under the assembly's rules (None before the result), and
    ``closed_early``: when the chair closed its vote before the general close, if they did. The board
    candidates' standing is judged on ``standing_on`` (today)."""
    el = election(assembly)
    if el is None:
        return None
    data = voting.result(el)
    if data is None:
        return None
    counts = data["counts"]
    ballots = sum(data["counted"].values())
    # The quorum's base is the assembly's electorate, the members entitled to vote, as the minutes
    # say it: an elector who never received a voting link (they come to the hall) still counts.
    present = turnout(assembly)
    electorate = present.electorate["total"]
    participants = max(present.participants, ballots)
    fingerprint = el.fingerprint or ""
    # Items closed one by one count their own ballots (the tally's contest_counted).
    tally = voting.tally_event(el)
    per_contest = (tally.data.get("contest_counted") or {}) if tally is not None else {}

    def ballots_for(cid: str) -> int:
        return sum(per_contest[cid].values()) if cid in per_contest else ballots

    closes = voting.item_closes(el)
    meeting_day = brussels_day(assembly.starts_at)

    def item_close(item: AgendaItem) -> dict[str, Any] | None:
        return next((closes[cid] for cid in (item.contest_id, f"{item.contest_id}-a", f"{item.contest_id}-b")
                     if cid in closes), None)

    def closed_early(item: AgendaItem) -> dict[str, Any] | None:
        """When the chair closed this item's vote before the general close (its counts are those of
        that moment: the sums frozen at its close), and whether on the meeting's day."""
        close = item_close(item)
        if close is None:
            return None
        return {"at": close["at"], "meeting_day": brussels_day(close["at"]) == meeting_day}

    at_close: dict[int, Turnout] = {}  # one item close can close several items: its turnout is read once

    def quorum_base(item: AgendaItem) -> tuple[int, int]:
        """Who took part in the item's vote, out of whom: the meeting's turnout and electorate, or those
        of the moment the chair closed it when they closed it early."""
        close = item_close(item)
        if close is None:
            taking_part, entitled = participants, electorate
        else:
            if close["seq"] not in at_close:
                at_close[close["seq"]] = turnout(assembly, until=close)
            taking_part, entitled = at_close[close["seq"]].participants, at_close[close["seq"]].electorate["total"]
        return max(taking_part, ballots_for(item.contest_id)), entitled

    standing = candidates_standing(assembly, standing_on)
    out = []
    for item in assembly.items:
        if item.kind is ItemKind.RESOLUTION:
            c = counts[item.contest_id]
            if c["yes"]["A"] is not None:
                per = {cat: rules.Tally(c["yes"][cat], c["no"][cat], c.get("abstain", {}).get(cat) or 0)
                       for cat in ("A", "B")}
                total = None
            else:  # the record withheld the categories (or everything): below the minimum count
                per = None
                total = rules.Tally(c["yes"]["total"], c["no"]["total"], c.get("abstain", {}).get("total") or 0) \
                    if c["yes"]["total"] is not None else None
            taking_part, entitled = quorum_base(item)
            outcome = rules.resolution_outcome(per, total=total, majority=item.majority.value,
                                               abstentions_count=item.abstentions_count,
                                               participants=taking_part, electorate=entitled,
                                               quorum_percent=assembly.quorum_percent, min_count=assembly.min_count)
            out.append({"item": item, "kind": "resolution", "outcome": outcome, "closed_early": closed_early(item)})
        elif item.kind is ItemKind.BOARD:
            groups = []
            for cat, seats in (("A", item.seats_a), ("B", item.seats_b)):
                cands = [c for c in item.candidates if c.category.value == cat]
                cid = f"{item.contest_id}-{cat.lower()}"
                if seats and not cands:  # no candidate, no contest on the ballot: every seat stays unfilled
                    groups.append({"category": cat, "seat": rules.SeatOutcome(
                        seats=seats, ranking=[], tie_rule=assembly.tie_rule, tie_at_cutoff=False, withheld=False),
                        "by_choice": {}, "per_category": {}, "balance": {}, "standing": {}})
                    continue
                if not cands or cid not in counts:
                    continue
                votes = {c.choice_id: counts[cid][c.choice_id]["total"] or 0 for c in cands}
                per_category = {c.choice_id: (counts[cid][c.choice_id]["A"], counts[cid][c.choice_id]["B"])
                                for c in cands}
                seat = rules.allocate_seats(votes, [c.choice_id for c in cands], seats,
                                            tie_rule=assembly.tie_rule, fingerprint=fingerprint,
                                            ballots=ballots_for(cid),
                                            min_count=assembly.min_count)
                if counts[cid][cands[0].choice_id]["total"] is None:
                    seat = rules.SeatOutcome(seats=seat.seats, ranking=seat.ranking, tie_rule=seat.tie_rule,
                                             tie_at_cutoff=False, withheld=True)
                by_choice = {c.choice_id: c for c in cands}
                groups.append({"category": cat, "seat": seat, "by_choice": by_choice, "per_category": per_category,
                               "balance": rules.balance([by_choice[ch].gender.value for ch in seat.elected]),
                               "standing": {c.choice_id: standing[c.id] for c in cands if c.id in standing}})
            out.append({"item": item, "kind": "board", "groups": groups, "closed_early": closed_early(item)})
    return out


def documents_count(assembly: Assembly) -> int:
    return len(assembly.documents)


def electors_count(assembly: Assembly) -> int:
    return db.session.scalar(select(func.count(Elector.id)).where(Elector.assembly_id == assembly.id,
                                                                  Elector.removed_at.is_(None))) or 0


def turnout_over_time(assembly: Assembly, buckets: int = 12) -> list[tuple[Any, int]]:
    """(instant, members who had voted by then) at ``buckets`` even steps from the opening to the
    close (or now): each member counts from the first ballot of theirs that counts, as in
    voted_members (a revoked credential's ballots do not; a member keeps one voter pseudonym
    across a new link), so that the last point is the "Voted" figure. Counts only, no one's time."""
    from app.clock import utcnow
    from voting.models import BoardEvent, CastBallot

    el = election(assembly)
    if el is None or el.opened_at is None:
        return []
    firsts = (select(func.min(CastBallot.seq)).join(Credential, Credential.id == CastBallot.credential_id)
              .where(CastBallot.election_id == el.id, Credential.revoked_at.is_(None)).group_by(Credential.voter))
    times = sorted(db.session.scalars(select(BoardEvent.created_at).where(
        BoardEvent.election_id == el.id, BoardEvent.seq.in_(firsts.scalar_subquery()))))
    start, end = el.opened_at, el.closed_at or utcnow()
    if end <= start:
        return []
    step = (end - start) / buckets
    out, i = [], 0
    for k in range(1, buckets + 1):
        edge = start + step * k
        while i < len(times) and times[i] <= edge:
            i += 1
        out.append((edge, i))
    return out


def standing_proxies(assembly: Assembly) -> list[Proxy]:
    """Every standing proxy (giver, holder, online or paper), for staff at the door."""
    return list(db.session.scalars(select(Proxy).where(Proxy.assembly_id == assembly.id,
                                                       Proxy.active_giver.is_not(None)).order_by(Proxy.id)))


def convened(assembly: Assembly, member_ids: list[int]) -> set[int]:
    """Which of these members of the electorate were sent their convocation (their voting link)."""
    if not member_ids:
        return set()
    return set(db.session.scalars(select(Elector.member_id).where(
        Elector.assembly_id == assembly.id, Elector.member_id.in_(member_ids), Elector.removed_at.is_(None),
        Elector.convoked_at.is_not(None))))


DOOR_SEARCH_LIMIT = 20


def electors_named(assembly: Assembly, typed: str) -> list[tuple[Member, CheckIn | None]]:
    """The door's search for a member who has neither their convocation nor their number: the electors
    (removed ones aside) whose name, number or city holds every word typed, with their check-in if they
    have one; the first ``DOOR_SEARCH_LIMIT`` by name. Not by e-mail address: door staff may not learn
    whose an address is (``Member.search_text``, which holds it too, only narrows the rows read)."""
    words = fold("".join(c for c in typed if c.isprintable())).split()[:10]
    if not words:
        return []
    stmt = (select(Member, CheckIn).join(Elector, Elector.member_id == Member.id)
            .outerjoin(CheckIn, (CheckIn.assembly_id == assembly.id) & (CheckIn.member_id == Member.id))
            .where(Elector.assembly_id == assembly.id, Elector.removed_at.is_(None), *map(holds_word, words))
            .order_by(Member.last_name, Member.legal_name, Member.first_name, Member.id)
            .limit(25 * DOOR_SEARCH_LIMIT))  # a word every address holds ("example") reads no more than this
    found = []
    for member, arrival in db.session.execute(stmt):
        said = fold(f"{member.name} {member.legal_name or ''} {member.number} {member.city or ''}")
        if all(word in said for word in words):
            found.append((member, arrival))
            if len(found) == DOOR_SEARCH_LIMIT:
                break
    return found
