"""Joining tells a visitor nothing about other people, and an applicant whose application ended applies
again with the same account.

/join answers a form with an address that has an account, or a national number a membership holds,
exactly as it answers a new applicant (the same redirect, the same page, after the same time): nothing is
created, and the address concerned learns by mail what happened. A refused or withdrawn applicant signs
in and applies again from My shares: a new application for the same member, the old one kept as it ended,
one open application at a time (the database keeps it)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import IntegrityError

from app.clock import today, utcnow
from app.extensions import db
from app.models import Account, AuditEntry
from shares import admission
from shares.models import (ApplicationStatus, Category, Member, MembershipApplication, PaymentRequest, PaymentStatus)
from shares.register import record_payment
from shares.settings import share_price_cents
from tests.factories import sign_in

GOOD = {"kind": "natural", "first_name": "Chloé", "last_name": "Van Damme", "email": "chloe@example.be",
        "street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles", "country": "BE", "language": "fr",
        "national_number": "90.01.01-001.23", "category": "A", "shares": "2", "consent": "y"}
HELD_NUMBER = "75061512374"


@pytest.fixture(autouse=True)
def no_rate_limit():
    from app.extensions import limiter

    limiter.enabled = False
    yield
    if getattr(limiter, "_storage", None) is not None:
        limiter.reset()


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Account, Member, MembershipApplication, PaymentRequest)}


def join(app, form: dict) -> tuple[int, str, str]:
    """What a visitor sees for ``form`` (in a fresh browser): the status, where it leads, that page's text
    with the address typed put aside (each page says it back)."""
    browser = app.test_client()
    response = browser.post("/join", data=form, headers={"Accept-Language": "fr"})
    page = browser.get("/join/received", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    page = re.sub(r'"[\w.-]{40,}"', '"TOKEN"', page)  # the session's own CSRF token
    return response.status_code, response.location, page.replace(form["email"].lower(), "ADDRESS")


def test_an_address_with_an_account_gets_the_same_answer_as_a_new_one_and_its_owner_is_told(app, make_member,
                                                                                        outbox):
    owner = make_member(email="taken@example.be", language="nl", first_name="Jan", last_name="Peeters")
    before = counts()
    taken = join(app, GOOD | {"email": "Taken@Example.be", "national_number": ""})
    assert counts() == before  # nothing made: no account, member, application or payment request
    free = join(app, GOOD | {"email": "free@example.be", "national_number": ""})
    assert taken[0] == free[0] == 302 and taken[1] == free[1] == "/join/received"
    assert taken[2] == free[2] and "Consultez vos e-mails" in free[2]
    assert counts()["MembershipApplication"] == 1  # the free address applied
    told = outbox("taken@example.be")
    assert len(told) == 1 and told[0].language == "nl"  # in the account's language, not the form's
    assert told[0].subject == "Iemand vroeg om lid te worden van Une Voix met uw e-mailadres"
    assert "/auth/login" in told[0].body_text and "opnieuw aanvragen" not in told[0].body_text
    assert owner.account.email == "taken@example.be"


def test_a_number_a_membership_holds_gets_the_same_answer_and_the_address_typed_is_told(app, make_member, outbox):
    holder = make_member(national_number=HELD_NUMBER)
    before = counts()
    taken = join(app, GOOD | {"email": "someone@example.be", "national_number": "75.06.15-123.74"})
    assert counts() == before
    free = join(app, GOOD | {"email": "chloe@example.be"})
    assert taken == free[:2] + (taken[2],) and taken[2] == free[2]
    told = outbox("someone@example.be")
    assert [m.subject for m in told] == ["Votre candidature à Une Voix"]  # the form's language
    body = told[0].body_text
    assert "numéro national" in body and "ne peut pas servir" in body and "contact@unevoix.example" in body
    assert holder.name not in body and "Member2" not in body  # whose number it is is not said
    # The outbox dedupes it per number with a keyed hash: the number itself is not kept there.
    key = told[0].dedupe_key
    assert re.fullmatch(r"shares\.join:number:[0-9a-f]{64}:\d{4}-\d{2}-\d{2}", key)
    assert HELD_NUMBER not in key and "".join(c for c in HELD_NUMBER if c.isdigit()) not in key
    # Staff find the attempt in the audit log, on the member who holds the number.
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "shares.application.number_taken"))
    assert entry.object_id == str(holder.id) and entry.after == {"email": "someone@example.be",
                                                                 "national_number": HELD_NUMBER}


def test_the_number_of_a_pending_application_is_held_too(app, outbox):
    assert join(app, GOOD)[0] == 302
    before = counts()
    assert join(app, GOOD | {"email": "twin@example.be"})[0] == 302
    assert counts() == before and len(outbox("twin@example.be")) == 1


def test_a_company_s_taken_enterprise_number_is_said_as_such_to_the_address_typed(app, make_member, outbox):
    from shares.models import MemberKind

    make_member(kind=MemberKind.LEGAL, enterprise_number="0403170701")
    form = GOOD | {"kind": "legal", "legal_name": "ASBL Voisins", "enterprise_number": "0403.170.701",
                   "category": "B", "email": "asbl@example.be"}
    assert join(app, form)[0] == 302
    assert "numéro d'entreprise" in outbox("asbl@example.be")[0].body_text


def test_mistakes_in_the_form_are_still_said_at_once(client, make_member):
    make_member(email="taken@example.be")
    bad = client.post("/join", data=GOOD | {"email": "taken@example.be", "national_number": "90010100124"})
    assert bad.status_code == 400 and "not a valid Belgian national number" in bad.get_data(as_text=True)
    missing = client.post("/join", data=GOOD | {"email": "taken@example.be", "city": ""})
    assert missing.status_code == 400 and 'id="city-error"' in missing.get_data(as_text=True)


def _applicant(client, app, language="en") -> MembershipApplication:
    assert client.post("/join", data=GOOD | {"language": language}).status_code == 302
    return db.session.scalar(db.select(MembershipApplication).order_by(MembershipApplication.id.desc()))


def _refused(client, app, make_member, language="en") -> MembershipApplication:
    application = _applicant(client, app, language)
    admission.decide(application, admit=False, decision_on=today(), decision_reference="CA-1",
                     actor=make_member().account)
    db.session.commit()
    return application


def test_a_refused_applicant_is_told_to_apply_again_when_they_use_the_form(app, client, make_member, outbox):
    _refused(client, app, make_member, "fr")
    before = counts()
    assert join(app, GOOD)[0] == 302 and counts() == before
    told = outbox("chloe@example.be")[-1]
    assert "Postuler à nouveau" in told.body_text and "/auth/login?next=/me/application/new" in told.body_text


@pytest.mark.parametrize("how", ["refused", "withdrawn"])
def test_an_applicant_whose_application_ended_applies_again_with_the_same_account(app, client, make_member, outbox,
                                                                                  how):
    if how == "refused":
        first = _refused(client, app, make_member)
    else:
        first = _applicant(client, app)
        admission.withdraw(first)
        db.session.commit()
    member = first.member
    browser = app.test_client()
    sign_in(browser, member.account)
    shares_page = browser.get("/me/shares").get_data(as_text=True)
    assert 'href="/me/application/new"' in shares_page
    assert "apply again from My shares" in browser.get("/me/shares/buy").get_data(as_text=True)
    form = browser.get("/me/application/new").get_data(as_text=True)
    assert "Apply again" in form and f"your member number stays {member.number}" in form
    no_consent = browser.post("/me/application/new", data={"category": "A", "shares": "3"})
    assert no_consent.status_code == 400 and "You must agree" in no_consent.get_data(as_text=True)
    sent = browser.post("/me/application/new", data={"category": "B", "shares": "3", "consent": "y"})
    assert sent.status_code == 302 and "/me/payments#request-" in sent.location
    db.session.expire_all()
    applications = list(db.session.scalars(db.select(MembershipApplication).order_by(MembershipApplication.id)))
    assert [a.status for a in applications] == [ApplicationStatus(how), ApplicationStatus.AWAITING_PAYMENT]
    again = applications[1]
    assert again.member_id == member.id and again.shares == 3 and again.category is Category.B
    assert again.payment_request.amount_cents == 3 * share_price_cents(Category.B) and again.payment_request.status is PaymentStatus.OPEN
    assert first.payment_request.status is PaymentStatus.CANCELLED  # the old one stays as it ended
    assert member.holds_identity and member.category is Category.B
    assert any(again.payment_request.formatted_reference in m.body_text for m in outbox("chloe@example.be"))
    # One at a time: while this one waits, applying again is refused in words, and nothing is made.
    page = browser.get("/me/shares").get_data(as_text=True)
    assert 'href="/me/application/new"' not in page and "Withdraw my membership application" in page
    refused = browser.post("/me/application/new", data={"category": "A", "shares": "1", "consent": "y"})
    assert refused.status_code == 409 and "still waiting" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 2
    # Paid, the new application admits them: the register has their subscription.
    record_payment(again.payment_request, again.payment_request.amount_cents, on=today())
    db.session.commit()
    db.session.refresh(again)
    assert again.status is ApplicationStatus.ADMITTED and admission.not_admitted(member) is None
    member_again = browser.post("/me/application/new", data={"category": "A", "shares": "1", "consent": "y"})
    assert member_again.status_code == 409 and "You are a member already" in member_again.get_data(as_text=True)


def test_a_member_entered_by_staff_has_no_application_to_make_again(client, make_member):
    member = make_member()
    sign_in(client, member.account)
    assert "/me/application/new" not in client.get("/me/shares").get_data(as_text=True)
    page = client.get("/me/application/new")
    assert page.status_code == 200 and "You are a member already" in page.get_data(as_text=True)
    assert client.post("/me/application/new", data={"category": "A", "shares": "1", "consent": "y"}).status_code == 409


def test_applying_again_with_a_number_another_membership_took_meanwhile_is_refused(app, client, make_member):
    first = _refused(client, app, make_member)
    make_member(national_number=first.member.national_number)  # free once refused: someone else took it
    browser = app.test_client()
    sign_in(browser, first.member.account)
    response = browser.post("/me/application/new", data={"category": "A", "shares": "1", "consent": "y"})
    assert response.status_code == 409 and "Another membership has this number" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(MembershipApplication)) == 1
    db.session.expire_all()
    assert not first.member.holds_identity


def test_the_database_keeps_one_open_application_per_member(app, client, make_member):
    first = _refused(client, app, make_member)
    admission.apply_again(first.member, shares=1, category=Category.A, actor=first.member.account)
    db.session.commit()
    with pytest.raises(IntegrityError):  # a second open one, written behind the services' back
        db.session.add(MembershipApplication(member_id=first.member_id, shares=1, category=Category.A,
                                             payment_request_id=first.payment_request_id, consented_at=utcnow()))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(admission.ApplicationOpen):
        admission.apply_again(first.member, shares=1, category=Category.A, actor=first.member.account)
    db.session.rollback()
