"""A bank payment short of what its request asked: staff decide once what follows (keep the rest due and
remind the member, buy fewer shares with what was paid, or pay it back), to the cent; and a refused
application's money on the refund list."""
from __future__ import annotations

import re
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.clock import today
from app.extensions import db
from app.models import AuditEntry
from shares import admission, bank, register, surplus as surpluses
from shares.camt_writer import Credit, write_camt053
from shares.labels import iban_text
from shares.errors import FewerSharesImpossible, ShortfallSettled, SurplusAlreadyDecided
from shares.models import (ApplicationStatus, BankTransaction, Category, EntryKind, MemberKind, PaymentStatus,
                           ShareEntry, Surplus, SurplusDecision, SurplusKind)
from shares.settings import setting
from tests.factories import csv_rows, sign_in

PAYER_IBAN = "BE62510007547061"


def _pay(request, cents: int, staff, *, name="Sam Short", ref="S1"):
    bank.import_statement(write_camt053(setting("COOP_IBAN"), ref, 0, [
        Credit(cents, date(2024, 1, 5), name, iban=PAYER_IBAN, reference=request.reference)]))
    db.session.commit()
    tx = db.session.scalars(select(BankTransaction).order_by(BankTransaction.id.desc())).first()
    if not tx.why:  # exactly what was still due: paid automatically
        return None
    assert tx.why == "partial"
    applied = bank.match_by_hand(tx, request, expected_version=tx.version, reason="", actor=staff)
    db.session.commit()
    return applied


def _short(make_member, make_staff, shares: int, paid_cents: int):
    staff = make_staff()
    member = make_member(first_name="Sam", last_name="Short", iban=None, language="fr")
    _, request = register.subscribe(member, shares, on=date(2024, 1, 1))
    db.session.commit()
    applied = _pay(request, paid_cents, staff)
    return staff, member, request, applied


def test_a_short_payment_leaves_one_record_to_decide(make_member, make_staff):
    _staff, member, request, applied = _short(make_member, make_staff, 3, 6000)
    short = applied.shortfall
    assert applied.surplus is None and short is not None
    assert (short.kind, short.amount_cents, short.refund_iban, short.decision) == (
        SurplusKind.UNDERPAYMENT, 6000, PAYER_IBAN, None)
    assert (request.status, request.paid_cents, request.due_cents) == (PaymentStatus.PARTIALLY_PAID, 6000, 3000)
    assert list(db.session.scalars(surpluses.open_underpayments_statement())) == [short]
    assert list(db.session.scalars(surpluses.open_surpluses_statement())) == []  # not an overpayment
    assert surpluses.fewer_shares_possible(short) == 2


def test_keep_due_reminds_the_member_once(client, make_member, make_staff, outbox):
    staff, member, request, applied = _short(make_member, make_staff, 3, 6000)
    short = applied.shortfall
    sign_in(client, staff)
    link = "Short of what was asked: decide what follows"
    assert link in client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    surpluses.keep_due(short, actor=staff, note="will pay the rest")
    db.session.commit()
    assert short.decision is SurplusDecision.KEEP_DUE
    assert (request.status, request.due_cents) == (PaymentStatus.PARTIALLY_PAID, 3000)
    [mail] = [m for m in outbox(member.email) if "30,00" in m.subject]
    assert "restent à payer" in mail.subject and "Veuillez virer le reste, 30,00" in mail.body_text
    assert "60,00" in mail.body_text and "90,00" in mail.body_text and request.formatted_reference in mail.body_text
    with pytest.raises(SurplusAlreadyDecided):
        surpluses.keep_due(short, actor=staff)
    db.session.rollback()
    assert list(db.session.scalars(surpluses.open_underpayments_statement())) == []
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.underpayment.keep_due"))
    assert link not in client.get(f"/staff/members/{member.id}").get_data(as_text=True)  # decided: nothing to do


