"""Thousands of digits typed where a number, an amount or a structured communication is asked: the field's
own sentence (a 400 or the form's status), never Python's "Exceeds the limit (4300 digits)" nor a 500."""
from __future__ import annotations

from datetime import date
from html import unescape

import pytest

from app.extensions import db
from shares import register
from shares.models import Category, MemberKind
from shares.queries import member_for_account

HUGE = "9" * 5000
JOIN = {"kind": "legal", "legal_name": "ASBL Test", "email": "asbl@example.be", "street": "Rue Haute 1",
        "postcode": "1000", "city": "Bruxelles", "country": "BE", "language": "fr", "category": "B", "shares": "1",
        "consent": "y", "enterprise_number": "0" * 100_000}


@pytest.fixture(autouse=True)
def no_rate_limit():
    from app.extensions import limiter

    limiter.enabled = False
    yield
    limiter.enabled = True


def _text(response) -> str:
    text = unescape(response.get_data(as_text=True))
    assert "4300" not in text and "Exceeds the limit" not in text
    return text


def test_join_with_a_huge_enterprise_number(client):
    response = client.post("/join", data=JOIN)
    assert response.status_code == 400
    assert "This is not a valid Belgian enterprise number" in _text(response)


@pytest.mark.parametrize("kind, field", [("natural", "national_number"), ("legal", "enterprise_number")])
def test_profile_with_a_huge_identity_number(client, login_as, kind, field):
    legal = kind == "legal"
    account = login_as("member", kind=MemberKind.LEGAL if legal else MemberKind.NATURAL,
                       category=Category.B if legal else Category.A, legal_name="ASBL Test" if legal else None,
                       enterprise_number=None)
    member = member_for_account(account.id)
    response = client.post("/me", data={"first_name": "Piet", "last_name": "Janssens", "legal_name": "ASBL Test",
                                        "street": "Kerkstraat 4", "postcode": "9000", "city": "Gent", "country": "BE",
                                        "language": "en", "version": member.version, field: HUGE})
    assert response.status_code == 400
    assert "This is not a valid Belgian" in _text(response)


def test_staff_new_member_with_a_huge_national_number(client, login_as):
    login_as("staff")
    response = client.post("/staff/members/new", data={
        "kind": "natural", "first_name": "Xavier", "last_name": "Nieuw", "email": "xavier@example.be",
        "street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles", "country": "BE", "language": "en",
        "national_number": HUGE, "category": "A", "shares": "1"})
    assert response.status_code == 400
    assert "This is not a valid Belgian national number" in _text(response)


def test_staff_amount_with_thousands_of_digits(client, login_as, make_member):
    login_as("staff")
    member = make_member()
    _entry, request = register.subscribe(member, 1, on=date(2024, 1, 1))
    db.session.commit()
    response = client.post(f"/staff/payment-requests/{request.id}/received", data={
        "amount_cents": HUGE, "effective_on": "2024-06-01", "how": "cash", "seen_paid_cents": "0"})
    assert response.status_code == 400
    assert "This amount is too large." in _text(response)
    db.session.refresh(request)
    assert request.paid_cents == 0


def test_a_structured_communication_of_thousands_of_digits_is_refused_for_its_length():
    from shares.errors import InvalidReference
    from shares.references import parse_reference

    with pytest.raises(InvalidReference) as refused:
        parse_reference("+++" + HUGE + "+++")
    assert refused.value.reason == "length"
