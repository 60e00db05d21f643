"""ISO 20022 camt.053 (bank-to-customer statement) reader: camt.053.001.02 and later versions.

Pure functions, no database. ``parse_camt053(data)`` returns every statement in the file (Belgian
banks put several in one), each with its balances and booked entries, and whether it balances
(opening + credits - debits == closing). A file that is not XML, not camt.053, or truncated raises
StatementError; a statement that does not balance is reported, not refused. A statement that cannot
be read (a hostile amount, a batch whose transactions do not add up to its entry) carries its
``error`` and no transactions; the file's other statements are read all the same.

Batches: an entry (Ntry) may hold several transactions (TxDtls). The first one without an amount is
the batch's header, not a payment; the transactions of every entry add up to the entry, to the cent."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from shares.errors import StatementError
from shares.references import find_reference, reference_in_field, reference_lookalike

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})$")


@dataclass
class Transaction:
    bank_reference: str
    booking_date: date
    value_date: date | None
    amount_cents: int  # credit > 0, debit < 0
    currency: str
    counterparty_name: str
    counterparty_iban: str | None
    structured_reference: str | None
    free_text: str
    typed_reference: str = ""  # a structured reference as the payer typed it, when it is not valid
    entry_number: int = 0  # rank of the booked entry (Ntry) in its statement, from 1
    reversal: bool = False  # the bank's reversal of an earlier entry (RvslInd): a debit takes back money received


@dataclass
class Statement:
    id: str
    iban: str
    currency: str
    opening_cents: int | None
    closing_cents: int | None
    transactions: list[Transaction] = field(default_factory=list)
    entries_cents: int = 0  # booked credits - debits, over the entries (not their details)
    entries_count: int = 0
    number: int = 0  # rank of the statement in its file, from 1
    error: StatementError | None = None  # a statement that could not be read (the others still are)

    @property
    def balanced(self) -> bool:
        if self.opening_cents is None or self.closing_cents is None:
            return True  # nothing to check against
        return self.opening_cents + self.entries_cents == self.closing_cents

    def summary(self) -> dict:
        return {"id": self.id, "number": self.number, "iban": self.iban, "opening_cents": self.opening_cents,
                "closing_cents": self.closing_cents, "entries_cents": self.entries_cents,
                "entries": self.entries_count, "balanced": self.balanced}


# ISO 20022 ActiveOrHistoricCurrencyAndAmount: at most 18 digits, 5 of them after the point. Anything
# else (NaN, Infinity, exponents, signs) is refused before any arithmetic, so a hostile amount such as
# 9E+999990 costs nothing.
_AMOUNT = re.compile(r"[0-9]{1,13}(?:\.[0-9]{0,5})?|\.[0-9]{1,5}")


def _cents(node) -> int:
    """The amount in ``node``'s text as integer cents, exact; StatementError naming the line if not."""
    text = (node.text or "").strip() if node is not None else ""
    line = getattr(node, "sourceline", None)
    if not _AMOUNT.fullmatch(text):
        raise StatementError("invalid", f"amount {text[:40]!r} on line {line}", what="amount", line=line, text=text[:40])
    whole, _, fraction = text.partition(".")
    whole, fraction = whole or "0", fraction.ljust(5, "0")
    if fraction[2:] != "000":
        raise StatementError("invalid", f"amount {text!r} on line {line} has fractions of a cent", what="cents",
                             line=line, text=text)
    return int(whole) * 100 + int(fraction[:2])


def _date(node, ns) -> date | None:
    if node is None:
        return None
    text = node.findtext("c:Dt", namespaces=ns) or node.findtext("c:DtTm", namespaces=ns)
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise StatementError("invalid", f"date {text!r} on line {node.sourceline}", what="date", line=node.sourceline,
                             text=text[:40]) from None


def _text(node, path: str, ns) -> str:
    if node is None:
        return ""
    return (node.findtext(path, namespaces=ns) or "").strip()


def _signed(node, ns) -> int:
    amount = _cents(node.find("c:Amt", ns))
    indicator = _text(node, "c:CdtDbtInd", ns)
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError("invalid", f"credit/debit indicator missing on line {node.sourceline}", what="indicator",
                             line=node.sourceline)
    return amount if indicator == "CRDT" else -amount


