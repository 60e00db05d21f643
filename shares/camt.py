"""ISO 20022 camt.053 (bank-to-customer statement) reader: camt.053.001.02 and later versions.

Pure functions, no database. ``parse_camt053(data)`` returns every statement in the file (Belgian
banks put several in one), each with its balances and booked entries, and whether it balances
(opening + credits - debits == closing). A file that is not XML, not camt.053, or truncated raises
StatementError; a statement that does not balance is reported, not refused."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from shares.errors import StatementError
from shares.payments import find_reference

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

    @property
    def balanced(self) -> bool:
        if self.opening_cents is None or self.closing_cents is None:
            return True  # nothing to check against
        return self.opening_cents + self.entries_cents == self.closing_cents

    def summary(self) -> dict:
        return {"id": self.id, "iban": self.iban, "opening_cents": self.opening_cents,
                "closing_cents": self.closing_cents, "entries_cents": self.entries_cents,
                "entries": self.entries_count, "balanced": self.balanced}


def _cents(text: str | None) -> int:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise StatementError("invalid", f"amount {text!r}") from None
    return int((value * 100).to_integral_value())


def _date(node, ns) -> date | None:
    if node is None:
        return None
    text = node.findtext("c:Dt", namespaces=ns) or node.findtext("c:DtTm", namespaces=ns)
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise StatementError("invalid", f"date {text!r}") from None


def _text(node, path: str, ns) -> str:
    if node is None:
        return ""
    return (node.findtext(path, namespaces=ns) or "").strip()


def _signed(node, ns) -> int:
    amount = _cents(node.findtext("c:Amt", namespaces=ns))
    indicator = _text(node, "c:CdtDbtInd", ns)
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError("invalid", "credit/debit indicator missing")
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


def _remittance(details, ns) -> tuple[str | None, str]:
    if details is None:
        return None, ""
    unstructured = " ".join(t.strip() for t in details.xpath("c:RmtInf/c:Ustrd/text()", namespaces=ns))
    reference = None
    for ref in details.xpath("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref/text()", namespaces=ns):
        reference = find_reference(ref)
        if reference:
            break
    return reference or find_reference(unstructured), unstructured[:500]


def _fallback_reference(iban: str, parts: tuple, seen: dict) -> str:
    """Entries without a bank reference are named by a hash of their fields (and their rank among
    identical twins in the statement), which is the same when the same statement comes again."""
    key = "|".join(str(p) for p in (iban, *parts))
    seen[key] = seen.get(key, 0) + 1
    return "sha256:" + hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()[:56]


def parse_camt053(data: bytes) -> list[Statement]:
    if not data or not data.strip():
        raise StatementError("truncated", "empty file")
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
    for stmt in statements_nodes:
        iban = (_text(stmt, "c:Acct/c:Id/c:IBAN", ns) or _text(stmt, "c:Acct/c:Id/c:Othr/c:Id", ns))
        iban = iban.replace(" ", "").upper()
        statement = Statement(id=_text(stmt, "c:Id", ns), iban=iban, currency=_text(stmt, "c:Acct/c:Ccy", ns),
                              opening_cents=_balance(stmt, ("OPBD", "PRCD"), ns),
                              closing_cents=_balance(stmt, ("CLBD",), ns))
        seen: dict = {}
        for entry in stmt.findall("c:Ntry", ns):
            status = _text(entry, "c:Sts", ns) or _text(entry, "c:Sts/c:Cd", ns)
            if status and status not in ("BOOK",):
                continue  # pending or information-only entries are not booked
            signed = _signed(entry, ns)
            statement.entries_cents += signed
            statement.entries_count += 1
            currency = entry.find("c:Amt", ns).get("Ccy", "EUR")
            booking = _date(entry.find("c:BookgDt", ns), ns) or _date(entry.find("c:ValDt", ns), ns)
            if booking is None:
                raise StatementError("invalid", "entry without booking date")
            value = _date(entry.find("c:ValDt", ns), ns)
            entry_ref = _text(entry, "c:AcctSvcrRef", ns)
            details = entry.findall("c:NtryDtls/c:TxDtls", ns)
            batch = len(details) > 1
            for index, tx in enumerate(details or [None]):
                amount = signed
                if batch:
                    amount_node = tx.find("c:AmtDtls/c:TxAmt", ns)
                    if amount_node is None and tx.find("c:Amt", ns) is not None:
                        amount_node = tx
                    if amount_node is not None and amount_node.find("c:Amt", ns) is not None:
                        amount = _cents(amount_node.findtext("c:Amt", namespaces=ns)) * (1 if signed >= 0 else -1)
                role = "Dbtr" if signed >= 0 else "Cdtr"
                name, party_iban = _party(tx, role, ns)
                reference, free_text = _remittance(tx, ns)
                if not free_text:
                    free_text = _text(entry, "c:AddtlNtryInf", ns)[:500]
                    reference = reference or find_reference(free_text)
                tx_ref = _text(tx, "c:Refs/c:AcctSvcrRef", ns) if tx is not None else ""
                own = tx_ref or (f"{entry_ref}#{index}" if batch and entry_ref else entry_ref)
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
                    amount_cents=amount, currency=currency, counterparty_name=name, counterparty_iban=party_iban,
                    structured_reference=reference, free_text=free_text))
        statements.append(statement)
    if not statements:
        raise StatementError("not_camt053", "no statement")
    return statements
