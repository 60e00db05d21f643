"""A receipt to the member when a payment of theirs is recorded: their language, their locale's formats."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from app.extensions import db
from shares import bank, register
from shares.camt_writer import Credit, write_camt053
from shares.models import PaymentPurpose
from shares.payments import create_payment_request
from shares.settings import setting


@pytest.mark.parametrize("language,amount,day,subject", [
    ("fr", "1\u202f234,50 €", "4 mars 2024", "Nous avons reçu"),
    ("nl", "1.234,50 €", "4 maart 2024", "We hebben"),
    ("en", "1,234.50 €", "4 March 2024", "We received"),
])
def test_receipt_in_the_members_language_and_locale(make_member, outbox, language, amount, day, subject):
    member = make_member(language=language)
    request = create_payment_request(member, PaymentPurpose.ADDITIONAL_SHARES, 123450, shares=41)
    request.created_at = datetime(2024, 3, 1, tzinfo=timezone.utc)  # asked before the transfer: it may pay it
    db.session.commit()
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(123450, date(2024, 3, 4), "Payer", reference=request.reference)]))
    db.session.commit()
    (receipt,) = outbox(member.email)
    assert receipt.language == language and receipt.subject.startswith(subject)
    # English dates become "4 March 2024" with the register-people branch's locale work; until then Babel's
    # "en" writes the US order.
    assert day in receipt.body_text or (language == "en" and "March 4, 2024" in receipt.body_text)
    assert request.formatted_reference in receipt.body_text
    assert amount in receipt.subject and amount in receipt.body_text


def test_one_receipt_per_payment_and_none_for_a_rollback(make_member, outbox):
    member = make_member()
    _, request = register.subscribe(member, 2, on=date(2024, 1, 1))
    db.session.commit()
    register.record_payment(request, 1000, on=date(2024, 1, 2))
    db.session.rollback()
    assert outbox(member.email) == []
    register.record_payment(request, 1000, on=date(2024, 1, 2))
    register.record_payment(request, 1000, on=date(2024, 1, 3))
    db.session.commit()
    assert len(outbox(member.email)) == 2
    assert "Still to pay on this request: 40.00 €." in outbox(member.email)[-1].body_text
    register.record_payment(request, 1000, on=date(2024, 1, 4), notify=False)
    db.session.commit()
    assert len(outbox(member.email)) == 2
