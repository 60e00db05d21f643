"""Importing camt.053 statements and matching their credits to payment requests.

``import_statement`` imports the statements of the cooperative's accounts and reports the others
(another account, no account, an entry that cannot be read) by their number and account: one bad
statement does not block a file, and a file with nothing importable is refused whole
(StatementError). The same file again (same SHA-256) changes nothing and says so; a transaction
seen in an earlier file (same bank reference) is skipped.

Matching is automatic only by structured communication: a name or IBAN a member typed in their
profile may suggest a request to staff (``shares.queries.suggestions_for``), never pay one. Nothing
is ignored silently: credits in another currency, communications with wrong check digits, unknown
communications, partial payments and overpayments all wait in the queue with ``why``, until staff
match them by hand (``match_by_hand``) or set them aside (``dismiss``); of two staff resolving the
same transaction at once, one wins and the other gets TransactionAlreadyResolved (409). Debits
(money going out: the account's other business) are kept and set aside at import, counted in its
result, and never wait in the queue, where hundreds of them would bury the members' payments."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import joinedload
from stdnum import iban as std_iban

from app import audit
from app.clock import brussels_day, utcnow
from app.extensions import db
from app.models import Account
from shares import register
from shares.camt import Statement, parse_camt053
from shares.errors import (NotACredit, PaidBeforeAsked, ReasonRequired, RequestNotPayable, StatementError,
                           TransactionAlreadyResolved)
from shares.models import (QUEUE_STATUSES, BankStatementImport, BankTransaction, EntryKind, MatchStatus,
                           PaymentPurpose, PaymentRequest, PaymentStatus, ShareEntry)
from shares.settings import bank_accounts

OPEN_STATUSES = (PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)
CHUNK = 500
# Why a transaction waits in the queue, in the order the queue groups them.
WHY_CODES = ("overpaid", "partial", "bad_reference", "unknown_reference", "no_reference", "cancelled", "currency",
             "debit")


@dataclass
class ImportResult:
    statement_import: BankStatementImport
    already_imported: bool = False
    statements: list[dict] = field(default_factory=list)
    new: int = 0
    duplicates: int = 0  # transactions of the file not stored: known from an earlier file, or repeated in it
    credits_cents: int = 0  # money in and out among the new transactions, in euros
    debits_cents: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # "matched" or a why code -> number

    @property
    def unbalanced(self) -> list[dict]:
        return [s for s in self.statements if not s.get("skipped") and not s["balanced"]]

    @property
    def skipped(self) -> list[dict]:
        return [s for s in self.statements if s.get("skipped")]


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _skip_reason(statement: Statement, allowed: set[str] | None) -> tuple[str, str, dict] | None:
    """Why a statement is not imported: the reason, its English detail and its facts (``StatementError``)."""
    if statement.error is not None:
        return statement.error.reason, statement.error.detail, statement.error.facts
    if not statement.iban:
        return "no_account", "", {}
    if allowed is not None and statement.iban not in allowed:
        return "unknown_account", statement.iban, {"accounts": [statement.iban]}
    return None


def import_statement(data: bytes, *, filename: str = "", actor: Account | None = None,
                     accept_any_account: bool = False) -> ImportResult:
    digest = hashlib.sha256(data).hexdigest()
    previous = db.session.scalar(select(BankStatementImport).where(BankStatementImport.file_sha256 == digest))
    if previous is not None:
        return _import_again(previous, data, actor=actor, accept_any_account=accept_any_account)
    statements = parse_camt053(data)
    allowed = None if accept_any_account else bank_accounts()
    summaries, importable = [], []
    for statement in statements:
        summary = statement.summary()
        skip = _skip_reason(statement, allowed)
        if skip:
            summary.update(skipped=skip[0], detail=skip[1][:300], facts=skip[2])
        else:
            importable.append(statement)
        summaries.append(summary)
    if not importable:
        reasons = [s for s in summaries if s.get("skipped")]
        first = next((s for s in reasons if s["skipped"] not in ("unknown_account", "no_account")), None)
        if first is not None:
            raise StatementError(first["skipped"], first["detail"], **first["facts"])
        accounts = sorted({s["iban"] for s in reasons if s["iban"]})
        raise StatementError("unknown_account", ", ".join(std_iban.format(a) for a in accounts), accounts=accounts)
    record = BankStatementImport(file_sha256=digest, filename=filename[:255],
                                 account_iban=", ".join(sorted({s.iban for s in importable}))[:34],
                                 statements_count=len(importable),
                                 entries_count=sum(s.entries_count for s in importable),
                                 statements=summaries, imported_by_id=actor.id if actor else None)
    db.session.add(record)
    db.session.flush()
    result = ImportResult(record, statements=summaries)
    new_ids = _insert_new(record, importable, result)
    record.new_transactions_count = result.new
    _auto_match(new_ids, result)
    audit.record("shares.statement.import", record, actor=actor,
                 after={"file": filename, "sha256": digest, "statements": len(importable), "new": result.new,
                        "duplicates": result.duplicates, "unbalanced": [s["id"] for s in result.unbalanced],
                        "skipped": [{"number": s["number"], "id": s["id"], "iban": s["iban"], "reason": s["skipped"]}
                                    for s in result.skipped],
                        **{f"count_{k}": v for k, v in result.counts.items()}})
    return result


def _import_again(previous: BankStatementImport, data: bytes, *, actor: Account | None,
                  accept_any_account: bool) -> ImportResult:
    """The same file again changes nothing, unless statements skipped the first time can be imported now
    (their account was added to the configuration since): those are added to the same import."""
    skipped_before = {s["number"] for s in previous.statements or [] if s.get("skipped") and s.get("number")}
    if not skipped_before:
        return ImportResult(previous, already_imported=True, statements=previous.statements or [])
    allowed = None if accept_any_account else bank_accounts()
    now = [s for s in parse_camt053(data) if s.number in skipped_before and _skip_reason(s, allowed) is None]
    if not now:
        return ImportResult(previous, already_imported=True, statements=previous.statements or [])
    numbers = {s.number for s in now}
    summaries = [{k: v for k, v in s.items() if k not in ("skipped", "detail", "facts")} if s.get("number") in numbers else s
                 for s in previous.statements or []]
    previous.statements = summaries  # a new list, so the JSON column is written
    previous.statements_count += len(now)
    previous.entries_count += sum(s.entries_count for s in now)
    result = ImportResult(previous, statements=summaries)
    new_ids = _insert_new(previous, now, result, only_new=True)
    previous.new_transactions_count += result.new
    _auto_match(new_ids, result)
    audit.record("shares.statement.import", previous, actor=actor,
                 after={"again": True, "statements": sorted(numbers), "new": result.new,
                        "duplicates": result.duplicates, **{f"count_{k}": v for k, v in result.counts.items()}})
    return result


def _first_why(amount_cents: int, currency: str) -> str:
    if amount_cents < 0:
        return "debit"
    if currency not in ("EUR", ""):
        return "currency"
    return ""


def _insert_new(record: BankStatementImport, statements: list[Statement], result: ImportResult,
                only_new: bool = False) -> list[int]:
    """Insert the transactions no earlier file had; their ids (``only_new``: of this call only)."""
    before = db.session.scalar(select(func.max(BankTransaction.id))) if only_new else None
    everything = [t for s in statements for t in s.transactions]
    transactions = {t.bank_reference: t for t in everything}
    existing: set[str] = set()
    for chunk in _chunks(transactions):
        existing.update(db.session.scalars(select(BankTransaction.bank_reference)
                                           .where(BankTransaction.bank_reference.in_(chunk))))
    now = utcnow()
    rows = [{"import_id": record.id, "bank_reference": t.bank_reference, "booking_date": t.booking_date,
             "value_date": t.value_date, "amount_cents": t.amount_cents, "currency": t.currency or "EUR",
             "counterparty_name": t.counterparty_name, "counterparty_iban": t.counterparty_iban,
             "structured_reference": t.structured_reference, "free_text": t.free_text,
             "typed_reference": t.typed_reference[:40], "why": _first_why(t.amount_cents, t.currency),
             "match_reason": "", "version": 1,
             "match_status": MatchStatus.IGNORED if t.amount_cents < 0 else MatchStatus.UNKNOWN,
             "resolved_at": now if t.amount_cents < 0 else None}
            for ref, t in transactions.items() if ref not in existing]
    for chunk in _chunks(rows, 2000):
        db.session.execute(insert(BankTransaction), chunk)
    result.new = len(rows)
    result.duplicates = len(everything) - len(rows)
    # In euros: money in another currency is counted apart (the queue's "not in euros"), never added as euros.
    euros = [r["amount_cents"] for r in rows if r["currency"] in ("EUR", "")]
    result.credits_cents = sum(cents for cents in euros if cents > 0)
    result.debits_cents = sum(cents for cents in euros if cents < 0)
    stmt = select(BankTransaction.id).where(BankTransaction.import_id == record.id)
    if before is not None:
        stmt = stmt.where(BankTransaction.id > before)
    return list(db.session.scalars(stmt.order_by(BankTransaction.id)))


def _auto_match(ids: list[int], result: ImportResult) -> None:
    """Only a valid structured communication that names an open request pays it automatically."""
    counts: dict[str, int] = defaultdict(int)
    for chunk in _chunks(ids):
        txs = list(db.session.scalars(select(BankTransaction).where(BankTransaction.id.in_(chunk))
                                      .order_by(BankTransaction.id)))
        refs = {t.structured_reference for t in txs if t.structured_reference and not t.why}
        by_ref = {r.reference: r for r in db.session.scalars(
            select(PaymentRequest).where(PaymentRequest.reference.in_(refs))
            .options(joinedload(PaymentRequest.member)))} if refs else {}  # the receipts read the member
        for tx in txs:
            if not tx.why:
                _classify(tx, by_ref.get(tx.structured_reference) if tx.structured_reference else None)
            counts["matched" if tx.match_status is MatchStatus.MATCHED else tx.why] += 1
        db.session.flush()
    result.counts = dict(counts)


def _classify(tx: BankTransaction, request: PaymentRequest | None) -> None:
    if request is None:
        tx.why = ("unknown_reference" if tx.structured_reference
                  else "bad_reference" if tx.typed_reference else "no_reference")
        return
    tx.payment_request_id = request.id
    if request.status is PaymentStatus.CANCELLED:
        tx.why = "cancelled"
    elif tx.amount_cents == request.due_cents:
        tx.match_status, tx.match_reason, tx.matched_at = MatchStatus.MATCHED, "structured reference", utcnow()
        # The entry needs no note: its payment request (and that request's communication) says why.
        register.record_payment(request, tx.amount_cents, on=tx.booking_date, transaction=tx)
    elif tx.amount_cents < request.due_cents:
        tx.match_status, tx.why = MatchStatus.PARTIAL, "partial"
    else:
        tx.match_status, tx.why = MatchStatus.OVERPAID, "overpaid"


# ----------------------------------------------------------------------------------------------
# The queue, resolved by hand
# ----------------------------------------------------------------------------------------------


def queue_statement(why: str | None = None, by_reason: bool = True):
    """The waiting payments in the order of their reasons (those that name their request first: paid
    too much or too little), then oldest first; ``by_reason=False``: oldest first (a member's page,
    where staff match by hand a payment that names nothing)."""
    order = [BankTransaction.booking_date, BankTransaction.id]
    if by_reason:
        order.insert(0, case({code: i for i, code in enumerate(WHY_CODES)}, value=BankTransaction.why,
                             else_=len(WHY_CODES)))
    stmt = (select(BankTransaction).where(BankTransaction.match_status.in_(QUEUE_STATUSES),
                                          BankTransaction.resolved_at.is_(None))
            .order_by(*order))
    if why:
        stmt = stmt.where(BankTransaction.why == why)
    return stmt


def queue_count() -> int:
    return db.session.scalar(select(func.count()).select_from(queue_statement().subquery()))


def queue_counts() -> dict[str, int]:
    """Waiting transactions per reason, in the queue's order (reasons with none left out)."""
    rows = dict(db.session.execute(
        select(BankTransaction.why, func.count()).where(BankTransaction.match_status.in_(QUEUE_STATUSES),
                                                        BankTransaction.resolved_at.is_(None))
        .group_by(BankTransaction.why)).all())
    return {code: rows[code] for code in (*WHY_CODES, "") if rows.get(code)}


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


