"""The public application form, staff screens for people, confirmations, exports, tasks, locale formats."""
from __future__ import annotations

import html

import re
from datetime import date
from html import unescape

import pytest

from app.clock import today
from app.extensions import db
from app.models import AuditEntry, LoginToken
from shares import admission, register
from shares.models import (ApplicationStatus, EntryKind, MembershipApplication, PaymentRequest, PaymentStatus, Surplus,
                           ShareEntry)
from shares.register import record_payment as apply_payment
from tests.factories import csv_rows, register_version, sign_in

@pytest.fixture(autouse=True)
def no_rate_limit():
    """The limiter object is shared by every app of the session, and a production-config app made by
    another test turns it on: these tests post the form more often than its limit allows."""
    from app.extensions import limiter

    limiter.enabled = False
    yield
    limiter.enabled = False
    if getattr(limiter, "_storage", None) is not None:  # no storage until an app enabled the limiter
        limiter.reset()


GOOD = {"kind": "natural", "first_name": "Chloé", "last_name": "Van Damme", "email": "chloe@example.be",
        "street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles", "country": "BE", "language": "fr",
        "national_number": "85.07.30-033.28", "category": "A", "shares": "2", "consent": "y"}


def test_the_join_form_is_reachable_and_speaks_french(client):
    home = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'href="/join"' in home
    page = client.get("/join", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Devenir sociétaire" in page and "Qui devient sociétaire\u202f?" in page  # French spacing before ?


@pytest.mark.parametrize("change, field, message", [
    ({"national_number": "85073003329"}, "national_number", "not a valid Belgian national number"),
    ({"kind": "legal", "legal_name": "ASBL X", "category": "B"}, "enterprise_number", "gives its enterprise number"),
    ({"kind": "legal", "legal_name": "ASBL X", "enterprise_number": "0403.170.701", "category": "A"}, "category",
     "category B"),
    ({"consent": ""}, "consent", "You must agree"),
    ({"shares": "0"}, "shares", "from 1 to 100"),
    ({"first_name": ""}, "first_name", "Enter the first name."),
    ({"email": "not-an-email"}, "email", "Enter a valid e-mail address, like name@example.be."),
    ({"email": "a@b"}, "email", "Enter a valid e-mail address, like name@example.be."),
    ({"kind": "legal", "legal_name": "", "enterprise_number": "0403.170.701", "category": "B"}, "legal_name",
     "Enter the name of the company or association."),
])
def test_bad_applications_are_refused_with_the_reason_and_kept_as_typed(client, change, field, message):
    response = client.post("/join", data=GOOD | change)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert 'value="Van Damme"' in html or change.get("kind") == "legal"
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 0


def test_a_good_application_mails_what_to_pay_and_a_sign_in_link(client, outbox):
    response = client.post("/join", data=GOOD)
    assert response.status_code == 302 and response.location.endswith("/join/received")
    page = client.get("/join/received").get_data(as_text=True)
    application = db.session.scalar(db.select(MembershipApplication))
    assert application.member.national_number == "85073003328" and application.shares == 2
    # The page says only "check your e-mail" (it is the same whoever the address belongs to: see test_joining).
    assert "Check your e-mail" in page and "chloe@example.be" in page
    assert application.payment_request.formatted_reference not in page and 'class="qr"' not in page
    mails = outbox("chloe@example.be")
    assert {m.subject for m in mails} >= {"Votre candidature à Une Voix\xa0: comment payer vos parts"}
    what_to_pay = next(m for m in mails if m.subject.startswith("Votre candidature"))
    assert application.payment_request.formatted_reference in what_to_pay.body_text
    assert "60,00\xa0€" in what_to_pay.body_text or "60,00 €" in what_to_pay.body_text
    # Its link leads to the page with the QR code (after the sign-in), not to the public home page.
    assert any(m.body_text.rstrip().endswith("/me/payments") or "/me/payments\n" in m.body_text for m in mails)
    assert db.session.scalar(db.select(LoginToken).where(LoginToken.account_id == application.member.account_id))
    # Sent again, the form makes nothing more: the owner of the address is told by mail.
    again = client.post("/join", data=GOOD)
    assert again.status_code == 302 and again.location.endswith("/join/received")
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 1
    assert outbox("chloe@example.be")[-1].subject == "Quelqu'un a demandé à devenir sociétaire d'Une Voix avec votre adresse e-mail"
    # Another browser, which sent no form, is led to the form.
    assert client.application.test_client().get("/join/received").status_code == 302


def test_an_applicant_sees_their_application_not_a_member_s_standing_or_choices(client, app):
    assert client.post("/join", data=GOOD | {"language": "en"}).status_code == 302
    application = db.session.scalar(db.select(MembershipApplication))
    applicant = app.test_client()
    sign_in(applicant, application.member.account)
    page = applicant.get("/me/shares").get_data(as_text=True)
    assert "Your application" in page and "Waiting for payment." in page and "once your shares are paid" in page
    assert "not renewed" not in page and "/me/resign" not in page and "/me/shares/buy" not in page
    assert "/me/payments" in page


def test_the_join_form_is_rate_limited(make_app):
    from app.extensions import limiter

    limited = make_app(RATELIMIT_ENABLED=True, ADMISSION_RATE_LIMIT="2 per hour")
    limiter.reset()  # counts left by other tests' requests
    other = limited.test_client()
    # A form sent back for a mistake is not an application: mistakes do not use up the limit.
    statuses = [other.post("/join", data=GOOD | {"consent": ""}).status_code for _ in range(3)]
    assert statuses == [400, 400, 400]
    household = [GOOD | {"email": f"member{i}@example.be", "national_number": ""} for i in range(2)]
    assert [other.post("/join", data=form).status_code for form in household] == [302, 302]
    refused = other.post("/join", data=GOOD)  # the form comes back as typed, with why; nothing stored
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Too many applications from this connection" in text
    assert f'value="{GOOD["email"]}"' in text
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 2
    assert other.get("/join").status_code == 200  # reading the form is not limited

    # A form with an address or a number already taken counts as any form sent (the same answer).
    limiter.reset()
    probing = limited.test_client()
    taken = [probing.post("/join", data=GOOD | {"email": f"member{i}@example.be"}).status_code for i in range(3)]
    assert taken == [302, 302, 429]


@pytest.fixture
def awaiting_decision(client, app, data_app):
    """An application from /join, paid, waiting for a decision (``ADMISSION_MODE`` "decision" meanwhile)."""
    app.config["ADMISSION_MODE"] = data_app.config["ADMISSION_MODE"] = "decision"
    try:
        client.post("/join", data=GOOD)
        application = db.session.scalar(db.select(MembershipApplication))
        apply_payment(application.payment_request, 6000, on=today())
        db.session.commit()
        yield application
    finally:
        app.config["ADMISSION_MODE"] = data_app.config["ADMISSION_MODE"] = "payment"


def test_from_application_to_admission_by_decision_in_the_staff_screens(client, login_as, awaiting_decision):
    application = awaiting_decision
    login_as("staff")
    home = client.get("/").get_data(as_text=True)
    assert "1 application to admit or refuse" in home
    page = client.get("/staff/applications").get_data(as_text=True)
    assert "Van Damme" in page and "paid, waiting for the admission decision" in page
    missing = client.post(f"/staff/applications/{application.id}/admit", data={"decision_on": today().isoformat()})
    assert missing.status_code == 400 and (
        "Nothing is decided for Chloé Van Damme. Reference of the decision (board minutes, staff decision): This "
        "field is required.") in html.unescape(missing.get_data(as_text=True))
    decided = {"decision_on": today().isoformat(), "decision_reference": "CA-12"}
    asked = client.post(f"/staff/applications/{application.id}/admit", data=decided)
    assert asked.status_code == 200 and "Please confirm" in asked.get_data(as_text=True)
    ok = client.post(f"/staff/applications/{application.id}/admit", data=decided | {"confirmed": "1"})
    assert ok.status_code == 302
    twice = client.post(f"/staff/applications/{application.id}/refuse",
                        data={"decision_on": today().isoformat(), "decision_reference": "CA-13"})
    assert twice.status_code == 409 and "decided this application first" in twice.get_data(as_text=True)
    twice = client.post(f"/staff/applications/{application.id}/refuse",
                        data={"decision_on": today().isoformat(), "decision_reference": "CA-13", "confirmed": "1"})
    assert twice.status_code == 409 and "decided this application first" in twice.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MembershipApplication, application.id).status is ApplicationStatus.ADMITTED
    assert register.holding(application.member).shares == 2


