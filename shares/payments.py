"""Payment requests: EPC QR payloads, creating and cancelling requests.

The structured communications are ``shares.references``; the payment itself is written to the
register by ``shares.register.record_payment``.

Services flush, never commit."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from stdnum import iban as std_iban

from app import audit
from app.clock import brussels_day, utcnow
from app.extensions import db
from app.mail import Attachment, attachment_renderer
from app.models import Account
from app.uow import savepoint
from shares.errors import RequestNotPayable
from shares.models import (EntryKind, Member, PaymentPurpose, PaymentRequest, PaymentStatus, RenewalNotice,
                           RenewalStage, ShareEntry)
from shares.references import format_reference, random_reference
from shares.settings import setting

# Purposes whose payments pay up share capital (a renewal does not).
CAPITAL_PURPOSES = (PaymentPurpose.SUBSCRIPTION, PaymentPurpose.ADDITIONAL_SHARES)

# ----------------------------------------------------------------------------------------------
# EPC QR code ("BCD", EPC069-12 version 002)
# ----------------------------------------------------------------------------------------------

EPC_FIELDS = ("service_tag", "version", "charset", "identification", "bic", "name", "iban", "amount",
              "purpose", "remittance_reference", "remittance_text", "information")
# EPC069-12 v2.1, "Max. # of characters" of each element.
EPC_MAX = {"bic": 11, "name": 70, "iban": 34, "amount": 15, "purpose": 4, "remittance_reference": 35,
           "remittance_text": 140, "information": 70}
EPC_MAX_BYTES = 331
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_EPC_AMOUNT = re.compile(r"EUR([0-9]{1,9})(?:\.([0-9]{1,2}))?")


def _amount_text(cents: int) -> str:
    """EUR with up to two decimals and no trailing zeros after the point (EUR12.3, EUR30)."""
    euros, rest = divmod(cents, 100)
    if rest == 0:
        return f"EUR{euros}"
    return f"EUR{euros}.{rest:02d}".rstrip("0")


def _one_line(value: str | None, limit: int) -> str:
    """A field on one line (line breaks and other control characters become spaces), capped at its length."""
    text = "".join(" " if (c in "\r\n\t\v\f\x85\u2028\u2029" or ord(c) < 32) else c for c in (value or ""))
    return " ".join(text.split())[:limit].rstrip()


def epc_payload(*, name: str, iban: str, bic: str | None, amount_cents: int, reference: str | None = None,
                text: str | None = None, purpose: str = "", information: str = "") -> str:
    """The text a banking app scans: version 002, UTF-8 (character set 1), SEPA credit transfer.

    Every field is put on one line and capped at its EPC069-12 length; the BIC is upper-cased and
    checked. A structured ``reference`` goes in the structured-remittance line; the unstructured line
    is then empty (only one of the two may be used). Lines are joined by LF, no trailing separator."""
    if not isinstance(amount_cents, int) or not 1 <= amount_cents <= 99_999_999_999:
        raise ValueError("EPC amount must be between 0.01 and 999999999.99 EUR")
    if reference and text:
        raise ValueError("structured and unstructured remittance are exclusive")
    name = _one_line(name, EPC_MAX["name"])
    if not name:
        raise ValueError("the beneficiary's name is required")
    iban = std_iban.compact(_one_line(iban, 60))
    std_iban.validate(iban)
    bic = _one_line(bic, 20).replace(" ", "").upper()
    if bic and not _BIC.fullmatch(bic):
        raise ValueError("not a BIC")
    lines = ["BCD", "002", "1", "SCT", bic, name, iban, _amount_text(amount_cents),
             _one_line(purpose, EPC_MAX["purpose"]),
             format_reference(reference) if reference else "",
             _one_line(text, EPC_MAX["remittance_text"]), _one_line(information, EPC_MAX["information"])]
    while lines and lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > EPC_MAX_BYTES:
        raise ValueError("EPC payload over 331 bytes")
    return payload


EPC_CHARSETS = {"1": "utf-8", "2": "iso8859-1", "3": "iso8859-2", "4": "iso8859-4", "5": "iso8859-5",
                "6": "iso8859-7", "7": "iso8859-10", "8": "iso8859-15"}


def parse_epc(payload: str | bytes) -> dict:
    """Read a BCD payload back into named fields, as strictly as EPC069-12 v2.1 reads: version 001 or 002,
    LF or CRLF (one kind throughout), no separator after the last element, at most 331 bytes in its
    character set, every element within its length, the BIC's and IBAN's shapes, an amount from
    EUR0.01 to EUR999999999.99, one remittance line at most. ValueError names the first rule broken.
    ``payload`` may be the scanned bytes (decoded by the character set it declares) or text."""
    head = payload[:12].decode("ascii", "replace") if isinstance(payload, bytes) else payload[:12]
    parts = re.split(r"\r\n|\n|\r", head)
    charset = parts[2] if len(parts) > 3 else ""
    if charset not in EPC_CHARSETS:
        raise ValueError("unknown character set")
    try:
        raw = payload if isinstance(payload, bytes) else payload.encode(EPC_CHARSETS[charset])
        payload = raw.decode(EPC_CHARSETS[charset]) if isinstance(payload, bytes) else payload
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise ValueError("not in the declared character set") from None
    if len(raw) > EPC_MAX_BYTES:
        raise ValueError("payload over 331 bytes")
    if "\r\n" in payload:
        if "\n" in payload.replace("\r\n", "") or "\r" in payload.replace("\r\n", ""):
            raise ValueError("mixed line separators")
        lines = payload.split("\r\n")
    else:
        if "\r" in payload:
            raise ValueError("bare carriage return")
        lines = payload.split("\n")
    if lines[-1] == "" and len(lines) > 1:
        raise ValueError("a separator follows the last element")
    if len(lines) < 7 or lines[0] != "BCD" or lines[1] not in ("001", "002") or lines[3] != "SCT":
        raise ValueError("not an EPC SCT payload")
    if len(lines) > len(EPC_FIELDS):
        raise ValueError("too many lines")
    fields = dict(zip(EPC_FIELDS, lines + [""] * (len(EPC_FIELDS) - len(lines))))
    for key, limit in EPC_MAX.items():
        if len(fields[key]) > limit:
            raise ValueError(f"{key} longer than {limit} characters")
    if fields["version"] == "001" and not fields["bic"]:
        raise ValueError("version 001 needs a BIC")
    if fields["bic"] and not _BIC.fullmatch(fields["bic"]):
        raise ValueError("bad BIC")
    if not fields["name"]:
        raise ValueError("the beneficiary's name is required")
    if not re.fullmatch(r"[A-Za-z0-9]{1,34}", fields["iban"]):
        raise ValueError("bad IBAN")
    if fields["purpose"] and not re.fullmatch(r"[A-Za-z0-9]{1,4}", fields["purpose"]):
        raise ValueError("bad purpose code")
    if fields["remittance_reference"] and fields["remittance_text"]:
        raise ValueError("both remittance lines are filled")
    amount = fields["amount"]
    if amount:
        match = _EPC_AMOUNT.fullmatch(amount)
        if not match:
            raise ValueError("bad amount")
        fields["amount_cents"] = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
        if fields["amount_cents"] < 1:
            raise ValueError("amount below EUR0.01")
    return fields


def request_payload(request: PaymentRequest, amount_cents: int | None = None) -> str:
    """The EPC payload that pays ``request``: what it asks now, or ``amount_cents`` (what a letter said)."""
    from flask import current_app

    return epc_payload(name=current_app.config.get("COOP_NAME", "Une Voix"), iban=setting("COOP_IBAN"),
                       bic=setting("COOP_BIC"), amount_cents=amount_cents or request.asked_cents,
                       reference=request.reference)


def credited_ahead(request: PaymentRequest) -> bool:
    """A renewal whose letter has not gone yet holds money credited towards it (``surplus.credit_next_year``):
    nothing of it is asked before that year's campaign sends the renewal, which asks only the rest. The
    renewal decides, not the calendar: from 1 January until the campaign runs it is still a credit. The
    member's pages show no QR code for it and the mail words it as a credit."""
    return request.id in credited_ahead_ids([request])


