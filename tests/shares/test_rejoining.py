"""A former member who resigned applies again with the same account: a new membership.

The register keeps the membership that ended as it ended (its resignation, its redemption, its refund)
and the new one is another member number, with its own application, payment request and structured
communication, admitted under the admission mode in force; the account follows the new one. Offered
once the old membership's money is settled; an excluded person is admitted again only by the board."""
from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.clock import today
from app.extensions import db
from app.models import Account
from shares import admission, register, surplus
from shares.errors import RefundAlreadyMade
from shares.models import (ApplicationStatus, Category, EntryKind, Member, MembershipApplication, PaymentRequest,
                           PaymentStatus, ShareEntry, Surplus, SurplusKind)
from shares.queries import member_for_account
from tests.factories import ON_POSTGRES, give_paid_share, sign_in
from tests.shares.test_joining import GOOD, counts, join
from tests.shares.test_register_as_of import _register_on

NUMBER = "85073003328"
OLD_PAID = today() - timedelta(days=60)
LEFT_ON = today() - timedelta(days=40)
NEW_PAID = today() - timedelta(days=20)
ADMITTED_ON = today() - timedelta(days=10)
APPLY = {"category": "A", "shares": "2", "consent": "y"}


@pytest.fixture
def decision_mode():
    current_app.config["ADMISSION_MODE"] = "decision"
    yield
    current_app.config["ADMISSION_MODE"] = "payment"


def _resigned(make_member, **fields) -> Member:
    """A member since OLD_PAID (one share, 30 €), resigned on LEFT_ON: the 30 € on the refund list."""
    member = make_member(email="back@example.be", national_number=NUMBER, iban="BE62510007547061", **fields)
    give_paid_share(member, on=OLD_PAID)
    register.resign(member, on=LEFT_ON)
    db.session.commit()
    return member


def _leaving_refund(member: Member) -> Surplus:
    return db.session.scalars(db.select(Surplus).where(Surplus.member_id == member.id,
                                                       Surplus.kind == SurplusKind.LEAVING)).one()