@pytest.mark.parametrize("decision, said, button", [
    ("refuse", ["Their membership application will be refused (decision CA-7 of {day}), and they are told by e-mail.",
                "puts the 60.00 € received on the refund list", "This cannot be undone."], "Yes, refuse"),
    ("admit", ["They will be admitted on {day} (decision CA-7): their 2 shares are recorded in the share register, "
               "and their certificate is e-mailed to them.", "The share register is a legal document"], "Yes, admit"),
])
def test_a_decision_on_an_application_is_confirmed_first_and_nothing_is_recorded_before(
        client, login_as, app, awaiting_decision, outbox, decision, said, button):
    from app.web import format_day

    application = awaiting_decision
    login_as("staff")
    mails = len(outbox())
    url = f"/staff/applications/{application.id}/{decision}"
    decided = {"decision_on": today().isoformat(), "decision_reference": "CA-7", "note": "Vu en réunion."}

    def nothing_recorded():
        db.session.expire_all()
        assert db.session.get(MembershipApplication, application.id).status is ApplicationStatus.AWAITING_DECISION
        assert register.holding(application.member).shares == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(["shares.application.admit", "shares.application.refuse"]))) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Surplus)) == 0
        assert len(outbox()) == mails

    asked = client.post(url, data=decided)
    page = unescape(asked.get_data(as_text=True))
    assert asked.status_code == 200 and "Please confirm" in page and "Chloé Van Damme" in page
    with app.test_request_context():
        day = format_day(today(), "long")
    for sentence in said:
        assert sentence.format(day=day) in page
    assert "Note: Vu en réunion." in page and button in page and "No, go back" in page
    assert f'href="/staff/applications#application-{application.id}"' in page
    assert 'name="confirmed" value="1"' in page and 'name="decision_reference" value="CA-7"' in page
    nothing_recorded()
    # Refused before it is asked: a date to come, or no reference (confirmed or not).
    tomorrow = date.fromordinal(today().toordinal() + 1).isoformat()
    for data, status, words in ((decided | {"decision_on": tomorrow}, 422, "The date cannot be in the future."),
                                (decided | {"decision_reference": "  "}, 400, "This field is required."),
                                (decided | {"decision_reference": "", "confirmed": "1"}, 400,
                                 "This field is required.")):
        refused = client.post(url, data=data)
        text = unescape(refused.get_data(as_text=True))
        assert refused.status_code == status and words in text and "Please confirm" not in text
        nothing_recorded()
    # Confirmed: recorded once.
    done = client.post(url, data=decided | {"confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    status = db.session.get(MembershipApplication, application.id).status
    if decision == "refuse":
        assert status is ApplicationStatus.REFUSED and register.holding(application.member).shares == 0
    else:
        assert status is ApplicationStatus.ADMITTED and register.holding(application.member).shares == 2
    again = client.post(url, data=decided | {"confirmed": "1"})
    assert again.status_code == 409


def test_staff_create_a_member_edit_contact_and_send_a_link(client, login_as, outbox):
    login_as("staff")
    assert client.get("/staff/members/new").status_code == 200
    response = client.post("/staff/members/new", data={k: v for k, v in GOOD.items() if k != "consent"})
    assert response.status_code == 302
    member = db.session.scalar(db.select(MembershipApplication)).member
    page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert "admission pending" in page and "waiting for payment" in page
    form = client.get(f"/staff/members/{member.id}/contact").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    saved = client.post(f"/staff/members/{member.id}/contact",
                        data={"version": version, "email": "chloe.vd@example.be", "street": "Avenue Louise 5",
                              "postcode": "1050", "city": "Ixelles", "country": "BE"})
    assert saved.status_code == 302
    audit = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "shares.member.contact_update"))
    assert audit.before["email"] == "chloe@example.be" and audit.after["city"] == "Ixelles"
    stale = client.post(f"/staff/members/{member.id}/contact",
                        data={"version": version, "email": "x@example.be", "street": "S", "postcode": "1000",
                              "city": "C", "country": "BE"})
    assert stale.status_code == 409
    # A postcode must have the chosen country's shape.
    for postcode, country in (("1", "BE"), ("ABCDEFG", "BE"), ("1012", "NL"), ("7501", "FR")):
        bad = client.post(f"/staff/members/{member.id}/contact", data={
            "version": str(int(version) + 1), "email": "x@example.be", "street": "S", "postcode": postcode,
            "city": "C", "country": country})
        assert bad.status_code == 400 and "This is not a postcode of the chosen country" in bad.get_data(as_text=True)
    assert client.post(f"/staff/members/{member.id}/sign-in-link").status_code == 302
    assert [m for m in outbox("chloe.vd@example.be") if m.secret]


