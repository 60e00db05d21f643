"""Staff find a member by what a payment or a letter carries: a structured communication, an IBAN, a
national or enterprise number, a postcode or a city."""
from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from shares import register
from shares.queries import search_members


@pytest.fixture
def people(make_member):
    from shares.models import MemberKind

    anne = make_member(first_name="Anne", last_name="Lefèvre", iban="BE62510007547061",
                       national_number="85073003328", postcode="4000", city="Liège")
    firm = make_member(kind=MemberKind.LEGAL, legal_name="Atelier Vert ASBL", enterprise_number="0403170701",
                       postcode="9000", city="Gent")
    other = make_member(first_name="Bram", last_name="Peeters", postcode="1000", city="Bruxelles")
    _, request = register.subscribe(anne, 1, on=date(2024, 1, 1))
    db.session.commit()
    return anne, firm, other, request


def test_by_structured_communication(people):
    anne, _firm, _other, request = people
    assert search_members(request.formatted_reference)[0] == [anne]
    assert search_members(request.reference)[0] == [anne]


@pytest.mark.parametrize("query", ["BE62 5100 0754 7061", "be62510007547061"])
def test_by_iban(people, query):
    assert search_members(query)[0] == [people[0]]


@pytest.mark.parametrize("query", ["85.07.30-033.28", "85073003328"])
def test_by_national_number(people, query):
    assert search_members(query)[0] == [people[0]]


@pytest.mark.parametrize("query", ["0403.170.701", "BE 0403 170 701", "403170701"])
def test_by_enterprise_number(people, query):
    assert search_members(query)[0] == [people[1]]


def test_by_postcode_and_city(people):
    anne, firm, other, _ = people
    assert search_members("4000")[0] == [anne]
    assert search_members("9000")[0] == [firm]
    assert search_members("Liège")[0] == [anne] and search_members("liege")[0] == [anne]
    assert search_members("gent")[0] == [firm]
    assert search_members("Peeters bruxelles")[0] == [other]
    assert search_members("Peeters Gent")[1] == 0


def test_a_member_number_still_finds_the_member(people):
    anne = people[0]
    assert anne in search_members(str(anne.number))[0]
