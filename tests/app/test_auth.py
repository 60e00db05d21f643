"""Signing in: e-mailed links, passwords, TOTP for privileged accounts, rate limits, sessions."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from app.auth import services
from app.auth.errors import InvalidLink, WrongCode, WrongCredentials
from app.models import LoginToken, Role
from tests.factories import make_account


def _link_from_outbox(outbox, email: str) -> str:
    body = outbox(to=email)[-1].body_text
    return re.search(r"http://\S+/auth/link/(\S+)", body).group(1)


def test_link_request_queues_one_mail_in_the_members_language(client, make_member, outbox):
    member = make_member(language="nl", email="els@example.be")
    response = client.post("/auth/login", data={"email": "ELS@example.be"})
    assert response.status_code == 200
    messages = outbox(to="els@example.be")
    assert len(messages) == 1
    assert messages[0].language == "nl"
    assert messages[0].subject == "Uw aanmeldlink voor Une Voix"
    assert member.account.display_name in messages[0].body_text


def test_the_link_comes_in_the_language_the_person_chose_not_the_browser_s(client, make_member, outbox):
    """The sign-in mail is written in the account's language (chosen on joining, on the profile, or with the
    language switch while signed in), as every other mail, whatever the browser that asks for it says."""
    make_member(language="nl", email="els@example.be")
    client.post("/language", data={"language": "en"})  # a visitor's switch: this browser only
    client.post("/auth/login", data={"email": "els@example.be"}, headers={"Accept-Language": "fr-BE,fr"})
    assert [m.language for m in outbox(to="els@example.be")] == ["nl"]
    assert outbox(to="els@example.be")[0].subject == "Uw aanmeldlink voor Une Voix"
    # Signed in, the member chooses French: their account keeps it, and the next link comes in French.
    assert client.post("/auth/link/" + _link_from_outbox(outbox, "els@example.be")).status_code == 302
    client.post("/language", data={"language": "fr"})
    client.post("/auth/logout")
    client.post("/language", data={"language": "en"})
    client.post("/auth/login", data={"email": "els@example.be"}, headers={"Accept-Language": "nl-BE"})
    assert [m.language for m in outbox(to="els@example.be")] == ["nl", "fr"]


def test_unknown_email_gets_the_same_answer_and_no_mail(client, make_member, outbox):
    make_member(email="known@example.be")
    known = client.post("/auth/login", data={"email": "known@example.be"})
    unknown = client.post("/auth/login", data={"email": "nobody@example.be"})
    assert known.status_code == unknown.status_code == 200
    def strip(html):  # the address typed, and the CSRF token (signed with the second it was made in)
        html = html.replace("known@example.be", "X").replace("nobody@example.be", "X")
        return re.sub(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]+', r"\1", html)

    assert strip(known.text) == strip(unknown.text)
    assert outbox(to="nobody@example.be") == []


def test_link_signs_in_once_only(client, make_member, outbox):
    make_member(email="once@example.be")
    client.post("/auth/login", data={"email": "once@example.be"})
    token = _link_from_outbox(outbox, "once@example.be")
    assert client.get(f"/auth/link/{token}").status_code == 200  # a button: GET spends nothing
    response = client.post(f"/auth/link/{token}")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/me").status_code == 200
    client.post("/auth/logout")
    assert client.get("/me").status_code == 302
    again = client.post(f"/auth/link/{token}")
    assert again.status_code == 400
    assert "no longer works" in again.text


def test_expired_link_is_refused(client, db, make_member, outbox):
    make_member(email="late@example.be")
    client.post("/auth/login", data={"email": "late@example.be"})
    token_row = db.session.scalar(db.select(LoginToken))
    token_row.expires_at = token_row.expires_at - timedelta(minutes=16)
    db.session.commit()
    raw = _link_from_outbox(outbox, "late@example.be")
    with pytest.raises(InvalidLink):
        services.consume_login_link(raw)
    assert client.post(f"/auth/link/{raw}").status_code == 400


def test_password_login_for_member(client, make_member):
    member = make_member(email="pw@example.be")
    services.set_password(member.account, "correct horse battery")
    from app.extensions import db
    db.session.commit()
    bad = client.post("/auth/login", data={"email": "pw@example.be", "password": "wrong password!!"})
    assert bad.status_code == 400 and "do not match" in bad.text
    good = client.post("/auth/login", data={"email": "pw@example.be", "password": "correct horse battery"})
    assert good.status_code == 302
    assert client.get("/me").status_code == 200


def test_wrong_email_and_wrong_password_look_the_same():
    with pytest.raises(WrongCredentials):
        services.check_password("nobody@example.be", "whatever")


def test_staff_need_password_and_totp_enrolment_then_code(client, db, outbox):
    staff = make_account(roles=(Role.STAFF,), email="staff@example.be")
    # First time, by e-mailed link: choose a password, then enrol the authenticator.
    client.post("/auth/login", data={"email": "staff@example.be"})
    token = _link_from_outbox(outbox, "staff@example.be")
    assert client.post(f"/auth/link/{token}").location == "/auth/second-factor"
    page = client.get("/auth/second-factor")
    assert "Choose your password" in page.text
    assert client.get("/staff/audit").status_code == 302  # not signed in yet
    short = client.post("/auth/second-factor", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "12 characters" in short.text
    client.post("/auth/second-factor", data={"password": "a long staff password", "confirm": "a long staff password"})
    enrol = client.get("/auth/second-factor")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', enrol.text).group(1)
    assert "<svg" in enrol.text
    assert 'autocomplete="one-time-code"' in enrol.text and 'inputmode="numeric"' in enrol.text  # a phone's keypad
    wrong = client.post("/auth/second-factor", data={"code": "000000"})
    assert wrong.status_code == 400
    done = client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert client.get("/staff/audit").status_code == 200
    db.session.refresh(staff)
    assert staff.totp_secret == secret


def test_totp_code_is_good_once(db):
    staff = make_account(roles=(Role.STAFF,), password="a long staff password")
    staff.totp_secret = pyotp.random_base32()
    db.session.commit()
    code = pyotp.TOTP(staff.totp_secret).now()
    services.check_totp(staff, code)
    db.session.commit()
    with pytest.raises(WrongCode):
        services.check_totp(staff, code)


def test_privileged_password_login_asks_for_code(client, db):
    staff = make_account(roles=(Role.STAFF,), email="s2@example.be", password="a long staff password")
    staff.totp_secret = pyotp.random_base32()
    from app.clock import utcnow
    staff.totp_confirmed_at = utcnow()
    db.session.commit()
    response = client.post("/auth/login", data={"email": "s2@example.be", "password": "a long staff password"})
    assert response.location == "/auth/second-factor"
    assert "Enter your code" in client.get("/auth/second-factor").text
    # Digits of another script are refused as any wrong shape (they are not comparable to the code).
    other_digits = client.post("/auth/second-factor", data={"code": "٠١٢٣٤٥"})
    assert other_digits.status_code == 400 and "The code has 6 digits." in other_digits.text
    with pytest.raises(WrongCode):
        services.check_totp(staff, "٠١٢٣٤٥")
    assert client.post("/auth/second-factor", data={"code": pyotp.TOTP(staff.totp_secret).now()}).status_code == 302
    assert client.get("/staff/members").status_code == 200


def test_a_next_page_with_a_line_break_signs_in_all_the_same(client, make_member, outbox):
    """A sign-in asked for from /auth/login?next=/me%0D%0A... (a link someone else sent) used to fail
    once signed in, in the Location header, the link used up: the next page is dropped instead. The
    language switch likewise."""
    make_member(email="crlf@example.be")
    client.get("/auth/login?next=/me%0D%0ASet-Cookie:%20x=1")
    client.post("/auth/login", data={"email": "crlf@example.be"})
    response = client.post(f"/auth/link/{_link_from_outbox(outbox, 'crlf@example.be')}")
    assert response.status_code == 302 and response.location == "/"
    switched = client.post("/language", data={"language": "nl", "next": "/me\r\nSet-Cookie: x=1"})
    assert switched.status_code == 302 and "\n" not in switched.location


def test_sign_out_ends_old_session_cookies(client, login_as, app):
    account = login_as("member")
    with client.session_transaction() as session:
        stolen = dict(session)
    signed_out = client.post("/auth/logout")
    # The browser forgets what pages kept (the ballot page's credential for the tab): checked in Chromium,
    # where the header empties sessionStorage and localStorage.
    assert signed_out.headers["Clear-Site-Data"] == '"storage"'
    assert "You are signed out." in client.get("/").get_data(as_text=True)
    other = app.test_client()
    with other.session_transaction() as session:
        session.update(stolen)
    assert other.get("/me").status_code == 302
    assert account.id


def test_session_is_fresh_after_sign_in(client, make_member, outbox):
    make_member(email="fix@example.be")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/auth/login", data={"email": "fix@example.be"})
    client.post(f"/auth/link/{_link_from_outbox(outbox, 'fix@example.be')}")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_next_parameter_is_followed_only_within_the_site(client, make_member, outbox):
    make_member(email="next@example.be")
    client.get("/auth/login?next=https://evil.example/")
    client.post("/auth/login", data={"email": "next@example.be"})
    response = client.post(f"/auth/link/{_link_from_outbox(outbox, 'next@example.be')}")
    assert response.location == "/"
    client.post("/auth/logout")
    client.get("/auth/login?next=/me")
    client.post("/auth/login", data={"email": "next@example.be"})
    assert client.post(f"/auth/link/{_link_from_outbox(outbox, 'next@example.be')}").location == "/me"


def test_invalid_email_is_explained(client):
    response = client.post("/auth/login", data={"email": "not-an-address"})
    assert response.status_code == 400
    assert "valid e-mail address" in response.text
    assert 'value="not-an-address"' in response.text


def test_login_is_rate_limited_per_address(make_app, make_member):
    from app.extensions import limiter

    make_member(email="rl@example.be")
    limited = make_app(RATELIMIT_ENABLED=True)
    try:
        with limited.app_context():
            client = limited.test_client()
            statuses = [client.post("/auth/login", data={"email": "rl@example.be"}).status_code for _ in range(11)]
            other = limited.test_client()
            other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
            elsewhere = other.post("/auth/login", data={"email": "rl@example.be"}).status_code
    finally:
        limiter.enabled = False  # the limiter object is shared with the other tests' app
    assert statuses[:10] == [200] * 10
    assert statuses[-1] == 429
    assert elsewhere == 200  # another address has its own bucket


# -- argon2 parameters: strong by default and in production, argon2's lowest in the testing settings ------------

STRONG = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4, "hash_len": 32, "salt_len": 16}


def _parameters(hasher) -> dict:
    return {name: getattr(hasher, name) for name in STRONG}


@pytest.mark.parametrize("env", ["production", "development"])
def test_production_and_default_settings_hash_with_the_strong_parameters(monkeypatch, env):
    from app import create_app
    from tests.factories import DATABASE_URI

    monkeypatch.setenv("UNEVOIX_ENV", env)
    monkeypatch.setenv("UNEVOIX_SECRET_KEY", "7d2f9a4c1e8b3d6f0a5c2e9b4d7f1a3c6e8b0d2f4a6c8e1b3d5f7a9c2e4b6d8f")
    monkeypatch.setenv("UNEVOIX_PUBLIC_URL", "https://vote.example.coop")
    strong = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})
    with strong.app_context():
        assert _parameters(services.password_hasher()) == STRONG  # argon2-cffi's defaults, as before


def test_production_refuses_weak_or_unknown_hash_parameters(monkeypatch):
    from app import create_app
    from tests.factories import DATABASE_URI

    with pytest.raises(RuntimeError, match="not a profile"):
        create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI, "PASSWORD_HASH_PROFILE": "FAST"})
    monkeypatch.setenv("UNEVOIX_ENV", "production")
    monkeypatch.setenv("UNEVOIX_SECRET_KEY", "7d2f9a4c1e8b3d6f0a5c2e9b4d7f1a3c6e8b0d2f4a6c8e1b3d5f7a9c2e4b6d8f")
    monkeypatch.setenv("UNEVOIX_PUBLIC_URL", "https://vote.example.coop")
    monkeypatch.setenv("UNEVOIX_PASSWORD_HASH_PROFILE", "CHEAPEST")
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_PROFILE is refused in production"):
        create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})


def test_tests_hash_cheaply_and_a_hash_made_with_either_parameters_verifies(client):
    from argon2 import PasswordHasher

    cheap = services.password_hasher()
    assert (cheap.time_cost, cheap.memory_cost, cheap.parallelism) == (1, 8, 1)
    account = make_account(email="both@example.be", password="a long member password")
    assert "m=8,t=1,p=1" in account.password_hash
    assert PasswordHasher().verify(account.password_hash, "a long member password")  # production checks it
    account.password_hash = PasswordHasher().hash("a long member password")  # a production hash, here
    assert services.verify_password(account, "a long member password")
    assert not services.verify_password(account, "another password!!")
    assert services.check_password("both@example.be", "a long member password") == account
    assert "m=8,t=1,p=1" in account.password_hash  # rehashed with the settings' parameters at sign-in


def test_signing_out_keeps_the_language_chosen_in_this_browser(client, login_as):
    login_as("member")
    client.post("/language", data={"language": "nl"})
    client.post("/auth/logout")
    home = client.get("/").get_data(as_text=True)
    assert '<html lang="nl"' in home and "U bent afgemeld." in home