def test_cancelling_a_payment_request_asks_first(client, login_as, member_with_shares):
    member = member_with_shares(1, on=date(2024, 3, 1), paid=False)
    request = db.session.scalar(db.select(PaymentRequest).where(PaymentRequest.member_id == member.id))
    login_as("staff")
    detail = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert f"/staff/payment-requests/{request.id}/cancel" in detail
    confirm = client.get(f"/staff/payment-requests/{request.id}/cancel")
    assert confirm.status_code == 200 and b"cannot be undone" in confirm.data and b"taken out of it" in confirm.data
    db.session.refresh(request)
    assert request.status is PaymentStatus.OPEN
    done = client.post(f"/staff/payment-requests/{request.id}/cancel", data={"confirmed": "1"})
    assert done.status_code == 302
    db.session.refresh(request)
    assert request.status is PaymentStatus.CANCELLED
    # Its share, already subscribed in the register, is taken out by a correction: nobody will pay it.
    db.session.expire_all()
    assert (register.holding(member).shares, register.holding(member).capital_cents) == (0, 0)
    again = client.post(f"/staff/payment-requests/{request.id}/cancel", data={"confirmed": "1"})
    assert again.status_code == 422


@pytest.mark.parametrize("action, data, words", [
    ("resign", {"note": "leaving"}, b"resignation will be recorded"),
    ("exclude", {"board_decision_on": "2024-05-01", "board_reference": "CA-5"}, b"will be excluded"),
    ("redeem", {"shares": "1"}, b"will be redeemed"),
])
def test_irreversible_register_actions_ask_for_confirmation(client, login_as, member_with_shares, action, data, words):
    member = member_with_shares(2, on=date(2024, 3, 1))
    login_as("staff")
    form = {"effective_on": today().isoformat(), **data}
    first = client.post(f"/staff/members/{member.id}/register/{action}", data=form)
    assert first.status_code == 200 and words in first.data and b"cannot be undone" in first.data
    count = lambda: db.session.scalar(db.select(db.func.count()).select_from(ShareEntry))  # noqa: E731
    before = count()
    assert before == 2
    seen = register_version(first.get_data(as_text=True))
    confirmed = client.post(f"/staff/members/{member.id}/register/{action}",
                            data=form | {"confirmed": "1", "register_version": seen})
    assert confirmed.status_code == 302 and count() > before
    # The same confirmation sent again (a second tab, the back button) records nothing more.
    after = count()
    again = client.post(f"/staff/members/{member.id}/register/{action}",
                        data=form | {"confirmed": "1", "register_version": seen})
    assert again.status_code == 409 and b"changed since this confirmation was shown" in again.data
    assert count() == after


