"""What becomes of money staff must decide about (a Surplus): staff decide once.

Money received beyond what was due (an **overpayment**):

- **refund**: the amount goes on the refund list, with the IBAN to pay it back to; staff mark it
  refunded once the bank transfer is made;
- **extra shares**: it buys as many whole shares as it pays for (the register gets the subscription
  and its payment); what is left over is kept as a new surplus;
- **credit**: it pays towards next year's renewal; what is left over is kept as a new surplus.

A bank payment short of what its request asked (an **underpayment**, while the request is partly paid):

- **keep due**: accepted as a partial payment; the rest stays due and the member gets a reminder
  saying how much and with which communication;
- **fewer shares**: a request for shares becomes one for the whole shares its payments made (the
  register's subscription is corrected); anything paid beyond them is kept as a new overpayment;
- **refund**: the payment goes on the refund list and leaves the register (a correction); the
  request owes its whole amount again.

A **refused application** that had received money: its money goes on the refund list at once
(``refund_refused_application``), the request is cancelled and the payments leave the register.

A refund not made yet can be **called off** by staff, with their reason (``call_off``): money kept
beyond what was due is kept again, to be decided again; any other refund is owed and is refused in
words (``call_off_refusal``).

Each decision is one conditional UPDATE on ``decision IS NULL`` (of two staff deciding at once, the
second gets SurplusAlreadyDecided, 409), audited, in the caller's transaction. Services flush only."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import and_, func, or_, select, update
from stdnum import iban as std_iban
from stdnum.exceptions import ValidationError as StdnumError

from app import audit
from app.clock import today, utcnow
from app.errors import DomainError
from app.extensions import db
from app.forms import blank
from app.jobs import job_context
from app.mail import queue_mail
from app.models import Account
from app.uow import savepoint
from shares import register
from shares.errors import (FewerSharesImpossible, KeptMoneyNotForShares, MemberLeftMoney, NothingDue, ReasonRequired,
                           RefundAccountMissing, RefundAlreadyMade, RefundCalledOff, RefundMustBePaid, RefundNotListed,
                           RefundPaidBack,
                           RefundStillListed, ReturnedAfterRefund, ShortfallSettled, SurplusAlreadyDecided,
                           SurplusTooSmall)
from shares.labels import (APPLICATION_REFUSED, FEWER_SHARES_PAYMENT_SHORT, PAID_WITH_KEPT_MONEY,
                           PARTIAL_PAYMENT_PAID_BACK, coop_iban_text, iban_text, register_words)
from shares.models import (ApplicationStatus, BankTransaction, Member, MembershipApplication, PaymentRequest,
                           PaymentStatus, QUEUE_STATUSES, ShareEntry, Surplus, SurplusDecision, SurplusKind)
from shares.payments import CAPITAL_PURPOSES
from shares.settings import bank_accounts, share_price_cents
from shares.signals import request_settled


def _claim(surplus: Surplus, decision: SurplusDecision, actor: Account | None, note: str, **values) -> None:
    changed = db.session.execute(
        update(Surplus).where(Surplus.id == surplus.id, Surplus.decision.is_(None), Surplus.voided_at.is_(None))
        .values(decision=decision, decided_at=utcnow(), decided_by_id=actor.id if actor else None,
                decision_note=(note or "").strip()[:500], **values)
        .execution_options(synchronize_session=False))
    db.session.refresh(surplus)
    if changed.rowcount != 1:
        _check_not_called_off(surplus)
        raise SurplusAlreadyDecided()


def _called_off(surplus: Surplus) -> RefundCalledOff | None:
    """A refund staff called off, said with the day it was called off, since nobody decided it."""
    if surplus.called_off_reason is not None and surplus.voided_at is not None:
        return RefundCalledOff(surplus.voided_at)
    return None


def _check_not_called_off(surplus: Surplus) -> None:
    """A refund staff called off is neither paid back nor decided again (its money was kept again, a row of
    its own)."""
    refusal = _called_off(surplus)
    if refusal is not None:
        raise refusal


def _remainder(surplus: Surplus, amount_cents: int, kind: SurplusKind = SurplusKind.OVERPAYMENT) -> Surplus | None:
    if amount_cents <= 0:
        return None
    rest = Surplus(member_id=surplus.member_id, payment_request_id=surplus.payment_request_id, kind=kind,
                   source_surplus_id=surplus.id, amount_cents=amount_cents, refund_iban=surplus.refund_iban)
    db.session.add(rest)
    db.session.flush()
    return rest


def refund(surplus: Surplus, *, iban: str | None = None, actor: Account | None = None, note: str = "") -> Surplus:
    """Put the surplus on the refund list, to be paid back to ``iban`` (by default the payer's account)."""
    _check_not_called_off(surplus)
    account = _valid_iban(iban or surplus.refund_iban)
    if account is None:
        raise RefundAccountMissing()
    if surplus.decision is not None:
        raise SurplusAlreadyDecided()
    request = _short_request(surplus) if surplus.kind is SurplusKind.UNDERPAYMENT else None
    _claim(surplus, SurplusDecision.REFUND, actor, note, refund_iban=account)
    if request is not None:  # the short payment leaves the register; the request owes its whole amount again
        entry = db.session.scalar(select(ShareEntry).where(
            ShareEntry.bank_transaction_id == surplus.bank_transaction_id))
        register.reverse_payments(request, [entry], reason=register_words(PARTIAL_PAYMENT_PAID_BACK),
                                  actor=actor)
        _mail(surplus.member_id, "money_refunded", f"shares.refund:{surplus.id}", refused=False, request=request,
              amount_cents=surplus.amount_cents, iban=iban_text(account))
    audit.record("shares.surplus.refund", surplus, actor=actor,
                 after={"amount_cents": surplus.amount_cents, "iban": account, "note": note, "kind": surplus.kind,
                        "due_cents": request.due_cents if request is not None else None})
    return surplus


def buy_shares(surplus: Surplus, *, actor: Account | None = None, note: str = "") -> tuple[PaymentRequest, Surplus | None]:
    """Buy as many whole shares as the surplus pays for; the rest is kept as a new surplus."""
    _check_overpayment(surplus)
    member = db.session.get(Member, surplus.member_id)
    price = share_price_cents(register.holding(member).category or member.category)
    shares = surplus.amount_cents // price
    if shares < 1:
        raise SurplusTooSmall()
    kept_words = register_words(PAID_WITH_KEPT_MONEY)
    _entry, request = register.subscribe(member, shares, on=today(), actor=actor, note=kept_words)
    _claim(surplus, SurplusDecision.EXTRA_SHARES, actor, note, result_request_id=request.id)
    register.record_payment(request, shares * price, on=today(), actor=actor, reason=kept_words,
                            from_surplus=surplus)
    rest = _remainder(surplus, surplus.amount_cents - shares * price)
    audit.record("shares.surplus.extra_shares", surplus, actor=actor,
                 after={"amount_cents": surplus.amount_cents, "shares": shares, "request": request.reference,
                        "rest_cents": rest.amount_cents if rest else 0, "note": note})
    return request, rest


def credit_next_year(surplus: Surplus, *, actor: Account | None = None, note: str = "") -> PaymentRequest:
    """Pay the surplus towards the renewal the member pays next (``standing.renewal_year_due``: this year's
    while it is theirs and unpaid, else next year's; its request is made if the campaign has not yet)."""
    from shares.renewal import renewal_request
    from shares.standing import renewal_year_due

    _check_overpayment(surplus)
    member = db.session.get(Member, surplus.member_id)
    year = renewal_year_due(member.id, today())
    request = renewal_request(member, year, actor=actor)
    if request.status is PaymentStatus.CANCELLED or request.due_cents == 0:
        raise NothingDue(year, cancelled=request.status is PaymentStatus.CANCELLED)
    _claim(surplus, SurplusDecision.CREDIT, actor, note, result_request_id=request.id)
    applied = register.record_payment(request, surplus.amount_cents, on=today(), actor=actor,
                                      reason=register_words(PAID_WITH_KEPT_MONEY),
                                      from_surplus=surplus)
    audit.record("shares.surplus.credit", surplus, actor=actor,
                 after={"amount_cents": surplus.amount_cents, "year": year, "request": request.reference,
                        "rest_cents": applied.excess_cents, "note": note})
    return request


def mark_refunded(surplus: Surplus, *, iban: str | None = None, actor: Account | None = None) -> None:
    """The bank transfer back to the payer was made: the surplus leaves the refund list (once). A refund
    listed without an account (a redemption, money after an exit) says which one it was paid to (``iban``)."""
    _check_not_called_off(surplus)
    account = _valid_iban(surplus.refund_iban) or _valid_iban(iban)
    if account is None:
        raise RefundAccountMissing()
    changed = db.session.execute(
        update(Surplus).where(Surplus.id == surplus.id, Surplus.decision == SurplusDecision.REFUND,
                              Surplus.refunded_at.is_(None), Surplus.voided_at.is_(None))
        .values(refunded_at=utcnow(), refund_iban=account).execution_options(synchronize_session=False))
    db.session.refresh(surplus)
    if changed.rowcount != 1:
        _check_not_called_off(surplus)
        raise SurplusAlreadyDecided()
    audit.record("shares.surplus.refunded", surplus, actor=actor, after={"amount_cents": surplus.amount_cents,
                                                                        "iban": surplus.refund_iban})


def call_off_refusal(kept: Surplus, left: bool | None = None) -> DomainError | None:
    """Why the refund ``kept`` cannot be called off now, or None: the rule of :func:`call_off` and of the
    refund list, which offers it only when it would be taken (``left``: whether the member's exit is in
    force, when the caller knows it for a whole page). Only money kept beyond what was due goes back to
    be decided again (of a member who has not left: a former member's is only paid back); every other
    refund is owed (RefundMustBePaid, 422, saying what to do instead); one called off already says when
    (RefundCalledOff)."""
    if kept.refunded_at is not None:
        return RefundPaidBack(kept.amount_cents, kept.refunded_at)
    if (refusal := _called_off(kept)) is not None:
        return refusal
    if kept.voided_at is not None or kept.decision is not SurplusDecision.REFUND:
        return RefundNotListed()
    if kept.kind is not SurplusKind.OVERPAYMENT:
        return RefundMustBePaid(kept.kind)
    if register.exit_in_force(kept.member_id) if left is None else left:
        return RefundMustBePaid(kept.kind)  # a rule, as for the kinds above: a former member's money is only paid back
    return None


def call_off(kept: Surplus, *, reason: str, actor: Account | None = None) -> Surplus:
    """Staff call off a refund not made yet, saying why (the member keeps the money as shares, it was
    decided by mistake): it leaves the refund list (voided, with the reason) and its money is kept again,
    a new undecided row citing it (``source_surplus_id``, unique), to be decided again in the queue.
    One conditional UPDATE on ``refunded_at IS NULL AND voided_at IS NULL``: of two staff at once, or a
    refund marked paid back at the same moment, one wins and the other is refused in words (409).
    Returns the money kept again."""
    reason = (reason or "").strip()
    if blank(reason):
        raise ReasonRequired()
    db.session.refresh(kept)
    refusal = call_off_refusal(kept)
    if refusal is not None:
        raise refusal
    changed = db.session.execute(
        update(Surplus).where(Surplus.id == kept.id, Surplus.decision == SurplusDecision.REFUND,
                              Surplus.refunded_at.is_(None), Surplus.voided_at.is_(None))
        .values(voided_at=utcnow(), called_off_reason=reason[:500]).execution_options(synchronize_session=False))
    db.session.refresh(kept)
    if changed.rowcount != 1:
        raise call_off_refusal(kept) or RefundNotListed()
    with savepoint(conflict=RefundNotListed):  # kept again once: the link to the called-off row is unique
        again = _remainder(kept, kept.amount_cents)
    audit.record("shares.surplus.call_off", kept, actor=actor,
                 after={"amount_cents": kept.amount_cents, "iban": kept.refund_iban, "kind": kept.kind,
                        "reason": reason[:500], "kept_again": again.id})
    return again


def member_refunds(member_id: int) -> list[Surplus]:
    """Every refund decided for ``member_id``, oldest first: to make, made, called off or taken off."""
    return list(db.session.scalars(select(Surplus).where(Surplus.member_id == member_id,
                                                         Surplus.decision == SurplusDecision.REFUND)
                                   .order_by(Surplus.decided_at, Surplus.id)))


def kept_again(refunds: list[Surplus]) -> dict[int, Surplus]:
    """The money each called-off refund among ``refunds`` kept again, by the refund's id (one query): still
    to decide, decided again, or voided (the bank took it back)."""
    called_off = [kept.id for kept in refunds if kept.called_off_reason is not None]
    if not called_off:
        return {}
    return {again.source_surplus_id: again
            for again in db.session.scalars(select(Surplus).where(Surplus.source_surplus_id.in_(called_off)))}


def money_unsettled(member_id: int) -> bool:
    """Whether the cooperative has money of ``member_id``'s still to settle: a refund to make, money kept
    beyond what was due waiting for a decision, a request partly paid (staff decide what becomes of it),
    or a bank credit naming one of its requests that waits in the payments queue (paid after the exit, say).
    A former member applies again only once it is settled, so their new membership's money never mixes
    with it."""
    to_settle = or_(and_(Surplus.decision == SurplusDecision.REFUND, Surplus.refunded_at.is_(None)),
                    and_(Surplus.decision.is_(None), Surplus.kind == SurplusKind.OVERPAYMENT))
    money = select(Surplus.id).where(Surplus.member_id == member_id, Surplus.voided_at.is_(None), to_settle)
    partly_paid = select(PaymentRequest.id).where(PaymentRequest.member_id == member_id,
                                                  PaymentRequest.status == PaymentStatus.PARTIALLY_PAID)
    queued = select(BankTransaction.id).join(PaymentRequest, PaymentRequest.id == BankTransaction.payment_request_id) \
        .where(PaymentRequest.member_id == member_id, BankTransaction.amount_cents > 0,
               BankTransaction.match_status.in_(QUEUE_STATUSES), BankTransaction.resolved_at.is_(None))
    return bool(db.session.scalar(select(or_(money.exists(), partly_paid.exists(), queued.exists()))))


def _mail(member_id: int, template: str, key: str, **context) -> None:
    """Queue a mail to the member, once per ``key`` (the outbox's unique dedupe key), in their language."""
    member = db.session.get(Member, member_id)
    if member is None or not member.email:
        return
    with job_context():
        queue_mail(member.email, member.language, template, dedupe_key=key, member=member,
                   link=url_for("shares.my_payments", _external=True), **context)


def _check_overpayment(surplus: Surplus) -> None:
    """Extra shares and credit are for money beyond what was due, of a member (not an applicant, nor
    someone whose exit is in force: no renewal is made for them)."""
    _check_not_called_off(surplus)
    if surplus.decision is not None:
        raise SurplusAlreadyDecided()
    if surplus.kind is not SurplusKind.OVERPAYMENT:
        raise SurplusAlreadyDecided()
    application = db.session.scalar(select(MembershipApplication.status).where(  # the latest: earlier ones ended
        MembershipApplication.member_id == surplus.member_id).order_by(MembershipApplication.id.desc()).limit(1))
    if application is not None and application is not ApplicationStatus.ADMITTED:
        raise KeptMoneyNotForShares()
    if register.exit_in_force(surplus.member_id):
        raise MemberLeftMoney()  # a former member's money is only paid back


# ----------------------------------------------------------------------------------------------
# Payments short of what was asked
# ----------------------------------------------------------------------------------------------


def _short_request(surplus: Surplus) -> PaymentRequest:
    """The request an undecided underpayment concerns, still partly paid (else ShortfallSettled)."""
    _check_not_called_off(surplus)
    if surplus.kind is not SurplusKind.UNDERPAYMENT or surplus.decision is not None:
        raise SurplusAlreadyDecided()
    request = db.session.get(PaymentRequest, surplus.payment_request_id)
    db.session.refresh(request)
    if request.status is not PaymentStatus.PARTIALLY_PAID:
        raise ShortfallSettled()
    return request


def fewer_shares_possible(surplus: Surplus, request: PaymentRequest | None = None) -> int:
    """The whole shares what was paid on the request makes, when fewer than asked (else 0)."""
    request = request or surplus.payment_request
    if request is None or request.purpose not in CAPITAL_PURPOSES or request.shares < 2:
        return 0
    shares = request.paid_cents // (request.amount_cents // request.shares)
    return shares if 1 <= shares < request.shares else 0


def keep_due(surplus: Surplus, *, actor: Account | None = None, note: str = "") -> PaymentRequest:
    """Accept the short payment as partial: the rest stays due, and the member is reminded (once)."""
    request = _short_request(surplus)
    if register.exit_in_force(surplus.member_id):
        raise MemberLeftMoney()  # no reminder to pay is sent to someone who left
    _claim(surplus, SurplusDecision.KEEP_DUE, actor, note)
    _mail(surplus.member_id, "balance_due", f"shares.balance_due:{surplus.id}", request=request,
          paid_cents=surplus.amount_cents, iban=coop_iban_text(),
          on=surplus.bank_transaction.booking_date if surplus.bank_transaction else None)
    audit.record("shares.underpayment.keep_due", surplus, actor=actor,
                 after={"amount_cents": surplus.amount_cents, "due_cents": request.due_cents,
                        "request": request.reference, "note": note})
    return request


def fewer_shares(surplus: Surplus, *, actor: Account | None = None, note: str = "") -> tuple[PaymentRequest, Surplus | None]:
    """Reduce a short request for shares to the whole shares its payments made; the request is then paid
    (an application moves on to admission), and anything paid beyond those shares is kept as an overpayment."""
    request = _short_request(surplus)
    shares = fewer_shares_possible(surplus, request)
    if not shares:
        raise FewerSharesImpossible()
    asked = request.shares
    _claim(surplus, SurplusDecision.FEWER_SHARES, actor, note, result_request_id=request.id)
    application = db.session.scalar(select(MembershipApplication).where(
        MembershipApplication.payment_request_id == request.id))
    leftover = register.reduce_subscription(request, shares, actor=actor,
                                            reason=register_words(FEWER_SHARES_PAYMENT_SHORT))
    if application is not None:
        application.shares = shares
        db.session.flush()
    rest = _remainder(surplus, leftover, kind=SurplusKind.OVERPAYMENT)
    audit.record("shares.underpayment.fewer_shares", surplus, actor=actor,
                 after={"amount_cents": surplus.amount_cents, "shares_asked": asked, "shares": shares,
                        "request": request.reference, "amount_now_cents": request.amount_cents,
                        "rest_cents": leftover, "note": note})
    _mail(surplus.member_id, "subscription_reduced", f"shares.subscription_reduced:{surplus.id}", request=request,
          asked=asked, paid_cents=request.amount_cents + leftover, rest_cents=leftover)
    request_settled.send(request)
    return request, rest


# ----------------------------------------------------------------------------------------------
# A refused application's money
# ----------------------------------------------------------------------------------------------


def refund_refused_application(application: MembershipApplication, *, actor: Account | None = None,
                               note: str = "") -> Surplus | None:
    """The money an application received goes on the refund list (decided at once), its payments
    leave the register and its request is cancelled. Once per request (partial unique index)."""
    request = application.payment_request
    db.session.refresh(request)
    if request.paid_cents <= 0 or request.status is PaymentStatus.CANCELLED:
        return None
    entries = register.payment_entries(request)
    amount = sum(e.amount_cents for e in entries)
    payer_iban = db.session.scalar(
        select(BankTransaction.counterparty_iban).join(ShareEntry, ShareEntry.bank_transaction_id == BankTransaction.id)
        .where(ShareEntry.payment_request_id == request.id, BankTransaction.counterparty_iban.is_not(None))
        .order_by(ShareEntry.id.desc()).limit(1))
    iban = _valid_iban(payer_iban) or _valid_iban(application.member.iban)
    kept = Surplus(member_id=application.member_id, payment_request_id=request.id, amount_cents=amount,
                   kind=SurplusKind.REFUSED_APPLICATION, refund_iban=iban, decision=SurplusDecision.REFUND,
                   decided_at=utcnow(), decided_by_id=actor.id if actor else None, decision_note=(note or "")[:500])
    with savepoint(conflict=SurplusAlreadyDecided):
        db.session.add(kept)
        db.session.flush()
    register.reverse_payments(request, entries, reason=register_words(APPLICATION_REFUSED),
                              actor=actor, cancel=True)
    _mail(application.member_id, "money_refunded", f"shares.refund:{kept.id}", refused=True, request=request,
          amount_cents=amount, iban=iban_text(iban), decision_on=application.decision_on)
    audit.record("shares.surplus.refund", kept, actor=actor,
                 after={"amount_cents": amount, "iban": iban, "note": note, "kind": kept.kind,
                        "application": application.id})
    return kept


def refund_redemption(redemption: ShareEntry, iban: str | None, *, leaving: bool,
                      actor: Account | None = None) -> Surplus | None:
    """Put the paid-up value a redemption gives back on the refund list, to ``iban`` (the account a
    leaving member gave when resigning, else their profile's), once per redemption (unique column):
    the one place both a plain redemption and an exit's put their refund."""
    amount = -redemption.paid_cents
    if amount <= 0:
        return None
    return _listed_at_once(Surplus(member_id=redemption.member_id, share_entry_id=redemption.id, amount_cents=amount,
                                   kind=SurplusKind.LEAVING if leaving else SurplusKind.REDEMPTION,
                                   refund_iban=_valid_iban(iban)),
                           actor, entry=redemption.id)


def _refunds_owed(member_id: int, *, with_account: bool):
    """The member's refunds on the refund list not yet paid back (nor voided), with an account chosen or
    waiting for one: one rule for both."""
    return select(Surplus).where(Surplus.member_id == member_id, Surplus.decision == SurplusDecision.REFUND,
                                 Surplus.refund_iban.is_not(None) if with_account else Surplus.refund_iban.is_(None),
                                 Surplus.refunded_at.is_(None), Surplus.voided_at.is_(None))


def owed_without_account(member_id: int) -> int:
    """What the cooperative owes the member and cannot pay back for want of an account, in cents."""
    return db.session.scalar(_refunds_owed(member_id, with_account=False).with_only_columns(
        func.coalesce(func.sum(Surplus.amount_cents), 0))) or 0


def refunds_on_their_way(member_id: int) -> list[Surplus]:
    """The member's refunds on the refund list with an account chosen, not yet paid back: the profile says
    where each goes, since a new account saved there does not move them (``give_account``)."""
    return list(db.session.scalars(_refunds_owed(member_id, with_account=True).order_by(Surplus.id)))


def give_account(member: Member, iban: str | None, *, actor: Account | None = None) -> list[Surplus]:
    """An account the member gives (resigning, or on their profile) reaches every refund of theirs still on
    the refund list without one (a redemption recorded before they gave it, money after an exit): one rule,
    for the refunds waiting, never changing an account already chosen, and never one of the cooperative's
    own. Each one conditional UPDATE on ``refund_iban IS NULL``, audited."""
    account = _valid_iban(iban)
    if account is None:
        return []
    waiting = list(db.session.scalars(_refunds_owed(member.id, with_account=False).order_by(Surplus.id)))
    given = []
    for kept in waiting:
        changed = db.session.execute(
            update(Surplus).where(Surplus.id == kept.id, Surplus.refund_iban.is_(None), Surplus.refunded_at.is_(None),
                                  Surplus.voided_at.is_(None))
            .values(refund_iban=account).execution_options(synchronize_session=False))
        db.session.refresh(kept)
        if changed.rowcount == 1:
            audit.record("shares.surplus.account_given", kept, actor=actor,
                         after={"amount_cents": kept.amount_cents, "iban": account, "kind": kept.kind})
            given.append(kept)
    return given


def _listed_at_once(kept: Surplus, actor: Account | None, **audited) -> Surplus:
    """``kept`` goes on the refund list with no one to decide (a redemption's, money after an exit): once,
    its link column being unique (a second one is SurplusAlreadyDecided), and audited."""
    kept.decision, kept.decided_at, kept.decided_by_id = SurplusDecision.REFUND, utcnow(), actor.id if actor else None
    with savepoint(conflict=SurplusAlreadyDecided):
        db.session.add(kept)
        db.session.flush()
    audit.record("shares.surplus.refund", kept, actor=actor,
                 after={"amount_cents": kept.amount_cents, "iban": kept.refund_iban, "kind": kept.kind, **audited})
    return kept


def redemption_refund(redemption: ShareEntry) -> Surplus | None:
    """The refund a redemption put on the refund list, unless it was voided."""
    return db.session.scalar(select(Surplus).where(Surplus.share_entry_id == redemption.id,
                                                   Surplus.voided_at.is_(None)))


def void_refund(redemption: ShareEntry, *, actor: Account | None = None) -> Surplus | None:
    """What ``redemption`` paid back is undone (the exit or the redemption corrected away): its refund,
    not made yet, leaves the refund list. One conditional UPDATE on ``refunded_at IS NULL``: of a
    refund marked paid and voided at the same moment, one wins; once paid, RefundAlreadyMade."""
    kept = redemption_refund(redemption)
    if kept is None:
        return None
    changed = db.session.execute(
        update(Surplus).where(Surplus.id == kept.id, Surplus.refunded_at.is_(None), Surplus.voided_at.is_(None))
        .values(voided_at=utcnow()).execution_options(synchronize_session=False))
    db.session.refresh(kept)
    if changed.rowcount != 1:
        if kept.refunded_at is not None:
            raise RefundAlreadyMade(kept.amount_cents, kept.refunded_at)
        return None  # voided by someone else at the same moment: off the list all the same
    audit.record("shares.surplus.void", kept, actor=actor,
                 after={"amount_cents": kept.amount_cents, "iban": kept.refund_iban, "entry": redemption.id})
    return kept


def check_put_back(redemption: ShareEntry, paid_cents: int, *, exit_in_force: bool,
                   actor: Account | None = None) -> None:
    """A correction puts ``paid_cents`` of paid-up capital back into ``redemption``. Refused once its
    refund was made (the money left: RefundAlreadyMade), and while its refund is on the list
    (RefundStillListed) unless the correction puts back all of it with no exit in force: the
    redemption is then undone and its refund voided, so the money is never both capital and repaid."""
    kept = redemption_refund(redemption)
    if kept is None or paid_cents <= 0:
        return
    if kept.refunded_at is not None:
        raise RefundAlreadyMade(kept.amount_cents, kept.refunded_at)
    if exit_in_force or paid_cents != kept.amount_cents:
        raise RefundStillListed(kept.amount_cents, exit_in_force)
    void_refund(redemption, actor=actor)


def take_back(surplus: Surplus, cents: int, *, actor: Account | None = None, note: str = "") -> None:
    """The bank took back ``cents`` of the money ``surplus`` holds (on the refund list, or waiting for a
    decision): that much less is owed to the payer. All of it: the surplus is voided (it leaves the refund
    list and the queue); part of it: it lists the rest. One conditional UPDATE on the amount read and
    ``refunded_at IS NULL AND voided_at IS NULL``, like ``void_refund``; a refund already made was paid back
    twice (ReturnedAfterRefund, to recover from the payer)."""
    amount = surplus.amount_cents
    values = {"voided_at": utcnow()} if cents >= amount else {"amount_cents": amount - cents}
    changed = db.session.execute(
        update(Surplus).where(Surplus.id == surplus.id, Surplus.amount_cents == amount,
                              Surplus.refunded_at.is_(None), Surplus.voided_at.is_(None))
        .values(**values).execution_options(synchronize_session=False))
    db.session.refresh(surplus)
    if changed.rowcount != 1:
        if surplus.refunded_at is not None:
            raise ReturnedAfterRefund(min(cents, amount), surplus.refunded_at)
        raise SurplusAlreadyDecided()
    audit.record("shares.surplus.returned_by_bank", surplus, actor=actor, before={"amount_cents": amount},
                 after={"returned_cents": min(cents, amount), "voided": surplus.voided_at is not None,
                        "kind": surplus.kind, "note": note})


def refund_after_exit(request: PaymentRequest, amount_cents: int, *, transaction: BankTransaction | None,
                      actor: Account | None = None) -> Surplus:
    """Money paid for ``request`` of a member whose exit is in force buys nothing: it goes on the refund
    list at once, to the payer's account (else the member's), and nothing enters the register."""
    iban = _valid_iban(transaction.counterparty_iban if transaction else None) or _valid_iban(
        db.session.scalar(select(Member.iban).where(Member.id == request.member_id)))
    return _listed_at_once(Surplus(member_id=request.member_id, payment_request_id=request.id,
                                   bank_transaction_id=transaction.id if transaction else None,
                                   amount_cents=amount_cents, kind=SurplusKind.AFTER_EXIT, refund_iban=iban),
                           actor, request=request.reference,
                           transaction=transaction.bank_reference if transaction else None)


def _valid_iban(value: str | None) -> str | None:
    """An account money can be paid back to: a valid IBAN, never one of the cooperative's own (the payer
    of a transfer from our own account, a slip of a hand): with none, the refund says no account is known."""
    try:
        account = std_iban.validate(value or "")
    except StdnumError:
        return None
    return None if account in bank_accounts() else account


def open_surpluses_statement():
    """Overpayments waiting for a decision."""
    return (select(Surplus).where(Surplus.decision.is_(None), Surplus.kind == SurplusKind.OVERPAYMENT,
                                  Surplus.voided_at.is_(None))
            .order_by(Surplus.created_at, Surplus.id))


def open_underpayments_statement():
    """Underpayments waiting for a decision, while their request is still partly paid."""
    return (select(Surplus).join(PaymentRequest, PaymentRequest.id == Surplus.payment_request_id)
            .where(Surplus.decision.is_(None), Surplus.kind == SurplusKind.UNDERPAYMENT, Surplus.voided_at.is_(None),
                   PaymentRequest.status == PaymentStatus.PARTIALLY_PAID)
            .order_by(Surplus.created_at, Surplus.id))


def refund_list_statement():
    return (select(Surplus).where(Surplus.decision == SurplusDecision.REFUND, Surplus.refunded_at.is_(None),
                                  Surplus.voided_at.is_(None))
            .order_by(Surplus.decided_at, Surplus.id))
