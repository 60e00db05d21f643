"""The share register: verbs that append entries, and the register reconstructed as of any date.

Every register entry is written here, the payment's included (``record_payment``).

Nothing is updated in place: every verb appends ShareEntry rows (a correction cites the entry it
corrects). Services flush, never commit: a transfer's two sides land together or not at all."""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict, defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import Date, and_, case, func, or_, select, type_coerce, update
from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import audit
from app.clock import today, utcnow
from app.extensions import db
from app.models import Account
from app.uow import lock_row, savepoint
from shares.errors import (BelowMinimumShares, EntryVoidedAlready, BoardApprovalRequired, BoardDecisionToCome, CapitalBelowZero,
                           CorrectionBeforeEntry, EntryNotCorrectable, FutureDate, IdentityTakenSinceExit,
                           InvalidShareCount, LaterEntries, MemberLeftMoney, MemberNotActive, NotACredit,
                           NotEnoughShares, NothingToCorrect, PaymentConflict, PaymentRecordedMeanwhile, ReasonRequired,
                           RejoinedSinceExit,
                           ReceivedBeforeAsked, RefundAlreadyMade, RequestNotPayable, RequestPaidInFull, SameCategory,
                           SameMember, StaleConfirmation, UnpaidShares)
from shares.labels import NOT_PAID_MEMBER_LEFT, register_words
from shares.models import (ApplicationStatus, BankTransaction, Category, EntryKind, Member, MembershipApplication,
                           PaymentPurpose, PaymentRequest, PaymentStatus, ShareEntry, Surplus, SurplusKind)
from shares.payments import CAPITAL_PURPOSES, cancel_payment_request, create_payment_request, payable_from
from shares.services import check_category, check_identity, identity_guarded, later_membership
from shares.settings import min_shares, share_price_cents
from shares.signals import exit_undone, membership_ended, paid_in_full, payment_matched

LEAVING = (EntryKind.RESIGNATION, EntryKind.EXCLUSION)
SHARE_KINDS = (EntryKind.SUBSCRIPTION, EntryKind.TRANSFER_IN, EntryKind.TRANSFER_OUT, EntryKind.REDEMPTION,
               EntryKind.CORRECTION)


@dataclass
class Holding:
    """A member's position on a date, summed from the entries up to that date."""

    shares: int = 0
    capital_cents: int = 0
    paid_cents: int = 0
    category: Category | None = None
    left: EntryKind | None = None  # resignation or exclusion in force
    left_on: date | None = None
    lapsed_on: date | None = None  # lapsed (renewal unpaid) and not reinstated since

    @property
    def status(self) -> str:
        """One of ``STATUSES``: what the register's status column says."""
        if self.left is not None:
            return self.left.value
        if self.lapsed_on is not None:
            return "lapsed"
        return "active"


# The register's status column; worded by ``shares.labels.register_status``.
STATUSES = ("active", "lapsed", "resignation", "exclusion", "applicant", "refused", "withdrawn")


def _voided_ids(member_ids=None, on: date | None = None):
    """Entries cited by a correction (on or before ``on``): their status effect is void."""
    stmt = select(ShareEntry.corrects_id).where(ShareEntry.kind == EntryKind.CORRECTION,
                                                ShareEntry.corrects_id.is_not(None))
    if on is not None:
        stmt = stmt.where(ShareEntry.effective_on <= on)
    if member_ids is not None:
        stmt = stmt.where(ShareEntry.member_id.in_(member_ids))
    return stmt


def holding(member: Member, on: date | None = None) -> Holding:
    on = on or today()
    return holdings([member.id], on).get(member.id) or Holding(category=member.category)


# Core aliases of the entries' table, built once: the ORM's aliased() and new aliases cost milliseconds to
# build for each page of the register, where the query itself takes a fraction of one.
_ENTRIES = ShareEntry.__table__
_CITED = _ENTRIES.alias("cited")  # the payment a correction corrects
_SUBSCRIPTION = _ENTRIES.alias("subscription")


def _paid_from():
    _paid_request = func.coalesce(_CITED.c.payment_request_id, _ENTRIES.c.payment_request_id)
    # The later of the subscription's day and the entry's own; NULL while the request has no subscription.
    subscribed = (select(func.min(case((_SUBSCRIPTION.c.effective_on > _ENTRIES.c.effective_on,
                                        _SUBSCRIPTION.c.effective_on), else_=_ENTRIES.c.effective_on)))
                  .where(_SUBSCRIPTION.c.kind == EntryKind.SUBSCRIPTION,
                         _SUBSCRIPTION.c.payment_request_id == _paid_request)
                  .scalar_subquery())
    follows = and_(_ENTRIES.c.paid_cents != 0, _paid_request.is_not(None),
                   or_(_ENTRIES.c.kind == EntryKind.PAYMENT, _CITED.c.id.is_not(None)))
    return type_coerce(case((follows, subscribed), else_=_ENTRIES.c.effective_on), Date)


# The day an entry's paid-up capital counts in the register (read with ``register_select``). Money received
# before an admission becomes paid-up capital at the admission: a payment of a request whose shares are not
# subscribed yet (an applicant's) counts from that subscription's day, and never without one (a refused
# application); a correction of such a payment (returned by the bank, the refusal, fewer shares) follows the
# payment it corrects. Every other entry counts from its own date. The one rule every figure of the register
# is summed by (``paid_on``): holdings, totals, the entries file, good standing.
PAID_FROM = _paid_from()


def register_select(*columns):
    """``select(*columns)`` over the register's entries, each joined to the payment it corrects, if any: the
    FROM that ``PAID_FROM`` and ``paid_on`` read."""
    return (select(*columns).select_from(_ENTRIES)
            .outerjoin(_CITED, and_(_CITED.c.id == _ENTRIES.c.corrects_id, _CITED.c.kind == EntryKind.PAYMENT)))


def paid_on(on: date):
    """An entry's paid-up capital as the register counts it on ``on`` (``PAID_FROM``), for ``register_select``.
    Shares and capital subscribed count from the entry's own date."""
    return case((PAID_FROM <= on, _ENTRIES.c.paid_cents), else_=0)


def holdings(member_ids, on: date) -> dict[int, Holding]:
    """Positions of many members in two queries (whatever their number of entries)."""
    member_ids = list(member_ids)
    out: dict[int, Holding] = {}
    if not member_ids:
        return out
    voided = set(db.session.scalars(_voided_ids(member_ids, on)))
    for member_id, entry_id, kind, effective_on, shares, capital, category, paid in db.session.execute(
            register_select(ShareEntry.member_id, ShareEntry.id, ShareEntry.kind, ShareEntry.effective_on,
                            ShareEntry.shares, ShareEntry.capital_cents, ShareEntry.category, paid_on(on))
            .where(ShareEntry.member_id.in_(member_ids), ShareEntry.effective_on <= on)
            .order_by(ShareEntry.member_id, ShareEntry.effective_on, ShareEntry.id)):
        h = out.setdefault(member_id, Holding())
        h.shares += shares
        h.capital_cents += capital
        h.paid_cents += paid
        if category is not None and entry_id not in voided:
            h.category = category
        if kind in LEAVING and entry_id not in voided:
            h.left, h.left_on = kind, effective_on
        elif kind is EntryKind.LAPSE and entry_id not in voided:
            h.lapsed_on = effective_on
        elif kind is EntryKind.REINSTATEMENT and entry_id not in voided:
            h.lapsed_on = None
    return out


