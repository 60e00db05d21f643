"""What a careless or unusual bank file does (the money review's findings): an entry of 0.00 €, the bank
taking back a member's payment, transfers booked on impossible days, a bank reference reused on another
day, communications written with dots or dashes, the same file imported twice at once; and money received
outside the bank dated before its request. Amounts checked to the cent, and what staff read."""
from __future__ import annotations

import html
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from shares import bank, register
from shares import surplus as surpluses
from shares.camt_writer import Credit, write_camt053
from shares.errors import BookedInFuture, NoPaymentToReturn, ReceivedBeforeAsked
from shares.models import (BankStatementImport, BankTransaction, EntryKind, MatchStatus, PaymentPurpose,
                           PaymentRequest, PaymentStatus, ShareEntry, Surplus, SurplusDecision)
from shares.payments import create_payment_request
from shares.references import find_reference
from shares.settings import setting

D = date(2024, 3, 4)
IBAN = "BE62510007547061"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _file(statement_id: str, *credits: Credit, reversal: bool = False) -> bytes:
    data = write_camt053(setting("COOP_IBAN"), statement_id, 0, list(credits))
    if reversal:  # the bank's reversal indicator on every debit of the file
        data = data.replace(b"<CdtDbtInd>DBIT</CdtDbtInd><Sts>",
                            b"<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>")
    return data


def _import(data: bytes):
    result = bank.import_statement(data)
    db.session.commit()
    return result


def _subscribed(make_member, shares: int = 1, on: date = date(2024, 1, 1), **kwargs):
    member = make_member(**kwargs)
    _entry, request = register.subscribe(member, shares, on=on)
    db.session.commit()
    return member, request


def _upload(client, data: bytes, name: str = "statement.xml", language: str = "en"):
    client.post("/language", data={"language": language, "next": "/"})
    return client.post("/staff/payments/import", data={"statement": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _text(response) -> str:
    """The page's words, entities read and spaces (French's no-break ones too) made plain."""
    return " ".join(html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\xa0", " ").split())


# ------------------------------------------------------------------------------------------------
# An entry of 0.00 €
# ------------------------------------------------------------------------------------------------


def test_an_entry_of_zero_naming_a_paid_request_is_set_aside_and_the_file_imports(client, login_as, make_member):
    login_as("staff")
    member, request = _subscribed(make_member)
    register.record_payment(request, 3000, on=date(2024, 1, 2))
    db.session.commit()
    data = _file("Z1", Credit(5000, D, "Someone", text="gift"), Credit(0, D, "Zero", reference=request.reference))
    page = _upload(client, data)
    assert page.status_code == 200, _text(page)
    assert "1 entry of 0.00 € set aside: it is not a payment." in _text(page)
    assert "New transactions: 50.00 € in, 0.00 € out." in _text(page)
    zero = db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents == 0))
    assert (zero.why, zero.match_status, zero.resolved_at is not None) == ("zero", MatchStatus.IGNORED, True)
    assert zero.payment_request_id is None
    db.session.refresh(request)
    assert (request.status, request.paid_cents, request.due_cents) == (PaymentStatus.PAID, 3000, 0)
    assert register.holding(member).paid_cents == 3000
    assert bank.queue_counts() == {"no_reference": 1}  # the 50 € only: a 0.00 € entry never waits
    assert _count(ShareEntry, ShareEntry.kind == EntryKind.PAYMENT) == 1
    # In French too.
    again = _file("Z2", Credit(0, D, "Zéro", reference=request.reference, bank_reference="Z2-ZERO"))
    french = _upload(client, again, "z2.xml", "fr")
    assert french.status_code == 200
    assert "1 écriture de 0,00 € mise de côté : ce n'est pas un paiement." in _text(french)


def test_money_naming_a_request_with_nothing_due_waits_as_an_overpayment(make_member):
    _member, request = _subscribed(make_member)
    register.record_payment(request, 3000, on=date(2024, 1, 2))
    db.session.commit()
    result = _import(_file("S1", Credit(3000, D, "Twice", reference=request.reference)))
    assert result.counts == {"overpaid": 1}
    db.session.refresh(request)
    assert (request.paid_cents, request.status) == (3000, PaymentStatus.PAID)


# ------------------------------------------------------------------------------------------------
# The bank takes back a member's payment
# ------------------------------------------------------------------------------------------------


def _paid_then_reversed(make_member, *, reversal=True, amount=3000, **kwargs):
    member, request = _subscribed(make_member, first_name="Rita", last_name="Retour", **kwargs)
    _import(_file("S1", Credit(3000, D, "Rita Retour", iban=IBAN, reference=request.reference, bank_reference="TX-1")))
    result = _import(_file("S2", Credit(-amount, D + timedelta(days=3), "Rita Retour", iban=IBAN,
                                        reference=request.reference, bank_reference="TX-1-R"), reversal=reversal))
    tx = db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents < 0))
    return member, request, result, tx