def test_fewer_shares_with_what_was_paid_to_the_cent(make_member, make_staff, outbox):
    """90.00 asked for 3 shares, 75.50 paid: 2 shares (60.00), paid; 15.50 kept as an overpayment."""
    staff, member, request, applied = _short(make_member, make_staff, 3, 7550)
    request_, rest = surpluses.fewer_shares(applied.shortfall, actor=staff)
    db.session.commit()
    assert request_ is request
    assert (request.shares, request.amount_cents, request.paid_cents, request.status) == (
        2, 6000, 6000, PaymentStatus.PAID)
    assert (rest.kind, rest.amount_cents, rest.refund_iban, rest.decision) == (
        SurplusKind.OVERPAYMENT, 1550, PAYER_IBAN, None)
    position = register.holding(member)
    assert (position.shares, position.capital_cents, position.paid_cents) == (2, 6000, 6000)
    correction = db.session.scalar(select(ShareEntry).where(ShareEntry.kind == EntryKind.CORRECTION))
    assert (correction.shares, correction.capital_cents, correction.paid_cents) == (-1, -3000, -1550)
    assert applied.shortfall.decision is SurplusDecision.FEWER_SHARES
    with pytest.raises(SurplusAlreadyDecided):
        surpluses.refund(applied.shortfall, actor=staff)
    db.session.rollback()
    # Money in = register paid-up + money kept: nothing lost, nothing counted twice.
    assert 7550 == position.paid_cents + rest.amount_cents
    [mail] = [m for m in outbox(member.email) if m.subject.startswith("Votre souscription")]
    assert "2 parts" in mail.subject and "75,50" in mail.body_text and "15,50" in mail.body_text


def test_fewer_shares_needs_a_whole_share(make_member, make_staff):
    staff, _member, request, applied = _short(make_member, make_staff, 3, 2999)
    assert surpluses.fewer_shares_possible(applied.shortfall) == 0
    with pytest.raises(FewerSharesImpossible):
        surpluses.fewer_shares(applied.shortfall, actor=staff)
    db.session.rollback()
    assert applied.shortfall.decision is None and request.shares == 3


def test_refund_of_a_short_payment_leaves_the_register_and_the_whole_amount_due(make_member, make_staff, outbox):
    staff, member, request, applied = _short(make_member, make_staff, 2, 4550)
    surpluses.refund(applied.shortfall, actor=staff, note="asked to pay in one go")
    db.session.commit()
    kept = applied.shortfall
    assert (kept.decision, kept.refund_iban, kept.amount_cents) == (SurplusDecision.REFUND, PAYER_IBAN, 4550)
    assert list(db.session.scalars(surpluses.refund_list_statement())) == [kept]
    assert (request.status, request.paid_cents, request.due_cents) == (PaymentStatus.OPEN, 0, 6000)
    position = register.holding(member)
    assert (position.shares, position.capital_cents, position.paid_cents) == (2, 6000, 0)
    [mail] = [m for m in outbox(member.email) if m.subject.startswith("Nous vous remboursons 45,50")]
    assert iban_text(PAYER_IBAN) in mail.body_text and "60,00" in mail.body_text  # the account in groups of four and request.formatted_reference in mail.body_text


def test_a_request_paid_in_full_since_has_nothing_left_to_decide(make_member, make_staff):
    staff, _member, request, applied = _short(make_member, make_staff, 2, 1000)
    assert _pay(request, 5000, staff, ref="S2") is None  # the rest, paid by its communication
    db.session.refresh(request)
    assert request.status is PaymentStatus.PAID
    assert list(db.session.scalars(surpluses.open_underpayments_statement())) == []
    with pytest.raises(ShortfallSettled):
        surpluses.keep_due(applied.shortfall, actor=staff)
    db.session.rollback()