def test_register_csv_neutralises_formulas(client, login_as, member_with_shares):
    member_with_shares(1, on=date(2024, 3, 1), first_name="=HYPERLINK(\"http://x\")", last_name="@SUM(1+1)")
    login_as("staff")
    response = client.get("/staff/register?on=2025-01-01&format=csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = csv_rows(response.get_data(as_text=True))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\") @SUM(1+1)"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_member_and_staff_tasks(client, login_as, member_with_shares, make_staff):
    member = member_with_shares(1, on=date(2024, 3, 1), paid=False)
    sign_in(client, member.account)
    assert "Pay for your shares" in client.get("/").get_data(as_text=True)
    from shares.member_requests import request_resignation
    other = member_with_shares(1, on=date(2024, 3, 1))
    request_resignation(other, repay_to="BE71096123456769")
    db.session.commit()
    sign_in(client, make_staff())
    home = client.get("/").get_data(as_text=True)
    assert "1 member request to decide" in home


@pytest.mark.parametrize("language, day, short, money", [
    ("fr", "1er mars 2024", "1er mars 2024", "30,00 €"), ("nl", "1 maart 2024", "1 mrt 2024", "30,00 €"),
    ("en", "1 March 2024", "1 Mar 2024", "30.00 €"),
])
def test_dates_and_amounts_follow_the_readers_language(client, login_as, member_with_shares, language, day, short,
                                                       money):
    member = member_with_shares(1, on=date(2024, 3, 1))
    login_as("staff")
    client.post("/language", data={"language": language, "next": "/"})
    html = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert day in html and money in html
    # No ISO date in the text people read (form fields keep ISO values for the date inputs).
    assert "2024-03-01" not in re.sub(r'value="[^"]*"', "", html)
    register_html = client.get("/staff/register?on=2024-12-31").get_data(as_text=True)
    assert short in register_html and money in register_html


def test_register_totals_follow_every_new_entry(member_with_shares):
    on = today()
    member_with_shares(1, on=date(2024, 3, 1))
    first = register.totals(on)
    member_with_shares(2, on=date(2024, 3, 1))
    second = register.totals(on)
    assert sum(t.shares for t in second.values()) == sum(t.shares for t in first.values()) + 2
    assert register.register_count(on) == 2


def test_a_new_task_counts_in_the_badge_of_the_next_page(client, member_with_shares, make_staff):
    """Pages other than the home page ask for the badge once shown (htmx); its answer is the count of now."""
    from shares.member_requests import request_resignation

    sign_in(client, make_staff())
    hx = {"HX-Request": "true"}
    page = client.get("/staff/members?q=a").get_data(as_text=True)
    assert '<span id="menu-badge" hx-get="/tasks/badge" hx-trigger="load" hx-swap="outerHTML"></span>' in page
    assert '<span id="home-badge"></span>' in page  # filled out of band by the same answer
    quiet = client.get("/tasks/badge", headers=hx)
    assert quiet.status_code == 200 and quiet.headers["Cache-Control"] == "no-store"
    assert 'class="badge"' not in quiet.get_data(as_text=True)
    # Joined today: no renewal letter due for them, the request is the one new task.
    request_resignation(member_with_shares(1, on=today()), repay_to="BE71096123456769")
    db.session.commit()
    assert client.get("/staff/members?q=a").status_code == 200
    badge = client.get("/tasks/badge", headers=hx).get_data(as_text=True)
    counted = ' <span class="badge">1<span class="visually-hidden"> thing needs you</span></span>'
    assert f'<span id="menu-badge">{counted}</span>' in badge
    assert f'<span id="home-badge" hx-swap-oob="true">{counted}</span>' in badge
    home = client.get("/").get_data(as_text=True)  # the home page counts what it lists, asking nothing after
    assert f'<span id="menu-badge">{counted}</span>' in home and "/tasks/badge" not in home
    assert "1 member request to decide" in home



def _paid_entries(member) -> list[tuple[int, int, str]]:
    return [(e.amount_cents, e.paid_cents, e.note) for e in db.session.scalars(
        db.select(ShareEntry).where(ShareEntry.member_id == member.id, ShareEntry.kind == EntryKind.PAYMENT))]


def test_staff_record_cash_received_at_the_door_after_a_confirmation_and_once(client, login_as, member_with_shares,
                                                                            outbox):
    member = member_with_shares(2, on=date(2024, 3, 1), paid=False)
    request = db.session.scalar(db.select(PaymentRequest).where(PaymentRequest.member_id == member.id))
    login_as("staff")
    url = f"/staff/payment-requests/{request.id}/received"
    assert url in client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert 'value="60,00"' in page and 'name="seen_paid_cents" type="hidden" value="0"' in page
    form = {"amount_cents": "20,00", "effective_on": today().isoformat(), "how": "Cash at the door, receipt 12",
            "seen_paid_cents": "0"}
    asked = client.post(url, data=form)
    assert asked.status_code == 200 and "cannot be undone" in asked.get_data(as_text=True)
    assert re.search(r"40\.00\W*€ will still be due", asked.get_data(as_text=True))
    assert _paid_entries(member) == []  # nothing before the confirmation
    done = client.post(url, data=form | {"confirmed": "1"})
    assert done.status_code == 302
    db.session.refresh(request)
    assert (request.paid_cents, request.status) == (2000, PaymentStatus.PARTIALLY_PAID)
    assert _paid_entries(member) == [(2000, 2000, "Cash at the door, receipt 12")]
    (receipt,) = [m for m in outbox(member.email) if "from you in person" in m.body_text]  # the member's receipt
    assert "It pays part of 2 shares" in receipt.body_text and "Still to pay on this request" in receipt.body_text
    # The same confirmation sent again (a double click, the back button) records nothing more.
    twice = client.post(url, data=form | {"confirmed": "1"})
    assert twice.status_code == 409 and "nothing more is recorded" in twice.get_data(as_text=True)
    db.session.refresh(request)
    assert request.paid_cents == 2000 and len(_paid_entries(member)) == 1
    # The page now knows what is paid: the rest, and more, can be received; the excess is kept.
    rest = form | {"amount_cents": "50", "seen_paid_cents": "2000", "confirmed": "1"}
    assert client.post(url, data=rest).status_code == 302
    db.session.refresh(request)
    assert (request.paid_cents, request.status) == (6000, PaymentStatus.PAID)
    assert sorted(_paid_entries(member))[0][:2] == (2000, 2000) and sorted(_paid_entries(member))[1][:2] == (4000, 4000)
    kept = db.session.scalars(db.select(Surplus).where(Surplus.payment_request_id == request.id))
    assert [s.amount_cents for s in kept] == [1000]
    paid_in_full = client.get(url)
    assert paid_in_full.status_code == 409 and b"neither cancelled nor paid in full" in paid_in_full.data


@pytest.mark.parametrize("change, status, words", [
    ({"amount_cents": ""}, 400, "Enter the amount received."),
    ({"amount_cents": "0"}, 400, "Enter an amount above zero."),
    ({"amount_cents": "-5"}, 400, "Enter an amount in euros"),
    ({"amount_cents": "12,3456"}, 400, "At most two decimals"),
    ({"amount_cents": "30,001"}, 400, "could be cents or thousands"),
    ({"amount_cents": "1e9"}, 400, "Enter an amount in euros"),
    ({"how": "   "}, 400, "Say how the money was received."),
    ({"how": "x" * 501}, 400, "500"),
    ({"effective_on": "2026-02-30"}, 400, "Not a valid date value."),
    ({"effective_on": "2100-01-01", "confirmed": ""}, 400, "The date cannot be in the future."),  # before asking
    ({"effective_on": "2100-01-01"}, 400, "The date cannot be in the future."),
    ({"effective_on": "9999-01-01"}, 400, "Check the year: a date between 1900 and 2199 is expected."),
    ({"seen_paid_cents": "abc"}, 400, "This form is out of date. Reload the page."),
    ({"seen_paid_cents": "-1"}, 400, "This form is out of date. Reload the page."),
    ({"seen_paid_cents": "500"}, 409, "nothing more is recorded"),
])
def test_money_received_refuses_bad_input_with_words_and_saves_nothing(client, login_as, member_with_shares,
                                                                       change, status, words):
    member = member_with_shares(1, on=date(2024, 3, 1), paid=False)
    request = db.session.scalar(db.select(PaymentRequest).where(PaymentRequest.member_id == member.id))
    login_as("staff")
    form = {"amount_cents": "30", "effective_on": today().isoformat(), "how": "cash", "seen_paid_cents": "0",
            "confirmed": "1"}
    response = client.post(f"/staff/payment-requests/{request.id}/received", data=form | change)
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert response.get_data(as_text=True).count("Enter an amount") <= 1  # one sentence per mistake
    db.session.refresh(request)
    assert request.paid_cents == 0 and _paid_entries(member) == []


def test_money_received_is_refused_on_a_cancelled_request_and_to_members(client, login_as, member_with_shares):
    member = member_with_shares(1, on=date(2024, 3, 1), paid=False)
    request = db.session.scalar(db.select(PaymentRequest).where(PaymentRequest.member_id == member.id))
    url = f"/staff/payment-requests/{request.id}/received"
    form = {"amount_cents": "30", "effective_on": today().isoformat(), "how": "cash", "seen_paid_cents": "0",
            "confirmed": "1"}
    sign_in(client, member.account)
    assert client.post(url, data=form).status_code == 403
    login_as("staff")
    client.post(f"/staff/payment-requests/{request.id}/cancel", data={"confirmed": "1"})
    refused = client.post(url, data=form)
    assert refused.status_code == 409
    db.session.refresh(request)
    assert request.paid_cents == 0 and _paid_entries(member) == []


@pytest.mark.parametrize("action", ["received", "cancel"])
def test_a_payment_request_id_beyond_the_database_s_integers_is_not_found(client, login_as, action):
    login_as("staff")
    assert client.get(f"/staff/payment-requests/99999999999999999999/{action}").status_code == 404


def test_one_person_is_one_member_whoever_applies_for_them(client, login_as, make_member):
    """The national number of a membership that has not ended cannot start another: not by /join with
    another address, not by staff, not by a member typing it into their profile. Refused, the person
    may apply again."""
    assert client.post("/join", data=GOOD).status_code == 302
    twin = client.post("/join", data=GOOD | {"email": "chloe.other@example.be", "first_name": "Chloë"})
    assert twin.status_code == 302  # the visitor is not told (see test_joining): nothing is made
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 1
    login_as("staff")
    by_staff = client.post("/staff/members/new", data={k: v for k, v in GOOD.items() if k != "consent"}
                           | {"email": "chloe.third@example.be"})
    assert by_staff.status_code == 409 and 'id="national_number-error"' in by_staff.get_data(as_text=True)
    assert "Chloé Van Damme (member " in by_staff.get_data(as_text=True)  # staff are told who holds it
    # To staff, an address in use is said of the account (the applicant's advice "sign in" is not theirs).
    same_address = client.post("/staff/members/new", data={k: v for k, v in GOOD.items() if k != "consent"})
    text = same_address.get_data(as_text=True)
    assert same_address.status_code == 409 and "search the members for it" in text and "If it is yours" not in text
    assert "A (users of the services)" in text and "I will use" not in text
    member = make_member()
    sign_in(client, member.account)
    profile = client.post("/me", data={"first_name": member.first_name, "last_name": member.last_name,
                                       "street": "Rue 1", "postcode": "1000", "city": "Bruxelles", "country": "BE",
                                       "language": "en", "version": member.version,
                                       "national_number": "85.07.30-033.28"})
    assert profile.status_code == 409 and 'id="national_number-error"' in profile.get_data(as_text=True)
    assert "Another membership has this number" in profile.get_data(as_text=True)
    db.session.expire_all()
    assert member.national_number != "85073003328"
    # Refused, the applicant's number is free again.
    application = db.session.scalar(db.select(MembershipApplication))
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-1",
                     actor=make_member().account)
    db.session.commit()
    client.get("/auth/logout")
    again = client.application.test_client().post("/join", data=GOOD | {"email": "chloe.again@example.be"})
    assert again.status_code == 302