@pytest.mark.parametrize("reversal", [True, False], ids=["reversal indicator", "debit naming our request"])
def test_money_taken_back_waits_for_staff_naming_its_request(make_member, reversal):
    member, request, result, tx = _paid_then_reversed(make_member, reversal=reversal)
    assert result.counts == {"reversal": 1}
    assert (tx.why, tx.match_status, tx.resolved_at, tx.payment_request_id) == ("reversal", MatchStatus.UNKNOWN,
                                                                                 None, request.id)
    assert bank.queue_counts() == {"reversal": 1}
    db.session.refresh(request)
    assert request.status is PaymentStatus.PAID  # until staff say it is the payment returned
    assert register.holding(member).paid_cents == 3000


def test_a_debit_naming_no_request_of_ours_stays_the_account_s_own_business(make_member):
    _member, request = _subscribed(make_member)
    result = _import(_file("S1", Credit(-4400, D, "Supplier", reference="000000009797")))
    assert result.counts == {"debit": 1} and bank.queue_count() == 0


def test_staff_record_the_payment_returned_after_a_confirmation(client, login_as, make_member):
    staff = login_as("staff")
    member, request, _result, tx = _paid_then_reversed(make_member)
    queue = _text(client.get("/staff/payments/queue"))
    assert "Money taken back by the bank: perhaps a member's payment returned" in queue
    assert "The payment of Rita Retour came back" in queue
    form = {f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "returned",
            f"tx{tx.id}-reference": request.reference}
    in_place = client.post(f"/staff/payments/queue/{tx.id}", data=form, headers={"HX-Request": "true"})
    assert in_place.status_code == 200 and "<html" not in in_place.get_data(as_text=True)
    assert "Yes, the payment came back" in _text(in_place)
    asked = client.post(f"/staff/payments/queue/{tx.id}", data=form)
    assert asked.status_code == 200, _text(asked)
    assert ("30.00 € paid on 4 March 2024 by Rita Retour for " + request.formatted_reference
            + " will be taken out of the share register, and the request will ask 30.00 € again.") in _text(asked)
    assert "Yes, the payment came back" in _text(asked)
    db.session.expire_all()
    assert request.status is PaymentStatus.PAID and tx.in_queue  # nothing changed before the confirmation
    done = client.post(f"/staff/payments/queue/{tx.id}", data={**form, "confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert (request.status, request.paid_cents, request.due_cents) == (PaymentStatus.OPEN, 0, 3000)
    assert (tx.match_status, tx.resolved_at is not None, tx.matched_by_id) == (MatchStatus.RETURNED, True, staff.id)
    assert register.holding(member).paid_cents == 0 and register.holding(member).capital_cents == 3000
    correction = db.session.scalar(select(ShareEntry).where(ShareEntry.kind == EntryKind.CORRECTION))
    assert (correction.paid_cents, correction.note) == (-3000, "Payment returned by the bank")
    assert bank.queue_count() == 0
    # Sent again (another tab): resolved already, nothing taken out twice.
    twice = client.post(f"/staff/payments/queue/{tx.id}", data={**form, "confirmed": "1"})
    assert twice.status_code == 409 and "Someone resolved this payment first." in _text(twice)
    assert register.holding(member).paid_cents == 0
    # The member's page and the register agree: the request asks its 30 € again, with its QR code.
    login_as(member.account)
    mine = _text(client.get("/me/payments"))
    assert "To pay" in mine and request.formatted_reference in mine and "Paid" not in mine.split("<h1")[1]


def test_money_taken_back_that_is_no_payment_in_the_register_is_refused_in_words(client, login_as, make_member):
    login_as("staff")
    member, request, _result, tx = _paid_then_reversed(make_member, amount=2000)
    with pytest.raises(NoPaymentToReturn):
        bank.payment_returned(tx, request, expected_version=tx.version, reason="", actor=None)
    db.session.rollback()
    refused = client.post(f"/staff/payments/queue/{tx.id}", data={
        f"tx{tx.id}-version": tx.version, f"tx{tx.id}-action": "returned", f"tx{tx.id}-reference": request.reference})
    assert refused.status_code == 422
    assert "No payment of 20.00 € of this request is in the register" in _text(refused)
    db.session.expire_all()
    assert request.paid_cents == 3000 and tx.in_queue and register.holding(member).paid_cents == 3000
    # A credit is never "returned"; a debit never pays a request.
    assert "A payment returned: take it out of its request" in _text(refused)


# ------------------------------------------------------------------------------------------------
# Transfers booked on a day they cannot pay their request; money received outside the bank
# ------------------------------------------------------------------------------------------------


def test_transfers_booked_before_the_request_or_in_the_future_wait_with_their_reason(client, login_as, make_member):
    login_as("staff")
    member, request = _subscribed(make_member, on=date(2024, 6, 1))
    future = clock.today() + timedelta(days=5 * 365)
    result = _import(_file("S1", Credit(3000, date(1999, 6, 1), "Early", reference=request.reference),
                           Credit(3000, future, "Late", reference=request.reference)))
    assert result.counts == {"date": 2}
    db.session.refresh(request)
    assert (request.status, request.paid_cents) == (PaymentStatus.OPEN, 0)
    assert _count(ShareEntry, ShareEntry.kind == EntryKind.PAYMENT) == 0
    assert register.holding(member, date(2000, 1, 1)).paid_cents == 0
    early, late = db.session.scalars(select(BankTransaction).order_by(BankTransaction.booking_date)).all()
    assert early.payment_request_id == late.payment_request_id == request.id
    queue = _text(client.get("/staff/payments/queue?why=date"))
    assert "Booked on a day it cannot pay its request: before the request could be paid, or in the future" in queue
    with pytest.raises(BookedInFuture):
        bank.match_by_hand(late, request, expected_version=late.version, reason="", actor=None)
    db.session.rollback()
    refused = client.post(f"/staff/payments/queue/{late.id}", data={
        f"tx{late.id}-version": late.version, f"tx{late.id}-action": "match",
        f"tx{late.id}-reference": request.reference})
    assert refused.status_code == 422 and "a day still to come: no statement can show that yet" in _text(refused)
    # The same day as the subscription pays it.
    on_time = _import(_file("S2", Credit(3000, date(2024, 6, 1), "On time", reference=request.reference)))
    assert on_time.counts == {"matched": 1}
    db.session.refresh(request)
    assert (request.status, request.paid_cents) == (PaymentStatus.PAID, 3000)


def test_money_received_outside_the_bank_is_not_dated_before_its_request(client, login_as, make_member):
    login_as("staff")
    member, request = _subscribed(make_member, on=date(2024, 6, 1))
    with pytest.raises(ReceivedBeforeAsked):
        register.record_payment_received(request, 3000, on=date(2001, 1, 1), how="cash", seen_paid_cents=0)
    db.session.rollback()
    form = {"amount_cents": "30", "effective_on": "2001-01-01", "how": "cash at the door", "seen_paid_cents": "0"}
    page = client.post(f"/staff/payment-requests/{request.id}/received", data=form)
    assert page.status_code == 422
    text = _text(page)
    assert ("The money cannot have been received on 1 January 2001, before 1 June 2024, the first day it could "
            "pay this request") in text
    assert "Yes, record it" not in text  # refused before the confirmation, beside the date
    assert text.index("The money cannot have been received") > text.index("Date received")
    sent = client.post(f"/staff/payment-requests/{request.id}/received", data={**form, "confirmed": "1"})
    assert sent.status_code == 422
    db.session.expire_all()
    assert request.paid_cents == 0 and register.holding(member).paid_cents == 0
    ok = client.post(f"/staff/payment-requests/{request.id}/received",
                     data={**form, "effective_on": "2024-06-01", "confirmed": "1"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert request.paid_cents == 3000 and register.holding(member).paid_cents == 3000


# ------------------------------------------------------------------------------------------------
# A short renewal payment paid back; a renewal payment returned by the bank
# ------------------------------------------------------------------------------------------------


def _member_with_renewal(make_member):
    member, shares = _subscribed(make_member, on=date(2023, 1, 1))
    register.record_payment(shares, 3000, on=date(2023, 1, 1))
    fee = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=2024)
    db.session.commit()
    return member, fee


def test_a_short_renewal_payment_can_be_paid_back(make_member, outbox):
    member, fee = _member_with_renewal(make_member)
    _import(_file("S1", Credit(1000, date(2024, 2, 1), "M", iban=IBAN, reference=fee.reference)))
    tx = db.session.scalar(select(BankTransaction))
    applied = bank.match_by_hand(tx, fee, expected_version=tx.version, reason="", actor=None)
    db.session.commit()
    assert (fee.status, fee.paid_cents, applied.shortfall.amount_cents) == (PaymentStatus.PARTIALLY_PAID, 1000, 1000)
    surpluses.refund(applied.shortfall, iban=IBAN)
    db.session.commit()
    db.session.refresh(fee)
    assert (fee.status, fee.paid_cents, fee.due_cents) == (PaymentStatus.OPEN, 0, 2500)
    correction = db.session.scalar(select(ShareEntry).where(ShareEntry.kind == EntryKind.CORRECTION))
    assert (correction.amount_cents, correction.paid_cents, correction.capital_cents) == (-1000, 0, 0)
    # The renewal fee is no capital: the register's capital and paid-up capital do not move.
    position = register.holding(member)
    assert (position.capital_cents, position.paid_cents) == (3000, 3000)
    refunds = db.session.scalars(surpluses.refund_list_statement()).all()
    assert [(s.amount_cents, s.refund_iban, s.decision) for s in refunds] == [(1000, IBAN, SurplusDecision.REFUND)]


def test_staff_pay_back_a_short_renewal_payment_from_the_queue(client, login_as, make_member):
    login_as("staff")
    member, fee = _member_with_renewal(make_member)
    _import(_file("S1", Credit(1000, date(2024, 2, 1), "M", iban=IBAN, reference=fee.reference)))
    tx = db.session.scalar(select(BankTransaction))
    bank.match_by_hand(tx, fee, expected_version=tx.version, reason="", actor=None)
    db.session.commit()
    short = db.session.scalar(select(Surplus))
    queue = _text(client.get("/staff/payments/queue"))
    assert "Payments short of what was asked" in queue and "Pay it back" in queue
    done = client.post(f"/staff/payments/kept/{short.id}/refund", data={f"s{short.id}refund-iban": IBAN},
                       headers={"HX-Request": "true"})
    assert done.status_code == 200, _text(done)
    assert ("10.00 € will be paid back to BE62 5100 0754 7061: it is on the refund list. The request asks its whole "
            "amount again.") in _text(done)
    db.session.expire_all()
    assert (fee.status, fee.paid_cents, fee.due_cents) == (PaymentStatus.OPEN, 0, 2500)
    assert register.holding(member).paid_cents == 3000
    refunds = _text(client.get("/staff/payments/refunds"))
    assert "10.00 €" in refunds and "A partial payment, paid back" in refunds


def test_a_renewal_payment_returned_by_the_bank_is_due_again(make_member):
    member, fee = _member_with_renewal(make_member)
    _import(_file("S1", Credit(2500, date(2024, 2, 1), "M", reference=fee.reference)))
    db.session.refresh(fee)
    assert fee.status is PaymentStatus.PAID
    _import(_file("S2", Credit(-2500, date(2024, 2, 9), "M", reference=fee.reference), reversal=True))
    tx = db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents < 0))
    bank.payment_returned(tx, fee, expected_version=tx.version, reason="", actor=None)
    db.session.commit()
    db.session.refresh(fee)
    assert (fee.status, fee.paid_cents, fee.due_cents) == (PaymentStatus.OPEN, 0, 2500)
    assert register.holding(member).paid_cents == 3000  # the shares stay paid up


def test_a_short_payment_returned_by_the_bank_leaves_nothing_to_decide(make_member):
    _member, request = _subscribed(make_member, shares=2)
    _import(_file("S1", Credit(1000, D, "M", reference=request.reference, bank_reference="P-1")))
    tx = db.session.scalar(select(BankTransaction))
    bank.match_by_hand(tx, request, expected_version=tx.version, reason="", actor=None)
    db.session.commit()
    assert _count(Surplus, Surplus.decision.is_(None)) == 1
    _import(_file("S2", Credit(-1000, D + timedelta(days=1), "M", reference=request.reference, bank_reference="P-1R")))
    back = db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents < 0))
    bank.payment_returned(back, request, expected_version=back.version, reason="", actor=None)
    db.session.commit()
    db.session.refresh(request)
    assert (request.status, request.paid_cents, request.due_cents) == (PaymentStatus.OPEN, 0, 6000)
    assert _count(Surplus, Surplus.decision.is_(None)) == 0
    assert db.session.scalars(surpluses.refund_list_statement()).all() == []  # the bank paid it back, not us


