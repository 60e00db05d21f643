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
from app.auth.errors import InvalidLink, WrongCode, WrongCredentials
from app.clock import utcnow
from app.extensions import db
from app.mail import queue_mail
from app.models import Account, LoginToken

_hasher = PasswordHasher()
# A dummy hash so a wrong e-mail costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
TOTP_ISSUER = "Une Voix"


def find_account(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(func.lower(Account.email) == email.strip().lower()))


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def request_login_link(email: str) -> None:
    """E-mail a sign-in link if the account exists and is active. Says nothing either way."""
    account = find_account(email)
    if account is None or not account.active:
        return
    raw = secrets.token_urlsafe(32)
    minutes = current_app.config["MAGIC_LINK_MINUTES"]
    db.session.add(LoginToken(account_id=account.id, token_hash=_token_hash(raw),
                              expires_at=utcnow() + timedelta(minutes=minutes)))
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


def check_password(email: str, password: str) -> Account:
    account = find_account(email)
    stored = account.password_hash if account is not None and account.active else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise WrongCredentials() from None
    if stored is None:
        raise WrongCredentials()
    if _hasher.check_needs_rehash(stored):
        account.password_hash = _hasher.hash(password)
    return account


def verify_password(account: Account, password: str) -> bool:
    try:
        return bool(account.password_hash) and _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(account: Account, password: str) -> None:
    account.password_hash = _hasher.hash(password)
    account.session_version += 1  # other sessions end
    audit.record("account.password_set", account, actor=account)
    db.session.flush()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str) -> int | None:
    """The time step the code belongs to, allowing one step of clock drift either way."""
    code = "".join(code.split())
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=30 * drift)
        if secrets.compare_digest(totp.at(at), code):
            return totp.timecode(at)
    return None


def confirm_totp_enrolment(account: Account, secret: str, code: str) -> None:
    step = _matching_step(secret, code)
    if step is None:
        raise WrongCode()
    account.totp_secret, account.totp_confirmed_at, account.totp_last_step = secret, utcnow(), step
    audit.record("account.totp_enrolled", account, actor=account)
    db.session.flush()


def check_totp(account: Account, code: str) -> None:
    """Accept a code once: the conditional UPDATE refuses a replay, even a concurrent one."""
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


def record_login(account: Account, method: str) -> None:
    account.last_login_at = utcnow()
    audit.record("auth.login", account, actor=account, after={"method": method})
    db.session.flush()


def end_sessions(account: Account) -> None:
    account.session_version += 1
    db.session.flush()
