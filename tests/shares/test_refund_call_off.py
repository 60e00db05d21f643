"""Staff call a refund off. Money kept beyond what was due leaves the refund list and is kept again, to
be decided again: the list's amount falls by it and the kept money's rises by it, never more, never
twice. Every other refund is owed and is refused in words; one paid back, or called off already, is a
409; a reason is required (not blanks, not invisible characters); two staff at once call it off once."""
from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.clock import today, utcnow
from app.errors import DomainError, error_message
from app.extensions import db
from app.models import AuditEntry
from shares import register, surplus as surpluses
from shares.errors import ReasonRequired, RefundMustBePaid, RefundNotListed, RefundPaidBack, SurplusTooSmall
from shares.models import Surplus, SurplusDecision, SurplusKind
from tests.factories import ON_POSTGRES, sign_in
from tests.shares.test_surplus import _overpaid

REASON = "The member keeps the money as shares"


def _said(exc) -> str:
    with current_app.test_request_context():
        return error_message(exc).replace("\u00a0", " ")


def _listed_cents() -> int:
    listed = surpluses.refund_list_statement().subquery()
    return int(db.session.scalar(select(func.coalesce(func.sum(listed.c.amount_cents), 0))))


def _kept_open_cents() -> int:
    kept = surpluses.open_surpluses_statement().subquery()
    return int(db.session.scalar(select(func.coalesce(func.sum(kept.c.amount_cents), 0))))


def _owed(make_member, kind: SurplusKind, cents: int = 2000) -> Surplus:
    """A refund of ``kind`` on the list, as the register puts one there (decided at once)."""
    member = make_member(first_name="Owen", last_name=f"Owed {kind.value}")
    kept = Surplus(member_id=member.id, kind=kind, amount_cents=cents, refund_iban="BE62510007547061",
                   decision=SurplusDecision.REFUND, decided_at=utcnow())
    db.session.add(kept)
    db.session.commit()
    return kept


def _listed_overpayment(make_member, make_staff, paid_cents: int = 9000):
    """Olga paid ``paid_cents`` for one share (30 €): the rest is kept, then put on the refund list."""
    staff, member, _request, kept = _overpaid(make_member, make_staff, paid_cents)
    surpluses.refund(kept, actor=staff, note="asked by phone")
    db.session.commit()
    return staff, member, kept


def test_a_called_off_refund_is_kept_again_for_a_new_decision(make_member, make_staff):
    staff, member, kept = _listed_overpayment(make_member, make_staff)
    _owed(make_member, SurplusKind.LEAVING, 2000)
    assert (_listed_cents(), _kept_open_cents()) == (6000 + 2000, 0)
    again = surpluses.call_off(kept, reason=f"  {REASON} ", actor=staff)
    db.session.commit()
    assert (_listed_cents(), _kept_open_cents()) == (2000, 6000)  # moved, whole, once
    assert (again.amount_cents, again.decision, again.kind, again.source_surplus_id) == (
        6000, None, SurplusKind.OVERPAYMENT, kept.id)
    assert again.refund_iban == kept.refund_iban == "BE62510007547061"
    assert kept.voided_at is not None and kept.refunded_at is None and kept.called_off_reason == REASON
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.surplus.call_off"))
    assert entry.after["reason"] == REASON and entry.after["amount_cents"] == 6000 and entry.actor_id == staff.id
    # Decided again: it buys two shares this time, and the register says so.
    before = register.holding(member).shares
    surpluses.buy_shares(again, actor=staff)
    db.session.commit()
    assert register.holding(member).shares == before + 2 and _kept_open_cents() == 0 and _listed_cents() == 2000
    with pytest.raises(RefundNotListed) as twice:  # the same form sent again: nothing moves
        surpluses.call_off(kept, reason=REASON, actor=staff)
    assert twice.value.status == 409 and "This refund was called off on" in _said(twice.value)
    db.session.rollback()
    assert (_listed_cents(), _kept_open_cents()) == (2000, 0)


