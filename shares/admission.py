"""Admission of new members, as the statutes want it. Services flush, never commit.

1. ``apply`` (the public form): the member record and its account, the application, and the
   payment request for the shares asked for (with its structured communication and EPC QR code).
   The register gets nothing yet: the applicant is not a member.
2. The payment arrives: with ``ADMISSION_MODE = "payment"`` the applicant is admitted at once, before
   the payment's own entry is written (``paid_in_full``: the subscription is numbered first), and
   welcomed once it is (``payment_matched``); with ``"decision"`` the application waits for a board or
   staff decision.
3. ``decide``: admission writes the subscription entry (dated the day of admission, with the
   decision's date and reference) through ``shares.register``; a refusal is recorded too, and the
   money received goes on the refund list (``shares.surplus.refund_refused_application``: the request
   is cancelled, its payments leave the register). Decided once: a conditional UPDATE on the status.
4. ``withdraw``: the applicant changes their mind before paying anything (their request is
   cancelled; with money received, the cooperative decides and refunds).
5. ``apply_again``: an applicant whose application ended (refused or withdrawn), signed in, applies
   again: a new application for the same member, the old one kept as it ended. A former member who
   resigned applies again the same way, as a new membership (a new member number, the same account,
   following the one that ended: ``shares.services.rejoin_member``), once the old one's money is
   settled; the membership that ended is not opened again, and an excluded person is admitted again
   only through the board (``MembershipEnded``; see docs/register.md, "A former member"). Staff's New
   member form with their address does the same (``staff_apply``), the board's readmission typed for
   an excluded person.

``join`` is the public form's verb: it says nothing about other people. An address that has an account
and a national or enterprise number a membership (or an excluded person) holds create nothing; the
address is told by mail, at most once a day per account and per number (see docs/security.md, "What
/join tells a visitor").

A member is welcomed by mail with their certificate attached once admitted (``shares.mailing``)."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import today, utcnow
from app.errors import Conflict, DomainError
from app.extensions import db
from app.mail import queue_mail_once_a_day
from app.models import Account
from app.uow import lock_row, savepoint
from shares import register, surplus
from shares.models import (ApplicationStatus, Category, EntryKind, Member, MemberKind, MembershipApplication, Surplus,
                           SurplusKind, PaymentPurpose, PaymentRequest, PaymentStatus, ShareEntry)
from shares.errors import (AdmittedBeforeApplying, ApplicationEnded, ApplicationPending, DuplicateEmail,
                           ExcludedIdentity, FutureDate, IdentityInRegister, InvalidShareCount, NoOneToReadmit,
                           ReadmissionBeforeExclusion, RequestNotPayable)
from shares.payments import cancel_payment_request, create_payment_request, qr_attachment
from shares.services import (IDENTITY_FIELDS, check_category, check_identity, create_member, identity_field,
                             identity_guarded, identity_in_register, later_membership, rejoin_member, update_profile)
from shares.settings import share_price_cents

MAX_SHARES = 100
MODES = ("payment", "decision")


class ApplicationAlreadyDecided(Conflict):
    """Someone decided this application first."""


class ApplicationNotPaid(DomainError):
    """Only a paid application can be admitted."""


class ApplicationMoneyReceived(Conflict):
    """Money came for the application: withdrawing it is the cooperative's decision (it refunds)."""


class ApplicationAlreadyWithdrawn(Conflict):
    """The applicant withdrew this application already (a second tab, a double click)."""


class AlreadyAdmitted(Conflict):
    """The payment came first and admitted the applicant: a member leaves by resigning."""


class DecisionRequired(DomainError):
    """An admission by decision needs the decision's date and reference."""


class ApplicationOpen(Conflict):
    """Applying again while an application waits (for payment or a decision): one at a time."""


class NothingToApplyFor(Conflict):
    """Applying again as a member (admitted, or entered by staff): a member buys more shares instead."""


class JoinRaced(Conflict):
    """Another form landed while this one was made (the same address, or the same member number given
    to both): nothing of this one is kept. Sent once more (``shares.views.public``), it sees the other:
    an address taken is then told by mail, as always, never refused on the page."""


class MembershipEnded(Conflict):
    """Applying again after an exclusion (in force): only the board admits the person again (they write
    to the cooperative)."""

    def __init__(self, on: date):
        super().__init__()
        self.on = on


class EarlierMoneyPending(Conflict):
    """Applying again while the membership that ended still has money to settle (a refund to make, money
    kept or a payment for staff to decide): the new membership's money is not mixed with it."""


class NotExcluded(NoOneToReadmit):
    """A readmission typed for a former member who was not excluded (they resigned)."""


