"""Core models: accounts and their roles, single-use login links, the audit log, the mail outbox."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.clock import utcnow
from app.db import value_enum
from app.extensions import db
from app.sealed import seal, unseal


class Role(str, enum.Enum):
    STAFF = "staff"
    BOARD = "board"
    SECRETARY = "secretary"
    OFFICER = "officer"
    SCRUTINEER = "scrutineer"


class Account(UserMixin, db.Model):
    """Whoever signs in: a member, and/or someone holding roles (staff, board, ...)."""

    __tablename__ = "app_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # The TOTP secret, encrypted at rest (app.sealed); read and write it as ``totp_secret``.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    # The secret being enrolled, also sealed: kept here, never in the (readable) session cookie.
    totp_pending_sealed: Mapped[str | None] = mapped_column(String(255))
    totp_confirmed_at: Mapped[datetime | None]
    # The last TOTP time step accepted: a code is good once only.
    totp_last_step: Mapped[int | None]
    # Wrong codes and wrong passwords in a row, and until when the next attempt must wait.
    totp_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    totp_wait_until: Mapped[datetime | None]
    password_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    password_wait_until: Mapped[datetime | None]
    # Bumped at sign-out and password change: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list[AccountRole]] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin")

    @property
    def totp_secret(self) -> str | None:
        return unseal(self.totp_secret_sealed) if self.totp_secret_sealed else None

    @totp_secret.setter
    def totp_secret(self, secret: str | None) -> None:
        self.totp_secret_sealed = seal(secret) if secret else None

    @property
    def totp_pending_secret(self) -> str | None:
        return unseal(self.totp_pending_sealed) if self.totp_pending_sealed else None

    @totp_pending_secret.setter
    def totp_pending_secret(self, secret: str | None) -> None:
        self.totp_pending_sealed = seal(secret) if secret else None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def role_names(self) -> set[Role]:
        return {r.role for r in self.roles}

    def has_role(self, role: Role) -> bool:
        return role in self.role_names

    @property
    def needs_second_factor(self) -> bool:
        """Any role beyond being a member requires a password and a TOTP code."""
        return bool(self.roles)


class AccountRole(db.Model):
    __tablename__ = "app_account_role"
    __table_args__ = (UniqueConstraint("account_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("app_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(value_enum(Role, 20))
    account: Mapped[Account] = relationship(back_populates="roles")


class LoginToken(db.Model):
    """A single-use sign-in link. Only the token's hash is stored."""

    __tablename__ = "app_login_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("app_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship()


class AuditEntry(db.Model):
    """Append-only: the ORM refuses to update or delete rows, and so do database triggers."""

    __tablename__ = "app_audit_entry"
    __table_args__ = (Index("ix_app_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[dict | None]
    after: Mapped[dict | None]

    actor: Mapped[Account | None] = relationship()


class OutboxMessage(db.Model):
    """Outbound mail, written in the same transaction as what caused it (a transactional outbox).

    ``dedupe_key`` makes "send this once" a database guarantee (a reminder, a campaign letter).
    A ``secret`` body is erased once sent, so the database does not keep what only the recipient may hold."""

    __tablename__ = "app_outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The body holds a secret (a sign-in link, a voting credential): blanked once it is sent.
    secret: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    attachments: Mapped[list[OutboxAttachment]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                               order_by="OutboxAttachment.id")


class OutboxAttachment(db.Model):
    """A file sent with a message. Either its bytes (``content``), or the name of a renderer that
    makes them when the message is delivered (``renderer`` and ``renderer_arg``; see
    ``app.mail.attachment_renderer``), so a bank import that pays thousands of requests does not
    render thousands of PDFs in its transaction."""

    __tablename__ = "app_outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("app_outbox_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    renderer: Mapped[str | None] = mapped_column(String(60))
    renderer_arg: Mapped[str | None] = mapped_column(String(200))


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise PermissionError("the audit log is append-only")