def test_a_name_or_address_with_markup_is_refused_beside_its_field(client):
    """Escaped on pages, markup typed into a name would still be printed as is on certificates, the legal
    register and letters: refused where it is typed."""
    response = client.post("/join", data=GOOD | {"first_name": "<b>Zoé</b>", "street": "Rue <script>1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and page.count("A name or an address cannot contain &lt; or &gt;.") == 2
    assert 'id="first_name-error"' in page and 'id="street-error"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 0
    assert client.post("/join", data=GOOD | {"last_name": "O'Brien-Dupont"}).status_code == 302


@pytest.mark.parametrize("name", ["Van den Bossche \U0001F389", "Zo\u00eb \u2665", "Maes\x07", "Priv\ue000"])
def test_an_emoji_or_symbol_in_a_name_is_refused_as_the_register_could_not_print_it(client, name):
    response = client.post("/join", data=GOOD | {"last_name": name})
    assert response.status_code == 400
    assert "no emoji or other symbol" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 0


BIDI_SAID = {"en": "A name or an address cannot contain direction marks",
             "fr": "Un nom ou une adresse ne peut pas contenir de marques de direction",
             "nl": "Een naam of een adres kan geen richtingstekens bevatten"}


@pytest.mark.parametrize("control", list("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_a_direction_control_inside_a_visible_name_is_refused_in_the_reader_s_language(client, control, language):
    """A bidi control makes a name read otherwise than it is kept ("\u202eAnne" shows "ennA"): refused
    beside the field, wherever it sits in an otherwise visible name, and nothing kept."""
    response = client.post("/join", data=GOOD | {"last_name": f"Van{control} den Bossche"},
                           headers={"Accept-Language": language})
    assert response.status_code == 400
    assert re.search(rf'id="last_name-error">{BIDI_SAID[language]}', response.get_data(as_text=True))
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 0


@pytest.mark.parametrize("hidden", ["\u200b", "\u00ad", "\u2060", "\ufeff"])
def test_an_invisible_character_inside_a_name_is_refused(client, hidden):
    """"Ma\u200brie" shows as "Marie" but is another name: refused beside the field, nothing kept."""
    response = client.post("/join", data=GOOD | {"first_name": f"Ma{hidden}rie"})
    assert response.status_code == 400
    assert re.search(r'id="first_name-error">A name or an address cannot contain invisible characters',
                     response.get_data(as_text=True))
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 0


@pytest.mark.parametrize("name", ["\u0645\u06cc\u200c\u0631\u0632\u0627", "Zoë Ñúñez-O'Brien", "Ødegård", "Łukasz Żółć", "محمد", "שרה לוי", "Nguyễn Thị", "S.A.R.L. Café & Co"])
def test_names_in_every_script_with_their_punctuation_pass(client, name):
    assert client.post("/join", data=GOOD | {"last_name": name}).status_code == 302


def test_markup_is_refused_in_the_profile_and_in_staff_s_address_form_as_on_joining(client, login_as, make_member):
    member = make_member(first_name="Zoé", last_name="Maes")
    sign_in(client, member.account)
    profile = client.post("/me", data={"first_name": "<script>alert(1)</script>", "last_name": "Maes",
                                       "street": "Rue 1", "postcode": "1000", "city": "Bruxelles", "country": "BE",
                                       "language": "en", "version": member.version})
    assert profile.status_code == 400 and 'id="first_name-error"' in profile.get_data(as_text=True)
    client.get("/auth/logout")
    login_as("staff")
    contact = client.post(f"/staff/members/{member.id}/contact", data={
        "version": member.version, "email": member.email, "street": "<script>alert(1)</script>", "postcode": "1000",
        "city": "Bruxelles", "country": "BE"})
    assert contact.status_code == 400 and "A name or an address cannot contain &lt; or &gt;." in contact.get_data(as_text=True)
    db.session.expire_all()
    assert (member.first_name, member.street) == ("Zoé", "Rue Haute 1")


def test_two_applications_given_the_same_member_number_meanwhile_is_a_conflict_not_a_crash(client, monkeypatch):
    """Member numbers are allocated inside the inserting transaction: two applications at the same
    moment may be given the same, and the unique constraint refuses the second. Said as a conflict
    (409, a sentence), nothing of it stored."""
    from shares import services

    assert client.post("/join", data=GOOD).status_code == 302
    monkeypatch.setattr(services, "next_member_number", lambda: 1)  # the first application's number
    second = client.post("/join", data=GOOD | {"email": "other@example.be", "national_number": "",
                                               "first_name": "Other"}, headers={"Accept-Language": "en"})
    assert second.status_code == 409  # sent once more by itself (a number taken meanwhile is taken afresh), then said
    assert "Another form was sent at the same moment" in second.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 1


def test_staff_told_whose_address_it_is_members_and_visitors_are_not(client, login_as, make_member):
    from tests.factories import make_account

    member = make_member(first_name="Zoé", last_name="Maes")
    other = make_member(first_name="Jan", last_name="Peeters", email="jan.peeters@example.be")
    make_account(email="board.only@example.be")
    db.session.commit()
    login_as("staff")
    fields = {"version": member.version, "street": "Rue 2", "postcode": "1000", "city": "Bruxelles", "country": "BE"}
    taken = client.post(f"/staff/members/{member.id}/contact", data={**fields, "email": "Jan.Peeters@example.be"})
    body = unescape(taken.get_data(as_text=True))
    assert taken.status_code == 409
    assert (f"This e-mail address is already the address of member no. {other.number}, Jan Peeters: one address "
            "belongs to one account. Enter another address, or change theirs first.") in body
    assert "If it is yours, sign in" not in body and "Rue 2" in body
    account = client.post(f"/staff/members/{member.id}/contact", data={**fields, "email": "board.only@example.be"})
    body = unescape(account.get_data(as_text=True))
    assert account.status_code == 409 and "already the address of another account (Test Person), which is not a member's" in body
    db.session.expire_all()
    assert member.email != "jan.peeters@example.be" and member.street != "Rue 2"
    # A visitor joining with that address is told what it always was: nothing about whose it is.
    client.post("/auth/logout")
    joined = client.post("/join", data={**GOOD, "email": "jan.peeters@example.be"}, follow_redirects=True)
    assert joined.status_code == 200 and "Peeters" not in joined.get_data(as_text=True)


def test_a_nul_in_a_joining_field_gives_the_form_back_with_the_typing(client):
    """A paste may bring a NUL (U+0000), which no database keeps: the form comes back (400) with the
    sentence beside that field and everything else typed; nothing is saved."""
    sent = client.post("/join", data=GOOD | {"first_name": "Chlo\x00é", "language": "en", "city": "Ixelles"},
                       headers={"Accept-Language": "en"})
    body = unescape(sent.get_data(as_text=True))
    assert sent.status_code == 400
    assert 'id="first_name-error"' in body and "This text held an invisible character that cannot be kept" in body
    assert 'value="Chloé"' in body and 'value="Ixelles"' in body and 'value="Van Damme"' in body
    assert "\x00" not in body
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 0
    french = client.post("/join", data=GOOD | {"last_name": "Van\x00Damme"}, headers={"Accept-Language": "fr"})
    assert french.status_code == 400 and "Ce texte contenait un caractère invisible" in french.get_data(as_text=True)


def test_a_nul_in_the_profile_gives_the_form_back(client, make_member):
    member = make_member(first_name="Zoé", last_name="Maes")
    sign_in(client, member.account)
    sent = client.post("/me", data={"first_name": "Zoé", "last_name": "Ma\x00es", "street": "Rue Neuve 9",
                                    "postcode": "1000", "city": "Bruxelles", "country": "BE", "language": "en",
                                    "version": member.version})
    body = unescape(sent.get_data(as_text=True))
    assert sent.status_code == 400 and 'id="last_name-error"' in body and 'value="Rue Neuve 9"' in body
    assert "This text held an invisible character that cannot be kept" in body
    db.session.expire_all()
    assert (member.last_name, member.street) == ("Maes", "Rue Haute 1")