# ------------------------------------------------------------------------------------------------
# A bank reference reused on another day
# ------------------------------------------------------------------------------------------------


def test_a_bank_reference_reused_on_another_day_is_kept_and_said(client, login_as, make_member):
    login_as("staff")
    _anne, annes = _subscribed(make_member, first_name="Anne")
    _bert, berts = _subscribed(make_member, first_name="Bert")
    _import(_file("DAY1", Credit(3000, date(2024, 2, 1), "Anne", reference=annes.reference, bank_reference="0001")))
    day2 = _file("DAY2", Credit(3000, date(2024, 2, 2), "Bert", reference=berts.reference, bank_reference="0001"))
    page = _upload(client, day2, "day2.xml")
    text = _text(page)
    assert page.status_code == 200 and "1 new transaction recorded." in text
    assert ("1 transaction has a bank reference an earlier one had, with another date or amount: kept as a new "
            "transaction, not taken for the earlier one.") in text
    db.session.expire_all()
    assert annes.status is PaymentStatus.PAID and berts.status is PaymentStatus.PAID
    assert _count(BankTransaction) == 2
    assert db.session.scalar(select(func.sum(BankTransaction.amount_cents))) == 6000
    # The same day's statement again, in another file: the same transaction, not a third one.
    again = bank.import_statement(_file("DAY2-copy", Credit(3000, date(2024, 2, 2), "Bert", reference=berts.reference,
                                                            bank_reference="0001")))
    db.session.commit()
    assert (again.new, again.duplicates, again.reused_references) == (0, 1, 0) and _count(BankTransaction) == 2
    # The same reference, date and amount is the same transaction, as before.
    same = bank.import_statement(_file("DAY1-copy", Credit(3000, date(2024, 2, 1), "Anne", reference=annes.reference,
                                                           bank_reference="0001")))
    assert (same.new, same.duplicates) == (0, 1)


