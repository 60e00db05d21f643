"""Importing camt.053 statements and matching their credits to payment requests.

``import_statement`` imports the statements of the cooperative's accounts and reports the others
(another account, no account, an entry that cannot be read) by their number and account: one bad
statement does not block a file, and a file with nothing importable is refused whole
(StatementError). The same file again (same SHA-256) changes nothing and says so, also when another
request imported it a moment earlier (a double click: the database keeps one, "just imported"). A
transaction seen before (same bank reference, booking date and amount) is skipped; a bank reference
seen before with another date or amount is the bank reusing it: the transaction is kept under that
reference made unique, and the result says so.

Matching is automatic only by structured communication, and only with a transfer booked on a day it
could pay its request (``payable_from``, not in the future): a name or IBAN a member typed in their
profile may suggest a request to staff (``shares.queries.suggestions_for``), never pay one. Nothing
is ignored silently: credits in another currency, communications with wrong check digits, unknown
communications, impossible dates, partial payments and overpayments all wait in the queue with
``why``, until staff match them by hand (``match_by_hand``) or set them aside (``dismiss``); of two
staff resolving the same transaction at once, one wins and the other gets TransactionAlreadyResolved
(409). Debits (money going out: the account's other business) and entries of 0.00 € are kept and
set aside at import, counted in its result, and never wait in the queue, where hundreds of them
would bury the members' payments; but money the bank takes back (its reversal indicator, or a debit
naming one of our requests) waits, and staff record a member's payment returned
(``payment_returned``): it leaves the register and its request asks it again."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import joinedload
from stdnum import iban as std_iban

from app import audit
from app.clock import today, utcnow
from app.extensions import db
from app.models import Account
from app.uow import savepoint
from shares import register
from shares import surplus as surpluses
from shares.camt import Statement, parse_camt053
from shares.errors import (BookedInFuture, NoPaymentToReturn, NotACredit, NotAReturn, PaidBeforeAsked,
                           PaymentDividedSince, ReasonRequired, RequestNotPayable, ReturnedAfterRefund,
                           StatementAlreadyImported, StatementError, TransactionAlreadyResolved)
from shares.labels import PAYMENT_RETURNED, register_words
from shares.models import (QUEUE_STATUSES, ApplicationStatus, BankStatementImport, BankTransaction, MatchStatus,
                           PaymentRequest, PaymentStatus, ShareEntry, Surplus, SurplusDecision, SurplusKind)
from shares.payments import payable_from, payable_from_many
from shares.queries import later_open_requests
from shares.references import wrong_check_digits
from shares.services import later_membership
from shares.settings import bank_accounts

OPEN_STATUSES = (PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)
CHUNK = 500
# Why a transaction waits in the queue, in the order the queue groups them.
WHY_CODES = ("reversal", "overpaid", "partial", "date", "bad_reference", "other_reference", "unknown_reference",
             "no_reference", "rejoined", "left", "cancelled", "currency", "debit", "zero")
# Set aside at import, never queued: the account's other business, and entries of no money at all.
SET_ASIDE = ("debit", "zero")


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
    # Transactions whose bank reference an earlier one had, with another date or amount: kept, under that
    # reference made unique (a bank that reuses its references, from one day to the next).
    reused_references: int = 0
    just_imported: bool = False  # the same file imported a moment earlier by someone else (a double click)

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
    try:
        with savepoint(conflict=StatementAlreadyImported):
            db.session.add(record)
            db.session.flush()
    except StatementAlreadyImported:
        # The same file, imported by another request between the look-up above and this insert (a double
        # click): the database kept one. Said as such, with that import.
        previous = db.session.scalar(select(BankStatementImport).where(BankStatementImport.file_sha256 == digest))
        if previous is None:
            raise
        return ImportResult(previous, already_imported=True, just_imported=True, statements=previous.statements or [])
    result = ImportResult(record, statements=summaries)
    new_ids = _insert_new(record, importable, result)
    record.new_transactions_count = result.new
    _auto_match(new_ids, result)
    audit.record("shares.statement.import", record, actor=actor,
                 after={"file": filename, "sha256": digest, "statements": len(importable), "new": result.new,
                        "duplicates": result.duplicates, "reused_references": result.reused_references,
                        "unbalanced": [s["id"] for s in result.unbalanced],
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
                        "duplicates": result.duplicates, "reused_references": result.reused_references,
                        **{f"count_{k}": v for k, v in result.counts.items()}})
    return result


def _first_why(t, ours: dict[str, int]) -> str:
    """Why a transaction cannot pay a request, known before any request is looked at ("" if it may):
    no money at all, money going out (taken back by the bank, or the account's other business), or
    money in another currency."""
    if t.amount_cents == 0:
        return "zero"
    if t.amount_cents < 0:
        # The bank's reversal of a credit, or a debit naming one of our requests: a member's payment
        # returned, perhaps; staff decide. Any other debit is the account's own business.
        return "reversal" if t.reversal or t.structured_reference in ours else "debit"
    if t.currency not in ("EUR", ""):
        return "currency"
    return ""


def _unique_reference(t) -> str:
    """A bank reference that an earlier transaction had, with another date or amount, made unique by
    what this transaction is: the same again when the same transaction comes again (another file)."""
    what = "|".join(str(p) for p in (t.bank_reference, t.booking_date, t.amount_cents, t.currency,
                                     t.counterparty_name, t.counterparty_iban, t.structured_reference, t.free_text))
    return f"{t.bank_reference[:122]}~{hashlib.sha256(what.encode()).hexdigest()[:16]}"


def _known(references) -> dict[str, tuple[date, int]]:
    """The stored transactions among ``references``: their booking date and amount."""
    known: dict[str, tuple[date, int]] = {}
    for chunk in _chunks(references):
        known.update((ref, (day, cents)) for ref, day, cents in db.session.execute(
            select(BankTransaction.bank_reference, BankTransaction.booking_date, BankTransaction.amount_cents)
            .where(BankTransaction.bank_reference.in_(chunk))))
    return known


def _new_transactions(everything, result: ImportResult) -> dict[str, object]:
    """The transactions to store, by their bank reference. A reference seen before (in an earlier file,
    or earlier in this one) is the same transaction only if its booking date and amount are the same too:
    otherwise the bank reused it, and the transaction is kept under a reference made unique."""
    known = _known({t.bank_reference for t in everything})
    kept: dict[str, object] = {}
    reused: dict[str, object] = {}
    for t in everything:
        first = known.get(t.bank_reference)
        if first is None and t.bank_reference in kept:
            first = (kept[t.bank_reference].booking_date, kept[t.bank_reference].amount_cents)
        if first is None:
            kept[t.bank_reference] = t
        elif first != (t.booking_date, t.amount_cents):
            reused.setdefault(_unique_reference(t), t)
    again = _known(reused)
    for ref, t in reused.items():
        if ref not in again:
            kept[ref] = t
            result.reused_references += 1
    return kept


def _insert_new(record: BankStatementImport, statements: list[Statement], result: ImportResult,
                only_new: bool = False) -> list[int]:
    """Insert the transactions no earlier file had; their ids (``only_new``: of this call only)."""
    before = db.session.scalar(select(func.max(BankTransaction.id))) if only_new else None
    everything = [t for s in statements for t in s.transactions]
    transactions = _new_transactions(everything, result)
    # Our requests that debits name (a payment returned): one query for the file.
    named = {t.structured_reference for t in transactions.values() if t.amount_cents < 0 and t.structured_reference}
    ours: dict[str, int] = {}
    for chunk in _chunks(named):
        ours.update(db.session.execute(select(PaymentRequest.reference, PaymentRequest.id)
                                       .where(PaymentRequest.reference.in_(chunk))).all())
    now = utcnow()
    rows = []
    for ref, t in transactions.items():
        why = _first_why(t, ours)
        rows.append({"import_id": record.id, "bank_reference": ref, "booking_date": t.booking_date,
                     "value_date": t.value_date, "amount_cents": t.amount_cents, "currency": t.currency or "EUR",
                     "counterparty_name": t.counterparty_name, "counterparty_iban": t.counterparty_iban,
                     "structured_reference": t.structured_reference, "free_text": t.free_text,
                     "typed_reference": t.typed_reference[:40], "why": why, "match_reason": "", "version": 1,
                     "payment_request_id": ours.get(t.structured_reference) if t.amount_cents < 0 else None,
                     "match_status": MatchStatus.IGNORED if why in SET_ASIDE else MatchStatus.UNKNOWN,
                     "resolved_at": now if why in SET_ASIDE else None})
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
    """Only a valid structured communication that names an open request pays it automatically, and only
    with a transfer booked on a day it could pay it (from ``payable_from``, not in the future)."""
    counts: dict[str, int] = defaultdict(int)
    for chunk in _chunks(ids):
        txs = list(db.session.scalars(select(BankTransaction).where(BankTransaction.id.in_(chunk))
                                      .order_by(BankTransaction.id)))
        refs = {t.structured_reference for t in txs if t.structured_reference and not t.why}
        by_ref = {r.reference: r for r in db.session.scalars(
            select(PaymentRequest).where(PaymentRequest.reference.in_(refs))
            .options(joinedload(PaymentRequest.member)))} if refs else {}  # the receipts read the member
        first_days = payable_from_many(list(by_ref.values()))
        gone = register.exits_in_force({r.member_id for r in by_ref.values()})  # their money buys nothing
        rejoined = _rejoined({r.member for r in by_ref.values() if r.member_id in gone})
        for tx in txs:
            if not tx.why:
                request = by_ref.get(tx.structured_reference) if tx.structured_reference else None
                if request is not None and request.member_id in rejoined:
                    _classify_rejoined(tx, request, *rejoined[request.member_id])
                else:
                    _classify(tx, request, first_days.get(request.id) if request is not None else None,
                              left=request is not None and register.paid_after_exit(
                                  request, tx.booking_date, gone.get(request.member_id)))
            counts["matched" if tx.match_status is MatchStatus.MATCHED else tx.why] += 1
        db.session.flush()
    result.counts = dict(counts)


def _rejoined(members) -> dict[int, tuple[PaymentRequest | None, date | None]]:
    """Of ``members`` (their exit in force), those who applied again since, by id: the one open request of
    their current membership that a payment naming the old membership's communication pays, with its first
    payable day; or (None, None) when there is none or several, or the old membership's money is not
    settled (staff decide: the two memberships' money is not mixed by guess)."""
    out: dict[int, tuple[PaymentRequest | None, date | None]] = {}
    for member in members:
        open_requests = later_open_requests(member)
        if not open_requests and later_membership(member.id) is None:
            continue
        if len(open_requests) == 1 and not surpluses.money_unsettled(member.id):
            out[member.id] = (open_requests[0], payable_from(open_requests[0]))
        else:
            out[member.id] = (None, None)
    return out


def _classify_rejoined(tx: BankTransaction, request: PaymentRequest, later: PaymentRequest | None,
                       first_day: date | None) -> None:
    """A credit naming ``request``, of a membership that ended, whose person applied again: it pays their
    new membership's one open request when it is exactly what that still owes, on a day it can pay it;
    otherwise it waits for staff ("rejoined"), naming the old request (its refund list, or the new one by
    hand)."""
    if later is not None and later.due_cents == tx.amount_cents and first_day <= tx.booking_date <= today():
        _classify(tx, later, first_day)
        # Not the request the communication names: the audit log says which it paid, and why.
        audit.record("shares.bank_payment.match_rejoined", tx,
                     after={"status": tx.match_status, "reference": request.reference, "request": later.reference,
                            "earlier_member": request.member.number, "member": later.member.number})
    else:
        tx.payment_request_id, tx.why = request.id, "rejoined"


def _classify(tx: BankTransaction, request: PaymentRequest | None, first_day: date | None,
              left: bool = False) -> None:
    if request is None:
        tx.why = ("unknown_reference" if tx.structured_reference
                  else "bad_reference" if wrong_check_digits(tx.typed_reference)
                  else "other_reference" if tx.typed_reference else "no_reference")
        return
    tx.payment_request_id = request.id
    if left:  # the member's exit is in force: staff see it, and paying it puts it on the refund list
        tx.why = "left"
    elif request.status is PaymentStatus.CANCELLED:
        tx.why = "cancelled"
    elif tx.booking_date < first_day or tx.booking_date > today():
        tx.why = "date"  # booked before its shares or fee could be paid, or in the future: staff look
    elif request.due_cents > 0 and tx.amount_cents == request.due_cents:
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


def _reference_of(tx: BankTransaction) -> str | None:
    """The structured communication of the request ``tx`` is matched to, for the audit log (words, not a row id)."""
    return tx.payment_request.reference if tx.payment_request is not None else None


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


def match_by_hand(tx: BankTransaction, request: PaymentRequest, *, expected_version: int, reason: str,
                  actor: Account | None) -> register.AppliedPayment:
    """Staff apply a queued credit to ``request``, whatever the amount: a partial payment leaves the rest
    due, an overpayment's excess is kept as a Surplus for staff to decide; for a member whose exit is in
    force the whole amount goes on the refund list. A reason is needed only when the request is not the
    one the payer's structured communication names."""
    reason = (reason or "").strip()
    if not reason and deviates(tx, request):
        raise ReasonRequired()
    if tx.amount_cents <= 0 or tx.currency not in ("EUR", ""):
        raise NotACredit()
    if request.status is PaymentStatus.CANCELLED and not register.exit_in_force(request.member_id):
        raise RequestNotPayable()  # a former member's money goes on the refund list (record_payment), whatever the request
    first_day = payable_from(request)
    if tx.booking_date < first_day:
        raise PaidBeforeAsked(tx.booking_date, first_day)
    if tx.booking_date > today():
        raise BookedInFuture(tx.booking_date)
    before = {"status": tx.match_status, "why": tx.why, "request": _reference_of(tx)}
    _claim(tx, expected_version, MatchStatus.MATCHED, request.id, actor, reason or "structured reference")
    applied = register.record_payment(request, tx.amount_cents, on=tx.booking_date, transaction=tx, actor=actor,
                                      reason=reason)
    audit.record("shares.bank_payment.match_by_hand", tx, actor=actor, before=before,
                 after={"status": MatchStatus.MATCHED, "request": request.reference, "reason": reason,
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


@dataclass
class Returned:
    """What a payment returned by the bank undoes (``payment_returned``): the payment entries taken out of
    the register, the money of that transfer kept off the register (an overpayment, a short payment paid
    back, money paid after the exit) taken off, and what follows for the member."""
    request: PaymentRequest
    amount_cents: int
    entries: list[ShareEntry] = field(default_factory=list)
    kept: list[Surplus] = field(default_factory=list)
    paid_on: date | None = None
    register_cents: int = 0  # taken out of the register's payments
    refund_list_cents: int = 0  # no longer to pay back: taken off the refund list
    kept_cents: int = 0  # no longer kept beyond what was due: taken off the queue (kept again after a call-off too)
    left: bool = False  # the member's exit is in force: nothing is asked of them again
    application_reopened: bool = False  # the application waits for its payment again
    admission_stands: bool = False  # the payment had admitted the member: they stay one, and owe it again
    reinstatement_undone: bool = False  # the lapse this payment ended is in force again

    @property
    def entry(self) -> ShareEntry | None:
        return self.entries[-1] if self.entries else None


def _kept_off_register(kept: Surplus | None) -> bool:
    """Money of a transfer that is not in the register's payments: an overpayment's excess still waiting
    or listed for a refund, money paid after the exit, a short payment paid back (its entry reversed), a refused
    application's payment listed for its refund (the refusal took it out of the register)."""
    if kept is None or kept.voided_at is not None:
        return False
    if kept.kind in (SurplusKind.OVERPAYMENT, SurplusKind.AFTER_EXIT):
        return kept.decision in (None, SurplusDecision.REFUND)
    return kept.kind in (SurplusKind.UNDERPAYMENT, SurplusKind.REFUSED_APPLICATION) \
        and kept.decision is SurplusDecision.REFUND


_DIVIDING = (SurplusDecision.FEWER_SHARES, SurplusDecision.EXTRA_SHARES, SurplusDecision.CREDIT)


def _kept_of(credit: BankTransaction) -> list[Surplus]:
    """Every surplus of ``credit``'s money: those it made, and the rests later decisions made of them
    (``source_surplus_id``, e.g. what fewer shares or extra shares left over)."""
    found = list(db.session.scalars(select(Surplus).where(Surplus.bank_transaction_id == credit.id)
                                    .order_by(Surplus.id)))
    sources = [k.id for k in found]
    while sources:
        rests = list(db.session.scalars(select(Surplus).where(Surplus.source_surplus_id.in_(sources))
                                        .order_by(Surplus.id)))
        found += [r for r in rests if r not in found]
        sources = [r.id for r in rests]
    return found


def _refused_application_refund(request: PaymentRequest) -> Surplus | None:
    """The refund of a refused application paid by ``request``, while it is still to be made (or made: the
    caller then refuses with ReturnedAfterRefund)."""
    refund = db.session.scalar(select(Surplus).where(Surplus.payment_request_id == request.id,
                                                     Surplus.kind == SurplusKind.REFUSED_APPLICATION))
    return refund if _kept_off_register(refund) else None


def returned_money(tx: BankTransaction, request: PaymentRequest) -> Returned:
    """What money taken back by the bank (``tx``, a debit) returns of ``request``: the latest credit of that
    amount matched to it whose money is still somewhere (its payment entries not taken out yet, and what
    of it was kept off the register); else a payment entry of that amount, the latest (NoPaymentToReturn
    if none: staff correct by hand)."""
    if tx.amount_cents >= 0:
        raise NotAReturn()
    amount = -tx.amount_cents
    live = register.payment_entries(request)
    credits = db.session.scalars(select(BankTransaction).where(
        BankTransaction.payment_request_id == request.id, BankTransaction.amount_cents == amount,
        BankTransaction.match_status == MatchStatus.MATCHED).order_by(BankTransaction.id.desc()))
    for credit in credits:
        entries = [e for e in live if e.bank_transaction_id == credit.id]
        made = _kept_of(credit)
        kept = [k for k in made if _kept_off_register(k)]
        in_register, kept_cents = sum(e.amount_cents for e in entries), sum(k.amount_cents for k in kept)
        # Divided since by a decision (fewer shares, extra shares, next year paid): the payment entry and what
        # is kept no longer add up to this transfer, or the request holds less than its payment entry says.
        if (entries or kept) and any(k.decision in _DIVIDING for k in made) and (
                in_register + kept_cents != amount or in_register > request.paid_cents):
            credit_ids = {k.id for k in made if k.decision is SurplusDecision.CREDIT}
            credited = sum(k.amount_cents for k in made if k.id in credit_ids) - sum(
                k.amount_cents for k in made if k.source_surplus_id in credit_ids)  # what a credit left over is kept
            raise PaymentDividedSince(amount, amount - kept_cents - credited, kept_cents, credited)
        if (entries or kept) and in_register + kept_cents == amount:
            return Returned(request, amount, entries, kept, paid_on=credit.booking_date)
        refused = _refused_application_refund(request)
        if not entries and refused is not None and refused.amount_cents >= amount:
            # The refusal took this payment out of the register and listed it for a refund: the bank gave it back.
            return Returned(request, amount, [], [refused], paid_on=credit.booking_date)
    entries = [e for e in live if e.amount_cents == amount]
    if not entries:
        raise NoPaymentToReturn(amount)
    return Returned(request, amount, entries[-1:], paid_on=entries[-1].effective_on)


def _listed_cents(member_id: int) -> int:
    """What the refund list owes ``member_id`` (the list's own statement, summed)."""
    listed = surpluses.refund_list_statement().where(Surplus.member_id == member_id).subquery()
    # int(): PostgreSQL sums a BIGINT as a NUMERIC, which Python reads as a Decimal (and JSON refuses).
    return int(db.session.scalar(select(func.coalesce(func.sum(listed.c.amount_cents), 0))))


def payment_returned(tx: BankTransaction, request: PaymentRequest, *, expected_version: int, reason: str,
                     actor: Account | None) -> Returned:
    """Staff record that the bank took back a member's payment (a reversal, a SEPA return), in one
    transaction:

    - its payment entries leave the register (``register.payments_returned``): the request owes the
      amount again, or, for a member who left, stays cancelled; paid-up capital repaid meanwhile by an
      exit or a redemption is taken off their refund list instead;
    - what of that transfer was kept off the register (an overpayment's excess, a short payment paid back,
      money paid after the exit) is taken off the refund list or the queue (``surplus.take_back``);
    - money of it the refund list already paid back went back twice: refused (ReturnedAfterRefund);
    - an application the payment paid goes back to waiting for its payment; one it admitted stays admitted
      (a return does not undo an admission: only the board ends a membership), and its request asks the
      money again, as any member's;
    - a renewal that reinstated a lapsed member: the reinstatement is corrected, the lapse is in force again;
    - a decision still waiting on that payment (paid short) has nothing left to decide.

    A reason is needed only when the request is not the one the debit names."""
    from shares import admission, renewal

    reason = (reason or "").strip()
    if not reason and tx.payment_request_id != request.id:
        raise ReasonRequired()
    returned = returned_money(tx, request)
    for kept in returned.kept:
        if kept.refunded_at is not None:
            raise ReturnedAfterRefund(kept.amount_cents, kept.refunded_at)
    application = admission.application_paid_by(request)
    returned.left = register.exit_in_force(request.member_id)
    before = {"status": tx.match_status, "why": tx.why, "request": _reference_of(tx)}
    _claim(tx, expected_version, MatchStatus.RETURNED, request.id, actor, reason or "payment returned")
    words = register_words(PAYMENT_RETURNED)
    why = f"{words}: {reason}" if reason else words
    listed_before = _listed_cents(request.member_id)
    if returned.entries:
        register.payments_returned(request, returned.entries, reason=why, actor=actor)
        returned.register_cents = sum(e.amount_cents for e in returned.entries)
    left_to_take = returned.amount_cents - sum(e.amount_cents for e in returned.entries)
    for kept in returned.kept:  # a refused application's refund may hold more than this one transfer
        taken = min(kept.amount_cents, left_to_take)
        if kept.decision is None:
            returned.kept_cents += taken
        surpluses.take_back(kept, taken, actor=actor, note=why)
        left_to_take -= taken
    returned.refund_list_cents = listed_before - _listed_cents(request.member_id)
    credited = [e.bank_transaction_id for e in returned.entries if e.bank_transaction_id is not None]
    if credited:
        db.session.execute(update(Surplus).where(
            Surplus.bank_transaction_id.in_(credited), Surplus.kind == SurplusKind.UNDERPAYMENT,
            Surplus.decision.is_(None))
            .values(decision=SurplusDecision.KEEP_DUE, decided_at=utcnow(),
                    decided_by_id=actor.id if actor else None, decision_note=words[:500])
            .execution_options(synchronize_session=False))
    if application is not None and returned.entries:
        returned.application_reopened = admission.payment_taken_back(application, actor=actor)
        returned.admission_stands = not returned.left and application.status is ApplicationStatus.ADMITTED
    if returned.entries:
        returned.reinstatement_undone = renewal.payment_taken_back(request, returned.entries, reason=why, actor=actor)
    db.session.refresh(request)
    audit.record("shares.bank_payment.returned", tx, actor=actor, before=before,
                 after={"status": MatchStatus.RETURNED, "request": request.reference,
                        "entries": [e.id for e in returned.entries], "kept": [k.id for k in returned.kept],
                        "returned_cents": returned.amount_cents, "register_cents": returned.register_cents,
                        "refund_list_cents": returned.refund_list_cents, "kept_cents": returned.kept_cents,
                        "due_cents": 0 if request.status is PaymentStatus.CANCELLED else request.due_cents,
                        "application_reopened": returned.application_reopened,
                        "admission_stands": returned.admission_stands,
                        "reinstatement_undone": returned.reinstatement_undone, "reason": reason})
    return returned
