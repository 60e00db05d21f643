"""What members ask of the register themselves, and staff decisions on it. Services flush, never commit.

Buying more shares is immediate (a subscription and its payment request). A change of category or
a resignation waits for staff: one pending request per member and kind (a partial unique index),
decided once (a conditional UPDATE: of two staff deciding at once, one wins, the other gets a
Conflict), and an approval writes the register entry through ``shares.register`` in the same
transaction."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app import audit
from app.clock import utcnow
from app.errors import Conflict
from app.extensions import db
from app.jobs import job_context, public_url
from app.mail import queue_mail
from app.models import Account
from app.uow import savepoint
from shares import register
from shares.errors import (InvalidShareCount, MemberNotActive, PurchaseAlreadySent, ReasonRequired,
                           ResignationPending, SameCategory, StaleConfirmation)
from shares.labels import coop_iban_text
from shares.models import (Category, Member, MemberRequest, MemberRequestKind, MemberRequestStatus,
                           PaymentRequest, ShareEntry)


class RequestAlreadyPending(Conflict):
    """The member already has a request of this kind waiting for staff."""


class RequestAlreadyDecided(Conflict):
    """Someone decided this request first."""


class AlreadyInCategory(SameCategory):
    """The member asks for the category they are already in (said to them, not about them)."""


def buy_shares(member: Member, shares: int, *, actor: Account | None = None,
               seen_version: int | None = None) -> PaymentRequest | None:
    """More shares: subscribed at once (the payment request is returned), or, where the statutes want
    a decision (``SHARE_PURCHASE_NEEDS_DECISION``), a request staff or the board approve (None).

    ``seen_version``: the member's version the form was shown at; the purchase claims it (a second
    sending of the same form is refused, PurchaseAlreadySent: nothing subscribed twice)."""
    from flask import current_app

    from shares.admission import check_admitted

    if seen_version is not None:
        try:
            register.claim_confirmation(member, seen_version)
        except StaleConfirmation:
            raise PurchaseAlreadySent() from None
    check_admitted(member)
    if MemberRequestKind.RESIGN in member_pending(member):
        raise ResignationPending()
    if current_app.config.get("SHARE_PURCHASE_NEEDS_DECISION"):
        if not isinstance(shares, int) or shares < 1:
            raise InvalidShareCount()
        if register.holding(member).left is not None:
            raise MemberNotActive()
        _pending(member, MemberRequestKind.BUY_SHARES, {"shares": shares}, actor)
        return None
    _entry, request = register.subscribe(member, shares, actor=actor)  # the audit names the member
    return request


def _pending(member: Member, kind: MemberRequestKind, details: dict, actor: Account | None) -> MemberRequest:
    request = MemberRequest(member_id=member.id, kind=kind, details=details)
    with savepoint(RequestAlreadyPending):  # one pending request per member and kind (a partial unique index)
        db.session.add(request)
        db.session.flush()
    audit.record(f"shares.member_request.{kind.value}", request, actor=actor,
                 after={"member": member.number, **details})
    return request


def request_category_change(member: Member, category: Category, *, actor: Account | None = None) -> MemberRequest:
    from shares.admission import check_admitted

    check_admitted(member)
    position = register.holding(member)
    if position.left is not None:
        raise MemberNotActive()
    if (position.category or member.category) is category:
        raise AlreadyInCategory()
    return _pending(member, MemberRequestKind.CHANGE_CATEGORY, {"category": category.value}, actor)


def request_resignation(member: Member, *, reason: str = "", repay_to: str,
                        actor: Account | None = None) -> MemberRequest:
    """``repay_to``: the IBAN (compact, checked by the form) the member's shares are repaid to."""
    from shares.admission import check_admitted

    check_admitted(member)
    if register.holding(member).left is not None:
        raise MemberNotActive()
    return _pending(member, MemberRequestKind.RESIGN, {"reason": reason.strip()[:500], "iban": repay_to}, actor)


