"""Outbound mail through a transactional outbox.

``queue_mail`` renders a message in the recipient's language and adds it to the session, so it
is sent only if the change that caused it commits. ``deliver_pending`` sends what is queued
through SMTP; with no ``MAIL_SERVER`` (the demo, the tests) messages stay in the outbox."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import OutboxMessage


ERASED_BODY = "(erased once sent: it held a secret meant for the recipient only)\n"
ERASED_ADDRESS = "erased@invalid"


def queue_mail(to: str, language: str, template: str, *, dedupe_key: str | None = None,
               secret: bool = False, **context) -> OutboxMessage:
    """Render ``mail/<template>.txt``: its first line is ``Subject: ...``, then a blank line."""
    with force_locale(language):
        rendered = render_template(f"mail/{template}.txt", **context)
    head, _, body = rendered.lstrip().partition("\n\n")
    message = OutboxMessage(to_address=to, language=language,
                            subject=head.removeprefix("Subject:").strip(),
                            body_text=body.strip() + "\n", dedupe_key=dedupe_key, secret=secret)
    db.session.add(message)
    return message


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
            email = EmailMessage()
            email["From"], email["To"], email["Subject"] = cfg["MAIL_SENDER"], message.to_address, message.subject
            email["Content-Language"] = message.language
            email.set_content(message.body_text)
            message.attempts += 1
            try:
                smtp.send_message(email)
                message.sent_at = utcnow()
                if message.secret:  # neither the secret nor whom it went to stays behind
                    message.body_text = ERASED_BODY
                    message.to_address = ERASED_ADDRESS
                sent += 1
            except smtplib.SMTPException as exc:
                message.last_error = str(exc)
            db.session.commit()
    return sent