def test_a_refund_called_off_and_decided_refund_again_is_listed_once(make_member, make_staff):
    staff, _member, kept = _listed_overpayment(make_member, make_staff, 4550)
    again = surpluses.call_off(kept, reason="decided by mistake", actor=staff)
    surpluses.refund(again, actor=staff)
    db.session.commit()
    assert _listed_cents() == 1550 and _kept_open_cents() == 0
    with pytest.raises(SurplusTooSmall):  # 15.50 € buy no share: the decision is refused as before
        surpluses.buy_shares(surpluses.call_off(again, reason="again", actor=staff), actor=staff)
    db.session.rollback()
    assert _listed_cents() == 1550


@pytest.mark.parametrize("reason", ["", "   ", "\u200b\u200b", "\u2066\u2069\u00a0", "\n\t"])
def test_a_refund_is_not_called_off_without_a_visible_reason(make_member, make_staff, reason):
    staff, _member, kept = _listed_overpayment(make_member, make_staff)
    with pytest.raises(ReasonRequired):
        surpluses.call_off(kept, reason=reason, actor=staff)
    db.session.rollback()
    assert (_listed_cents(), _kept_open_cents()) == (6000, 0)


def test_a_refund_paid_back_cannot_be_called_off(make_member, make_staff):
    staff, _member, kept = _listed_overpayment(make_member, make_staff)
    surpluses.mark_refunded(kept, actor=staff)
    db.session.commit()
    with pytest.raises(RefundPaidBack) as refused:
        surpluses.call_off(kept, reason=REASON, actor=staff)
    assert refused.value.status == 409
    assert "60.00 € were marked as paid back on" in _said(refused.value)
    db.session.rollback()
    assert (_listed_cents(), _kept_open_cents()) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Surplus)) == 1


@pytest.mark.parametrize("kind, words", [
    (SurplusKind.LEAVING, "must be paid back to them"),
    (SurplusKind.REDEMPTION, "correct the redemption in the register"),
    (SurplusKind.AFTER_EXIT, "it buys nothing and must be paid back to the payer"),
    (SurplusKind.REFUSED_APPLICATION, "This application was refused"),
    (SurplusKind.UNDERPAYMENT, "calling the refund off cannot put it back"),
])
def test_money_that_is_owed_is_refused_in_words(make_member, make_staff, kind, words):
    kept = _owed(make_member, kind, 2500)
    with pytest.raises(RefundMustBePaid) as refused:
        surpluses.call_off(kept, reason=REASON, actor=make_staff())
    assert refused.value.status == 422 and words in _said(refused.value)
    db.session.rollback()
    assert (_listed_cents(), _kept_open_cents()) == (2500, 0)


def test_money_kept_for_someone_who_left_is_only_paid_back(make_member, make_staff):
    staff, member, kept = _listed_overpayment(make_member, make_staff)
    register.resign(member, on=today())
    db.session.commit()
    listed = _listed_cents()
    assert listed == 6000 + 3000  # the kept money, and the share paid back with the exit
    with pytest.raises(RefundMustBePaid) as refused:  # a rule, as for the other refunds owed: 422
        surpluses.call_off(kept, reason=REASON, actor=staff)
    assert refused.value.status == 422 and "can only be paid back" in _said(refused.value)
    db.session.rollback()
    assert (_listed_cents(), _kept_open_cents()) == (listed, 0)


