"""Members: profile editing with checked identity numbers, staff search."""
from __future__ import annotations

from html import unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import AuditEntry
from shares.models import Category, MemberKind
from shares.queries import member_for_account, search_members

PROFILE = {"first_name": "Lotte", "last_name": "Maes", "street": "Kerkstraat 4", "postcode": "9000",
           "city": "Gent", "country": "BE", "language": "nl", "national_number": "", "iban": ""}


def _post(client, member, **changes):
    return client.post("/me", data={**PROFILE, "version": member.version, **changes})


def test_member_edits_profile_and_it_is_audited(client, login_as, db):
    account = login_as("member")
    member = member_for_account(account.id)
    response = _post(client, member, national_number="85.07.30-033.28", iban="be62 5100 0754 7061")
    assert response.status_code == 302
    db.session.expire_all()
    assert (member.first_name, member.city, member.language) == ("Lotte", "Gent", "nl")
    assert member.national_number == "85073003328"
    assert member.iban == "BE62510007547061"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.member.profile_update"))
    assert entry.after["city"] == "Gent" and entry.before["city"] == "Bruxelles"
    # The confirmation is in the language just chosen (Dutch), like the page it shows on.
    page = client.get("/me").get_data(as_text=True)
    assert 'lang="nl"' in page and "Uw profiel is opgeslagen." in page


@pytest.mark.parametrize("field,value,message", [
    ("national_number", "85073003329", "not a valid Belgian national number"),
    ("iban", "BE71096123456768", "This IBAN is not valid"),
    ("first_name", "", "Enter the first name."),
    ("postcode", "", "Enter your postcode"),
])
def test_bad_input_is_explained_and_kept(client, login_as, db, field, value, message):
    account = login_as("member")
    member = member_for_account(account.id)
    response = _post(client, member, **{field: value})
    assert response.status_code == 400
    assert message in response.text
    assert 'value="Kerkstraat 4"' in response.text
    db.session.expire_all()
    assert member.street == "Rue Haute 1"


def test_legal_person_needs_a_valid_enterprise_number(client, login_as, db):
    account = login_as("member", kind=MemberKind.LEGAL, category=Category.B)
    member = member_for_account(account.id)
    data = {**PROFILE, "legal_name": "VZW Klank", "version": member.version}
    assert client.post("/me", data={**data, "enterprise_number": "0403.170.702"}).status_code == 400
    assert client.post("/me", data={**data, "enterprise_number": "0403.170.701"}).status_code == 302
    db.session.expire_all()
    assert member.enterprise_number == "0403170701"


@pytest.mark.parametrize("posted", ["", "0597.989.459"])
def test_a_company_cannot_empty_or_change_its_enterprise_number(client, login_as, db, make_member, posted):
    """Emptied, the number would let the same company join again as a second member, with a second vote."""
    account = login_as("member", kind=MemberKind.LEGAL, category=Category.B, enterprise_number="0403170701",
                       legal_name="VZW Klank")
    member = member_for_account(account.id)
    page = client.get("/me").text
    assert "0403.170.701" in page and 'name="enterprise_number"' not in page
    assert "It is in the register: if it is wrong, write to the cooperative." in page
    data = {**PROFILE, "legal_name": "VZW Klank", "city": "Leuven", "version": member.version}
    assert _post(client, member, **data, enterprise_number=posted).status_code == 302  # the field is not read
    db.session.expire_all()
    assert (member.enterprise_number, member.city) == ("0403170701", "Leuven")


def test_a_person_can_add_a_national_number_but_not_change_it(client, login_as, db):
    account = login_as("member")
    member = member_for_account(account.id)
    assert _post(client, member, national_number="85.07.30-033.28").status_code == 302
    db.session.expire_all()
    page = client.get("/me").text
    assert "85.07.30-033.28" in page and 'name="national_number"' not in page
    assert _post(client, member, national_number="").status_code == 302
    db.session.expire_all()
    assert member.national_number == "85073003328"


def test_the_service_refuses_a_changed_identity_number_in_words(app, db, make_member):
    from app.errors import error_message
    from shares.errors import IdentityNumberFixed
    from shares.services import update_profile

    member = make_member(national_number="85073003328")
    with pytest.raises(IdentityNumberFixed) as refused:
        update_profile(member, member.version, "en", national_number=None)
    with app.test_request_context():
        assert "you cannot change or remove it yourself" in error_message(refused.value)
    assert member.national_number == "85073003328"


def test_the_profile_refuses_the_cooperative_s_own_account(client, login_as, db):
    account = login_as("member")
    member = member_for_account(account.id)
    response = _post(client, member, iban="BE71 0961 2345 6769")
    assert response.status_code == 400 and "the cooperative's own account" in unescape(response.text)
    db.session.expire_all()
    assert member.iban is None


