"""Accounts and sign-in under attack: each test replays an attack from issue 10 and expects it to fail."""
from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text

from app import create_app
from app.auth import services
from app.clock import utcnow
from app.extensions import db as _db
from app.extensions import limiter
from app.models import Account, AccountRole, LoginToken, Role
from tests.factories import DATABASE_URI, make_account, sign_in

STRONG_KEY = "9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f"


def _link(outbox, email: str) -> str:
    return re.search(r"/auth/link/(\S+)", outbox(to=email)[-1].body_text).group(1)


def _enrolled_staff(email="staff@example.be", password="a long staff password") -> tuple[Account, str]:
    staff = make_account(roles=(Role.STAFF,), email=email, password=password)
    secret = pyotp.random_base32()
    staff.totp_secret, staff.totp_confirmed_at = secret, utcnow()
    _db.session.commit()
    return staff, secret


# --- changing a password -------------------------------------------------------------------------

def test_password_change_works_asks_for_the_current_one_and_tells_the_mailbox(app, client, db, outbox):
    account = make_account(email="change@example.be", password="the old password!")
    sign_in(client, account)
    with client.session_transaction() as session:
        stolen = dict(session)
    assert "<h1>Change my password</h1>" in client.get("/auth/password").text  # it has one: a change, not a choice
    wrong = client.post("/auth/password", data={"current": "not my password", "password": "a brand new password",
                                                "confirm": "a brand new password"})
    assert wrong.status_code == 400 and "not your current password" in wrong.text
    missing = client.post("/auth/password", data={"password": "a brand new password",
                                                  "confirm": "a brand new password"})
    assert missing.status_code == 400
    done = client.post("/auth/password", data={"current": "the old password!", "password": "a brand new password",
                                               "confirm": "a brand new password"})
    assert done.status_code == 302
    assert client.get("/auth/password").status_code == 200  # this session lives on
    db.session.refresh(account)
    assert services.verify_password(account, "a brand new password")
    [notice] = [m for m in outbox(to="change@example.be") if "changed" in m.subject]
    assert "was changed" in notice.body_text
    other = app.test_client()  # a session from before the change ends
    with other.session_transaction() as session:
        session.update(stolen)
    assert other.get("/auth/password").status_code == 302


def test_first_password_needs_a_recent_sign_in(client, db, make_member, outbox):
    member = make_member(email="first@example.be")
    sign_in(client, member.account)  # a session without a recent sign-in (as a stolen cookie would be)
    page = client.get("/auth/password")
    assert page.status_code == 200 and "E-mail me a sign-in link" in page.text
    posted = client.post("/auth/password", data={"password": "a brand new password",
                                                 "confirm": "a brand new password"})
    assert posted.status_code == 200
    db.session.refresh(member.account)
    assert member.account.password_hash is None
    client.post("/auth/password/link")
    follow = client.post(f"/auth/link/{_link(outbox, 'first@example.be')}")
    assert follow.location == "/auth/password"
    saved = client.post("/auth/password", data={"password": "a brand new password",
                                               "confirm": "a brand new password"})
    assert saved.status_code == 302
    db.session.refresh(member.account)
    assert services.verify_password(member.account, "a brand new password")


# --- the second factor ---------------------------------------------------------------------------

def test_a_password_alone_cannot_enrol_the_second_factor(client, db, make_member, outbox):
    """A member with a password is given a role: whoever knows the password must not bind their phone."""
    member = make_member(email="promoted@example.be")
    services.set_password(member.account, "a member's password")
    member.account.roles.append(AccountRole(role=Role.STAFF))
    db.session.commit()
    response = client.post("/auth/login", data={"email": "promoted@example.be", "password": "a member's password"})
    assert response.location == "/auth/second-factor"
    page = client.get("/auth/second-factor")
    assert "Check your e-mail" in page.text and "data-testid=\"totp-secret\"" not in page.text
    assert client.post("/auth/second-factor", data={"code": "123456"}).status_code == 200
    db.session.refresh(member.account)
    assert member.account.totp_confirmed_at is None
    # The owner opens the mailed link, gives the password, and may enrol.
    client.post(f"/auth/link/{_link(outbox, 'promoted@example.be')}")
    client.post("/auth/second-factor", data={"password": "a member's password"})
    enrol = client.get("/auth/second-factor")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', enrol.text).group(1)
    assert client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302