def credited_ahead_ids(requests: Iterable[PaymentRequest]) -> set[int]:
    """:func:`credited_ahead` for a page's requests, in one query: the open renewals among them whose
    renewal letter (the campaign's first, ``RenewalStage.REQUEST``) the member has not been sent."""
    renewals = {(r.member_id, r.year): r.id for r in requests
                if r.purpose is PaymentPurpose.RENEWAL and r.year is not None and r.paid_cents > 0
                and r.status in (PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)}  # no money on it: no credit
    if not renewals:
        return set()
    sent = db.session.execute(select(RenewalNotice.member_id, RenewalNotice.year).where(
        RenewalNotice.stage == RenewalStage.REQUEST, RenewalNotice.member_id.in_({m for m, _y in renewals}),
        RenewalNotice.year.in_({y for _m, y in renewals})))
    return set(renewals.values()) - {renewals.get((member_id, year)) for member_id, year in sent}


def request_qr_svg(request: PaymentRequest, label: str = ""):
    from app.qr import qr_svg

    return qr_svg(request_payload(request), level="M", label=label)


def request_qr_png(request: PaymentRequest, box_size: int = 6, amount_cents: int | None = None) -> bytes:
    from app.qr import qr_png

    return qr_png(request_payload(request, amount_cents), level="M", box_size=box_size)


