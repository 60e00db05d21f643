from __future__ import annotations

import glob
import threading
from datetime import date
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from shares import bank, register
from shares.camt import parse_camt053
from shares.camt_writer import Credit, write_camt053
from shares.errors import ReasonRequired, StatementError, TransactionAlreadyResolved
from shares.models import (BankStatementImport, BankTransaction, EntryKind, MatchStatus, PaymentStatus,
                           ShareEntry)
from shares.settings import setting
from shares.signals import payment_matched

CONFORMANCE = sorted(glob.glob("/work/shared/conformance/camt/*.xml"))
D = date(2024, 3, 4)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("path", CONFORMANCE, ids=lambda p: p.rsplit("/", 1)[-1])
def test_every_conformance_file_reads_and_imports(path):
    data = Path(path).read_bytes()
    statements = parse_camt053(data)
    assert statements
    for statement in statements:
        assert statement.entries_count == 0 or statement.transactions
        assert all(t.booking_date for t in statement.transactions)
    result = bank.import_statement(data, filename=path, accept_any_account=True)
    db.session.commit()
    assert result.statement_import.statements_count == len(statements)
    assert result.new == sum(len(s.transactions) for s in statements) == _count(BankTransaction)
    again = bank.import_statement(data, accept_any_account=True)
    assert again.already_imported and _count(BankTransaction) == result.new


def test_belgian_file_with_many_statements():
    path = next(p for p in CONFORMANCE if "belfius" in p)
    statements = parse_camt053(Path(path).read_bytes())
    assert len(statements) == 63 and all(s.balanced for s in statements)
    assert sum(1 for s in statements for t in s.transactions if t.structured_reference) > 0


def test_unbalanced_statement_is_reported_not_refused():
    path = next(p for p in CONFORMANCE if "abnamro" in p)
    result = bank.import_statement(Path(path).read_bytes(), accept_any_account=True)
    assert [s["id"] for s in result.unbalanced] == ["1234Test/1"]
    assert result.new == 4


@pytest.mark.parametrize("data,reason", [
    (b"", "truncated"),
    (b"not xml at all", "not_xml"),
    (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "not_camt053"),
    (b"<html><body>hello</body></html>", "not_camt053"),
])
def test_bad_files_are_refused(data, reason):
    with pytest.raises(StatementError) as info:
        bank.import_statement(data)
    assert info.value.reason == reason
    assert _count(BankStatementImport) == 0


def test_truncated_and_unknown_account_import_nothing():
    good = write_camt053(setting("COOP_IBAN"), "S1", 0, [Credit(3000, D, "Someone")])
    with pytest.raises(StatementError) as info:
        bank.import_statement(good[: len(good) // 2])
    assert info.value.reason == "truncated"
    other = write_camt053("BE68539007547034", "S2", 0, [Credit(3000, D, "Someone")])
    with pytest.raises(StatementError) as info:
        bank.import_statement(other)
    assert info.value.reason == "unknown_account"
    assert _count(BankStatementImport) == 0 and _count(BankTransaction) == 0


def _requests(make_member, n):
    out = []
    for i in range(n):
        member = make_member(first_name="Anne", last_name=f"Lefèvre{i}", iban=None)
        out.append(register.subscribe(member, 1, on=date(2024, 1, 1))[1])
    db.session.commit()
    return out


def test_matching_and_queue(make_member):
    r = _requests(make_member, 6)
    credits = [
        Credit(3000, D, "Whoever", reference=r[0].reference),               # exact: matched
        Credit(1000, D, "Whoever", reference=r[1].reference),               # partial
        Credit(9000, D, "Whoever", reference=r[2].reference),               # overpaid
        Credit(3000, D, "ANNE LEFEVRE3", text="parts sociales"),            # amount and name
        Credit(3000, D, "Nobody Known", text="?"),                          # unknown
        Credit(-500, D, "Bank fees"),                                       # debit: ignored
        Credit(3000, D, "Whoever", reference="000000009797"),               # valid but unknown ref
    ]
    seen = []
    payment_matched.connect(lambda sender, **kw: seen.append(sender.id), weak=False)
    result = bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, credits))
    db.session.commit()
    assert result.counts == {"matched": 2, "partial": 1, "overpaid": 1, "unknown": 2, "ignored": 1}
    assert r[0].status is PaymentStatus.PAID and r[3].status is PaymentStatus.PAID
    assert r[1].status is PaymentStatus.OPEN  # partial waits for staff
    assert set(seen) >= {r[0].id, r[3].id}
    payments = db.session.scalars(select(ShareEntry).where(ShareEntry.kind == EntryKind.PAYMENT)).all()
    assert {p.payment_request_id for p in payments} == {r[0].id, r[3].id}
    assert bank.queue_count() == 4


