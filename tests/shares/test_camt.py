from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import current_app
from lxml import etree
from sqlalchemy import func, select

from app.extensions import db
from shares import bank, register
from shares.camt import parse_camt053
from shares.camt_writer import Credit, write_camt053
from shares.errors import NotACredit, ReasonRequired, StatementError, TransactionAlreadyResolved
from shares.models import (BankStatementImport, BankTransaction, EntryKind, MatchStatus, PaymentStatus,
                           ShareEntry)
from shares.settings import setting
from shares.signals import payment_matched

DATA = Path(__file__).parent / "data" / "camt"  # copies of the conformance samples: see data/SOURCES.md
SAMPLES = sorted(DATA.glob("*.xml"))
BELFIUS = DATA / "be-belfius-lino-COD_20150907_O25MMF107I.xml"
D = date(2024, 3, 4)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _entries_as_the_bank_wrote_them(path: Path) -> dict[tuple[int, int], int]:
    """(statement number, entry number) -> signed cents, read with nothing but lxml and Decimal."""
    root = etree.parse(str(path)).getroot()
    ns = {"c": etree.QName(root).namespace}
    out = {}
    for s, stmt in enumerate(root.findall("c:BkToCstmrStmt/c:Stmt", ns), 1):
        for e, entry in enumerate(stmt.findall("c:Ntry", ns), 1):
            status = entry.findtext("c:Sts", namespaces=ns) or entry.findtext("c:Sts/c:Cd", namespaces=ns)
            if status and status.strip() != "BOOK":
                continue
            cents = Decimal(entry.findtext("c:Amt", namespaces=ns).strip()) * 100
            assert cents == cents.to_integral_value()
            sign = 1 if entry.findtext("c:CdtDbtInd", namespaces=ns) == "CRDT" else -1
            out[(s, e)] = sign * int(cents)
    return out


def test_the_samples_are_in_the_repository():
    assert [p.name for p in SAMPLES] == [
        "be-belfius-lino-COD_20150907_O25MMF107I.xml", "be-tryton-camt.053.001.02.xml",
        "ch-oca-test-camt053-txdtls.xml", "nl-abnamro-oca-test-camt053.xml", "nl-oca-test-camt053-no-ntry.xml"]
    assert (DATA.parent / "SOURCES.md").read_text().count("camt/") >= len(SAMPLES)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_adds_up_to_the_cent(path):
    """The transactions of every entry add up to the entry, and every entry has its transactions."""
    expected = _entries_as_the_bank_wrote_them(path)
    statements = parse_camt053(path.read_bytes())
    got: dict[tuple[int, int], int] = defaultdict(int)
    for statement in statements:
        assert statement.error is None, statement.error.detail
        for t in statement.transactions:
            assert t.amount_cents != 0
            got[(statement.number, t.entry_number)] += t.amount_cents
        entries = sum(v for (s, _e), v in expected.items() if s == statement.number)
        assert statement.entries_cents == entries
        assert sum(t.amount_cents for t in statement.transactions) == entries
    assert dict(got) == expected


