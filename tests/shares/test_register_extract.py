"""A member's extract of the share register: any member may download theirs, paid up this year or
not; staff download anyone's; nobody else's. Read back with pdftotext, amounts and dates in words."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from app.clock import today
from app.extensions import db
from shares.register import transfer
from tests.factories import sign_in

THIS_YEAR = today().year
needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext is needed")


def pdf_text(data: bytes, tmp_path) -> str:
    (tmp_path / "x.pdf").write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout


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
    assert f"1 March {THIS_YEAR - 2}" in text and "Subscription (category A)" in text and "Payment of capital" in text
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
