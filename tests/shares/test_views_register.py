from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry
from shares import bank, register
from shares.camt_writer import Credit, write_camt053
from shares.models import BankTransaction, EntryKind, MatchStatus, PaymentStatus, ShareEntry
from shares.references import format_reference
from shares.settings import setting
from tests.factories import csv_rows, register_version

ROUTES = [("get", "/staff/members/{m}"), ("post", "/staff/members/{m}/register/subscribe"), ("get", "/staff/register"),
          ("get", "/staff/register?format=csv"), ("get", "/staff/payments/import"),
          ("post", "/staff/payments/import"), ("get", "/staff/payments/queue"), ("post", "/staff/payments/queue/{t}")]


def _queued_tx():
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [Credit(700, date(2024, 1, 2), "Stranger")]))
    db.session.commit()
    return db.session.scalar(select(BankTransaction))


@pytest.mark.parametrize("who", ["anonymous", "member", "staff"])
@pytest.mark.parametrize("method,url", ROUTES)
def test_permission_matrix(client, login_as, make_member, who, method, url):
    member = make_member()
    tx = _queued_tx()
    if who != "anonymous":
        login_as(who)
    response = getattr(client, method)(url.format(m=member.id, t=tx.id))
    if who == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.location
    elif who == "member":
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 400)
    assert db.session.scalar(select(func.count()).select_from(ShareEntry)) == 0


def test_member_page_and_subscription(client, login_as, make_member):
    login_as("staff")
    member = make_member()
    page = client.get(f"/staff/members/{member.id}")
    assert page.status_code == 200 and b"New subscription" in page.data
    bad = client.post(f"/staff/members/{member.id}/register/subscribe", data={"shares": "0", "effective_on": "2024-01-01"})
    assert bad.status_code == 400 and b"1 or more" in bad.data and b'value="0"' in bad.data
    data = {"shares": "2", "effective_on": "2024-01-01"}
    confirm = client.post(f"/staff/members/{member.id}/register/subscribe", data=data)
    assert confirm.status_code == 200 and b'name="confirmed" value="1"' in confirm.data
    assert "2 shares will be subscribed on 1 January 2024, for 60.00 €" in confirm.get_data(as_text=True)
    assert register.holding(member, date(2024, 1, 2)).shares == 0  # nothing recorded before the confirmation
    ok = client.post(f"/staff/members/{member.id}/register/subscribe",
                     data=data | {"confirmed": "1", "register_version": register_version(confirm.get_data(as_text=True))})
    assert ok.status_code == 302
    assert register.holding(member, date(2024, 1, 2)).shares == 2
    assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "shares.register.subscription"))


def test_transfer_refusals_keep_input(client, login_as, member_with_shares):
    """A transfer the register would refuse is refused before any confirmation, the form kept; one it
    accepts is confirmed naming the receiver, and recorded only then."""
    login_as("staff")
    giver, receiver = member_with_shares(1), member_with_shares(1, first_name="Rita", last_name="Receveuse")
    data = {"receiver_number": receiver.number, "shares": "1", "effective_on": "2024-01-01",
            "board_decision_on": "2023-12-01", "board_reference": "CA-7"}
    response = client.post(f"/staff/members/{giver.id}/register/transfer", data=data)
    assert response.status_code == 422 and b"below one share" in response.data and b"CA-7" in response.data
    assert b"Please confirm" not in response.data
    for refused, field in (({"receiver_number": "99999"}, "receiver_number"),
                           ({"receiver_number": str(giver.number)}, "receiver_number"),
                           ({"board_decision_on": "2099-01-01"}, "board_decision_on")):
        answer = client.post(f"/staff/members/{giver.id}/register/transfer", data=data | refused)
        html = answer.get_data(as_text=True)
        assert answer.status_code in (404, 422) and "Please confirm" not in html, refused
        # Said beside its field, in the transfer's form, open and as typed.
        assert f'id="transfer-{field}-error"' in html and '<details class="action" id="action-transfer" open>' in html
        assert 'value="CA-7"' in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)  # one page, each id once
    register.subscribe(giver, 2, on=date(2023, 6, 1))
    register.record_payment(register.member_requests(giver)[0], 6000, on=date(2023, 6, 1))
    db.session.commit()
    confirm = client.post(f"/staff/members/{giver.id}/register/transfer", data=data)
    assert confirm.status_code == 200 and b'name="confirmed" value="1"' in confirm.data
    assert "ceded to Rita Receveuse (member" in confirm.get_data(as_text=True) and b"CA-7" in confirm.data
    assert db.session.scalar(select(func.count()).select_from(ShareEntry)
                             .where(ShareEntry.kind == EntryKind.TRANSFER_OUT)) == 0
    seen = register_version(confirm.get_data(as_text=True))
    assert client.post(f"/staff/members/{giver.id}/register/transfer",
                       data=data | {"confirmed": "1", "register_version": seen}).status_code == 302
    missing = client.post(f"/staff/members/{giver.id}/register/transfer", data=data | {"board_reference": ""})
    assert missing.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ShareEntry)
                             .where(ShareEntry.kind == EntryKind.TRANSFER_OUT)) == 1