def _text(response) -> str:
    import re

    return " ".join(re.sub("<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_a_resigned_member_applies_again_as_a_new_membership_and_the_register_keeps_both(
        decision_mode, app, client, make_member, make_staff, login_as, monkeypatch):
    old = _resigned(make_member)
    refund = _leaving_refund(old)
    assert refund.amount_cents == 3000
    browser = app.test_client()
    sign_in(browser, old.account)

    # The refund of the old membership's shares is still to make: not offered (My shares says why), refused if sent.
    shares_page = browser.get("/me/shares")
    assert "/me/application/new" not in shares_page.get_data(as_text=True)
    assert "its money is not settled yet" in _text(shares_page) and "You can apply again once it is." in _text(shares_page)
    page = browser.get("/me/application/new")
    assert page.status_code == 200 and "its money is not settled yet" in _text(page)
    assert 'name="shares"' not in page.get_data(as_text=True)
    before = counts()
    assert browser.post("/me/application/new", data=APPLY).status_code == 409
    assert counts() == before

    surplus.mark_refunded(refund, actor=make_staff())
    db.session.commit()

    # Settled: offered, and the page says the number changes.
    assert "/me/application/new" in browser.get("/me/shares").get_data(as_text=True)
    page = _text(browser.get("/me/application/new"))
    assert f"Your membership (member number {old.number}) ended on" in page and "a new member number" in page
    sent = browser.post("/me/application/new", data=APPLY)
    assert sent.status_code == 302 and sent.location.startswith("/me/payments")
    db.session.expire_all()
    new = member_for_account(old.account_id)
    assert new.id != old.id and new.number != old.number and new.earlier_member_id == old.id
    assert (new.account_id, new.name, new.national_number, new.holds_identity) == (
        old.account_id, old.name, NUMBER, True)
    assert not old.holds_identity
    application = admission.application_for(new.id)
    request = application.payment_request
    assert (application.status, application.shares, request.amount_cents) == (
        ApplicationStatus.AWAITING_PAYMENT, 2, 6000)
    old_references = set(db.session.scalars(db.select(PaymentRequest.reference)
                                            .where(PaymentRequest.member_id == old.id)))
    assert request.reference not in old_references
    payments = _text(browser.get("/me/payments"))
    assert request.formatted_reference in payments and "60.00" in payments
    shares_page = _text(browser.get("/me/shares"))
    assert f"Member number {new.number}" in shares_page and f"Member number {old.number}, ended on" in shares_page
    assert "2 shares asked for (60.00 €). Waiting for payment." in shares_page
    assert "Shares held 0 Capital subscribed 0.00 € Capital paid 0.00 €" in shares_page
    # The old membership's extract stays the person's to show (its resignation, its refund); not another's.
    extract = browser.get(f"/me/register-extract/{old.number}.pdf")
    assert extract.status_code == 200 and extract.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=extract.data, capture_output=True, check=True).stdout.decode()
    assert "Resignation" in text and str(new.number) not in text.split()
    assert f"/me/register-extract/{old.number}.pdf" in browser.get("/me/shares").get_data(as_text=True)
    stranger = make_member()
    assert browser.get(f"/me/register-extract/{stranger.number}.pdf").status_code == 404

    # Paid, then admitted by the board: the new membership's money is its own, the old refund untouched.
    register.record_payment(request, 6000, on=NEW_PAID)
    db.session.commit()
    admission.decide(application, admit=True, decision_on=ADMITTED_ON, decision_reference="CA-12",
                     actor=make_staff())
    db.session.commit()
    assert register.holding(new).shares == 2 and register.holding(new).paid_cents == 6000
    assert register.holding(old).left is EntryKind.RESIGNATION and register.holding(old).paid_cents == 0
    assert surplus.member_refunds(new.id) == [] and [r.amount_cents for r in surplus.member_refunds(old.id)] == [3000]
    assert db.session.get(Surplus, refund.id).refunded_at is not None

    # The register on each date: the old line, then the new one, each with its own figures.
    login_as("staff")
    seen = {day: (_register_on(client, app, monkeypatch, old, day), _register_on(client, app, monkeypatch, new, day))
            for day in (LEFT_ON - timedelta(days=1), LEFT_ON, ADMITTED_ON - timedelta(days=1), ADMITTED_ON)}

    def line(row):
        return row and (row["Status"], row["Shares"], row["Capital subscribed (EUR)"], row["Capital paid (EUR)"])

    was, became = seen[LEFT_ON - timedelta(days=1)]
    assert line(was["csv"]) == ("member", "1", "30,00", "30,00") and became["csv"] is None
    assert was["totals"] == (1, 1, 3000, 3000)
    was, became = seen[LEFT_ON]
    assert line(was["csv"]) == ("resigned", "0", "0,00", "0,00") and became["csv"] is None
    assert was["totals"] == (0, 0, 0, 0)
    was, became = seen[ADMITTED_ON - timedelta(days=1)]
    assert line(was["csv"]) == ("resigned", "0", "0,00", "0,00")
    assert line(became["csv"]) == ("admission pending", "0", "0,00", "0,00") and became["totals"] == (0, 0, 0, 0)
    was, became = seen[ADMITTED_ON]
    assert line(was["csv"]) == ("resigned", "0", "0,00", "0,00")
    assert line(became["csv"]) == ("member", "2", "60,00", "60,00") and became["totals"] == (1, 2, 6000, 6000)
    assert became["pdf"][0] == str(new.number) and became["pdf"][4] == "2" and was["pdf"][4] == "0"
    assert [(r[3], r[4], r[6], r[7]) for r in was["entries"]] == [
        ("Subscription", "1", "0,00", "30,00"), ("Payment of capital", "0", "30,00", "30,00"),
        ("Resignation", "0", "0,00", "0,00"), ("Redemption", "-1", "-30,00", "-30,00")]
    assert [(r[3], r[4], r[6], r[7]) for r in became["entries"]] == [
        ("Subscription", "2", "0,00", "60,00"),
        ("Payment of capital (received before admission)", "0", "60,00", "60,00")]

    # Staff see the two memberships linked; the old exit can no longer be corrected away.
    old_page = _text(client.get(f"/staff/members/{old.id}"))
    assert "Later membership" in old_page and f"Member number {new.number}" in old_page
    new_page = _text(client.get(f"/staff/members/{new.id}"))
    assert "Earlier membership" in new_page and f"Member number {old.number}" in new_page
    with pytest.raises(RefundAlreadyMade):  # its shares were paid back: the exit stands
        register.correct(_exit(old), reason="The resignation was a mistake", actor=make_staff())
    db.session.rollback()
    assert register.holding(old).left is EntryKind.RESIGNATION


