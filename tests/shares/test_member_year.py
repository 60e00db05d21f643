"""A member's year on the register's pages and mails: a request partly paid says what remains (the QR code
asks the same), money credited to next year is a credit and not a bill, and the renewal letters carry the
payment QR code for what they ask (the certificate's figures: test_certificate_as_sent.py; a redemption:
test_redemption_told.py)."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from app.clock import today, utcnow
from app.extensions import db
from app.mail import attachment_bytes
from app.models import OutboxMessage
from shares import bank, payments, register, renewal, surplus as surpluses
from shares.camt_writer import Credit, write_camt053
from shares.models import BankTransaction, PaymentStatus
from shares.payments import parse_epc, request_payload
from shares.register import record_payment
from shares.settings import setting
from tests.factories import sign_in

needs_zbar = pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg is needed to read the QR code back")
YEAR = today().year


def _scan(png: bytes, tmp_path) -> str:
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    return subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", str(path)], capture_output=True, text=True,
                          check=True).stdout.rstrip("\n")


def _partly_paid_shares(member_with_shares, **kw):
    member = member_with_shares(1, on=date(2024, 3, 1), **kw)
    _entry, request = register.subscribe(member, 3, on=date(2024, 4, 1))
    record_payment(request, 4501, on=date(2024, 4, 2))
    db.session.commit()
    return member, request


# 1. A partly paid request says what remains, and its QR code asks that figure.

def test_a_partly_paid_request_says_what_remains_and_its_qr_code_asks_it(client, member_with_shares, tmp_path):
    member, request = _partly_paid_shares(member_with_shares, language="nl")
    assert request.status is PaymentStatus.PARTIALLY_PAID and request.asked_cents == 4499
    assert parse_epc(request_payload(request))["amount_cents"] == 4499
    sign_in(client, member.account)
    html = client.get("/me/payments").get_data(as_text=True)
    card = html[html.index(f'id="request-{request.id}"'):]
    card = card[:card.index("</section>")]
    assert "90,00 €" in card and "45,01 € ontvangen" in card
    assert "Nog te betalen</dt><dd>44,99 €" in card
    assert "<svg" in card
    paid = html[html.index("<section", html.index("</section>", html.index(f'id="request-{request.id}"'))):]
    assert "Nog te betalen" not in paid[:paid.index("</section>")] and "<svg" not in paid[:paid.index("</section>")]


def test_staff_see_what_a_partly_paid_request_still_asks(client, member_with_shares, make_staff):
    member, request = _partly_paid_shares(member_with_shares)
    sign_in(client, make_staff())
    html = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    row = html[html.index(request.formatted_reference):]
    row = row[:row.index("</tr>")]
    assert "90.00 €" in row and "45.01 €" in row and 'data-label="Still due">44.99 €' in row


# 2. Money credited to next year is a credit towards it, not a bill.

def _credited(make_member, make_staff):
    staff = make_staff()
    member = make_member(first_name="Odile", last_name="Avance", language="fr", iban=None)
    _, request = register.subscribe(member, 1, on=date(2024, 1, 1))
    db.session.commit()
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(4500, date(2024, 1, 5), "Odile Avance", iban="BE62510007547061", reference=request.reference)]))
    db.session.commit()
    tx = db.session.scalar(select(BankTransaction))
    applied = bank.match_by_hand(tx, request, expected_version=tx.version, reason="", actor=staff)
    this_year = renewal.renewal_request(member, YEAR)
    record_payment(this_year, this_year.amount_cents, on=today())  # this year's renewal paid: next year's is due
    db.session.commit()
    next_year = surpluses.credit_next_year(applied.surplus, actor=staff)
    db.session.commit()
    return member, next_year


def test_money_credited_to_next_year_is_a_credit_not_a_bill(client, make_member, make_staff):
    member, next_year = _credited(make_member, make_staff)
    assert next_year.year == YEAR + 1 and next_year.paid_cents == 1500 and next_year.due_cents == 1500
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == member.email)
                              .order_by(OutboxMessage.id.desc())).first()
    assert f"Il est porté au crédit de votre cotisation de sociétaire pour {YEAR + 1}" in mail.body_text
    assert "Reste à payer sur cette demande" not in mail.body_text
    assert "les 15,00 € restants" in mail.body_text
    sign_in(client, member.account)
    html = client.get("/me/payments").get_data(as_text=True)
    card = html[html.index(f'id="request-{next_year.id}"'):]
    card = card[:card.index("</section>")]
    assert "15,00 € crédités d'avance" in card
    assert f"le renouvellement {YEAR + 1} ne demandera que les 15,00 € restants" in card
    assert "<svg" not in card and "Payé en partie" not in card  # no QR code, nothing asked now
    sign_in(client, make_staff())
    client.post("/language", data={"language": "en", "next": "/"})
    staff_page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    row = staff_page[staff_page.index(next_year.formatted_reference):]
    row = row[:row.index("</tr>")]
    assert "15.00 € credited in advance" in row and "Partly paid" not in row


def _card(html: str, request) -> str:
    card = html[html.index(f'id="request-{request.id}"'):]
    return card[:card.index("</section>")]


def _box(html: str) -> str:
    box = html[html.index('id="renewal-box"'):]
    return box[:box.index("</section>")]


def _staff_row(client, staff, member, request) -> str:
    sign_in(client, staff)
    client.post("/language", data={"language": "en", "next": "/"})
    html = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    row = html[html.index(request.formatted_reference):]
    return row[:row.index("</tr>")]


@needs_zbar
def test_money_credited_to_next_year_stays_a_credit_past_new_year_until_its_renewal_is_sent(
        app, client, make_member, make_staff, clock, outbox, tmp_path):
    """The renewal the money was credited to decides, not the calendar: from 1 January (Brussels) until the
    campaign of that year sends the renewal, nothing of it is asked; the letter then asks the rest."""
    member, next_year = _credited(make_member, make_staff)
    staff = make_staff()
    # The last evening of the year, then the first minutes of the next in Brussels (still 31 December in UTC).
    for instant in (datetime(YEAR, 12, 31, 22, 30, tzinfo=timezone.utc),
                    datetime(YEAR, 12, 31, 23, 30, tzinfo=timezone.utc)):
        clock(instant)
        assert payments.credited_ahead(next_year)
        sign_in(client, member.account)
        card = _card(client.get("/me/payments").get_data(as_text=True), next_year)
        assert "15,00 € crédités d'avance" in card and "<svg" not in card and "Payé en partie" not in card
        assert f"le renouvellement {YEAR + 1} ne demandera que les 15,00 € restants" in card
        assert "Reste à payer</dt><dd>Rien pour l'instant" in card
    assert today() == date(YEAR + 1, 1, 1)
    home = client.get("/").get_data(as_text=True)
    box = _box(home)
    assert f"Adhésion {YEAR + 1}" in box and "<svg" not in box and "hx-trigger" not in box
    assert (f"Nous avons 15,00 € crédités d'avance pour {YEAR + 1} : rien n'est demandé pour l'instant, la lettre "
            "de renouvellement ne demandera que les 15,00 € restants.") in " ".join(box.replace("&#39;", "'").split())
    assert "il reste" not in box
    status = client.get("/me/renewal/status").get_data(as_text=True)
    assert "crédités d'avance" in status and "<svg" not in status
    row = _staff_row(client, staff, member, next_year)
    assert "15.00 € credited in advance" in row and 'data-label="Still due">15.00 €' in row and "Partly paid" not in row

    # A week into the year the campaign sends the renewal: it asks the rest, in words and in its QR code.
    sent_at = clock(datetime(YEAR + 1, 1, 6, 8, tzinfo=timezone.utc))
    renewal.run_campaign(YEAR + 1, now=sent_at)
    db.session.commit()
    [letter] = [m for m in outbox(member.email) if m.dedupe_key == f"renewal:{YEAR + 1}:{member.id}:request"]
    assert "Montant\u00a0: 15,00 € (nous avons déjà reçu 15,00 € pour celle-ci" in letter.body_text
    assert "30,00" not in letter.body_text
    fields = parse_epc(_scan(attachment_bytes(letter.attachments[0]), tmp_path))
    assert (fields["amount_cents"], fields["remittance_reference"]) == (1500, next_year.formatted_reference)
    assert not payments.credited_ahead(next_year)
    sign_in(client, member.account)
    client.post("/language", data={"language": "fr", "next": "/"})
    card = _card(client.get("/me/payments").get_data(as_text=True), next_year)
    assert "Payé en partie (15,00 € reçus)" in " ".join(card.split())
    assert "Reste à payer</dt><dd>15,00 €" in card and "<svg" in card and "crédités d'avance" not in card
    box = _box(client.get("/").get_data(as_text=True))
    assert "il reste 15,00 € à payer" in " ".join(box.split()) and "<svg" in box
    row = _staff_row(client, staff, member, next_year)
    assert "Partly paid" in row and 'data-label="Still due">15.00 €' in row and "credited in advance" not in row


def test_credited_renewals_are_found_in_one_query_for_a_page(make_member, make_staff, member_with_shares):
    member, next_year = _credited(make_member, make_staff)
    other = member_with_shares(1, on=date(2024, 3, 1))
    renewal.run_campaign(YEAR)
    asked = renewal.renewal_request_for(other.id, YEAR)
    requests = register.member_requests(member) + [asked]
    statements = []

    def run(_conn, _cursor, statement, *_args):
        statements.append(statement)

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", run)
    assert payments.credited_ahead_ids(requests) == {next_year.id}
    event.remove(connection, "before_cursor_execute", run)
    assert len(statements) == 1 and "shares_renewal_notice" in statements[0]
    assert payments.credited_ahead_ids([r for r in requests if r.id != next_year.id]) == set()


# 5. The renewal letters carry the payment QR code, for what the letter asks.

@needs_zbar
def test_the_renewal_letters_carry_the_payment_qr_code(member_with_shares, outbox, tmp_path):
    member = member_with_shares(1, on=date(2024, 3, 1), language="fr")
    renewal.run_campaign(YEAR)
    fee = renewal.renewal_request_for(member.id, YEAR)
    [letter] = [m for m in outbox(member.email) if m.dedupe_key == f"renewal:{YEAR}:{member.id}:request"]
    [qr] = letter.attachments
    assert qr.mimetype == "image/png" and qr.filename == f"code-qr-de-paiement-{fee.reference}.png"
    assert "code QR joint" in letter.body_text
    fields = parse_epc(_scan(attachment_bytes(qr), tmp_path))
    assert fields["amount_cents"] == 3000 and fields["remittance_reference"] == fee.formatted_reference
    assert fields["iban"] == setting("COOP_IBAN").replace(" ", "")
    # A reminder after part of it was paid asks, in words and in its QR code, what remains.
    record_payment(fee, 1000, on=today())
    db.session.commit()
    renewal.run_campaign(YEAR, now=utcnow() + timedelta(days=30))
    [reminder] = [m for m in outbox(member.email) if m.dedupe_key == f"renewal:{YEAR}:{member.id}:reminder_1"]
    assert "20,00" in reminder.body_text
    assert parse_epc(_scan(attachment_bytes(reminder.attachments[0]), tmp_path))["amount_cents"] == 2000
