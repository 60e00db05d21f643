"""Good standing: the one rule voting and invoicing ask about a member on a given date.

A member is in good standing on ``on`` when, as of that date:
- their category is known (from the register, else the member's record);
- they hold at least one share and at least one share's worth of capital is paid up;
- the year ``on.year`` is renewed: a renewal payment request for that year is paid (by the end of
  ``on``, Brussels time), or they joined during that year (their first capital payment falls in it);
- they have not resigned or been excluded (an exit that a correction cites no longer counts; a new
  subscription after an exit readmits them).

``standing_reasons`` names what is missing as machine codes (the UI words them);
``members_in_good_standing`` answers for every member with a constant number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import aliased

from app.clock import BRUSSELS, today
from app.extensions import db
from shares import register
from shares.models import (Category, EntryKind, Member, PaymentPurpose, PaymentRequest, PaymentStatus,
                           ShareEntry)

# Reason codes, in the order a member would fix them.
CATEGORY_UNKNOWN = "category_unknown"
NO_PAID_SHARE = "no_paid_share"
NOT_RENEWED = "not_renewed"
RESIGNED = "resigned"
EXCLUDED = "excluded"
REASONS = (CATEGORY_UNKNOWN, NO_PAID_SHARE, NOT_RENEWED, RESIGNED, EXCLUDED)

_EXITS = (EntryKind.RESIGNATION, EntryKind.EXCLUSION)


@dataclass(frozen=True)
class RegisterFacts:
    """What the register says about one member as of a date."""

    member_id: int
    category: Category | None
    shares: int = 0
    capital_cents: int = 0
    paid_cents: int = 0
    first_paid_on: date | None = None
    last_subscription_on: date | None = None
    exit_kind: EntryKind | None = None
    exit_on: date | None = None
    renewed: bool = False

    @property
    def has_paid_share(self) -> bool:
        # At least one share held, and paid-up capital worth at least one of them (the average price).
        return self.shares >= 1 and self.paid_cents > 0 and self.paid_cents * self.shares >= self.capital_cents

    def owes_renewal(self, year: int) -> bool:
        """Whether the renewal of ``year`` is theirs to pay: they joined (first paid a share) before that year.
        Joining during the year counts as renewed; someone who never paid a share (an applicant) owes none."""
        return self.first_paid_on is not None and self.first_paid_on.year < year

    @property
    def exited(self) -> bool:
        return self.exit_on is not None and (self.last_subscription_on is None
                                             or self.last_subscription_on <= self.exit_on)

    def reasons(self, on: date) -> list[str]:
        if self.exited:  # someone who left is told that, not that their shares or renewal are missing
            return [EXCLUDED if self.exit_kind is EntryKind.EXCLUSION else RESIGNED]
        out = []
        if self.category not in (Category.A, Category.B):
            out.append(CATEGORY_UNKNOWN)
        if not self.has_paid_share:
            out.append(NO_PAID_SHARE)
        if self.owes_renewal(on.year) and not self.renewed:
            out.append(NOT_RENEWED)
        return out


def end_of_day(on: date) -> datetime:
    """The first instant after ``on`` in Brussels, as an aware datetime."""
    return datetime.combine(on + timedelta(days=1), time(0), tzinfo=BRUSSELS)


def register_facts(on: date, member_ids: list[int] | None = None) -> dict[int, RegisterFacts]:
    """Facts for the given members (or all) as of ``on``: four queries whatever their number."""
    entry_filter = [ShareEntry.effective_on <= on]
    member_filter = []
    if member_ids is not None:
        entry_filter.append(ShareEntry.member_id.in_(member_ids))
        member_filter.append(Member.id.in_(member_ids))

    # Sums as the register counts them (money received before an admission is paid up from the admission).
    totals = db.session.execute(
        register.register_select(
            ShareEntry.member_id,
            func.coalesce(func.sum(ShareEntry.shares), 0),
            func.coalesce(func.sum(ShareEntry.capital_cents), 0),
            func.coalesce(func.sum(register.paid_on(on)), 0),
            func.min(case((register.paid_on(on) > 0, register.PAID_FROM))),
            func.max(case((ShareEntry.kind == EntryKind.SUBSCRIPTION, ShareEntry.effective_on))))
        .where(*entry_filter).group_by(ShareEntry.member_id)).all()

    # The latest category an entry set as of the date (ties on the same day: the later entry).
    ranked = (select(ShareEntry.member_id, ShareEntry.category,
                     func.row_number().over(partition_by=ShareEntry.member_id,
                                            order_by=(ShareEntry.effective_on.desc(), ShareEntry.id.desc()))
                     .label("rank"))
              .where(*entry_filter, ShareEntry.category.is_not(None)).subquery())
    categories = dict(db.session.execute(select(ranked.c.member_id, ranked.c.category)
                                         .where(ranked.c.rank == 1)).all())

    correction = aliased(ShareEntry)
    exit_ranked = (select(ShareEntry.member_id, ShareEntry.kind, ShareEntry.effective_on,
                          func.row_number().over(partition_by=ShareEntry.member_id,
                                                 order_by=(ShareEntry.effective_on.desc(), ShareEntry.id.desc()))
                          .label("rank"))
                   .where(*entry_filter, ShareEntry.kind.in_(_EXITS),
                          ~exists().where(correction.corrects_id == ShareEntry.id, correction.effective_on <= on))
                   .subquery())
    exits = {row.member_id: (row.kind, row.effective_on) for row in db.session.execute(
        select(exit_ranked.c.member_id, exit_ranked.c.kind, exit_ranked.c.effective_on)
        .where(exit_ranked.c.rank == 1))}

    renewed_filter = [PaymentRequest.purpose == PaymentPurpose.RENEWAL, PaymentRequest.year == on.year,
                      PaymentRequest.status == PaymentStatus.PAID, PaymentRequest.paid_at < end_of_day(on)]
    if member_ids is not None:
        renewed_filter.append(PaymentRequest.member_id.in_(member_ids))
    member_rows = db.session.execute(
        select(Member.id, Member.category,
               exists().where(PaymentRequest.member_id == Member.id, *renewed_filter))
        .where(*member_filter)).all()

    by_member = {row[0]: row for row in totals}
    facts = {}
    for member_id, member_category, renewed in member_rows:
        row = by_member.get(member_id)
        exit_kind, exit_on = exits.get(member_id, (None, None))
        facts[member_id] = RegisterFacts(
            member_id=member_id, category=categories.get(member_id) or member_category,
            shares=int(row[1]) if row else 0, capital_cents=int(row[2]) if row else 0,
            paid_cents=int(row[3]) if row else 0, first_paid_on=row[4] if row else None,
            last_subscription_on=row[5] if row else None, exit_kind=exit_kind, exit_on=exit_on,
            renewed=bool(renewed))
    return facts


def standing_reasons(member: Member, on: date) -> list[str]:
    """Why ``member`` is not in good standing on ``on`` (codes from ``REASONS``); empty when they are."""
    facts = register_facts(on, [member.id]).get(member.id)
    if facts is None:  # a member not flushed yet has no register
        facts = RegisterFacts(member_id=member.id, category=member.category)
    return facts.reasons(on)


def is_in_good_standing(member: Member, on: date) -> bool:
    return not standing_reasons(member, on)


def members_in_good_standing(on: date) -> set[int]:
    """The ids of every member in good standing on ``on``, in four queries."""
    return {member_id for member_id, facts in register_facts(on).items() if not facts.reasons(on)}


def renewal_year_due(member_id: int, on: date) -> int:
    """The year of the renewal ``member_id`` pays next, as of ``on``: this year's while it is theirs and not paid
    (``NOT_RENEWED``, in January before the letter as in December), otherwise next year's (this year's paid,
    joined this year, or not admitted yet)."""
    facts = register_facts(on, [member_id]).get(member_id)
    return on.year if facts is not None and NOT_RENEWED in facts.reasons(on) else on.year + 1


def is_current_member(facts: RegisterFacts) -> bool:
    """A member of the cooperative at all (shares paid, no exit), whether or not this year is renewed."""
    return facts.has_paid_share and not facts.exited


def is_member_now(member: Member | None) -> bool:
    """``is_current_member`` today: an applicant whose shares are not paid yet is not one, nor is a member who left."""
    facts = register_facts(today(), [member.id]).get(member.id) if member is not None else None
    return facts is not None and is_current_member(facts)

