"""What becomes of money received beyond what was due (a Surplus): staff decide once.

- **refund**: the amount goes on the refund list, with the IBAN to pay it back to; staff mark it
  refunded once the bank transfer is made;
- **extra shares**: it buys as many whole shares as it pays for (the register gets the subscription
  and its payment); what is left over is kept as a new surplus;
- **credit**: it pays towards next year's renewal; what is left over is kept as a new surplus.

Each decision is one conditional UPDATE on ``decision IS NULL`` (of two staff deciding at once, the
second gets SurplusAlreadyDecided, 409), audited, in the caller's transaction. Services flush only."""
from __future__ import annotations

from sqlalchemy import select, update
from stdnum import iban as std_iban
from stdnum.exceptions import ValidationError as StdnumError

from app import audit
from app.clock import today, utcnow
from app.extensions import db
from app.models import Account
from shares import register
from shares.errors import NothingDue, RefundAccountMissing, SurplusAlreadyDecided, SurplusTooSmall
from shares.models import (Member, PaymentPurpose, PaymentRequest, PaymentStatus, Surplus, SurplusDecision)
from shares.payments import create_payment_request
from shares.settings import share_price_cents


def _claim(surplus: Surplus, decision: SurplusDecision, actor: Account | None, note: str, **values) -> None:
    changed = db.session.execute(
        update(Surplus).where(Surplus.id == surplus.id, Surplus.decision.is_(None))
        .values(decision=decision, decided_at=utcnow(), decided_by_id=actor.id if actor else None,
                decision_note=(note or "").strip()[:500], **values)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise SurplusAlreadyDecided()
    db.session.refresh(surplus)


def _remainder(surplus: Surplus, amount_cents: int) -> Surplus | None:
    if amount_cents <= 0:
        return None
    rest = Surplus(member_id=surplus.member_id, payment_request_id=surplus.payment_request_id,
                   source_surplus_id=surplus.id, amount_cents=amount_cents, refund_iban=surplus.refund_iban)
    db.session.add(rest)
    db.session.flush()
    return rest


def refund(surplus: Surplus, *, iban: str | None = None, actor: Account | None = None, note: str = "") -> Surplus:
    """Put the surplus on the refund list, to be paid back to ``iban`` (by default the payer's account)."""
    try:
        account = std_iban.validate(iban or surplus.refund_iban or "")
    except StdnumError:
        raise RefundAccountMissing() from None
    if surplus.decision is not None:
        raise SurplusAlreadyDecided()
    _claim(surplus, SurplusDecision.REFUND, actor, note, refund_iban=account)
    audit.record("shares.surplus.refund", surplus, actor=actor,
                 after={"amount_cents": surplus.amount_cents, "iban": account, "note": note})
    return surplus


def buy_shares(surplus: Surplus, *, actor: Account | None = None, note: str = "") -> tuple[PaymentRequest, Surplus | None]:
    """Buy as many whole shares as the surplus pays for; the rest is kept as a new surplus."""
    if surplus.decision is not None:
        raise SurplusAlreadyDecided()
    member = db.session.get(Member, surplus.member_id)
    price = share_price_cents(register.holding(member).category or member.category)
    shares = surplus.amount_cents // price
    if shares < 1:
        raise SurplusTooSmall()
    _entry, request = register.subscribe(member, shares, on=today(), actor=actor, note=f"surplus #{surplus.id}")
    _claim(surplus, SurplusDecision.EXTRA_SHARES, actor, note, result_request_id=request.id)
    register.record_payment(request, shares * price, on=today(), actor=actor, reason=f"surplus #{surplus.id}",
                            from_surplus=surplus)
    rest = _remainder(surplus, surplus.amount_cents - shares * price)
    audit.record("shares.surplus.extra_shares", surplus, actor=actor,
                 after={"amount_cents": surplus.amount_cents, "shares": shares, "request": request.reference,
                        "rest_cents": rest.amount_cents if rest else 0, "note": note})
    return request, rest


def credit_next_year(surplus: Surplus, *, actor: Account | None = None, note: str = "") -> PaymentRequest:
    """Pay the surplus towards next year's renewal (its request is made if the campaign has not yet)."""
    from shares.renewal import renewal_amount_cents, renewal_request_for

    if surplus.decision is not None:
        raise SurplusAlreadyDecided()
    year = today().year + 1
    member = db.session.get(Member, surplus.member_id)
    request = renewal_request_for(member.id, year)
    if request is None:
        request = create_payment_request(member, PaymentPurpose.RENEWAL, renewal_amount_cents(), year=year,
                                         actor=actor)
    if request.status is PaymentStatus.CANCELLED or request.due_cents == 0:
        raise NothingDue()
    _claim(surplus, SurplusDecision.CREDIT, actor, note, result_request_id=request.id)
    applied = register.record_payment(request, surplus.amount_cents, on=today(), actor=actor,
                                      reason=f"surplus #{surplus.id}", from_surplus=surplus)
    audit.record("shares.surplus.credit", surplus, actor=actor,
                 after={"amount_cents": surplus.amount_cents, "year": year, "request": request.reference,
                        "rest_cents": applied.excess_cents, "note": note})
    return request


def mark_refunded(surplus: Surplus, *, actor: Account | None = None) -> None:
    """The bank transfer back to the payer was made: the surplus leaves the refund list (once)."""
    changed = db.session.execute(
        update(Surplus).where(Surplus.id == surplus.id, Surplus.decision == SurplusDecision.REFUND,
                              Surplus.refunded_at.is_(None))
        .values(refunded_at=utcnow()).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise SurplusAlreadyDecided()
    db.session.refresh(surplus)
    audit.record("shares.surplus.refunded", surplus, actor=actor, after={"amount_cents": surplus.amount_cents,
                                                                        "iban": surplus.refund_iban})


def open_surpluses_statement():
    return select(Surplus).where(Surplus.decision.is_(None)).order_by(Surplus.created_at, Surplus.id)


def refund_list_statement():
    return (select(Surplus).where(Surplus.decision == SurplusDecision.REFUND, Surplus.refunded_at.is_(None))
            .order_by(Surplus.decided_at, Surplus.id))