def test_a_decision_is_taken_once_by_the_database(make_member, make_staff):
    staff, _member, _request, applied = _short(make_member, make_staff, 3, 6000)
    short_id = applied.shortfall.id
    # Someone else decided in between: the conditional UPDATE finds no undecided row.
    db.session.execute(update(Surplus).where(Surplus.id == short_id)
                       .values(decision=SurplusDecision.KEEP_DUE, decided_at=func.now()))
    with pytest.raises(SurplusAlreadyDecided):
        surpluses._claim(applied.shortfall, SurplusDecision.REFUND, staff, "")
    db.session.rollback()
    # And a decision that does not fit the kind is refused by the CHECK constraint.
    with pytest.raises(IntegrityError):
        db.session.execute(update(Surplus).where(Surplus.id == short_id)
                           .values(decision=SurplusDecision.CREDIT, decided_at=func.now()))
    db.session.rollback()


# ------------------------------------------------------------------------------------------------
# A refused application's money
# ------------------------------------------------------------------------------------------------

def _application(shares=2):
    application = admission.apply(email="refused@example.be", kind=MemberKind.NATURAL, category=Category.A,
                                  shares=shares, language="fr", first_name="Rita", last_name="Refusée",
                                  street="Rue Haute 1", postcode="1000", city="Bruxelles", country="BE")
    db.session.commit()
    return application


@pytest.fixture
def decision_mode():
    current_app.config["ADMISSION_MODE"] = "decision"
    yield
    current_app.config["ADMISSION_MODE"] = "payment"


def test_refusing_a_paid_application_puts_its_money_on_the_refund_list_once(decision_mode, make_staff):
    staff = make_staff()
    application = _application(shares=2)
    request = application.payment_request
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(6000, today(), "Rita Refusée", iban=PAYER_IBAN, reference=request.reference)]))
    db.session.commit()
    db.session.refresh(application)
    assert application.status is ApplicationStatus.AWAITING_DECISION
    # The money is received (its payment entry), and is no paid-up capital before an admission.
    assert [e.amount_cents for e in register.payment_entries(request)] == [6000]
    assert register.holding(application.member).paid_cents == 0
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-9", actor=staff)
    db.session.commit()
    [refund] = list(db.session.scalars(surpluses.refund_list_statement()))
    assert (refund.kind, refund.amount_cents, refund.refund_iban, refund.member_id) == (
        SurplusKind.REFUSED_APPLICATION, 6000, PAYER_IBAN, application.member_id)
    assert admission.refund_for(application) == refund
    assert request.status is PaymentStatus.CANCELLED and request.paid_cents == 0
    assert register.holding(application.member).paid_cents == 0
    # The register says why this person is in it (their payment, refunded), and counts no member or money.
    register.forget_figures()
    [row] = [r for r in register.register_rows(today()) if r.member.id == application.member_id]
    assert row.status == "refused" and (row.holding.shares, row.holding.paid_cents) == (0, 0)
    assert register.totals(today())[Category.A].members == 0
    # Once: the request is cancelled (nothing more to refund), and the partial unique index refuses a
    # second refund of the same request whatever the code does.
    assert surpluses.refund_refused_application(application, actor=staff) is None
    db.session.add(Surplus(member_id=application.member_id, payment_request_id=request.id, amount_cents=6000,
                           kind=SurplusKind.REFUSED_APPLICATION, decision=SurplusDecision.REFUND,
                           decided_at=refund.decided_at))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert len(list(db.session.scalars(surpluses.refund_list_statement()))) == 1


def test_refusing_a_partly_paid_application_refunds_what_came(make_staff, outbox):
    staff = make_staff()
    application = _application(shares=3)
    register.record_payment(application.payment_request, 1234, on=today())
    register.record_payment(application.payment_request, 1001, on=today())
    db.session.commit()
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-9", actor=staff)
    db.session.commit()
    [refund] = list(db.session.scalars(surpluses.refund_list_statement()))
    assert refund.amount_cents == 2235 and refund.refund_iban is None  # no account known
    [mail] = outbox(application.member.email)[-1:]
    assert "22,35" in mail.subject and "IBAN" in mail.body_text  # asked for an account to pay back to
    assert application.payment_request.status is PaymentStatus.CANCELLED