def test_enrolment_secret_is_not_in_the_cookie_and_totp_secrets_are_sealed(app, client, db, outbox):
    make_account(roles=(Role.STAFF,), email="enrol@example.be")
    client.post("/auth/login", data={"email": "enrol@example.be"})
    client.post(f"/auth/link/{_link(outbox, 'enrol@example.be')}")
    client.post("/auth/second-factor", data={"password": "a long staff password", "confirm": "a long staff password"})
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<',
                       client.get("/auth/second-factor").text).group(1)
    cookie = client.get_cookie("session").value
    payload = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in repr(payload)
    client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()})
    with _db.engine.connect() as conn:
        stored = conn.execute(text("SELECT totp_secret_sealed, totp_pending_sealed FROM app_account "
                                   "WHERE email = 'enrol@example.be'")).one()
    assert stored[0] and secret not in stored[0] and stored[1] is None
    account = db.session.scalar(db.select(Account).where(Account.email == "enrol@example.be"))
    assert account.totp_secret == secret  # opened with the configured key


def test_sealed_secrets_need_the_configured_key(make_app):
    from app.sealed import SealBroken, seal, unseal

    sealed = seal("JBSWY3DPEHPK3PXP", {"TOTP_ENCRYPTION_KEY": "one key"})
    assert unseal(sealed, {"TOTP_ENCRYPTION_KEY": "one key"}) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(SealBroken):
        unseal(sealed, {"TOTP_ENCRYPTION_KEY": "another key"})


def test_wrong_codes_make_the_account_wait_and_doubling(client, db):
    staff, secret = _enrolled_staff()
    client.post("/auth/login", data={"email": staff.email, "password": "a long staff password"})
    statuses = [client.post("/auth/second-factor", data={"code": "000000"}).status_code for _ in range(8)]
    assert statuses[:5] == [400] * 5  # five free tries, then the account waits
    assert set(statuses[5:]) == {429}
    right = client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 429 and "Retry-After" in right.headers  # even the right code waits
    db.session.refresh(staff)
    assert staff.totp_failures == 5 and staff.totp_wait_until > utcnow()
    staff.totp_wait_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    db.session.refresh(staff)
    assert staff.totp_failures == 0


def test_the_wait_doubles_up_to_a_ceiling():
    waits = [services._failure_wait(n) for n in range(4, 20)]
    assert waits[0] == timedelta(0) and waits[1] == services.FIRST_WAIT and waits[2] == 2 * services.FIRST_WAIT
    assert max(waits) == services.MAX_WAIT


def test_a_used_code_stays_refused(client, db):
    staff, secret = _enrolled_staff()
    code = pyotp.TOTP(secret).now()
    client.post("/auth/login", data={"email": staff.email, "password": "a long staff password"})
    assert client.post("/auth/second-factor", data={"code": code}).status_code == 302
    other = client.application.test_client()
    other.post("/auth/login", data={"email": staff.email, "password": "a long staff password"})
    assert other.post("/auth/second-factor", data={"code": code}).status_code == 400


# --- passwords and links: throttled, never locking the owner out --------------------------------

def test_wrong_passwords_make_the_account_wait_but_a_link_still_works(client, db, outbox):
    staff, secret = _enrolled_staff()
    for _ in range(5):
        client.post("/auth/login", data={"email": staff.email, "password": "guessing wrong!"})
    blocked = client.post("/auth/login", data={"email": staff.email, "password": "a long staff password"})
    assert blocked.status_code == 429 and "e-mailed link" in blocked.text
    owner = client.application.test_client()
    assert owner.post("/auth/login", data={"email": staff.email}).status_code == 200
    assert owner.post(f"/auth/link/{_link(outbox, staff.email)}").location == "/auth/second-factor"
    owner.post("/auth/second-factor", data={"password": "a long staff password"})
    assert owner.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert owner.get("/staff/audit").status_code == 200