class ReadmissionRecorded(Conflict):
    """The board's readmission of this member is recorded already (a second tab, a colleague)."""


class FormerMemberAddress(Conflict):
    """Staff's New member form with the address of ``member``, whose membership ended on ``left_on``,
    who cannot apply again now: ``refusal`` says why (``EarlierMoneyPending``, ``MembershipEnded``)."""

    def __init__(self, member: Member, refusal: DomainError, left_on: date | None) -> None:
        super().__init__()
        self.member, self.refusal, self.left_on = member, refusal, left_on


class FormerMemberNumber(FormerMemberAddress):
    """The same, the person found by the national or enterprise number typed (with another address): their
    money not settled (an excluded person's number is ``ExcludedIdentity``, as for anyone)."""


class AddressOfAnotherPerson(Conflict):
    """Staff's New member form with the address of ``member``, whose membership ended (``left``) or whose
    application was refused or withdrawn, for another kind of member or another national or enterprise
    number: a new membership with their account is theirs."""

    def __init__(self, member: Member, left: bool = True) -> None:
        super().__init__()
        self.member, self.left = member, left


def admission_mode() -> str:
    mode = current_app.config.get("ADMISSION_MODE", "payment")
    return mode if mode in MODES else "decision"


def _check_shares(shares) -> None:
    if not isinstance(shares, int) or not 1 <= shares <= MAX_SHARES:
        raise InvalidShareCount()


def apply(*, email: str, kind: MemberKind, category: Category, shares: int, language: str,
          actor: Account | None = None, readmission: tuple[date, str] | None = None,
          **fields) -> MembershipApplication:
    """A new applicant with their payment request. ``DuplicateEmail`` when the address has an account,
    ``IdentityInRegister`` when a membership holds the number, ``ExcludedIdentity`` when it is that of a
    person excluded (only the board admits them again: staff give its decision's date and reference,
    ``readmission``): said as such to staff, never on /join (:func:`join`)."""
    _check_shares(shares)
    excluded = _excluded_with({"national_number": fields.get("national_number") or None,
                               "enterprise_number": fields.get("enterprise_number") or None})
    if excluded is None and readmission is not None:
        raise NoOneToReadmit()
    readmitted = None
    if excluded is not None:
        if readmission is None:
            raise ExcludedIdentity(excluded, register.holding(excluded).left_on)
        readmitted = _readmitted(excluded, readmission)
        _keep_readmission(excluded, readmitted)
    member = create_member(email=email, kind=kind, category=category, language=language, **fields)
    return _new_application(member, shares, category, actor, readmitted=readmitted)


def _keep_readmission(excluded: Member, readmitted: dict) -> bool:
    """The board's readmission kept on the excluded membership, unless one is kept already (one
    conditional UPDATE); whether it was kept now."""
    kept = db.session.execute(
        update(Member).where(Member.id == excluded.id, Member.readmitted_on.is_(None))
        .values(readmitted_on=readmitted["board_decision_on"], readmission_reference=readmitted["board_reference"])
        .execution_options(synchronize_session=False))
    db.session.refresh(excluded)
    return kept.rowcount == 1


def _readmitted(excluded: Member, readmission: tuple[date, str]) -> dict:
    """The board's decision readmitting ``excluded``, checked, as the application's audit keeps it."""
    excluded_on = register.holding(excluded).left_on
    decided_on, reference = readmission[0], (readmission[1] or "").strip()
    if not decided_on or not reference:
        raise DecisionRequired()
    if decided_on > today():
        raise FutureDate()
    if excluded_on is not None and decided_on < excluded_on:
        raise ReadmissionBeforeExclusion(excluded_on)
    return {"excluded": excluded.number, "board_decision_on": decided_on, "board_reference": reference[:100]}


def _new_application(member: Member, shares: int, category: Category, actor: Account | None,
                     earlier: MembershipApplication | None = None,
                     readmitted: dict | None = None) -> MembershipApplication:
    request = create_payment_request(member, PaymentPurpose.SUBSCRIPTION, shares * share_price_cents(category),
                                     shares=shares, actor=actor)
    application = MembershipApplication(member_id=member.id, shares=shares, category=category,
                                        payment_request_id=request.id, consented_at=utcnow())
    db.session.add(application)
    with savepoint(conflict=ApplicationOpen):  # the partial unique index: one open application per member
        db.session.flush()
    audit.record("shares.application.submit", application, actor=actor,
                 after={"member": member.number, "shares": shares, "category": category,
                        "reference": request.reference, "by_staff": actor is not None,
                        **({"earlier": earlier.id} if earlier is not None else {}), **(readmitted or {})})
    return application