def qr_attachment(request: PaymentRequest, amount_cents: int, language: str) -> Attachment:
    """The payment QR code a letter asking ``amount_cents`` of ``request`` carries, made when the mail is
    sent (a campaign queues thousands of letters) for the amount the letter says. Named in the letter's
    ``language``."""
    with force_locale(language):
        stem = _("payment-qr-code")  # translated to plain letters and hyphens
    return Attachment(f"{stem}-{request.reference}.png", "image/png", renderer="shares.payment_qr",
                      renderer_arg=f"{request.id}:{amount_cents}")


@attachment_renderer("shares.payment_qr")
def _qr_attachment_png(arg: str) -> bytes:
    """Made when the mail is sent: ``arg`` is "request id:amount in cents"."""
    request_id, _sep, amount = arg.partition(":")
    request = db.session.get(PaymentRequest, int(request_id))
    if request is None:
        raise LookupError(f"payment request {request_id} not found")
    return request_qr_png(request, amount_cents=int(amount))


# ----------------------------------------------------------------------------------------------
# Payment requests
# ----------------------------------------------------------------------------------------------


def create_payment_request(member: Member, purpose: PaymentPurpose, amount_cents: int, *, year: int | None = None,
                           shares: int = 0, actor: Account | None = None) -> PaymentRequest:
    """A request with a fresh unique structured communication (the unique constraint decides;
    a clash, one in ten billion, is retried in a savepoint). A second renewal request for the same
    member and year raises IntegrityError from the partial unique index: callers that may race
    (the renewal campaign) catch it."""
    if amount_cents <= 0:
        raise ValueError("amount must be positive")
    for _attempt in range(5):
        request = PaymentRequest(member=member, purpose=purpose, year=year, shares=shares,
                                 amount_cents=amount_cents, reference=random_reference(),
                                 created_by_id=actor.id if actor else None)
        try:
            with savepoint():
                db.session.add(request)
                db.session.flush()
        except IntegrityError:
            if purpose is PaymentPurpose.RENEWAL and db.session.scalar(
                    select(PaymentRequest.id).where(PaymentRequest.member_id == member.id,
                                                    PaymentRequest.purpose == purpose,
                                                    PaymentRequest.year == year)):
                raise
            continue
        audit.record("shares.payment_request.create", request, actor=actor,
                     after={"member": member.number, "purpose": purpose, "year": year,
                            "amount_cents": amount_cents, "reference": request.reference})
        return request
    raise RuntimeError("could not allocate a unique structured communication")


def request_by_reference(reference: str) -> PaymentRequest | None:
    return db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == reference))


def cancel_payment_request(request: PaymentRequest, *, actor: Account | None = None, partly_paid: bool = False) -> None:
    """Only an unpaid request can be cancelled (conditional UPDATE: a payment arriving first wins).
    ``partly_paid``: a request partly paid is cancelled too, keeping what it received (a member who
    leaves: the register's redemption pays that back); a payment arriving meanwhile wins as well."""
    condition = (PaymentRequest.status == PaymentStatus.OPEN) & (PaymentRequest.paid_cents == 0)
    if partly_paid:
        condition = (PaymentRequest.status == PaymentStatus.PARTIALLY_PAID) & (
            PaymentRequest.paid_cents == request.paid_cents)
    result = db.session.execute(update(PaymentRequest)
                                .where(PaymentRequest.id == request.id, condition)
                                .values(status=PaymentStatus.CANCELLED, cancelled_at=utcnow())
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RequestNotPayable()
    db.session.refresh(request, ["status", "cancelled_at"])
    audit.record("shares.payment_request.cancel", request, actor=actor,
                 after={"status": PaymentStatus.CANCELLED, **({"paid_cents": request.paid_cents} if partly_paid else {})})


def payable_from(request: PaymentRequest) -> date:
    """The first day money can pay ``request``, the register's dates holding: shares are paid up no
    sooner than subscribed (their subscription in the register, which staff may have dated back from paper,
    else the day the request was made, an application's); a membership fee no sooner than the year
    before its own (a member may pay ahead). The bank import, matching by hand and money received
    outside the bank all keep to it."""
    return payable_from_many([request])[request.id]


def payable_from_many(requests: list[PaymentRequest]) -> dict[int, date]:
    """``payable_from`` for each request, by id, in one query (an import matches thousands)."""
    ids = [r.id for r in requests if not (r.purpose is PaymentPurpose.RENEWAL and r.year)]
    subscribed: dict[int, date] = {}
    if ids:
        subscribed = dict(db.session.execute(
            select(ShareEntry.payment_request_id, func.min(ShareEntry.effective_on))
            .where(ShareEntry.payment_request_id.in_(ids), ShareEntry.kind == EntryKind.SUBSCRIPTION)
            .group_by(ShareEntry.payment_request_id)).all())
    out = {}
    for r in requests:
        if r.purpose is PaymentPurpose.RENEWAL and r.year:
            out[r.id] = date(r.year - 1, 1, 1)
        else:
            made = brussels_day(r.created_at)
            out[r.id] = min(subscribed[r.id], made) if r.id in subscribed else made
    return out
