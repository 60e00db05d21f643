"""The register lists an applicant's subscription before the payment that paid it.

With admission by decision, the money comes first and the board decides later: the payment is dated the
day it was received, the subscription the day of admission. The register lists the subscription, then its
payments ("received before admission"), each with its own date and amount; the money is paid-up
capital from the admission (tests/shares/test_register_as_of.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app

from app.clock import today
from app.extensions import db
from shares import admission, register
from shares.exports import entries_csv_rows
from shares.models import Category, EntryKind, MemberKind
from shares.register import record_payment
from shares.settings import share_price_cents
from tests.factories import csv_rows, sign_in



@pytest.fixture
def decision_mode():
    current_app.config["ADMISSION_MODE"] = "decision"
    yield
    current_app.config["ADMISSION_MODE"] = "payment"


def _application(shares=2):
    application = admission.apply(email="ines@example.be", kind=MemberKind.NATURAL, category=Category.A,
                                  shares=shares, language="en", first_name="Inès", last_name="Lefèvre",
                                  street="Rue Haute 1", postcode="1000", city="Bruxelles", country="BE")
    db.session.commit()
    return application


def test_a_payment_before_the_decision_follows_the_subscription_it_pays(decision_mode, make_staff, app):
    price = share_price_cents(Category.A)
    application = _application(shares=2)
    request = application.payment_request
    record_payment(request, price, on=today() - timedelta(days=6))  # in two transfers, both before the decision
    record_payment(request, price, on=today() - timedelta(days=4))
    db.session.commit()
    admission.decide(application, admit=True, decision_on=today() - timedelta(days=2), decision_reference="CA-7",
                     actor=make_staff())
    db.session.commit()
    member = application.member
    entries = register.member_entries(member)
    assert [(e.kind, e.effective_on, e.shares, e.amount_cents, e.paid_cents) for e in entries] == [
        (EntryKind.SUBSCRIPTION, today() - timedelta(days=2), 2, 2 * price, 0),
        (EntryKind.PAYMENT, today() - timedelta(days=6), 0, price, price),
        (EntryKind.PAYMENT, today() - timedelta(days=4), 0, price, price)]
    assert register.paid_ahead(entries) == {entries[1].id, entries[2].id}
    # From the admission, the shares and the money received before it (none of it the day before).
    assert register.holding(member, today() - timedelta(days=3)).paid_cents == 0
    on_admission = register.holding(member, today() - timedelta(days=2))
    assert (on_admission.shares, on_admission.capital_cents, on_admission.paid_cents) == (2, 2 * price, 2 * price)
    # The entries CSV lists them in the same order, the payments said as received before admission.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rows = list(entries_csv_rows(today()))
    assert [(row[2], row[3]) for row in rows] == [
        (today() - timedelta(days=2), "Subscription"),
        (today() - timedelta(days=6), "Payment of capital (received before admission)"),
        (today() - timedelta(days=4), "Payment of capital (received before admission)")]


def test_the_pages_and_the_entries_file_list_the_subscription_first(decision_mode, client, login_as, make_staff,
                                                                    app):
    price = share_price_cents(Category.A)
    application = _application(shares=1)
    record_payment(application.payment_request, price, on=today() - timedelta(days=3))
    db.session.commit()
    admission.decide(application, admit=True, decision_on=today() - timedelta(days=1), decision_reference="CA-8",
                     actor=make_staff())
    db.session.commit()
    member = application.member
    mine = app.test_client()
    sign_in(mine, member.account)
    page = mine.get("/me/shares").get_data(as_text=True)
    history = page[page.index("<h2>History</h2>"):]
    assert history.index("Subscription") < history.index("Payment of capital (received before admission)")
    login_as("staff")
    staff_page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    entries = staff_page[staff_page.index('id="entries"'):]
    assert entries.index("Subscription") < entries.index("Payment of capital (received before admission)")
    csv = client.get(f"/staff/register?on={today().isoformat()}&format=entries")
    rows = [row for row in csv_rows(csv.get_data(as_text=True)) if row[0] == str(member.number)]
    assert [row[3] for row in rows] == ["Subscription", "Payment of capital (received before admission)"]
    amount = f"{price // 100},{price % 100:02d}"  # the decimal comma a Belgian spreadsheet reads
    assert [(row[4], row[5], row[6], row[7]) for row in rows] == [("1", amount, "0,00", amount),
                                                                  ("0", "0,00", amount, amount)]


def test_admitted_on_the_day_of_payment_the_subscription_comes_first_without_a_remark():
    price = share_price_cents(Category.A)
    application = _application(shares=1)
    record_payment(application.payment_request, price, on=today())  # admits at once (ADMISSION_MODE "payment")
    db.session.commit()
    entries = register.member_entries(application.member)
    assert [e.kind for e in entries] == [EntryKind.SUBSCRIPTION, EntryKind.PAYMENT]
    assert entries[0].id < entries[1].id  # written before the payment that pays it up: numbered first
    assert register.paid_ahead(entries) == set()


def _words(response) -> str:
    import html
    import re

    return " ".join(html.unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True))).replace("\u00a0", " ")
                    .replace("\u202f", " ").split())


def test_money_received_before_admission_is_said_beside_capital_paid(decision_mode, client, login_as, make_staff,
                                                                     app):
    """Paid, waiting for the board: 0.00 € paid-up capital, and a sentence says why, with the money and its day,
    on staff's member page and on the applicant's own page; admitted, the sentence goes and the capital counts."""
    from app.web import format_day

    price = share_price_cents(Category.A)
    application = _application(shares=2)
    paid_on = today() - timedelta(days=3)
    record_payment(application.payment_request, price, on=today() - timedelta(days=5))
    record_payment(application.payment_request, price, on=paid_on)
    db.session.commit()
    member = application.member
    with app.test_request_context(headers={"Accept-Language": "en"}):
        day = format_day(paid_on)
    login_as("staff")
    staff_page = _words(client.get(f"/staff/members/{member.id}"))
    assert "Capital paid 0.00 €" in staff_page
    assert (f"60.00 € received in 2 payments, the last on {day}: it becomes paid-up capital when the board admits "
            "them.") in staff_page
    mine = app.test_client()
    sign_in(mine, member.account)
    own = _words(mine.get("/me/shares"))
    assert "Capital paid 0.00 €" in own
    assert f"You paid 60.00 € in 2 payments, the last on {day}: it becomes paid-up capital when you are admitted." in own
    admission.decide(application, admit=True, decision_on=today(), decision_reference="CA-9", actor=make_staff())
    db.session.commit()
    admitted = _words(client.get(f"/staff/members/{member.id}"))
    assert "Capital paid 60.00 €" in admitted and "becomes paid-up capital" not in admitted
    assert "becomes paid-up capital" not in _words(mine.get("/me/shares"))


def test_part_of_the_money_received_before_admission_is_said_with_what_is_still_asked(client, login_as, app):
    price = share_price_cents(Category.A)
    application = _application(shares=2)
    record_payment(application.payment_request, price, on=today())  # half: waits for the rest
    db.session.commit()
    member = application.member
    from app.web import format_day

    with app.test_request_context(headers={"Accept-Language": "en"}):
        day = format_day(today())
    login_as("staff")
    staff_page = _words(client.get(f"/staff/members/{member.id}"))
    assert "Capital paid 0.00 €" in staff_page
    assert (f"30.00 € received on {day}, of 60.00 € asked: it becomes paid-up capital once the rest is paid and they "
            "are admitted.") in staff_page
    mine = app.test_client()
    sign_in(mine, member.account)
    own = _words(mine.get("/me/shares"))
    assert (f"You paid 30.00 € on {day}, of 60.00 € asked: it becomes paid-up capital once the rest is paid and you "
            "are admitted.") in own


@pytest.mark.parametrize("paid", [2, 3])  # the price of the shares asked, or more (the rest kept, to decide)
def test_an_admission_on_payment_numbers_the_subscription_before_the_payment_that_pays_it(paid, outbox):
    """Admitted automatically by their payment, an applicant's subscription is written first, then the
    payment: the register's numbers (entry ids) and its order agree, each entry with its own amounts."""
    price = share_price_cents(Category.A)
    application = _application(shares=2)
    record_payment(application.payment_request, paid * price, on=today())
    db.session.commit()
    db.session.refresh(application)
    entries = register.member_entries(application.member)
    assert [(e.kind, e.effective_on, e.shares, e.amount_cents, e.capital_cents, e.paid_cents) for e in entries] == [
        (EntryKind.SUBSCRIPTION, today(), 2, 2 * price, 2 * price, 0),
        (EntryKind.PAYMENT, today(), 0, 2 * price, 0, 2 * price)]
    subscription, payment = entries
    assert subscription.id < payment.id and application.subscription_entry_id == subscription.id
    assert register.paid_ahead(entries) == set()
    holding = register.holding(application.member, today())
    assert (holding.shares, holding.capital_cents, holding.paid_cents) == (2, 2 * price, 2 * price)
    # Welcomed with the certificate once the payment is in: the capital is paid up.
    [welcome] = [m for m in outbox(application.member.email)
                 if m.dedupe_key == f"certificate:{application.payment_request_id}"]
    assert welcome.subject.startswith("Welcome") and welcome.attachments
