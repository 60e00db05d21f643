"""Sign-in verbs. They flush, never commit; the request commits once."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from sqlalchemy import func, select, update

from app import audit
from app.auth.errors import EnrolmentNeedsMailbox, InvalidLink, TooManyAttempts, WrongCode, WrongCredentials
from app.clock import utcnow
from app.extensions import db
from app.mail import queue_mail
from app.models import Account, LoginToken


def password_hasher() -> PasswordHasher:
    """This app's argon2 hasher, with the parameters its settings name (``PASSWORD_HASH_PROFILE``);
    made once per app."""
    hasher = current_app.extensions.get("unevoix.password_hasher")
    if hasher is None:
        from argon2 import profiles

        hasher = PasswordHasher.from_parameters(getattr(profiles, current_app.config["PASSWORD_HASH_PROFILE"]))
        current_app.extensions["unevoix.password_hasher"] = hasher
    return hasher


def _dummy_hash() -> str:
    """A hash of nothing, made with the app's parameters, so that a wrong e-mail costs as much time as a
    wrong password."""
    dummy = current_app.extensions.get("unevoix.dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["unevoix.dummy_hash"] = password_hasher().hash(secrets.token_hex(16))
    return dummy

TOTP_ISSUER = "Une Voix"
# Wrong passwords or codes allowed in a row before the account makes the next attempt wait; the wait
# doubles with each further failure, up to MAX_WAIT. An e-mailed link is never held back by it.
FREE_FAILURES = 5
FIRST_WAIT = timedelta(seconds=30)
MAX_WAIT = timedelta(minutes=15)
# A new sign-in link for the same account at most this often; in between, the last one still works.
LINK_INTERVAL = timedelta(seconds=60)


def find_account(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(func.lower(Account.email) == email.strip().lower()))


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def request_login_link(email: str) -> None:
    """E-mail a sign-in link if the account exists and is active. Says nothing either way.

    The new link supersedes every older one. While the last link is unused and younger than
    LINK_INTERVAL, a new request sends nothing: that link still works, so nobody can flood a mailbox."""
    account = find_account(email)
    if account is None or not account.active:
        return
    now = utcnow()
    waiting = db.session.scalar(select(func.max(LoginToken.created_at)).where(
        LoginToken.account_id == account.id, LoginToken.used_at.is_(None), LoginToken.expires_at > now))
    if waiting is not None and _aware(waiting) > now - LINK_INTERVAL:
        return  # the link mailed less than a minute ago is unused and still works
    send_login_link(account)


def send_login_link(account: Account) -> None:
    """Mail a fresh link to ``account``; older unused links stop working."""
    now = utcnow()
    db.session.execute(update(LoginToken).where(LoginToken.account_id == account.id, LoginToken.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))
    raw = secrets.token_urlsafe(32)
    minutes = current_app.config["MAGIC_LINK_MINUTES"]
    db.session.add(LoginToken(account_id=account.id, token_hash=_token_hash(raw), created_at=now,
                              expires_at=now + timedelta(minutes=minutes)))
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("auth.link", token=raw)
    queue_mail(account.email, account.language, "login_link", secret=True, account=account, link=link,
               minutes=minutes)
    db.session.flush()


def consume_login_link(raw: str) -> Account:
    """Mark the link used; the conditional UPDATE makes a second use fail even when concurrent."""
    now = utcnow()
    token = db.session.scalar(select(LoginToken).where(LoginToken.token_hash == _token_hash(raw)))
    if token is None or token.used_at is not None or token.expires_at < now or not token.account.active:
        raise InvalidLink()
    result = db.session.execute(update(LoginToken).where(LoginToken.id == token.id, LoginToken.used_at.is_(None))
                                .values(used_at=now))
    if result.rowcount != 1:
        raise InvalidLink()
    return token.account


def _aware(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _wait_left(until) -> int:
    until = _aware(until)
    return 0 if until is None else max(0, int((until - utcnow()).total_seconds() + 0.999))


def _failure_wait(failures: int) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** (failures - FREE_FAILURES), MAX_WAIT)


def check_password(email: str, password: str) -> Account:
    """The account whose password this is. A wrong password counts against the account (see
    ``record_password_failure``, which the caller commits after rolling back); while the account
    must wait, even the right password is refused with TooManyAttempts."""
    account = find_account(email)
    stored = account.password_hash if account is not None and account.active else None
    if stored is not None and _wait_left(account.password_wait_until):
        raise TooManyAttempts(_wait_left(account.password_wait_until))
    hasher = password_hasher()
    try:
        hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        raise WrongCredentials() from None
    if stored is None:
        raise WrongCredentials()
    if hasher.check_needs_rehash(stored):
        account.password_hash = hasher.hash(password)
    account.password_failures, account.password_wait_until = 0, None
    return account


def record_password_failure(email: str) -> None:
    """Count a wrong password against the account (if there is one): its own row, so every worker sees it."""
    account = find_account(email)
    if account is None:
        return
    _count_failure(account, "password")


def _count_failure(account: Account, kind: str) -> None:
    column = getattr(Account, f"{kind}_failures")
    db.session.execute(update(Account).where(Account.id == account.id).values({column: column + 1})
                       .execution_options(synchronize_session=False))
    db.session.refresh(account)
    wait = _failure_wait(getattr(account, f"{kind}_failures"))
    if wait:
        setattr(account, f"{kind}_wait_until", utcnow() + wait)
    db.session.flush()


def verify_password(account: Account, password: str) -> bool:
    try:
        return bool(account.password_hash) and password_hasher().verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(account: Account, password: str) -> None:
    account.password_hash = password_hasher().hash(password)
    account.session_version += 1  # other sessions end
    account.password_failures, account.password_wait_until = 0, None
    audit.record("app.password.set", account, actor=account)
    db.session.flush()


def change_password(account: Account, current: str | None, new: str) -> None:
    """Change a password: the current one must be given when there is one. The account is told by mail."""
    if account.password_hash is not None:
        if _wait_left(account.password_wait_until):
            raise TooManyAttempts(_wait_left(account.password_wait_until))
        if not current or not verify_password(account, current):
            raise WrongCredentials()
    set_password(account, new)
    queue_mail(account.email, account.language, "password_changed", account=account,
               when=utcnow(), login_url=current_app.config["PUBLIC_URL"].rstrip("/") + url_for("auth.login"))
    db.session.flush()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str) -> int | None:
    """The time step the code belongs to, allowing one step of clock drift either way."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit()):  # other scripts' digits are not a code (nor comparable)
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=30 * drift)
        if secrets.compare_digest(totp.at(at), code):
            return totp.timecode(at)
    return None


