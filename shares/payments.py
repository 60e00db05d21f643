"""Payment requests: Belgian structured communications, EPC QR payloads, applying payments.

Services flush, never commit."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from stdnum import iban as std_iban
from stdnum.be import ogm_vcs
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from app import audit
from app.clock import utcnow
from app.extensions import db
from app.models import Account
from shares.errors import InvalidReference, RequestNotPayable
from shares.models import (BankTransaction, EntryKind, Member, PaymentPurpose, PaymentRequest, PaymentStatus,
                           ShareEntry)
from shares.settings import setting
from shares.signals import payment_matched

# Purposes whose payments pay up share capital (a renewal does not).
CAPITAL_PURPOSES = (PaymentPurpose.SUBSCRIPTION, PaymentPurpose.ADDITIONAL_SHARES)

# ----------------------------------------------------------------------------------------------
# Belgian structured communication (OGM/VCS): 10 digits + 2 check digits (mod 97, 97 for 0).
# ----------------------------------------------------------------------------------------------


def reference_for(base: int) -> str:
    """The 12-digit communication for a 10-digit base number (1 <= base < 10**10)."""
    if not 0 < base < 10**10:
        raise ValueError("base out of range")
    digits = f"{base:010d}"
    return digits + ogm_vcs.calc_check_digits(digits)


def parse_reference(text: str) -> str:
    """Staff- or bank-typed communication to its 12 compact digits; InvalidReference(reason) if not."""
    try:
        return ogm_vcs.validate(text.strip().replace("*", "+").replace(".", "/").replace("-", "/"))
    except InvalidChecksum:
        raise InvalidReference("checksum") from None
    except InvalidLength:
        raise InvalidReference("length") from None
    except ValidationError:
        raise InvalidReference("format") from None


def format_reference(reference: str) -> str:
    return f"+++{ogm_vcs.format(reference)}+++"


_IN_TEXT = re.compile(r"(?:\+\+\+|\*\*\*)?\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*(?:\+\+\+|\*\*\*)?")


def find_reference(text: str | None) -> str | None:
    """A valid structured communication inside free text (banks sometimes put it there)."""
    if not text:
        return None
    for match in _IN_TEXT.finditer(text):
        candidate = "".join(match.groups())
        if ogm_vcs.is_valid(candidate):
            return candidate
    return None


def random_reference() -> str:
    return reference_for(secrets.randbelow(10**10 - 1) + 1)


# ----------------------------------------------------------------------------------------------
# EPC QR code ("BCD", EPC069-12 version 002)
# ----------------------------------------------------------------------------------------------

EPC_FIELDS = ("service_tag", "version", "charset", "identification", "bic", "name", "iban", "amount",
              "purpose", "remittance_reference", "remittance_text", "information")


def _amount_text(cents: int) -> str:
    """EUR with up to two decimals and no trailing zeros after the point (EUR12.3, EUR30)."""
    euros, rest = divmod(cents, 100)
    if rest == 0:
        return f"EUR{euros}"
    return f"EUR{euros}.{rest:02d}".rstrip("0")


def epc_payload(*, name: str, iban: str, bic: str | None, amount_cents: int, reference: str | None = None,
                text: str | None = None, purpose: str = "", information: str = "") -> str:
    """The text a banking app scans: version 002, UTF-8 (character set 1), SEPA credit transfer.

    A structured ``reference`` goes in the structured-remittance line; the unstructured line is then
    empty (only one of the two may be used). Lines are joined by LF, no trailing separator."""
    if not 1 <= amount_cents <= 99_999_999_999:
        raise ValueError("EPC amount must be between 0.01 and 999999999.99 EUR")
    if reference and text:
        raise ValueError("structured and unstructured remittance are exclusive")
    name = name.strip()[:70]
    iban = std_iban.compact(iban)
    std_iban.validate(iban)
    lines = ["BCD", "002", "1", "SCT", (bic or "").strip(), name, iban, _amount_text(amount_cents),
             purpose, format_reference(reference) if reference else "", (text or "")[:140], information[:70]]
    while lines and lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > 331:
        raise ValueError("EPC payload over 331 bytes")
    return payload


def parse_epc(payload: str) -> dict:
    """Read a BCD payload (version 001 or 002, LF or CRLF) back into named fields."""
    lines = payload.replace("\r\n", "\n").rstrip("\n").split("\n")
    if len(lines) < 7 or lines[0] != "BCD" or lines[1] not in ("001", "002") or lines[3] != "SCT":
        raise ValueError("not an EPC SCT payload")
    if len(lines) > len(EPC_FIELDS):
        raise ValueError("too many lines")
    fields = dict(zip(EPC_FIELDS, lines + [""] * (len(EPC_FIELDS) - len(lines))))
    if fields["charset"] not in {str(i) for i in range(1, 9)}:
        raise ValueError("unknown character set")
    if fields["version"] == "001" and not fields["bic"]:
        raise ValueError("version 001 needs a BIC")
    if fields["remittance_reference"] and fields["remittance_text"]:
        raise ValueError("both remittance lines are filled")
    amount = fields["amount"]
    if amount:
        match = re.fullmatch(r"EUR(\d{1,9})(?:\.(\d{1,2}))?", amount)
        if not match:
            raise ValueError("bad amount")
        fields["amount_cents"] = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    return fields


def request_payload(request: PaymentRequest) -> str:
    from flask import current_app

    return epc_payload(name=current_app.config.get("COOP_NAME", "Une Voix"), iban=setting("COOP_IBAN"),
                       bic=setting("COOP_BIC"), amount_cents=request.due_cents or request.amount_cents,
                       reference=request.reference)


def request_qr_svg(request: PaymentRequest, label: str = ""):
    from app.qr import qr_svg

    return qr_svg(request_payload(request), level="M", label=label)


def request_qr_png(request: PaymentRequest, box_size: int = 6) -> bytes:
    from app.qr import qr_png

    return qr_png(request_payload(request), level="M", box_size=box_size)


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
        savepoint = db.session.begin_nested()
        db.session.add(request)
        try:
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            if purpose is PaymentPurpose.RENEWAL and db.session.scalar(
                    select(PaymentRequest.id).where(PaymentRequest.member_id == member.id,
                                                    PaymentRequest.purpose == purpose,
                                                    PaymentRequest.year == year)):
                raise
            continue
        savepoint.commit()
        audit.record("payment_request.created", request, actor=actor,
                     after={"member": member.number, "purpose": purpose, "year": year,
                            "amount_cents": amount_cents, "reference": request.reference})
        return request
    raise RuntimeError("could not allocate a unique structured communication")


def request_by_reference(reference: str) -> PaymentRequest | None:
    return db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == reference))


def _status_for(amount: int, paid: int) -> PaymentStatus:
    if paid >= amount:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID if paid > 0 else PaymentStatus.OPEN


@dataclass
class AppliedPayment:
    request: PaymentRequest
    entry: ShareEntry
    excess_cents: int


def apply_payment(request: PaymentRequest, amount_cents: int, *, on, transaction: BankTransaction | None = None,
                  actor: Account | None = None, reason: str = "") -> AppliedPayment:
    """Record ``amount_cents`` received for ``request``: a payment entry in the register and the request's
    paid amount, both in this transaction, then the ``payment_matched`` signal.

    The request's ``paid_cents`` is increased by a single UPDATE (no lost update between two payers).
    Paid-up capital grows by at most what the request still owed for shares."""
    if request.status is PaymentStatus.CANCELLED:
        raise RequestNotPayable()
    if amount_cents <= 0:
        raise ValueError("a payment is positive")
    db.session.flush()
    before_paid = db.session.scalar(select(PaymentRequest.paid_cents).where(PaymentRequest.id == request.id))
    db.session.execute(update(PaymentRequest).where(PaymentRequest.id == request.id)
                       .values(paid_cents=PaymentRequest.paid_cents + amount_cents)
                       .execution_options(synchronize_session=False))
    paid = before_paid + amount_cents
    owed_before = max(request.amount_cents - before_paid, 0)
    capital = min(amount_cents, owed_before) if request.purpose in CAPITAL_PURPOSES else 0
    status = _status_for(request.amount_cents, paid)
    db.session.execute(update(PaymentRequest).where(PaymentRequest.id == request.id)
                       .values(status=status, paid_at=utcnow() if status is PaymentStatus.PAID else None)
                       .execution_options(synchronize_session=False))
    db.session.refresh(request, ["paid_cents", "status", "paid_at"])
    entry = ShareEntry(member_id=request.member_id, kind=EntryKind.PAYMENT, effective_on=on, shares=0,
                       amount_cents=amount_cents, capital_cents=0, paid_cents=capital,
                       payment_request_id=request.id, bank_transaction_id=transaction.id if transaction else None,
                       note=reason[:500], recorded_by_id=actor.id if actor else None)
    db.session.add(entry)
    db.session.flush()
    audit.record("payment.applied", request, actor=actor,
                 before={"paid_cents": before_paid},
                 after={"paid_cents": paid, "status": status, "amount_cents": amount_cents,
                        "transaction": transaction.bank_reference if transaction else None, "reason": reason})
    excess = max(amount_cents - owed_before, 0)
    payment_matched.send(request, transaction=transaction, entry=entry, amount_cents=amount_cents)
    return AppliedPayment(request, entry, excess)


def cancel_payment_request(request: PaymentRequest, *, actor: Account | None = None) -> None:
    """Only an unpaid request can be cancelled (conditional UPDATE: a payment arriving first wins)."""
    result = db.session.execute(update(PaymentRequest)
                                .where(PaymentRequest.id == request.id, PaymentRequest.status == PaymentStatus.OPEN,
                                       PaymentRequest.paid_cents == 0)
                                .values(status=PaymentStatus.CANCELLED, cancelled_at=utcnow())
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise RequestNotPayable()
    db.session.refresh(request, ["status", "cancelled_at"])
    audit.record("payment_request.cancelled", request, actor=actor, after={"status": PaymentStatus.CANCELLED})
