"""The register as of a date counts an applicant's money only from their admission.

The money comes before the admission (the board decides after the transfer), but shares exist only
from the admission, and so does the capital paid on them. On a date between the payment and the
admission, the register shows the person as *admission pending*, with no shares and no money, and
every consumer says the same: the page, its CSV, the entries CSV, the PDF, the totals and good standing."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask import current_app

from app.clock import today
from app.extensions import db
from app.web import euros
from shares import admission, exports, register, standing
from shares.labels import register_status
from shares.models import Category, MemberKind
from shares.register import record_payment
from shares.settings import share_price_cents
from tests.factories import csv_rows

PAID_ON = today() - timedelta(days=20)
ADMITTED_ON = today() - timedelta(days=10)
REDEEMED_ON = today() - timedelta(days=5)


@pytest.fixture
def decision_mode():
    current_app.config["ADMISSION_MODE"] = "decision"
    yield
    current_app.config["ADMISSION_MODE"] = "payment"


def _paid_application(shares: int = 2):
    application = admission.apply(email="ines@example.be", kind=MemberKind.NATURAL, category=Category.A,
                                  shares=shares, language="en", first_name="Inès", last_name="Lefèvre",
                                  street="Rue Haute 1", postcode="1000", city="Bruxelles", country="BE")
    record_payment(application.payment_request, application.payment_request.amount_cents, on=PAID_ON)
    db.session.commit()
    return application


def _cents(text: str) -> int:
    return int(text.replace(",", ""))  # "60,00" -> 6000


def _pdf_rows(app, monkeypatch, day) -> tuple[list[list[str]], list[str]]:
    """The PDF register's rows (cells) and its totals' lines, as drawn."""
    drawn, lines = [], []
    make = exports._pdf_class

    def recording():
        base = make()

        class Recording(base):
            def draw_row(self, cells, heading=False):
                if not heading:
                    drawn.append(cells)
                return super().draw_row(cells, heading)

            def cell(self, *args, **kwargs):
                text = kwargs.get("text", args[2] if len(args) > 2 else "")
                lines.append(str(text))
                return super().cell(*args, **kwargs)
        return Recording

    monkeypatch.setattr(exports, "_pdf_class", recording)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        exports.write_register_pdf(day, io.BytesIO())
    monkeypatch.setattr(exports, "_pdf_class", make)
    return drawn, lines


def _register_on(client, app, monkeypatch, member, day) -> dict:
    """What each consumer of the register says of ``member`` on ``day``: None where it does not list them."""
    register.forget_figures()
    header, *rows = csv_rows(client.get(f"/staff/register?on={day.isoformat()}&format=csv").get_data(as_text=True))
    mine = [dict(zip(header, row)) for row in rows if row[0] == str(member.number)]
    _, *entries = csv_rows(client.get(f"/staff/register?on={day.isoformat()}&format=entries").get_data(as_text=True))
    totals = register.totals(day)
    pdf_rows, pdf_lines = _pdf_rows(app, monkeypatch, day)
    [pdf] = [row for row in pdf_rows if row[0] == str(member.number)] or [None]
    facts = standing.register_facts(day, [member.id])[member.id]
    page = client.get(f"/staff/register?on={day.isoformat()}").get_data(as_text=True)
    return {"csv": mine[0] if mine else None, "entries": [r for r in entries if r[0] == str(member.number)],
            "entries_paid": sum(_cents(r[6]) for r in entries), "entries_shares": sum(int(r[4]) for r in entries),
            "totals": (sum(t.members for t in totals.values()), sum(t.shares for t in totals.values()),
                       sum(t.capital_cents for t in totals.values()), sum(t.paid_cents for t in totals.values())),
            "pdf": pdf, "pdf_lines": pdf_lines, "facts": facts, "page": page}


def test_an_applicant_s_money_counts_from_the_admission_on_every_date(decision_mode, client, login_as, make_staff,
                                                                      app, monkeypatch):
    price = share_price_cents(Category.A)
    application = _paid_application(shares=2)
    admission.decide(application, admit=True, decision_on=ADMITTED_ON, decision_reference="CA-7", actor=make_staff())
    db.session.commit()
    member = application.member
    register.redeem(member, 1, on=REDEEMED_ON, actor=make_staff())
    db.session.commit()
    login_as("staff")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        zero, pending, active = euros(0), str(register_status("applicant")), str(register_status("active"))
        paid_two, paid_one = euros(2 * price), euros(price)

    # Before the payment: not in the register at all.
    before = _register_on(client, app, monkeypatch, member, PAID_ON - timedelta(days=1))
    assert before["csv"] is None and before["pdf"] is None and before["entries"] == []
    assert before["totals"] == (0, 0, 0, 0) and before["facts"].paid_cents == 0

    # Between the payment and the admission (the day of the payment and the day before the admission):
    # admission pending, no shares, no capital, no money paid up, anywhere.
    for day in (PAID_ON, ADMITTED_ON - timedelta(days=1)):
        between = _register_on(client, app, monkeypatch, member, day)
        row = between["csv"]
        assert (row["Status"], row["Shares"], row["Capital subscribed (EUR)"], row["Capital paid (EUR)"]) == (
            "admission pending", "0", "0,00", "0,00")
        assert between["totals"] == (0, 0, 0, 0)
        assert between["pdf"][4:7] == ["0", zero, zero] and between["pdf"][-1] == pending
        assert all(paid_two not in line for line in between["pdf_lines"])
        # The entries file lists the money received, and counts no paid-up capital: its sums are the totals.
        assert [(r[3], r[6], r[7]) for r in between["entries"]] == [
            ("Payment of capital (received before admission)", "0,00", "60,00")]
        assert (between["entries_shares"], between["entries_paid"]) == (0, 0)
        assert (between["facts"].shares, between["facts"].paid_cents) == (0, 0)
        assert not standing.is_current_member(between["facts"])
        assert pending in between["page"] and f">{paid_two}<" not in between["page"]
        assert between["page"].count(f">{zero}<") >= 2

    # From the admission: two shares, paid up (the money received before it becomes capital that day).
    admitted = _register_on(client, app, monkeypatch, member, ADMITTED_ON)
    row = admitted["csv"]
    assert (row["Status"], row["Shares"], row["Capital subscribed (EUR)"], row["Capital paid (EUR)"]) == (
        "member", "2", "60,00", "60,00")
    assert admitted["totals"] == (1, 2, 2 * price, 2 * price)
    assert admitted["pdf"][4:7] == ["2", paid_two, paid_two] and admitted["pdf"][-1] == active
    assert [(r[3], r[6]) for r in admitted["entries"]] == [
        ("Subscription", "0,00"), ("Payment of capital (received before admission)", "60,00")]
    assert (admitted["entries_shares"], admitted["entries_paid"]) == (2, 2 * price)
    assert (admitted["facts"].paid_cents, admitted["facts"].first_paid_on) == (2 * price, ADMITTED_ON)
    assert standing.is_current_member(admitted["facts"])

    # After redeeming one share: one share, its capital paid up; the other's money is on the refund list.
    redeemed = _register_on(client, app, monkeypatch, member, REDEEMED_ON)
    row = redeemed["csv"]
    assert (row["Shares"], row["Capital subscribed (EUR)"], row["Capital paid (EUR)"]) == ("1", "30,00", "30,00")
    assert redeemed["totals"] == (1, 1, price, price)
    assert redeemed["pdf"][4:7] == ["1", paid_one, paid_one]
    assert (redeemed["entries_shares"], redeemed["entries_paid"]) == (1, price)
    assert register.holding(member, today()).paid_cents == price


def test_a_refused_application_s_money_is_never_paid_up_capital(decision_mode, client, login_as, make_staff, app,
                                                                monkeypatch):
    refused_on = today() - timedelta(days=3)
    application = _paid_application(shares=1)
    admission.decide(application, admit=False, decision_on=refused_on, decision_reference="CA-9", actor=make_staff())
    db.session.commit()
    member = application.member
    login_as("staff")
    for day, status in ((PAID_ON, "admission pending"), (refused_on - timedelta(days=1), "admission pending"),
                        (refused_on, "application refused"), (today(), "application refused")):
        seen = _register_on(client, app, monkeypatch, member, day)
        row = seen["csv"]
        assert (row["Status"], row["Shares"], row["Capital paid (EUR)"]) == (status, "0", "0,00"), day
        assert seen["totals"] == (0, 0, 0, 0)
        assert seen["entries_paid"] == 0 and seen["facts"].paid_cents == 0
    assert register.holding(member, today()).paid_cents == 0


def test_money_returned_before_the_admission_and_paid_again_counts_once(decision_mode, make_staff):
    """A correction of a payment received before the admission (the bank took it back) follows that
    payment: neither counts before the admission, and after it the register holds what stayed."""
    price = share_price_cents(Category.A)
    application = _paid_application(shares=1)
    request = application.payment_request
    [payment] = register.payment_entries(request)
    register.payments_returned(request, [payment], reason="Returned by the bank")
    admission.payment_taken_back(application)
    db.session.commit()
    record_payment(request, price, on=today())  # the bank's return and the new transfer are today's
    db.session.commit()
    admission.decide(application, admit=True, decision_on=today(), decision_reference="CA-8", actor=make_staff())
    db.session.commit()
    member = application.member
    yesterday = today() - timedelta(days=1)
    assert register.holding(member, yesterday).paid_cents == 0  # was 30.00 € before any admission
    assert register.holding(member, today()).paid_cents == price
    register.forget_figures()
    assert register.totals(today())[Category.A].paid_cents == price
    assert register.totals(yesterday)[Category.A].paid_cents == 0
