"""Staff import a camt.053 statement and resolve the queue in Chromium; then follow the renewal campaign
and decide a member's request. Every page is scanned with axe-core."""
from __future__ import annotations

import re
from datetime import date


from playwright.sync_api import expect

from app.extensions import db
from app.models import Role
from shares import register, renewal
from shares.camt_writer import Credit, write_camt053
from app.clock import today
from shares.models import BankTransaction, Category, MatchStatus, MemberRequest, MemberRequestStatus, PaymentStatus
from shares.register import record_payment
from app.config import Config
from tests.factories import make_account, make_member_obj
from tests.e2e.conftest import assert_fits_phone, sign_in_directly, sign_in_with_password_and_code

THIS_YEAR = today().year


def staff_account(email="nadia.staff@example.be"):
    account = make_account(roles=(Role.STAFF,), email=email)
    db.session.commit()
    return account


def staff_signs_in(page, live_server, email="nadia.staff@example.be"):
    """A staff account, signed in (the sign-in pages are driven in the statement's journey)."""
    account = staff_account(email)
    sign_in_directly(page, live_server, account)
    return account


def member_with_renewal(first_name, last_name):
    member = make_member_obj(first_name=first_name, last_name=last_name, language="en")
    _entry, request = register.subscribe(member, 1, on=date(THIS_YEAR - 2, 3, 1))
    record_payment(request, request.amount_cents, on=date(THIS_YEAR - 2, 3, 5))
    db.session.commit()
    return member