def _balance(stmt, codes: tuple[str, ...], ns) -> int | None:
    for code in codes:
        for bal in stmt.findall("c:Bal", ns):
            if (_text(bal, "c:Tp/c:CdOrPrtry/c:Cd", ns) or _text(bal, "c:Tp/c:CdOrPrtry/c:Prtry", ns)) == code:
                return _signed(bal, ns)
    return None


def _party(details, role: str, ns) -> tuple[str, str | None]:
    """Name and IBAN of the debtor (for a credit) or creditor (for a debit): versions 02-07 and 08+."""
    parties = details.find("c:RltdPties", ns) if details is not None else None
    if parties is None:
        return "", None
    name = _text(parties, f"c:{role}/c:Nm", ns) or _text(parties, f"c:{role}/c:Pty/c:Nm", ns)
    iban = _text(parties, f"c:{role}Acct/c:Id/c:IBAN", ns) or None
    return name[:200], iban


def _remittance(details, ns) -> tuple[str | None, str, str]:
    """(valid structured reference, unstructured text, reference as typed when it is not valid)."""
    if details is None:
        return None, "", ""
    unstructured = " ".join(t.strip() for t in details.xpath("c:RmtInf/c:Ustrd/text()", namespaces=ns))
    reference, typed = None, ""
    for ref in details.xpath("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref/text()", namespaces=ns):
        reference = reference_in_field(ref)  # the structured field: its digits, however they are grouped
        if reference:
            break
        typed = typed or ref.strip()[:40]
    if reference is None:
        reference = find_reference(unstructured)
    if reference is None and not typed:
        typed = reference_lookalike(unstructured) or ""
    return reference, unstructured[:500], typed


def _fallback_reference(iban: str, parts: tuple, seen: dict) -> str:
    """Entries without a bank reference are named by a hash of their fields (and their rank among
    identical twins in the statement), which is the same when the same statement comes again."""
    key = "|".join(str(p) for p in (iban, *parts))
    seen[key] = seen.get(key, 0) + 1
    return "sha256:" + hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()[:56]


def parse_camt053(data: bytes) -> list[Statement]:
    if not data or not data.strip():
        raise StatementError("empty", "empty file")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        text = str(exc)
        # An XML document cut short fails on its last line (premature end, unclosed tags).
        looks_xml = data.lstrip()[:1] == b"<"
        last_line = data.rstrip().count(b"\n") + 1
        truncated = looks_xml and (exc.lineno or 0) >= last_line and "Start tag expected" not in text
        raise StatementError("truncated" if truncated else "not_xml", text) from None
    namespace = etree.QName(root).namespace or ""
    match = NAMESPACE.match(namespace)
    if not match or etree.QName(root).localname != "Document":
        raise StatementError("not_camt053", namespace or etree.QName(root).localname)
    ns = {"c": namespace}
    statements_nodes = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if root.find("c:BkToCstmrStmt", ns) is None:
        raise StatementError("not_camt053", "no BkToCstmrStmt")
    statements = []
    for number, stmt in enumerate(statements_nodes, 1):
        iban = (_text(stmt, "c:Acct/c:Id/c:IBAN", ns) or _text(stmt, "c:Acct/c:Id/c:Othr/c:Id", ns))
        statement = Statement(id=_text(stmt, "c:Id", ns)[:100], iban=iban.replace(" ", "").upper()[:34],
                              currency=_text(stmt, "c:Acct/c:Ccy", ns)[:3], opening_cents=None, closing_cents=None,
                              number=number)
        try:
            _read_statement(statement, stmt, ns)
        except StatementError as exc:  # this statement is reported; the file's other statements still count
            statement.error = exc
            statement.transactions = []
        statements.append(statement)
    if not statements:
        raise StatementError("not_camt053", "no statement")
    return statements


def _detail_amount(tx, ns) -> int | None:
    """A TxDtls's own amount (camt.053.001.04+ ``Amt``, or ``AmtDtls/TxAmt``), unsigned; None if it has none."""
    node = tx.find("c:Amt", ns)
    if node is None:
        node = tx.find("c:AmtDtls/c:TxAmt/c:Amt", ns)
    return None if node is None else _cents(node)


