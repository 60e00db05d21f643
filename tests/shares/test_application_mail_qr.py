"""The mail that tells an applicant what to pay carries the payment QR code, as the renewal letters do: the
same attachment (``payments.qr_attachment``), for exactly the amount and structured communication the mail
says, named in the applicant's language. Read back here as a banking app reads it (zbar)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from app.extensions import db
from app.mail import attachment_bytes
from shares import surplus
from shares.models import MembershipApplication, PaymentRequest
from shares.payments import parse_epc
from shares.settings import setting
from tests.factories import sign_in
from tests.shares.test_joining import GOOD, counts, join
from tests.shares.test_rejoining import APPLY, _leaving_refund, _resigned

pytestmark = pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg is needed to read the QR code back")


def _scan(png: bytes, tmp_path) -> dict:
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    raw = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return parse_epc(raw.rstrip("\n"))


def _payment_mail(outbox, address: str):
    [mail] = [m for m in outbox(address) if m.attachments]
    return mail


@pytest.mark.parametrize("language, stem, words", [
    ("fr", "code-qr-de-paiement", ("Montant\u00a0: 90,00 €", "Le code QR joint à ce message")),
    ("nl", "betaal-qr-code", ("Bedrag: 90,00 €", "De QR-code in de bijlage")),
    ("en", "payment-qr-code", ("Amount: 90.00 €", "The QR code attached to this message")),
])
def test_the_mail_of_an_application_on_join_carries_the_qr_code_for_what_it_asks(app, outbox, tmp_path,
                                                                               language, stem, words):
    assert join(app, GOOD | {"shares": "3", "language": language})[0] == 302
    request = db.session.scalars(db.select(PaymentRequest)).one()
    assert request.amount_cents == 9000
    mail = _payment_mail(outbox, "chloe@example.be")
    assert mail.language == language
    assert all(w in mail.body_text for w in words) and request.formatted_reference in mail.body_text
    [qr] = mail.attachments
    assert qr.mimetype == "image/png" and qr.filename == f"{stem}-{request.reference}.png"
    fields = _scan(attachment_bytes(qr), tmp_path)
    assert fields["amount_cents"] == 9000
    assert fields["iban"] == setting("COOP_IBAN").replace(" ", "")
    assert fields["remittance_reference"] == request.formatted_reference
    assert fields["name"] == app.config["COOP_NAME"]


def test_nothing_is_attached_when_the_form_makes_no_application(app, make_member, outbox):
    make_member(email="taken@example.be")
    before = counts()
    assert join(app, GOOD | {"email": "taken@example.be"})[0] == 302  # the same answer as a new address
    assert join(app, GOOD | {"email": "other@example.be", "shares": "0"})[0] == 400
    assert join(app, GOOD | {"email": "other@example.be", "shares": "101"})[0] == 400
    assert counts() == before
    assert [m.attachments for m in outbox("taken@example.be")] == [[]]  # the owner is told, nothing to pay
    assert outbox("other@example.be") == []


def test_a_former_member_applying_again_gets_the_qr_code_of_the_new_membership(app, make_member, make_staff,
                                                                               outbox, tmp_path):
    old = _resigned(make_member, language="nl")
    surplus.mark_refunded(_leaving_refund(old), actor=make_staff())
    db.session.commit()
    old_mails = len(outbox("back@example.be"))
    browser = app.test_client()
    sign_in(browser, old.account)
    assert browser.post("/me/application/new", data=APPLY).status_code == 302
    application = db.session.scalars(db.select(MembershipApplication).order_by(MembershipApplication.id.desc())).first()
    request = application.payment_request
    assert application.member_id != old.id and request.amount_cents == 6000
    [mail] = outbox("back@example.be")[old_mails:]  # no sign-in link: they are signed in
    assert "Bedrag: 60,00 €" in mail.body_text and request.formatted_reference in mail.body_text
    [qr] = mail.attachments
    assert qr.filename == f"betaal-qr-code-{request.reference}.png"
    fields = _scan(attachment_bytes(qr), tmp_path)
    assert (fields["amount_cents"], fields["remittance_reference"]) == (6000, request.formatted_reference)
    assert fields["iban"] == setting("COOP_IBAN").replace(" ", "")
