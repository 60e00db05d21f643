"""Write camt.053.001.02 files: the demo's statement, the benchmark's 36,000 transactions, test files."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from app.clock import today

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


@dataclass
class Credit:
    amount_cents: int  # > 0 credit, < 0 debit
    booking_date: date
    name: str
    iban: str | None = None
    reference: str | None = None  # 12-digit structured communication
    text: str = ""
    bank_reference: str | None = None
    currency: str = "EUR"


def _amt(cents: int) -> str:
    return f"{abs(cents) // 100}.{abs(cents) % 100:02d}"


def write_camt053(iban: str, statement_id: str, opening_cents: int, credits: list[Credit], *,
                  closing_cents: int | None = None, bic: str = "GKCCBEBB") -> bytes:
    if closing_cents is None:
        closing_cents = opening_cents + sum(c.amount_cents for c in credits)
    first = min((c.booking_date for c in credits), default=today())
    last = max((c.booking_date for c in credits), default=first)
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
             f"<GrpHdr><MsgId>{escape(statement_id)}</MsgId><CreDtTm>{last.isoformat()}T18:00:00</CreDtTm></GrpHdr>"
             f"<Stmt><Id>{escape(statement_id)}</Id><CreDtTm>{last.isoformat()}T18:00:00</CreDtTm>"
             f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy><Svcr><FinInstnId><BIC>{bic}</BIC></FinInstnId>"
             f"</Svcr></Acct>"]
    for code, cents, day in (("OPBD", opening_cents, first), ("CLBD", closing_cents, last)):
        parts.append(f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{_amt(cents)}</Amt>"
                     f"<CdtDbtInd>{'CRDT' if cents >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>")
    for i, c in enumerate(credits, 1):
        credit = c.amount_cents >= 0
        role = "Dbtr" if credit else "Cdtr"
        ref = c.bank_reference or f"{statement_id}-{i:06d}"
        party = f"<{role}><Nm>{escape(c.name)}</Nm></{role}>"
        if c.iban:
            party += f"<{role}Acct><Id><IBAN>{c.iban}</IBAN></Id></{role}Acct>"
        if c.reference:
            rmt = ("<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
                   f"<Ref>{c.reference}</Ref></CdtrRefInf></Strd></RmtInf>")
        else:
            rmt = f"<RmtInf><Ustrd>{escape(c.text)}</Ustrd></RmtInf>" if c.text else ""
        parts.append(f"<Ntry><Amt Ccy=\"{c.currency}\">{_amt(c.amount_cents)}</Amt>"
                     f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd><Sts>BOOK</Sts>"
                     f"<BookgDt><Dt>{c.booking_date.isoformat()}</Dt></BookgDt>"
                     f"<ValDt><Dt>{c.booking_date.isoformat()}</Dt></ValDt><AcctSvcrRef>{escape(ref)}</AcctSvcrRef>"
                     "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
                     f"<NtryDtls><TxDtls><Refs><AcctSvcrRef>{escape(ref)}</AcctSvcrRef></Refs>"
                     f"<RltdPties>{party}</RltdPties>{rmt}</TxDtls></NtryDtls></Ntry>")
    parts.append("</Stmt></BkToCstmrStmt></Document>\n")
    return "".join(parts).encode("utf-8")
