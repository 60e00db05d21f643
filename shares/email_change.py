"""A member changes their own e-mail address: a link to the new address proves it is theirs, and the
old address is told once it changed. Services flush, never commit.

The link is signed, not stored: it names the account, the address it changes from and the one it
changes to, and is good for a day. It works once because the change is a conditional UPDATE on the
address it changes from (a second click, or a link older than another change, finds another address);
the database's unique e-mail refuses an address another account took in the meantime."""
from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from app import audit
from app.errors import Conflict, DomainError
from app.extensions import db
from app.mail import queue_mail, queue_mail_once_a_day
from app.models import Account
from app.uow import savepoint
from shares.errors import EmailInUse
from shares.models import Member

LINK_SECONDS = 24 * 3600
_SALT = "shares.email-change"


class SameEmail(DomainError):
    """The new address is the one the account already has."""


class InvalidEmailLink(DomainError):
    """Expired, altered, or not for this account."""

    status = 400


class EmailLinkUsed(Conflict):
    """The address is no longer the one the link changes from: used already, or changed since."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _owner(email: str, account_id: int) -> Account | None:
    """The other account that has this address, if any."""
    return db.session.scalar(select(Account).where(func.lower(Account.email) == email, Account.id != account_id))


def request_email_change(member: Member, new_email: str) -> str:
    """Mail a confirmation link to ``new_email``; nothing changes until it is opened. Returns the address.
    An address another account has gets, instead, a mail saying so; the member is answered the same."""
    new_email = new_email.strip().lower()
    account = member.account
    if new_email == account.email.lower():
        raise SameEmail()
    owner = _owner(new_email, account.id)
    if owner is not None:
        # Answered as if the link were sent: the page must not tell a member which addresses have an
        # account (docs/security.md). The mailbox is told, once a day, and nothing changes.
        queue_mail_once_a_day(f"shares.email_change:taken:{owner.id}", owner.email, owner.language,
                              "email_change_taken", account=owner,
                              contact=current_app.config.get("COOP_CONTACT_EMAIL", ""))
        audit.record("shares.member.email_change_asked", member, actor=account, after={"email": new_email})
        db.session.flush()
        return new_email
    token = _serializer().dumps({"account": account.id, "from": account.email, "to": new_email})
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("shares.confirm_email_change", token=token)
    queue_mail(new_email, account.language, "email_change", secret=True, member=member, link=link,
               hours=LINK_SECONDS // 3600)
    audit.record("shares.member.email_change_asked", member, actor=account, after={"email": new_email})
    db.session.flush()
    return new_email


def read_link(token: str, account: Account) -> str:
    """The address ``token`` changes ``account`` to; InvalidEmailLink when it is not a valid link for it."""
    try:
        claim = _serializer().loads(token, max_age=LINK_SECONDS)
    except (SignatureExpired, BadSignature):
        raise InvalidEmailLink() from None
    if not isinstance(claim, dict) or claim.get("account") != account.id or not isinstance(claim.get("to"), str):
        raise InvalidEmailLink()
    if claim.get("from") != account.email:
        raise EmailLinkUsed()
    return claim["to"]


def confirm_email_change(token: str, member: Member) -> str:
    """Apply the change the link asks for, once; the old address is told. Returns the new address."""
    account = member.account
    old = account.email
    new_email = read_link(token, account)
    if _owner(new_email, account.id) is not None:
        raise EmailInUse()
    with savepoint(EmailInUse):  # taken in between: the database's unique e-mail says so
        changed = db.session.execute(update(Account).where(Account.id == account.id, Account.email == old)
                                     .values(email=new_email).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise EmailLinkUsed()
    db.session.refresh(account, ["email"])
    member.refresh_search_text()
    audit.record("shares.member.email_change", member, actor=account, before={"email": old},
                 after={"email": new_email})
    queue_mail(old, account.language, "email_changed", member=member, new_email=new_email,
               contact=current_app.config["COOP_CONTACT_EMAIL"])
    db.session.flush()
    return new_email
