"""A receipt to the member each time a payment of theirs is recorded (the ``payment_matched`` signal).

In the member's language, amounts and dates in their locale; queued in the outbox in the same
transaction as the payment, so no receipt goes for a payment that was rolled back. Once per bank
transaction or register entry (the outbox's unique ``dedupe_key``)."""
from __future__ import annotations

from flask import current_app, url_for

from app.extensions import db
from app.jobs import job_context
from app.mail import queue_mail
from shares.bank import deviates
from shares.models import Member, PaymentPurpose, PaymentRequest
from shares.payments import credited_ahead


def send_receipt(request: PaymentRequest, *, transaction=None, entry=None, amount_cents: int = 0,
                 applied_cents: int | None = None, surplus=None, from_surplus=None, notify: bool = True,
                 **_ignored) -> None:
    if not notify or (entry is None and surplus is None):
        return
    member = db.session.get(Member, request.member_id)
    if member is None or not member.email:
        return
    key = f"shares.receipt:tx{transaction.id}" if transaction is not None else (
        f"shares.receipt:entry{entry.id}" if entry is not None else f"shares.receipt:surplus{surplus.id}")
    on = transaction.booking_date if transaction is not None else (entry.effective_on if entry is not None else None)
    with job_context():
        queue_mail(member.email, member.language, "payment_receipt", dedupe_key=key, member=member,
                   request=request, amount_cents=amount_cents,
                   applied_cents=amount_cents if applied_cents is None else applied_cents,
                   surplus_cents=surplus.amount_cents if surplus is not None else 0, on=on,
                   is_renewal=request.purpose is PaymentPurpose.RENEWAL, ahead=credited_ahead(request),
                   from_surplus=from_surplus is not None,
                   in_person=transaction is None and from_surplus is None,  # cash staff recorded by hand
                   # the payer's own communication named this request (else staff chose it for them)
                   by_reference=transaction is not None and not deviates(transaction, request),
                   link=url_for("shares.my_payments", _external=True),
                   coop_name=current_app.config.get("COOP_NAME", ""))
