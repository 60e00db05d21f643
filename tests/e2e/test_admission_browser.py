"""Becoming a member, in Chromium on a 360-px phone: the public form, the payment it asks for (EPC QR,
on My payments once signed in), admission when the payment arrives, the welcome mail with the
certificate, the first certificate downloaded from the member's own page, and applying again after a
refusal. Every page is scanned with axe-core."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from shares.models import ApplicationStatus, MembershipApplication
from shares.payments import parse_epc
from shares.register import record_payment as apply_payment
from tests.e2e.conftest import assert_fits_phone

PHONE = {"width": 360, "height": 740}
needs_zbar = pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                                reason="zbarimg and pdftoppm are needed to read QR codes back")


@needs_zbar
def test_from_the_public_form_to_the_first_certificate(page, live_server, accessible, sign_in, tmp_path):
    page.set_viewport_size(PHONE)
    page.goto(live_server.path("/"))
    assert page.locator("header.site").bounding_box()["height"] < 80
    page.locator("header.site summary").click()  # the menu folds on a phone
    page.locator("main").get_by_role("link", name="Become a member").click()  # the home page's button
    expect(page.get_by_role("heading", level=1)).to_have_text("Become a member")
    accessible(page)
    assert_fits_phone(page)

    # A first try with a wrong national number is refused with the reason, and keeps what was typed.
    page.get_by_label("A person").check()
    page.get_by_label("First name").fill("Emma")
    page.get_by_label("Last name").fill("Wouters")
    page.get_by_label("Belgian national number (optional)").fill("85.07.30-033.29")
    page.get_by_label("E-mail address").fill("emma.wouters@example.be")
    page.get_by_label("Street and number").fill("Rue Haute 12")
    page.get_by_label("Postcode").fill("1000")
    page.get_by_label("City").fill("Bruxelles")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label(re.compile("^A: I will use")).check()
    page.get_by_label("Number of shares").fill("2")
    page.get_by_label(re.compile("I have read the statutes")).check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.locator(".error").first).to_contain_text("not a valid Belgian national number")
    expect(page.get_by_label("Last name")).to_have_value("Wouters")
    accessible(page)

    page.get_by_label("Belgian national number (optional)").fill("85.07.30-033.28")
    page.get_by_label(re.compile("I have read the statutes")).check()
    page.get_by_role("button", name="Send my application").click()
    # The page says only "check your e-mail" (the same whoever the address is); what to pay is in the mail
    # and, with its QR code, on My payments once signed in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.locator("main")).to_contain_text("emma.wouters@example.be")
    accessible(page)
    assert_fits_phone(page)
    application = db.session.scalar(db.select(MembershipApplication))
    request = application.payment_request
    sign_in(page, live_server, "emma.wouters@example.be")
    page.goto(live_server.path("/me/payments"))
    expect(page.locator("main")).to_contain_text(request.formatted_reference)
    qr = page.locator("svg.qr")
    expect(qr).to_be_visible()
    qr.screenshot(path=str(tmp_path / "qr.png"))
    out = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", str(tmp_path / "qr.png")], capture_output=True,
                         text=True)
    epc = parse_epc(out.stdout.removesuffix("\n"))
    assert epc["amount_cents"] == 6000 and epc["remittance_reference"] == request.formatted_reference
    accessible(page)
    assert_fits_phone(page)

    # The bank statement pays the request: the applicant is admitted at once (ADMISSION_MODE "payment").
    apply_payment(request, 6000, on=today())
    db.session.commit()
    db.session.refresh(application)
    assert application.status is ApplicationStatus.ADMITTED

    page.locator("header.site summary").click()
    page.locator("header.site").get_by_role("link", name="My shares", exact=True).click()
    expect(page.locator("main")).to_contain_text("In good standing")
    accessible(page)
    assert_fits_phone(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my membership certificate (PDF)").click()
    download = download_info.value
    pdf = tmp_path / "certificate.pdf"
    download.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Emma Wouters" in text and "Une Voix SC" in text and "SCRL" not in text
    assert re.search(rf"\b\d{{1,2}} [A-Z][a-z]+ {today().year}\b", text)  # "27 November 2026"
    # The extract of the register is there too, for any member.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my extract of the share register (PDF)").click()
    download_info.value.save_as(tmp_path / "extract.pdf")
    text = subprocess.run(["pdftotext", str(tmp_path / "extract.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Extract of the share register" in text and "Emma Wouters" in text and "60.00 €" in text


def test_an_applicant_reads_the_statutes_from_the_foot_of_the_page_on_a_phone(page, live_server, accessible):
    from datetime import date

    from shares import documents
    from shares.models import DocumentKind
    from shares.pdf import render_pdf

    statutes = render_pdf("<h1>Statuts</h1><p>Article 5. Chaque part vaut 30 euros.</p>")
    documents.add_version(DocumentKind.STATUTES, "fr", date(2023, 6, 20), "statuts.pdf", statutes)
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(live_server.path("/join"))
    link = page.get_by_role("link", name="Statutes (PDF, in French)")
    expect(link).to_be_visible()  # beside the consent box, saying the language it is in
    page.get_by_role("link", name="Statutes and documents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The cooperative's documents")
    expect(page.locator("main")).to_contain_text("Not available in your language: this is the version in French.")
    accessible(page)
    assert_fits_phone(page)
    href = page.get_by_role("link", name="Statutes (PDF)").get_attribute("href")
    response = page.request.get(live_server.path(href))
    assert response.headers["content-type"] == "application/pdf" and response.body() == statutes


def test_a_company_sees_its_own_fields_and_category_b_on_a_phone(page, live_server, accessible):
    page.set_viewport_size(PHONE)
    page.goto(live_server.path("/join"))
    expect(page.get_by_label("First name")).to_be_visible()
    page.get_by_label("A company or association").check()
    expect(page.get_by_label("First name")).to_be_hidden()
    expect(page.get_by_label("Name of the company or association")).to_be_visible()
    expect(page.get_by_label(re.compile("^B: "))).to_be_checked()
    expect(page.get_by_label(re.compile("^A: "))).to_be_disabled()
    accessible(page)
    assert_fits_phone(page)
    page.get_by_label("A person").check()
    expect(page.get_by_label("First name")).to_be_visible()
    expect(page.get_by_label(re.compile("^A: "))).to_be_enabled()
    # The company's B is not left picked for the person: the A the page had for them comes back.
    expect(page.get_by_label(re.compile("^B: "))).not_to_be_checked()
    expect(page.get_by_label(re.compile("^A: "))).to_be_checked()


def test_a_person_who_tries_company_and_back_gets_their_own_category_again(page, live_server):
    page.goto(live_server.path("/join"))
    page.get_by_label("A person").check()
    page.get_by_label(re.compile("^A: I will use")).check()
    page.get_by_label("A company or association").check()
    expect(page.get_by_label(re.compile("^B: "))).to_be_checked()
    page.get_by_label("A person").check()
    expect(page.get_by_label(re.compile("^A: "))).to_be_checked()
    expect(page.get_by_label(re.compile("^B: "))).not_to_be_checked()
    # A person may choose B themselves (staff, partners): kept through a company and back, and sent as such.
    page.get_by_label(re.compile("^B: ")).check()
    page.get_by_label("A company or association").check()
    page.get_by_label("A person").check()
    expect(page.get_by_label(re.compile("^B: "))).to_be_checked()
    page.get_by_label("First name").fill("Emma")
    page.get_by_label("Last name").fill("Wouters")
    page.get_by_label("E-mail address").fill("emma.b@example.be")
    page.get_by_label("Street and number").fill("Rue Haute 12")
    page.get_by_label("Postcode").fill("1000")
    page.get_by_label("City").fill("Bruxelles")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("Number of shares").fill("1")
    page.get_by_label(re.compile("I have read the statutes")).check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    application = db.session.scalar(db.select(MembershipApplication))
    assert application.member.category.value == "B" and application.member.first_name == "Emma"


def test_a_refused_applicant_applies_again_from_my_shares_on_a_phone(page, live_server, accessible, sign_in):
    from shares import admission
    from shares.models import Category, MemberKind
    from tests.factories import make_account

    application = admission.apply(email="lucas.peeters@example.be", kind=MemberKind.NATURAL, category=Category.A,
                                  shares=1, language="en", first_name="Lucas", last_name="Peeters",
                                  street="Kerkstraat 3", postcode="2000", city="Antwerpen", country="BE")
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-9",
                     actor=make_account())
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "lucas.peeters@example.be")
    page.goto(live_server.path("/me/shares"))
    page.get_by_role("link", name="Apply again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply again")
    accessible(page)
    assert_fits_phone(page)
    page.get_by_label("Number of shares").fill("3")
    page.get_by_role("button", name="Send my application").click()
    expect(page.locator(".error").first).to_contain_text("You must agree")  # said beside the box, kept as typed
    expect(page.get_by_label("Number of shares")).to_have_value("3")
    page.get_by_label(re.compile("I have read the statutes")).check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My payment requests")
    expect(page.locator(".flash").first).to_contain_text("Your new application is recorded")
    expect(page.locator("svg.qr").first).to_be_visible()
    accessible(page)
    assert_fits_phone(page)
    applications = list(db.session.scalars(db.select(MembershipApplication).order_by(MembershipApplication.id)))
    assert [(a.status, a.shares) for a in applications] == [(ApplicationStatus.REFUSED, 1),
                                                            (ApplicationStatus.AWAITING_PAYMENT, 3)]
