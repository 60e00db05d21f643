"""Staff's New member form records what the person says at the desk: the language their mails are written in,
no IBAN from a membership that ended; an applicant whose application was refused or withdrawn is entered
again with their address (``admission.reapply_refusal``, the rule of their own Apply again); a person
found by their national number comes back with their own account, which keeps its address; and the person
gets the application mail with the structured communication and the payment QR code, as on /join."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.clock import today
from app.extensions import db
from app.models import Account
from shares import admission
from shares.models import ApplicationStatus, Member, MembershipApplication
from shares.queries import member_for_account
from tests.factories import make_account
from tests.shares.test_rejoining import NUMBER, _resigned
from tests.shares.test_staff_new_member_former import FORM, _settle, _words


def _accounts() -> int:
    return db.session.scalar(select(func.count()).select_from(Account))


def _payment_mail(outbox, address: str):
    [mail] = [m for m in outbox(address) if m.attachments]
    return mail


def test_a_new_person_entered_by_staff_gets_the_payment_mail_with_the_qr_code(client, login_as, outbox):
    login_as("staff")
    done = client.post("/staff/members/new", data=FORM | {"email": "nouveau@example.be", "language": "nl"})
    assert done.status_code == 302
    request = db.session.scalars(select(MembershipApplication)).one().payment_request
    mail = _payment_mail(outbox, "nouveau@example.be")
    assert mail.language == "nl" and request.formatted_reference in mail.body_text and "60,00 €" in mail.body_text
    [qr] = mail.attachments
    assert qr.mimetype == "image/png" and qr.filename == f"betaal-qr-code-{request.reference}.png"
    page = _words(client.get(done.location))
    assert f"with the structured communication {request.formatted_reference} and the QR code, was sent to " \
           "nouveau@example.be" in page


def test_a_former_member_s_mails_are_in_the_language_typed_and_no_old_iban_is_carried(client, login_as, make_member,
                                                                                      make_staff, outbox):
    old = _resigned(make_member, first_name="Bernard", last_name="Retour")  # English, an IBAN
    _settle(old, make_staff())
    login_as("staff")
    assert client.post("/staff/members/new", data=FORM | {"language": "nl"}).status_code == 302
    db.session.expire_all()
    new = member_for_account(old.account_id)
    assert new.id != old.id and new.account.language == "nl" and new.iban is None
    assert old.iban == "BE62510007547061"  # the membership that ended keeps its own
    mail = _payment_mail(outbox, "back@example.be")
    assert mail.language == "nl" and admission.application_for(new.id).payment_request.formatted_reference \
        in mail.body_text


@pytest.mark.parametrize("ending", ["refuse", "withdraw"])
def test_an_applicant_whose_application_ended_is_entered_again_with_their_address(client, login_as, make_member,
                                                                                  outbox, ending):
    applicant = make_member(email="back@example.be", first_name="Bernard", last_name="Retour",
                            national_number=NUMBER, street="Rue Vieille 1")
    first = admission._new_application(applicant, 1, applicant.category, None)
    if ending == "refuse":
        admission.decide(first, admit=False, decision_on=today(), decision_reference="CA-3", actor=make_account())
    else:
        admission.withdraw(first)
    db.session.commit()
    login_as("staff")
    accounts, members = _accounts(), db.session.scalar(select(func.count()).select_from(Member))
    # Their address with another person's number: said as an applicant's, not as a membership that ended.
    other = client.post("/staff/members/new", data=FORM | {"national_number": "90020109038"})
    assert other.status_code == 409 and (f"is that of Bernard Retour (member {applicant.number}), whose application "
                                         "was refused or withdrawn") in _words(other)
    done = client.post("/staff/members/new", data=FORM | {"language": "nl"})
    assert done.status_code == 302 and done.location == f"/staff/members/{applicant.id}"
    db.session.expire_all()
    application = admission.application_for(applicant.id)
    assert application.id != first.id and application.status is ApplicationStatus.AWAITING_PAYMENT
    assert application.shares == 2 and application.payment_request.amount_cents == 6000
    assert (applicant.street, applicant.city, applicant.account.language, applicant.holds_identity) == (
        "Rue Neuve 5", "Liège", "nl", True)
    assert (_accounts(), db.session.scalar(select(func.count()).select_from(Member))) == (accounts, members)
    assert _payment_mail(outbox, "back@example.be").language == "nl"
    # Waiting now: sent again, the address is another account's, as for any applicant waiting.
    again = client.post("/staff/members/new", data=FORM)
    assert again.status_code == 409 and "Another account already uses this e-mail address" in _words(again)


def test_a_former_member_found_by_their_number_comes_back_with_their_account_and_its_address(
        client, login_as, make_member, make_staff, outbox):
    old = _resigned(make_member, first_name="Bernard", last_name="Retour")
    keeper = make_staff()
    login_as("staff")
    accounts = _accounts()
    typed = FORM | {"email": "bernard.new@example.be"}

    pending = client.post("/staff/members/new", data=typed)
    assert pending.status_code == 409 and 'id="national_number-error"' in pending.get_data(as_text=True)
    assert (f"This number is that of Bernard Retour (member {old.number}), whose membership ended on"
            in _words(pending)) and "its money is not settled yet" in _words(pending)
    assert _accounts() == accounts and db.session.scalar(select(func.count()).select_from(MembershipApplication)) == 0

    _settle(old, keeper)
    done = client.post("/staff/members/new", data=typed)
    assert done.status_code == 302
    db.session.expire_all()
    new = member_for_account(old.account_id)
    assert new.id != old.id and new.earlier_member_id == old.id and _accounts() == accounts
    assert new.email == "back@example.be" and new.account.language == "en"  # the record's, not the form's "fr"
    assert not outbox("bernard.new@example.be")  # a typed address takes over no account
    assert _payment_mail(outbox, "back@example.be")
    page = _words(client.get(done.location))
    assert ("This number is that of Bernard Retour, who has an account: the new membership is theirs, with the "
            "name, postal address and e-mail address (back@example.be) their record holds. What was typed for them "
            "(the address bernard.new@example.be) was not recorded: if it is theirs now, change it with Edit e-mail "
            "and address below.") in page


def test_a_number_found_keeps_the_person_s_record_and_looks_past_a_later_applicant_with_it(
        client, login_as, make_member, make_staff, outbox):
    """Someone applied on /join with a former member's number since (refused): the number still finds the
    former member, their money not settled is still said; and a name typed otherwise replaces nothing."""
    old = _resigned(make_member, first_name="Bernard", last_name="Retour")
    keeper = make_staff()
    impostor = make_member(email="impostor@example.be", national_number=old.national_number)
    first = admission._new_application(impostor, 1, impostor.category, None)
    admission.decide(first, admit=False, decision_on=today(), decision_reference="CA-4", actor=make_account())
    db.session.commit()
    login_as("staff")
    accounts = _accounts()
    typed = FORM | {"email": "bernard.new@example.be", "first_name": "Bernardo", "language": "nl"}
    pending = client.post("/staff/members/new", data=typed)
    assert pending.status_code == 409 and "its money is not settled yet" in _words(pending)
    assert _accounts() == accounts
    _settle(old, keeper)
    assert client.post("/staff/members/new", data=typed).status_code == 302
    db.session.expire_all()
    new = member_for_account(old.account_id)
    assert new.earlier_member_id == old.id and _accounts() == accounts
    assert (new.first_name, new.account.language) == ("Bernard", "en")  # the record's, not what was typed


def test_a_member_s_number_with_another_address_is_still_refused(client, login_as, make_member):
    from tests.factories import give_paid_share

    member = make_member(email="here@example.be", national_number=NUMBER, first_name="Anne", last_name="Là")
    give_paid_share(member)
    db.session.commit()
    login_as("staff")
    accounts = _accounts()
    refused = client.post("/staff/members/new", data=FORM | {"email": "other@example.be"})
    assert refused.status_code == 409 and 'id="national_number-error"' in refused.get_data(as_text=True)
    assert f"Anne Là (member {member.number}) already has this number" in _words(refused)
    assert _accounts() == accounts and member_for_account(member.account_id).id == member.id


def test_a_refused_applicant_s_number_with_another_address_is_a_new_account(client, login_as, make_member, outbox):
    """Never admitted, nobody checked the number was theirs (it may be why they were refused): their account is
    not taken for it; the person typed gets their own, as on /join with another address."""
    applicant = make_member(email="first@example.be", national_number=NUMBER)
    first = admission._new_application(applicant, 1, applicant.category, None)
    admission.decide(first, admit=False, decision_on=today(), decision_reference="CA-3", actor=make_account())
    db.session.commit()
    login_as("staff")
    accounts = _accounts()
    assert client.post("/staff/members/new", data=FORM | {"email": "other@example.be"}).status_code == 302
    new = db.session.scalars(select(Member).where(Member.national_number == NUMBER, Member.id != applicant.id)).one()
    assert new.email == "other@example.be" and new.account_id != applicant.account_id and _accounts() == accounts + 1
    assert not [m for m in outbox("first@example.be") if m.attachments]


def test_the_new_member_form_starts_in_the_language_staff_read_it_in(client, login_as):
    """A Flemish paper form entered on the Dutch interface: Nederlands is chosen unless staff change it."""
    login_as("staff", language="nl")
    page = client.get("/staff/members/new").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert re.search(r'<option (selected value="nl"|value="nl" selected)>', page)

