"""Staff correct a national or enterprise number typed wrong (the member cannot: IdentityNumberFixed), from the
member's page: the join's check (checksum, one person one member, an excluded person's number), a reason, a
confirmation, the audit log; never emptied. The real owner of the number typed wrong may then join."""
from __future__ import annotations

import re
from html import unescape

import pytest

from app.clock import today
from app.extensions import db
from app.models import AuditEntry
from shares import admission, register, services, surplus
from shares.errors import IdentityNumberRequired, ReasonRequired
from shares.models import Category, Member, MemberKind
from tests.factories import give_paid_share
from tests.shares.test_joining import GOOD, join

WRONG = "85073003328"  # typed by the member: a valid checksum, but another person's number
RIGHT = "85073003427"
OTHER = "90020112305"


def _words(response) -> str:
    return " ".join(unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True))).split())


def _post(client, member, number, reason="A digit typed wrong on the application form", confirmed=True,
          version=None):
    data = {"national_number" if member.kind is MemberKind.NATURAL else "enterprise_number": number,
            "reason": reason, "version": member.version if version is None else version}
    if confirmed:
        data["confirmed"] = "1"
    return client.post(f"/staff/members/{member.id}/identity", data=data)


def _corrections() -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "shares.member.identity_correct")))


def _number(member_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(Member, member_id).national_number


def test_staff_correct_a_mistyped_national_number_after_a_confirmation_and_its_owner_may_join(app, client,
                                                                                             make_member, login_as):
    member = make_member(national_number=WRONG, first_name="Anne", last_name="Tipfout")
    login_as("staff")
    detail = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert f'href="/staff/members/{member.id}/identity"' in detail and "Correct the national number" in detail
    page = client.get(f"/staff/members/{member.id}/identity")
    assert page.status_code == 200 and "85.07.30-033.28" in _words(page)  # the number held, as people write it

    asked = _post(client, member, "85.07.30-034.27", confirmed=False)
    assert asked.status_code == 200
    text = _words(asked)
    assert "The national number of Anne Tipfout becomes 85.07.30-034.27." in text
    assert "Reason: A digit typed wrong on the application form" in text and "Yes, correct it" in text
    assert _number(member.id) == WRONG and _corrections() == []  # asked, not done

    done = _post(client, member, RIGHT)
    assert done.status_code == 302 and done.location.endswith(f"/staff/members/{member.id}")
    assert "The national number of Anne Tipfout is corrected." in _words(client.get(done.location))
    assert _number(member.id) == RIGHT
    (entry,) = _corrections()
    assert entry.before == {"national_number": WRONG}
    assert entry.after == {"national_number": RIGHT, "reason": "A digit typed wrong on the application form"}
    log = _words(client.get(f"/staff/audit?object_type=shares_member&object_id={member.id}"))
    assert "National or enterprise number corrected by staff" in log

    # The real owner of the number typed wrong is no longer turned away on /join.
    assert join(app, GOOD | {"email": "owner@example.be", "national_number": WRONG})[:2] == (302, "/join/received")
    assert db.session.scalar(db.select(Member).where(Member.national_number == WRONG, Member.holds_identity))


def test_a_company_s_enterprise_number_is_corrected_the_same_way(client, make_member, login_as):
    company = make_member(kind=MemberKind.LEGAL, enterprise_number="0403170701", legal_name="Coop Erreur")
    login_as("staff")
    page = client.get(f"/staff/members/{company.id}/identity")
    assert "Correct the enterprise number" in _words(page) and "0403.170.701" in _words(page)
    assert 'name="national_number"' not in page.get_data(as_text=True)
    assert _post(client, company, "BE 0417.497.106").status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, company.id).enterprise_number == "0417497106"


@pytest.mark.parametrize("typed, words", [
    ("85073003329", "This is not a valid Belgian national number (11 digits, check digits)."),  # bad checksum
    ("8" * 10_000, "This is not a valid Belgian national number (11 digits, check digits)."),  # huge
    ("<script>alert(1)</script>", "This is not a valid Belgian national number (11 digits, check digits)."),
    ("", "Enter the correct number: a number the register holds is corrected, never removed"),  # never emptied
    ("   ", "Enter the correct number: a number the register holds is corrected, never removed"),
])
def test_a_bad_number_is_refused_beside_it_and_nothing_changes(client, make_member, login_as, typed, words):
    member = make_member(national_number=WRONG)
    login_as("staff")
    response = _post(client, member, typed)
    assert response.status_code == 400
    assert words in _words(response)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert _number(member.id) == WRONG and _corrections() == []


def test_a_reason_is_needed(client, make_member, login_as):
    member = make_member(national_number=WRONG)
    login_as("staff")
    response = _post(client, member, RIGHT, reason="\u200b \u200e")  # nothing anyone would see
    assert response.status_code == 400
    assert "Say why the number is corrected" in _words(response)
    assert _number(member.id) == WRONG and _corrections() == []