def _exit(member: Member) -> ShareEntry:
    return db.session.scalars(db.select(ShareEntry).where(ShareEntry.member_id == member.id,
                                                          ShareEntry.kind == EntryKind.RESIGNATION)).one()


def test_an_exit_without_money_is_not_corrected_away_once_the_person_applied_again(app, client, make_member,
                                                                                   login_as):
    old = make_member(email="nomoney@example.be")  # entered by staff, never paid: nothing to refund
    register.resign(old, on=LEFT_ON)
    db.session.commit()
    assert surplus.member_refunds(old.id) == []
    new = admission.apply_again(old, shares=1, category=Category.A, actor=old.account).member
    db.session.commit()
    resignation = _exit(old)
    login_as("staff")
    response = client.post(f"/staff/members/{old.id}/register/correct", data={
        "entry_id": resignation.id, "shares": "0", "effective_on": today().isoformat(),
        "reason": "resigned by mistake", "confirmed": "1", "register_version": old.version})
    assert response.status_code == 409
    assert (f"This person applied again since they left, as member {new.number}: that membership goes on, so this "
            "exit cannot be undone.") in _text(response)
    assert db.session.scalar(db.select(ShareEntry).where(ShareEntry.corrects_id == resignation.id)) is None
    db.session.expire_all()
    assert register.holding(old).left is EntryKind.RESIGNATION and not old.holds_identity


@pytest.mark.parametrize("first", ["undo the exit", "apply again"])
def test_undoing_an_exit_and_applying_again_at_the_same_moment_leave_one_live_membership(app, make_member, make_staff,
                                                                                         monkeypatch, first):
    """Staff correct a resignation away while the person applies again (no national number: no unique index
    to catch it). Both take the earlier membership's lock before their checks, so whichever comes second
    waits, sees what the first did and is refused in words: one live membership, whatever the order."""
    import threading
    import time

    from app.errors import DomainError, error_message

    old = make_member(email="nomoney@example.be")  # entered by staff, never paid: nothing to refund
    register.resign(old, on=LEFT_ON)
    db.session.commit()
    old_id, exit_id, staff_id = old.id, _exit(old).id, make_staff().id
    served = current_app._get_current_object()
    checked, outcomes = threading.Event(), {}

    def then_pause(check):
        def paused(*args, **kwargs):
            found = check(*args, **kwargs)
            if threading.current_thread().name == first:
                checked.set()
                time.sleep(1.5)  # the first's check is done, its write not yet: the other is sent now
            return found
        return paused

    monkeypatch.setattr(register, "later_membership", then_pause(register.later_membership))  # the undo's check
    monkeypatch.setattr(admission, "reapply_refusal", then_pause(admission.reapply_refusal))  # applying's

    def undo(actor):
        register.correct(db.session.get(ShareEntry, exit_id), reason="resigned by mistake", actor=actor)

    def apply(actor):
        member = db.session.get(Member, old_id)
        admission.apply_again(member, shares=1, category=Category.A, actor=member.account)

    def run(name, action):
        with served.test_request_context():  # the refusal's words, in English
            if name != first:
                checked.wait(20)
            try:
                action(db.session.get(Account, staff_id))
                db.session.commit()
                outcomes[name] = "done"
            except DomainError as exc:
                outcomes[name] = error_message(exc)
                db.session.rollback()
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcomes[name] = repr(exc)[:200]
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(name, action), name=name)
               for name, action in (("undo the exit", undo), ("apply again", apply))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    second = "apply again" if first == "undo the exit" else "undo the exit"
    assert outcomes[first] == "done", outcomes
    if first == "undo the exit":
        assert outcomes[second] == "You are a member already: to have more shares, buy them from My shares."
    else:
        new = db.session.scalar(db.select(Member).where(Member.earlier_member_id == old_id))
        assert outcomes[second] == (f"This person applied again since they left, as member {new.number}: that "
                                    "membership goes on, so this exit cannot be undone.")
    db.session.expire_all()
    members = list(db.session.scalars(db.select(Member).where(Member.account_id == old.account_id)))
    live = [m for m in members if not register.exit_in_force(m.id)]
    assert len(live) == 1 and len(members) == (1 if first == "undo the exit" else 2)