def test_two_staff_calling_the_same_refund_off_at_once_move_it_once(make_member, make_staff):
    staff, _member, kept = _listed_overpayment(make_member, make_staff)
    served, kept_id, staff_id = current_app._get_current_object(), kept.id, staff.id
    barrier, outcomes = threading.Barrier(2, timeout=20), {}

    def call_off(name):
        with served.app_context():
            try:
                row = db.session.get(Surplus, kept_id)
                actor = db.session.get(type(staff), staff_id)
                barrier.wait()
                surpluses.call_off(row, reason=f"{REASON} ({name})", actor=actor)
                db.session.commit()
                outcomes[name] = "done"
            except DomainError as exc:
                db.session.rollback()
                outcomes[name] = type(exc).__name__
            except Exception as exc:  # noqa: BLE001 - SQLite may refuse the second writer outright: a loss too
                db.session.rollback()
                outcomes[name] = f"error {type(exc).__name__}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=call_off, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert list(outcomes.values()).count("done") == 1, outcomes
    # PostgreSQL makes the second wait for the first, then finds the refund called off: said so. SQLite may
    # refuse the second writer outright (database locked): nothing of it is kept either.
    refused = {"RefundCalledOff"} if ON_POSTGRES else {"RefundCalledOff", "error OperationalError"}
    assert {*outcomes.values()} - {"done"} <= refused and len(outcomes) == 2, outcomes
    db.session.expire_all()
    assert (_listed_cents(), _kept_open_cents()) == (0, 6000)
    assert db.session.scalar(select(func.count()).select_from(Surplus).where(Surplus.source_surplus_id == kept_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "shares.surplus.call_off")) == 1


def _words(response) -> str:
    import html
    import re

    return " ".join(html.unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True))).replace("\u00a0", " ")
                    .replace("\u202f", " ").split())


def test_staff_call_a_refund_off_from_the_list_and_the_amounts_follow(client, login_as, make_member, make_staff):
    _staff, member, kept = _listed_overpayment(make_member, make_staff, 4550)
    leaving = _owed(make_member, SurplusKind.LEAVING, 2000)
    login_as("staff")
    page = _words(client.get("/staff/payments/refunds"))
    assert "2 refunds to make, 35.50 € in all." in page
    assert "Call this refund off" in page and "must be paid back to them" in page  # why the leaver's is owed
    url = f"/staff/payments/refunds/{kept.id}/call-off"
    for blank in ("", "  ", "\u200b"):
        refused = client.post(url, data={"reason": blank})
        assert refused.status_code == 400 and "Say why this refund is called off" in _words(refused)
        assert "2 refunds to make, 35.50 € in all." in _words(refused)
    done = client.post(url, data={"reason": REASON})
    assert done.status_code == 302 and done.headers["Location"].endswith("/staff/payments/queue#kept")
    queue = _words(client.get("/staff/payments/queue"))
    assert "The refund of 15.50 € to Olga Overpayer is called off." in queue and "15.50 € kept for Olga Overpayer" in queue
    assert "1 refund to make, 20.00 € in all." in _words(client.get("/staff/payments/refunds"))
    again = client.post(url, data={"reason": REASON})
    assert again.status_code == 409 and "This refund was called off on" in _words(again)
    assert "1 refund to make, 20.00 € in all." in _words(again)
    owed = client.post(f"/staff/payments/refunds/{leaving.id}/call-off", data={"reason": REASON})
    assert owed.status_code == 422 and "must be paid back to them" in _words(owed)
    assert "1 refund to make, 20.00 € in all." in _words(owed)
    history = _words(client.get(f"/staff/members/{member.id}"))
    assert "called off on" in history and f"Why: {REASON}" in history and "Refunds" in history
    assert client.post("/staff/payments/refunds/999999/call-off", data={"reason": REASON}).status_code == 404
    assert _listed_cents() == 2000 and _kept_open_cents() == 1550


def test_the_refusal_of_a_refund_paid_back_is_a_409_in_french(client, make_member, make_staff):
    staff, _member, kept = _listed_overpayment(make_member, make_staff)
    sign_in(client, make_staff(language="fr"))
    surpluses.mark_refunded(kept, actor=staff)
    db.session.commit()
    refused = client.post(f"/staff/payments/refunds/{kept.id}/call-off", data={"reason": REASON})
    assert refused.status_code == 409
    assert "ont été marqués comme remboursés le" in _words(refused)
    assert "ce remboursement ne peut donc plus être annulé" in _words(refused)


@pytest.mark.parametrize("role", ["member", "board", "secretary"])
def test_only_staff_call_a_refund_off(client, login_as, make_member, make_staff, role):
    _staff, _member, kept = _listed_overpayment(make_member, make_staff)
    login_as(role)
    assert client.post(f"/staff/payments/refunds/{kept.id}/call-off", data={"reason": REASON}).status_code == 403
    assert (_listed_cents(), _kept_open_cents()) == (6000, 0)


