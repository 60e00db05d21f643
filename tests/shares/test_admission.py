"""Admission: the application, its payment request, admission on payment or by decision, the welcome mail
with the certificate attached, and the decision step for buying more shares."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app

from app.clock import today
from app.extensions import db
from app.mail import build_email
from app.models import AuditEntry
from shares import admission, register
from shares.errors import AdmittedBeforeApplying, ApplicationPending, DuplicateEmail
from shares.member_requests import buy_shares, decide
from shares.models import (ApplicationStatus, Category, EntryKind, MemberKind, MemberRequest, PaymentPurpose,
                           PaymentRequest, PaymentStatus, ShareEntry)
from shares.payments import parse_epc, request_payload
from shares.register import record_payment as apply_payment
from shares.standing import standing_reasons
from tests.factories import ON_POSTGRES


def apply_for(shares=2, email="new@example.be", **kw):
    fields = dict(first_name="Inès", last_name="Lefèvre", street="Rue Haute 1", postcode="1000", city="Bruxelles",
                  country="BE", national_number=None, enterprise_number=None, legal_name=None)
    fields.update(kw)
    application = admission.apply(email=email, kind=MemberKind.NATURAL, category=Category.A, shares=shares,
                                  language="fr", **fields)
    db.session.commit()
    return application


@pytest.fixture
def decision_mode():
    current_app.config["ADMISSION_MODE"] = "decision"
    yield
    current_app.config["ADMISSION_MODE"] = "payment"


def test_an_application_asks_for_the_shares_and_writes_nothing_in_the_register():
    application = apply_for(shares=3)
    request = application.payment_request
    assert request.purpose is PaymentPurpose.SUBSCRIPTION and request.amount_cents == 9000 and request.shares == 3
    assert parse_epc(request_payload(request))["amount_cents"] == 9000
    assert application.status is ApplicationStatus.AWAITING_PAYMENT
    assert db.session.scalar(db.select(db.func.count()).select_from(ShareEntry)) == 0
    assert standing_reasons(application.member, today())  # not a member yet
    with pytest.raises(DuplicateEmail):
        apply_for(email="NEW@example.be")
    db.session.rollback()


def test_automatic_admission_on_payment_welcomes_with_the_certificate(outbox):
    application = apply_for(shares=2)
    apply_payment(application.payment_request, 6000, on=today())
    db.session.commit()
    db.session.refresh(application)
    assert application.status is ApplicationStatus.ADMITTED and application.decision_reference is None
    entry = db.session.get(ShareEntry, application.subscription_entry_id)
    assert entry.kind is EntryKind.SUBSCRIPTION and entry.shares == 2 and entry.effective_on == today()
    position = register.holding(application.member)
    assert (position.shares, position.capital_cents, position.paid_cents) == (2, 6000, 6000)
    assert standing_reasons(application.member, today()) == []
    [welcome] = [m for m in outbox(application.member.email) if m.subject.startswith("Bienvenue")]
    [attachment] = welcome.attachments
    assert attachment.mimetype == "application/pdf" and attachment.content is None  # made when sent
    email = build_email(welcome, "coop@example.be")
    [part] = list(email.iter_attachments())
    assert part.get_filename() == f"attestation-adhesion-{application.member.number}-{today().year}.pdf"  # in the member's French
    assert part.get_content().startswith(b"%PDF")
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "shares.application.admit"))


def test_a_partial_payment_does_not_admit():
    application = apply_for(shares=2)
    apply_payment(application.payment_request, 3000, on=today())
    db.session.commit()
    assert admission.application_for(application.member_id).status is ApplicationStatus.AWAITING_PAYMENT


def test_admission_by_decision_records_its_date_and_reference(decision_mode, make_staff, outbox):
    staff = make_staff()
    application = apply_for(shares=1)
    with pytest.raises(admission.ApplicationNotPaid):
        admission.decide(application, admit=True, decision_on=today(), decision_reference="CA-1", actor=staff)
    db.session.rollback()
    apply_payment(application.payment_request, 3000, on=today() - timedelta(days=3))
    db.session.commit()
    assert admission.application_for(application.member_id).status is ApplicationStatus.AWAITING_DECISION
    assert admission.pending_decision_count() == 1
    assert not [m for m in outbox() if m.attachments]  # no certificate before the decision
    with pytest.raises(admission.DecisionRequired):
        admission.decide(application, admit=True, decision_on=today(), decision_reference=" ", actor=staff)
    with pytest.raises(AdmittedBeforeApplying):  # the register would show a member before they paid
        admission.decide(application, admit=True, decision_on=today() - timedelta(days=4),
                         decision_reference="CA-2026-11", actor=staff)
    db.session.rollback()
    admission.decide(application, admit=True, decision_on=today() - timedelta(days=1),
                     decision_reference="CA-2026-11", actor=staff)
    db.session.commit()
    entry = db.session.get(ShareEntry, admission.application_for(application.member_id).subscription_entry_id)
    assert entry.board_reference == "CA-2026-11" and entry.board_decision_on == today() - timedelta(days=1)
    assert entry.effective_on == today() - timedelta(days=1)
    with pytest.raises(admission.ApplicationAlreadyDecided):
        admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-3", actor=staff)
    db.session.rollback()
    assert [m for m in outbox(application.member.email) if m.attachments]


def test_refusing_an_unpaid_application_cancels_its_request(make_staff):
    application = apply_for()
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-9", actor=make_staff())
    db.session.commit()
    assert application.payment_request.status is PaymentStatus.CANCELLED
    assert admission.application_for(application.member_id).status is ApplicationStatus.REFUSED


def test_an_applicant_cannot_buy_more_shares_before_admission():
    application = apply_for()
    with pytest.raises(ApplicationPending):
        buy_shares(application.member, 1)


def test_buying_more_shares_can_wait_for_a_decision(member_with_shares, make_staff, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1))
    current_app.config["SHARE_PURCHASE_NEEDS_DECISION"] = True
    try:
        assert buy_shares(member, 2) is None
        db.session.commit()
        pending = db.session.scalar(db.select(MemberRequest).where(MemberRequest.member_id == member.id))
        assert pending.details == {"shares": 2} and register.holding(member).shares == 1
        decide(pending, approve=True, actor=make_staff(), note="CA-4")
        db.session.commit()
        assert register.holding(member).shares == 3 and register.holding(member).paid_cents == 3000
        [told] = [m for m in outbox(member.email) if m.dedupe_key == f"shares.member_request:{pending.id}"]
        request = db.session.scalar(db.select(PaymentRequest).where(PaymentRequest.member_id == member.id,
                                                                   PaymentRequest.shares == 2))
        assert "2 more shares are subscribed in your name." in told.body_text
        assert "transfer 60.00 € to BE" in told.body_text and request.formatted_reference in told.body_text
    finally:
        current_app.config["SHARE_PURCHASE_NEEDS_DECISION"] = False


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite serialises writers on the whole file: only PostgreSQL shows "
                                            "two transactions taking row locks in opposite orders")
def test_a_withdrawal_and_a_payment_at_the_same_moment_wait_for_each_other_without_deadlock(monkeypatch):
    """The withdrawal locks the payment request before the application, as a payment does: the payment
    waits, then finds the request cancelled and is refused in words (a deadlock would abort it: a 500
    for staff recording cash, a whole bank statement lost)."""
    import threading
    import time

    from app.errors import DomainError
    from shares.models import MembershipApplication

    application = apply_for()
    application_id, request_id = application.id, application.payment_request_id
    amount = application.payment_request.amount_cents
    served = current_app._get_current_object()
    both_locked, outcomes = threading.Event(), {}
    cancel = admission.cancel_payment_request

    def slow_cancel(request, *, actor=None):
        both_locked.set()  # the request and the application are locked by now
        time.sleep(0.5)  # the payment asks for the request meanwhile
        return cancel(request, actor=actor)

    monkeypatch.setattr(admission, "cancel_payment_request", slow_cancel)

    def attempt(name, step):
        with served.app_context():
            try:
                step()
                db.session.commit()
                outcomes[name] = "done"
            except DomainError as exc:
                db.session.rollback()
                outcomes[name] = "refused in words: " + type(exc).__name__
            except Exception as exc:  # noqa: BLE001 - a deadlock, reported below
                db.session.rollback()
                outcomes[name] = repr(exc)[:200]
            finally:
                db.session.remove()

    def withdraw():
        admission.withdraw(db.session.get(MembershipApplication, application_id))

    def pay():
        request = db.session.get(PaymentRequest, request_id)
        both_locked.wait(10)
        apply_payment(request, amount, on=today())

    threads = [threading.Thread(target=attempt, args=("withdraw", withdraw)),
               threading.Thread(target=attempt, args=("payment", pay))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes["withdraw"] == "done", outcomes
    assert outcomes["payment"].startswith("refused in words"), outcomes
    db.session.expire_all()
    assert db.session.get(MembershipApplication, application_id).status.value == "withdrawn"
    assert db.session.get(PaymentRequest, request_id).paid_cents == 0
