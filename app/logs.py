"""Logging: one logger per module (``logging.getLogger(__name__)``), a request id in every line.

Line format (documented in docs/deploy.md for operators shipping logs):
``2026-11-27T08:30:00+0000 INFO req=3f2a9c1e0b7d4e55 shares.bank: matched payment 12 to request 7``
Set ``UNEVOIX_LOG_FORMAT=json`` for one JSON object per line (time, level, request_id, logger, message).
The request id comes from a trusted proxy's ``X-Request-ID`` (letters, digits and dashes, at most 64)
or is made here; it is sent back in the response's ``X-Request-ID`` header."""
from __future__ import annotations

import json
import logging
import re
import uuid

from flask import Flask, g, has_request_context, request

_VALID_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_HANDLER_NAME = "unevoix"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(g, "request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                           "request_id": getattr(record, "request_id", "-"), "logger": record.name,
                           "message": record.getMessage()}, ensure_ascii=False)


# The paths that carry a secret: a sign-in link, an address change's confirmation, a certificate's check.
_TOKEN_IN_PATH = re.compile(r"(/auth/link/|/me/email/confirm/|/certificates/)[^\s?\"' ]+")


def scrub_secrets(text: str) -> str:
    """Remove the tokens of links from a log line."""
    return _TOKEN_IN_PATH.sub(r"\1[token]", text)


class ScrubSecretsFilter(logging.Filter):
    """No log line keeps a link's token: the access logs (gunicorn's and the development server's)
    and the application's own lines (a refused request names its path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  a record that cannot format is left alone
            return True
        if _TOKEN_IN_PATH.search(message):
            record.msg, record.args = scrub_secrets(message), ()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s req=%(request_id)s %(name)s: %(message)s"


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER_NAME)
        handler.addFilter(RequestIdFilter())
        handler.addFilter(ScrubSecretsFilter())
        handler.setFormatter(JsonFormatter() if app.config.get("LOG_FORMAT") == "json"
                             else logging.Formatter(TEXT_FORMAT, "%Y-%m-%dT%H:%M:%S%z"))
        root.addHandler(handler)
    from app import DOMAIN_PACKAGES

    for name in ("app", *DOMAIN_PACKAGES, *app.config.get("LOG_PACKAGES", ())):
        logging.getLogger(name).setLevel(app.config.get("LOG_LEVEL", "INFO"))

    @app.before_request
    def assign_request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex[:16]

    @app.after_request
    def send_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