def pending_enrolment_secret(account: Account, proven_by_mail: bool) -> str:
    """The secret being enrolled, kept sealed on the account (never in the session cookie).

    Only a sign-in that went through the mailbox may enrol: a password alone (an account that
    had one before it was given a role) could otherwise bind the attacker's phone."""
    if not proven_by_mail:
        raise EnrolmentNeedsMailbox()
    if account.totp_pending_sealed is None:
        account.totp_pending_secret = new_totp_secret()
        db.session.flush()
    return account.totp_pending_secret


def confirm_totp_enrolment(account: Account, code: str, proven_by_mail: bool) -> None:
    secret = pending_enrolment_secret(account, proven_by_mail)
    _refuse_while_waiting(account)
    step = _matching_step(secret, code)
    if step is None:
        raise WrongCode()
    account.totp_secret, account.totp_confirmed_at, account.totp_last_step = secret, utcnow(), step
    account.totp_pending_secret = None
    account.totp_failures, account.totp_wait_until = 0, None
    audit.record("app.totp.enrol", account, actor=account)
    db.session.flush()


def _refuse_while_waiting(account: Account) -> None:
    if _wait_left(account.totp_wait_until):
        raise TooManyAttempts(_wait_left(account.totp_wait_until))


def record_totp_failure(account: Account) -> None:
    """Count a wrong code (the caller commits it after rolling back the attempt)."""
    _count_failure(account, "totp")


def check_totp(account: Account, code: str) -> None:
    """Accept a code once: the conditional UPDATE refuses a replay, even a concurrent one. After
    FREE_FAILURES wrong codes in a row the account waits before the next try, doubling each time."""
    _refuse_while_waiting(account)
    step = _matching_step(account.totp_secret or "", code) if account.totp_secret else None
    if step is None:
        raise WrongCode()
    result = db.session.execute(
        update(Account).where(Account.id == account.id,
                              (Account.totp_last_step.is_(None)) | (Account.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise WrongCode()
    db.session.refresh(account)
    account.totp_failures, account.totp_wait_until = 0, None
    db.session.flush()


def record_login(account: Account, method: str) -> None:
    account.last_login_at = utcnow()
    audit.record("app.session.sign_in", account, actor=account, after={"method": method})
    db.session.flush()


def end_sessions(account: Account) -> None:
    account.session_version += 1
    db.session.flush()
