"""The certificate a renewal mail carries states the register's figures when the mail is sent: a bank
statement that paid the renewal and, further down, the last part of the member's shares gives "paid up in
full", not the figure between its two lines."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

from app.clock import today
from app.extensions import db
from app.mail import attachment_bytes
from shares import bank, register, renewal
from shares.camt_writer import Credit, write_camt053
from shares.models import PaymentStatus
from shares.register import record_payment
from shares.settings import setting
from tests.factories import pdf_text

needs_tools = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext is needed")
YEAR = today().year


@needs_tools
def test_the_renewal_certificate_states_the_figures_after_the_whole_statement(member_with_shares, outbox, tmp_path):
    member = member_with_shares(1, on=date(2024, 3, 1), language="nl")
    _entry, shares = register.subscribe(member, 3, on=date(2024, 4, 1))
    record_payment(shares, 4501, on=date(2024, 4, 2))  # 120 € subscribed, 75.01 € paid up
    db.session.commit()
    renewal.run_campaign(YEAR)
    fee = renewal.renewal_request_for(member.id, YEAR)
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S9", 0, [
        Credit(3000, today(), "Nora Lid", iban="BE62510007547061", reference=fee.reference),
        Credit(4499, today(), "Nora Lid", iban="BE62510007547061", reference=shares.reference)]))
    db.session.commit()
    assert fee.status is PaymentStatus.PAID and shares.status is PaymentStatus.PAID
    [mail] = [m for m in outbox(member.email) if m.dedupe_key == f"certificate:{fee.id}"]
    [pdf] = [a for a in mail.attachments if a.mimetype == "application/pdf"]
    text = " ".join(pdf_text(attachment_bytes(pdf), tmp_path, layout=False).split())
    assert "120,00 €, volledig volgestort" in text and "75,01" not in text