def deviates(tx: BankTransaction, request: PaymentRequest) -> bool:
    """Staff deviate from what the payer wrote when they pay a request the communication does not name."""
    return tx.structured_reference != request.reference


def payable_from(request: PaymentRequest) -> date:
    """The first day a transfer can pay ``request``, the register's dates holding: shares are paid up no
    sooner than subscribed (their subscription in the register, which staff may have dated back from paper,
    else the day the request was made, an application's); a membership fee no sooner than the year
    before its own (a member may pay ahead)."""
    if request.purpose is PaymentPurpose.RENEWAL and request.year:
        return date(request.year - 1, 1, 1)
    subscribed = db.session.scalar(select(func.min(ShareEntry.effective_on)).where(
        ShareEntry.payment_request_id == request.id, ShareEntry.kind == EntryKind.SUBSCRIPTION))
    return min(subscribed, brussels_day(request.created_at)) if subscribed else brussels_day(request.created_at)


def match_by_hand(tx: BankTransaction, request: PaymentRequest, *, expected_version: int, reason: str,
                  actor: Account | None) -> register.AppliedPayment:
    """Staff apply a queued credit to ``request``, whatever the amount: a partial payment leaves the rest
    due, an overpayment's excess is kept as a Surplus for staff to decide. A reason is needed only when
    the request is not the one the payer's structured communication names."""
    reason = (reason or "").strip()
    if not reason and deviates(tx, request):
        raise ReasonRequired()
    if tx.amount_cents <= 0 or tx.currency not in ("EUR", ""):
        raise NotACredit()
    if request.status is PaymentStatus.CANCELLED:
        raise RequestNotPayable()
    first_day = payable_from(request)
    if tx.booking_date < first_day:
        raise PaidBeforeAsked(tx.booking_date, first_day)
    before = {"status": tx.match_status, "why": tx.why, "payment_request": tx.payment_request_id}
    _claim(tx, expected_version, MatchStatus.MATCHED, request.id, actor, reason or "structured reference")
    applied = register.record_payment(request, tx.amount_cents, on=tx.booking_date, transaction=tx, actor=actor,
                                      reason=reason)
    audit.record("shares.bank_payment.match_by_hand", tx, actor=actor, before=before,
                 after={"status": MatchStatus.MATCHED, "payment_request": request.id, "reason": reason,
                        "surplus_cents": applied.excess_cents})
    return applied


def dismiss(tx: BankTransaction, *, expected_version: int, reason: str, actor: Account | None) -> None:
    """Staff set a queued credit aside (not ours, refunded...) with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    before = {"status": tx.match_status}
    _claim(tx, expected_version, MatchStatus.IGNORED, tx.payment_request_id, actor, reason)
    audit.record("shares.bank_payment.set_aside", tx, actor=actor, before=before,
                 after={"status": MatchStatus.IGNORED, "reason": reason})
