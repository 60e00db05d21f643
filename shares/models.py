"""Members of the cooperative. The share register's dated history builds on these."""
from __future__ import annotations

import enum
import unicodedata
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint,
                        event, text, true)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.clock import utcnow
from app.db import value_enum
from app.extensions import db
from app.models import Account
from shares.references import format_reference


class MemberKind(str, enum.Enum):
    NATURAL = "natural"
    LEGAL = "legal"


class Category(str, enum.Enum):
    A = "A"  # users of the services
    B = "B"  # partners, permanent staff, legal persons



def fold(text: str) -> str:
    """Lower case without accents, for searching 'Lefèvre' with 'lefevre'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class Member(db.Model):
    __tablename__ = "shares_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("app_account.id"), index=True)
    kind: Mapped[MemberKind] = mapped_column(value_enum(MemberKind, 10))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(12), default="", index=True)
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="BE")
    category: Mapped[Category] = mapped_column(value_enum(Category, 1))
    national_number: Mapped[str | None] = mapped_column(String(11), index=True)
    enterprise_number: Mapped[str | None] = mapped_column(String(10), index=True)
    iban: Mapped[str | None] = mapped_column(String(34), index=True)
    search_text: Mapped[str] = mapped_column(String(500), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One person, one member: the national or enterprise number of a membership that has not ended
    # (admitted, or an application in hand) belongs to no other. Cleared when the member leaves or the
    # application is refused (exits are never dated ahead), so that the person may apply again; the
    # partial unique indexes below make it hold whatever the timing of two applications.
    holds_identity: Mapped[bool] = mapped_column(default=True, server_default=true())
    # A former member applying again with their account gets a new membership (a new member number) that
    # follows the one that ended: at most one follows each (the unique column), so an account has one
    # current membership, its latest (``shares.queries.member_for_account``).
    earlier_member_id: Mapped[int | None] = mapped_column(ForeignKey("shares_member.id"), unique=True)
    # The board's decision readmitting this member after their exclusion (recorded once, by staff): the
    # person may then apply again with their account, as a new membership.
    readmitted_on: Mapped[date | None] = mapped_column(Date)
    readmission_reference: Mapped[str | None] = mapped_column(String(100))
    # Optimistic locking: an edit made on a stale copy fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)
    earlier: Mapped[Member | None] = relationship(remote_side=[id], foreign_keys=[earlier_member_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = tuple(
        Index(f"uq_shares_member_{column}_held", column, unique=True,
              sqlite_where=text("holds_identity"), postgresql_where=text("holds_identity"))
        for column in ("national_number", "enterprise_number"))

    @property
    def name(self) -> str:
        if self.kind is MemberKind.LEGAL:
            return self.legal_name or ""
        return f"{self.first_name or ''} {self.last_name or ''}".strip()

    @property
    def sort_name(self) -> str:
        if self.kind is MemberKind.LEGAL:
            return self.legal_name or ""
        return f"{self.last_name or ''}, {self.first_name or ''}"

    @property
    def email(self) -> str:
        return self.account.email

    @property
    def language(self) -> str:
        return self.account.language

    def refresh_search_text(self) -> None:
        self.search_text = fold(f"{self.name} {self.legal_name or ''} {self.account.email} {self.number} "
                                f"{self.city or ''}")[:500]


@event.listens_for(Member, "before_insert")
@event.listens_for(Member, "before_update")
def _keep_search_text(mapper, connection, member: Member) -> None:
    member.refresh_search_text()


# --------------------------------------------------------------------------------------------------
# The share register: a dated, append-only history per member.
# --------------------------------------------------------------------------------------------------

class EntryKind(str, enum.Enum):
    SUBSCRIPTION = "subscription"
    PAYMENT = "payment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    CATEGORY_CHANGE = "category_change"
    REDEMPTION = "redemption"
    RESIGNATION = "resignation"
    EXCLUSION = "exclusion"
    CORRECTION = "correction"
    LAPSE = "lapse"  # the yearly renewal was not paid: the member is lapsed (still a shareholder)
    REINSTATEMENT = "reinstatement"  # a lapsed member paid: membership in force again


# A correction that voids an entry's effect and moves no figure (shares.register.correct writes it once per entry).
VOIDS = ("kind = 'correction' AND shares = 0 AND amount_cents = 0 AND capital_cents = 0 AND paid_cents = 0 "
         "AND category IS NULL")


class ShareEntry(db.Model):
    """One line of the register. Never updated or deleted: a correction is a new entry citing it.

    Every entry carries its own signed deltas, so the register as of any date is a sum:
    ``shares`` (number of shares), ``capital_cents`` (capital subscribed), ``paid_cents`` (capital
    paid up). ``amount_cents`` is the money that moved with the entry (a payment received, a
    subscription's price, a redemption refunded), signed as seen by the cooperative's capital.
    ``category`` is the member's category after the entry (set on subscription and category change)."""

    __tablename__ = "shares_entry"
    __table_args__ = (
        Index("ix_shares_entry_member_effective", "member_id", "effective_on", "id"),
        # A member lapses once per unpaid renewal request, and is reinstated once per payment entry (a renewal
        # paid, taken back by the bank and paid again reinstates again, each return undoing its own).
        Index("uq_shares_entry_lapse", "payment_request_id", unique=True,
              sqlite_where=text("kind = 'lapse'"), postgresql_where=text("kind = 'lapse'")),
        Index("uq_shares_entry_reinstatement", "payment_entry_id", unique=True,
              sqlite_where=text("kind = 'reinstatement'"), postgresql_where=text("kind = 'reinstatement'")),
        # A correction that moves no figure voids an entry's effect (an exit, a lapse, a reinstatement): once.
        Index("uq_shares_entry_voided_once", "corrects_id", unique=True,
              sqlite_where=text(VOIDS), postgresql_where=text(VOIDS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"))
    kind: Mapped[EntryKind] = mapped_column(value_enum(EntryKind, 20), index=True)
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    shares: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    capital_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    category: Mapped[Category | None] = mapped_column(value_enum(Category, 1))
    counterpart_member_id: Mapped[int | None] = mapped_column(ForeignKey("shares_member.id"))
    transfer_group: Mapped[str | None] = mapped_column(String(36), index=True)
    board_decision_on: Mapped[date | None] = mapped_column(Date)
    board_reference: Mapped[str | None] = mapped_column(String(100))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("shares_entry.id"), index=True)
    payment_request_id: Mapped[int | None] = mapped_column(ForeignKey("shares_payment_request.id"), index=True)
    # A reinstatement: the payment entry that made it (NULL for those recorded before revision voids0029a1).
    # (A plain integer: register entries are never deleted, and SQLite adds no foreign key without a table copy.)
    payment_entry_id: Mapped[int | None] = mapped_column()
    # A bank transaction pays into the register once: the unique constraint guarantees it.
    bank_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("shares_bank_transaction.id"), unique=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    counterpart: Mapped[Member | None] = relationship(foreign_keys=[counterpart_member_id])
    corrects: Mapped[ShareEntry | None] = relationship(remote_side=[id])
    recorded_by: Mapped[Account | None] = relationship()
    payment_request: Mapped[PaymentRequest | None] = relationship()


class PaymentPurpose(str, enum.Enum):
    SUBSCRIPTION = "subscription"
    RENEWAL = "renewal"
    ADDITIONAL_SHARES = "additional_shares"


class PaymentStatus(str, enum.Enum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentRequest(db.Model):
    """An amount a member owes, with its Belgian structured communication (12 digits, stored compact).

    A renewal is requested once per member and year (partial unique index)."""

    __tablename__ = "shares_payment_request"
    __table_args__ = (
        Index("uq_shares_payment_request_renewal", "member_id", "year", unique=True,
              sqlite_where=text("purpose = 'renewal'"), postgresql_where=text("purpose = 'renewal'")),
        Index("ix_shares_payment_request_member", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"))
    purpose: Mapped[PaymentPurpose] = mapped_column(value_enum(PaymentPurpose, 20))
    year: Mapped[int | None]
    shares: Mapped[int] = mapped_column(default=0)  # shares this request pays for (0 for a renewal)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # compact OGM/VCS digits
    status: Mapped[PaymentStatus] = mapped_column(value_enum(PaymentStatus, 20), default=PaymentStatus.OPEN, index=True)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))

    member: Mapped[Member] = relationship()

    @property
    def due_cents(self) -> int:
        return max(self.amount_cents - self.paid_cents, 0)

    @property
    def asked_cents(self) -> int:
        """What a transfer for this request asks now: what remains to pay (the whole amount of one with
        nothing left). The member's pages, the QR code and the letters all say this one figure."""
        return self.due_cents or self.amount_cents

    @property
    def formatted_reference(self) -> str:
        return format_reference(self.reference)


class BankStatementImport(db.Model):
    """One camt.053 file, imported once: the same file again is recognised by its hash."""

    __tablename__ = "shares_bank_statement_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    account_iban: Mapped[str] = mapped_column(String(34))
    statements_count: Mapped[int] = mapped_column(default=0)
    entries_count: Mapped[int] = mapped_column(default=0)
    new_transactions_count: Mapped[int] = mapped_column(default=0)
    # Per statement: {"id", "iban", "opening_cents", "closing_cents", "entries_cents", "balanced"}.
    statements: Mapped[list | None] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))

    imported_by: Mapped[Account | None] = relationship()


class MatchStatus(str, enum.Enum):
    MATCHED = "matched"
    PARTIAL = "partial"
    OVERPAID = "overpaid"
    UNKNOWN = "unknown"
    IGNORED = "ignored"
    RETURNED = "returned"  # a debit: a member's payment the bank took back, taken out of its request by staff


# Statuses waiting in the staff queue.
QUEUE_STATUSES = (MatchStatus.PARTIAL, MatchStatus.OVERPAID, MatchStatus.UNKNOWN)


class BankTransaction(db.Model):
    """A booked bank entry. ``bank_reference`` is the bank's AcctSvcrRef or a hash of the entry's fields.

    ``resolved_at`` is set when staff resolve a queued transaction; resolving is a conditional UPDATE
    on ``version`` so that of two staff resolving at once, one wins."""

    __tablename__ = "shares_bank_transaction"
    __table_args__ = (Index("ix_shares_bank_transaction_queue", "match_status", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("shares_bank_statement_import.id"), index=True)
    bank_reference: Mapped[str] = mapped_column(String(140), unique=True)
    booking_date: Mapped[date] = mapped_column(Date, index=True)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # credit > 0, debit < 0
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    counterparty_name: Mapped[str] = mapped_column(String(200), default="")
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    structured_reference: Mapped[str | None] = mapped_column(String(12), index=True)
    free_text: Mapped[str] = mapped_column(String(500), default="")
    match_status: Mapped[MatchStatus] = mapped_column(value_enum(MatchStatus, 10))
    payment_request_id: Mapped[int | None] = mapped_column(ForeignKey("shares_payment_request.id"), index=True)
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))  # None: automatic
    matched_at: Mapped[datetime | None]
    match_reason: Mapped[str] = mapped_column(String(500), default="")
    # Why the import did not match it (a code the queue words, shares.bank.WHY_CODES): reversal, overpaid,
    # partial, date, bad_reference, other_reference, unknown_reference, no_reference, left (the member
    # left), cancelled, currency, debit, zero; empty once matched automatically.
    why: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # A structured communication as the payer typed it, when its check digits are wrong.
    typed_reference: Mapped[str] = mapped_column(String(40), default="", server_default="")
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    statement_import: Mapped[BankStatementImport] = relationship()
    payment_request: Mapped[PaymentRequest | None] = relationship()
    matched_by: Mapped[Account | None] = relationship()

    @property
    def in_queue(self) -> bool:
        return self.match_status in QUEUE_STATUSES and self.resolved_at is None


# --------------------------------------------------------------------------------------------------
# Yearly renewal and members' requests (used by the renewal campaign and members' own pages).
# --------------------------------------------------------------------------------------------------

class RenewalStage(str, enum.Enum):
    REQUEST = "request"
    REMINDER_1 = "reminder_1"
    REMINDER_2 = "reminder_2"


class RenewalNotice(db.Model):
    """A renewal letter sent: each stage once per member and year (unique constraint)."""

    __tablename__ = "shares_renewal_notice"
    __table_args__ = (UniqueConstraint("member_id", "year", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"))
    year: Mapped[int] = mapped_column(index=True)
    stage: Mapped[RenewalStage] = mapped_column(value_enum(RenewalStage, 12))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    payment_request_id: Mapped[int | None] = mapped_column(ForeignKey("shares_payment_request.id"))

    member: Mapped[Member] = relationship()
    payment_request: Mapped[PaymentRequest | None] = relationship()


class MemberRequestKind(str, enum.Enum):
    BUY_SHARES = "buy_shares"
    CHANGE_CATEGORY = "change_category"
    RESIGN = "resign"


class MemberRequestStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # by the member, before staff decided


class MemberRequest(db.Model):
    """A member asks; staff decide. One pending request per member and kind (partial unique index)."""

    __tablename__ = "shares_member_request"
    __table_args__ = (
        Index("uq_shares_member_request_pending", "member_id", "kind", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    kind: Mapped[MemberRequestKind] = mapped_column(value_enum(MemberRequestKind, 20))
    details: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[MemberRequestStatus] = mapped_column(value_enum(MemberRequestStatus, 10),
                                                        default=MemberRequestStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    member: Mapped[Member] = relationship()
    decided_by: Mapped[Account | None] = relationship()


# --------------------------------------------------------------------------------------------------
# Money received beyond what was due: kept until staff decide what becomes of it.
# --------------------------------------------------------------------------------------------------

class SurplusKind(str, enum.Enum):
    OVERPAYMENT = "overpayment"  # money beyond what the request asked: kept until staff decide
    UNDERPAYMENT = "underpayment"  # a payment short of what the request asked: staff decide what follows
    REFUSED_APPLICATION = "refused_application"  # money paid for an application that was refused: refunded
    LEAVING = "leaving"  # the paid-up value of a leaving member's shares, redeemed: paid back
    REDEMPTION = "redemption"  # the paid-up value of shares redeemed while the membership goes on: paid back
    AFTER_EXIT = "after_exit"  # money paid for a member whose exit was in force: it buys nothing, paid back


class SurplusDecision(str, enum.Enum):
    REFUND = "refund"  # paid back to the payer's account (the refund list)
    EXTRA_SHARES = "extra_shares"  # overpayment: buys more shares for the member
    CREDIT = "credit"  # overpayment: pays towards next year's renewal
    KEEP_DUE = "keep_due"  # underpayment: accepted as partial, the rest stays due (the member is reminded)
    FEWER_SHARES = "fewer_shares"  # underpayment: the request is reduced to the whole shares paid for


# The decisions each kind of money allows (also a CHECK constraint on the table).
KIND_DECISIONS = {
    SurplusKind.OVERPAYMENT: (SurplusDecision.REFUND, SurplusDecision.EXTRA_SHARES, SurplusDecision.CREDIT),
    SurplusKind.UNDERPAYMENT: (SurplusDecision.REFUND, SurplusDecision.KEEP_DUE, SurplusDecision.FEWER_SHARES),
    SurplusKind.REFUSED_APPLICATION: (SurplusDecision.REFUND,),
    SurplusKind.LEAVING: (SurplusDecision.REFUND,),
    SurplusKind.REDEMPTION: (SurplusDecision.REFUND,),
    SurplusKind.AFTER_EXIT: (SurplusDecision.REFUND,),
}


def _decision_check() -> str:
    return " OR ".join(
        f"(kind = '{kind.value}' AND decision IN ({', '.join(repr(d.value) for d in decisions)}))"
        for kind, decisions in KIND_DECISIONS.items()) + " OR decision IS NULL"


class Surplus(db.Model):
    """Money received that staff must decide about, in integer cents, by ``kind``:

    - an **overpayment**: what a payment brought beyond the amount due (refund, extra shares, credit);
    - an **underpayment**: a payment short of what its request asked, ``amount_cents`` being the money
      it brought (keep the rest due, buy fewer shares, refund);
    - a **refused application**'s money, decided (refund) when the application is refused;
    - a **leaving** member's money: the paid-up value of the shares redeemed when they resign or are
      excluded, decided (refund, to the account they gave) with the redemption, once per redemption
      entry (a unique column);
    - a **redemption**'s money: the paid-up value of shares redeemed while the membership goes on,
      decided (refund) with the redemption, once per redemption entry (the same unique column);
    - money paid **after the exit**: a payment for a member whose exit is in force buys nothing and
      enters no register; it is decided (refund, to the payer's account) when staff take it from the queue.

    A refund not made yet is **voided** (``voided_at``) when what it pays back is undone: the redemption
    corrected away, staff called it off (``called_off_reason``; an overpayment's money is then kept
    again, a new undecided row citing this one in ``source_surplus_id``), or the bank took that money back (one conditional UPDATE on ``refunded_at IS NULL``,
    so a refund is either paid or voided, never both); it then leaves the refund list. When the bank
    takes back only part of it, ``amount_cents`` is lowered instead, by the same kind of UPDATE.

    Decided once: each decision is a conditional UPDATE on ``decision IS NULL``; a bank transaction
    leaves at most one such record, a decision's remainder at most one more, and a refused application's
    request one refund (unique constraints). The CHECK constraint keeps each kind to its decisions."""

    __tablename__ = "shares_surplus"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", name="decided_with_date"),
        CheckConstraint(_decision_check(), name="decision_fits_kind"),
        Index("uq_shares_surplus_refused_application", "payment_request_id", unique=True,
              sqlite_where=text("kind = 'refused_application'"),
              postgresql_where=text("kind = 'refused_application'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    payment_request_id: Mapped[int | None] = mapped_column(ForeignKey("shares_payment_request.id"))
    bank_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("shares_bank_transaction.id"), unique=True)
    source_surplus_id: Mapped[int | None] = mapped_column(ForeignKey("shares_surplus.id"), unique=True)
    kind: Mapped[SurplusKind] = mapped_column(value_enum(SurplusKind, 20), default=SurplusKind.OVERPAYMENT,
                                              server_default=SurplusKind.OVERPAYMENT.value, index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    refund_iban: Mapped[str | None] = mapped_column(String(34))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[SurplusDecision | None] = mapped_column(value_enum(SurplusDecision, 20), index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    result_request_id: Mapped[int | None] = mapped_column(ForeignKey("shares_payment_request.id"))
    share_entry_id: Mapped[int | None] = mapped_column(ForeignKey("shares_entry.id"), unique=True)  # a redemption
    refunded_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]  # the refund was called off before it was made (its redemption undone)
    # Staff called the refund off (why, in their words): its money is kept again, a new row to decide.
    called_off_reason: Mapped[str | None] = mapped_column(String(500))

    member: Mapped[Member] = relationship()
    payment_request: Mapped[PaymentRequest | None] = relationship(foreign_keys=[payment_request_id])
    result_request: Mapped[PaymentRequest | None] = relationship(foreign_keys=[result_request_id])
    bank_transaction: Mapped[BankTransaction | None] = relationship()
    decided_by: Mapped[Account | None] = relationship()


# --------------------------------------------------------------------------------------------------
# Admission: the public application, the payment it asks for, and the admission decision.
# --------------------------------------------------------------------------------------------------

class ApplicationStatus(str, enum.Enum):
    AWAITING_PAYMENT = "awaiting_payment"
    AWAITING_DECISION = "awaiting_decision"  # paid; the board or staff decide (ADMISSION_MODE "decision")
    ADMITTED = "admitted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # by the applicant, before any money came


# The statuses of an application that has not ended: a member has at most one.
OPEN_APPLICATION_SQL = "('awaiting_payment', 'awaiting_decision', 'admitted')"


class MembershipApplication(db.Model):
    """Someone asked to become a member. The member record and its account exist from the
    application (to pay and to sign in), the register's subscription entry only from admission.
    An applicant whose application ended (refused, withdrawn) may apply again: a new row for the same
    member, the old one kept as it ended. One open application per member (waiting or admitted: a
    partial unique index); decided once (conditional UPDATE on the status)."""

    __tablename__ = "shares_membership_application"
    __table_args__ = (
        Index("uq_shares_membership_application_open", "member_id", unique=True,
              sqlite_where=text(f"status IN {OPEN_APPLICATION_SQL}"),
              postgresql_where=text(f"status IN {OPEN_APPLICATION_SQL}")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    shares: Mapped[int]
    category: Mapped[Category] = mapped_column(value_enum(Category, 1))
    payment_request_id: Mapped[int] = mapped_column(ForeignKey("shares_payment_request.id"))
    status: Mapped[ApplicationStatus] = mapped_column(value_enum(ApplicationStatus, 20), index=True,
                                                      default=ApplicationStatus.AWAITING_PAYMENT)
    consented_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    decision_on: Mapped[date | None] = mapped_column(Date)
    decision_reference: Mapped[str | None] = mapped_column(String(100))
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    subscription_entry_id: Mapped[int | None] = mapped_column(ForeignKey("shares_entry.id"))

    member: Mapped[Member] = relationship()
    payment_request: Mapped[PaymentRequest] = relationship()
    decided_by: Mapped[Account | None] = relationship()


# --------------------------------------------------------------------------------------------------
# Certificates as issued, and the register's long exports.
# --------------------------------------------------------------------------------------------------

class CertificateIssue(db.Model):
    """What a certificate certified when it was issued: the public check shows this, not the
    member's current (self-edited) name. The token is random and unique."""

    __tablename__ = "shares_certificate_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("shares_member.id"), index=True)
    year: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    number: Mapped[int]
    category: Mapped[Category] = mapped_column(value_enum(Category, 1))
    shares: Mapped[int]
    # The capital subscribed and the part of it paid up, that day (None on the certificates issued
    # before 29 November 2026, which did not state them).
    capital_cents: Mapped[int | None] = mapped_column(BigInteger)
    paid_cents: Mapped[int | None] = mapped_column(BigInteger)
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship()


class ExportStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RegisterExport(db.Model):
    """The register as of a date as a file, made by a background job (it outlasts a web request).

    ``error`` is ``STALLED`` when the job stopped giving signs of life (its worker restarted)."""

    STALLED = "stalled"

    __tablename__ = "shares_register_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(4))  # "pdf" | "csv"
    language: Mapped[str] = mapped_column(String(2), default="fr")
    status: Mapped[ExportStatus] = mapped_column(value_enum(ExportStatus, 10), default=ExportStatus.QUEUED,
                                                 index=True)
    done_rows: Mapped[int] = mapped_column(default=0)
    total_rows: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str | None] = mapped_column(String(200))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # The job's last sign of life (set when it starts and at each progress step): a job whose worker
    # stopped mid-run (a restart) stops beating, and is then marked failed as stalled.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))

    requested_by: Mapped[Account | None] = relationship()

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done_rows / self.total_rows)) if self.total_rows else 0


class DocumentKind(str, enum.Enum):
    """The cooperative's own documents, which members agree to when they join."""

    STATUTES = "statutes"
    PRIVACY_NOTICE = "privacy_notice"
    INTERNAL_RULES = "internal_rules"


class CoopDocument(db.Model):
    """One version of one of the cooperative's documents in one language (a PDF). The version in force
    is the one last adopted on or before today; the earlier ones stay, as the register's history does.
    The same document, language and date uploaded again replaces the file (a corrected scan)."""

    __tablename__ = "shares_coop_document"
    __table_args__ = (UniqueConstraint("kind", "language", "adopted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(value_enum(DocumentKind, 20))
    language: Mapped[str] = mapped_column(String(2))
    adopted_on: Mapped[date] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[Account | None] = relationship()


@event.listens_for(Session, "before_flush")
def _refuse_register_changes(session, flush_context, instances):
    for obj in session.deleted:
        if isinstance(obj, ShareEntry):
            raise PermissionError("the share register is append-only")
    for obj in session.dirty:
        if isinstance(obj, ShareEntry) and session.is_modified(obj, include_collections=False):
            raise PermissionError("the share register is append-only")