# ------------------------------------------------------------------------------------------------
# Communications written with dots or dashes
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["+++010.8068.17183+++", "010-8068-17183", "paid 010.8068.17183, thanks",
                                  "***010 - 8068 - 17183***"])
def test_dots_and_dashes_separate_a_communication_s_groups(text):
    assert find_reference(text) == "010806817183"


@pytest.mark.parametrize("spelling", ["{a}.{b}.{c}", "{a}-{b}-{c}", "+++{a}.{b}.{c}+++", "{a}_{b}_{c}"])
def test_a_communication_with_dots_or_dashes_pays_its_request(make_member, spelling):
    _member, request = _subscribed(make_member)
    ref = request.reference
    typed = spelling.format(a=ref[:3], b=ref[3:7], c=ref[7:])
    result = _import(_file("S1", Credit(3000, D, "Dot", reference=typed)))
    assert result.counts == {"matched": 1}
    db.session.refresh(request)
    assert (request.status, request.paid_cents) == (PaymentStatus.PAID, 3000)


def test_dots_in_free_text_and_wrong_check_digits_and_other_references(make_member):
    from shares.queries import suggestions_for

    _member, request = _subscribed(make_member)
    _other, slipped_request = _subscribed(make_member)
    ref = request.reference
    slip = slipped_request.reference[:6] + str((int(slipped_request.reference[6]) + 3) % 10) \
        + slipped_request.reference[7:]
    result = _import(_file("S1", Credit(3000, D, "Free", text=f"+++{ref[:3]}.{ref[3:7]}.{ref[7:]}+++"),
                           Credit(2000, D, "Slip", text=f"{slip[:3]}.{slip[3:7]}.{slip[7:]}"),
                           Credit(2000, D, "Creditor", reference="RF18539007547034")))
    assert result.counts == {"matched": 1, "bad_reference": 1, "other_reference": 1}
    slipped = db.session.scalar(select(BankTransaction).where(BankTransaction.why == "bad_reference"))
    assert [(s.request.id, s.reasons) for s in suggestions_for(slipped)] == [(slipped_request.id, ["near_reference"])]
    other = db.session.scalar(select(BankTransaction).where(BankTransaction.why == "other_reference"))
    assert other.typed_reference == "RF18539007547034"