def test_same_statement_twice_changes_nothing(make_member):
    r = _requests(make_member, 1)
    data = write_camt053(setting("COOP_IBAN"), "S1", 0, [Credit(3000, D, "X", reference=r[0].reference)])
    bank.import_statement(data)
    db.session.commit()
    counts = (_count(BankTransaction), _count(ShareEntry), _count(BankStatementImport))
    again = bank.import_statement(data)
    db.session.commit()
    assert again.already_imported
    assert (_count(BankTransaction), _count(ShareEntry), _count(BankStatementImport)) == counts
    # Another file repeating the same bank entries adds no transaction either.
    other = write_camt053(setting("COOP_IBAN"), "S1-copy", 0, [Credit(3000, D, "X", reference=r[0].reference,
                                                                       bank_reference="S1-000001")])
    second = bank.import_statement(other)
    assert second.new == 0 and second.duplicates == 1


def test_manual_match_and_dismiss(make_member, make_staff):
    staff = make_staff()
    r = _requests(make_member, 2)
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(1000, D, "Whoever", reference=r[0].reference), Credit(500, D, "Stranger")]))
    db.session.commit()
    partial, unknown = db.session.scalars(select(BankTransaction).order_by(BankTransaction.id)).all()
    with pytest.raises(ReasonRequired):
        bank.match_by_hand(partial, r[0], expected_version=partial.version, reason="", actor=staff)
    bank.match_by_hand(partial, r[0], expected_version=partial.version, reason="first instalment", actor=staff)
    bank.dismiss(unknown, expected_version=unknown.version, reason="refunded to sender", actor=staff)
    db.session.commit()
    assert r[0].status is PaymentStatus.PARTIALLY_PAID and r[0].paid_cents == 1000
    assert partial.match_status is MatchStatus.MATCHED and partial.matched_by_id == staff.id
    assert unknown.match_status is MatchStatus.IGNORED and unknown.match_reason == "refunded to sender"
    assert bank.queue_count() == 0
    with pytest.raises(TransactionAlreadyResolved):
        bank.match_by_hand(unknown, r[1], expected_version=unknown.version, reason="again", actor=staff)


def test_two_staff_matching_at_once_one_wins(make_member, make_staff):
    """Two sessions hold the same version of a queued transaction; the second conditional UPDATE fails."""
    staff = make_staff()
    r = _requests(make_member, 2)
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [Credit(500, D, "Stranger")]))
    db.session.commit()
    tx_id, version = db.session.execute(select(BankTransaction.id, BankTransaction.version)).one()
    db.session.commit()  # the test's own session holds no transaction while the two staff work
    app = current_app._get_current_object()
    outcomes = {}
    barrier = threading.Barrier(2, timeout=20)

    def resolve(name, request_id):
        with app.app_context():
            try:
                tx = db.session.get(BankTransaction, tx_id)
                request = db.session.get(type(r[0]), request_id)
                actor = db.session.get(type(staff), staff.id)
                barrier.wait()
                bank.match_by_hand(tx, request, expected_version=version, reason=name, actor=actor)
                db.session.commit()
                outcomes[name] = "won"
            except TransactionAlreadyResolved:
                db.session.rollback()
                outcomes[name] = "409"
            except Exception as exc:  # SQLite may refuse the second writer outright: that is a loss too
                db.session.rollback()
                outcomes[name] = f"error {type(exc).__name__}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=resolve, args=(f"staff{i}", r[i].id)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values())[0] == "409" and sorted(outcomes.values())[1] == "won", outcomes
    db.session.expire_all()
    paid = [x for x in r if db.session.get(type(x), x.id).paid_cents]
    assert len(paid) == 1