def join(*, email: str, kind: MemberKind, category: Category, shares: int, language: str,
         **fields) -> MembershipApplication | None:
    """The public form's application, which tells the visitor nothing about anyone else: the same
    answer whether the address or the number is free or not. An address that has an account creates
    nothing: its owner is told by mail, in their language, that someone tried to join with it and how
    to sign in (or, their application having ended, how to apply again). A national or enterprise
    number a membership holds (admitted, or an application in hand) creates nothing either: the
    address typed is told that this number cannot start a new application, and staff find the attempt
    in the audit log, on the member who holds it. Returns the application, or None.

    Mistakes of the form itself (the category a company cannot take, a share count) are refused as
    they are everywhere: they say nothing about others."""
    from app.auth.services import find_account

    email = email.strip().lower()
    account = find_account(email)
    if account is not None:
        _tell_address_taken(account)
        return None
    check_category(kind, category)
    _check_shares(shares)
    numbers = {"national_number": fields.get("national_number") or None,
               "enterprise_number": fields.get("enterprise_number") or None}
    holder = identity_in_register(**numbers)
    if holder is None:
        try:
            application = apply(email=email, kind=kind, category=category, shares=shares, language=language,
                                **fields)
        except IdentityInRegister as exc:  # an excluded person's, or an application with it landed meanwhile
            holder = exc.holder
        except (DuplicateEmail, IntegrityError) as exc:  # another form landed meanwhile (two tabs, one address)
            raise JoinRaced() from exc
        else:
            mail_application(application)
            return application
    _tell_number_taken(email, language, kind, holder, numbers)
    return None


def _excluded_with(numbers: dict) -> Member | None:
    """A member excluded (in force) with this national or enterprise number: only the board admits
    them again, so no second member record is made with it (:func:`apply`): the public form treats
    their number as held, staff's New member form asks for the board's readmission decision."""
    conditions = [getattr(Member, name) == value for name, value in numbers.items() if value]
    if not conditions:
        return None
    for member in db.session.scalars(select(Member).where(or_(*conditions), Member.holds_identity.is_(False))):
        if register.holding(member).left is EntryKind.EXCLUSION:
            return member
    return None


