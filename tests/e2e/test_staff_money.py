"""On a phone, staff resolve an overpayment (the difference kept, then refunded) and a payment that only a
member's profile suggests (a reason asked), in place; the counts follow. axe-core on every state."""
from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from app.clock import today
from app.config import Config
from app.extensions import db
from shares import register
from shares.bank import import_statement
from shares.camt_writer import Credit, write_camt053
from shares.models import BankTransaction, PaymentStatus, Surplus, SurplusDecision
from tests.e2e.test_staff_statement import staff_signs_in
from tests.factories import make_member_obj
from tests.e2e.conftest import assert_fits_phone


def _statement():
    olga = make_member_obj(first_name="Olga", last_name="Overpayer", language="en")
    paul = make_member_obj(first_name="Paul", last_name="Payeur", language="en", iban="BE62510007547061")
    _, overpaid = register.subscribe(olga, 1, on=date(2024, 1, 1))
    _, unnamed = register.subscribe(paul, 1, on=date(2024, 1, 1))
    db.session.commit()
    day = today()
    import_statement(write_camt053(Config.COOP_IBAN, f"E2E-M-{day:%Y%m%d}", 100_000, [
        Credit(6000, day, "Olga Overpayer", "NL91ABNA0417164300", overpaid.reference),
        Credit(3000, day, "Paul Payeur", "BE62510007547061", text="cotisation Paul")]), filename="m.xml")
    db.session.commit()
    return overpaid, unnamed


def test_staff_resolve_an_overpayment_and_a_suggested_match_on_a_phone(page, live_server, accessible):
    overpaid, unnamed = _statement()
    page.set_viewport_size({"width": 360, "height": 740})
    staff_signs_in(page, live_server)
    page.goto(live_server.path("/staff/payments/queue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments to resolve")
    counts = page.locator("#queue-counts")
    expect(counts).to_contain_text("2 payments wait.")
    accessible(page)

    # The overpayment: opened in place, its request suggested by its own communication, paid without a reason.
    olga = page.locator("li.queue-row").filter(has_text="Olga Overpayer")
    expect(olga).to_contain_text("Overpayment: more than the request asks")
    olga.get_by_role("link", name=re.compile("Show the likely requests")).click()
    olga = page.locator("li.queue-row").filter(has_text="Olga Overpayer")
    expect(olga).to_contain_text("its communication names this request")
    expect(olga.get_by_label("Reason for paying this request")).to_have_count(0)
    accessible(page)
    olga.get_by_role("button", name=re.compile("Pay this request with")).click()
    olga = page.locator("li.queue-row").filter(has_text="Olga Overpayer")
    expect(olga).to_contain_text("30.00 € kept for Olga Overpayer")
    expect(counts).to_contain_text("1 payment waits.")
    expect(counts).to_contain_text("1 overpayment to decide.")
    accessible(page)

    # Staff decide: pay the difference back to the account it came from (confirmed in a <details> form).
    olga.get_by_text("Pay it back").click()
    expect(olga.get_by_label("Pay back to (IBAN)")).to_have_value("NL91ABNA0417164300")
    olga.get_by_role("button", name="Confirm the refund of 30.00 €").click()
    expect(olga.locator(".surplus")).to_contain_text("on the refund list")
    expect(counts).to_contain_text("1 refund to make.")

    # The payment a profile only suggests: a reason is asked, because staff deviate from what the payer wrote.
    paul = page.locator("li.queue-row").filter(has_text="Paul Payeur")
    expect(paul).to_contain_text("No structured communication")
    paul.get_by_role("link", name=re.compile("Show the likely requests")).click()
    paul = page.locator("li.queue-row").filter(has_text="Paul Payeur")
    expect(paul).to_contain_text("the payer's account is in this member's profile")
    accessible(page)
    paul.get_by_label("Reason for paying this request").fill("Paul confirmed by phone")
    paul.get_by_role("button", name=re.compile("Pay this request with")).click()
    expect(page.locator("li.queue-row").filter(has_text="Paul Payeur")).to_contain_text("Paul confirmed by phone")
    expect(counts).to_contain_text("0 payments wait.")
    assert_fits_phone(page)
    accessible(page)

    # The refund list, reached by clicking, exportable.
    page.get_by_role("link", name=re.compile("1 refund to make")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refunds to make")
    expect(page.locator("main")).to_contain_text("NL91 ABNA 0417 1643 00")
    expect(page.get_by_role("link", name="Download the list (CSV)")).to_be_visible()
    accessible(page)

    db.session.rollback()
    assert db.session.get(type(overpaid), overpaid.id).status is PaymentStatus.PAID
    assert db.session.get(type(unnamed), unnamed.id).status is PaymentStatus.PAID
    kept = db.session.scalar(db.select(Surplus))
    assert (kept.amount_cents, kept.decision, kept.refund_iban) == (3000, SurplusDecision.REFUND, "NL91ABNA0417164300")
    assert not db.session.scalar(db.select(db.func.count()).select_from(BankTransaction)
                                 .where(BankTransaction.resolved_at.is_(None)))
