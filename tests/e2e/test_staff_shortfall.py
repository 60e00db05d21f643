"""On a phone, staff decide a payment short of what was asked (fewer shares, confirmed in place), refuse a
paid application (its money lands on the refund list), and find a stalled register file with a way to make
it again. axe-core on every state; no page scrolls sideways. ``SHOTS_DIR`` set: screenshots kept there."""
from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pytest
from flask import current_app
from playwright.sync_api import expect

from app.clock import today, utcnow
from app.config import Config
from app.extensions import db
from shares import admission, register
from shares.bank import import_statement
from shares.camt_writer import Credit, write_camt053
from shares.models import Category, ExportStatus, MemberKind, RegisterExport
from tests.e2e.conftest import assert_fits_phone
from tests.e2e.test_staff_statement import staff_signs_in
from tests.factories import make_member_obj


def _shot(page, name: str) -> None:
    if os.environ.get("SHOTS_DIR"):
        page.screenshot(path=os.path.join(os.environ["SHOTS_DIR"], f"{name}.png"), full_page=True)


@pytest.fixture
def decision_mode(live_server):
    """Admission by decision (in the test's app, which imports the statement, and in the served one)."""
    apps = (current_app._get_current_object(), live_server.app)
    for one in apps:
        one.config["ADMISSION_MODE"] = "decision"
    yield
    for one in apps:
        one.config["ADMISSION_MODE"] = "payment"


def test_staff_decide_a_short_payment_and_refund_a_refused_application_on_a_phone(page, live_server, accessible,
                                                                                   decision_mode):
    sam = make_member_obj(first_name="Sam", last_name="Short", language="en")
    _, short = register.subscribe(sam, 3, on=date(2024, 1, 1))
    rita = admission.apply(email="rita.refused@example.be", kind=MemberKind.NATURAL, category=Category.A, shares=1,
                           language="en", first_name="Rita", last_name="Refused", street="Rue Haute 1",
                           postcode="1000", city="Bruxelles", country="BE")
    db.session.commit()
    day = today()
    import_statement(write_camt053(Config.COOP_IBAN, f"E2E-S-{day:%Y%m%d}", 100_000, [
        Credit(7550, day, "Sam Short", "BE62510007547061", short.reference),
        Credit(3000, day, "Rita Refused", "NL91ABNA0417164300", rita.payment_request.reference)]), filename="s.xml")
    db.session.commit()
    page.set_viewport_size({"width": 360, "height": 740})
    staff_signs_in(page, live_server, email="sara.staff@example.be")

    page.goto(live_server.path("/staff/payments/queue"))
    sam_row = page.locator("li.queue-row").filter(has_text="Sam Short")
    expect(sam_row).to_contain_text("Partial payment")
    sam_row.get_by_role("link", name=re.compile("Show the likely requests")).click()
    page.locator("li.queue-row").filter(has_text="Sam Short").get_by_role(
        "button", name=re.compile("Pay this request with")).click()
    card = page.locator(".surplus").filter(has_text="short of what was asked")
    expect(card).to_contain_text("paid 75.50 €, short of what was asked")
    expect(card).to_contain_text("90.00 €")
    expect(page.locator("#queue-counts")).to_contain_text("1 partial payment to decide.")
    accessible(page)
    assert_fits_phone(page)
    card.get_by_text("Buy fewer shares with what was paid").click()
    expect(card).to_contain_text("2 shares instead of 3")
    expect(card).to_contain_text("15.50 € paid beyond those shares is kept")
    _shot(page, "queue-short-payment")
    card.get_by_role("button", name="Confirm: 2 shares instead of 3").click()
    expect(page.locator(".surplus").filter(has_text="Sam Short").first).to_contain_text(
        "The request is now for 2 shares, paid. 15.50 € left over is kept.")
    accessible(page)

    # The paid application, refused from Applications: its money goes on the refund list.
    page.goto(live_server.path("/staff/applications"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Membership applications")
    _shot(page, "applications")
    section = page.locator("section.card").filter(has_text="Rita Refused")
    section.get_by_text("Decide").click()
    expect(section).to_contain_text("puts the 30.00 € received on the refund list")
    section.get_by_label(re.compile("Reference of the decision")).fill("CA-12")
    section.get_by_role("button", name="Refuse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please confirm")  # refusing cannot be undone
    expect(page.locator(".confirm-box")).to_contain_text("puts the 30.00 € received on the refund list")
    accessible(page)
    page.get_by_role("button", name="Yes, refuse").click()
    expect(page.locator(".flashes")).to_contain_text("30.00 € received is on the refund list")
    page.goto(live_server.path("/staff/payments/refunds"))
    refund = page.locator("li.card").filter(has_text="Rita Refused")
    expect(refund).to_contain_text("Membership application refused")
    expect(refund).to_contain_text("NL91 ABNA 0417 1643 00")
    accessible(page)
    assert_fits_phone(page)
    _shot(page, "refunds")


def test_a_stalled_register_file_says_so_and_can_be_made_again(page, live_server, accessible):
    export = RegisterExport(as_of=date(2024, 6, 1), format="pdf", language="en", status=ExportStatus.RUNNING,
                            total_rows=3000, done_rows=1500, started_at=utcnow() - timedelta(hours=1),
                            heartbeat_at=utcnow() - timedelta(minutes=50))
    db.session.add(export)
    db.session.commit()
    page.set_viewport_size({"width": 360, "height": 740})
    staff_signs_in(page, live_server, email="sven.staff@example.be")
    page.goto(live_server.path(f"/staff/register/exports/{export.id}"))
    expect(page.locator("#export-status")).to_contain_text("The file was not finished")
    accessible(page)
    assert_fits_phone(page)
    _shot(page, "export-stalled")
    page.get_by_role("button", name="Make the file again").click()
    expect(page.locator("#export-status")).to_contain_text(re.compile("The file is ready|Making the file"))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(RegisterExport)) == 2
