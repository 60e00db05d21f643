"""Importing camt.053 statements and matching their credits to payment requests.

``import_statement`` either imports the whole file or nothing (a StatementError for a bad file, an
unknown account). The same file again (same SHA-256) changes nothing and says so; a transaction seen
in an earlier file (same bank reference) is skipped. Matching: the structured communication first,
then the amount and the payer's name. Partial payments, overpayments and unknown payments wait in
the queue for staff, who match them by hand (``resolve_transaction``) with a reason; of two staff
resolving the same transaction at once, one wins and the other gets TransactionAlreadyResolved (409)."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, update

from app import audit
from app.clock import utcnow
from app.extensions import db
from app.models import Account
from shares.camt import Statement, parse_camt053
from shares.errors import ReasonRequired, StatementError, TransactionAlreadyResolved
from shares.models import (QUEUE_STATUSES, BankStatementImport, BankTransaction, MatchStatus, Member,
                           PaymentRequest, PaymentStatus, fold)
from shares.payments import apply_payment
from shares.settings import bank_accounts

OPEN_STATUSES = (PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)
CHUNK = 500


@dataclass
class ImportResult:
    statement_import: BankStatementImport
    already_imported: bool = False
    statements: list[dict] = field(default_factory=list)
    new: int = 0
    duplicates: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # match status -> number

    @property
    def unbalanced(self) -> list[dict]:
        return [s for s in self.statements if not s["balanced"]]


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def import_statement(data: bytes, *, filename: str = "", actor: Account | None = None,
                     accept_any_account: bool = False) -> ImportResult:
    digest = hashlib.sha256(data).hexdigest()
    previous = db.session.scalar(select(BankStatementImport).where(BankStatementImport.file_sha256 == digest))
    if previous is not None:
        return ImportResult(previous, already_imported=True, statements=previous.statements or [])
    statements = parse_camt053(data)
    if not accept_any_account:
        allowed = bank_accounts()
        unknown = sorted({s.iban or "?" for s in statements if s.iban not in allowed})
        if unknown:
            raise StatementError("unknown_account", ", ".join(unknown))
    summaries = [s.summary() for s in statements]
    record = BankStatementImport(file_sha256=digest, filename=filename[:255],
                                 account_iban=", ".join(sorted({s.iban for s in statements}))[:34],
                                 statements_count=len(statements),
                                 entries_count=sum(s.entries_count for s in statements),
                                 statements=summaries, imported_by_id=actor.id if actor else None)
    db.session.add(record)
    db.session.flush()
    result = ImportResult(record, statements=summaries)
    new_ids = _insert_new(record, statements, result)
    record.new_transactions_count = result.new
    _auto_match(new_ids, result)
    audit.record("bank_statement.imported", record, actor=actor,
                 after={"file": filename, "sha256": digest, "statements": len(statements), "new": result.new,
                        "duplicates": result.duplicates, "unbalanced": [s["id"] for s in result.unbalanced],
                        **{f"status_{k}": v for k, v in result.counts.items()}})
    return result


def _insert_new(record: BankStatementImport, statements: list[Statement], result: ImportResult) -> list[int]:
    transactions = {t.bank_reference: t for s in statements for t in s.transactions}
    existing: set[str] = set()
    for chunk in _chunks(transactions):
        existing.update(db.session.scalars(select(BankTransaction.bank_reference)
                                           .where(BankTransaction.bank_reference.in_(chunk))))
    result.duplicates = len(existing)
    rows = [{"import_id": record.id, "bank_reference": t.bank_reference, "booking_date": t.booking_date,
             "value_date": t.value_date, "amount_cents": t.amount_cents, "currency": t.currency or "EUR",
             "counterparty_name": t.counterparty_name, "counterparty_iban": t.counterparty_iban,
             "structured_reference": t.structured_reference, "free_text": t.free_text,
             "match_status": MatchStatus.UNKNOWN if t.amount_cents > 0 and t.currency in ("EUR", "")
             else MatchStatus.IGNORED, "match_reason": "" if t.amount_cents > 0 else "debit",
             "version": 1}
            for ref, t in transactions.items() if ref not in existing]
    for chunk in _chunks(rows, 2000):
        db.session.execute(insert(BankTransaction), chunk)
    result.new = len(rows)
    return list(db.session.scalars(select(BankTransaction.id).where(BankTransaction.import_id == record.id)
                                   .order_by(BankTransaction.id)))


def _auto_match(ids: list[int], result: ImportResult) -> None:
    counts: dict[str, int] = defaultdict(int)
    for chunk in _chunks(ids):
        txs = list(db.session.scalars(select(BankTransaction).where(BankTransaction.id.in_(chunk))
                                      .order_by(BankTransaction.id)))
        refs = {t.structured_reference for t in txs if t.structured_reference}
        by_ref = {r.reference: r for r in db.session.scalars(
            select(PaymentRequest).where(PaymentRequest.reference.in_(refs)))} if refs else {}
        without = [t for t in txs if t.match_status is MatchStatus.UNKNOWN
                   and (not t.structured_reference or t.structured_reference not in by_ref)]
        candidates = _name_candidates(without)
        for tx in txs:
            if tx.match_status is MatchStatus.IGNORED:
                counts["ignored"] += 1
                continue
            request = by_ref.get(tx.structured_reference) if tx.structured_reference else None
            reason = "structured reference"
            if request is None:
                request, reason = _by_amount_and_name(tx, candidates), "amount and name"
            _classify(tx, request, reason)
            counts[tx.match_status.value] += 1
        db.session.flush()
    result.counts = dict(counts)


def _name_candidates(txs: list[BankTransaction]) -> dict[tuple[int, str], list[PaymentRequest]]:
    """Open requests whose amount due equals one of the transactions' amounts, keyed by (due, folded name)
    and (due, IBAN)."""
    amounts = {t.amount_cents for t in txs}
    out: dict[tuple[int, str], list[PaymentRequest]] = defaultdict(list)
    if not amounts:
        return out
    due = PaymentRequest.amount_cents - PaymentRequest.paid_cents
    for chunk in _chunks(amounts):
        rows = db.session.execute(select(PaymentRequest, Member).join(Member, Member.id == PaymentRequest.member_id)
                                  .where(PaymentRequest.status.in_(OPEN_STATUSES), due.in_(chunk))).all()
        for request, member in rows:
            out[(request.due_cents, _name_key(member.name))].append(request)
            if member.iban:
                out[(request.due_cents, member.iban)].append(request)
    return out


def _name_key(name: str) -> str:
    return " ".join(sorted(fold(name).replace(",", " ").replace(".", " ").split()))


def _by_amount_and_name(tx: BankTransaction, candidates) -> PaymentRequest | None:
    found = {r.id: r for key in ((tx.amount_cents, _name_key(tx.counterparty_name)), (tx.amount_cents,
                                                                                      tx.counterparty_iban or ""))
             for r in candidates.get(key, []) if r.status in OPEN_STATUSES and r.due_cents == tx.amount_cents}
    return next(iter(found.values())) if len(found) == 1 else None


def _classify(tx: BankTransaction, request: PaymentRequest | None, reason: str) -> None:
    if request is None:
        tx.match_status, tx.match_reason = MatchStatus.UNKNOWN, "no matching request"
        return
    tx.payment_request_id = request.id
    if request.status is PaymentStatus.CANCELLED:
        tx.match_status, tx.match_reason = MatchStatus.UNKNOWN, "request cancelled"
    elif tx.amount_cents == request.due_cents:
        tx.match_status, tx.match_reason, tx.matched_at = MatchStatus.MATCHED, reason, utcnow()
        db.session.flush()
        apply_payment(request, tx.amount_cents, on=tx.booking_date, transaction=tx, reason=reason)
    elif tx.amount_cents < request.due_cents:
        tx.match_status, tx.match_reason = MatchStatus.PARTIAL, reason
    else:
        tx.match_status, tx.match_reason = MatchStatus.OVERPAID, reason


# ----------------------------------------------------------------------------------------------
# The queue, resolved by hand
# ----------------------------------------------------------------------------------------------


def queue_statement():
    return (select(BankTransaction).where(BankTransaction.match_status.in_(QUEUE_STATUSES),
                                          BankTransaction.resolved_at.is_(None))
            .order_by(BankTransaction.booking_date, BankTransaction.id))


def queue_count() -> int:
    return db.session.scalar(select(func.count()).select_from(queue_statement().subquery()))


def _claim(tx: BankTransaction, expected_version: int, status: MatchStatus, request_id: int | None,
           actor: Account | None, reason: str) -> None:
    """The conditional UPDATE that lets one of two concurrent staff win."""
    now = utcnow()
    result = db.session.execute(
        update(BankTransaction)
        .where(BankTransaction.id == tx.id, BankTransaction.version == expected_version,
               BankTransaction.resolved_at.is_(None), BankTransaction.match_status != MatchStatus.MATCHED,
               BankTransaction.match_status != MatchStatus.IGNORED)
        .values(version=BankTransaction.version + 1, resolved_at=now, match_status=status,
                payment_request_id=request_id, matched_by_id=actor.id if actor else None, matched_at=now,
                match_reason=reason[:500])
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise TransactionAlreadyResolved()
    db.session.refresh(tx)


def match_by_hand(tx: BankTransaction, request: PaymentRequest, *, expected_version: int, reason: str,
                  actor: Account | None) -> None:
    """Staff apply a queued credit to ``request``, whatever the amount (partial or over), with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if request.status is PaymentStatus.CANCELLED:
        from shares.errors import RequestNotPayable
        raise RequestNotPayable()
    before = {"status": tx.match_status, "payment_request": tx.payment_request_id}
    _claim(tx, expected_version, MatchStatus.MATCHED, request.id, actor, reason)
    apply_payment(request, tx.amount_cents, on=tx.booking_date, transaction=tx, actor=actor, reason=reason)
    audit.record("bank_transaction.matched_by_hand", tx, actor=actor, before=before,
                 after={"status": MatchStatus.MATCHED, "payment_request": request.id, "reason": reason})


def dismiss(tx: BankTransaction, *, expected_version: int, reason: str, actor: Account | None) -> None:
    """Staff set a queued credit aside (not ours, refunded...) with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    before = {"status": tx.match_status}
    _claim(tx, expected_version, MatchStatus.IGNORED, tx.payment_request_id, actor, reason)
    audit.record("bank_transaction.dismissed", tx, actor=actor, before=before,
                 after={"status": MatchStatus.IGNORED, "reason": reason})
