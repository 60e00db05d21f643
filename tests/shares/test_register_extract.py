"""A member's extract of the share register: any member may download theirs, paid up this year or
not; staff download anyone's; nobody else's. Read back with pdftotext, amounts and dates in words."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

from app.clock import today
from app.extensions import db
from shares.register import transfer
from tests.factories import pdf_text, sign_in

THIS_YEAR = today().year
needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext is needed")


@needs_pdftotext
def test_a_member_without_this_years_renewal_downloads_their_extract(client, member_with_shares, tmp_path):
    member = member_with_shares(3, on=date(THIS_YEAR - 2, 3, 1), first_name="Anne", last_name="Claes")
    sign_in(client, member.account)
    assert client.get("/me/certificate.pdf").status_code == 409  # no certificate: not renewed
    refusal = client.get("/me/certificate.pdf").get_data(as_text=True)
    assert "/me/register-extract.pdf" in refusal
    assert "/me/register-extract.pdf" in client.get("/me/shares").get_data(as_text=True)

    response = client.get("/me/register-extract.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"register-extract-{member.number}-{today():%Y%m%d}.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    assert "Extract of the share register" in text and "Anne Claes" in text
    assert f"Member number             {member.number}" in text
    assert "Shares held               3" in text and "Capital paid              90.00 €" in text
    assert f"1 March {THIS_YEAR - 2}" in text and "Subscription, category A (users of the services)" in text and "Payment of capital" in text
    assert "+3" in text
    assert today().isoformat() not in text and "EntryKind" not in text


@needs_pdftotext
def test_the_extract_is_in_the_readers_language_and_names_a_counterpart_by_number_only(
        client, member_with_shares, tmp_path):
    giver = member_with_shares(2, on=date(THIS_YEAR - 1, 2, 1), language="fr", first_name="Luc", last_name="Giver")
    receiver = member_with_shares(1, on=date(THIS_YEAR - 1, 2, 1), first_name="Secret", last_name="Receiver")
    transfer(giver, receiver, 1, on=date(THIS_YEAR - 1, 5, 4), board_decision_on=date(THIS_YEAR - 1, 5, 2),
             board_reference="CA-12")
    db.session.commit()
    sign_in(client, giver.account)
    text = pdf_text(client.get("/me/register-extract.pdf").data, tmp_path)
    assert "Extrait du registre des parts" in text, text
    assert f"4 mai {THIS_YEAR - 1}" in text and f"au sociétaire {receiver.number}" in text
    assert "Receiver" not in text  # the other member's name is theirs, not the giver's to read
    assert "Parts détenues" in text


def test_only_staff_download_another_members_extract(client, app, member_with_shares, make_staff):
    member = member_with_shares(1)
    other = member_with_shares(1)
    url = f"/staff/members/{member.id}/register-extract.pdf"
    assert client.get(url).status_code == 302  # sign in first
    sign_in(client, other.account)
    assert client.get(url).status_code == 403
    staff = app.test_client()
    sign_in(staff, make_staff())
    response = staff.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert url in staff.get(f"/staff/members/{member.id}").get_data(as_text=True)
    for missing in (f"/staff/members/{other.id + 1000}/register-extract.pdf",
                    "/staff/members/99999999999999999999/register-extract.pdf", "/staff/members/0/register-extract.pdf"):
        assert staff.get(missing).status_code == 404, missing


def test_an_account_without_a_member_record_has_no_extract(client, make_staff):
    sign_in(client, make_staff())
    assert client.get("/me/register-extract.pdf").status_code == 403


def _corrected_member(member_with_shares, **kwargs):
    """A member whose payment of 2 shares was entered twice, the second one corrected away."""
    from shares.models import EntryKind, ShareEntry
    from shares.register import correct, member_entries, record_payment, subscribe

    member = member_with_shares(2, on=date(THIS_YEAR - 1, 3, 1), **kwargs)
    _entry, request = subscribe(member, 1, on=date(THIS_YEAR - 1, 6, 10))
    record_payment(request, request.amount_cents, on=date(THIS_YEAR - 1, 6, 12))
    payment = [e for e in member_entries(member) if e.kind is EntryKind.PAYMENT][-1]
    correction = correct(payment, reason="Paid twice by mistake", paid_cents=-3000, on=date(THIS_YEAR - 1, 7, 2))
    db.session.commit()
    assert db.session.get(ShareEntry, correction.id).corrects_id == payment.id
    return member, payment


@needs_pdftotext
@pytest.mark.parametrize("language, says", [
    ("en", ["Corrects the entry of 12 June {year}: Payment of capital, 30.00 €.", "Reason: Paid twice by mistake"]),
    ("fr", ["Corrige l'inscription du 12 juin {year}\u00a0: Libération de capital, 30,00 €.",
            "Motif\u00a0: Paid twice by mistake"]),
    ("nl", ["Verbetert de boeking van 12 juni {year}: Volstorting van kapitaal, 30,00 €.",
            "Reden: Paid twice by mistake"]),
])
def test_the_extract_says_which_entry_a_correction_corrects_and_why(client, member_with_shares, tmp_path,
                                                                    language, says):
    member, _payment = _corrected_member(member_with_shares, language=language)
    sign_in(client, member.account)
    text = " ".join(pdf_text(client.get("/me/register-extract.pdf").data, tmp_path).split())
    says = [" ".join(sentence.format(year=THIS_YEAR - 1).split()) for sentence in says]  # spaces as pdftotext reads
    for sentence in says:
        assert sentence in text, text
    page = " ".join(client.get("/me/shares").get_data(as_text=True).split())
    assert all(sentence.replace("'", "&#39;") in page for sentence in says), page  # the member's page too


def test_the_staff_member_page_numbers_the_corrected_entry(client, member_with_shares, make_staff):
    member, payment = _corrected_member(member_with_shares)
    sign_in(client, make_staff())
    page = " ".join(client.get(f"/staff/members/{member.id}").get_data(as_text=True).split())
    assert (f"Corrects entry no. {payment.id} of 12 June {THIS_YEAR - 1}: Payment of capital, 30.00 €. "
            "Reason: Paid twice by mistake") in page