def test_refusing_an_unpaid_application_refunds_nothing(make_staff, outbox):
    staff = make_staff()
    application = _application()
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-9", actor=staff)
    db.session.commit()
    assert list(db.session.scalars(surpluses.refund_list_statement())) == []
    assert application.payment_request.status is PaymentStatus.CANCELLED
    [mail] = outbox(application.member.email)[-1:]
    assert "pas été acceptée" in mail.body_text and "ne la payez pas" in mail.body_text


def test_fewer_shares_for_an_application_admits_with_those_shares(make_staff):
    staff = make_staff()
    application = _application(shares=3)
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(6000, today(), "Rita Refusée", iban=PAYER_IBAN, reference=application.payment_request.reference)]))
    db.session.commit()
    tx = db.session.scalar(select(BankTransaction))
    applied = bank.match_by_hand(tx, application.payment_request, expected_version=tx.version, reason="", actor=staff)
    db.session.commit()
    surpluses.fewer_shares(applied.shortfall, actor=staff)
    db.session.commit()
    db.session.refresh(application)
    assert application.status is ApplicationStatus.ADMITTED and application.shares == 2
    position = register.holding(application.member)
    assert (position.shares, position.capital_cents, position.paid_cents) == (2, 6000, 6000)


# ------------------------------------------------------------------------------------------------
# The screens
# ------------------------------------------------------------------------------------------------

def test_staff_decide_a_short_payment_from_the_queue(client, login_as, make_member):
    staff = login_as("staff")
    member = make_member(first_name="Sam", last_name="Short")
    _, request = register.subscribe(member, 3, on=date(2024, 1, 1))
    db.session.commit()
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(6000, date(2024, 1, 5), "Sam Short", iban=PAYER_IBAN, reference=request.reference)]))
    db.session.commit()
    tx = db.session.scalar(select(BankTransaction))
    prefix = f"tx{tx.id}-"
    data = {prefix + "version": tx.version, prefix + "action": "match", prefix + "reference": request.reference}
    # In place (htmx): the row says where to decide (the queue's first page, whichever page the payment
    # was on), and the section above the payments follows out of band, with it.
    in_place = client.post(f"/staff/payments/queue/{tx.id}", data=data, headers={"HX-Request": "true"})
    html = in_place.get_data(as_text=True)
    assert in_place.status_code == 200 and "decide what follows at the top of the queue" in html
    assert 'href="/staff/payments/queue#short-title"' in html
    assert '<section id="short" aria-labelledby="short-title" hx-swap-oob="true">' in html
    assert html.count('id="kept-') == 1 and "Keep the rest due and remind the member" in html
    # Without JavaScript, the same post is a redirect to that section.
    db.session.rollback()
    assert client.post(f"/staff/payments/queue/{tx.id}", data=data).status_code == 409  # already resolved
    page = client.get("/staff/payments/queue").get_data(as_text=True)
    assert "Payments short of what was asked" in page and "1 partial payment to decide." in page
    assert "Keep the rest due and remind the member" in page and "Buy fewer shares with what was paid" in page
    assert "2 shares instead of 3" in page
    home = client.get("/").get_data(as_text=True)
    assert "1 partial payment to decide" in home
    member_page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert "Short of what was asked: decide what follows" in member_page and "/staff/payments/queue#short" in member_page
    # In French, every sentence of the page has its no-break spaces (templates and Python alike).
    with client.session_transaction() as session:
        session["language"] = "fr"
    french = client.get("/staff/payments/queue").get_data(as_text=True)
    main = re.sub(r"<[^>]+>", " ", french.split("<main", 1)[-1].split("</main>")[0])
    assert "Paiements inférieurs à ce qui était demandé" in main and "2 parts au lieu de 3" in main
    assert not re.search(r"\w [:;!?](\s|$)", main), re.findall(r".{30}\w [:;!?]", main)
    with client.session_transaction() as session:
        session["language"] = "en"
    short = db.session.scalar(select(Surplus).where(Surplus.kind == SurplusKind.UNDERPAYMENT))
    # Each decision confirms in place; the first one counts, the second gets 409.
    done = client.post(f"/staff/payments/short/{short.id}/fewer", headers={"HX-Request": "true"}, data={})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "The request is now for 2 shares, paid." in html and "<html" not in html
    again = client.post(f"/staff/payments/short/{short.id}/keep", headers={"HX-Request": "true"}, data={})
    assert again.status_code == 409 and "Someone decided" in again.get_data(as_text=True)
    db.session.expire_all()
    assert (request.shares, request.amount_cents, request.status) == (2, 6000, PaymentStatus.PAID)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.underpayment.fewer_shares",
                                                      AuditEntry.actor_id == staff.id))
    assert client.post("/staff/payments/short/999999/keep", data={}).status_code == 404


