"""A member renews from their home page and downloads their certificate, in Chromium, on a phone-sized screen."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from app.extensions import db
from shares import register, renewal
from app.clock import today
from shares.payments import parse_epc
from shares.register import record_payment
from tests.factories import make_member_obj
from tests.e2e.conftest import assert_fits_phone

# Balances the two runs of `make test` (docs/architecture.md, "Tests").
pytestmark = pytest.mark.sqlite_only(reason="the browser's side of the renewal and the certificate, "
                                            "whose writes tests/shares proves on PostgreSQL")

PHONE = {"width": 360, "height": 740}
THIS_YEAR = today().year
needs_zbar = pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                                reason="zbarimg and pdftoppm are needed to read QR codes back")


def member_due_for_renewal(**kw):
    """A member since two years ago, with this year's renewal request sent by the campaign."""
    member = make_member_obj(language="en", **kw)
    _entry, request = register.subscribe(member, 1, on=date(THIS_YEAR - 2, 3, 1))
    record_payment(request, request.amount_cents, on=date(THIS_YEAR - 2, 3, 5))
    db.session.commit()
    renewal.run_campaign(THIS_YEAR)
    return member, renewal.renewal_request_for(member.id, THIS_YEAR)


def zbar(path: Path) -> str:
    """What a phone reads from the image (one code; an EPC payload spans several lines)."""
    out = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", str(path)], capture_output=True, text=True)
    assert out.stdout, f"no QR code found in {path.name}"
    return out.stdout.removesuffix("\n")


def test_axe_scan_is_live(page, live_server, accessible, axe_violations):
    """The scan really runs: a page with an unlabelled field and an image without alt text fails it."""
    page.goto(live_server.path("/auth/login"))
    accessible(page)
    page.evaluate("""() => {
        const img = document.createElement('img'); img.src = '/favicon.ico'; document.querySelector('main').append(img);
        const input = document.createElement('input'); input.type = 'text'; document.querySelector('main').append(input);
    }""")
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= ids
    with pytest.raises(AssertionError, match="image-alt"):
        accessible(page)


@needs_zbar
def test_member_renews_on_a_phone_and_downloads_the_certificate(page, live_server, sign_in, accessible, tmp_path):
    page.set_viewport_size(PHONE)
    member, request = member_due_for_renewal(first_name="Lotte", last_name="Maes")
    sign_in(page, live_server, member.email)
    # Any other page asks for the task badge once shown: on a phone it sits in the folded menu's summary.
    page.goto(live_server.path("/me/shares"))
    badge = page.locator("summary #menu-badge .badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1 thing needs you")
    accessible(page)
    page.goto(live_server.path("/"))

    box = page.locator("#renewal-box")
    expect(box).to_contain_text(f"Renew your membership for {THIS_YEAR}")
    expect(box).to_contain_text(request.formatted_reference)
    qr = box.locator("svg.qr")
    expect(qr).to_be_visible()
    bounds = qr.bounding_box()
    assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= PHONE["width"]
    assert_fits_phone(page)
    accessible(page)
    # What a banking app would read from the screen.
    for attempt in range(3):  # the box's status poll may swap the code (for the same one) during the shot
        try:
            qr.screenshot(path=str(tmp_path / "qr.png"))
            break
        except PlaywrightError:
            if attempt == 2:
                raise
    epc = parse_epc(zbar(tmp_path / "qr.png"))
    assert epc["amount_cents"] == request.amount_cents and epc["remittance_reference"] == request.formatted_reference

    # The bank statement arrives and the payment is matched by the service; the box updates by itself.
    record_payment(request, request.amount_cents, on=today())
    db.session.commit()
    status = page.locator("#renewal-status")
    expect(status).to_have_attribute("data-status", "paid", timeout=15_000)
    expect(status).to_contain_text(f"Your membership for {THIS_YEAR} is renewed")
    expect(box.locator("svg.qr")).to_have_count(0)
    accessible(page)

    with page.expect_download() as download_info:
        box.get_by_role("link", name="Download my membership certificate (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"membership-certificate-{member.number}-{THIS_YEAR}.pdf"
    pdf = tmp_path / "certificate.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "page")], check=True)
    url = zbar(next(tmp_path.glob("page*.png")))
    page.goto(live_server.path(urlsplit(url).path))
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is genuine")
    expect(page.locator("main")).to_contain_text("Lotte Maes")
    expect(page.locator("main")).to_contain_text(str(member.number))
    accessible(page)


def test_reload_without_javascript_shows_the_new_status(browser, live_server, sign_in):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        member, request = member_due_for_renewal()
        # Signing in needs no JavaScript either.
        sign_in(page, live_server, member.email)
        expect(page.locator("#renewal-status")).to_have_attribute("data-status", "open")
        record_payment(request, request.amount_cents, on=today())
        db.session.commit()
        page.reload()
        expect(page.locator("#renewal-status")).to_have_attribute("data-status", "paid")
    finally:
        context.close()


def test_my_shares_pages_on_a_phone(page, live_server, sign_in, accessible):
    page.set_viewport_size(PHONE)
    member, _request = member_due_for_renewal()
    sign_in(page, live_server, member.email)
    page.goto(live_server.path("/me/shares"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My shares")
    expect(page.locator("main")).to_contain_text(f"Your membership for {THIS_YEAR} is not renewed yet.")
    assert_fits_phone(page)
    accessible(page)

    page.get_by_role("link", name="Buy more shares").click()
    accessible(page)
    page.get_by_label("Number of shares").fill("0")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator(".error")).to_contain_text("Enter a whole number from 1 to 100.")
    expect(page.get_by_label("Number of shares")).to_have_value("0")
    accessible(page)
    page.get_by_label("Number of shares").fill("2")
    page.get_by_role("button", name="Subscribe").click()
    expect(page).to_have_url(re.compile(r"/me/payments#request-\d+$"))
    expect(page.locator(".flashes")).to_contain_text("Your subscription is recorded.")
    expect(page.locator("svg.qr")).to_have_count(2)  # the renewal and the new shares
    assert_fits_phone(page)
    accessible(page)

    page.goto(live_server.path("/me/category"))
    accessible(page)
    page.get_by_label("B: partner, permanent staff or legal person").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".flashes")).to_contain_text("Your request is sent.")
    expect(page.locator("main")).to_contain_text("Waiting for staff")

    page.goto(live_server.path("/me/resign"))
    accessible(page)
    page.get_by_label("Bank account to repay your shares to (IBAN)").fill("BE62 5100 0754 7061")
    page.get_by_label("Type your member number to confirm").fill(str(member.number + 1000))
    page.get_by_role("button", name="Send my resignation").click()
    expect(page.locator(".error")).to_contain_text("This is not your member number")
    accessible(page)