def test_register_html_pdf_csv(client, login_as, member_with_shares):
    login_as("staff")
    member_with_shares(2, on=date(2022, 1, 5))
    member_with_shares(1, on=date(2023, 1, 5))
    html = client.get("/staff/register?on=2022-06-01")
    assert html.status_code == 200 and b"1 member in the register" in html.data
    csv = client.get("/staff/register?on=2023-06-01&format=csv")
    header, *rows = csv_rows(csv.get_data(as_text=True))
    assert csv.data.startswith("\ufeff".encode())  # the mark by which Excel reads UTF-8
    assert header[:2] == ["No.", "Member"] and len(rows) == 2 and "2022-01-05" in rows[0]
    # Amounts in euros with a decimal comma, as a Belgian spreadsheet reads them: 2 shares of 30 EUR.
    capital = header.index("Capital subscribed (EUR)")
    assert (rows[0][capital], rows[0][capital + 1]) == ("60,00", "60,00")
    # The PDF is never made by the web request: a background job makes it, the page follows it.
    pdf = client.get("/staff/register?on=2023-06-01&format=pdf")
    assert pdf.status_code == 303 and pdf.location.endswith("#files")
    job = client.post("/staff/register/exports", data={"on": "2023-06-01", "format": "pdf"})
    assert job.status_code == 302
    status = client.get(job.location)
    assert status.status_code == 200 and b"The file is ready." in status.data
    download = client.get(job.location + "/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Cache-Control"] == "no-store"
    download.close()
    assert client.get("/staff/register?on=not-a-date").status_code == 400


def test_the_register_s_entries_as_csv_add_up_to_its_totals(client, login_as, member_with_shares):
    """One line per dated entry, each with what it changed: the columns' sums are the register's
    totals on that date (tested on the amounts, in euros and cents)."""
    login_as("staff")
    first = member_with_shares(2, on=date(2022, 1, 5))
    member_with_shares(1, on=date(2023, 1, 5))
    member_with_shares(3, on=date(2023, 2, 1), paid=False)  # subscribed, not paid yet
    member_with_shares(1, on=date(2024, 1, 5))  # after the date asked for: not in the file
    page = client.get("/staff/register?on=2023-06-01").get_data(as_text=True)
    assert "/staff/register?on=2023-06-01&amp;format=entries" in page
    answer = client.get("/staff/register?on=2023-06-01&format=entries")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    header, *rows = csv_rows(answer.get_data(as_text=True))
    assert header == ["No.", "Member", "Date", "Entry", "Shares", "Capital subscribed (EUR)", "Capital paid (EUR)",
                      "Amount (EUR)"]
    assert rows[:2] == [[str(first.number), first.name, "2022-01-05", "Subscription", "2", "60,00", "0,00", "60,00"],
                        [str(first.number), first.name, "2022-01-05", "Payment of capital", "0", "0,00", "60,00", "60,00"]]
    cents = lambda text: int(text.replace(",", ""))  # noqa: E731 - "60,00" -> 6000
    totals = register.totals(date(2023, 6, 1)).values()
    assert sum(int(r[4]) for r in rows) == sum(t.shares for t in totals) == 6
    assert sum(cents(r[5]) for r in rows) == sum(t.capital_cents for t in totals) == 18_000
    assert sum(cents(r[6]) for r in rows) == sum(t.paid_cents for t in totals) == 9_000
    assert {r[2] for r in rows} <= {"2022-01-05", "2023-01-05", "2023-02-01"}  # one date a cell, none after


