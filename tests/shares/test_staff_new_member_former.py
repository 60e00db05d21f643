"""Staff's New member form with the address of a person whose membership ended: that person applies
again as on their own form (``admission.apply_again``): a new membership of the same account, a new
member number, the name and address typed; refused in words beside the address while the old
membership's money is not settled, or the person was excluded and the board's readmission is not
given; with it, an excluded person comes back with their account too."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.models import AuditEntry
from shares import admission, register, surplus
from shares.models import ApplicationStatus, EntryKind, Member, Surplus, SurplusKind
from shares.queries import member_for_account
from tests.factories import give_paid_share, sign_in
from tests.shares.test_joining import GOOD, counts, join
from tests.shares.test_rejoining import LEFT_ON, NUMBER, OLD_PAID, _resigned

FORM = {"kind": "natural", "first_name": "Bernard", "last_name": "Retour", "email": "back@example.be",
        "street": "Rue Neuve 5", "postcode": "4000", "city": "Liège", "country": "BE", "language": "fr",
        "national_number": "85.07.30-033.28", "category": "A", "shares": "2"}


def _words(response) -> str:
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True))).replace("\u00a0", " ")
                    .replace("\u202f", " ").split())


def _settle(member: Member, staff) -> None:
    refund = db.session.scalars(select(Surplus).where(Surplus.member_id == member.id,
                                                      Surplus.kind == SurplusKind.LEAVING)).one()
    surplus.mark_refunded(refund, actor=staff)
    db.session.commit()


def _excluded(make_member) -> Member:
    member = make_member(email="back@example.be", national_number=NUMBER, iban="BE62510007547061")
    give_paid_share(member, on=OLD_PAID)
    register.exclude(member, on=LEFT_ON, board_decision_on=LEFT_ON, board_reference="CA-9")
    db.session.commit()
    return member


def _typing_kept(response) -> bool:
    page = response.get_data(as_text=True)
    return all(f'value="{value}"' in page for value in ("Rue Neuve 5", "Liège", "back@example.be", "Bernard"))


def test_a_resigned_member_s_address_makes_a_new_membership_of_the_same_account_once_money_is_settled(
        client, login_as, make_member, make_staff):
    old = _resigned(make_member, first_name="Bernard", last_name="Retour")
    login_as("staff")
    before = counts()

    refused = client.post("/staff/members/new", data=FORM)
    assert refused.status_code == 409
    words = _words(refused)
    assert f"This e-mail address is that of Bernard Retour (member {old.number}), whose membership ended on" in words
    assert "its money is not settled yet" in words and "Another account already uses" not in words
    assert 'id="email-error"' in refused.get_data(as_text=True) and _typing_kept(refused)
    assert counts() == before

    _settle(old, make_staff())
    before = counts()
    done = client.post("/staff/members/new", data=FORM | {"email": "  Back@Example.BE "})
    assert done.status_code == 302
    db.session.expire_all()
    new = member_for_account(old.account_id)
    assert new.id != old.id and new.number > old.number and new.earlier_member_id == old.id
    assert done.location == f"/staff/members/{new.id}"
    # What the person said at the desk: the address and language typed; the old IBAN (the form asks none) not
    # carried over, as for anyone entered on paper.
    assert (new.street, new.postcode, new.city, new.national_number, new.iban, new.account.language) == (
        "Rue Neuve 5", "4000", "Liège", NUMBER, None, "fr")
    assert (old.street, old.holds_identity, register.holding(old).left) != ("Rue Neuve 5", True, None)
    application = admission.application_for(new.id)
    assert (application.status, application.shares, application.payment_request.amount_cents) == (
        ApplicationStatus.AWAITING_PAYMENT, 2, 6000)
    assert counts() | {"Member": before["Member"]} == before | {"MembershipApplication": before["MembershipApplication"] + 1,
                                                               "PaymentRequest": before["PaymentRequest"] + 1}
    assert counts()["Member"] == before["Member"] + 1  # the account is the same one
    page = _words(client.get(f"/staff/members/{new.id}"))
    assert f"Member {new.number} created" in page and "Earlier membership" in page

    # Sent again (a double click, the back button): the new membership's application waits, nothing more.
    again = client.post("/staff/members/new", data=FORM)
    assert again.status_code == 409 and "Another account already uses this e-mail address" in _words(again)
    assert counts()["Member"] == before["Member"] + 1


@pytest.mark.parametrize("change", [{"national_number": "90.01.01-001.23"},
                                    {"kind": "legal", "legal_name": "Retour SRL", "enterprise_number": "0403.170.701",
                                     "national_number": "", "category": "B"}])
def test_another_person_with_a_former_member_s_address_is_refused_beside_it(client, login_as, make_member,
                                                                            make_staff, change):
    old = _resigned(make_member, first_name="Bernard", last_name="Retour")
    _settle(old, make_staff())
    login_as("staff")
    before = counts()
    refused = client.post("/staff/members/new", data=FORM | change)
    assert refused.status_code == 409 and 'id="email-error"' in refused.get_data(as_text=True)
    assert (f"This e-mail address is that of Bernard Retour (member {old.number}), whose membership ended, but the "
            "kind of member or the national or enterprise number typed is not theirs") in _words(refused)
    assert counts() == before


def test_a_readmission_typed_for_a_resigned_member_s_address_is_refused(client, login_as, make_member, make_staff):
    old = _resigned(make_member)
    _settle(old, make_staff())
    login_as("staff")
    before = counts()
    refused = client.post("/staff/members/new", data=FORM | {"readmission_on": today().isoformat(),
                                                             "readmission_reference": "CA-12"})
    assert refused.status_code == 422 and "This person was not excluded" in _words(refused)
    assert 'id="readmission_on-error"' in refused.get_data(as_text=True) and _typing_kept(refused)
    assert counts() == before


def test_an_excluded_person_s_address_comes_back_only_with_the_board_s_readmission(client, login_as, make_member,
                                                                                   make_staff):
    old = _excluded(make_member)
    _settle(old, make_staff())
    login_as("staff")
    before = counts()

    refused = client.post("/staff/members/new", data=FORM)
    assert refused.status_code == 409 and 'id="email-error"' in refused.get_data(as_text=True)
    assert (f"(member {old.number}), who was excluded on" in _words(refused)
            and "only the board can admit this person again" in _words(refused))
    early = client.post("/staff/members/new", data=FORM | {
        "readmission_on": (LEFT_ON - timedelta(days=1)).isoformat(), "readmission_reference": "CA-12"})
    assert early.status_code == 422 and "cannot have readmitted this person before their exclusion" in _words(early)
    assert _typing_kept(early) and counts() == before

    done = client.post("/staff/members/new", data=FORM | {"readmission_on": today().isoformat(),
                                                         "readmission_reference": " CA-12 "})
    assert done.status_code == 302
    db.session.expire_all()
    new = member_for_account(old.account_id)
    assert new.id != old.id and new.earlier_member_id == old.id and new.national_number == NUMBER
    assert register.holding(old).left is EntryKind.EXCLUSION  # the exclusion stays as it was
    assert (old.readmitted_on, old.readmission_reference) == (today(), "CA-12")  # kept on the membership too
    assert f'action="/staff/members/{old.id}/register/readmit"' not in client.get(
        f"/staff/members/{old.id}").get_data(as_text=True)
    submit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shares.application.submit")
                                .order_by(AuditEntry.id.desc())).first()
    assert (submit.after["excluded"], submit.after["board_reference"], submit.after["by_staff"]) == (
        old.number, "CA-12", True)
    assert submit.after["board_decision_on"] == today().isoformat()


def test_an_excluded_person_s_money_still_to_settle_is_said_even_with_the_readmission(client, login_as,
                                                                                       make_member):
    old = _excluded(make_member)
    login_as("staff")
    before = counts()
    refused = client.post("/staff/members/new", data=FORM | {"readmission_on": today().isoformat(),
                                                             "readmission_reference": "CA-12"})
    assert refused.status_code == 409 and f"(member {old.number}), whose membership ended on" in _words(refused)
    assert "its money is not settled yet" in _words(refused) and counts() == before


def test_a_member_s_address_is_still_refused_as_another_account_s(client, login_as, make_member):
    member = make_member(email="back@example.be")
    give_paid_share(member)
    db.session.commit()
    login_as("staff")
    before = counts()
    refused = client.post("/staff/members/new", data=FORM)
    assert refused.status_code == 409
    assert "Another account already uses this e-mail address: search the members for it." in _words(refused)
    assert counts() == before


# --- the board's readmission recorded on the excluded membership: the person applies again themselves --

def _readmit(client, member, **form):
    data = {"board_decision_on": today().isoformat(), "board_reference": "CA-12"} | form
    return client.post(f"/staff/members/{member.id}/register/readmit", data=data)


def test_staff_record_the_board_s_readmission_once_and_the_person_applies_again_with_their_account(
        app, client, login_as, make_member, make_staff):
    old = _excluded(make_member)
    _settle(old, make_staff())
    person = app.test_client()
    sign_in(person, old.account)
    assert "/me/application/new" not in person.get("/me/shares").get_data(as_text=True)
    assert "Only the board can admit you again" in _words(person.get("/me/application/new"))

    login_as("staff")
    assert "Readmission by the board" in _words(client.get(f"/staff/members/{old.id}"))
    early = _readmit(client, old, board_decision_on=(LEFT_ON - timedelta(days=1)).isoformat(),
                     confirmed="1", register_version=str(old.version))
    assert early.status_code == 422 and "cannot have readmitted this person before their exclusion" in _words(early)
    assert 'id="readmit-board_decision_on-error"' in early.get_data(as_text=True)
    asked = _readmit(client, old)
    assert asked.status_code == 200 and ("The board's decision CA-12 of " in _words(asked)
                                         and "readmitting this excluded member will be recorded" in _words(asked))
    db.session.expire_all()
    assert old.readmitted_on is None  # nothing until confirmed
    done = _readmit(client, old, confirmed="1", register_version=str(old.version))
    assert done.status_code == 302
    db.session.expire_all()
    assert (old.readmitted_on, old.readmission_reference) == (today(), "CA-12")
    page = _words(client.get(f"/staff/members/{old.id}"))
    assert "Readmission by the board Decided on" in page and "(reference CA-12)" in page
    assert 'action="/staff/members/{}/register/readmit"'.format(old.id) not in client.get(
        f"/staff/members/{old.id}").get_data(as_text=True)  # once recorded, no longer offered
    again = _readmit(client, old, confirmed="1", register_version=str(old.version))
    assert again.status_code == 409 and "is recorded already" in _words(again)
    audit_page = _words(client.get(f"/staff/audit?object_type=shares_member&object_id={old.id}"))
    assert "Readmission by the board recorded" in audit_page

    assert "/me/application/new" in person.get("/me/shares").get_data(as_text=True)
    sent = person.post("/me/application/new", data={"category": "A", "shares": "1", "consent": "y"})
    assert sent.status_code == 302
    db.session.expire_all()
    new = member_for_account(old.account_id)
    assert new.id != old.id and new.earlier_member_id == old.id and new.number > old.number
    assert register.holding(old).left is EntryKind.EXCLUSION
    submit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shares.application.submit")
                                .order_by(AuditEntry.id.desc())).first()
    assert (submit.after["excluded"], submit.after["board_reference"]) == (old.number, "CA-12")


def test_the_readmission_is_offered_only_for_an_excluded_member(client, login_as, make_member, make_staff):
    old = _resigned(make_member)
    login_as("staff")
    assert f'action="/staff/members/{old.id}/register/readmit"' not in client.get(
        f"/staff/members/{old.id}").get_data(as_text=True)
    refused = _readmit(client, old, confirmed="1", register_version=str(old.version))
    assert refused.status_code == 422 and "This person was not excluded" in _words(refused)
    db.session.expire_all()
    assert old.readmitted_on is None


def test_with_the_readmission_recorded_staff_s_form_needs_it_no_more(client, login_as, make_member, make_staff):
    old = _excluded(make_member)
    _settle(old, make_staff())
    admission.record_readmission(old, decided_on=today(), reference="CA-12", actor=make_staff())
    db.session.commit()
    login_as("staff")
    assert client.post("/staff/members/new", data=FORM).status_code == 302
    db.session.expire_all()
    assert member_for_account(old.account_id).earlier_member_id == old.id


def test_the_public_form_tells_a_readmitted_person_to_sign_in_and_apply_again(app, make_member, make_staff, outbox):
    old = _excluded(make_member)
    admission.record_readmission(old, decided_on=today(), reference="CA-12", actor=make_staff())
    db.session.commit()
    before = counts()
    assert join(app, GOOD | {"email": "back@example.be", "national_number": ""})[:2] == (302, "/join/received")
    assert counts() == before
    (mail,) = [m for m in outbox("back@example.be") if m.dedupe_key.startswith("shares.join:")]  # not the exit's
    body = " ".join(mail.body_text.split())
    assert "by exclusion, and the board has admitted you again" in body and "Only the board can admit" not in body
    # Their refund is not settled yet: Apply again would refuse them, and the mail says until when.
    assert isinstance(admission.reapply_refusal(old), admission.EarlierMoneyPending)
    assert "once the money of that membership is settled" in body and "next=/me/application/new" not in body