# Totals per sample, to the cent: (statements, transactions, credits in cents, debits in cents).
TOTALS = {
    "be-belfius-lino-COD_20150907_O25MMF107I.xml": (63, 366, 9_276_834, -35_943_408),
    "be-tryton-camt.053.001.02.xml": (1, 1, 0, -10_000),
    "ch-oca-test-camt053-txdtls.xml": (1, 2, 348_300, 0),
    "nl-abnamro-oca-test-camt053.xml": (1, 4, 140_531, -141_830),
    "nl-oca-test-camt053-no-ntry.xml": (1, 0, 0, 0),
}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_imports_to_the_cent(path):
    statements = parse_camt053(path.read_bytes())
    n, count, credits, debits = TOTALS[path.name]
    transactions = [t for s in statements for t in s.transactions]
    assert (len(statements), len(transactions)) == (n, count)
    assert sum(t.amount_cents for t in transactions if t.amount_cents > 0) == credits
    assert sum(t.amount_cents for t in transactions if t.amount_cents < 0) == debits
    result = bank.import_statement(path.read_bytes(), filename=path.name, accept_any_account=True)
    db.session.commit()
    importable = [s for s in statements if s.iban]
    assert result.statement_import.statements_count == len(importable)
    assert result.new == sum(len(s.transactions) for s in importable) == _count(BankTransaction)
    stored = db.session.execute(select(func.coalesce(func.sum(BankTransaction.amount_cents), 0))).scalar()
    assert stored == sum(t.amount_cents for s in importable for t in s.transactions)
    # Nothing matched (no request): every credit waits, every debit is set aside and counted, to the cent, but
    # the bank's reversals of a credit (ABN AMRO's sample has one entry of two), which wait: a payment returned?
    credits = [t for s in importable for t in s.transactions if t.amount_cents > 0]
    reversals = [t for s in importable for t in s.transactions if t.amount_cents < 0 and t.reversal]
    assert len(reversals) == (2 if path.name.startswith("nl-abnamro") else 0)
    assert bank.queue_count() == len(credits) + len(reversals)
    assert result.counts.get("debit", 0) == result.new - len(credits) - len(reversals)
    assert result.counts.get("reversal", 0) == len(reversals)
    assert sum(t.amount_cents for t in reversals) == (-66_405 if reversals else 0)
    # The import's totals are in euros; a statement in another currency (the Swiss sample) is counted apart.
    euros = [t.amount_cents for s in importable for t in s.transactions if (t.currency or "EUR") == "EUR"]
    assert result.credits_cents == sum(c for c in euros if c > 0)
    assert result.debits_cents == sum(c for c in euros if c < 0) and result.duplicates == 0
    again = bank.import_statement(path.read_bytes(), accept_any_account=True)
    assert again.already_imported and _count(BankTransaction) == result.new


def test_belgian_batches_have_no_phantom_header():
    root = etree.parse(str(BELFIUS)).getroot()
    ns = {"c": etree.QName(root).namespace}
    batches = [e for e in root.iter(f"{{{ns['c']}}}Ntry") if len(e.findall("c:NtryDtls/c:TxDtls", ns)) > 1]
    assert len(batches) == 16
    statements = parse_camt053(BELFIUS.read_bytes())
    assert len(statements) == 63 and all(s.balanced for s in statements)
    refs = {t.bank_reference.split(":", 1)[1] for s in statements for t in s.transactions}
    for entry in batches:
        header, *payments = entry.findall("c:NtryDtls/c:TxDtls", ns)
        assert header.find("c:AmtDtls", ns) is None and header.find("c:Amt", ns) is None
        # The header's own text is not a transaction; each payment line is, once.
        assert f"{entry.findtext('c:AcctSvcrRef', namespaces=ns)}#0" not in refs
        for tx in payments:
            assert tx.findtext("c:Refs/c:AcctSvcrRef", namespaces=ns) in refs
    # The largest batch: EUR 38,503.32 in all, in as many payments as it has lines after its header.
    largest = max(batches, key=lambda e: len(e.findall("c:NtryDtls/c:TxDtls", ns)))
    lines = {tx.findtext("c:Refs/c:AcctSvcrRef", namespaces=ns) for tx in largest.findall("c:NtryDtls/c:TxDtls", ns)[1:]}
    big = [t for s in statements for t in s.transactions if t.bank_reference.split(":", 1)[1] in lines]
    assert len(big) == len(lines) > 100 and sum(t.amount_cents for t in big) == -3_850_332
    assert sum(1 for s in statements for t in s.transactions if t.structured_reference) == 101


def _batch(amounts: list[str | None], total: str = "40.00", indicator: str = "CRDT") -> bytes:
    details = "".join(
        "<TxDtls>" + (f'<AmtDtls><TxAmt><Amt Ccy="EUR">{a}</Amt></TxAmt></AmtDtls>' if a is not None else "")
        + "<RmtInf><Ustrd>x</Ustrd></RmtInf></TxDtls>" for a in amounts)
    return (f'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            f"<Stmt><Id>S-B</Id><Acct><Id><IBAN>{setting('COOP_IBAN')}</IBAN></Id></Acct>"
            f'<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>2024-03-04</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef><NtryDtls>{details}</NtryDtls></Ntry>"
            "</Stmt></BkToCstmrStmt></Document>").encode()


def test_a_batch_that_adds_up_is_read_without_its_header():
    (statement,) = parse_camt053(_batch([None, "10.00", "30.00"]))
    assert [t.amount_cents for t in statement.transactions] == [1000, 3000]
    (statement,) = parse_camt053(_batch([None, "10.00", "30.00"], indicator="DBIT"))
    assert [t.amount_cents for t in statement.transactions] == [-1000, -3000]


