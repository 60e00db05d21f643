"""Membership certificates: the PDF carries a QR code that a phone reads back to the public check page."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from html import unescape
from urllib.parse import urlsplit

import pytest
from flask import current_app
from hypothesis import given, settings
from hypothesis import strategies as st

from app.extensions import db
from shares import certificates, renewal
from app.clock import today
from shares.models import Category
from shares.register import record_payment
from tests.factories import sign_in

THIS_YEAR = today().year
needs_tools = pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
                                 reason="pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed")


def member_in_good_standing(member_with_shares, **kw):
    member = member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1), **kw)
    renewal.run_campaign(THIS_YEAR)
    request = renewal.renewal_request_for(member.id, THIS_YEAR)
    record_payment(request, request.amount_cents, on=today())
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
    for shown in (member.name, str(member.number), "<dd>B (partners, staff, legal persons)</dd>", f"<dd>{THIS_YEAR}</dd>"):
        assert shown in html
    for hidden in (member.email, member.street, member.city):
        assert hidden not in html


def test_no_certificate_without_good_standing(client, member_with_shares):
    member = member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1))
    sign_in(client, member.account)
    response = client.get("/me/certificate.pdf")
    assert response.status_code == 409
    assert f"Your membership for {THIS_YEAR} is not renewed yet." in response.get_data(as_text=True)


def test_staff_give_a_member_their_certificate_from_the_member_s_page(client, app, member_with_shares, make_staff):
    """The same certificate as the member's own download (one per member and year), or why there is none,
    said of the member."""
    from shares.models import CertificateIssue

    member = member_in_good_standing(member_with_shares, language="nl")
    lapsed = member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1), first_name="Lena", last_name="Late")
    sign_in(client, make_staff())
    page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert f'href="/staff/members/{member.id}/certificate.pdf"' in page
    pdf = client.get(f"/staff/members/{member.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):  # the member's document, in the member's language (Dutch), not staff's
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout
        assert "Lidmaatschapsattest" in text.decode()
    own = app.test_client()
    sign_in(own, member.account)
    assert own.get("/me/certificate.pdf").status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(CertificateIssue)) == 1
    # the page of a member with no certificate says why instead of a link that can only be refused
    page = unescape(client.get(f"/staff/members/{lapsed.id}").get_data(as_text=True))
    assert f"/staff/members/{lapsed.id}/certificate.pdf" not in page
    assert f"No membership certificate for {THIS_YEAR}:" in page
    assert f"Their membership for {THIS_YEAR} is not renewed." in page
    refused = client.get(f"/staff/members/{lapsed.id}/certificate.pdf")  # asked all the same: the same words
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Lena Late" in text
    assert f"Their membership for {THIS_YEAR} is not renewed." in text and "Your membership" not in text


def _issued(client, member):
    sign_in(client, member.account)
    response = client.get("/me/certificate.pdf")
    assert response.status_code == 200
    from shares.models import CertificateIssue
    db.session.expire_all()
    return db.session.scalar(db.select(CertificateIssue).where(CertificateIssue.member_id == member.id)
                             .order_by(CertificateIssue.id.desc()).limit(1))


def test_a_tampered_or_foreign_token_is_refused(client, app, member_with_shares):
    member = member_in_good_standing(member_with_shares, category=Category.A)
    token = _issued(client, member).token
    anonymous = app.test_client()
    assert anonymous.get(f"/certificates/{token}").status_code == 200
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token[1:], token + "x", "nonsense",
                   "1.2.3", f"{member.id}.{THIS_YEAR}.A.abcdefgh", "a" * 70):
        response = anonymous.get(f"/certificates/{forged}")
        assert response.status_code == 404, forged
        assert "Unknown certificate" in response.get_data(as_text=True)


def test_the_check_page_shows_what_was_certified_not_the_current_name(client, app, member_with_shares):
    """Issue 10: a member who edits their name afterwards cannot change what an issued certificate says."""
    member = member_in_good_standing(member_with_shares, category=Category.B, first_name="Marie", last_name="Dubois")
    certificate = _issued(client, member)
    member.first_name, member.last_name = "Someone", "Else"
    db.session.commit()
    html = app.test_client().get(f"/certificates/{certificate.token}").get_data(as_text=True)
    assert "Marie Dubois" in html and "Someone Else" not in html
    assert "<dd>1</dd>" in html  # the shares held when issued
    # A new certificate after the change certifies the new name, under a new token.
    again = _issued(client, member)
    from shares.models import CertificateIssue
    issues = db.session.scalars(db.select(CertificateIssue).where(CertificateIssue.member_id == member.id)).all()
    assert len(issues) == 2 and {i.name for i in issues} == {"Marie Dubois", "Someone Else"}
    assert again.token != certificate.token


def test_downloading_twice_reuses_the_same_certificate(client, member_with_shares):
    member = member_in_good_standing(member_with_shares)
    first = _issued(client, member)
    client.get("/me/certificate.pdf")
    from shares.models import CertificateIssue
    assert db.session.scalar(db.select(db.func.count()).select_from(CertificateIssue)) == 1
    assert len(first.token) >= 32


@needs_tools
@pytest.mark.parametrize("language, expected", [
    ("fr", ["Une Voix SC", "Siège", "0403.170.701", "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"]),
    ("nl", ["Une Voix CV", "Maatschappelijke zetel", "0403.170.701", "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"]),
    ("en", ["Une Voix SC", "Registered office", "0403.170.701", "January|February|March|April|May|June|July|August|September|October|November|December"]),
])
def test_certificate_names_the_cooperative_and_dates_in_the_members_language(client, member_with_shares, tmp_path,
                                                                              language, expected):
    import re
    member = member_in_good_standing(member_with_shares, language=language)
    certificate = _issued(client, member)
    pdf = certificates.render_certificate_pdf(certificate, language)
    (tmp_path / "c.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for needle in expected[:3]:
        assert needle in text, (needle, text)
    assert re.search(rf"\b\d{{1,2}} ({expected[3]}) {THIS_YEAR}\b", text), text
    assert "SCRL" not in text and today().isoformat() not in text


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_arbitrary_tokens_never_crash_and_are_refused(text):
    assert certificates.read_token(text) is None


def test_the_certificate_says_how_much_of_the_capital_is_paid_up(client, app, member_with_shares, tmp_path):
    """Shares subscribed and not yet paid are held (the register's figure): the certificate says so
    in euros, and a certificate asked again once they are paid says they are paid up in full."""
    from shares import register

    member = member_in_good_standing(member_with_shares)
    _entry, request = register.subscribe(member, 2, on=today())
    db.session.commit()
    certificate = _issued(client, member)
    assert (certificate.shares, certificate.capital_cents, certificate.paid_cents) == (3, 9000, 3000)
    html = unescape(app.test_client().get(f"/certificates/{certificate.token}").get_data(as_text=True))
    assert "<dt>Shares held</dt><dd>3</dd>" in html
    assert "<dt>Capital subscribed</dt><dd>90.00 €, of which 30.00 € paid up</dd>" in html
    if shutil.which("pdftotext"):
        (tmp_path / "c.pdf").write_bytes(certificates.render_certificate_pdf(certificate, "fr"))
        text = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "90,00 €, dont 30,00 € libérés" in text.replace("\u202f", " ").replace("\xa0", " "), text
    record_payment(request, request.amount_cents, on=today())
    db.session.commit()
    paid = _issued(client, member)
    assert paid.token != certificate.token and paid.paid_cents == 9000
    html = unescape(app.test_client().get(f"/certificates/{paid.token}").get_data(as_text=True))
    assert "<dd>90.00 €, paid up in full</dd>" in html


def test_the_check_page_says_when_the_certified_member_has_left_since(client, app, member_with_shares):
    """What was certified stays as it was; whoever relies on it also reads that the member has left."""
    from shares import register

    member = member_in_good_standing(member_with_shares, first_name="Marie", last_name="Dubois")
    certificate = _issued(client, member)
    visitor = app.test_client()
    before = unescape(visitor.get(f"/certificates/{certificate.token}").get_data(as_text=True))
    assert "This certificate is genuine" in before and "left the cooperative" not in before
    register.resign(member, on=today())
    db.session.commit()
    after = unescape(visitor.get(f"/certificates/{certificate.token}").get_data(as_text=True))
    assert "This certificate is genuine" in after and f"<dt>Valid for</dt><dd>{THIS_YEAR}</dd>" in after
    from app.web import format_day
    with app.test_request_context():
        day = format_day(today(), "long")
    assert f"Marie Dubois left the cooperative on {day}: they are no longer a member." in after
    visitor.post("/language", data={"language": "nl"})
    dutch = unescape(visitor.get(f"/certificates/{certificate.token}").get_data(as_text=True))
    assert "heeft de coöperatie verlaten op" in dutch


def test_a_new_certificate_code_is_plain_letters_and_digits_that_cannot_be_mistaken(client, member_with_shares):
    """No hyphen for the printed address to break at, no 0/O or I/l to misread; an older code still reads."""
    certificate = _issued(client, member_in_good_standing(member_with_shares))
    assert len(certificate.token) == 32 and not set(certificate.token) & set("-_0OIl")
    assert certificates.read_token(certificate.token) == certificate
    older = "IssGWCVFKlR8KqZoge6yBywWUi-yQAz9"  # as token_urlsafe wrote them before
    certificate.token = older
    db.session.commit()
    assert certificates.read_token(older) == certificate