def test_a_valid_communication_typed_in_a_way_an_earlier_import_missed_is_suggested(make_member):
    """Rows imported before dots were read wait as "wrong check digits": the request they name is suggested."""
    from shares.queries import suggestions_for

    _member, request = _subscribed(make_member)
    ref = request.reference
    _import(_file("S1", Credit(3000, D, "Old", text="?")))
    tx = db.session.scalar(select(BankTransaction))
    tx.typed_reference, tx.why = f"{ref[:3]}.{ref[3:7]}.{ref[7:]}", "bad_reference"
    db.session.commit()
    assert [(s.request.id, s.reasons) for s in suggestions_for(tx)] == [(request.id, ["reference", "amount"])]


# ------------------------------------------------------------------------------------------------
# The same file imported twice at the same moment
# ------------------------------------------------------------------------------------------------


def test_the_same_file_imported_twice_at_once_says_it_was_just_imported(client, login_as, make_member, monkeypatch,
                                                                        data_app):
    import shares.bank as bank_module

    login_as("staff")
    _member, request = _subscribed(make_member)
    data = _file("S1", Credit(3000, D, "M", reference=request.reference))
    real = bank_module.parse_camt053
    done = []

    def the_other_click_commits_first(raw):
        if not done:  # the other request, a moment ahead, commits between the look-up and the insert
            done.append(1)
            with data_app.app_context():
                bank.import_statement(raw)
                db.session.commit()
        return real(raw)

    monkeypatch.setattr(bank_module, "parse_camt053", the_other_click_commits_first)
    page = _upload(client, data)
    text = _text(page)
    assert page.status_code == 200, text
    assert "This file was just imported, on" in text and "it is imported once. Nothing more changed." in text
    db.session.remove()
    assert _count(BankStatementImport) == 1 and _count(ShareEntry, ShareEntry.kind == EntryKind.PAYMENT) == 1
    assert db.session.scalar(select(PaymentRequest.paid_cents)) == 3000