@pytest.mark.parametrize("amounts", [[None, "10.00", "29.99"], ["10.00", None, "30.00"], ["40.00", "0.01"]])
def test_a_batch_that_does_not_add_up_is_refused_naming_statement_and_entry(amounts):
    (statement,) = parse_camt053(_batch(amounts))
    assert statement.error is not None and statement.error.reason == "batch"
    assert "statement S-B, entry 1" in statement.error.detail
    with pytest.raises(StatementError) as info:
        bank.import_statement(_batch(amounts))
    assert info.value.reason == "batch" and "S-B" in info.value.detail
    assert _count(BankStatementImport) == 0 and _count(BankTransaction) == 0


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1E+30", "9E+999990", "1e5", "-5.00", "+5",
                                    "1,50", "", "12.345", "99999999999999.00", "0x10", "١٢"])
def test_hostile_amounts_are_refused_quickly_with_their_line(amount):
    data = write_camt053(setting("COOP_IBAN"), "S-H", 0, [Credit(3000, D, "X")]).replace(b">30.00<", f">{amount}<".encode())
    started = time.perf_counter()
    (statement,) = parse_camt053(data)
    with pytest.raises(StatementError) as info:
        bank.import_statement(data)
    assert time.perf_counter() - started < 1
    assert statement.error.reason == info.value.reason == "invalid"
    assert "line 2" in info.value.detail
    assert _count(BankTransaction) == 0


def test_one_bad_statement_does_not_block_the_file(app, monkeypatch):
    """The Belfius file: its first statement has no account number; import only one account's."""
    monkeypatch.setitem(current_app.config, "SHARES_BANK_ACCOUNTS", ["BE83540256917919"])
    result = bank.import_statement(BELFIUS.read_bytes(), filename=BELFIUS.name)
    db.session.commit()
    imported = [s for s in result.statements if not s.get("skipped")]
    assert [s["iban"] for s in imported] == ["BE83540256917919"]
    assert result.statement_import.statements_count == 1 and result.new == _count(BankTransaction) > 0
    assert len(result.skipped) == 62
    first = result.skipped[0]
    assert (first["number"], first["iban"], first["skipped"]) == (1, "", "no_account")
    assert {s["skipped"] for s in result.skipped[1:]} == {"unknown_account"}


def test_bad_and_good_statements_in_one_file():
    good = write_camt053(setting("COOP_IBAN"), "GOOD", 0, [Credit(3000, D, "Someone")])
    bad = write_camt053(setting("COOP_IBAN"), "BAD", 0, [Credit(3000, D, "Someone", bank_reference="B-1")])
    bad = bad.replace(b">30.00<", b">NaN<")
    stmt = lambda data: data[data.index(b"<Stmt>"):data.index(b"</Stmt>") + 7]  # noqa: E731
    both = good.replace(b"</Stmt>", b"</Stmt>" + stmt(bad), 1)
    result = bank.import_statement(both)
    assert result.new == 1 and [s["id"] for s in result.skipped] == ["BAD"]
    assert result.skipped[0]["skipped"] == "invalid" and "line" in result.skipped[0]["detail"]


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
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
    assert info.value.reason == "unknown_account" and info.value.detail == "BE68 5390 0754 7034"
    assert _count(BankStatementImport) == 0 and _count(BankTransaction) == 0


def _requests(make_member, n):
    out = []
    for i in range(n):
        member = make_member(first_name="Anne", last_name=f"Lefèvre{i}", iban=None)
        out.append(register.subscribe(member, 1, on=date(2024, 1, 1))[1])
    db.session.commit()
    return out