def test_refused_application_money_on_the_refund_list_and_its_csv(client, login_as, make_staff):
    login_as("staff")
    application = _application(shares=2)
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S1", 0, [
        Credit(4550, today(), "Rita Refusée", iban=PAYER_IBAN, reference=application.payment_request.reference)]))
    db.session.commit()
    tx = db.session.scalar(select(BankTransaction))
    prefix = f"tx{tx.id}-"
    client.post(f"/staff/payments/queue/{tx.id}", data={prefix + "version": tx.version, prefix + "action": "match",
                                                         prefix + "reference": application.payment_request.reference})
    cards = client.get("/staff/applications").get_data(as_text=True)
    assert "puts the 45.50 € received on the refund list" in cards or "45.50" in cards
    refused = client.post(f"/staff/applications/{application.id}/refuse",
                          data={"decision_on": today().isoformat(), "decision_reference": "CA-9", "confirmed": "1"})
    assert refused.status_code == 302
    flashed = client.get("/staff/applications").get_data(as_text=True)
    assert "is on the refund list" in flashed and "BE62 5100 0754 7061" in flashed  # grouped, as people read it
    listed = client.get("/staff/payments/refunds").get_data(as_text=True)
    assert "Rita Refusée" in listed and "Membership application refused" in listed and "BE62 5100 0754 7061" in listed
    csv = client.get("/staff/payments/refunds?format=csv").get_data(as_text=True)
    [row] = [row for row in csv_rows(csv) if "Rita" in row[1]]
    assert row[2:5] == [PAYER_IBAN, "45,50", "4550"] and row[-1] == "Membership application refused"
    # The short payment's undecided record is gone with the cancelled request.
    assert "Payments short of what was asked" in client.get("/staff/payments/queue").get_data(as_text=True)
    assert list(db.session.scalars(surpluses.open_underpayments_statement())) == []


def test_money_kept_for_a_refused_applicant_can_only_be_paid_back(make_staff, decision_mode):
    """An overpaid application refused: the extra money cannot make the person a member by buying shares."""
    from shares.errors import KeptMoneyNotForShares

    staff = make_staff()
    application = _application(shares=1)
    applied = register.record_payment(application.payment_request, 4500, on=today())
    db.session.commit()
    kept = applied.surplus
    assert kept.amount_cents == 1500
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-9", actor=staff)
    db.session.commit()
    for decide in (surpluses.buy_shares, surpluses.credit_next_year):
        with pytest.raises(KeptMoneyNotForShares):
            decide(kept, actor=staff)
        db.session.rollback()
    surpluses.refund(kept, iban=PAYER_IBAN, actor=staff)
    db.session.commit()
    assert sorted(r.amount_cents for r in db.session.scalars(surpluses.refund_list_statement())) == [1500, 3000]
    assert register.holding(application.member).shares == 0
