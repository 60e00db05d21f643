"""Membership certificates: the PDF carries a QR code that a phone reads back to the public check page."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from urllib.parse import urlsplit

import pytest
from flask import current_app
from hypothesis import given, settings
from hypothesis import strategies as st

from app.extensions import db
from shares import certificates, renewal
from app.clock import today
from shares.models import Category
from shares.payments import apply_payment
from tests.factories import sign_in

THIS_YEAR = today().year
needs_tools = pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
                                 reason="pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed")


def member_in_good_standing(member_with_shares, **kw):
    member = member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1), **kw)
    renewal.run_campaign(THIS_YEAR)
    request = renewal.renewal_request_for(member.id, THIS_YEAR)
    apply_payment(request, request.amount_cents, on=today())
    db.session.commit()
    return member


def read_qr_codes(pdf: bytes, tmp_path) -> list[str]:
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(tmp_path / "c.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages, "pdftoppm produced no page"
    out = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", *map(str, pages)], capture_output=True, text=True)
    return out.stdout.split()


@needs_tools
def test_certificate_pdf_qr_opens_the_public_check_page(client, app, member_with_shares, tmp_path):
    member = member_in_good_standing(member_with_shares, category=Category.B)
    sign_in(client, member.account)
    response = client.get("/me/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"membership-certificate-{member.number}-{THIS_YEAR}.pdf" in response.headers["Content-Disposition"]
    [url] = read_qr_codes(response.data, tmp_path)
    assert url.startswith(current_app.config["PUBLIC_URL"].rstrip("/") + "/certificates/")
    anonymous = app.test_client()
    page = anonymous.get(urlsplit(url).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "This certificate is genuine" in html
    for shown in (member.name, str(member.number), "<dd>B</dd>", f"<dd>{THIS_YEAR}</dd>"):
        assert shown in html
    for hidden in (member.email, member.street, member.city):
        assert hidden not in html


def test_no_certificate_without_good_standing(client, member_with_shares):
    member = member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1))
    sign_in(client, member.account)
    response = client.get("/me/certificate.pdf")
    assert response.status_code == 409
    assert f"Your membership for {THIS_YEAR} is not renewed yet." in response.get_data(as_text=True)


def test_a_tampered_or_foreign_token_is_refused(client, member_with_shares):
    member = member_in_good_standing(member_with_shares, category=Category.A)
    token = certificates.make_token(member.id, THIS_YEAR, Category.A)
    assert client.get(f"/certificates/{token}").status_code == 200
    member_id, year, category, tag = token.split(".")
    for forged in (f"{member_id}.{THIS_YEAR + 1}.{category}.{tag}", f"{member_id}.{year}.B.{tag}",
                   f"{int(member_id) + 1}.{year}.{category}.{tag}", f"{member_id}.{year}.{category}.{tag[:-2]}AA",
                   "nonsense", "1.2.3", f"{member_id}.{year}.Z.{tag}"):
        response = client.get(f"/certificates/{forged}")
        assert response.status_code == 404, forged
        assert "Unknown certificate" in response.get_data(as_text=True)


def test_tokens_depend_on_the_key(member_with_shares):
    member = member_in_good_standing(member_with_shares)
    token = certificates.make_token(member.id, THIS_YEAR, member.category)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(current_app.config, "CERTIFICATE_KEY", "another key")
        assert certificates.read_token(token) is None
    assert certificates.read_token(token).member.id == member.id


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_arbitrary_tokens_never_crash_and_are_refused(text):
    assert certificates.read_token(text) is None