def _keyed(number: str) -> str:
    """A national or enterprise number as the outbox may keep it: an HMAC under the app's secret key, the same
    for the same number (so the mail is deduplicated) and never the number itself."""
    secret = (current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(secret, f"shares.join:number:{number}".encode(), hashlib.sha256).hexdigest()


def mail_application(application: MembershipApplication, *, sign_in_link: bool = True) -> None:
    """What to pay, by mail in the applicant's language, with the payment QR code for that amount (and,
    from the public form, a sign-in link)."""
    from app.auth.services import request_login_link
    from app.jobs import public_url
    from app.mail import queue_mail
    from shares.labels import coop_iban_text

    member, request = application.member, application.payment_request
    queue_mail(member.email, member.language, "application_received", member=member, request=request,
               attachments=[qr_attachment(request, request.asked_cents, member.language)],
               shares=application.shares, amount_cents=request.asked_cents,
               reference=request.formatted_reference, iban=coop_iban_text(),
               coop_name=current_app.config.get("COOP_NAME", ""), link=public_url(url_for("shares.my_payments")),
               decision=admission_mode() == "decision")
    if sign_in_link:
        request_login_link(member.email)


def _tell_address_taken(account: Account) -> None:
    """Someone used the form with ``account``'s address: its owner learns it, in their language (at
    most once a day), and what to do: sign in (a member, an applicant waiting), apply again from My
    shares when :func:`reapply_refusal` would take it (their application ended; they resigned and its
    money is settled, until it is they are told so; or they were excluded and readmitted by the board),
    or, excluded or the account being staff's without a membership, join with another address or write
    to the cooperative."""
    if not account.active:
        return
    from app.jobs import public_url
    from shares.queries import member_for_account

    member = member_for_account(account.id)
    position = register.holding(member) if member is not None else None
    left_on = position.left_on if position is not None and position.left is not None else None
    excluded = left_on is not None and position.left is EntryKind.EXCLUSION
    readmitted = excluded and member.readmitted_on is not None
    refusal = reapply_refusal(member) if member is not None else None
    ended = member is not None and refusal is None  # invited to apply again only when it would be taken
    link = public_url(url_for("auth.login", next=url_for("shares.apply_again") if ended else None))
    queue_mail_once_a_day(f"shares.join:address:{account.id}", account.email, account.language, "join_address_taken",
                          account=account, ended=ended, left_on=left_on, excluded=excluded, readmitted=readmitted,
                          money_pending=isinstance(refusal, EarlierMoneyPending),
                          not_member=member is None, link=link,
                          join_link=public_url(url_for("shares.apply")),
                          coop_name=current_app.config.get("COOP_NAME", ""),
                          contact=current_app.config.get("COOP_CONTACT_EMAIL", ""))


def _tell_number_taken(email: str, language: str, kind: MemberKind, holder: Member, numbers: dict) -> None:
    """The national or enterprise number typed belongs to a membership that has not ended (or to an
    excluded member): nothing is created; the address typed is told (not whose number it is), at most
    once a day per number whatever the address, and staff see every attempt."""
    from app.jobs import public_url

    number = numbers.get("enterprise_number") or numbers.get("national_number")
    queue_mail_once_a_day(f"shares.join:number:{_keyed(number)}", email, language, "join_number_taken",
                          company=kind is MemberKind.LEGAL, coop_name=current_app.config.get("COOP_NAME", ""),
                          contact=current_app.config.get("COOP_CONTACT_EMAIL", ""),
                          link=public_url(url_for("auth.login")))
    audit.record("shares.application.number_taken", holder,
                 after={"email": email, **{name: value for name, value in numbers.items() if value}})


def reapply_refusal(member: Member, *, readmitted: bool = False) -> DomainError | None:
    """Why ``member`` cannot apply again now, or None: the rule of :func:`apply_again` and of My
    shares, which offers it only when it would be taken. An applicant whose last application ended
    (refused or withdrawn) applies again; one waiting has theirs (``ApplicationOpen``), a member buys
    more shares (``NothingToApplyFor``, a resignation waiting included). A former member who resigned
    applies again once their old membership's money is settled (``EarlierMoneyPending``), and once
    (``ApplicationOpen``: it has a new membership already); an excluded one only through the board
    (``MembershipEnded``), whose readmission staff record (:func:`record_readmission`) or give on the New
    member form (``readmitted``)."""
    application = application_for(member.id)
    if application is None or application.status is ApplicationStatus.ADMITTED:
        position = register.holding(member)
        if position.left is None:
            return NothingToApplyFor()
        if position.left is EntryKind.EXCLUSION and not (readmitted or member.readmitted_on):
            return MembershipEnded(position.left_on)
        if later_membership(member.id) is not None:
            return ApplicationOpen()  # applied again already (another tab): the new membership is theirs now
        if surplus.money_unsettled(member.id):
            return EarlierMoneyPending()
        return None
    if application.status in (ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN):
        return None
    return ApplicationOpen()


def apply_again(member: Member, *, shares: int, category: Category, actor: Account,
                readmission: tuple[date, str] | None = None, details: dict | None = None,
                language: str | None = None) -> MembershipApplication:
    """An applicant whose application ended applies again, signed in: a new application for the same
    member (and account, and member number), with its payment request; the old one stays as it ended.
    A former member who resigned gets a new membership for it (a new member number, the same account):
    the register keeps the one that ended as it ended, and its money (its refund) stays its own; an
    excluded one too, once staff give the board's readmission decision (``readmission``, audited with
    the application). Staff's New member form gives the ``details`` and the ``language`` typed
    (:func:`staff_apply`): they are recorded, as in a profile, the mails written in that language.
    Their national or enterprise number is theirs again while it is in hand, unless another membership
    took it meanwhile (``IdentityInRegister``, said without naming it). The member's lock comes first: staff
    undoing the exit at the same moment (``register.correct``) wait, or are waited for, and one is refused."""
    lock_row(member)
    refusal = reapply_refusal(member, readmitted=readmission is not None)
    if refusal is not None:
        raise refusal
    _check_shares(shares)
    check_category(member.kind, category)
    position = register.holding(member)
    if readmission is None and member.readmitted_on is not None and position.left is EntryKind.EXCLUSION:
        readmission = (member.readmitted_on, member.readmission_reference)
    readmitted = None
    if readmission is not None:
        if position.left is not EntryKind.EXCLUSION:
            raise NotExcluded()
        readmitted = _readmitted(member, readmission)
        _keep_readmission(member, readmitted)
    if position.left is not None:
        try:
            with savepoint():
                new = rejoin_member(member, category, actor=actor, details=details)
        except (IntegrityError, IdentityInRegister) as exc:
            if later_membership(member.id) is not None:  # another tab applied again at the same moment
                raise ApplicationOpen() from None
            if isinstance(exc, IdentityInRegister):
                raise
            raise JoinRaced() from None  # the same new member number given to both: sent once more
        _said_at_the_desk(new, details, language)
        return _new_application(new, shares, category, actor, readmitted=readmitted)
    _said_at_the_desk(member, details, language)
    numbers = {"national_number": member.national_number, "enterprise_number": member.enterprise_number}
    check_identity(numbers, except_member_id=member.id)
    if member.category is not category:
        audit.record("shares.member.profile_update", member, actor=actor, before={"category": member.category},
                     after={"category": category})
    member.category = category
    member.holds_identity = True
    with identity_guarded(numbers, except_member_id=member.id):
        db.session.flush()
    return _new_application(member, shares, category, actor, earlier=application_for(member.id))


def _said_at_the_desk(member: Member, details: dict | None, language: str | None) -> None:
    """Staff's New member form: the details and language typed are the person's now (``update_profile``:
    audited, the account's language with them). A number the form leaves empty, or another kind's, is
    not one to record."""
    if details is None:
        return
    own = identity_field(member.kind)
    typed = {f: v for f, v in details.items() if f not in IDENTITY_FIELDS or (f == own and v)}
    update_profile(member, member.version, language or member.language, **typed)


def readmission_refusal(member: Member) -> DomainError | None:
    """Why staff cannot record the board's readmission of ``member`` now, or None: the rule of
    :func:`record_readmission` and of the member's page, which offers it only then."""
    if member.readmitted_on is not None:
        return ReadmissionRecorded()
    if register.holding(member).left is not EntryKind.EXCLUSION:
        return NotExcluded()
    return None


def record_readmission(member: Member, *, decided_on: date, reference: str, actor: Account) -> None:
    """Staff record the board's decision readmitting ``member``, excluded: the person may then apply
    again with their account (:func:`apply_again`, a new membership), and the application cites the
    decision. Recorded once: a conditional UPDATE on its being empty."""
    refusal = readmission_refusal(member)
    if refusal is not None:
        raise refusal
    readmitted = _readmitted(member, (decided_on, reference))
    if not _keep_readmission(member, readmitted):
        raise ReadmissionRecorded()
    audit.record("shares.member.readmit", member, actor=actor,
                 after={"board_decision_on": readmitted["board_decision_on"],
                        "board_reference": readmitted["board_reference"]})


def staff_apply(*, email: str, kind: MemberKind, category: Category, shares: int, language: str, actor: Account,
                readmission: tuple[date, str] | None = None, **fields) -> MembershipApplication:
    """Staff's New member form: a new applicant (:func:`apply`); or, the address or the national or
    enterprise number being that of a person with an account who may apply again (:func:`reapply_refusal`,
    the rule of their own form: their membership ended, or their application was refused or withdrawn),
    that person applying again as on their own form (:func:`apply_again`, the same account), with the
    details and language typed. Found by their number, the account keeps its own address, name and language:
    nothing typed takes over an account. What their own form refuses is said to staff with whose address
    (``FormerMemberAddress``) or number (``FormerMemberNumber``) it is; with their address, a kind or a
    number that is not theirs too (``AddressOfAnotherPerson``): the account is that person's."""
    from app.auth.services import find_account
    from shares.queries import member_for_account

    account = find_account(email)
    former = member_for_account(account.id) if account is not None else _person_with(kind, fields)
    refusal = reapply_refusal(former, readmitted=readmission is not None) if former is not None else None
    if former is None or isinstance(refusal, (NothingToApplyFor, ApplicationOpen)) \
            or (account is None and isinstance(refusal, MembershipEnded)):
        # an address in use (DuplicateEmail), a number held (IdentityInRegister) or an excluded person's
        # (ExcludedIdentity): said as for anyone
        return apply(email=email, kind=kind, category=category, shares=shares, language=language, actor=actor,
                     readmission=readmission, **fields)
    number = identity_field(kind)
    typed = fields.get(number) or None
    if kind is not former.kind or (typed and getattr(former, number) and typed != getattr(former, number)):
        raise AddressOfAnotherPerson(former, left=register.holding(former).left is not None)
    _check_shares(shares)
    try:
        # Found by their number, nothing typed replaces what their record says (a name typed otherwise, a
        # slip of a digit): staff change it on the member's page, knowingly.
        by_address = account is not None
        return apply_again(former, shares=shares, category=category, actor=actor, readmission=readmission,
                           details=fields if by_address else None, language=language if by_address else None)
    except (MembershipEnded, EarlierMoneyPending) as exc:
        said = FormerMemberAddress if account is not None else FormerMemberNumber
        raise said(former, exc, register.holding(former).left_on) from None
    except (ApplicationOpen, NothingToApplyFor):  # applied again meanwhile (their own form, another tab)
        raise DuplicateEmail() if account is not None else IdentityInRegister(former) from None


def _person_with(kind: MemberKind, fields: dict) -> Member | None:
    """The current membership of the account whose national or enterprise number was typed (the latest
    membership that has it), when it is a membership that ended, or None. An applicant never admitted is
    not found so: nobody checked that their number was theirs (it may be why they were refused)."""
    from shares.queries import member_for_account

    column = getattr(Member, identity_field(kind))
    typed = fields.get(identity_field(kind)) or None
    if not typed:
        return None
    # Newest first, past any applicant who typed the number since (refused or not): the person is the
    # account whose membership with it ended.
    for account_id in db.session.scalars(select(Member.account_id).where(column == typed)
                                         .order_by(Member.id.desc())).unique():
        member = member_for_account(account_id)
        if member is not None and getattr(member, identity_field(kind)) == typed \
                and register.holding(member).left is not None:
            return member
    return None


def application_for(member_id: int) -> MembershipApplication | None:
    """The member's latest application (earlier ones ended), or None (a member entered by staff)."""
    return db.session.scalar(select(MembershipApplication).where(MembershipApplication.member_id == member_id)
                             .order_by(MembershipApplication.id.desc()).limit(1))


def pending_decisions(limit: int = 200) -> list[MembershipApplication]:
    return list(db.session.scalars(
        select(MembershipApplication).where(MembershipApplication.status == ApplicationStatus.AWAITING_DECISION)
        .order_by(MembershipApplication.created_at, MembershipApplication.id).limit(limit)))


def awaiting_payment(limit: int = 200) -> list[MembershipApplication]:
    return list(db.session.scalars(
        select(MembershipApplication).where(MembershipApplication.status == ApplicationStatus.AWAITING_PAYMENT)
        .order_by(MembershipApplication.created_at.desc(), MembershipApplication.id.desc()).limit(limit)))


def pending_decision_count() -> int:
    return db.session.scalar(select(func.count()).select_from(MembershipApplication).where(
        MembershipApplication.status == ApplicationStatus.AWAITING_DECISION)) or 0


def _transition(application: MembershipApplication, before: tuple[ApplicationStatus, ...],
                after: ApplicationStatus, **values) -> None:
    result = db.session.execute(
        update(MembershipApplication)
        .where(MembershipApplication.id == application.id, MembershipApplication.status.in_(before))
        .values(status=after, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ApplicationAlreadyDecided()
    db.session.refresh(application)


def payment_received(application: MembershipApplication, *, on: date) -> None:
    """The application's payment request is paid: admit now, or wait for the decision."""
    if admission_mode() == "payment":
        _admit(application, on=on, decision_on=None, decision_reference=None, actor=None,
               before=(ApplicationStatus.AWAITING_PAYMENT,))
    else:
        _transition(application, (ApplicationStatus.AWAITING_PAYMENT,), ApplicationStatus.AWAITING_DECISION)
        audit.record("shares.application.paid", application, after={"status": ApplicationStatus.AWAITING_DECISION})


def _admit(application, *, on, decision_on, decision_reference, actor, before, note: str = "",
           welcome: bool = True) -> None:
    _transition(application, before, ApplicationStatus.ADMITTED, decided_at=utcnow(),
                decided_by_id=actor.id if actor else None, decision_on=decision_on,
                decision_reference=(decision_reference or "").strip()[:100] or None, decision_note=note[:500])
    entry = register.admit(application.member, application.shares, application.category,
                           application.payment_request, on=on, decision_on=decision_on,
                           decision_reference=decision_reference, actor=actor)
    db.session.execute(update(MembershipApplication).where(MembershipApplication.id == application.id)
                       .values(subscription_entry_id=entry.id).execution_options(synchronize_session=False))
    db.session.refresh(application)
    audit.record("shares.application.admit", application, actor=actor,
                 after={"entry": entry.id, "decision_on": decision_on, "decision_reference": decision_reference,
                        "automatic": actor is None})
    if welcome:
        _welcome(application)


def _welcome(application: MembershipApplication) -> None:
    from shares.mailing import welcome_member
    welcome_member(application)


def decide(application: MembershipApplication, *, admit: bool, decision_on: date | None,
           decision_reference: str | None, actor: Account, note: str = "") -> None:
    """The board's or staff's decision on a paid application (or a refusal of an unpaid one)."""
    if not decision_on or not (decision_reference or "").strip():
        raise DecisionRequired()
    if decision_on > today():
        raise FutureDate()
    _lock_request(application)  # before the application, in the order a payment takes them (see withdraw)
    if admit:
        if application.status is ApplicationStatus.AWAITING_PAYMENT \
                or application.payment_request.status is not PaymentStatus.PAID:
            raise ApplicationNotPaid()  # a payment the bank took back admits nobody
        earliest = _admissible_from(application)
        if earliest is not None and decision_on < earliest:  # the register would show a member before they paid
            raise AdmittedBeforeApplying(earliest)
        _admit(application, on=decision_on, decision_on=decision_on, decision_reference=decision_reference,
               actor=actor, before=(ApplicationStatus.AWAITING_DECISION,), note=note)
        return
    _transition(application, (ApplicationStatus.AWAITING_PAYMENT, ApplicationStatus.AWAITING_DECISION),
                ApplicationStatus.REFUSED, decided_at=utcnow(), decided_by_id=actor.id, decision_on=decision_on,
                decision_reference=decision_reference.strip()[:100], decision_note=note[:500])
    application.member.holds_identity = False  # refused, the person may apply again
    request = application.payment_request
    to_refund = request.paid_cents
    if request.status is PaymentStatus.OPEN and request.paid_cents == 0:
        cancel_payment_request(request, actor=actor)
    refund = surplus.refund_refused_application(application, actor=actor, note=note)  # mails the applicant
    if refund is None:
        _tell_refused(application)
    audit.record("shares.application.refuse", application, actor=actor,
                 after={"decision_on": decision_on, "decision_reference": decision_reference, "note": note,
                        "to_refund_cents": to_refund, "refund": refund.id if refund is not None else None})


def _admissible_from(application: MembershipApplication) -> date | None:
    """The first day an admission can be dated: that of the last payment it admits on (money is received
    for a request, so never before the application)."""
    return db.session.scalar(select(func.max(ShareEntry.effective_on)).where(
        ShareEntry.payment_request_id == application.payment_request_id, ShareEntry.kind == EntryKind.PAYMENT))


@dataclass(frozen=True)
class ReceivedBeforeAdmission:
    """Money a pending application has received: not paid-up capital yet (``register.PAID_FROM`` counts it
    from the admission), so its pages say it beside a capital paid of 0.00."""
    cents: int
    asked_cents: int
    payments: int
    last_on: date


def received_before_admission(application: MembershipApplication | None) -> ReceivedBeforeAdmission | None:
    """What a pending ``application`` has received (its payments not taken back), or None."""
    if application is None or application.status not in register.PENDING_APPLICATION:
        return None
    entries = register.payment_entries(application.payment_request)
    if not entries:
        return None
    return ReceivedBeforeAdmission(sum(e.amount_cents for e in entries), application.payment_request.amount_cents,
                                   len(entries), max(e.effective_on for e in entries))


def application_paid_by(request: PaymentRequest) -> MembershipApplication | None:
    """The application whose payment ``request`` is, if any."""
    return db.session.scalar(select(MembershipApplication).where(MembershipApplication.payment_request_id == request.id))


def payment_taken_back(application: MembershipApplication, *, actor: Account | None = None) -> bool:
    """The bank took back the payment of an application waiting for the board (decision mode): it waits
    for its payment again (one conditional transition), and the board cannot admit it meanwhile.
    Returns whether it moved."""
    db.session.refresh(application)
    if application.status is not ApplicationStatus.AWAITING_DECISION \
            or application.payment_request.status is PaymentStatus.PAID:
        return False
    _transition(application, (ApplicationStatus.AWAITING_DECISION,), ApplicationStatus.AWAITING_PAYMENT)
    audit.record("shares.application.payment_returned", application, actor=actor,
                 after={"status": ApplicationStatus.AWAITING_PAYMENT})
    return True


def _lock_request(application: MembershipApplication) -> PaymentRequest:
    """Lock the application's payment request, then read both afresh. A payment locks the request
    before the application (``on_payment_matched``); taking them in the same order, a decision or a
    withdrawal and a payment at the same moment wait for each other instead of deadlocking."""
    request = application.payment_request
    db.session.execute(select(PaymentRequest.id).where(PaymentRequest.id == request.id).with_for_update())
    db.session.refresh(request)
    db.session.refresh(application)
    return request


def withdrawal_refusal(application: MembershipApplication) -> DomainError | None:
    """Why the applicant cannot withdraw ``application`` now, or None: the rule of :func:`withdraw`
    and of My shares, which offers the withdrawal only when it would be taken. Once money has come
    (in part too), staff decide (``ApplicationMoneyReceived``)."""
    status = application.status
    if status is ApplicationStatus.WITHDRAWN:
        return ApplicationAlreadyWithdrawn()
    if status is ApplicationStatus.ADMITTED:
        return AlreadyAdmitted()
    if status is ApplicationStatus.REFUSED:
        return ApplicationAlreadyDecided()
    if status is not ApplicationStatus.AWAITING_PAYMENT or application.payment_request.paid_cents:
        return ApplicationMoneyReceived()
    return None


def withdraw(application: MembershipApplication, *, actor: Account | None = None) -> None:
    """The applicant withdraws their application before paying: it ends, its payment request is
    cancelled, and their national or enterprise number is free to apply again. With a payment at the
    same moment, whichever comes first wins (:func:`_lock_request`); the other is refused in words."""
    request = _lock_request(application)
    refusal = withdrawal_refusal(application)
    if refusal is not None:
        raise refusal
    _transition(application, (ApplicationStatus.AWAITING_PAYMENT,), ApplicationStatus.WITHDRAWN,
                decided_at=utcnow(), decided_by_id=actor.id if actor else None)
    application.member.holds_identity = False
    try:
        cancel_payment_request(request, actor=actor)
    except RequestNotPayable:  # a safety net (the lock above makes it unreachable): the withdrawal is undone
        raise ApplicationMoneyReceived() from None
    audit.record("shares.application.withdraw", application, actor=actor, after={"request": request.id})


def _tell_refused(application: MembershipApplication) -> None:
    """The applicant learns the decision (once: the outbox's unique key), in their language."""
    from app.jobs import job_context
    from app.mail import queue_mail

    member = application.member
    if member.email:
        with job_context():
            queue_mail(member.email, member.language, "application_refused",
                       dedupe_key=f"shares.application_refused:{application.id}", member=member,
                       request=application.payment_request, decision_on=application.decision_on,
                       coop_name=current_app.config.get("COOP_NAME", ""))


def on_paid_in_full(request: PaymentRequest, *, on: date) -> None:
    """``paid_in_full`` listener: an application admitted on its payment is admitted before the payment
    entry is written, so that the register numbers its subscription first, then the payment that pays it
    up. Its welcome, whose certificate needs that capital paid up, follows the payment (on_payment_matched)."""
    application = _awaiting_payment(request)
    if application is not None and admission_mode() == "payment":
        _admit(application, on=min(on, today()), decision_on=None, decision_reference=None, actor=None,
               before=(ApplicationStatus.AWAITING_PAYMENT,), welcome=False)


def on_payment_matched(request: PaymentRequest, **extra) -> None:
    """``payment_matched`` listener: a paid application moves on (admission or decision); one this very
    payment admitted (on_paid_in_full) is welcomed."""
    entry = extra.get("entry")
    application = _awaiting_payment(request)
    if application is None:
        admitted = application_paid_by(request) if entry is not None else None
        if admitted is not None and admitted.status is ApplicationStatus.ADMITTED and admitted.decision_on is None:
            _welcome(admitted)  # admitted on this payment: its capital is paid up now (mailed once: dedupe key)
        return
    on = entry.effective_on if entry is not None else today()
    payment_received(application, on=min(on, today()))


def _awaiting_payment(request: PaymentRequest) -> MembershipApplication | None:
    """The application waiting for ``request``, now paid, if any."""
    if request.purpose is not PaymentPurpose.SUBSCRIPTION or request.status is not PaymentStatus.PAID:
        return None
    return db.session.scalar(select(MembershipApplication).where(
        MembershipApplication.payment_request_id == request.id,
        MembershipApplication.status == ApplicationStatus.AWAITING_PAYMENT))


def refund_for(application: MembershipApplication):
    """The refund of a refused application's money, if it had received any."""
    return db.session.scalar(select(Surplus).where(Surplus.payment_request_id == application.payment_request_id,
                                                   Surplus.kind == SurplusKind.REFUSED_APPLICATION))


def not_admitted(member: Member) -> ApplicationPending | None:
    """Why ``member`` cannot act as a member (more shares, a change of category, resigning, standing
    for the board), or None: their application waits (``ApplicationPending``), or was refused or
    withdrawn (``ApplicationEnded``). A member entered by staff has no application."""
    application = application_for(member.id)
    if application is None or application.status is ApplicationStatus.ADMITTED:
        return None
    if application.status in (ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN):
        return ApplicationEnded()
    return ApplicationPending()


def check_admitted(member: Member) -> None:
    refusal = not_admitted(member)
    if refusal is not None:
        raise refusal
