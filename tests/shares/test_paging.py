"""The two long staff lists, a page at a time: the register (its date kept in the pager's links, the
members' range in words, its totals and its files always of the whole register) and the payments
queue (what needs a decision first, a compact card per payment, its reason kept in the links, its
counts of the whole queue). A page number out of range is a page, never an error."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from shares import bank, exports, register
from shares.camt_writer import Credit, write_camt053
from shares.models import BankTransaction
from shares.settings import setting
from shares.views import staff
from tests.factories import csv_rows

D = date(2024, 3, 4)


@pytest.fixture
def five_members(member_with_shares):
    """Members 1 to 5, with 1 to 5 shares each (15 shares, 450.00 € subscribed; all paid but member 3's
    three shares: 360.00 €)."""
    return [member_with_shares(n, on=date(2022, 1, n), paid=n != 3, first_name="Person", last_name=f"Number{n}")
            for n in range(1, 6)]


def _names(html: str) -> list[str]:
    return re.findall(r"Person Number(\d)", html)


def test_the_register_is_paged_and_keeps_its_date(client, login_as, five_members, monkeypatch):
    monkeypatch.setattr(staff, "REGISTER_PAGE_SIZE", 2)
    login_as("staff")
    first = client.get("/staff/register?on=2023-06-01").get_data(as_text=True)
    assert _names(first) == ["1", "2"] and "Members 1–2 of 5" in first and "Page 1 of 3" in first
    assert 'href="/staff/register?on=2023-06-01&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/staff/register?on=2023-06-01&page=2").get_data(as_text=True)
    assert _names(second) == ["3", "4"] and "Members 3–4 of 5" in second
    assert 'href="/staff/register?on=2023-06-01" rel="prev"' in second  # the first page needs no number
    assert 'href="/staff/register?on=2023-06-01&amp;page=3" rel="next"' in second
    # The totals are the whole register's, on every page: 15 shares, 450.00 € subscribed, 360.00 € paid.
    totals = second[second.index("Totals per category"):second.index("Members 3–4 of 5")]
    assert "<td data-label=\"Members\">5</td>" in totals and "<td data-label=\"Shares\">15</td>" in totals
    assert "450.00 €" in totals and "360.00 €" in totals
    # The next page replaces the rows in place, and the address follows.
    swapped = client.get("/staff/register?on=2023-06-01&page=3", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert swapped.startswith('<div id="register-rows">') and _names(swapped) == ["5"] and "Members 5–5 of 5" in swapped
    assert 'hx-swap="outerHTML show:#register-rows:top" hx-push-url="true"' in swapped


@pytest.mark.parametrize("raw,shown", [("abc", ["1", "2"]), ("-1", ["1", "2"]), ("0", ["1", "2"]),
                                       ("999999", ["5"]), ("99999999999999999999", ["5"])])
def test_a_register_page_out_of_range_is_the_nearest_page(client, login_as, five_members, monkeypatch, raw, shown):
    monkeypatch.setattr(staff, "REGISTER_PAGE_SIZE", 2)
    login_as("staff")
    answer = client.get(f"/staff/register?page={raw}")
    assert answer.status_code == 200 and _names(answer.get_data(as_text=True)) == shown


def test_the_register_s_range_in_three_languages(client, login_as, five_members, monkeypatch):
    monkeypatch.setattr(staff, "REGISTER_PAGE_SIZE", 2)
    account = login_as("staff")
    for language, words in (("fr", "Sociétaires 3–4 sur 5"), ("nl", "Leden 3–4 van 5"), ("en", "Members 3–4 of 5")):
        account.language = language
        db.session.commit()
        html = client.get("/staff/register?page=2").get_data(as_text=True)
        assert words in html, language


def test_one_page_says_how_many_members_with_no_pager(client, login_as, five_members):
    login_as("staff")
    html = client.get("/staff/register").get_data(as_text=True)
    assert "5 members in the register." in html and 'class="pager"' not in html and len(_names(html)) == 5


def test_the_register_s_files_hold_every_member_whatever_the_page_size(app, client, login_as, five_members,
                                                                      monkeypatch):
    monkeypatch.setattr(staff, "REGISTER_PAGE_SIZE", 2)
    login_as("staff")
    _header, *rows = csv_rows(client.get("/staff/register?on=2023-06-01&format=csv&page=2").get_data(as_text=True))
    assert [r[0] for r in rows] == [str(m.number) for m in five_members]
    out = io.BytesIO()
    with app.test_request_context():
        assert exports.write_register_pdf(date(2023, 6, 1), out) == 5 and out.getvalue().startswith(b"%PDF")
    job = client.post("/staff/register/exports", data={"on": "2023-06-01", "format": "pdf"})
    download = client.get(job.location + "/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    download.close()


# --- the payments queue -------------------------------------------------------------------------------


def _import(*credits):
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, list(credits)))
    db.session.commit()
    return list(db.session.scalars(select(BankTransaction).order_by(BankTransaction.id)))


@pytest.fixture
def queue(make_member):
    """Seven waiting payments: five without communication (1.00 € to 5.00 €, oldest first), a slip in
    the check digits, and, booked last, one paying 20.00 € more than its request asks; and 10.00 € paid
    beyond another request, kept for a decision."""
    over, kept = make_member(first_name="Olga", last_name="Over"), make_member(first_name="Karl", last_name="Kept")
    _, over_request = register.subscribe(over, 1, on=date(2024, 1, 1))
    _, kept_request = register.subscribe(kept, 1, on=date(2024, 1, 1))
    db.session.commit()
    txs = _import(*(Credit(100 * n, date(2024, 3, n), f"Anon{n}") for n in range(1, 6)),
                  Credit(700, date(2024, 3, 6), "Slip", text="+++123/4567/89000+++"),
                  Credit(5000, date(2024, 3, 9), "Olga Over", reference=over_request.reference),
                  Credit(4000, date(2024, 3, 8), "Karl Kept", reference=kept_request.reference))
    karl = txs[-1]
    bank.match_by_hand(karl, kept_request, expected_version=karl.version, reason="", actor=None)
    db.session.commit()
    return txs


def test_the_queue_puts_the_decisions_first_and_pages_the_payments(client, login_as, queue, monkeypatch):
    monkeypatch.setattr(staff, "QUEUE_PAGE_SIZE", 3)
    login_as("staff")
    first = client.get("/staff/payments/queue").get_data(as_text=True)
    # Money kept for a decision comes before the payments; the payment naming its request first of those.
    assert first.index("10.00 € kept for Karl Kept") < first.index('id="waiting-title"') < first.index("Olga Over")
    assert first.index("Olga Over") < first.index("Slip") < first.index("Anon1")
    assert "Payments 1–3 of 7" in first and "Anon2" not in first
    assert 'href="/staff/payments/queue?page=2" rel="next"' in first
    # The counts and the tabs are the whole queue's on every page, as is the decision waiting on the first.
    second = client.get("/staff/payments/queue?page=2").get_data(as_text=True)
    for html in (first, second):
        assert "7 payments wait." in html and "1 overpayment to decide." in html
        assert "All (7)" in html and "(5)" in html
    assert "Payments 4–6 of 7" in second and "Karl Kept" not in second
    assert [n for n in range(1, 6) if f"Anon{n}" in second] == [2, 3, 4]
    assert 'href="/staff/payments/queue" rel="prev"' in second
    last = client.get("/staff/payments/queue?page=3").get_data(as_text=True)
    assert "Payments 7–7 of 7" in last and "Anon5" in last and 'rel="next"' not in last


def test_the_queue_keeps_its_reason_in_the_pager(client, login_as, queue, monkeypatch):
    monkeypatch.setattr(staff, "QUEUE_PAGE_SIZE", 2)
    login_as("staff")
    html = client.get("/staff/payments/queue?why=no_reference&page=2").get_data(as_text=True)
    assert "Payments 3–4 of 5" in html and "Anon3" in html and "Slip" not in html
    assert 'href="/staff/payments/queue?why=no_reference" rel="prev"' in html
    assert 'href="/staff/payments/queue?why=no_reference&amp;page=3" rel="next"' in html


@pytest.mark.parametrize("raw,shown", [("abc", "Payments 1–3 of 7"), ("-1", "Payments 1–3 of 7"),
                                       ("999999", "Payments 7–7 of 7"), ("1" * 40, "Payments 7–7 of 7")])
def test_a_queue_page_out_of_range_is_the_nearest_page(client, login_as, queue, monkeypatch, raw, shown):
    monkeypatch.setattr(staff, "QUEUE_PAGE_SIZE", 3)
    login_as("staff")
    answer = client.get(f"/staff/payments/queue?page={raw}")
    assert answer.status_code == 200 and shown in answer.get_data(as_text=True)


def test_a_payment_in_the_list_is_a_short_card_opened_for_its_details(client, login_as, queue):
    login_as("staff")
    html = client.get("/staff/payments/queue").get_data(as_text=True)
    slip = next(tx for tx in queue if tx.counterparty_name == "Slip")
    card = html[html.index(f'id="tx-{slip.id}"'):]
    card = card[:card.index("</li>")]
    assert "The structured communication has wrong check digits" in card and "+++123/4567/89000+++" in card
    assert "<dl" not in card and "<details class=\"action\">" in card and " open>" not in card
    opened = client.get(f"/staff/payments/queue/{slip.id}").get_data(as_text=True)
    assert "Why it waits" in opened and "Typed by the payer" in opened and "<details class=\"action\" open>" not in opened


def test_a_member_s_page_offers_the_waiting_payments_oldest_first(client, login_as, queue, make_member):
    """Staff match by hand, from a member's page, a payment that names nothing: the choices come oldest
    first, not in the queue's order of reasons (the overpayment naming its own request last, not first)."""
    member = make_member(first_name="Nina", last_name="Hand")
    db.session.commit()
    login_as("staff")
    page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert page.index("Anon1") < page.index("Anon5") < page.index("Olga Over")