def test_a_bank_return_after_a_call_off_takes_the_money_kept_again(make_member, make_staff):
    """The money kept again is the transfer's: the bank taking it back takes it off the queue, whole."""
    from shares import bank
    from shares.camt_writer import Credit, write_camt053
    from shares.models import BankTransaction
    from shares.settings import setting

    staff, _member, kept = _listed_overpayment(make_member, make_staff)
    surpluses.call_off(kept, reason=REASON, actor=staff)
    db.session.commit()
    request = kept.payment_request
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S2", 0, [
        Credit(-9000, date(2024, 1, 9), "Olga Overpayer", reference=request.reference)]))
    db.session.commit()
    debit = db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents < 0))
    bank.payment_returned(debit, request, expected_version=debit.version, reason="", actor=staff)
    db.session.commit()
    assert (_listed_cents(), _kept_open_cents()) == (0, 0)


def _olga_called_off_then_returned(client, make_member, make_staff):
    """Olga paid 90 € for one share (30 €): 60 € kept, put on the refund list, the refund called off (the
    60 € kept again); then the bank takes the 90 € back. Returns the member, the debit and its request."""
    from shares import bank
    from shares.camt_writer import Credit, write_camt053
    from shares.models import BankTransaction
    from shares.settings import setting

    staff, member, kept = _listed_overpayment(make_member, make_staff)
    surpluses.call_off(kept, reason=REASON, actor=staff)
    db.session.commit()
    request = kept.payment_request
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S2", 0, [
        Credit(-9000, date(2024, 1, 9), "Olga Overpayer", reference=request.reference)]))
    db.session.commit()
    debit = db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents < 0))
    return member, debit, request


def _return_posted(client, debit, request, confirmed: bool):
    data = {f"tx{debit.id}-version": debit.version, f"tx{debit.id}-action": "returned",
            f"tx{debit.id}-reference": request.reference}
    if confirmed:
        data["confirmed"] = "1"
    return client.post(f"/staff/payments/queue/{debit.id}", data=data)


def test_a_return_after_a_call_off_names_the_money_kept_again_it_takes(client, login_as, make_member, make_staff):
    """The confirmation and the message name both parts: 30 € out of the register, 60 € kept again no longer
    kept; the member's page shows the kept money gone, with its amount."""
    login_as("staff")
    member, debit, request = _olga_called_off_then_returned(client, make_member, make_staff)
    asked = _words(_return_posted(client, debit, request, confirmed=False))
    assert "Taken out of the share register for Olga Overpayer: 30.00 €." in asked
    assert ("Taken off the money kept beyond what was due: 60.00 €, no longer to be decided, since the bank took it "
            "back.") in asked
    assert "Payment returned: 90.00 € is taken out of the register" not in asked  # not all of it was in the register
    assert (_listed_cents(), _kept_open_cents()) == (0, 6000)  # nothing changed before the confirmation
    assert _return_posted(client, debit, request, confirmed=True).status_code == 302
    queue = _words(client.get("/staff/payments/queue"))
    assert ("Payment returned. Taken out of the share register for Olga Overpayer: 30.00 €. Taken off the money kept "
            "beyond what was due: 60.00 €") in queue
    assert (_listed_cents(), _kept_open_cents()) == (0, 0)
    page = _words(client.get(f"/staff/members/{member.id}"))
    assert "60.00 € (Paid beyond what was due), decided on" in page
    assert "the money kept again to be decided again" not in page
    assert "then the bank took these 60.00 € back on" in page and "nothing of them is kept" in page
    assert f"Why: {REASON}" in page