def _entry_parts(statement: Statement, entry, index: int, signed: int, ns) -> list[tuple[object, int]]:
    """The entry's transactions with their signed amounts, which add up to the entry.

    One TxDtls without its own amount carries the entry's amount. In a batch (several TxDtls), the first
    TxDtls without an amount is the batch's header (Belgian banks write the group's reference there) and
    is not a transaction; the others must all carry an amount, and they must add up to the entry."""
    details = entry.findall("c:NtryDtls/c:TxDtls", ns)
    if not details:
        return [(None, signed)]
    if len(details) == 1 and _detail_amount(details[0], ns) is None:
        return [(details[0], signed)]
    sign = 1 if signed >= 0 else -1
    parts = []
    for position, tx in enumerate(details):
        amount = _detail_amount(tx, ns)
        if amount is None:
            if position == 0:
                continue  # the batch header
            raise StatementError("batch", f"statement {statement.id or statement.number}, entry {index} "
                                          f"(line {entry.sourceline}): a transaction of the batch has no amount",
                                 what="no_amount", statement=statement.id or statement.number, entry=index,
                                 line=entry.sourceline)
        indicator = _text(tx, "c:CdtDbtInd", ns)
        parts.append((tx, -amount if indicator == "DBIT" else amount if indicator == "CRDT" else sign * amount))
    total = sum(amount for _tx, amount in parts)
    if total != signed:
        raise StatementError("batch", f"statement {statement.id or statement.number}, entry {index} "
                                      f"(line {entry.sourceline}): its transactions add up to {total} cents, "
                                      f"the entry says {signed}", what="sum", statement=statement.id or statement.number,
                             entry=index, line=entry.sourceline, total=total, amount=signed)
    return parts


def _read_statement(statement: Statement, stmt, ns) -> None:
    statement.opening_cents = _balance(stmt, ("OPBD", "PRCD"), ns)
    statement.closing_cents = _balance(stmt, ("CLBD",), ns)
    iban = statement.iban
    seen: dict = {}
    for index, entry in enumerate(stmt.findall("c:Ntry", ns), 1):
        status = _text(entry, "c:Sts", ns) or _text(entry, "c:Sts/c:Cd", ns)
        if status and status not in ("BOOK",):
            continue  # pending or information-only entries are not booked
        signed = _signed(entry, ns)
        statement.entries_cents += signed
        statement.entries_count += 1
        amount_node = entry.find("c:Amt", ns)
        currency = (amount_node.get("Ccy") or statement.currency or "EUR")[:3]
        booking = _date(entry.find("c:BookgDt", ns), ns) or _date(entry.find("c:ValDt", ns), ns)
        if booking is None:
            raise StatementError("invalid", f"entry {index} (line {entry.sourceline}) has no booking date",
                                 what="booking_date", entry=index, line=entry.sourceline)
        value = _date(entry.find("c:ValDt", ns), ns)
        reversal = _text(entry, "c:RvslInd", ns).lower() in ("true", "1")
        entry_ref = _text(entry, "c:AcctSvcrRef", ns)
        parts = _entry_parts(statement, entry, index, signed, ns)
        batch = len(parts) > 1
        for rank, (tx, amount) in enumerate(parts):
            role = "Dbtr" if amount >= 0 else "Cdtr"
            name, party_iban = _party(tx, role, ns)
            reference, free_text, typed = _remittance(tx, ns)
            if not free_text:
                free_text = _text(entry, "c:AddtlNtryInf", ns)[:500]
                reference = reference or find_reference(free_text)
                typed = typed or ("" if reference else reference_lookalike(free_text) or "")
            tx_ref = _text(tx, "c:Refs/c:AcctSvcrRef", ns) if tx is not None else ""
            own = tx_ref or (f"{entry_ref}#{rank}" if batch and entry_ref else entry_ref)
            if own:
                bank_reference = f"{iban}:{own}"
                if bank_reference in seen:  # some banks repeat a reference inside one statement
                    bank_reference = _fallback_reference(iban, (own, booking, amount, name, free_text), seen)
                seen[bank_reference] = 1
            else:
                bank_reference = _fallback_reference(
                    iban, (booking, value, amount, currency, name, party_iban, reference, free_text), seen)
            statement.transactions.append(Transaction(
                bank_reference=bank_reference[:140], booking_date=booking, value_date=value,
                amount_cents=amount, currency=currency, counterparty_name=name,
                counterparty_iban=(party_iban or "")[:34] or None, structured_reference=reference,
                free_text=free_text, typed_reference=typed, entry_number=index, reversal=reversal))
