"""A member who leaves is told, in their language, once: staff recording a resignation or an exclusion mails
the day the membership ends, the shares redeemed, what is paid back and to which account (as people write an
IBAN), or how to give one; a member without an e-mail address gets no mail and staff are told to write. A
member owed a refund with no account known sees a task on the home page leading to where they give it."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

from sqlalchemy import select

from app.clock import today
from app.extensions import db
from shares import register
from shares import surplus as surpluses
from shares.member_requests import decide, request_resignation
from shares.models import EntryKind, ShareEntry
from shares.signals import exit_undone
from tests.factories import register_version, sign_in

IBAN = "BE62510007547061"


def _words(response) -> str:
    return " ".join(unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True))).split())


def _staff_records(client, member, action, **fields):
    url = f"/staff/members/{member.id}/register/{action}"
    confirm = client.post(url, data=fields)
    assert confirm.status_code == 200, _words(confirm)
    done = client.post(url, data=fields | {"confirmed": "1",
                                          "register_version": register_version(confirm.get_data(as_text=True))})
    assert done.status_code == 302
    return _words(client.get(done.location))


def _exit_entry(member, kind=EntryKind.RESIGNATION):
    return db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id, ShareEntry.kind == kind))


def _exit_mails(outbox, member):
    return [m for m in outbox(member.email) if (m.dedupe_key or "").startswith(("shares.exit:", "shares.redeemed:",
                                                                                 "shares.member_request:"))]


def test_a_resignation_staff_record_is_mailed_in_the_member_s_language_with_the_account(
        client, login_as, member_with_shares, outbox):
    member = member_with_shares(2, on=date(2024, 3, 1), iban=IBAN, language="fr", first_name="Lou", last_name="Part")
    login_as("staff")
    on = today() - timedelta(days=3)
    page = _staff_records(client, member, "resign", effective_on=on.isoformat())
    assert ("Resignation recorded. Lou Part is told by e-mail on what day their membership ends and what is paid "
            "back to them.") in page
    [mail] = _exit_mails(outbox, member)
    assert mail.dedupe_key == f"shares.exit:{_exit_entry(member).id}" and mail.language == "fr"
    assert mail.subject == "Votre démission d'Une Voix est enregistrée"
    body = " ".join(mail.body_text.split())
    assert "Votre adhésion a pris fin le " in body and "2024" not in body.split("a pris fin le ")[1][:20]
    assert "prend fin" not in body and "jamais payée" not in body  # dated three days ago; nothing was unpaid
    assert "Vos 2 parts sont remboursées à leur valeur nominale." in body
    assert "Nous remboursons 60,00 € sur le compte BE62 5100 0754 7061." in body
    assert "IBAN" not in body and "/me#iban" not in body  # the account is known: nothing to give
    assert re.search(r"\d{4}-\d{2}-\d{2}", body) is None  # no ISO date
    assert surpluses.owed_without_account(member.id) == 0


def test_an_exclusion_with_no_account_known_says_how_to_give_one_and_the_home_page_leads_there(
        app, client, login_as, member_with_shares, outbox):
    member = member_with_shares(3, on=date(2024, 3, 1), iban=None, language="nl", first_name="Wim", last_name="Weg")
    login_as("staff")
    page = _staff_records(client, member, "exclude", effective_on=today().isoformat(),
                          board_decision_on=(today() - timedelta(days=1)).isoformat(), board_reference="RvB-7")
    assert "Exclusion recorded. Wim Weg is told by e-mail on what day" in page
    [mail] = _exit_mails(outbox, member)
    assert mail.dedupe_key == f"shares.exit:{_exit_entry(member, EntryKind.EXCLUSION).id}"
    assert mail.subject == "Uw uitsluiting uit Une Voix is geregistreerd"
    body = " ".join(mail.body_text.split())
    assert "waartoe de raad van bestuur op " in body and "Uw 3 aandelen worden terugbetaald" in body
    assert "90,00 €" in body and "IBAN" in body and "/me#iban" in body

    # The member, signed in, has a task on the home page, which leads to where the account is given.
    member_client = app.test_client()
    sign_in(member_client, member.account)
    home = member_client.get("/")
    html = home.get_data(as_text=True)
    assert "Geef het rekeningnummer waarop we uw 90,00 € terugbetalen" in _words(home)
    assert 'href="/me#iban"' in html
    profile = member_client.get("/me")
    assert profile.status_code == 200 and 'id="iban"' in profile.get_data(as_text=True)
    assert ("De coöperatie is u 90,00 € verschuldigd en weet niet op welke rekening ze die kan terugbetalen"
            in _words(profile))
    db.session.refresh(member)
    data = {"first_name": "Wim", "last_name": "Weg", "street": member.street, "postcode": member.postcode,
            "city": member.city, "country": member.country, "iban": "BE62 5100 0754 7061", "language": "nl",
            "version": member.version}
    assert member_client.post("/me", data=data).status_code == 302
    db.session.expire_all()
    [refund] = surpluses.member_refunds(member.id)
    assert (refund.amount_cents, refund.refund_iban) == (9000, IBAN)
    assert "Geef het rekeningnummer" not in _words(member_client.get("/"))
    assert "verschuldigd" not in _words(member_client.get("/me"))
    assert 'href="/me#iban"' not in member_client.get("/").get_data(as_text=True)


def test_a_member_without_an_e_mail_address_gets_no_mail_and_staff_are_told_to_write(
        client, login_as, member_with_shares, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1), iban=IBAN, first_name="Papier", last_name="Seul")
    member.account.email = ""
    db.session.commit()
    login_as("staff", language="fr")
    page = _staff_records(client, member, "resign", effective_on=today().isoformat())
    assert ("Démission enregistrée. Papier Seul n'a pas d'adresse e-mail : indiquez-lui par courrier le jour où son "
            "adhésion prend fin et ce qui lui est remboursé.") in page.replace("\u00a0", " ").replace("\u202f", " ")
    assert [m for m in outbox() if (m.dedupe_key or "").startswith("shares.exit:")] == []


def test_a_member_s_own_resignation_approved_is_told_once(member_with_shares, make_staff, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1), iban=None, language="en")
    request = request_resignation(member, reason="moving", repay_to="BE21001234567803")
    db.session.commit()
    decide(request, approve=True, actor=make_staff())
    db.session.commit()
    [mail] = _exit_mails(outbox, member)
    assert mail.dedupe_key == f"shares.exit:{_exit_entry(member).id}"
    assert mail.subject == "Your resignation from Une Voix is recorded"
    assert "Your share is redeemed at its nominal value." in mail.body_text
    assert "We are paying 30.00 € back to the account BE21 0012 3456 7803." in mail.body_text


def test_a_refused_resignation_is_still_told_as_a_refusal(member_with_shares, make_staff, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1))
    request = request_resignation(member, reason="moving", repay_to=IBAN)
    db.session.commit()
    decide(request, approve=False, actor=make_staff(), note="Quorum")
    db.session.commit()
    [mail] = _exit_mails(outbox, member)
    assert mail.dedupe_key == f"shares.member_request:{request.id}" and "Quorum" in mail.body_text


def test_an_exit_with_no_share_left_says_so_without_an_empty_paragraph(make_member, make_staff, outbox):
    """Shares subscribed and never paid leave with their request: the mail says the membership ends, nothing
    about a refund, and no blank lines where it would have been."""
    from shares import register

    member = make_member(iban=IBAN)
    register.subscribe(member, 2, on=date(2024, 1, 1))
    register.resign(member, on=date(2024, 2, 1), actor=make_staff())
    db.session.commit()
    [mail] = _exit_mails(outbox, member)
    assert "Your membership ended on 1 February 2024." in mail.body_text
    assert ("The 2 shares you subscribed and never paid are cancelled with your exit: nothing is owed for them."
            in mail.body_text)
    assert "redeemed" not in mail.body_text and "paying" not in mail.body_text and "\n\n\n" not in mail.body_text


def test_an_exit_today_says_it_ends_and_names_the_unpaid_shares_it_cancelled_in_each_language(
        make_member, make_staff, outbox):
    """One share paid and redeemed, one subscribed later and never paid: the mail says the membership ends
    today (present tense), the share redeemed and its refund, and the unpaid one cancelled, nothing owed."""
    from shares import register

    said = {}
    for language in ("en", "fr", "nl"):
        member = make_member(iban=IBAN, language=language)
        _e, paid = register.subscribe(member, 1, on=date(2024, 1, 1))
        register.record_payment(paid, 3000, on=date(2024, 1, 5))
        register.subscribe(member, 1, on=date(2024, 2, 1))
        register.resign(member, on=today(), actor=make_staff())
        db.session.commit()
        [mail] = _exit_mails(outbox, member)
        said[language] = " ".join(mail.body_text.split())
    assert "Your membership ends on " in said["en"] and "ended" not in said["en"]
    assert "Your share is redeemed at its nominal value." in said["en"]
    assert "We are paying 30.00 € back to the account BE62 5100 0754 7061." in said["en"]
    assert ("The share you subscribed and never paid is cancelled with your exit: nothing is owed for it."
            in said["en"])
    assert "Votre adhésion prend fin le " in said["fr"]
    assert ("La part que vous aviez souscrite sans jamais la payer est annulée avec votre départ : vous ne "
            "devez rien à ce titre.") in said["fr"]
    assert "Uw lidmaatschap eindigt op " in said["nl"]
    assert ("Het aandeel dat u had onderschreven en nooit hebt betaald, vervalt met uw uittreding: u bent er niets "
            "voor verschuldigd.") in said["nl"]


def test_an_exclusion_recorded_afterwards_says_the_membership_ended(make_member, make_staff, outbox):
    from shares import register

    member = make_member(iban=IBAN, language="nl")
    register.subscribe(member, 1, on=date(2024, 1, 1))
    register.exclude(member, on=date(2024, 3, 1), board_decision_on=date(2024, 2, 20), board_reference="RvB-3",
                     actor=make_staff())
    db.session.commit()
    [mail] = _exit_mails(outbox, member)
    body = " ".join(mail.body_text.split())
    assert "Uw lidmaatschap is geëindigd op 1 maart 2024." in body and "eindigt op" not in body
    assert "Het aandeel dat u had onderschreven en nooit hebt betaald, vervalt met uw uittreding" in body


def test_the_profile_says_where_a_refund_goes_once_its_account_is_chosen(client, login_as, member_with_shares):
    """An account chosen for a refund does not move with the profile (a session taken over could otherwise send
    the money elsewhere): the profile says where it goes, and how to change it."""
    member = member_with_shares(2, on=date(2024, 3, 1), iban=IBAN, language="en")
    login_as("staff")
    _staff_records(client, member, "resign", effective_on=today().isoformat())
    sign_in(client, member.account)
    words = _words(client.get("/me"))
    assert ("The cooperative will pay you back 60.00 € to the account BE62 5100 0754 7061. Saving another account "
            "below does not change where this refund goes: to change it, write to the cooperative.") in words


def test_an_exit_corrected_away_tells_the_member_once_that_their_membership_goes_on(
        client, login_as, member_with_shares, make_staff, outbox):
    member = member_with_shares(2, on=date(2024, 3, 1), iban=IBAN, language="nl", first_name="Wim", last_name="Fout")
    staff = make_staff()
    on = today() - timedelta(days=2)
    register.resign(member, on=on, actor=staff)
    assert [m for m in outbox(member.email) if (m.dedupe_key or "").startswith("shares.exit_undone:")] == []
    register.correct(_exit_entry(member), reason="Recorded for the wrong member", actor=staff)
    exit_undone.send(member, ended_on=on, actor=staff)  # as the correction of its redemption sends it too
    db.session.commit()
    [mail] = [m for m in outbox(member.email) if (m.dedupe_key or "").startswith("shares.exit_undone:")]
    assert mail.language == "nl" and "Wim Fout" in mail.body_text
    assert "per vergissing" in mail.body_text and re.search(r"\d{4}-\d{2}-\d{2}", mail.body_text) is None


def test_the_exit_s_confirmation_says_the_member_is_told(client, login_as, member_with_shares):
    member = member_with_shares(1, on=date(2024, 3, 1), iban=IBAN, first_name="Ana", last_name="Vertrek")
    login_as("staff")
    confirm = client.post(f"/staff/members/{member.id}/register/resign", data={"effective_on": today().isoformat()})
    assert confirm.status_code == 200
    assert ("Ana Vertrek is told by e-mail on what day their membership ends and what is paid back to them."
            in _words(confirm))
