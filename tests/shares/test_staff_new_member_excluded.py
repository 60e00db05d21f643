"""Staff's New member form and an excluded person's number: refused, as the public form refuses it
(one rule, ``admission._excluded_with``), with a sentence naming the person and what to do, nothing
saved; recorded once the board's readmission decision is given, its date and reference audited."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from app.clock import today
from app.extensions import db
from app.models import Account, AuditEntry
from app.web import format_day
from shares.models import Member, MembershipApplication
from shares.register import exclude, resign
from tests.factories import give_paid_share, sign_in
from tests.shares.test_staff_new_member_former import _settle

FORM = {"kind": "natural", "first_name": "Xavier", "last_name": "Exclu", "email": "xavier.new@example.be",
        "street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles", "country": "BE", "language": "fr",
        "national_number": "85.07.30-033.28", "category": "A", "shares": "1"}
COMPANY = FORM | {"kind": "legal", "legal_name": "Exclue SRL", "enterprise_number": "0403.170.701",
                  "national_number": "", "category": "B"}


def _former(make_member, how: str = "excluded", **fields) -> Member:
    member = make_member(first_name="Xavier", last_name="Exclu", **fields)
    give_paid_share(member, on=date(today().year - 1, 1, 2))
    if how == "excluded":
        exclude(member, on=today(), board_decision_on=today(), board_reference="CA-9")
    else:
        resign(member, on=today())
    db.session.commit()
    return member


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Member, MembershipApplication, Account))


def _created() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "shares.member.create"))


def _words(response) -> str:
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True))).replace("\u00a0", " ")
                    .replace("\u202f", " ").split())


@pytest.mark.parametrize("language, words", [
    ("en", "(member {number}) has this number and was excluded on {day}: only the board can admit this person again. "
           "If the board has decided to readmit them, enter the date and reference of its decision below"),
    ("fr", "(sociétaire {number}) a ce numéro et a été exclu·e le {day} : seul le conseil d'administration peut "
           "réadmettre cette personne."),
    ("nl", "(lid {number}) heeft dit nummer en werd uitgesloten op {day}: alleen de raad van bestuur kan deze persoon "
           "opnieuw toelaten."),
])
def test_an_excluded_person_s_number_is_refused_on_staff_s_new_member_form(client, make_member, make_staff,
                                                                              language, words):
    excluded = _former(make_member, national_number="85073003328")
    sign_in(client, make_staff(language=language))
    before, created = _counts(), _created()
    refused = client.post("/staff/members/new", data=FORM)
    with current_app.test_request_context(), force_locale(language):
        day = format_day(today()).replace("\u00a0", " ")
    assert refused.status_code == 409
    assert "Xavier Exclu " + words.format(number=excluded.number, day=day) in _words(refused)
    assert 'id="national_number-error"' in refused.get_data(as_text=True)
    assert _counts() == before  # nothing saved: no member, no application, no account
    assert _created() == created


def test_an_excluded_company_s_enterprise_number_is_refused_beside_it(client, login_as, make_member):
    _former(make_member, kind="legal", legal_name="Exclue SRL", enterprise_number="0403170701", category="B")
    login_as("staff")
    before = _counts()
    refused = client.post("/staff/members/new", data=COMPANY)
    assert refused.status_code == 409 and 'id="enterprise_number-error"' in refused.get_data(as_text=True)
    assert "has this number and was excluded on" in _words(refused) and _counts() == before


def test_with_the_board_s_readmission_decision_staff_record_the_new_membership(client, login_as, make_member,
                                                                              make_staff):
    excluded = _former(make_member, national_number="85073003328", iban="BE62510007547061")
    _settle(excluded, make_staff())  # the old membership's money settled first, as for their own Apply again
    login_as("staff")
    before = _counts()
    half = client.post("/staff/members/new", data=FORM | {"readmission_on": today().isoformat()})
    assert half.status_code == 400 and "A readmission needs both the date and the reference" in _words(half)
    ahead = client.post("/staff/members/new", data=FORM | {
        "readmission_on": (today() + timedelta(days=3)).isoformat(), "readmission_reference": "CA-12"})
    assert ahead.status_code in (400, 422) and "The date cannot be in the future." in _words(ahead)
    early = client.post("/staff/members/new", data=FORM | {
        "readmission_on": (today() - timedelta(days=1)).isoformat(), "readmission_reference": "CA-12"})
    assert early.status_code == 422 and "cannot have readmitted this person before their exclusion" in _words(early)
    assert _counts() == before
    done = client.post("/staff/members/new", data=FORM | {"readmission_on": today().isoformat(),
                                                         "readmission_reference": " CA-12 "})
    assert done.status_code == 302
    readmitted = db.session.scalar(select(Member).where(Member.national_number == "85073003328",
                                                        Member.id != excluded.id))
    assert readmitted is not None and readmitted.number != excluded.number and readmitted.holds_identity
    # found by their number: a new membership of their own account, which keeps its address
    assert readmitted.account_id == excluded.account_id and readmitted.earlier_member_id == excluded.id
    assert readmitted.email == excluded.email != FORM["email"] and _counts()[2] == before[2]
    submit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.application.submit"))
    assert submit.after["excluded"] == excluded.number and submit.after["board_reference"] == "CA-12"
    assert submit.after["board_decision_on"] == today().isoformat()


def test_a_resigned_person_s_number_comes_back_with_their_account_once_the_money_is_settled(client, login_as,
                                                                                             make_member, make_staff):
    resigned = _former(make_member, "resigned", national_number="85073003328", iban="BE62510007547061")
    keeper = make_staff()
    login_as("staff")
    before = _counts()
    pending = client.post("/staff/members/new", data=FORM)
    assert pending.status_code == 409 and 'id="national_number-error"' in pending.get_data(as_text=True)
    assert (f"This number is that of Xavier Exclu (member {resigned.number}), whose membership ended on"
            in _words(pending)) and "its money is not settled yet" in _words(pending)
    assert _counts() == before
    _settle(resigned, keeper)
    stray = client.post("/staff/members/new", data=FORM | {"readmission_on": today().isoformat(),
                                                          "readmission_reference": "CA-12"})
    assert stray.status_code == 422 and "This person was not excluded" in _words(stray)  # not dropped unsaid
    assert _counts() == before
    assert client.post("/staff/members/new", data=FORM).status_code == 302
    assert _counts() == (before[0] + 1, before[1] + 1, before[2])  # no second account
