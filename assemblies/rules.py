"""The assembly's counting rules as pure functions: quorum, majorities, seats by quota, balance.

No Flask, no database: the results page, the projector, the CSV and PDF reports and the tests
all call these with plain numbers. A count below ``min_count`` (per category too) is withheld so
that no single vote shows; a result is "adopted" only when the quorum and the majority are met.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Mapping, Sequence

from app.clock import BRUSSELS, brussels_day
from voting.crypto.election import TIE_RULES
from voting.crypto.tally import seat_order

CATEGORIES = ("A", "B")
MAJORITIES = ("simple", "two_thirds", "three_quarters", "each_category")


def quorum_needed(electorate: int, percent: int) -> int:
    """Members who must take part for a valid vote: ``percent`` % of the electorate, rounded up."""
    return math.ceil(electorate * percent / 100) if percent > 0 else 0


def majority_met(majority: str, yes: int, no: int, abstain: int, abstentions_count: bool) -> bool:
    """One group's verdict. Abstentions count in the denominator only when the statutes say so."""
    against = no + (abstain if abstentions_count else 0)
    if majority in ("simple", "each_category"):
        return yes > against
    if majority == "two_thirds":
        return yes > 0 and 3 * yes >= 2 * (yes + against)
    if majority == "three_quarters":
        return yes > 0 and 4 * yes >= 3 * (yes + against)
    raise ValueError(f"unknown majority rule {majority!r}")


@dataclass(frozen=True)
class Tally:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class ResolutionOutcome:
    total: Tally
    per_category: dict[str, Tally]
    participants: int
    electorate: int
    quorum: int
    quorum_met: bool
    majority: str
    abstentions_count: bool
    majority_met: bool
    category_met: dict[str, bool]
    withheld: bool  # fewer ballots than the minimum count (overall or in a category)
    adopted: bool
    by_category: bool = True  # False: the record published only the total


def resolution_outcome(per_category: Mapping[str, Tally] | None, *, majority: str, abstentions_count: bool,
                       participants: int, electorate: int, quorum_percent: int, min_count: int,
                       total: Tally | None = None) -> ResolutionOutcome:
    """``per_category`` None: the record published only the total (a category below the minimum
    count); ``total`` None as well: every number withheld."""
    if majority not in MAJORITIES:
        raise ValueError(f"unknown majority rule {majority!r}")
    if per_category is None:
        cats = {c: Tally() for c in CATEGORIES}
        total = total or Tally()
        known = total.total > 0
        quorum = quorum_needed(electorate, quorum_percent)
        met = known and majority != "each_category" and majority_met(majority, total.yes, total.no, total.abstain,
                                                                      abstentions_count)
        withheld = not known or majority == "each_category" or total.total < min_count
        return ResolutionOutcome(total=total, per_category=cats, participants=participants, electorate=electorate,
                                 quorum=quorum, quorum_met=participants >= quorum, majority=majority,
                                 abstentions_count=abstentions_count, majority_met=met,
                                 category_met={c: False for c in CATEGORIES}, withheld=withheld,
                                 adopted=participants >= quorum and met and not withheld, by_category=False)
    cats = {c: per_category.get(c, Tally()) for c in CATEGORIES}
    total = Tally(sum(t.yes for t in cats.values()), sum(t.no for t in cats.values()),
                  sum(t.abstain for t in cats.values()))
    quorum = quorum_needed(electorate, quorum_percent)
    quorum_met = participants >= quorum
    category_met = {c: majority_met(majority, t.yes, t.no, t.abstain, abstentions_count) for c, t in cats.items()}
    if majority == "each_category":
        met = all(category_met.values())
        withheld = any(0 < t.total < min_count for t in cats.values()) or total.total < min_count
    else:
        met = majority_met(majority, total.yes, total.no, total.abstain, abstentions_count)
        withheld = total.total < min_count
    return ResolutionOutcome(total=total, per_category=cats, participants=participants, electorate=electorate,
                             quorum=quorum, quorum_met=quorum_met, majority=majority,
                             abstentions_count=abstentions_count, majority_met=met, category_met=category_met,
                             withheld=withheld, adopted=quorum_met and met and not withheld)