def test_anonymous_requests_do_not_lock_a_staff_account_out(make_app, db, outbox):
    """Five (or fifty) requests naming the staff address, from elsewhere, do not keep the owner out."""
    staff, secret = _enrolled_staff(email="target@example.be")
    limited = make_app(RATELIMIT_ENABLED=True)
    try:
        attacker = limited.test_client()
        attacker.environ_base["REMOTE_ADDR"] = "198.51.100.9"
        for _ in range(8):
            attacker.post("/auth/login", data={"email": "target@example.be"})
        owner = limited.test_client()
        owner.environ_base["REMOTE_ADDR"] = "203.0.113.5"
        assert owner.post("/auth/login", data={"email": "target@example.be"}).status_code == 200
        link = owner.post(f"/auth/link/{_link(outbox, 'target@example.be')}")
        assert link.location == "/auth/second-factor"
        owner.post("/auth/second-factor", data={"password": "a long staff password"})
        assert owner.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    finally:
        limiter.enabled = False
    assert len(outbox(to="target@example.be")) <= 2  # one link a minute at most: no mail flood


def test_a_newer_link_supersedes_the_older_and_links_live_ten_minutes(app, client, db, make_member, outbox):
    make_member(email="two@example.be")
    client.post("/auth/login", data={"email": "two@example.be"})
    first = _link(outbox, "two@example.be")
    for token in db.session.scalars(db.select(LoginToken)):  # the first link is over a minute old
        token.created_at -= timedelta(minutes=2)
    db.session.commit()
    client.post("/auth/login", data={"email": "two@example.be"})
    second = _link(outbox, "two@example.be")
    assert first != second
    assert client.post(f"/auth/link/{first}").status_code == 400
    newest = db.session.scalar(db.select(LoginToken).order_by(LoginToken.id.desc()))
    assert newest.expires_at - newest.created_at == timedelta(minutes=10)
    assert app.config["MAGIC_LINK_MINUTES"] == 10
    assert client.post(f"/auth/link/{second}").status_code == 302


def test_the_answer_takes_as_long_for_an_unknown_address(make_app, make_member):
    make_member(email="known@example.be")
    timed = make_app(LOGIN_ANSWER_SECONDS=0.25)
    client = timed.test_client()

    def seconds(email):
        started = time.monotonic()
        assert client.post("/auth/login", data={"email": email}).status_code == 200
        return time.monotonic() - started
    client.post("/auth/login", data={"email": "warm-up@example.be"})
    known = [seconds("known@example.be") for _ in range(3)]
    unknown = [seconds(f"nobody{n}@example.be") for n in range(3)]
    assert min(known + unknown) >= 0.25
    # The quickest of each: a busy machine can only slow an answer down (one took 0.96 s under a full test run).
    assert abs(min(known) - min(unknown)) < 0.1


def test_sign_in_tokens_never_reach_the_access_log(client, make_member, outbox, caplog):
    from app.logs import ScrubSecretsFilter

    make_member(email="log@example.be")
    client.post("/auth/login", data={"email": "log@example.be"})
    token = _link(outbox, "log@example.be")
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '%(h)s "%(r)s" %(s)s', ({"h": "127.0.0.1", "r": f"GET /auth/link/{token} HTTP/1.1",
                                                        "s": "200"},), None)
    assert ScrubSecretsFilter().filter(record)
    assert token not in record.getMessage() and "/auth/link/[token]" in record.getMessage()
    for name in ("werkzeug", "gunicorn.access"):
        assert any(isinstance(f, ScrubSecretsFilter) for f in logging.getLogger(name).filters)
    # The application's own lines too: a refused request names its path (an expired confirmation form).
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "unevoix")
    for path in (f"/auth/link/{token}", f"/me/email/confirm/{token}", f"/certificates/{token}"):
        record = logging.LogRecord("app.errors", logging.WARNING, __file__, 1, "refused %s %s: %s", ("POST", path, 400),
                                   None)
        assert handler.filter(record) and token not in handler.format(record) and "[token]" in record.getMessage()


