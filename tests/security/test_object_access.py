"""Object-level access: member A against member B's pages, certificates, payments and requests; a
scrutineer against another scrutineer's steps. Each test names the object it tries to reach."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Role
from tests.factories import csv_rows, make_account, make_member_obj, sign_in


def _client(app, account):
    client = app.test_client()
    sign_in(client, account)
    return client


@pytest.fixture
def two_members(app):
    a = make_member_obj(email="alice@example.be", first_name="Alice", last_name="Aerts")
    b = make_member_obj(email="bob@example.be", first_name="Bob", last_name="Bertrand")
    return a, b


def _holder(member, year: int):
    from shares import register, renewal

    _entry, request = register.subscribe(member, 2, on=date(year - 2, 3, 1))
    register.record_payment(request, request.amount_cents, on=date(year - 2, 3, 2), notify=False)
    _db.session.commit()
    renewal.run_campaign(year)
    renewal_request = renewal.renewal_request_for(member.id, year)
    register.record_payment(renewal_request, renewal_request.amount_cents, on=date(year, 1, 15), notify=False)
    _db.session.commit()


def _certificate_token(member, year: int) -> str:
    """The token of the certificate issued to ``member`` for ``year`` (by /me/certificate.pdf)."""
    from shares.models import CertificateIssue

    return _db.session.scalars(select(CertificateIssue.token).where(
        CertificateIssue.member_id == member.id, CertificateIssue.year == year)).one()


# --- member A against member B --------------------------------------------------------------------

def test_a_member_cannot_open_another_members_staff_page_or_act_on_it(app, two_members):
    a, b = two_members
    client = _client(app, a.account)
    assert client.get(f"/staff/members/{b.id}").status_code == 403
    assert client.post(f"/staff/members/{b.id}/register/subscribe", data={"shares": "5"}).status_code == 403
    assert client.get(f"/staff/members?q={b.last_name}").status_code == 403


def test_my_payments_show_only_my_own_payment_requests(app, two_members):
    from shares import member_requests

    a, b = two_members
    b_payment = member_requests.buy_shares(b, 3)
    a_payment = member_requests.buy_shares(a, 1)
    assert a_payment is not None and b_payment is not None  # subscribed at once, no decision wanted
    _db.session.commit()
    mine = _client(app, a.account).get("/me/payments").text
    theirs = _client(app, b.account).get("/me/payments").text
    assert a_payment.formatted_reference in mine and b_payment.formatted_reference not in mine
    assert b_payment.formatted_reference in theirs and a_payment.formatted_reference not in theirs


def test_a_member_cannot_decide_another_members_request_nor_see_it(app, two_members):
    from shares import member_requests
    from shares.models import Category, MemberRequest

    a, b = two_members
    pending = member_requests.request_category_change(b, Category.B)
    _db.session.commit()
    client = _client(app, a.account)
    assert client.post(f"/staff/requests/{pending.id}/approve").status_code == 403
    assert client.post(f"/staff/requests/{pending.id}/refuse").status_code == 403
    assert client.get("/staff/requests").status_code == 403
    _db.session.expire_all()
    assert _db.session.get(MemberRequest, pending.id).decided_at is None
    own = client.get("/me/shares").text
    assert "Bertrand" not in own


def test_a_member_cannot_resolve_a_bank_transfer(app, two_members):
    from app.clock import today
    from shares import bank
    from shares.camt_writer import Credit, write_camt053
    from shares.models import BankTransaction

    a, b = two_members
    statement = write_camt053(app.config["COOP_IBAN"], "OBJ-1", 0, [Credit(3000, today(), "B Bertrand", text="?")])
    bank.import_statement(statement, accept_any_account=True)
    _db.session.commit()
    tx = _db.session.scalar(select(BankTransaction))
    response = _client(app, a.account).post(f"/staff/payments/queue/{tx.id}",
                                            data={f"tx{tx.id}-action": "dismiss", f"tx{tx.id}-reason": "mine"})
    assert response.status_code == 403
    _db.session.refresh(tx)
    assert tx.match_status.value == "unknown"


def test_my_certificate_is_mine_and_a_token_cannot_be_turned_into_anothers(app, two_members):
    from shares import certificates
    from app.clock import today

    a, b = two_members
    year = today().year
    _holder(a, year)
    _holder(b, year)
    pdf = _client(app, a.account).get("/me/certificate.pdf")
    assert pdf.status_code == 200
    assert f"membership-certificate-{a.number}-" in pdf.headers["Content-Disposition"]
    token = _certificate_token(a, year)  # random, stored with what it certified
    assert certificates.read_token(token).member_id == a.id
    visitor = app.test_client()
    for forged in (f"{b.id}.{token}", f"{b.id}.{year}.A", token[:-1] + ("A" if token[-1] != "A" else "B"),
                   token.replace(token[0], "x" if token[0] != "x" else "y", 1), str(b.id), str(b.number)):
        assert visitor.get(f"/certificates/{forged}").status_code == 404, forged
    page = visitor.get(f"/certificates/{token}")
    assert page.status_code == 200 and "Aerts" in page.text and "Bertrand" not in page.text


# --- scrutineer against another scrutineer ---------------------------------------------------------

@pytest.fixture
def keygen_election(app):
    from voting import services
    from voting.demo import definition, demo_contests, make_kits

    first = make_account(roles=(Role.SCRUTINEER,), email="first-scrutineer@example.be")
    second = make_account(roles=(Role.SCRUTINEER,), email="second-scrutineer@example.be")
    kits = make_kits(2)
    election = services.create_election(definition("obj-keys", "Keys", demo_contests(2, 2), kits, 2),
                                        {"t1": first, "t2": second}, slug="obj-keys")
    _db.session.commit()
    return election, kits, first, second


def _board_events() -> int:
    from voting.models import BoardEvent

    return _db.session.scalar(select(func.count()).select_from(BoardEvent))


def test_a_scrutineer_cannot_post_another_scrutineers_step(app, keygen_election):
    from voting import services
    from voting.crypto.dkg import keygen_step1

    election, kits, first, second = keygen_election
    el = services.crypto_election(election)
    second_step, _ = keygen_step1(el, kits["t2"].private)  # the other scrutineer's genuine, signed step
    before = _board_events()
    client = _client(app, first)
    assert client.post("/voting/obj-keys/trustees/t2/steps", json=second_step).status_code == 403
    assert client.post("/voting/obj-keys/trustees/t2/keys", json={"signing_key": "x"}).status_code == 403
    upload = client.post("/voting/obj-keys/scrutineer/t2/upload",
                         data={"file": (io.BytesIO(json.dumps(second_step).encode()), "t2.json")})
    assert upload.status_code == 403
    as_own = client.post("/voting/obj-keys/trustees/t1/steps", json=second_step)  # under one's own name
    assert as_own.status_code in (400, 403) and as_own.json["error"]
    assert _board_events() == before
    # the rightful scrutineer can
    assert _client(app, second).post("/voting/obj-keys/trustees/t2/steps", json=second_step).status_code == 201


def test_a_scrutineer_of_no_trustee_sees_no_scrutineer_page(app, keygen_election):
    outsider = make_account(roles=(Role.SCRUTINEER,), email="outsider@example.be")
    client = _client(app, outsider)
    assert client.get("/voting/obj-keys/scrutineer").status_code == 403
    assert client.post("/voting/obj-keys/trustees/t1/steps", json={}).status_code == 403


# --- data members control must not decide for others (fixed by the register engineers) -----------

def test_an_iban_typed_in_ones_own_profile_does_not_capture_anothers_payment(app, two_members):
    from app.clock import today
    from shares import bank, member_requests
    from shares.models import PaymentRequest

    a, b = two_members
    third_party_iban = "BE68539007547034"
    a.iban = third_party_iban  # as typed by A on /me
    a_payment = member_requests.buy_shares(a, 1)
    assert a_payment is not None
    _db.session.commit()
    from shares.camt_writer import Credit, write_camt053

    statement = write_camt053(app.config["COOP_IBAN"], "IBAN-1", 0, [
        Credit(a_payment.amount_cents, today(), "Somebody Else", iban=third_party_iban, text="my own thing")])
    bank.import_statement(statement, accept_any_account=True)
    _db.session.commit()
    assert _db.session.get(PaymentRequest, a_payment.id).paid_cents == 0


def test_the_certificate_check_shows_what_was_certified(app, two_members):
    from app.clock import today

    a, _b = two_members
    year = today().year
    _holder(a, year)
    assert _client(app, a.account).get("/me/certificate.pdf").status_code == 200
    token = _certificate_token(a, year)
    a.first_name, a.last_name = "Somebody", "Important"  # edited on /me after the certificate was issued
    _db.session.commit()
    page = app.test_client().get(f"/certificates/{token}").text
    assert "Aerts" in page and "Important" not in page


def _formula_cells(csv_text: str) -> list[str]:
    """The cells of a CSV text that a spreadsheet would run as a formula."""
    return [cell for row in csv_rows(csv_text) for cell in row
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_register_csv_neutralises_formulas(make_app, tmp_path):
    """A member's own data starting like a formula, in the two register CSVs staff download: the
    direct ?format=csv and the file made by an export job (both through app.csvexport)."""
    from shares import register
    from shares.models import MemberKind

    app = make_app(PROPAGATE_EXCEPTIONS=False, SHARES_EXPORT_DIR=str(tmp_path))
    natural = make_member_obj(first_name="=HYPERLINK(\"http://evil.example\")", last_name="Aerts",
                              street="+SUM(A1)")
    legal = make_member_obj(kind=MemberKind.LEGAL, legal_name="@SUM(1+1)*cmd|' /C calc'!A0", street="-2+3")
    for member in (natural, legal):
        register.subscribe(member, 1, on=date(2024, 3, 1))
    _db.session.commit()
    staff = make_account(roles=(Role.STAFF,), email="csv-staff@example.be")
    client = _client(app, staff)

    direct = client.get("/staff/register?format=csv&on=2024-06-01")
    body = direct.get_data(as_text=True)
    assert direct.status_code == 200
    assert "'=HYPERLINK" in body and "'+SUM(A1)" in body and "'@SUM" in body and "'-2+3" in body
    assert _formula_cells(body) == []

    job = client.post("/staff/register/exports", data={"on": "2024-06-01", "format": "csv"})
    assert job.status_code == 302
    download = client.get(job.headers["Location"] + "/download")
    body = download.get_data(as_text=True)
    download.close()  # send_file's open file
    assert download.status_code == 200
    assert "'=HYPERLINK" in body and "'+SUM(A1)" in body and "'@SUM" in body and "'-2+3" in body
    assert _formula_cells(body) == []