def test_staff_import_a_statement_and_resolve_the_queue(page, live_server, accessible, tmp_path):
    payer = member_with_renewal("Els", "Peeters")
    caller = member_with_renewal("Hugo", "Renard")
    halfway = member_with_renewal("Inès", "Benali")
    renewal.run_campaign(THIS_YEAR)
    requests = {m.id: renewal.renewal_request_for(m.id, THIS_YEAR) for m in (payer, caller, halfway)}
    day = today()
    statement = write_camt053(Config.COOP_IBAN, f"E2E-{day:%Y%m%d}", 100_000, [
        Credit(3000, day, "Els Peeters", None, requests[payer.id].reference),
        Credit(3000, day, "H. R. family account", None, text="membership Hugo"),  # nobody can tell whose
        Credit(1500, day, "Inès Benali", None, requests[halfway.id].reference),  # half of what is due
    ])
    (tmp_path / "statement.xml").write_bytes(statement)
    (tmp_path / "not-a-statement.xml").write_text("<hello>bank</hello>")

    sign_in_with_password_and_code(page, live_server, staff_account())
    page.goto(live_server.path("/staff/payments/import"))
    accessible(page)

    # A file that is not camt.053: a clear error, nothing imported.
    page.get_by_label("camt.053 statement file (XML)").set_input_files(str(tmp_path / "not-a-statement.xml"))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".error")).to_contain_text("This is not a camt.053 bank statement.")
    accessible(page)

    page.get_by_label("camt.053 statement file (XML)").set_input_files(str(tmp_path / "statement.xml"))
    page.get_by_role("button", name="Import").click()
    result = page.locator("section.result")
    expect(result).to_contain_text("1 payment paid its request automatically.")
    expect(result).to_contain_text("2 payments wait in the queue for staff:")
    expect(result.locator("li li", has_text="Partial payments")).to_have_text("Partial payments: 1")
    expect(result.locator("li li", has_text="No communication")).to_have_text("No communication: 1")
    accessible(page)

    # The same file again changes nothing, and says so.
    page.get_by_label("camt.053 statement file (XML)").set_input_files(str(tmp_path / "statement.xml"))
    page.get_by_role("button", name="Import").click()
    expect(result).to_contain_text("already imported")

    page.get_by_role("link", name=re.compile("wait in the queue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments to resolve")
    accessible(page)
    rows = page.locator("li.queue-row")
    expect(rows).to_have_count(2)

    unknown = rows.filter(has_text="H. R. family account")
    unknown.get_by_text("Another request, or set aside").click()  # a short card in the list: the form folded
    unknown.get_by_label("Reason").fill("Hugo phoned: his family paid")
    unknown.get_by_label("Structured communication of the request").fill(requests[caller.id].formatted_reference)
    unknown.get_by_role("button", name="Resolve").click()
    expect(page.locator("li.queue-row").filter(has_text="H. R. family account")).to_contain_text(
        "Hugo phoned: his family paid")

    partial = page.locator("li.queue-row").filter(has_text="Inès Benali")
    partial.get_by_text("Another request, or set aside").click()
    partial.get_by_label("Reason").fill("Half now, half next month")
    partial.get_by_role("button", name="Resolve").click()
    expect(page.locator("li.queue-row").filter(has_text="Inès Benali")).to_contain_text("Half now, half next month")

    db.session.rollback()
    statuses = {m.id: db.session.get(type(requests[m.id]), requests[m.id].id).status
                for m in (payer, caller, halfway)}
    assert statuses == {payer.id: PaymentStatus.PAID, caller.id: PaymentStatus.PAID,
                        halfway.id: PaymentStatus.PARTIALLY_PAID}
    assert not db.session.scalar(db.select(db.func.count()).select_from(BankTransaction).where(
        BankTransaction.match_status.in_((MatchStatus.UNKNOWN, MatchStatus.PARTIAL)),
        BankTransaction.resolved_at.is_(None)))

    page.reload()
    expect(page.locator("li.queue-row")).to_have_count(0)

    # The campaign page counts what the statement paid.
    page.goto(live_server.path(f"/staff/renewal?year={THIS_YEAR}"))
    expect(page.locator('[data-count="sent"]')).to_have_text("3")
    expect(page.locator('[data-count="paid"]')).to_contain_text("2")
    expect(page.locator('[data-count="partially_paid"]')).to_have_text("1")
    expect(page.locator("svg.chart-wide")).to_be_visible()
    accessible(page)


def test_staff_decide_a_request_and_read_the_dashboard(page, live_server, accessible):
    member = member_with_renewal("Koen", "Claes")
    db.session.add(MemberRequest(member_id=member.id, kind="change_category", details={"category": "B"}))
    db.session.commit()
    staff_signs_in(page, live_server)
    page.goto(live_server.path("/staff/requests"))
    accessible(page)
    card = page.locator("section.card").filter(has_text="Koen Claes")
    expect(card).to_contain_text("From category A (users of the services) to category B (partners, staff, legal persons).")
    card.locator("details summary", has_text="Approve").click()  # a confirmation: the member is told
    card.get_by_label("Note in the register (optional)").fill("board decision 2025-11")
    card.get_by_role("button", name="Yes, approve the request").click()
    expect(page.locator(".flashes")).to_contain_text("Request approved")
    expect(page.locator("main")).to_contain_text("No request is waiting.")
    db.session.rollback()
    assert db.session.scalar(db.select(MemberRequest.status)) is MemberRequestStatus.APPROVED
    assert register.holding(member).category is Category.B

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.path("/staff/dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("svg.chart-narrow")).to_have_count(2)  # no campaign this year yet: no progress chart
    expect(page.locator("svg.chart-wide").first).to_be_hidden()  # the phone has its own drawing
    for chart in page.locator("svg.chart-narrow").all():
        expect(chart).to_be_visible()
    expect(page.get_by_role("img", name="Members per category")).to_be_visible()
    # The phone's drawing keeps its text readable: 14 px in a 340-unit view box drawn about 330 px wide.
    box = page.locator("svg.chart-narrow").first.bounding_box()
    assert box["width"] / 340 * 14 >= 12, box
    # The staff header stays under 80 px: the links fold into a "Menu" disclosure.
    assert page.locator("header.site").bounding_box()["height"] < 80
    page.locator("header.site summary").click()
    expect(page.get_by_role("link", name="Register")).to_be_visible()
    page.locator("header.site summary").click()
    page.get_by_text("Members per category: the figures").click()
    expect(page.get_by_role("region", name="Members per category")).to_be_visible()
    assert_fits_phone(page)
    accessible(page)


def _queue_with_an_unknown_payment(tmp_path):
    member = member_with_renewal("Hugo", "Renard")
    renewal.run_campaign(THIS_YEAR)
    day = today()
    statement = write_camt053(Config.COOP_IBAN, f"E2E-W-{day:%Y%m%d}", 100_000,
                              [Credit(3000, day, "H. R. family account", None, text="membership Hugo")])
    from shares.bank import import_statement

    import_statement(statement, filename="w.xml")
    db.session.commit()
    return renewal.renewal_request_for(member.id, THIS_YEAR)


def _type_a_wrong_reference(page, live_server):
    page.goto(live_server.path("/staff/payments/queue"))
    row = page.locator("li.queue-row").filter(has_text="H. R. family account")
    row.get_by_text("Another request, or set aside").click()
    row.get_by_label("Structured communication of the request").fill("+++123/4567/89000+++")  # check digits 02
    row.get_by_label("Reason").fill("Hugo phoned: his family paid")
    row.get_by_role("button", name="Resolve").click()
    row = page.locator("li.queue-row").filter(has_text="H. R. family account")
    expect(row.locator(".error")).to_be_visible()
    expect(row.get_by_label("Reason")).to_have_value("Hugo phoned: his family paid")
    db.session.rollback()
    assert db.session.scalar(db.select(BankTransaction.resolved_at)) is None


def test_a_wrong_reference_typed_by_staff_is_refused_without_javascript(browser, live_server, tmp_path):
    _queue_with_an_unknown_payment(tmp_path)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in_with_password_and_code(page, live_server, staff_account())  # the pages work without JavaScript
        _type_a_wrong_reference(page, live_server)  # (no axe scan: it needs JavaScript in the page)
    finally:
        context.close()


def test_a_wrong_reference_typed_by_staff_is_refused_with_htmx(page, live_server, tmp_path):
    _queue_with_an_unknown_payment(tmp_path)
    staff_signs_in(page, live_server)
    page.set_default_timeout(3_000)
    _type_a_wrong_reference(page, live_server)
