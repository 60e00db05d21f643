"""Staff pages for money: the queue with its reasons and suggestions, resolving in place, money kept
beyond what was due, the refund list, hostile ids and versions, euros typed by staff."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, OutboxMessage
from shares import bank, register
from shares.camt_writer import Credit, write_camt053
from shares.payments import payable_from
from shares.models import (BankTransaction, EntryKind, PaymentPurpose, PaymentRequest, PaymentStatus, ShareEntry,
                           Surplus, SurplusDecision)
from shares.settings import setting
from tests.factories import csv_rows

D = date(2024, 3, 4)


def _import(*credits):
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, list(credits)))
    db.session.commit()
    return list(db.session.scalars(select(BankTransaction).order_by(BankTransaction.id)))


def _request(make_member, **kwargs):
    member = make_member(**kwargs)
    _, request = register.subscribe(member, 1, on=date(2024, 1, 1))
    db.session.commit()
    return member, request


def test_queue_shows_every_reason_and_counts(client, login_as, make_member):
    login_as("staff")
    _member, request = _request(make_member)
    _import(Credit(9000, D, "Over Payer", reference=request.reference), Credit(-500, D, "Bank fees"),
            Credit(3000, D, "Dollar Payer", currency="USD"),
            Credit(3000, D, "Slip", text="+++123/4567/89000+++"))
    page = client.get("/staff/payments/queue")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "3 payments wait." in text and "Bank fees" not in text  # a debit is set aside at import
    for words in ("Overpayment: more than the request asks", "Not in euros",
                  "The structured communication has wrong check digits", "+++123/4567/89000+++"):
        assert words in text
    only = client.get("/staff/payments/queue?why=currency").get_data(as_text=True)
    assert "Dollar Payer" in only and "Slip" not in only
    # Dollars are shown as dollars, never with a euro sign, and are offered no request to pay.
    assert "$30.00" in only and "30.00 €" not in only and "it cannot pay a request" in only
    assert "Show the likely requests" not in only
    assert client.get("/staff/payments/queue?why=nonsense").status_code == 400
    for hostile in ("abc", "0", "-1", "999999"):  # a page number is a hint: the one page there is
        assert "Dollar Payer" in client.get(f"/staff/payments/queue?page={hostile}").get_data(as_text=True)


def test_suggestion_opened_in_place_and_paid_without_a_reason(client, login_as, make_member):
    """An overpayment naming its request: staff pay it with one click (no reason: they follow the
    communication), the counts update out of band, and the surplus waits for a decision."""
    login_as("staff")
    member, request = _request(make_member, first_name="Olga", last_name="Overpayer")
    (tx,) = _import(Credit(6000, D, "Olga Overpayer", iban="BE62510007547061", reference=request.reference))
    opened = client.get(f"/staff/payments/queue/{tx.id}", headers={"HX-Request": "true"})
    html = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "<html" not in html and 'id="queue-counts" ' in html
    assert "its communication names this request" in html and "Reason for paying this request" not in html
    # The other-request form is filled in as its hint writes a communication: +++123/4567/89002+++.
    assert f'value="{request.formatted_reference}"' in html
    prefix = f"tx{tx.id}-"
    paid = client.post(f"/staff/payments/queue/{tx.id}", headers={"HX-Request": "true"},
                       data={prefix + "version": tx.version, prefix + "action": "match",
                             prefix + "reference": request.reference})
    html = paid.get_data(as_text=True)
    assert paid.status_code == 200, html
    assert 'hx-swap-oob="true"' in html and "0 payments wait." in html and "1 overpayment to decide." in html
    assert "€ kept for Olga Overpayer" in html or "kept for Olga Overpayer" in html
    db.session.expire_all()
    assert request.status is PaymentStatus.PAID
    kept = db.session.scalar(select(Surplus))
    assert kept.amount_cents == 3000 and kept.refund_iban == "BE62510007547061"
    # Refund: confirmed once; the second time is a conflict.
    refund = client.post(f"/staff/payments/kept/{kept.id}/refund", headers={"HX-Request": "true"},
                         data={f"s{kept.id}refund-iban": "BE62 5100 0754 7061", f"s{kept.id}refund-note": "=1+1"})
    assert refund.status_code == 200 and "on the refund list" in refund.get_data(as_text=True)
    again = client.post(f"/staff/payments/kept/{kept.id}/credit", headers={"HX-Request": "true"}, data={})
    assert again.status_code == 409
    db.session.expire_all()
    assert kept.decision is SurplusDecision.REFUND
    csv = client.get("/staff/payments/refunds?format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    [refund] = [row for row in csv_rows(csv.get_data(as_text=True))[1:] if row[2] == "BE62510007547061"]
    assert refund[3:5] == ["30,00", "3000"] and refund[6] == "'=1+1"
    listed = client.get("/staff/payments/refunds").get_data(as_text=True)
    assert "Olga Overpayer" in listed and "BE62 5100 0754 7061" in listed
    done = client.post(f"/staff/payments/kept/{kept.id}/refunded", data={})
    assert done.status_code == 302
    assert "Olga Overpayer" not in client.get("/staff/payments/refunds").get_data(as_text=True)
    twice = client.post(f"/staff/payments/kept/{kept.id}/refunded", data={})  # a second tab: said on the list
    assert twice.status_code == 409 and "Refunds to make" in twice.get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"shares.bank_payment.match_by_hand", "shares.surplus.refund", "shares.surplus.refunded"} <= actions


def test_a_suggested_request_the_communication_does_not_name_needs_a_reason(client, login_as, make_member):
    login_as("staff")
    _member, request = _request(make_member, first_name="Paul", last_name="Payeur", iban="BE62510007547061")
    (tx,) = _import(Credit(3000, D, "Paul Payeur", iban="BE62510007547061", text="cotisation"))
    html = client.get(f"/staff/payments/queue/{tx.id}").get_data(as_text=True)
    assert "the payer&#39;s account is in this member&#39;s profile" in html or "account is in this member" in html
    assert "Reason for paying this request" in html
    prefix = f"tx{tx.id}-"
    data = {prefix + "version": tx.version, prefix + "action": "match", prefix + "reference": request.reference}
    refused = client.post(f"/staff/payments/queue/{tx.id}", headers={"HX-Request": "true"}, data=data)
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert request.status is PaymentStatus.OPEN
    ok = client.post(f"/staff/payments/queue/{tx.id}", headers={"HX-Request": "true"},
                     data={**data, prefix + "reason": "same name and account, member confirmed by phone"})
    assert ok.status_code == 200
    db.session.expire_all()
    assert request.status is PaymentStatus.PAID


@pytest.mark.parametrize("version", ["abc", "", "-1", "0", "99999999999999999999", "1e3", "NaN"])
def test_hostile_versions_are_400(client, login_as, version):
    login_as("staff")
    (tx,) = _import(Credit(700, D, "Stranger"))
    prefix = f"tx{tx.id}-"
    response = client.post(f"/staff/payments/queue/{tx.id}", data={prefix + "version": version,
                                                                 prefix + "action": "dismiss",
                                                                 prefix + "reason": "not ours"})
    assert response.status_code == 400
    db.session.expire_all()
    assert tx.resolved_at is None


@pytest.mark.parametrize("path", ["/staff/payments/queue/{big}", "/staff/payments/queue/0"])
def test_ids_beyond_any_row_are_404(client, login_as, path):
    login_as("staff")
    assert client.get(path.format(big=2**63)).status_code == 404
    assert client.post(path.format(big=2**40), data={}).status_code == 404
    for verb in ("refund", "shares", "credit", "refunded"):
        assert client.post(f"/staff/payments/kept/{2**40}/{verb}", data={}).status_code == 404


def test_import_page_names_the_skipped_statements(client, login_as):
    login_as("staff")
    good = write_camt053(setting("COOP_IBAN"), "GOOD", 0, [Credit(3000, D, "Someone")])
    other = write_camt053("NL91ABNA0417164300", "OTHER", 0, [Credit(3000, D, "Someone", bank_reference="O-1")])
    stmt = other[other.index(b"<Stmt>"):other.index(b"</Stmt>") + 7]
    both = good.replace(b"</Stmt>", b"</Stmt>" + stmt, 1)
    page = client.post("/staff/payments/import", data={"statement": (io.BytesIO(both), "two.xml")},
                       content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 statement skipped" in text
    assert "Statement 2 (OTHER), account NL91 ABNA 0417 1643 00" in text and "not one of the cooperative" in text
    hostile = write_camt053(setting("COOP_IBAN"), "H", 0, [Credit(3000, D, "X")]).replace(b">30.00<", b">9E+999990<")
    refused = client.post("/staff/payments/import", data={"statement": (io.BytesIO(hostile), "h.xml")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "invalid amount" in refused.get_data(as_text=True)
    assert "Line 2: “9E+999990” is not an amount." in refused.get_data(as_text=True)


@pytest.mark.parametrize("typed,cents", [("1 234,50", 123450), ("1234.50", 123450), ("-30", -3000),
                                          ("1.234,5", 123450), ("15,05 €", 1505), ("+15,50", 1550)])
def test_staff_type_corrections_in_euros(client, login_as, member_with_shares, typed, cents):
    login_as("staff")
    member = member_with_shares(1)
    entry = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id).limit(1))
    response = client.post(f"/staff/members/{member.id}/register/correct", data={
        "entry_id": entry.id, "shares": "0", "capital_cents": typed, "paid_cents": "", "effective_on": "2024-01-01",
        "reason": "typo in the paper register", "confirmed": "1", "register_version": member.version})
    assert response.status_code == 302, response.get_data(as_text=True)
    correction = db.session.scalar(select(ShareEntry).where(ShareEntry.corrects_id == entry.id))
    assert correction.capital_cents == cents and correction.paid_cents == 0


@pytest.mark.parametrize("typed,message", [("0,125", "two decimals"), ("12.3456", "two decimals"), ("abc", "like 1 234,50"),
                                            ("1.2.3", "like 1 234,50"), ("99999999999", "too large"),
                                            ("30,001", "could be cents or thousands"),
                                            ("30.001", "could be cents or thousands"),
                                            ("+-30", "like 1 234,50"), ("--30", "like 1 234,50")])
def test_euro_amounts_refused_with_a_clear_sentence(client, login_as, member_with_shares, typed, message):
    login_as("staff")
    member = member_with_shares(1)
    entry = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id).limit(1))
    response = client.post(f"/staff/members/{member.id}/register/correct", data={
        "entry_id": entry.id, "capital_cents": typed, "effective_on": "2024-01-01", "reason": "x"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ShareEntry).where(ShareEntry.corrects_id.is_not(None))) == 0


@pytest.mark.parametrize("typed", [str(2 ** 31), str(-2 ** 31), "100001", "-100001", "1e9", "3.5"])
def test_a_correction_of_an_impossible_number_of_shares_is_refused_in_words(client, login_as, member_with_shares,
                                                                             typed):
    login_as("staff")
    member = member_with_shares(1)
    entry = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id).limit(1))
    response = client.post(f"/staff/members/{member.id}/register/correct", data={
        "entry_id": entry.id, "shares": typed, "effective_on": "2024-01-01", "reason": "typo", "confirmed": "1",
        "register_version": member.version})
    assert response.status_code == 400, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "at most 100,000" in text or "Not a valid integer" in text
    assert db.session.scalar(select(func.count()).select_from(ShareEntry).where(ShareEntry.corrects_id.is_not(None))) == 0


def test_match_from_the_member_page_keeps_the_surplus(client, login_as, make_member):
    login_as("staff")
    member, request = _request(make_member, first_name="Mia", last_name="Member")
    (tx, debit) = _import(Credit(4500, D, "Someone for Mia", text="parts Mia"), Credit(-900, D, "Fees"))
    page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert "45.00 €, Someone for Mia" in page and "Fees" not in page
    response = client.post(f"/staff/members/{member.id}/register/match", data={
        "transaction_id": tx.id, "action": "match", "reference": request.formatted_reference,
        "reason": "Mia's sister paid"}, follow_redirects=True)
    assert response.status_code == 200
    assert "15.00 € beyond what was due is kept" in response.get_data(as_text=True)
    db.session.expire_all()
    assert request.status is PaymentStatus.PAID
    assert db.session.scalar(select(Surplus.amount_cents)) == 1500
    assert client.get(f"/staff/members/{2**40}").status_code == 404


def test_a_transfer_booked_before_its_request_could_be_paid_is_refused_in_words(client, login_as, make_member):
    """The register never shows shares paid up before they were subscribed, nor a fee years early: staff
    cannot give an old transfer to a newer request (found with real bank files of 2014 and 2015)."""
    login_as("staff")
    member, request = _request(make_member, first_name="Jan", last_name="Peeters")  # subscribed 1 January 2024
    (old, early) = _import(Credit(3000, date(2023, 12, 31), "Old transfer"), Credit(3000, date(2024, 1, 1), "Same day"))
    response = client.post(f"/staff/members/{member.id}/register/match", data={
        "transaction_id": old.id, "action": "match", "reference": request.formatted_reference, "reason": "his"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert ("booked on 31 December 2023, before 1 January 2024, the first day it could pay this request"
            in response.get_data(as_text=True))
    db.session.expire_all()
    assert request.paid_cents == 0 and old.payment_request_id is None
    assert db.session.scalar(select(func.count()).select_from(ShareEntry).where(
        ShareEntry.kind == EntryKind.PAYMENT)) == 0
    # The same day as the subscription pays it; the receipt does not claim the payer's communication named it.
    bank.match_by_hand(early, request, expected_version=early.version, reason="his", actor=None)
    db.session.commit()
    assert request.status is PaymentStatus.PAID
    receipt = db.session.scalar(select(OutboxMessage.body_text).where(
        OutboxMessage.dedupe_key == f"shares.receipt:tx{early.id}"))
    assert "by bank transfer on 1 January 2024, for the payment request" in receipt
    assert "with the structured communication" not in receipt


def test_a_membership_fee_may_be_paid_a_year_ahead_not_more():
    fee = PaymentRequest(purpose=PaymentPurpose.RENEWAL, year=2026, amount_cents=3000)
    assert payable_from(fee) == date(2025, 1, 1)


@pytest.mark.parametrize("url, status", [("/staff/register?page=99999999999999999999", 200),
                                         ("/staff/register?page=-5", 200),
                                         ("/staff/payments/queue?page=99999999999", 200),
                                         ("/staff/members?q=a&page=99999999999999", 200)])
def test_page_numbers_out_of_range_are_a_page_never_a_crash(client, login_as, url, status):
    """A paged list shows the nearest page, never an error (app/paging.py)."""
    login_as("staff")
    assert client.get(url).status_code == status


def test_staff_home_lists_the_money_to_handle(client, login_as, make_member):
    login_as("staff")
    _member, request = _request(make_member)
    (over, _fees) = _import(Credit(4500, D, "Over", reference=request.reference), Credit(-100, D, "Fees"))
    home = client.get("/").get_data(as_text=True)
    assert "1 payment to resolve" in home and 'href="/staff/payments/queue"' in home  # not the fees
    bank.match_by_hand(over, request, expected_version=over.version, reason="", actor=None)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "payment to resolve" not in home and "1 overpayment to decide" in home


def test_a_payment_matched_by_its_communication_leaves_no_code_in_the_register(client, login_as, make_member):
    """The register entry of an automatic match carries no note: it used to say "structured reference",
    in English on every language's member page."""
    login_as("staff")
    member, request = _request(make_member)
    _import(Credit(request.amount_cents, D, "Payer", reference=request.reference))
    payment = db.session.scalar(select(ShareEntry).where(ShareEntry.payment_request_id == request.id,
                                                         ShareEntry.paid_cents > 0))
    assert payment.note == "" and request.status is PaymentStatus.PAID
    page = client.get(f"/staff/members/{member.id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "structured reference" not in page


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_date_no_record_can_have_is_refused_beside_its_field(client, login_as, member_with_shares, day):
    """Year 1 went into the legal register (and the page showed "1 January 1"): every date field of the
    application refuses a day outside 1900 to 2199, beside it."""
    login_as("staff")
    member = member_with_shares(1)
    response = client.post(f"/staff/members/{member.id}/register/subscribe",
                           data={"shares": "1", "effective_on": day, "register_version": member.version})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Check the year: a date between 1900 and 2199 is expected." in page
    assert 'id="subscribe-effective_on-error"' in page and f'value="{day}"' in page  # as typed, to correct
    assert db.session.scalar(select(func.count()).select_from(ShareEntry).where(ShareEntry.member_id == member.id)) == 2


def test_the_refund_list_is_paged_with_the_whole_lists_count_and_amount(client, login_as, make_member):
    """25 refunds a page; the count, the amount and the CSV are the whole list's, whatever the page."""
    from datetime import timedelta

    from app.clock import utcnow
    from shares.models import Surplus, SurplusDecision, SurplusKind

    start = utcnow()
    for i in range(30):
        member = make_member(first_name="Refund", last_name=f"Person {i:02d}")
        db.session.add(Surplus(member_id=member.id, kind=SurplusKind.OVERPAYMENT, amount_cents=100 + i,
                               refund_iban="BE62510007547061", decision=SurplusDecision.REFUND,
                               decided_at=start + timedelta(minutes=i)))
    db.session.commit()
    login_as("staff")
    total = sum(100 + i for i in range(30))  # 34.35 €
    first = client.get("/staff/payments/refunds").get_data(as_text=True)
    assert "30 refunds to make, 34.35 € in all." in first.replace("\u00a0", " ")
    assert first.count('class="card" id="refund-') == 25 and "Refund Person 00" in first
    assert "Refunds 1–25 of 30" in first and "Refund Person 25" not in first
    second = client.get("/staff/payments/refunds?page=2").get_data(as_text=True)
    assert second.count('class="card" id="refund-') == 5 and "Refund Person 29" in second
    assert "30 refunds to make, 34.35 € in all." in second.replace("\u00a0", " ")
    for odd in ("abc", "-1", "999999999999"):  # a page number never fails
        assert client.get(f"/staff/payments/refunds?page={odd}").status_code == 200
    rows = csv_rows(client.get("/staff/payments/refunds?format=csv").get_data(as_text=True))[1:]
    assert len(rows) == 30 and sum(int(row[4]) for row in rows) == total