def test_a_return_of_money_kept_waiting_names_it(client, login_as, make_member, make_staff):
    """No call-off: 60 € kept beyond what was due, undecided, leave with the return; the confirmation says so."""
    from shares import bank
    from shares.camt_writer import Credit, write_camt053
    from shares.models import BankTransaction
    from shares.settings import setting

    login_as("staff")
    _staff, _member, request, _kept = _overpaid(make_member, make_staff, 9000)
    bank.import_statement(write_camt053(setting("COOP_IBAN"), "S2", 0, [
        Credit(-9000, date(2024, 1, 9), "Olga Overpayer", reference=request.reference)]))
    db.session.commit()
    debit = db.session.scalar(select(BankTransaction).where(BankTransaction.amount_cents < 0))
    done = bank.payment_returned(debit, request, expected_version=debit.version, reason="", actor=None)
    assert (done.register_cents, done.refund_list_cents, done.kept_cents) == (3000, 0, 6000)
    db.session.rollback()
    asked = _words(_return_posted(client, debit, request, confirmed=False))
    assert "Taken off the money kept beyond what was due: 60.00 €" in asked


def _called_off(make_member, make_staff):
    staff, member, kept = _listed_overpayment(make_member, make_staff)
    surpluses.call_off(kept, reason=REASON, actor=staff)
    db.session.commit()
    return staff, member, kept


def test_acting_on_a_called_off_refund_says_it_was_called_off_not_decided(make_member, make_staff):
    from app.clock import brussels_day
    from app.web import format_day
    from shares.errors import RefundCalledOff

    staff, _member, kept = _called_off(make_member, make_staff)
    with current_app.test_request_context():
        day = format_day(brussels_day(kept.voided_at))
    for act in (lambda: surpluses.mark_refunded(kept, actor=staff),
                lambda: surpluses.call_off(kept, reason=REASON, actor=staff),
                lambda: surpluses.refund(kept, actor=staff),
                lambda: surpluses.buy_shares(kept, actor=staff),
                lambda: surpluses.credit_next_year(kept, actor=staff),
                lambda: surpluses.keep_due(kept, actor=staff),
                lambda: surpluses.fewer_shares(kept, actor=staff)):
        with pytest.raises(RefundCalledOff) as refused:
            act()
        said = _said(refused.value)
        assert refused.value.status == 409 and f"This refund was called off on {day}" in said, said
        assert "Someone decided" not in said and "someone called it off" not in said
        db.session.rollback()
    assert (_listed_cents(), _kept_open_cents()) == (0, 6000)


def test_the_pages_say_a_refund_was_called_off_in_words(client, login_as, make_member, make_staff):
    login_as("staff")
    _staff, _member, kept = _called_off(make_member, make_staff)
    for url, data in ((f"/staff/payments/kept/{kept.id}/refunded", {"iban": ""}),
                      (f"/staff/payments/refunds/{kept.id}/call-off", {"reason": REASON}),
                      (f"/staff/payments/kept/{kept.id}/refund", {f"s{kept.id}refund-iban": "BE62510007547061"}),
                      (f"/staff/payments/kept/{kept.id}/shares", {}),
                      (f"/staff/payments/kept/{kept.id}/credit", {}),
                      (f"/staff/payments/short/{kept.id}/keep", {}),
                      (f"/staff/payments/short/{kept.id}/fewer", {})):
        response = client.post(url, data=data)
        page = _words(response)
        assert response.status_code == 409, (url, page)
        assert "This refund was called off on" in page and "Someone decided" not in page, url
        assert not re.search(r"\d{4}-\d{2}-\d{2}", page), url
    assert (_listed_cents(), _kept_open_cents()) == (0, 6000)


def test_calling_off_a_departed_member_s_refund_is_a_rule_refusal(client, login_as, make_member, make_staff):
    staff, member, kept = _listed_overpayment(make_member, make_staff)
    register.resign(member, on=today())
    db.session.commit()
    login_as("staff")
    refused = client.post(f"/staff/payments/refunds/{kept.id}/call-off", data={"reason": REASON})
    assert refused.status_code == 422
    assert "money kept for them beyond what was due can only be paid back" in _words(refused)
    assert (_listed_cents(), _kept_open_cents()) == (6000 + 3000, 0)