def test_stale_edit_is_a_conflict_and_keeps_the_input(client, login_as, db):
    account = login_as("member")
    member = member_for_account(account.id)
    stale_version = member.version
    _post(client, member, city="Gent")
    response = client.post("/me", data={**PROFILE, "city": "Liège", "version": stale_version})
    assert response.status_code == 409
    assert 'value="Liège"' in response.text
    db.session.expire_all()
    assert member.city == "Gent"


def test_search_by_name_without_accents_email_and_number(make_member):
    lefevre = make_member(first_name="Amélie", last_name="Lefèvre", email="amelie@example.be")
    make_member(first_name="Jan", last_name="Peeters")
    assert search_members("lefevre")[0] == [lefevre]
    assert search_members("AMELIE lef")[0] == [lefevre]
    assert search_members("amelie@example")[0] == [lefevre]
    assert search_members(str(lefevre.number))[0] == [lefevre]
    assert search_members("nobody")[1] == 0


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=30))
def test_search_accepts_any_text(text):
    members, total = search_members(text)
    assert total >= len(members)


def test_search_page_queries_do_not_grow_with_results(client, login_as, make_member, query_counter):
    login_as("staff")
    make_member(last_name="Janssens")
    with query_counter() as one:
        client.get("/staff/members?q=janssens")
    for _ in range(20):
        make_member(last_name="Janssens")
    with query_counter() as many:
        page = client.get("/staff/members?q=janssens")
    assert "21 members found" in page.text
    assert many.n == one.n


def test_a_request_looks_a_member_up_once_until_the_session_writes(db, data_app, make_member):
    """The navigation, templates and task providers ask for the signed-in person's member row several
    times a page: one query per request, forgotten by any write, commit or rollback."""
    from sqlalchemy import event, update

    from shares.models import Member
    from tests.factories import make_account

    member = make_member()
    other = make_account()
    own = member.account_id
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with data_app.test_request_context("/"):
            assert member_for_account(own) is member
            asked = len(statements)
            assert member_for_account(own) is member and len(statements) == asked
            db.session.execute(update(Member).where(Member.id == member.id).values(account_id=other.id))
            assert member_for_account(own) is None  # the UPDATE made it ask again
            assert member_for_account(other.id) is member
            db.session.rollback()
            assert member_for_account(own) is member and member_for_account(other.id) is None
        with data_app.test_request_context("/"):  # a new request asks again
            asked = len(statements)
            assert member_for_account(own) is member and len(statements) > asked
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_two_applications_with_one_number_crossing_make_one_member(db, make_member, monkeypatch):
    """The check names the holder, but two applications sent at the same moment both pass it: the
    database's partial unique index refuses the second, said as the check says it."""
    from shares import services
    from shares.errors import IdentityInRegister
    from shares.models import Member

    first = make_member(national_number="85073003328")
    looked_up = services.identity_in_register
    calls = iter([None])  # the first look-up ran before the other application was committed
    monkeypatch.setattr(services, "identity_in_register", lambda *a: next(calls, None) or looked_up(*a))
    with pytest.raises(IdentityInRegister) as refused:
        services.create_member(email="twin@example.be", kind=MemberKind.NATURAL, category=Category.A,
                               first_name="Twin", last_name="Maes", national_number="85073003328")
    assert refused.value.holder.id == first.id
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Member)
                             .where(Member.national_number == "85073003328")) == 1


def test_a_member_who_left_frees_their_number_and_an_undone_exit_needs_it_free(client, db, login_as, member_with_shares,
                                                                              make_member):
    from app.clock import today
    from shares import register
    from shares.models import EntryKind, ShareEntry

    left = member_with_shares(1, national_number="85073003328", first_name="Lotte", last_name="Maes")
    register.resign(left)
    db.session.commit()
    assert not left.holds_identity
    again = make_member(national_number="85073003328", first_name="Lotte", last_name="Maes")  # she applies again
    resignation = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == left.id,
                                                             ShareEntry.kind == EntryKind.RESIGNATION))
    login_as("staff")
    data = {"entry_id": resignation.id, "shares": "0", "effective_on": today().isoformat(), "reason": "resigned by mistake",
            "confirmed": "1", "register_version": left.version}
    response = client.post(f"/staff/members/{left.id}/register/correct", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="correct-entry_id-error"' in page
    assert (f"Lotte Maes (member {again.number}) has had this member&#39;s national or enterprise number since "
            "they left") in page
    assert db.session.scalar(select(ShareEntry).where(ShareEntry.corrects_id == resignation.id)) is None
    # Once the other membership has ended, the exit is undone and the number is the first member's again.
    register.resign(again)
    db.session.commit()
    assert client.post(f"/staff/members/{left.id}/register/correct", data=data).status_code == 302
    db.session.expire_all()
    assert left.holds_identity and not again.holds_identity
