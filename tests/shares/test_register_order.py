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
    assert entries[0].id > entries[1].id  # written after the payment that admitted them
    assert register.paid_ahead(entries) == set()