def claim_confirmation(member: Member, seen_version: int | None) -> None:
    """A staff action confirmed on a page showing the member at ``seen_version`` goes ahead once: one
    conditional UPDATE moves the member's version on, so a second confirmation of the same page (a
    second tab, a colleague) finds it moved and is refused (StaleConfirmation), whatever the timing."""
    moved = db.session.execute(update(Member).where(Member.id == member.id, Member.version == seen_version)
                               .values(version=Member.version + 1).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise StaleConfirmation()
    db.session.refresh(member, ["version"])  # the ORM's own updates of the member go on from the new version


def _check_date(on: date) -> None:
    if on > today():
        raise FutureDate()


def _check_active(member: Member, position: Holding) -> None:
    if position.left is not None:
        raise MemberNotActive()


def _entry(member: Member, kind: EntryKind, on: date, actor: Account | None, **values) -> ShareEntry:
    entry = ShareEntry(member_id=member.id, kind=kind, effective_on=on,
                       recorded_by_id=actor.id if actor else None, **values)
    db.session.add(entry)
    return entry


def _audit(action: str, member: Member, entries: list[ShareEntry], actor: Account | None, **extra) -> None:
    db.session.flush()
    audit.record(action, member, actor=actor,
                 after={"entries": [e.id for e in entries], **extra})


def _refresh_category(member: Member) -> None:
    current = holding(member, today()).category
    if current is not None and current is not member.category:
        member.category = current


# ----------------------------------------------------------------------------------------------
# Verbs
# ----------------------------------------------------------------------------------------------


def subscribe(member: Member, shares: int, *, on: date | None = None, actor: Account | None = None,
              note: str = "") -> tuple[ShareEntry, PaymentRequest]:
    """Subscribe ``shares`` more shares at the category's nominal value: an entry and a payment request."""
    on = on or today()
    if not isinstance(shares, int) or shares < 1:
        raise InvalidShareCount()
    _check_date(on)
    position = holding(member, on)
    _check_active(member, position)
    category = position.category or member.category
    price = share_price_cents(category)
    first = db.session.scalar(select(func.count()).select_from(ShareEntry).where(
        ShareEntry.member_id == member.id, ShareEntry.kind == EntryKind.SUBSCRIPTION)) == 0
    request = create_payment_request(member, PaymentPurpose.SUBSCRIPTION if first else PaymentPurpose.ADDITIONAL_SHARES,
                                     shares * price, shares=shares, actor=actor)
    entry = _entry(member, EntryKind.SUBSCRIPTION, on, actor, shares=shares, amount_cents=shares * price,
                   capital_cents=shares * price, paid_cents=0, category=category, payment_request_id=request.id,
                   note=note[:500])
    _audit("shares.register.subscription", member, [entry], actor, shares=shares, on=on,
           reference=request.reference, amount_cents=shares * price)
    return entry, request


def admit(member: Member, shares: int, category: Category, request: PaymentRequest, *, on: date,
          decision_on: date | None = None, decision_reference: str | None = None,
          actor: Account | None = None) -> ShareEntry:
    """Admission of an applicant: the subscription of the shares their application asked for, paid
    with the application's payment request, dated the day of admission. ``decision_on`` and
    ``decision_reference`` name the board or staff decision (None when admission is automatic on payment)."""
    if not isinstance(shares, int) or shares < 1:
        raise InvalidShareCount()
    _check_date(on)
    price = share_price_cents(category)
    entry = _entry(member, EntryKind.SUBSCRIPTION, on, actor, shares=shares, amount_cents=shares * price,
                   capital_cents=shares * price, paid_cents=0, category=category, payment_request_id=request.id,
                   board_decision_on=decision_on,
                   board_reference=(decision_reference or "").strip()[:100] or None)
    db.session.flush()
    _refresh_category(member)
    _audit("shares.register.admission", member, [entry], actor, shares=shares, on=on, category=category,
           decision_on=decision_on, decision_reference=decision_reference, reference=request.reference)
    return entry


def lapse(member: Member, request: PaymentRequest, *, on: date, actor: Account | None = None) -> ShareEntry:
    """The member did not pay the renewal ``request``: a dated lapse entry citing it. Once per request:
    the partial unique index refuses a second one (the caller runs this in a savepoint)."""
    _check_date(on)
    entry = _entry(member, EntryKind.LAPSE, on, actor, payment_request_id=request.id)
    _audit("shares.register.lapse", member, [entry], actor, on=on, year=request.year, reference=request.reference)
    return entry


def reinstate(member: Member, request: PaymentRequest, *, on: date, payment_entry: ShareEntry | None = None,
              actor: Account | None = None) -> ShareEntry:
    """A lapsed member paid the renewal ``request`` (``payment_entry``: once per payment entry, by a partial
    unique index): membership in force again from ``on``."""
    entry = _entry(member, EntryKind.REINSTATEMENT, on, actor, payment_request_id=request.id,
                   payment_entry_id=payment_entry.id if payment_entry is not None else None)
    _audit("shares.register.reinstatement", member, [entry], actor, on=on, year=request.year,
           reference=request.reference)
    return entry


def transfer(giver: Member, receiver: Member, shares: int, *, on: date, board_decision_on: date | None,
             board_reference: str | None, actor: Account | None = None, note: str = "") -> tuple[ShareEntry, ShareEntry]:
    """Move paid-up shares between two members, both sides in this transaction, with the board's approval."""
    if not isinstance(shares, int) or shares < 1:
        raise InvalidShareCount()
    if giver.id == receiver.id:
        raise SameMember()
    if not board_decision_on or not (board_reference or "").strip():
        raise BoardApprovalRequired()
    _check_date(on)
    if board_decision_on > today():  # a decision is recorded once taken
        raise BoardDecisionToCome()
    positions = holdings([giver.id, receiver.id], on)
    give, take = positions.get(giver.id, Holding()), positions.get(receiver.id, Holding())
    _check_active(giver, give)
    _check_active(receiver, take)
    if give.shares < shares:
        raise NotEnoughShares()
    giver_category = give.category or giver.category
    if give.shares - shares < max(1, min_shares(giver_category)):
        raise BelowMinimumShares()
    price = share_price_cents(giver_category)
    if give.paid_cents < shares * price:
        raise UnpaidShares()
    group = str(uuid.uuid4())
    value = shares * price
    common = dict(transfer_group=group, board_decision_on=board_decision_on,
                  board_reference=board_reference.strip()[:100], note=note[:500])
    out = _entry(giver, EntryKind.TRANSFER_OUT, on, actor, shares=-shares, amount_cents=-value,
                 capital_cents=-value, paid_cents=-value, counterpart_member_id=receiver.id, **common)
    into = _entry(receiver, EntryKind.TRANSFER_IN, on, actor, shares=shares, amount_cents=value, capital_cents=value,
                  paid_cents=value, counterpart_member_id=giver.id,
                  category=None if take.category or take.shares else receiver.category, **common)
    _audit("shares.register.transfer", giver, [out, into], actor, shares=shares, to=receiver.number, on=on,
           board_decision_on=board_decision_on, board_reference=board_reference)
    return out, into


def change_category(member: Member, category: Category, *, on: date | None = None, actor: Account | None = None,
                    note: str = "") -> ShareEntry:
    on = on or today()
    _check_date(on)
    position = holding(member, on)
    _check_active(member, position)
    current = position.category or member.category
    if category is current:
        raise SameCategory()
    check_category(member.kind, category)
    if position.shares < min_shares(category):
        raise BelowMinimumShares()
    entry = _entry(member, EntryKind.CATEGORY_CHANGE, on, actor, category=category, note=note[:500])
    db.session.flush()
    _refresh_category(member)
    _audit("shares.register.category_change", member, [entry], actor, before=current, category=category, on=on)
    return entry


def redeem(member: Member, shares: int, *, on: date | None = None, actor: Account | None = None,
           note: str = "", refund_iban: str | None = None, _leaving: bool = False) -> ShareEntry:
    """Redeem shares at nominal value. The member keeps their minimum unless leaving. Shares not paid up
    are redeemed first: they are no longer asked for (their open request is reduced or cancelled); the
    paid-up part of the rest goes on the refund list (to ``refund_iban``, else the profile's account)."""
    from shares.surplus import refund_redemption  # shares.surplus builds on this module

    on = on or today()
    if not isinstance(shares, int) or shares < 1:
        raise InvalidShareCount()
    _check_date(on)
    position = holding(member, on)
    if not _leaving:
        _check_active(member, position)
    if position.shares < shares:
        raise NotEnoughShares()
    category = position.category or member.category
    if not _leaving and position.shares - shares < max(1, min_shares(category)):
        raise BelowMinimumShares()
    price = share_price_cents(category)
    value = shares * price
    # Shares not paid up leave first (nothing of them is repaid); then paid-up ones, repaid.
    unpaid = max(position.capital_cents - position.paid_cents, 0)
    refund = min(max(value - unpaid, 0), position.paid_cents)
    entry = _entry(member, EntryKind.REDEMPTION, on, actor, shares=-shares, amount_cents=-refund,
                   capital_cents=-value, paid_cents=-refund, note=note[:500])
    _audit("shares.register.redemption", member, [entry], actor, shares=shares, refund_cents=refund, on=on)
    kept = refund_redemption(entry, refund_iban or member.iban, leaving=_leaving, actor=actor)
    _fit_requests_to_capital(member, actor)
    if not _leaving:  # an exit tells the member in its own words
        from shares.mailing import shares_redeemed

        shares_redeemed(member, entry, kept)
    return entry


def _fit_requests_to_capital(member: Member, actor: Account | None) -> None:
    """The member's open requests for shares in the register never ask more than the capital they
    subscribed and have not paid up: shares redeemed unpaid are no longer asked for. What they asked
    beyond it is taken off, newest request first: one nothing was paid on and nothing is left of is
    cancelled, another asks that much less (one conditional UPDATE each)."""
    position = holding(member, today())
    unpaid = max(position.capital_cents - position.paid_cents, 0)
    in_register = select(ShareEntry.payment_request_id).where(ShareEntry.member_id == member.id,
                                                              ShareEntry.kind == EntryKind.SUBSCRIPTION)
    requests = list(db.session.scalars(select(PaymentRequest).where(
        PaymentRequest.member_id == member.id, PaymentRequest.purpose.in_(CAPITAL_PURPOSES),
        PaymentRequest.status.in_((PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)),
        PaymentRequest.id.in_(in_register)).order_by(PaymentRequest.created_at.desc(), PaymentRequest.id.desc())))
    over = sum(r.due_cents for r in requests) - unpaid
    for request in requests:
        if over <= 0:
            break
        cut = min(over, request.due_cents)
        over -= cut
        if cut == request.due_cents and request.paid_cents == 0:
            cancel_payment_request(request, actor=actor)
        else:
            _reduce_request(request, cut, actor)


def _reduce_request(request: PaymentRequest, cut_cents: int, actor: Account | None) -> None:
    price = request.amount_cents // max(request.shares, 1)
    amount = request.amount_cents - cut_cents
    shares = max(1, -(-amount // price)) if price else request.shares  # the shares it still (partly) pays for
    status = _status_for(amount, request.paid_cents)
    before = {"amount_cents": request.amount_cents, "shares": request.shares, "status": request.status}
    changed = db.session.execute(
        update(PaymentRequest).where(PaymentRequest.id == request.id, PaymentRequest.paid_cents == request.paid_cents,
                                     PaymentRequest.amount_cents == request.amount_cents,
                                     PaymentRequest.status.in_((PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)))
        .values(amount_cents=amount, shares=shares, status=status,
                paid_at=utcnow() if status is PaymentStatus.PAID else None)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise PaymentConflict()
    db.session.refresh(request)
    audit.record("shares.payment_request.reduce", request, actor=actor, before=before,
                 after={"amount_cents": amount, "shares": shares, "status": status})


def _leave(member: Member, kind: EntryKind, on: date, actor, note, refund_iban: str | None,
           **board) -> list[ShareEntry]:
    """The leaving entry, the redemption of every share, and what it pays back on the refund list."""
    _check_date(on)
    position = holding(member, on)
    _check_active(member, position)
    last_on = db.session.scalar(select(func.max(ShareEntry.effective_on)).where(ShareEntry.member_id == member.id))
    if last_on is not None and last_on > on:  # leaving before later entries would leave them below zero
        raise LaterEntries(last_on)
    # Shares subscribed and not paid at all leave with their request (the first subscription's too):
    # nobody pays for them, nothing is repaid. A request partly paid asks nothing more: what it received
    # is paid-up capital, which the redemption below pays back.
    unpaid_shares = 0
    for purpose in CAPITAL_PURPOSES:
        for purchase in _unpaid_requests(member, purpose):
            cancel_unpaid_request(purchase, reason=register_words(NOT_PAID_MEMBER_LEFT), actor=actor,
                                  on=on)
            unpaid_shares += purchase.shares
    for purchase in db.session.scalars(select(PaymentRequest).where(
            PaymentRequest.member_id == member.id, PaymentRequest.purpose.in_(CAPITAL_PURPOSES),
            PaymentRequest.status == PaymentStatus.PARTIALLY_PAID)):
        cancel_payment_request(purchase, actor=actor, partly_paid=True)
    db.session.flush()
    position = holding(member, on)
    entries = [_entry(member, kind, on, actor, note=note[:500], **board)]
    member.holds_identity = False  # the person may apply again (exits are never dated ahead)
    db.session.flush()
    redemption = None
    if position.shares > 0:
        redemption = redeem(member, position.shares, on=on, actor=actor, note=note, refund_iban=refund_iban,
                            _leaving=True)
        entries.append(redemption)
    from shares.mailing import membership_ended as tell_member
    from shares.surplus import give_account, redemption_refund  # shares.surplus builds on this module

    give_account(member, refund_iban or member.iban, actor=actor)  # earlier refunds still waiting for one
    tell_member(member, entries[0], redemption, redemption_refund(redemption) if redemption is not None else None,
                unpaid_shares=unpaid_shares)
    cancel_unpaid_renewals(member, actor=actor)
    membership_ended.send(member, on=on, actor=actor)
    return entries


def cancel_unpaid_renewals(member: Member, *, actor: Account | None = None) -> None:
    """A renewal nobody paid any of is no longer asked of someone who left (one partly paid stays for staff)."""
    for renewal in _unpaid_requests(member, PaymentPurpose.RENEWAL):
        cancel_payment_request(renewal, actor=actor)


def _unpaid_requests(member: Member, purpose: PaymentPurpose) -> list[PaymentRequest]:
    """The member's open requests for ``purpose`` of which nothing is paid."""
    return list(db.session.scalars(select(PaymentRequest).where(
        PaymentRequest.member_id == member.id, PaymentRequest.purpose == purpose,
        PaymentRequest.status == PaymentStatus.OPEN, PaymentRequest.paid_cents == 0)))


def resign(member: Member, *, on: date | None = None, actor: Account | None = None, note: str = "",
           refund_iban: str | None = None) -> list[ShareEntry]:
    """The member leaves: a resignation entry and the redemption of all their shares, paid back to
    ``refund_iban`` (else the profile's account) from the refund list."""
    entries = _leave(member, EntryKind.RESIGNATION, on or today(), actor, note, refund_iban)
    _audit("shares.register.resignation", member, entries, actor, on=on)
    return entries


def exclude(member: Member, *, on: date | None = None, board_decision_on: date | None,
            board_reference: str | None, actor: Account | None = None, note: str = "") -> list[ShareEntry]:
    if not board_decision_on or not (board_reference or "").strip():
        raise BoardApprovalRequired()
    if board_decision_on > today():  # a decision is recorded once taken
        raise BoardDecisionToCome()
    entries = _leave(member, EntryKind.EXCLUSION, on or today(), actor, note, None,
                     board_decision_on=board_decision_on, board_reference=board_reference.strip()[:100])
    _audit("shares.register.exclusion", member, entries, actor, on=on, board_decision_on=board_decision_on,
           board_reference=board_reference)
    return entries


def correct(entry: ShareEntry, *, reason: str, on: date | None = None, shares: int = 0, capital_cents: int = 0,
            paid_cents: int = 0, category: Category | None = None, actor: Account | None = None,
            fee_cents: int = 0, refund_taken_back: bool = False) -> ShareEntry:
    """A correction cites ``entry`` and carries the adjustment (signed deltas, or the right category).
    ``fee_cents``: money of a payment that is no capital (a renewal fee) taken back, which moves no
    figure of the register but the entry's amount.

    Correcting a resignation, exclusion or category change voids its effect on the member's status; an
    exit's refund stays on the refund list as long as its redemption stands (once made, the exit stays:
    RefundAlreadyMade). Paid-up capital put back into a redemption follows ``surplus.check_put_back``,
    which takes the refund off the list when all of it comes back with no exit in force
    (``refund_taken_back``: the caller already took that much off its refund, see ``payments_returned``)."""
    from shares import surplus as surpluses  # shares.surplus builds on this module

    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if entry.kind is EntryKind.CORRECTION:
        raise EntryNotCorrectable()
    on = on or today()
    _check_date(on)
    if on < entry.effective_on:
        raise CorrectionBeforeEntry(entry.effective_on)
    # Voiding an exit, a category change, a lapse or a reinstatement changes the status or the category;
    # anything else must move a figure.
    if fee_cents and (entry.kind is not EntryKind.PAYMENT or entry.paid_cents):
        raise NothingToCorrect()  # only a payment that paid up no capital has an amount of its own to take back
    if not (shares or capital_cents or paid_cents or category or fee_cents) \
            and entry.kind not in (*LEAVING, EntryKind.CATEGORY_CHANGE, EntryKind.LAPSE, EntryKind.REINSTATEMENT):
        raise NothingToCorrect()
    member = db.session.get(Member, entry.member_id)
    if entry.kind in LEAVING:  # before any check: the person applying again at this moment waits, or is seen
        lock_row(member)  # as admission.apply_again does: one live membership, whichever comes second
    # The register must hold at the correction's date and at every date after it (today's position sums them all).
    # Paid-up capital corrected counts when the entry's does: an applicant's payment only from admission.
    paid_from = db.session.scalar(register_select(PAID_FROM).where(ShareEntry.id == entry.id)) if paid_cents else None
    for day in (on, today()):
        position = holding(member, day)
        if position.shares + shares < 0:
            raise NotEnoughShares()
        paid = paid_cents if paid_from is not None and paid_from <= day else 0
        if position.capital_cents + capital_cents < 0 or position.paid_cents + paid < 0:
            raise CapitalBelowZero()
    if entry.kind is EntryKind.CATEGORY_CHANGE and category is None:
        # Voiding a category change restores the category in force before it.
        before = holdings_excluding(member, entry)
        category = before
    # What an exit or a redemption paid back is never both on the refund list and capital again. The
    # exit's refund stays listed while its redemption stands: the money is still owed to the member
    # until a correction puts the shares back (check_put_back then takes it off the list).
    if entry.kind in LEAVING:
        redemption = exit_redemption(entry)
        made = surpluses.redemption_refund(redemption) if redemption is not None else None
        if made is not None and made.refunded_at is not None:  # the money left: the exit stays
            raise RefundAlreadyMade(made.amount_cents, made.refunded_at)
    elif entry.kind is EntryKind.REDEMPTION and paid_cents > 0 and not refund_taken_back:
        surpluses.check_put_back(entry, paid_cents, exit_in_force=holding(member, today()).left is not None,
                                 actor=actor)
    voids = not (shares or capital_cents or paid_cents or category or fee_cents)
    db.session.flush()
    # An entry is voided once (twice, or two staff at once): the partial unique index uq_shares_entry_voided_once
    # decides, as it keeps one voiding correction.
    with savepoint(conflict=EntryVoidedAlready) if voids else nullcontext():
        correction = _entry(member, EntryKind.CORRECTION, on, actor, shares=shares,
                            amount_cents=capital_cents + fee_cents, capital_cents=capital_cents, paid_cents=paid_cents,
                            category=category, corrects_id=entry.id, note=reason[:500])
        db.session.flush()
    if entry.kind in LEAVING:
        _hold_identity_again(member)
    db.session.flush()
    _refresh_category(member)
    _audit("shares.register.correction", member, [correction], actor, corrects=entry.id, reason=reason, shares=shares,
           capital_cents=capital_cents, paid_cents=paid_cents, category=category,
           **({"fee_cents": fee_cents} if fee_cents else {}))
    if entry.kind in LEAVING or entry.kind is EntryKind.REDEMPTION:  # an exit, or the shares it redeemed (same day)
        exit_undone.send(member, ended_on=entry.effective_on, actor=actor)
    return correction


def exit_redemption(exit_entry: ShareEntry) -> ShareEntry | None:
    """The redemption an exit made: ``_leave`` writes it as the member's next entry, the same day."""
    following = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == exit_entry.member_id,
                                                           ShareEntry.id > exit_entry.id)
                                  .order_by(ShareEntry.id).limit(1))
    if following is not None and following.kind is EntryKind.REDEMPTION \
            and following.effective_on == exit_entry.effective_on:
        return following
    return None


def exit_in_force(member_id: int) -> bool:
    """The member resigned or was excluded, and no correction voided it (exits are never dated ahead)."""
    return bool(members_gone([member_id]))


def left_on(member_id: int) -> date | None:
    """The day the member's exit in force took effect, or None while they are a member: one query."""
    return exits_in_force([member_id]).get(member_id)


def members_gone(member_ids) -> set[int]:
    """Of ``member_ids``, those whose exit is in force: one query."""
    return set(exits_in_force(member_ids))


def exits_in_force(member_ids, on: date | None = None) -> dict[int, date]:
    """Of ``member_ids``, those whose exit is in force on ``on`` (today), with the day it took effect: one
    query. An exit a correction voided, whenever, never counts (it was recorded by mistake)."""
    member_ids = list(member_ids)
    if not member_ids:
        return {}
    return dict(db.session.execute(select(ShareEntry.member_id, func.max(ShareEntry.effective_on)).where(
        ShareEntry.member_id.in_(member_ids), ShareEntry.kind.in_(LEAVING), ShareEntry.effective_on <= (on or today()),
        ShareEntry.id.not_in(_voided_ids(member_ids))).group_by(ShareEntry.member_id)).all())


@dataclass(frozen=True)
class Comeback:
    """A person's latest membership admitted by a day, after the membership asked about ended: its id
    (``member_id``), the day it was admitted, the day the membership before it ended (``left_on``), and its
    own exit in force then, if it ended too (``ended_on``: the person left again)."""
    member_id: int
    admitted_on: date
    left_on: date
    ended_on: date | None = None


def comebacks(member_ids, on: date | None = None) -> dict[int, Comeback]:
    """Of the ended memberships ``member_ids`` (an exit in force on ``on``, today), those whose person was
    admitted again by then: the latest later membership (the person applied again, ``Member.earlier_member_id``,
    followed to the end) admitted by ``on`` (its subscription). Applying again is not enough, the admission is.
    Whether that membership ended or lapsed since is its own (``ended_on``, ``holdings``). One query a step
    of the chain, and two."""
    on = on or today()
    chains: dict[int, list[int]] = {m: [m] for m in member_ids}
    tip = {m: m for m in chains}  # the last membership found -> the one asked
    while tip:
        later = db.session.execute(select(Member.earlier_member_id, Member.id)
                                   .where(Member.earlier_member_id.in_(list(tip)))).all()
        tip = {later_id: tip[earlier_id] for earlier_id, later_id in later}
        for later_id, asked in tip.items():
            chains[asked].append(later_id)
    every = [m for chain in chains.values() for m in chain]
    admitted = dict(db.session.execute(select(ShareEntry.member_id, func.min(ShareEntry.effective_on)).where(
        ShareEntry.member_id.in_(every), ShareEntry.kind == EntryKind.SUBSCRIPTION,
        ShareEntry.effective_on <= on).group_by(ShareEntry.member_id)).all())
    exits = exits_in_force(every, on)
    out: dict[int, Comeback] = {}
    for asked, chain in chains.items():
        back = [i for i, m in enumerate(chain) if i > 0 and m in admitted]
        if asked not in exits or not back:
            continue
        latest = chain[back[-1]]
        out[asked] = Comeback(latest, admitted[latest], max(exits[m] for m in chain[:back[-1]] if m in exits),
                              exits.get(latest))
    return out


def _hold_identity_again(member: Member) -> None:
    """An exit undone: the membership goes on, its number is its own again, unless another membership
    took it since (IdentityTakenSinceExit), or the person applied again since, as a new membership
    (RejoinedSinceExit: that one goes on)."""
    later = later_membership(member.id)
    if later is not None:
        raise RejoinedSinceExit(later)
    numbers = {"national_number": member.national_number, "enterprise_number": member.enterprise_number}
    check_identity(numbers, member.id, IdentityTakenSinceExit)
    member.holds_identity = True
    with identity_guarded(numbers, member.id, IdentityTakenSinceExit):
        db.session.flush()


def holdings_excluding(member: Member, entry: ShareEntry) -> Category | None:
    """The category in force just before ``entry``."""
    row = db.session.scalar(
        select(ShareEntry.category).where(ShareEntry.member_id == member.id, ShareEntry.category.is_not(None),
                                          ShareEntry.id != entry.id,
                                          (ShareEntry.effective_on < entry.effective_on)
                                          | and_(ShareEntry.effective_on == entry.effective_on,
                                                 ShareEntry.id < entry.id))
        .order_by(ShareEntry.effective_on.desc(), ShareEntry.id.desc()).limit(1))
    return row


# ----------------------------------------------------------------------------------------------
# The register as of a date
# ----------------------------------------------------------------------------------------------


@dataclass
class RegisterRow:
    member: Member
    holding: Holding
    dates: dict[str, list[date]] = field(default_factory=lambda: defaultdict(list))

    application: str | None = None  # not admitted on the date: "applicant", "refused" or "withdrawn"

    @property
    def status(self) -> str:
        return self.application or self.holding.status


def register_members_statement(on: date):
    """Members with at least one entry on or before ``on``, in member-number order."""
    # EXISTS per member in number order: an index probe each (member_id, effective_on), and a page
    # stops after its rows, where IN (SELECT DISTINCT ...) read every entry of the register first.
    present = select(ShareEntry.id).where(ShareEntry.member_id == Member.id, ShareEntry.effective_on <= on)
    return select(Member).where(present.exists()).order_by(Member.number)


def register_member_ids(on: date) -> list[int]:
    """The ids of the register's members as of ``on``, in member-number order: one query, remembered per
    register version, so that page 300 costs what page 1 costs (no OFFSET walking 30,000 members)."""
    return _remembered("ids", on, lambda: list(db.session.scalars(
        register_members_statement(on).with_only_columns(Member.id))))


def register_rows(on: date, *, offset: int = 0, limit: int | None = None) -> list[RegisterRow]:
    """Register lines as the law requires them (identity, category, shares, dates of subscriptions,
    payments, transfers and redemptions), in a constant number of queries."""
    ids = register_member_ids(on)
    return _rows_by_ids(ids[offset:offset + limit if limit is not None else None], on)


def _rows_by_ids(ids: list[int], on: date) -> list[RegisterRow]:
    if not ids:
        return []
    # The register needs the member, not their account (and its roles): no join, no extra query.
    members = list(db.session.scalars(select(Member).options(lazyload(Member.account))
                                      .where(Member.id.in_(ids)).order_by(Member.number)))
    return _rows_for(members, on)


def iter_register_rows(on: date, batch: int = 2000):
    """Every line, read ``batch`` members at a time (files of the whole register)."""
    ids = register_member_ids(on)
    for start in range(0, len(ids), batch):
        yield from _rows_by_ids(ids[start:start + batch], on)  # the identity map is weak: rows go as read


def _rows_for(members: list[Member], on: date) -> list[RegisterRow]:
    if not members:
        return []
    ids = [m.id for m in members]
    positions = holdings(ids, on)
    rows = {m.id: RegisterRow(m, positions.get(m.id) or Holding(category=m.category)) for m in members}
    for member_id, kind, effective_on, purpose in db.session.execute(
            select(ShareEntry.member_id, ShareEntry.kind, ShareEntry.effective_on, PaymentRequest.purpose)
            .outerjoin(PaymentRequest, PaymentRequest.id == ShareEntry.payment_request_id)
            # No filter on the kind here: with one, SQLite reads the kind index across the whole register
            # instead of the (member_id, effective_on) index (89 ms instead of 1 ms at 36,000 members).
            .where(ShareEntry.member_id.in_(ids), ShareEntry.effective_on <= on)
            .order_by(ShareEntry.effective_on, ShareEntry.id)):
        key = DATE_KEYS.get(kind)
        if key is None:
            continue
        if kind is EntryKind.PAYMENT and purpose is PaymentPurpose.RENEWAL:
            key = "fee"  # the yearly renewal fee is not capital
        bucket = rows[member_id].dates[key]
        if not bucket or bucket[-1] != effective_on:
            bucket.append(effective_on)
    applications = defaultdict(list)
    for application in db.session.execute(
            select(MembershipApplication.member_id, MembershipApplication.status, MembershipApplication.created_at,
                   MembershipApplication.decision_on, MembershipApplication.decided_at)
            .where(MembershipApplication.member_id.in_(ids)).order_by(MembershipApplication.id)):
        applications[application.member_id].append(application)
    for member_id, made in applications.items():
        row = rows[member_id]
        if not (row.dates.get("subscription") or row.dates.get("received")):
            row.application = _application_status(made, on)
    for row in rows.values():
        if row.holding.category is None:
            row.holding.category = row.member.category
    return [rows[i] for i in ids]


def _application_status(applications, on: date) -> str:
    """The register's status, on ``on``, of someone with applications and no shares yet on that date: the
    application made last by then (else the first) is waiting, or ended on or before ``on``."""
    made = [a for a in applications if a.created_at.date() <= on] or applications[:1]
    latest = made[-1]
    ended_on = latest.decision_on or (latest.decided_at.date() if latest.decided_at else None)
    if latest.status in ENDED_APPLICATION and ended_on is not None and ended_on <= on:
        return latest.status.value
    return "applicant"  # waiting on that date, whatever became of it since (admitted later, refused later)


# The register's date columns, in order: entry kinds that fill each.
DATE_KEYS = {EntryKind.SUBSCRIPTION: "subscription", EntryKind.PAYMENT: "payment", EntryKind.TRANSFER_OUT: "ceded",
             EntryKind.TRANSFER_IN: "received", EntryKind.REDEMPTION: "redemption", EntryKind.LAPSE: "lapse",
             EntryKind.REINSTATEMENT: "reinstatement"}
DATE_COLUMNS = ("subscription", "payment", "fee", "ceded", "received", "redemption", "lapse", "reinstatement")
PENDING_APPLICATION = (ApplicationStatus.AWAITING_PAYMENT, ApplicationStatus.AWAITING_DECISION)
ENDED_APPLICATION = (ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN)


# ----------------------------------------------------------------------------------------------
# Figures over the whole register, remembered until the register changes
# ----------------------------------------------------------------------------------------------

_FIGURES: OrderedDict = OrderedDict()
_FIGURES_LOCK = threading.Lock()
_FIGURES_MAX = 64


def register_version() -> tuple:
    """What identifies the register's content: it is append-only, so its last entry (id and the instant
    it was recorded) changes whenever anything is added. One primary-key lookup."""
    last = db.session.execute(select(ShareEntry.id, ShareEntry.recorded_at)
                              .order_by(ShareEntry.id.desc()).limit(1)).first()
    return (str(db.engine.url), tuple(last) if last else None)


def _remembered(kind: str, on: date, compute):
    """``compute()`` once per register version: the totals and counts over 36,000 members take
    hundreds of milliseconds and change only when an entry is added."""
    key = (kind, on, register_version())
    with _FIGURES_LOCK:
        if key in _FIGURES:
            _FIGURES.move_to_end(key)
            return _FIGURES[key]
    value = compute()
    with _FIGURES_LOCK:
        _FIGURES[key] = value
        while len(_FIGURES) > _FIGURES_MAX:
            _FIGURES.popitem(last=False)
    return value


def forget_figures() -> None:
    """Drop the remembered figures (tests that count queries of a cold page)."""
    with _FIGURES_LOCK:
        _FIGURES.clear()


def register_count(on: date) -> int:
    return len(register_member_ids(on))


@dataclass
class CategoryTotals:
    category: Category
    members: int = 0
    shares: int = 0
    capital_cents: int = 0
    paid_cents: int = 0


def totals(on: date) -> dict[Category, CategoryTotals]:
    """Per category, as of ``on``: members holding shares and not gone, shares, capital subscribed and paid.
    Remembered per register version (a copy is returned: callers may not change the shared one)."""
    figures = _remembered("totals", on, lambda: _totals(on))
    return {c: replace(t) for c, t in figures.items()}


def _totals(on: date) -> dict[Category, CategoryTotals]:
    """Computed in the database: sums per member, the category in force per member, the members who left."""
    sums = (register_select(ShareEntry.member_id.label("member_id"), func.sum(ShareEntry.shares).label("shares"),
                            func.sum(ShareEntry.capital_cents).label("capital"), func.sum(paid_on(on)).label("paid"))
            .where(ShareEntry.effective_on <= on).group_by(ShareEntry.member_id).subquery())
    voided = _voided_ids(on=on).subquery()
    not_voided = ShareEntry.id.not_in(select(voided.c.corrects_id))
    ranked = (select(ShareEntry.member_id.label("member_id"), ShareEntry.category.label("category"),
                     func.row_number().over(partition_by=ShareEntry.member_id,
                                            order_by=(ShareEntry.effective_on.desc(), ShareEntry.id.desc()))
                     .label("rank"))
              .where(ShareEntry.effective_on <= on, ShareEntry.category.is_not(None), not_voided).subquery())
    current = select(ranked.c.member_id, ranked.c.category).where(ranked.c.rank == 1).subquery()
    gone = (select(ShareEntry.member_id).where(ShareEntry.effective_on <= on, ShareEntry.kind.in_(LEAVING),
                                               not_voided).distinct().subquery())
    category = func.coalesce(current.c.category, Member.category)
    stmt = (select(category, func.sum(case((and_(sums.c.shares > 0, gone.c.member_id.is_(None)), 1), else_=0)),
                   func.sum(sums.c.shares), func.sum(sums.c.capital), func.sum(sums.c.paid))
            .select_from(sums).join(Member, Member.id == sums.c.member_id)
            .outerjoin(current, current.c.member_id == sums.c.member_id)
            .outerjoin(gone, gone.c.member_id == sums.c.member_id)
            .group_by(category))
    out = {c: CategoryTotals(c) for c in Category}
    for cat, members, shares, capital, paid in db.session.execute(stmt):
        cat = Category(cat) if not isinstance(cat, Category) else cat
        out[cat] = CategoryTotals(cat, int(members or 0), int(shares or 0), int(capital or 0), int(paid or 0))
    return out


def member_entries(member: Member) -> list[ShareEntry]:
    """The member's entries in the register's order (:func:`in_register_order`)."""
    return in_register_order(db.session.scalars(
        select(ShareEntry).where(ShareEntry.member_id == member.id)
        .options(selectinload(ShareEntry.counterpart), selectinload(ShareEntry.recorded_by),
                 selectinload(ShareEntry.payment_request),
                 selectinload(ShareEntry.corrects).selectinload(ShareEntry.payment_request))
        .order_by(ShareEntry.effective_on, ShareEntry.id)))


def _paid_subscriptions(entries: list[ShareEntry]) -> dict[int, ShareEntry]:
    """The subscription entry of each payment request among ``entries`` (the first, by date)."""
    subscriptions: dict[int, ShareEntry] = {}
    for entry in entries:
        if entry.kind is EntryKind.SUBSCRIPTION and entry.payment_request_id is not None:
            subscriptions.setdefault(entry.payment_request_id, entry)
    return subscriptions


def in_register_order(entries) -> list[ShareEntry]:
    """One member's entries (by date, then as written) in the order the register lists them: by date,
    except that a payment received before the subscription it pays follows that subscription. An
    applicant's money comes before their admission (the board decides after the payment, or the
    payment admits them the same day), but the shares it pays exist only from admission: the register
    lists the subscription, dated the day of admission, then the payment, with the day it was received
    (:func:`paid_ahead` names those received on an earlier day). Dates and amounts are the entries'
    own; holdings on a date count each entry from its date, as before."""
    entries = list(entries)
    subscriptions = _paid_subscriptions(entries)
    attached: dict[int, list[ShareEntry]] = defaultdict(list)
    listed: list[ShareEntry] = []
    for entry in entries:
        subscription = subscriptions.get(entry.payment_request_id) if entry.kind is EntryKind.PAYMENT else None
        if subscription is not None and (entry.effective_on, entry.id) < (subscription.effective_on, subscription.id):
            attached[subscription.id].append(entry)
        else:
            listed.append(entry)
    ordered: list[ShareEntry] = []
    for entry in listed:
        ordered.append(entry)
        ordered.extend(attached.get(entry.id, ()))
    return ordered


def paid_ahead(entries) -> set[int]:
    """The ids of the payments among ``entries`` received on a day before the subscription they pay
    (an applicant admitted later by decision): the register says "received before admission"."""
    entries = list(entries)
    subscriptions = _paid_subscriptions(entries)
    return {entry.id for entry in entries if entry.kind is EntryKind.PAYMENT
            and entry.payment_request_id in subscriptions
            and entry.effective_on < subscriptions[entry.payment_request_id].effective_on}


def member_requests(member: Member) -> list[PaymentRequest]:
    return list(db.session.scalars(select(PaymentRequest).where(PaymentRequest.member_id == member.id)
                                   .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id.desc())))


def member_entry(member: Member, entry_id: int) -> ShareEntry:
    entry = db.session.get(ShareEntry, entry_id)
    if entry is None or entry.member_id != member.id:
        raise EntryNotCorrectable()
    return entry


# ----------------------------------------------------------------------------------------------
# Money received: the payment entry, and what came beyond the amount due
# ----------------------------------------------------------------------------------------------


@dataclass
class AppliedPayment:
    request: PaymentRequest
    entry: ShareEntry | None  # None when nothing was still due (all of it is surplus)
    excess_cents: int
    surplus: Surplus | None = None
    shortfall: Surplus | None = None  # a bank payment short of what the request asked: staff decide


def record_payment(request: PaymentRequest, amount_cents: int, *, on: date, transaction: BankTransaction | None = None,
                   actor: Account | None = None, reason: str = "", from_surplus: Surplus | None = None,
                   notify: bool = True, exit_checked: bool = False) -> AppliedPayment:
    """Record ``amount_cents`` received for ``request``: the payment entry in the register for what was due,
    the request's paid amount, and a Surplus for anything beyond (kept until staff decide), all in this
    transaction; then the ``payment_matched`` signal (``notify=False``: no mail to the member, for the
    demo's history). Money that makes the request paid sends ``paid_in_full`` before the payment entry is
    written (an applicant admitted on payment: their subscription entry comes first). ``from_surplus``: the money is a surplus kept earlier, not a new payment (what it
    leaves over becomes a new surplus citing it). A bank ``transaction`` short of what the request still
    owed leaves an underpayment record (a Surplus of that kind) on which staff decide once.

    ``paid_cents`` moves by one conditional UPDATE on the value read, so two payments of the same
    request at once cannot both count: the second gets PaymentConflict. Paid-up capital grows by what
    the request still owed for shares; a renewal fee pays no capital. ``exit_checked``: the caller has
    refused money paid after the member's exit already (``check_received_on``), so the exit is not
    looked up a second time."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise NotACredit()
    if from_surplus is None and not exit_checked and paid_after_exit(request, on, left_on(request.member_id)):
        # The member left: the money buys nothing and pays no membership; it goes back to the payer.
        from shares.surplus import refund_after_exit  # shares.surplus builds on this module

        kept = refund_after_exit(request, amount_cents, transaction=transaction, actor=actor)
        return AppliedPayment(request, None, amount_cents, surplus=kept)
    if request.status is PaymentStatus.CANCELLED:
        raise RequestNotPayable()
    before_paid = request.paid_cents  # as this transaction knows it; the UPDATE below checks it still holds
    owed_before = max(request.amount_cents - before_paid, 0)
    applied = min(amount_cents, owed_before, _capital_room(request))
    excess = amount_cents - applied
    paid = before_paid + applied
    status = _status_for(request.amount_cents, paid)
    paid_at = (request.paid_at or utcnow()) if status is PaymentStatus.PAID else None
    changed = db.session.execute(
        update(PaymentRequest).where(PaymentRequest.id == request.id, PaymentRequest.paid_cents == before_paid,
                                     PaymentRequest.status != PaymentStatus.CANCELLED)
        .values(paid_cents=paid, status=status, paid_at=paid_at)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise PaymentConflict()
    for key, value in (("paid_cents", paid), ("status", status), ("paid_at", paid_at)):
        set_committed_value(request, key, value)  # what the UPDATE wrote, without another SELECT
    entry = None
    if applied and status is PaymentStatus.PAID:
        paid_in_full.send(request, on=on)  # an applicant admitted on payment: the subscription first
    if applied:
        entry = ShareEntry(member_id=request.member_id, kind=EntryKind.PAYMENT, effective_on=on, shares=0,
                           amount_cents=applied, capital_cents=0,
                           paid_cents=applied if request.purpose in CAPITAL_PURPOSES else 0,
                           payment_request_id=request.id, bank_transaction_id=transaction.id if transaction else None,
                           note=reason[:500], recorded_by_id=actor.id if actor else None)
        db.session.add(entry)
    surplus = shortfall = None
    short = (transaction is not None and from_surplus is None and status is PaymentStatus.PARTIALLY_PAID
             and applied == amount_cents)
    if excess or short:
        iban = transaction.counterparty_iban if transaction else None
        if iban is None:
            iban = db.session.scalar(select(Member.iban).where(Member.id == request.member_id))
        kept = Surplus(member_id=request.member_id, payment_request_id=request.id,
                       bank_transaction_id=transaction.id if transaction else None,
                       source_surplus_id=from_surplus.id if from_surplus else None,
                       kind=SurplusKind.OVERPAYMENT if excess else SurplusKind.UNDERPAYMENT,
                       amount_cents=excess or applied, refund_iban=iban)
        db.session.add(kept)
        if excess:
            surplus = kept
        else:
            shortfall = kept
    db.session.flush()
    audit.record("shares.payment.record", request, actor=actor, before={"paid_cents": before_paid},
                 after={"paid_cents": paid, "status": status, "amount_cents": amount_cents, "applied_cents": applied,
                        "surplus_cents": excess, "short_cents": request.due_cents if shortfall else 0,
                        "entry": entry.id if entry else None,
                        "transaction": transaction.bank_reference if transaction else None, "reason": reason})
    payment_matched.send(request, transaction=transaction, entry=entry, amount_cents=amount_cents,
                         applied_cents=applied, surplus=surplus, from_surplus=from_surplus, notify=notify)
    return AppliedPayment(request, entry, excess, surplus, shortfall)


def paid_after_exit(request: PaymentRequest, on: date, left_on: date | None) -> bool:
    """Money paid on ``on`` for ``request`` of a member whose exit is in force from ``left_on`` buys nothing
    when it was paid once they had left, or for a request their exit cancelled; paid earlier on a request still
    open (a renewal partly paid stays at an exit), it pays it as it would have then. The rule of
    ``record_payment`` and of the statement import."""
    return left_on is not None and (on >= left_on or request.status is PaymentStatus.CANCELLED)


def _capital_room(request: PaymentRequest) -> int:
    """What a payment of ``request`` may add to paid-up capital: for shares already in the register, the
    capital the member subscribed and has not paid up; otherwise (a renewal fee, an applicant's shares,
    recorded on admission) no limit beyond the request itself."""
    if request.purpose not in CAPITAL_PURPOSES:
        return request.amount_cents
    unpaid, in_register = db.session.execute(
        select(func.coalesce(func.sum(ShareEntry.capital_cents - ShareEntry.paid_cents), 0),
               func.coalesce(func.max(case((and_(ShareEntry.kind == EntryKind.SUBSCRIPTION,
                                                 ShareEntry.payment_request_id == request.id), 1), else_=0)), 0))
        .where(ShareEntry.member_id == request.member_id)).one()
    return max(int(unpaid), 0) if in_register else request.amount_cents


def record_payment_received(request: PaymentRequest, amount_cents: int, *, on: date, how: str,
                            seen_paid_cents: int, actor: Account | None = None) -> AppliedPayment:
    """Money staff received outside the bank (cash at an assembly's door, a card terminal) for ``request``:
    recorded as a bank payment is, with ``how`` it came as the entry's note. ``seen_paid_cents`` is what
    the request had received when staff opened the form: sent twice, or after another payment, the form
    records nothing (record_payment's conditional UPDATE then holds the same value against a payment
    recorded at the same moment)."""
    how = (how or "").strip()
    if not how:
        raise ReasonRequired()
    check_received_on(request, on)
    if request.status is PaymentStatus.CANCELLED:
        raise RequestNotPayable()
    if request.paid_cents != seen_paid_cents:
        raise PaymentRecordedMeanwhile()
    if not request.due_cents:
        raise RequestPaidInFull()
    return record_payment(request, amount_cents, on=on, actor=actor, reason=how, exit_checked=True)


def check_received_on(request: PaymentRequest, on: date) -> None:
    """Money received outside the bank is dated neither in the future nor before its request could be paid
    (``payable_from``: shares paid up no sooner than subscribed), as a bank transfer is matched; received
    once the member had left (``paid_after_exit``, the rule of a bank payment), it is handed back, not
    recorded (``MemberLeftMoney``)."""
    if on > today():
        raise FutureDate()
    first_day = payable_from(request)
    if on < first_day:
        raise ReceivedBeforeAsked(on, first_day)
    if paid_after_exit(request, on, left_on(request.member_id)):
        raise MemberLeftMoney()


def cancel_unpaid_request(request: PaymentRequest, *, reason: str, actor: Account | None = None,
                          on: date | None = None) -> None:
    """An unpaid request is cancelled; one for shares already in the register takes its subscription back
    (a correction citing it, with ``reason``, dated ``on``), so the register counts no shares nobody will
    pay. An applicant's subscription is recorded only on admission: cancelling their request corrects nothing."""
    cancel_payment_request(request, actor=actor)
    subscription = db.session.scalar(select(ShareEntry).where(ShareEntry.payment_request_id == request.id,
                                                              ShareEntry.kind == EntryKind.SUBSCRIPTION))
    if subscription is not None:
        correct(subscription, reason=reason, on=on, shares=-subscription.shares,
                capital_cents=-subscription.capital_cents, actor=actor)


def payments_returned(request: PaymentRequest, entries: list[ShareEntry], *, reason: str,
                      actor: Account | None = None) -> int:
    """The bank took back the money of these payment ``entries``: it leaves the register. Paid-up capital
    the member no longer holds (their shares were redeemed since, by an exit or a redemption) was on the
    refund list: that much is taken off the newest refunds (``surplus.take_back``), and their redemption
    repaid that much less (a correction citing it), so the register and the refund list together hold
    what the cooperative still has. A refund already made went back twice: ReturnedAfterRefund. For a
    member whose exit is in force the request stays (or becomes) cancelled: nothing is asked of them;
    otherwise it owes the amount again. Returns the cents reversed."""
    from shares import surplus as surpluses  # shares.surplus builds on this module

    member = db.session.get(Member, request.member_id)
    left = exit_in_force(member.id)
    missing = sum(e.paid_cents for e in entries) - max(holding(member, today()).paid_cents, 0)
    if missing > 0:
        refunds = db.session.scalars(select(Surplus).join(ShareEntry, ShareEntry.id == Surplus.share_entry_id).where(
            Surplus.member_id == member.id, Surplus.voided_at.is_(None), ShareEntry.kind == EntryKind.REDEMPTION)
            .order_by(ShareEntry.effective_on.desc(), ShareEntry.id.desc()))
        for kept in refunds:
            if missing <= 0:
                break
            cut = min(missing, kept.amount_cents)
            surpluses.take_back(kept, cut, actor=actor, note=reason)  # refused once the refund was made
            correct(db.session.get(ShareEntry, kept.share_entry_id), reason=reason, paid_cents=cut, actor=actor,
                    refund_taken_back=True)
            missing -= cut
    total = reverse_payments(request, entries, reason=reason, actor=actor, cancel=left)
    if not left:
        _fit_requests_to_capital(member, actor)  # shares redeemed meanwhile are not asked for again
    return total


def reverse_payments(request: PaymentRequest, entries: list[ShareEntry], *, reason: str,
                     actor: Account | None = None, cancel: bool = False) -> int:
    """Money received for ``request`` goes back to the payer: a correction citing each payment entry
    takes what it paid up out of the register, and the request owes it again (``cancel``: the request
    is cancelled, as for a refused application). One conditional UPDATE on the paid amount read (a
    payment arriving at the same moment makes this PaymentConflict; a request already cancelled, as at
    an exit, is reversed only with ``cancel``, and stays cancelled). Returns the cents reversed."""
    total = sum(e.amount_cents for e in entries)
    if any(e.kind is not EntryKind.PAYMENT or e.payment_request_id != request.id for e in entries) or total <= 0:
        raise EntryNotCorrectable()
    before_paid = request.paid_cents
    paid = before_paid - total
    if paid < 0:
        raise PaymentConflict()
    values = {"paid_cents": paid, "status": _status_for(request.amount_cents, paid), "paid_at": None}
    still = PaymentRequest.status != PaymentStatus.CANCELLED
    if cancel:
        values.update(status=PaymentStatus.CANCELLED,
                      cancelled_at=func.coalesce(PaymentRequest.cancelled_at, utcnow()))
        still = PaymentRequest.status == request.status
    changed = db.session.execute(
        update(PaymentRequest).where(PaymentRequest.id == request.id, PaymentRequest.paid_cents == before_paid, still)
        .values(**values).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise PaymentConflict()
    db.session.refresh(request)
    for entry in entries:
        if entry.paid_cents:  # capital paid up leaves the register
            correct(entry, reason=reason, paid_cents=-entry.paid_cents, actor=actor)
        else:  # a fee (the yearly renewal) paid no capital: the correction takes its amount back
            correct(entry, reason=reason, fee_cents=-entry.amount_cents, actor=actor)
    return total


def reduce_subscription(request: PaymentRequest, shares: int, *, reason: str,
                        actor: Account | None = None) -> int:
    """A subscription request short of its amount becomes one for the ``shares`` whole shares its
    payments paid for: the request asks (and has received) that much, and the register's subscription
    (if it is already recorded; an applicant's is recorded on admission) is corrected by the shares no
    longer subscribed. What was paid beyond those shares leaves the register's paid-up capital; the
    caller keeps it (a Surplus). Returns those cents left over."""
    if request.purpose not in CAPITAL_PURPOSES or not isinstance(shares, int) or not 1 <= shares < request.shares:
        raise InvalidShareCount()
    price = request.amount_cents // request.shares
    amount = shares * price
    before_paid = request.paid_cents
    leftover = before_paid - amount
    if leftover < 0:
        raise InvalidShareCount()
    changed = db.session.execute(
        update(PaymentRequest).where(PaymentRequest.id == request.id, PaymentRequest.paid_cents == before_paid,
                                     PaymentRequest.status == PaymentStatus.PARTIALLY_PAID)
        .values(amount_cents=amount, shares=shares, paid_cents=amount, status=PaymentStatus.PAID, paid_at=utcnow())
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise PaymentConflict()
    less = request.shares - shares
    db.session.refresh(request)
    subscription = db.session.scalar(select(ShareEntry).where(ShareEntry.payment_request_id == request.id,
                                                              ShareEntry.kind == EntryKind.SUBSCRIPTION))
    if subscription is not None:
        correct(subscription, reason=reason, shares=-less, capital_cents=-less * price, paid_cents=-leftover,
                actor=actor)
    elif leftover:
        payment = db.session.scalar(select(ShareEntry).where(ShareEntry.payment_request_id == request.id,
                                                             ShareEntry.kind == EntryKind.PAYMENT)
                                    .order_by(ShareEntry.id.desc()).limit(1))
        correct(payment, reason=reason, paid_cents=-leftover, actor=actor)
    return leftover


def payment_entries(request: PaymentRequest) -> list[ShareEntry]:
    """The payment entries of ``request`` that no correction has reversed yet."""
    corrected = select(ShareEntry.corrects_id).where(ShareEntry.kind == EntryKind.CORRECTION,
                                                     ShareEntry.corrects_id.is_not(None))
    return list(db.session.scalars(select(ShareEntry).where(ShareEntry.payment_request_id == request.id,
                                                            ShareEntry.kind == EntryKind.PAYMENT,
                                                            ShareEntry.id.not_in(corrected))
                                   .order_by(ShareEntry.id)))


def _status_for(amount: int, paid: int) -> PaymentStatus:
    if paid >= amount:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID if paid > 0 else PaymentStatus.OPEN