def test_statement_import_page(client, login_as, make_member):
    login_as("staff")
    member = make_member()
    _, request = register.subscribe(member, 1, on=date(2024, 1, 1))
    db.session.commit()
    data = write_camt053(setting("COOP_IBAN"), "S1", 0, [Credit(3000, date(2024, 1, 5), "X", reference=request.reference),
                                                         Credit(100, date(2024, 1, 5), "Y"),
                                                         Credit(-750, date(2024, 1, 6), "Bank fees")])
    first = client.post("/staff/payments/import", data={"statement": (io.BytesIO(data), "s.xml")},
                        content_type="multipart/form-data")
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and "1 payment paid its request automatically." in text
    assert "1 statement imported." in text and "3 new transactions recorded." in text
    assert "New transactions: 31.00 € in, 7.50 € out." in text
    assert "1 debit (money going out) set aside: nothing for the register to do." in text
    assert "1 payment waits in the queue for staff:" in text and "<li>No communication: 1</li>" in text
    assert "1 payment waits in the queue" in text  # the 1.00 € without a communication, not the fees
    again = client.post("/staff/payments/import", data={"statement": (io.BytesIO(data), "s.xml")},
                        content_type="multipart/form-data")
    assert b"already imported" in again.data
    bad = client.post("/staff/payments/import", data={"statement": (io.BytesIO(b"<html/>"), "s.xml")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and b"not a camt.053" in bad.data
    db.session.expire_all()
    assert request.status is PaymentStatus.PAID


def test_queue_resolve_in_place_and_conflict(client, login_as, make_member):
    login_as("staff")
    _, request = register.subscribe(make_member(), 1, on=date(2024, 1, 1))
    db.session.commit()
    tx = _queued_tx()
    prefix = f"tx{tx.id}-"
    wrong = client.post(f"/staff/payments/queue/{tx.id}", headers={"HX-Request": "true"},
                        data={prefix + "version": tx.version, prefix + "action": "match",
                              prefix + "reference": "+++010/8068/17180+++", prefix + "reason": "phone call"})
    assert wrong.status_code == 400 and b"check digits are wrong" in wrong.data and b"<html" not in wrong.data
    data = {prefix + "version": tx.version, prefix + "action": "match",
            prefix + "reference": format_reference(request.reference), prefix + "reason": "paid in two parts"}
    ok = client.post(f"/staff/payments/queue/{tx.id}", headers={"HX-Request": "true"}, data=data)
    assert ok.status_code == 200 and f'id="tx-{tx.id}"'.encode() in ok.data and b"paid in two parts" in ok.data
    late = client.post(f"/staff/payments/queue/{tx.id}", headers={"HX-Request": "true"}, data=data)
    assert late.status_code == 409
    db.session.expire_all()
    assert request.paid_cents == 700 and tx.match_status is MatchStatus.MATCHED


def test_stale_version_gets_409(client, login_as, make_member, make_staff):
    login_as("staff")
    tx = _queued_tx()
    bank.dismiss(tx, expected_version=tx.version, reason="other staff", actor=make_staff())
    db.session.commit()
    prefix = f"tx{tx.id}-"
    response = client.post(f"/staff/payments/queue/{tx.id}", data={prefix + "version": 1, prefix + "action": "dismiss",
                                                                 prefix + "reason": "me too"})
    assert response.status_code == 409


def _history(member_with_shares, make_member, n):
    members = [member_with_shares(2, on=date(2021, 1, 1 + i % 27)) for i in range(n)]
    for m in members:
        register.redeem(m, 1, on=date(2022, 2, 2))
        register.subscribe(m, 1, on=date(2023, 3, 3))
    register.transfer(members[0], members[1], 1, on=date(2023, 4, 4), board_decision_on=date(2023, 4, 1),
                      board_reference="CA") if n > 1 and False else None
    db.session.commit()
    return members


@pytest.mark.parametrize("path", ["/staff/members/{m}", "/staff/register?on=2024-01-01", "/staff/payments/queue"])
def test_query_count_does_not_grow(client, login_as, member_with_shares, make_member, query_counter, path):
    login_as("staff")
    counts = []
    for n in (2, 12):
        members = _history(member_with_shares, make_member, n)
        for i in range(n):
            bank.import_statement(write_camt053(setting("COOP_IBAN"), f"Q{n}-{i}", 0,
                                                [Credit(100 + i, date(2024, 1, 2), f"P{i}")]))
        db.session.commit()
        url = path.format(m=members[-1].id)
        client.get(url)
        with query_counter() as count:
            assert client.get(url).status_code == 200
        counts.append(count.n)
    assert counts[0] == counts[1], counts