@dataclass(frozen=True)
class Ranked:
    choice: str
    votes: int
    rank: int  # 1 + number of candidates with more votes (equal votes share a rank)
    elected: bool
    tied: bool  # shares its vote count with another candidate across the last seat
    by_rule: bool  # elected or not because of the tie rule


@dataclass(frozen=True)
class SeatOutcome:
    seats: int
    ranking: list[Ranked]
    tie_rule: str
    tie_at_cutoff: bool
    withheld: bool
    elected: list[str] = field(default_factory=list)

    @property
    def unfilled(self) -> int:
        """Seats nobody fills (fewer candidates with a vote than seats): the results say so."""
        return max(self.seats - len(self.elected), 0)


def allocate_seats(votes: Mapping[str, int], order: Sequence[str], seats: int, *, tie_rule: str = "ballot_order",
                   fingerprint: str = "", ballots: int | None = None, min_count: int = 0) -> SeatOutcome:
    """The ``seats`` best-placed candidates with at least one vote, by the record's own rule
    (``voting.crypto.tally.seat_order``, which every verifier recomputes); equal votes across the last
    seat are a tie, shown as such and decided by ``tie_rule``."""
    if tie_rule not in TIE_RULES:
        raise ValueError(f"unknown tie rule {tie_rule!r}")
    ranked, elected, cutoff_tie = seat_order(votes, order, seats, tie_rule, fingerprint)
    cutoff_votes = votes[elected[-1]] if cutoff_tie else None
    rows = []
    for ch in ranked:
        v = votes.get(ch, 0)
        tied = cutoff_tie and v == cutoff_votes
        rows.append(Ranked(choice=ch, votes=v, rank=1 + sum(1 for o in order if votes.get(o, 0) > v),
                           elected=ch in elected, tied=tied, by_rule=tied))
    withheld = ballots is not None and ballots < min_count
    return SeatOutcome(seats=seats, ranking=rows, tie_rule=tie_rule, tie_at_cutoff=cutoff_tie, withheld=withheld,
                       elected=list(elected))


def balance(elected_genders: Sequence[str]) -> dict[str, int]:
    """How many of the elected are women, men, other, legal persons (shown, not enforced)."""
    out = {"woman": 0, "man": 0, "other": 0, "legal": 0}
    for g in elected_genders:
        out[g] = out.get(g, 0) + 1
    return out


def date_problems(*, starts_at: datetime, voting_opens_at: datetime, voting_closes_at: datetime, record_date: date,
                   proxy_deadline: datetime | None, now: datetime | None) -> list[str]:
    """Every field whose date breaks the assembly's rules, in the form's order: the meeting does not
    start before ``now`` (a person scheduling it; None: a loader of past assemblies), the vote closes
    after it opens and on the meeting's day at the latest (the assembly decides at its meeting), the
    record date is not after the day of the meeting, proxies end by the close."""
    problems = []
    if now is not None and starts_at < now:
        problems.append("starts_at")
    if not voting_opens_at < voting_closes_at or brussels_day(voting_closes_at) > brussels_day(starts_at):
        problems.append("voting_closes_at")
    if record_date > brussels_day(starts_at):
        problems.append("record_date")
    if proxy_deadline is not None and proxy_deadline > voting_closes_at:
        problems.append("proxy_deadline")
    return problems


# The door opens this long before the meeting starts (members arrive early, staff set up the hall).
CHECK_IN_OPENS_BEFORE = timedelta(hours=3)


def check_in_window(starts_at: datetime) -> tuple[datetime, datetime]:
    """When the door accepts members: from ``CHECK_IN_OPENS_BEFORE`` before the meeting until the end
    of the meeting's day in Brussels (midnight, the next day's first instant). A member present counts
    for the quorum of the meeting, so the door belongs to that day only; the services also close it
    once the chair has closed the vote, whichever comes first."""
    next_day = datetime.combine(brussels_day(starts_at) + timedelta(days=1), time(0), tzinfo=BRUSSELS)
    return starts_at - CHECK_IN_OPENS_BEFORE, next_day


def last_convocation_day(starts_at: datetime, notice_days: int) -> date:
    """The last day (in Brussels) a convocation may be sent so that ``notice_days`` full days separate
    it from the day of the meeting (CSA art. 6:70: fifteen days at least)."""
    return brussels_day(starts_at) - timedelta(days=notice_days)