# --- configuration --------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["test-secret", "x" * 32, "short-but-random-Zq8", "a" * 16 + "b" * 16,
                                 "0123456789abcdef0123456789abcdef"])
def test_production_refuses_a_weak_secret_key(monkeypatch, key):
    monkeypatch.setenv("UNEVOIX_ENV", "production")
    monkeypatch.setenv("UNEVOIX_SECRET_KEY", key)
    monkeypatch.setenv("UNEVOIX_PUBLIC_URL", "https://vote.example.coop")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})


def test_production_starts_with_a_strong_key_and_secrets_stay_strings(monkeypatch):
    monkeypatch.setenv("UNEVOIX_ENV", "production")
    monkeypatch.setenv("UNEVOIX_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("UNEVOIX_PUBLIC_URL", "https://vote.example.coop")
    monkeypatch.setenv("UNEVOIX_MAIL_PASSWORD", "123456")
    monkeypatch.setenv("UNEVOIX_CERTIFICATE_KEY", '{"a": 1}')
    monkeypatch.setenv("UNEVOIX_TOTP_ENCRYPTION_KEY", "1e10")
    monkeypatch.setenv("UNEVOIX_MAIL_PORT", "2525")
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})
    assert app.config["MAIL_PASSWORD"] == "123456"
    assert app.config["CERTIFICATE_KEY"] == '{"a": 1}'
    assert app.config["TOTP_ENCRYPTION_KEY"] == "1e10"
    assert app.config["MAIL_PORT"] == 2525  # numbers are still numbers
    with app.app_context():
        from app.sealed import seal, unseal
        assert unseal(seal("X")) == "X"


def test_a_secret_key_that_looks_like_a_number_is_a_string(monkeypatch):
    monkeypatch.setenv("UNEVOIX_SECRET_KEY", "31415926535897932384626433832795028841971693993751")
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})
    assert app.config["SECRET_KEY"] == "31415926535897932384626433832795028841971693993751"


def test_demo_refuses_to_run_in_production(monkeypatch):
    monkeypatch.setenv("UNEVOIX_ENV", "production")
    monkeypatch.setenv("UNEVOIX_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("UNEVOIX_PUBLIC_URL", "https://vote.example.coop")
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})
    with app.app_context():  # the command runs in this app, not in the test's own
        result = app.test_cli_runner().invoke(args=["demo", "--members", "60"])
        assert _db.session.scalar(_db.select(Account.id).limit(1)) is None
        _db.session.remove()
        _db.engine.dispose()  # close this app's connection now (PostgreSQL warns about a leaked one)
    assert result.exit_code != 0 and "production" in result.output, (result.output, result.exception)
    monkeypatch.setenv("UNEVOIX_DEMO", "1")
    with pytest.raises(RuntimeError, match="DEMO"):
        create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})


def test_the_client_address_comes_from_the_declared_proxy_only(make_app, make_member):
    """PROXY_COUNT=1: the last X-Forwarded-For hop is the client; a visitor cannot pick another address by
    prefixing the header, and requests without the header are not all put in the proxy's one bucket."""
    proxied = make_app(RATELIMIT_ENABLED=True, PROXY_COUNT=1)
    try:
        client = proxied.test_client()

        def post(forwarded=None):
            headers = {"X-Forwarded-For": forwarded} if forwarded else {}
            return client.post("/auth/login", data={"email": "x@example.be"}, headers=headers).status_code

        spoofing = [post(f"10.0.0.{n}, 198.51.100.20") for n in range(11)]
        assert spoofing[-1] == 429  # the prefix changed every time; the proxy's hop did not
        assert post("198.51.100.21") == 200
        assert [post() for _ in range(12)] == [200] * 12  # no header: no shared bucket for everyone
        same_64 = [post(f"2001:db8:1:2::{n:x}") for n in range(11)]
        assert same_64[-1] == 429  # an IPv6 client owns its whole /64
        assert post("2001:db8:1:3::1") == 200
    finally:
        limiter.enabled = False