def test_matching_and_queue(make_member):
    r = _requests(make_member, 7)
    slip = r[5].reference[:4] + str((int(r[5].reference[4]) + 1) % 10) + r[5].reference[5:]
    credits = [
        Credit(3000, D, "Whoever", reference=r[0].reference),               # exact: matched
        Credit(1000, D, "Whoever", reference=r[1].reference),               # partial
        Credit(9000, D, "Whoever", reference=r[2].reference),               # overpaid
        Credit(3000, D, "ANNE LEFEVRE3", text="parts sociales"),            # a name is no match
        Credit(3000, D, "Nobody Known", text="?"),                          # no communication
        Credit(-500, D, "Bank fees"),                                       # a debit
        Credit(3000, D, "Whoever", reference="000000009797"),               # valid but unknown
        Credit(3000, D, "Whoever", text=f"+++{slip[:3]}/{slip[3:7]}/{slip[7:]}+++"),  # check digits wrong
        Credit(3000, D, "Whoever", reference=r[6].reference, currency="USD"),  # not in euros
    ]
    seen = []
    payment_matched.connect(lambda sender, **kw: seen.append(sender.id), weak=False)
    result = bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, credits))
    db.session.commit()
    assert result.counts == {"matched": 1, "partial": 1, "overpaid": 1, "no_reference": 2, "debit": 1,
                             "unknown_reference": 1, "bad_reference": 1, "currency": 1}
    assert r[0].status is PaymentStatus.PAID
    assert r[3].status is PaymentStatus.OPEN and r[6].status is PaymentStatus.OPEN
    assert r[1].status is PaymentStatus.OPEN  # partial waits for staff
    assert r[0].id in seen and r[3].id not in seen
    payments = db.session.scalars(select(ShareEntry).where(ShareEntry.kind == EntryKind.PAYMENT)).all()
    assert {p.payment_request_id for p in payments} == {r[0].id}
    assert bank.queue_count() == 7  # the debit is the account's other business: set aside, not queued
    assert bank.queue_counts() == {"overpaid": 1, "partial": 1, "bad_reference": 1, "unknown_reference": 1,
                                   "no_reference": 2, "currency": 1}
    fees = db.session.scalar(select(BankTransaction).where(BankTransaction.why == "debit"))
    assert fees.match_status is MatchStatus.IGNORED and fees.resolved_at is not None and fees.amount_cents == -500
    # Euros only: the 30.00 USD is counted apart ("currency"), never added as euros.
    assert (result.credits_cents, result.debits_cents) == (3000 + 1000 + 9000 + 3000 + 3000 + 3000 + 3000, -500)
    bad = db.session.scalar(select(BankTransaction).where(BankTransaction.why == "bad_reference"))
    assert bad.typed_reference == f"+++{slip[:3]}/{slip[3:7]}/{slip[7:]}+++" and bad.structured_reference is None


def test_a_member_typing_someone_elses_iban_gets_a_suggestion_never_their_payment(make_member):
    """Issue 10: the IBAN and name in a profile are the member's own words; they only suggest."""
    from shares.queries import suggestions_for

    payer = make_member(first_name="Paul", last_name="Payeur", iban="BE62510007547061")
    _, payers_request = register.subscribe(payer, 1, on=date(2024, 1, 1))
    impostor = make_member(first_name="Ivan", last_name="Imposteur", iban="BE62510007547061")
    _, impostors_request = register.subscribe(impostor, 1, on=date(2024, 1, 1))
    db.session.commit()
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(3000, D, "Paul Payeur", iban="BE62510007547061", text="cotisation")]))
    db.session.commit()
    tx = db.session.scalar(select(BankTransaction))
    assert tx.match_status is MatchStatus.UNKNOWN and tx.why == "no_reference" and tx.payment_request_id is None
    assert impostors_request.status is PaymentStatus.OPEN and payers_request.status is PaymentStatus.OPEN
    assert _count(ShareEntry) == 2  # the two subscriptions, no payment
    suggestions = suggestions_for(tx)
    by_request = {s.request.id: s.reasons for s in suggestions}
    assert by_request[payers_request.id] == ["iban", "name", "amount"]
    assert by_request[impostors_request.id] == ["iban", "amount"]
    assert suggestions[0].request.id == payers_request.id


