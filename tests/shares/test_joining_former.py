"""/join and Apply again for people who are not applicants: former members (resigned, excluded), staff
accounts without a membership; two forms with one address at once; floods of forms. (A resigned member
applying again with their account, as a new membership: tests/shares/test_rejoining.py.)"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from app.clock import today
from app.extensions import db
from shares import admission
from shares.models import Member, MemberKind
from shares.register import exclude, resign
from tests.factories import give_paid_share, sign_in
from tests.shares.test_joining import GOOD, _refused, counts, join


def _former(make_member, how: str, **fields) -> Member:
    member = make_member(**fields)
    give_paid_share(member, on=date(today().year - 1, 1, 2))
    if how == "resigned":
        resign(member, on=today())
    else:
        exclude(member, on=today(), board_decision_on=today(), board_reference="CA-9")
    db.session.commit()
    return member


def _join_mails(outbox, address: str) -> list:
    """What the join form mailed ``address`` (not the mail their exit sent them)."""
    return [m for m in outbox(address) if m.dedupe_key.startswith("shares.join:")]


def _words(text: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", text))


@pytest.mark.parametrize("how", ["resigned", "excluded"])
def test_a_former_member_using_the_form_is_told_their_membership_ended_and_what_to_do(app, make_member, outbox, how):
    member = _former(make_member, how, email="former@example.be", national_number="85073003328", language="en")
    before = counts()
    assert join(app, GOOD | {"email": "former@example.be", "national_number": ""})[:2] == (302, "/join/received")
    assert counts() == before
    (mail,) = _join_mails(outbox, "former@example.be")  # the exit's own mail came before
    body = " ".join(mail.body_text.split())
    assert "Your membership ended on" in body and str(today().year) in body and today().isoformat() not in body
    assert "sign in with this address instead" not in body
    if how == "excluded":
        assert "Only the board can admit you again" in body and "/join" not in body and "Apply again" not in body
        assert "contact@unevoix.example" in body
    else:  # the refund of their shares is not made yet: applying would be refused, the mail says when it is not
        assert ("You can become a member again once the money of that membership is settled (the refund of your "
                "shares, or a payment we still have to decide on)") in body
        assert "contact@unevoix.example" in body
        assert "/auth/login" in body and "next=/me/application/new" not in body
    browser = app.test_client()
    sign_in(browser, member.account)
    page = browser.get("/me/application/new")
    assert page.status_code == 200
    text = _words(page.get_data(as_text=True))
    assert ("Your membership ended on" if how == "excluded" else "its money is not settled yet") in text
    assert "You are a member already" not in text
    assert 'name="shares"' not in page.get_data(as_text=True)  # the reason alone, no form
    sent = browser.post("/me/application/new", data={"category": "A", "shares": "1", "consent": "y"})
    assert sent.status_code == 409 and counts() == before
    assert "/me/application/new" not in browser.get("/me/shares").get_data(as_text=True)


def test_the_former_member_s_words_are_in_french_and_dutch(app, make_member, outbox):
    _former(make_member, "excluded", email="exclu@example.be", language="fr")
    _former(make_member, "resigned", email="ontslag@example.be", language="nl")
    join(app, GOOD | {"email": "exclu@example.be", "national_number": ""})
    join(app, GOOD | {"email": "ontslag@example.be", "national_number": ""})
    fr = " ".join(_join_mails(outbox, "exclu@example.be")[0].body_text.split())
    nl = " ".join(_join_mails(outbox, "ontslag@example.be")[0].body_text.split())
    assert "exclusion" in fr and "conseil d'administration" in fr
    assert "Uw lidmaatschap" in nl and "nieuw lidnummer" in nl and "Opnieuw aanvragen" in nl
    assert "zodra het geld van dat lidmaatschap is afgehandeld" in nl  # its refund is not made yet


def test_an_excluded_person_s_number_under_a_new_address_makes_no_second_member(app, make_member, outbox, data_app):
    excluded = _former(make_member, "excluded", national_number="85073003328")
    before = counts()
    form = GOOD | {"email": "fresh-start@example.be", "national_number": "85.07.30-033.28"}
    assert join(app, form)[:2] == (302, "/join/received")
    assert counts() == before
    (mail,) = outbox("fresh-start@example.be")
    assert "ne peut pas servir à une nouvelle candidature" in " ".join(mail.body_text.split())
    from app.audit import AuditEntry

    attempt = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "shares.application.number_taken")).one()
    assert attempt.object_id == str(excluded.id) or attempt.object_id == excluded.id


def test_a_resigned_person_s_number_under_a_new_address_may_apply_as_before(app, make_member, outbox):
    resigned = _former(make_member, "resigned", national_number="85073003328")
    assert join(app, GOOD | {"email": "again@example.be", "national_number": "85.07.30-033.28"})[0] == 302
    new = db.session.scalar(db.select(Member).where(Member.national_number == "85073003328",
                                                    Member.id != resigned.id))
    assert new is not None and new.number != resigned.number


def test_a_staff_account_without_membership_is_told_it_is_not_a_member_s(app, make_staff, outbox):
    make_staff(email="employee@example.be")
    before = counts()
    assert join(app, GOOD | {"email": "employee@example.be", "national_number": "", "category": "B"})[0] == 302
    assert counts() == before
    (mail,) = outbox("employee@example.be")
    body = " ".join(mail.body_text.split())
    assert "not a member's account" in body and "contact@unevoix.example" in body and "/join" in body
    assert "sign in with this address instead" not in body


def test_two_forms_with_one_address_at_once_give_the_same_answer_and_one_mail(app, monkeypatch, outbox):
    """The second form's look-up of the address ran before the first committed: its account insert is
    refused (DuplicateEmail, or the unique index in a true race), and it takes the address-taken path."""
    assert join(app, GOOD)[0] == 302
    import app.auth.services as auth_services

    real = auth_services.find_account
    calls = []

    def late(email):  # None on the first look-up (the race), the truth afterwards
        calls.append(email)
        return None if len(calls) == 1 else real(email)

    monkeypatch.setattr(auth_services, "find_account", late)
    before = counts()
    status, location, _page = join(app, GOOD | {"national_number": "85.07.30-033.28"})
    assert (status, location) == (302, "/join/received") and counts() == before
    mails = outbox(GOOD["email"])
    assert [m.subject for m in mails][-1].startswith("Quelqu'un a demandé")  # the address-taken mail, in French


def test_the_account_insert_refused_by_the_database_takes_the_address_taken_path(app, monkeypatch, outbox):
    assert join(app, GOOD)[0] == 302
    import app.auth.services as auth_services

    real = auth_services.find_account
    calls = []
    monkeypatch.setattr(auth_services, "find_account",
                        lambda email: calls.append(email) or (None if len(calls) == 1 else real(email)))

    def refused(**kwargs):
        raise IntegrityError("INSERT INTO app_account", {}, Exception("UNIQUE constraint failed: app_account.email"))

    monkeypatch.setattr(admission, "apply", refused)
    before = counts()
    assert join(app, GOOD | {"national_number": "85.07.30-033.28"})[:2] == (302, "/join/received")
    assert counts() == before and len(outbox(GOOD["email"])) == 3  # what to pay, the link, then this one


def test_a_flood_of_forms_with_a_member_s_address_mails_its_owner_once_a_day(app, make_member, outbox):
    make_member(email="victim@example.be")
    for _ in range(5):
        assert join(app, GOOD | {"email": "victim@example.be", "national_number": ""})[0] == 302
    (mail,) = outbox("victim@example.be")
    assert mail.dedupe_key.startswith("shares.join:address:")


def test_a_held_number_gets_one_mail_a_day_whatever_the_address_typed(app, make_member, outbox):
    make_member(national_number="85073003328")
    for i in range(4):
        assert join(app, GOOD | {"email": f"probe{i}@example.be", "national_number": "85073003328"})[0] == 302
    assert len(outbox("probe0@example.be")) == 1
    assert [len(outbox(f"probe{i}@example.be")) for i in range(1, 4)] == [0, 0, 0]
    from app.audit import AuditEntry

    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "shares.application.number_taken")) == 4  # staff still see every attempt


def test_apply_again_after_another_tab_applied_shows_the_refusal_alone(app, client, make_member, monkeypatch):
    first = _refused(client, app, make_member)
    browser = app.test_client()
    sign_in(browser, first.member.account)
    assert browser.post("/me/application/new", data={"category": "A", "shares": "3", "consent": "y"}).status_code == 302
    monkeypatch.setattr(admission, "reapply_refusal", lambda member, **checks: None)  # the second tab's check ran first
    before = counts()
    page = browser.post("/me/application/new", data={"category": "B", "shares": "2", "consent": "y"})
    assert page.status_code == 409 and counts() == before
    text = _words(page.get_data(as_text=True))
    assert "Your membership application is still waiting" in text
    assert "Your earlier membership application has ended" not in text and 'name="shares"' not in \
        page.get_data(as_text=True)


def test_a_legal_person_excluded_keeps_its_enterprise_number_from_the_form(app, make_member, outbox):
    _former(make_member, "excluded", kind=MemberKind.LEGAL, enterprise_number="0403170701", legal_name="Old Co")
    before = counts()
    form = GOOD | {"kind": "legal", "legal_name": "New Co", "category": "B", "email": "newco@example.be",
                   "enterprise_number": "0403.170.701"}
    assert join(app, form)[0] == 302 and counts() == before