@pytest.mark.parametrize("number", [NUMBER, None])
def test_applying_again_twice_makes_one_new_membership(app, make_member, make_staff, monkeypatch, number):
    old = make_member(email="back@example.be", national_number=number, iban="BE62510007547061")
    give_paid_share(old, on=OLD_PAID)
    register.resign(old, on=LEFT_ON)
    db.session.commit()
    surplus.mark_refunded(_leaving_refund(old), actor=make_staff())
    db.session.commit()
    browser = app.test_client()
    sign_in(browser, old.account)
    assert browser.post("/me/application/new", data=APPLY).status_code == 302
    again = browser.post("/me/application/new", data=APPLY)  # the same form sent twice
    assert again.status_code == 409 and "still waiting" in _text(again)
    assert db.session.scalar(db.select(db.func.count()).select_from(Member).where(
        Member.account_id == old.account_id)) == 2
    # Another tab at the same moment: its check ran before the first landed; the database refuses it.
    db.session.expire_all()
    real = admission.reapply_refusal
    monkeypatch.setattr(admission, "reapply_refusal",
                        lambda member, **checks: None if member.id == old.id else real(member, **checks))
    with pytest.raises(admission.ApplicationOpen):
        admission.apply_again(db.session.get(Member, old.id), shares=1, category=Category.A,
                              actor=old.account)
    db.session.rollback()
    with pytest.raises(IntegrityError):  # written behind the services' back: one membership follows each
        db.session.add(Member(account=old.account, kind=old.kind, category=old.category, number=999,
                              earlier_member_id=old.id, holds_identity=False))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 1


def test_a_tab_whose_checks_ran_before_the_other_landed_is_told_its_application_is_waiting(app, make_member,
                                                                                          make_staff, monkeypatch):
    """Its number and its earlier membership are refused by the database at the insert (not by the checks,
    which ran first): only its savepoint is undone, and it is told as the checks would have told it."""
    import shares.services as services

    old = _resigned(make_member)
    surplus.mark_refunded(_leaving_refund(old), actor=make_staff())
    db.session.commit()
    admission.apply_again(old, shares=1, category=Category.A, actor=old.account)
    db.session.commit()
    real, calls = services.check_identity, []

    def checked_before_the_other_landed(fields, *args, **kwargs):
        calls.append(fields)
        return None if len(calls) == 1 else real(fields, *args, **kwargs)

    monkeypatch.setattr(services, "check_identity", checked_before_the_other_landed)
    monkeypatch.setattr(admission, "reapply_refusal", lambda member, **checks: None)
    with pytest.raises(admission.ApplicationOpen):
        admission.apply_again(db.session.get(Member, old.id), shares=1, category=Category.A, actor=old.account)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Member)) == 2


def test_an_excluded_member_cannot_apply_again_without_the_board(app, make_member, make_staff):
    member = make_member(email="out@example.be", national_number=NUMBER)
    give_paid_share(member, on=OLD_PAID)
    register.exclude(member, on=LEFT_ON, board_decision_on=LEFT_ON, board_reference="CA-3")
    surplus.mark_refunded(_leaving_refund(member), iban="BE62510007547061", actor=make_staff())
    db.session.commit()
    browser = app.test_client()
    sign_in(browser, member.account)
    shares_page = browser.get("/me/shares")
    assert "/me/application/new" not in shares_page.get_data(as_text=True)
    assert "Only the board can admit you again" in _text(shares_page)  # said where Apply again is not offered
    page = _text(browser.get("/me/application/new"))
    assert "Only the board can admit you again" in page
    before = counts()
    assert browser.post("/me/application/new", data=APPLY).status_code == 409
    assert counts() == before
    with pytest.raises(admission.MembershipEnded):
        admission.apply_again(member, shares=1, category=Category.A, actor=member.account)


def test_money_kept_for_the_old_membership_blocks_applying_again(app, make_member, make_staff):
    """Money kept beyond what was due, not decided yet, is the old membership's: settled first."""
    old = _resigned(make_member)
    surplus.mark_refunded(_leaving_refund(old), actor=make_staff())
    db.session.add(Surplus(member_id=old.id, kind=SurplusKind.OVERPAYMENT, amount_cents=1500))
    db.session.commit()
    assert isinstance(admission.reapply_refusal(old), admission.EarlierMoneyPending)