def test_another_member_s_number_is_refused_naming_them(client, make_member, login_as):
    member = make_member(national_number=WRONG)
    holder = make_member(national_number=RIGHT, first_name="Bert", last_name="Echt")
    login_as("staff")
    for confirmed in (False, True):  # refused before the confirmation, and if sent confirmed all the same
        response = _post(client, member, RIGHT, confirmed=confirmed)
        assert response.status_code == 409
        assert (f"Bert Echt (member {holder.number}) already has this number: one person is one member."
                in _words(response))
    assert _number(member.id) == WRONG and _corrections() == []


def test_an_excluded_person_s_number_is_refused(client, make_member, make_staff, login_as):
    member = make_member(national_number=WRONG)
    excluded = make_member(national_number=RIGHT, first_name="Xavier", last_name="Exclu")
    give_paid_share(excluded)
    register.exclude(excluded, on=today(), board_decision_on=today(), board_reference="CA-3")
    db.session.commit()
    login_as("staff")
    response = _post(client, member, RIGHT)
    assert response.status_code == 409
    assert (f"Xavier Exclu (member {excluded.number}) has this number and was excluded on" in _words(response)
            and "only the board can admit this person again." in _words(response))
    assert _number(member.id) == WRONG


def test_the_same_person_s_memberships_are_corrected_together(app, client, make_member, make_staff, login_as):
    """Typed wrong on the first application and copied to the membership after it: correcting the new one
    corrects the earlier one too (the number is the person's; left on the ended membership, it blocked its
    real owner), each with its audit entry; another person's membership is untouched."""
    old = make_member(email="back@example.be", national_number=WRONG)
    stranger = make_member(national_number=OTHER)
    register.resign(old, on=today())
    db.session.commit()
    new = admission.apply_again(old, shares=1, category=Category.A, actor=old.account).member
    db.session.commit()
    assert new.national_number == WRONG and new.holds_identity
    login_as("staff")
    assert _post(client, new, RIGHT).status_code == 302
    assert _number(old.id) == RIGHT and _number(new.id) == RIGHT and _number(stranger.id) == OTHER
    assert sorted(e.object_id for e in _corrections()) == sorted([str(old.id), str(new.id)])
    assert services.identity_in_register(national_number=WRONG) is None
    assert surplus.member_refunds(old.id) == []


def test_the_number_held_already_and_a_stale_page_are_said(client, make_member, login_as):
    member = make_member(national_number=WRONG)
    login_as("staff")
    same = _post(client, member, "85.07.30-033.28")
    assert same.status_code == 422
    assert "This is the number the register holds already: nothing to correct." in _words(same)
    stale = _post(client, member, RIGHT, version=member.version + 1)
    assert stale.status_code == 409 and "Someone changed this while you were editing" in _words(stale)
    assert _number(member.id) == WRONG and _corrections() == []


@pytest.mark.parametrize("who", ["member", "board", "secretary"])
def test_only_staff_may_correct_a_number(client, make_member, login_as, who):
    member = make_member(national_number=WRONG)
    login_as(who)
    assert client.get(f"/staff/members/{member.id}/identity").status_code == 403
    assert _post(client, member, RIGHT).status_code == 403
    assert _number(member.id) == WRONG and _corrections() == []


def test_the_service_never_empties_a_number_nor_corrects_without_a_reason(app, make_member, make_staff):
    member = make_member(national_number=WRONG)
    with pytest.raises(IdentityNumberRequired):
        services.correct_identity_number(member, member.version, None, reason="wrong", actor=make_staff())
    with pytest.raises(ReasonRequired):
        services.correct_identity_number(member, member.version, RIGHT, reason="\u200b", actor=make_staff())
    db.session.rollback()
    assert _number(member.id) == WRONG


def test_the_page_speaks_french(client, make_member, login_as):
    member = make_member(national_number=WRONG)
    login_as("staff", language="fr")
    page = _words(client.get(f"/staff/members/{member.id}/identity"))
    assert "Corriger le numéro national" in page and "85.07.30-033.28" in page
    refused = _words(client.post(f"/staff/members/{member.id}/identity",
                                 data={"national_number": "", "reason": "x", "version": member.version}))
    assert "Saisissez le bon numéro : un numéro inscrit au registre est corrigé, jamais supprimé" in refused


@pytest.mark.parametrize("typed", ["85073003329", "8" * 10_000, "<script>alert(1)</script>", "85.07.30-033"])
def test_the_service_checks_the_check_digits_itself(app, make_member, make_staff, typed):
    """A command or another page calling the service without the form: the number is refused in the reader's
    words (422), nothing is stored and nothing is audited."""
    from flask_babel import force_locale

    from app.errors import error_message
    from shares.errors import InvalidIdentityNumber

    member = make_member(national_number=WRONG)
    with pytest.raises(InvalidIdentityNumber) as refused:
        services.correct_identity_number(member, member.version, typed, reason="wrong", actor=make_staff())
    assert refused.value.status == 422
    said = {}
    for language in ("en", "fr", "nl"):
        with force_locale(language):
            said[language] = error_message(refused.value)
    assert said["en"] == "This is not a valid Belgian national number (11 digits, check digits)."
    assert said["fr"].startswith("Ce n'est pas un numéro de registre national belge valable")
    assert said["nl"].startswith("Dit is geen geldig Belgisch rijksregisternummer")
    db.session.rollback()
    assert _number(member.id) == WRONG and _corrections() == []


