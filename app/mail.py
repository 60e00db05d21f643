"""Outbound mail through a transactional outbox.

``queue_mail`` renders a message in the recipient's language and adds it to the session, so it
is sent only if the change that caused it commits. ``deliver_pending`` sends what is queued
through SMTP; with no ``MAIL_SERVER`` (the demo, the tests) messages stay in the outbox."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Callable, Iterable

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.clock import today, utcnow
from app.extensions import db
from app.models import OutboxAttachment, OutboxMessage
from app.uow import savepoint


ERASED_BODY = "(erased once sent: it held a secret meant for the recipient only)\n"
ERASED_ADDRESS = "erased@invalid"


@dataclass(frozen=True)
class Attachment:
    """A file for ``queue_mail``: its bytes, or a renderer's name and argument (made at delivery)."""

    filename: str
    mimetype: str = "application/octet-stream"
    content: bytes | None = None
    renderer: str | None = None
    renderer_arg: str | None = None


_RENDERERS: dict[str, Callable[[str], bytes]] = {}


def attachment_renderer(name: str):
    """Register ``fn(arg) -> bytes`` under ``name``: an attachment made when the message is sent."""
    def decorate(fn):
        _RENDERERS[name] = fn
        return fn
    return decorate


def attachment_bytes(attachment: OutboxAttachment) -> bytes:
    if attachment.content is not None:
        return attachment.content
    if attachment.renderer not in _RENDERERS:
        raise LookupError(f"no attachment renderer {attachment.renderer!r}")
    return _RENDERERS[attachment.renderer](attachment.renderer_arg or "")


def render_mail(language: str, template: str, **context) -> tuple[str, str]:
    """Subject and body of ``mail/<template>.txt`` in ``language``: its first line is
    ``Subject: ...``, then a blank line."""
    with force_locale(language):
        rendered = render_template(f"mail/{template}.txt", **context)
    head, _, body = rendered.lstrip().partition("\n\n")
    return head.removeprefix("Subject:").strip(), body.strip() + "\n"


def queue_mail(to: str, language: str, template: str, *, dedupe_key: str | None = None,
               secret: bool = False, attachments: Iterable[Attachment] = (), **context) -> OutboxMessage:
    """Render ``mail/<template>.txt`` (:func:`render_mail`) and queue it. ``attachments`` are
    stored with the message and sent with it."""
    subject, body = render_mail(language, template, **context)
    message = OutboxMessage(to_address=to, language=language, subject=subject, body_text=body,
                            dedupe_key=dedupe_key, secret=secret)
    for item in attachments:
        if (item.content is None) == (item.renderer is None):
            raise ValueError("an attachment has either content or a renderer")
        message.attachments.append(OutboxAttachment(
            filename=item.filename, mimetype=item.mimetype, content=item.content, renderer=item.renderer,
            renderer_arg=item.renderer_arg))
    db.session.add(message)
    return message


def queue_mail_once(dedupe_key: str, to: str, language: str, template: str, **context) -> None:
    """Queue ``template`` unless a message was queued under ``dedupe_key`` already: the outbox's unique key
    decides, also for two at the same moment."""
    try:
        with savepoint():
            queue_mail(to, language, template, dedupe_key=dedupe_key, **context)
            db.session.flush()
    except IntegrityError:  # queued already
        pass


def queue_mail_once_a_day(key: str, to: str, language: str, template: str, **context) -> None:
    """Queue ``template`` unless one was queued under ``key`` today, so a flood of forms (or two at the
    same moment) telling a mailbox what somebody asked about it gives one mail a day, not one each."""
    queue_mail_once(f"{key}:{today().isoformat()}", to, language, template, **context)


def queue_text(to: str, language: str, subject: str, body: str, *, secret: bool = False) -> None:
    """Queue a message already rendered, without attachments: for one queued many times (a
    ballot's receipt), rendered once and filled in. One INSERT, run now (no ORM object to flush)."""
    db.session.execute(insert(OutboxMessage.__table__).values(
        to_address=to, language=language, subject=subject, body_text=body, secret=secret))


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The message as it goes out, attachments made now."""
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, message.to_address, message.subject
    email["Content-Language"] = message.language
    email.set_content(message.body_text)
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mimetype.partition("/")
        email.add_attachment(attachment_bytes(attachment), maintype=maintype, subtype=subtype or "octet-stream",
                             filename=attachment.filename)
    return email


def deliver_pending(limit: int = 500) -> int:
    """Send queued messages through SMTP; returns how many went. Commits per message."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        return 0
    pending = db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                                 .order_by(OutboxMessage.id).limit(limit)).all()
    sent = 0
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        for message in pending:
            message.attempts += 1
            email = build_email(message, cfg["MAIL_SENDER"])
            try:
                smtp.send_message(email)
                message.sent_at = utcnow()
                if message.secret:  # neither the secret nor whom it went to stays behind
                    message.body_text = ERASED_BODY
                    message.to_address = ERASED_ADDRESS
                sent += 1
            except smtplib.SMTPException as exc:
                message.last_error = str(exc)
            db.session.commit()  # on purpose, one commit per message: a mail sent is marked sent even if a later one fails
    return sent