def test_the_form_with_the_old_address_leads_to_apply_again(app, make_member, make_staff, outbox):
    old = _resigned(make_member, language="en")
    surplus.mark_refunded(_leaving_refund(old), actor=make_staff())
    db.session.commit()
    before = counts()
    assert join(app, GOOD | {"email": "back@example.be", "national_number": ""})[:2] == (302, "/join/received")
    assert counts() == before
    (mail,) = [m for m in outbox("back@example.be") if m.dedupe_key.startswith("shares.join:")]  # not the exit's
    body = " ".join(mail.body_text.split())
    assert "when you resigned" in body and "Apply again on My shares (you will get a new member number)" in body
    assert "/auth/login?next=/me/application/new" in body
    assert "once the money of that membership is settled" not in body  # settled: invited to apply now


def test_the_new_membership_paid_by_bank_is_admitted_and_old_money_stays_apart(app, make_member, make_staff):
    """Payment mode: the new request paid in full admits the new membership; the old one stays ended."""
    old = _resigned(make_member)
    surplus.mark_refunded(_leaving_refund(old), actor=make_staff())
    db.session.commit()
    application = admission.apply_again(old, shares=1, category=Category.A, actor=old.account)
    db.session.commit()
    new = application.member
    assert new.id != old.id
    register.record_payment(application.payment_request, 3000, on=today())
    db.session.commit()
    db.session.refresh(application)
    assert application.status is ApplicationStatus.ADMITTED
    assert application.payment_request.status is PaymentStatus.PAID
    assert register.holding(new).shares == 1 and not register.exit_in_force(new.id)
    assert register.exit_in_force(old.id) and register.holding(old).shares == 0
    assert admission.not_admitted(new) is None
    assert isinstance(admission.reapply_refusal(new), admission.NothingToApplyFor)


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite serialises writers on the whole file: only PostgreSQL shows two "
                                            "transactions inserting at the same moment")
def test_two_tabs_applying_again_at_the_same_moment_make_one_new_membership(app, make_member, make_staff,
                                                                           monkeypatch):
    """Both pass every check before either writes; the database keeps one (the unique earlier_member_id,
    and the national number's index): the second is told its application is waiting, nothing of it kept."""
    import threading

    from app.errors import DomainError

    old = _resigned(make_member)
    surplus.mark_refunded(_leaving_refund(old), actor=make_staff())
    db.session.commit()
    old_id = old.id
    served = current_app._get_current_object()
    both_checked, outcomes = threading.Barrier(2, timeout=10), {}
    rejoin = admission.rejoin_member

    def rejoin_together(earlier, category, **given):
        both_checked.wait()  # each tab's checks are done: neither sees the other's membership
        return rejoin(earlier, category, **given)

    monkeypatch.setattr(admission, "rejoin_member", rejoin_together)
    # Without the earlier membership's lock (which makes the second wait for the first): the database's backstop.
    monkeypatch.setattr(admission, "lock_row", lambda member: None)

    def attempt(name):
        with served.app_context():
            try:
                member = db.session.get(Member, old_id)
                admission.apply_again(member, shares=1, category=Category.A, actor=member.account)
                db.session.commit()
                outcomes[name] = "done"
            except DomainError as exc:
                db.session.rollback()
                outcomes[name] = "refused in words: " + type(exc).__name__
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcomes[name] = repr(exc)[:200]
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("first tab", "second tab")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["done", "refused in words: ApplicationOpen"], outcomes
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Member).where(
        Member.account_id == old.account_id)) == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 1


def test_the_new_membership_s_application_withdrawn_applies_again_under_its_own_number(app, make_member, make_staff):
    old = _resigned(make_member)
    surplus.mark_refunded(_leaving_refund(old), actor=make_staff())
    db.session.commit()
    first = admission.apply_again(old, shares=1, category=Category.A, actor=old.account)
    db.session.commit()
    admission.withdraw(first, actor=old.account)
    db.session.commit()
    new = member_for_account(old.account_id)
    assert new.id == first.member_id and admission.reapply_refusal(new) is None
    second = admission.apply_again(new, shares=3, category=Category.A, actor=old.account)
    db.session.commit()
    assert second.member_id == new.id and second.payment_request.amount_cents == 9000
    assert db.session.scalar(db.select(db.func.count()).select_from(Member).where(
        Member.account_id == old.account_id)) == 2
