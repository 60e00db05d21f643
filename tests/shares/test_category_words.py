"""A member's category is said in words after the word "category" (shares.labels.CATEGORY_WORDS), never as
a bare letter nor as "Category: Category A": My shares, the profile, staff's member page, the certificate (PDF
and its public check page) and the extract, in French, Dutch and English."""
from __future__ import annotations

import re

import pytest

from sqlalchemy import select

from app.extensions import db
from shares.models import Category, CertificateIssue
from tests.factories import pdf_text, sign_in
from tests.shares.test_certificate import member_in_good_standing
from tests.shares.test_register_extract import needs_pdftotext

WORDS = {"en": ("Category", "A (users of the services)", "category A (users of the services)"),
         "fr": ("Catégorie", "A (utilisateurs des services)", "catégorie A (utilisateurs des services)"),
         "nl": ("Categorie", "A (gebruikers van de diensten)", "categorie A (gebruikers van de diensten)")}


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_member_s_pages_say_the_category_once_in_words(client, member_with_shares, language):
    label, words, in_sentence = WORDS[language]
    member = member_in_good_standing(member_with_shares)
    sign_in(client, member.account)
    client.post("/language", data={"language": language})
    shares_page = client.get("/me/shares").get_data(as_text=True)
    assert f"{label}</dt><dd>{words}</dd>" in shares_page
    assert f"{label} {label}" not in _flat(re.sub(r"<[^>]+>", " ", shares_page))
    assert f", {in_sentence}" in _flat(shares_page)  # the history's subscription
    assert f"· {in_sentence} ·" in _flat(client.get("/me").get_data(as_text=True))  # the profile's line


@needs_pdftotext
@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_certificate_and_the_extract_say_the_category_in_words(client, member_with_shares, tmp_path, language):
    label, words, in_sentence = WORDS[language]
    member = member_in_good_standing(member_with_shares)
    sign_in(client, member.account)
    client.post("/language", data={"language": language})
    certificate = _flat(pdf_text(client.get("/me/certificate.pdf").data, tmp_path))
    assert f"{label} {words}" in certificate and f"{label} A " not in certificate.replace(f"{label} {words}", "")
    extract = _flat(pdf_text(client.get("/me/register-extract.pdf").data, tmp_path))
    assert f"{label} {words}" in extract and in_sentence.split(" (")[0] + " (" in extract  # (wrapped in a cell)
    token = db.session.scalar(select(CertificateIssue.token).where(CertificateIssue.member_id == member.id))
    assert f"<dd>{words}</dd>" in client.get(f"/certificates/{token}").get_data(as_text=True)


def test_staff_s_member_page_and_the_public_check_say_the_category_in_words(client, login_as, member_with_shares):
    member = member_in_good_standing(member_with_shares, category=Category.B)
    login_as("staff")
    page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert "Category</dt><dd>B (partners, staff, legal persons)</dd>" in page and "<dd>B</dd>" not in page
    assert "Category B (partners, staff, legal persons)." in _flat(page)  # the subscription entry's details
    found = client.get(f"/staff/members?q={member.number}").get_data(as_text=True)
    assert "B (partners, staff, legal persons)" in found