def test_the_service_keeps_a_number_written_out_compact_and_checks_an_enterprise_number(app, make_member,
                                                                                        make_staff):
    from shares.errors import InvalidIdentityNumber

    member = make_member(national_number=WRONG)
    services.correct_identity_number(member, member.version, "85.07.30-034.27", reason="a digit", actor=make_staff())
    db.session.commit()
    assert _number(member.id) == RIGHT
    company = make_member(kind=MemberKind.LEGAL, enterprise_number="0403170701", legal_name="Coop Chiffre")
    with pytest.raises(InvalidIdentityNumber) as refused:
        services.correct_identity_number(company, company.version, "0417.497.107", reason="x", actor=make_staff())
    assert refused.value.field == "enterprise_number"
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Member, company.id).enterprise_number == "0403170701"


def test_staff_s_member_page_shows_the_number_as_belgians_write_it(client, make_member, login_as):
    person = make_member(national_number=WRONG)
    company = make_member(kind=MemberKind.LEGAL, enterprise_number="0403170701", legal_name="Coop Lisible")
    login_as("staff", language="fr")
    page = client.get(f"/staff/members/{person.id}").get_data(as_text=True)
    assert "<dt>Numéro national</dt><dd>85.07.30-033.28</dd>" in page and WRONG not in page
    page = client.get(f"/staff/members/{company.id}").get_data(as_text=True)
    assert "<dd>0403.170.701</dd>" in page and "0403170701" not in page


def _left(make_member, number, **names):
    """Another person's account whose membership ended: resigned, the number no longer held."""
    gone = make_member(national_number=number, **names)
    give_paid_share(gone)
    register.resign(gone, on=today())
    db.session.commit()
    assert services.identity_in_register(national_number=number) is None
    return gone


@pytest.mark.parametrize("typed", [RIGHT, "85.07.30-034.27", " 850730 03427 ", "85 07 30 034 27"])
def test_a_former_member_s_number_on_another_account_is_refused_and_nothing_changes(client, make_member, login_as,
                                                                                      typed):
    """The join lets a resigned person's number apply again; the correction does not give it to someone else:
    written out in any way, asked or confirmed, it is refused beside the number, naming whose it was."""
    member = make_member(national_number=WRONG)
    gone = _left(make_member, RIGHT, first_name="Rosa", last_name="Partie")
    login_as("staff")
    for confirmed in (False, True):
        response = _post(client, member, typed, confirmed=confirmed)
        assert response.status_code == 409
        words = _words(response)
        assert (f"Rosa Partie (member {gone.number}), whose membership ended on " in words
                and "had this number: it belongs to another person's account and cannot be given to this member. "
                    "Check the number typed." in words)
        assert "Yes, correct it" not in words
    assert _number(member.id) == WRONG and _number(gone.id) == RIGHT and _corrections() == []


@pytest.mark.parametrize("ended", ["withdrawn", "refused"])
def test_a_number_an_applicant_typed_does_not_block_its_owner(client, make_member, make_staff, login_as, ended):
    """Anyone may type any number on the public form: an applicant never admitted (withdrawn, refused) who
    typed the member's real number does not keep staff from correcting it to that number."""
    member = make_member(national_number=WRONG)
    application = admission.apply(email="tried@example.be", kind=MemberKind.NATURAL, category=Category.A, shares=1,
                                  language="nl", first_name="Eve", last_name="Intrus", national_number=RIGHT,
                                  street="Kerkstraat 1", postcode="9000", city="Gent", country="BE")
    if ended == "withdrawn":
        admission.withdraw(application)
    else:
        admission.decide(application, admit=False, actor=make_staff(), decision_on=today(),
                         decision_reference="CA 2026-11")
    db.session.commit()
    login_as("staff", language="fr")
    response = _post(client, member, RIGHT)
    assert response.status_code == 302
    assert _number(member.id) == RIGHT and len(_corrections()) == 1


def test_the_service_refuses_another_person_s_former_number_but_not_the_same_person_s(app, make_member, make_staff):
    from shares.errors import IdentityOfAnotherPerson

    member = make_member(national_number=WRONG)
    gone = _left(make_member, RIGHT)
    with pytest.raises(IdentityOfAnotherPerson) as refused:
        services.correct_identity_number(member, member.version, RIGHT, reason="typed wrong", actor=make_staff())
    assert refused.value.status == 409 and refused.value.holder.id == gone.id and refused.value.left_on == today()
    db.session.rollback()
    assert _number(member.id) == WRONG
    # The same person's own earlier membership does not block them (the same account).
    old = make_member(email="self@example.be", national_number=OTHER)
    register.resign(old, on=today())
    db.session.commit()
    new = admission.apply_again(old, shares=1, category=Category.A, actor=old.account).member
    new.national_number = "90020112404"
    db.session.commit()
    services.correct_identity_number(new, new.version, OTHER, reason="the earlier number was right",
                                     actor=make_staff())
    db.session.commit()
    assert _number(new.id) == OTHER