def test_suggestions_for_a_typing_slip_and_a_known_reference(make_member):
    from shares.queries import suggestions_for

    r = _requests(make_member, 3)
    ref = r[1].reference
    slip = ref[:6] + str((int(ref[6]) + 3) % 10) + ref[7:]
    swapped = next(ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:] for i in range(9) if ref[i] != ref[i + 1])
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(3000, D, "X", text=f"communication {slip[:3]}/{slip[3:7]}/{slip[7:]} merci"),
        Credit(2500, D, "Y", text=f"+++{swapped[:3]}/{swapped[3:7]}/{swapped[7:]}+++"),
        Credit(9000, D, "Z", reference=r[2].reference)]))
    db.session.commit()
    one, two, over = db.session.scalars(select(BankTransaction).order_by(BankTransaction.id)).all()
    # One digit wrong, or two neighbours swapped, among the first ten never passes modulo 97 (97 is prime).
    assert one.why == two.why == "bad_reference"
    assert [(s.request.id, s.reasons) for s in suggestions_for(one)] == [(r[1].id, ["near_reference", "amount"])]
    assert [(s.request.id, s.reasons) for s in suggestions_for(two)] == [(r[1].id, ["near_reference"])]
    assert [(s.request.id, s.reasons) for s in suggestions_for(over)] == [(r[2].id, ["reference"])]


@pytest.mark.parametrize("text,found", [
    ("+++010/8068/17183+++", "010806817183"),
    ("paid 010/8068/17183 thanks", "010806817183"),
    ("010806817183", "010806817183"),
    ("9010806817183", None),  # part of a longer number
    ("0108068171830", None),
    ("1/010/8068/17183", None),
    ("302388292000011111111111111", None),
])
def test_a_reference_in_free_text_needs_digit_boundaries(text, found):
    from shares.references import find_reference

    assert find_reference(text) == found


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
        Credit(1000, D, "Whoever", reference=r[0].reference), Credit(500, D, "Stranger"), Credit(-700, D, "Fees")]))
    db.session.commit()
    partial, unknown, debit = db.session.scalars(select(BankTransaction).order_by(BankTransaction.id)).all()
    # Paying the request its communication names needs no reason; another request does.
    with pytest.raises(ReasonRequired):
        bank.match_by_hand(partial, r[1], expected_version=partial.version, reason="", actor=staff)
    with pytest.raises(NotACredit):
        bank.match_by_hand(debit, r[1], expected_version=debit.version, reason="no", actor=staff)
    bank.match_by_hand(partial, r[0], expected_version=partial.version, reason="", actor=staff)
    with pytest.raises(ReasonRequired):
        bank.dismiss(unknown, expected_version=unknown.version, reason=" ", actor=staff)
    bank.dismiss(unknown, expected_version=unknown.version, reason="refunded to sender", actor=staff)
    db.session.commit()
    assert r[0].status is PaymentStatus.PARTIALLY_PAID and r[0].paid_cents == 1000 and r[0].due_cents == 2000
    assert partial.match_status is MatchStatus.MATCHED and partial.matched_by_id == staff.id
    assert unknown.match_status is MatchStatus.IGNORED and unknown.match_reason == "refunded to sender"
    assert bank.queue_count() == 0  # the debit was set aside at import
    with pytest.raises(TransactionAlreadyResolved):
        bank.match_by_hand(unknown, r[1], expected_version=unknown.version, reason="again", actor=staff)
    # The audit log names the request by its structured communication, not by a row id.
    from app.models import AuditEntry

    matched = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.bank_payment.match_by_hand"))
    assert matched.after["request"] == r[0].reference and "payment_request" not in matched.after


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


def test_a_skipped_statement_is_imported_when_the_same_file_comes_again_after_its_account_is_added(monkeypatch):
    monkeypatch.setitem(current_app.config, "SHARES_BANK_ACCOUNTS", ["BE83540256917919"])
    first = bank.import_statement(BELFIUS.read_bytes(), filename=BELFIUS.name)
    db.session.commit()
    count = _count(BankTransaction)
    again = bank.import_statement(BELFIUS.read_bytes())
    assert again.already_imported and _count(BankTransaction) == count
    monkeypatch.setitem(current_app.config, "SHARES_BANK_ACCOUNTS", ["BE83540256917919", "BE62315236188996"])
    added = bank.import_statement(BELFIUS.read_bytes())
    db.session.commit()
    assert not added.already_imported and added.new > 0 and _count(BankTransaction) == count + added.new
    assert added.statement_import.id == first.statement_import.id
    assert added.statement_import.statements_count == 2 and len(added.skipped) == 61
    assert sorted(s["iban"] for s in added.statements if not s.get("skipped")) == ["BE62315236188996",
                                                                                    "BE83540256917919"]
    third = bank.import_statement(BELFIUS.read_bytes())
    assert third.already_imported and _count(BankTransaction) == count + added.new
