"""Mail members expect from the register: a welcome with the certificate on admission, and the
certificate attached when a subscription or a renewal is paid.

The certificate's facts are stored when the mail is queued (``certificates.issue``); its PDF is made
when the mail is sent (an attachment renderer), so a bank import paying thousands of renewals does
not render thousands of PDFs inside its transaction. Each mail once per payment request: the
outbox's unique ``dedupe_key`` guarantees it."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from app.clock import today
from app.extensions import db
from app.jobs import job_context, public_url
from app.mail import Attachment, queue_mail, queue_mail_once
from app.uow import savepoint
from shares import certificates, register
from shares.labels import iban_text
from shares.models import MembershipApplication, PaymentPurpose, PaymentRequest, PaymentStatus

CERTIFICATE_PURPOSES = (PaymentPurpose.SUBSCRIPTION, PaymentPurpose.RENEWAL)


def _send_certificate(member, request: PaymentRequest, template: str, **context) -> bool:
    """Queue ``template`` with the member's certificate attached; False when they are not in good
    standing today (no certificate to give) or the mail was already queued."""
    on = today()
    try:
        certificate = certificates.issue(member, on, register.holding(member, on).shares)
    except certificates.CertificateUnavailable:
        return False
    try:
        with savepoint(), job_context():
            with force_locale(member.language):  # the attachment named in the member's language
                name = certificates.filename(certificate)
            queue_mail(member.email, member.language, template, dedupe_key=f"certificate:{request.id}",
                       member=member, request=request, year=certificate.year, link=public_url("/"),
                       coop_name=current_app.config.get("COOP_NAME", ""),
                       attachments=[Attachment(name, "application/pdf",
                                               renderer="shares.certificate", renderer_arg=str(certificate.id))],
                       **context)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def welcome_member(application: MembershipApplication) -> bool:
    return _send_certificate(application.member, application.payment_request, "welcome_member",
                             shares=application.shares)


def on_payment_matched(request: PaymentRequest, **extra) -> None:
    """``payment_matched`` listener: a subscription or renewal now paid gets the certificate by mail.
    An application's first payment is welcomed on admission instead (``welcome_member``). A payment
    recorded with ``notify=False`` (the demo's back-dated history) mails nothing."""
    if not extra.get("notify", True):
        return
    if request.purpose not in CERTIFICATE_PURPOSES or request.status is not PaymentStatus.PAID:
        return
    if request.purpose is PaymentPurpose.SUBSCRIPTION and db.session.query(
            db.session.query(MembershipApplication.id)
            .filter(MembershipApplication.payment_request_id == request.id).exists()).scalar():
        return
    _send_certificate(request.member, request, "certificate_paid",
                      renewal=request.purpose is PaymentPurpose.RENEWAL)


def shares_redeemed(member, redemption, kept) -> None:
    """The member is told of a redemption staff recorded: the shares, what is paid back and to which
    account, or how to give one (their profile's IBAN reaches the refund: ``surplus.give_account``)."""
    _tell_redeemed(member, f"shares.redeemed:{redemption.id}", -redemption.shares, kept, on=redemption.effective_on)


def membership_ended(member, exit_entry, redemption, kept, *, unpaid_shares: int = 0) -> None:
    """The member is told of their exit (a resignation, theirs approved or recorded by staff, or an exclusion):
    the day it ends (or ended, recorded afterwards) their membership, the shares redeemed and what is paid back,
    in the redemption's words, and the ``unpaid_shares`` the exit cancelled, which nobody owes. Once per exit
    entry (the outbox's unique ``dedupe_key``)."""
    _tell_redeemed(member, f"shares.exit:{exit_entry.id}", -redemption.shares if redemption is not None else 0, kept,
                   on=exit_entry.effective_on, exit=exit_entry, ended=exit_entry.effective_on < today(),
                   unpaid_shares=unpaid_shares)


def exit_cancelled(member, *, ended_on, **_signal) -> None:
    """``exit_undone`` listener: once no exit stands any more (the exit itself corrected, not only the shares it
    redeemed), the member who was told of it is told their membership goes on. Once per exit day (the
    correction of the exit and of its redemption both send the signal)."""
    from shares.register import exit_in_force  # the register builds on this module

    if not member.email or exit_in_force(member.id):
        return
    with job_context():
        queue_mail_once(f"shares.exit_undone:{member.id}:{ended_on.isoformat()}", member.email, member.language,
                        "membership_goes_on", member=member, ended_on=ended_on,
                        coop_name=current_app.config.get("COOP_NAME", ""), link=public_url("/me/shares"))


def _tell_redeemed(member, dedupe_key: str, shares: int, kept, **context) -> None:
    if not member.email:  # staff are told to write (the register's page says so)
        return
    with job_context():
        queue_mail(member.email, member.language, "shares_redeemed", dedupe_key=dedupe_key, member=member,
                   shares=shares, refund_cents=kept.amount_cents if kept is not None else 0,
                   iban=iban_text(kept.refund_iban) if kept is not None else "",
                   coop_name=current_app.config.get("COOP_NAME", ""), link=public_url("/me/payments"),
                   profile_link=public_url("/me#iban"), **context)