def withdraw(request: MemberRequest, *, actor: Account) -> None:
    """The member takes back a request staff have not decided yet (a conditional UPDATE: if staff decide
    at the same moment, one of the two wins and the other gets RequestAlreadyDecided)."""
    result = db.session.execute(
        update(MemberRequest).where(MemberRequest.id == request.id,
                                    MemberRequest.status == MemberRequestStatus.PENDING)
        .values(status=MemberRequestStatus.WITHDRAWN, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RequestAlreadyDecided()
    db.session.refresh(request, ["status", "decided_by_id", "decided_at"])
    audit.record("shares.member_request.withdrawn", request, actor=actor,
                 before={"status": MemberRequestStatus.PENDING}, after={"status": MemberRequestStatus.WITHDRAWN})


def pending_requests(limit: int = 200) -> list[MemberRequest]:
    return list(db.session.scalars(
        select(MemberRequest).where(MemberRequest.status == MemberRequestStatus.PENDING)
        .options(joinedload(MemberRequest.member)).order_by(MemberRequest.created_at, MemberRequest.id).limit(limit)))


def recently_decided(member: Member, days: int = 90) -> list[MemberRequest]:
    """The member's requests staff decided in the last ``days`` days, newest first (what came of them)."""
    return list(db.session.scalars(
        select(MemberRequest).where(MemberRequest.member_id == member.id,
                                    MemberRequest.status.in_((MemberRequestStatus.APPROVED,
                                                              MemberRequestStatus.REFUSED)),
                                    MemberRequest.decided_at >= utcnow() - timedelta(days=days))
        .order_by(MemberRequest.decided_at.desc(), MemberRequest.id.desc())))


def member_pending(member: Member) -> dict[MemberRequestKind, MemberRequest]:
    return {r.kind: r for r in db.session.scalars(
        select(MemberRequest).where(MemberRequest.member_id == member.id,
                                    MemberRequest.status == MemberRequestStatus.PENDING))}


def decide(request: MemberRequest, *, approve: bool, actor: Account, note: str = "") -> list[ShareEntry]:
    """Approve (writing the register entry) or refuse (saying why) a pending request, once; the member
    is told by e-mail, in their language, with what follows."""
    if not approve and not note.strip():
        raise ReasonRequired()
    status = MemberRequestStatus.APPROVED if approve else MemberRequestStatus.REFUSED
    result = db.session.execute(
        update(MemberRequest).where(MemberRequest.id == request.id,
                                    MemberRequest.status == MemberRequestStatus.PENDING)
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow(), decision_note=note.strip()[:500])
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RequestAlreadyDecided()
    db.session.refresh(request, ["status", "decided_by_id", "decided_at", "decision_note"])
    entries: list[ShareEntry] = []
    payment = None
    member = request.member
    if approve:
        if request.kind is MemberRequestKind.CHANGE_CATEGORY:
            entries = [register.change_category(member, Category(request.details["category"]), actor=actor,
                                                note=note)]
        elif request.kind is MemberRequestKind.RESIGN:
            # The member's reason stays on their request, for staff: the legal register gets staff's note only.
            entries = register.resign(member, actor=actor, note=note, refund_iban=request.details.get("iban"))
        elif request.kind is MemberRequestKind.BUY_SHARES:
            entry, payment = register.subscribe(member, int(request.details["shares"]), actor=actor, note=note)
            entries = [entry]
    audit.record(f"shares.member_request.{status.value}", request, actor=actor,
                 before={"status": MemberRequestStatus.PENDING},
                 after={"status": status, "note": note, "entries": [e.id for e in entries]})
    if approve and request.kind is MemberRequestKind.RESIGN:
        return entries  # the exit's own mail tells the member (shares.mailing.membership_ended): one mail, not two
    if member.email:
        with job_context():
            queue_mail(member.email, member.language, "member_request_decided",
                       dedupe_key=f"shares.member_request:{request.id}", member=member, request=request,
                       approved=approve, note=note.strip(), payment=payment, coop_iban=coop_iban_text(),
                       link=public_url("/me/shares"))
    return entries
