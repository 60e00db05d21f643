"""Domain errors, the one registry that words them for people, and the error pages.

Each module declares its sentences once with ``register_messages({ErrorClass: _l("...")})``;
views and templates ask ``error_message(exc)``. An uncaught DomainError renders the error page
with that sentence and the error's status."""
from __future__ import annotations

import logging
from typing import Mapping

from flask import current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from app.i18n import fr_spacing


class DomainError(Exception):
    """A broken business rule, named by its class; ``error_message`` words it for the user."""

    status = 422


class Conflict(DomainError):
    """Someone else changed the same thing first."""

    status = 409


class TextTooLong(DomainError):
    """A text longer than the column that would keep it (also after Unicode normalisation)."""

    status = 400

    def __init__(self, model: str = "", field: str = "", length: int = 0):
        super().__init__(f"{model}.{field} longer than {length}")
        self.model, self.field, self.length = model, field, length


class ReservedName(DomainError):
    """A short name (a slug) that another page's address already uses: ``/groups/new`` is the form
    that creates a group, so a group named "new" could never be opened (app.web.reserved_names)."""


class TextNotStorable(DomainError):
    """A text with a character no database keeps (NUL)."""

    status = 400

    def __init__(self, model: str = "", field: str = ""):
        super().__init__(f"{model}.{field} holds NUL")
        self.model, self.field = model, field


log = logging.getLogger(__name__)
_MESSAGES: dict[type, object] = {}


def register_messages(messages: Mapping[type, object]) -> None:
    """Declare the sentence (a lazy string, or a callable taking the error) for each error class."""
    _MESSAGES.update(messages)


def error_message(exc: Exception) -> str:
    """The sentence for ``exc``: that of its nearest registered class, else its status's default."""
    for cls in type(exc).__mro__:
        if cls in _MESSAGES:
            message = _MESSAGES[cls]
            # French spacing comes with the catalogue; applied again (idempotent) for a callable's own text.
            return fr_spacing(str(message(exc) if callable(message) else message))
    return str(ERROR_TEXTS.get(getattr(exc, "status", 422), ERROR_TEXTS[422])[1])


def refusal_said(refusal: Exception | None) -> str | None:
    """A refusal's sentence, for a page that says it instead of offering what would be refused."""
    return error_message(refusal) if refusal is not None else None


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you sent.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address.")),
    405: (_l("Use the page's button"), _l("This address does something only from its page's button or form: "
                                           "go back to the page and use it there.")),
    409: (_l("Conflict"), _l("Someone changed this at the same time. Reload the page and try again.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    422: (_l("Cannot be done"), _l("This cannot be done in the current state.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. The team has been told.")),
}


# The ``error`` of a JSON refusal that no service named (the services' own carry their codes).
JSON_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict",
              413: "too_large", 422: "refused", 429: "too_many_requests", 500: "server_error"}


def wants_json() -> bool:
    """A request a script made for JSON (a ballot posted, a ``.json`` read): its refusal is JSON too,
    which the page can show, not an HTML page it cannot read."""
    return request.is_json or request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str | None = None, advice: str | None = None):
    """The error page (or JSON); ``advice``: what to do next, a second paragraph (a page only)."""
    title, default = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    if wants_json():
        return jsonify({"error": JSON_CODES.get(status, "error"), "message": str(message or default)}), status
    # no_task_badge: an error page does not ask every module for the person's tasks (base.html)
    return render_template("errors/error.html", status=status, title=title,
                           message=message or default, advice=advice, no_task_badge=True), status


register_messages({
    TextTooLong: lambda exc: _l("One of the texts you typed is too long (at most %(n)s characters). "
                                "Shorten it and try again.", n=exc.length),
    TextNotStorable: _l("One of the texts you typed holds a character that cannot be kept. "
                        "Remove it and try again."),
    ReservedName: _l("This short name is reserved: choose another."),
})


def _rollback() -> None:
    from app.extensions import db

    db.session.rollback()  # the error handlers' rollback: a failed request's session is cleaned before the error page queries


def register(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        log.warning("refused %s %s: %s", request.method, request.path, exc.code)
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            return render_error(400, _l("Your form expired. Please reload the page and try again."))
        if exc.response is not None:  # a page of its own (a rate limit that gives the form back)
            return exc.response
        if exc.code == 413 and request.max_content_length:  # the route's limit, in megabytes as people count them
            from app.uploads import megabytes

            # The largest file an upload route takes (allow_upload's file_bytes), else its request ceiling.
            size = getattr(current_app.view_functions.get(request.endpoint), "max_file_bytes", None)
            # A form with a file: the browser still holds what was typed there, one step back.
            advice = _l("What you typed is still in the form: go back to it with your browser's Back button, "
                        "choose a smaller file and send it again.") if request.mimetype == "multipart/form-data" \
                else None
            return render_error(413, _l("This file is too large: at most %(size)s MB can be sent here.",
                                        size=megabytes(size or request.max_content_length)), advice)
        return render_error(exc.code or 500)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        log.warning("refused %s %s: %s %s", request.method, request.path, exc.status, type(exc).__name__)
        _rollback()  # nothing half-saved, and the error page may query again
        return render_error(exc.status, error_message(exc))

    @app.errorhandler(OverflowError)
    def number_out_of_range(exc: OverflowError):
        # SQLite's side of DataError: a number from the request too large for an INTEGER column.
        _rollback()
        app.logger.warning("number out of range: %s", exc)
        return render_error(400, _l("A number you sent is out of range. Please check what you typed."))

    @app.errorhandler(IntegrityError)
    def constraint_refused(exc: IntegrityError):
        # A unique (or other) constraint refused what a request wrote after its checks passed: another
        # request wrote the same thing meanwhile (two applications given the same member number, say).
        # Services say the races they foresee; this one is said as a conflict, nothing stored.
        _rollback()
        app.logger.warning("constraint refused %s %s: %s", request.method, request.path, exc.orig)
        return render_error(409)

    @app.errorhandler(DataError)
    def data_error(exc: DataError):
        # What the database itself refuses as a value (a number out of range, a text too long on
        # PostgreSQL): the request was bad, nothing is stored.
        _rollback()
        app.logger.info("database refused a value: %s", exc.orig)
        return render_error(400, _l("A value you sent cannot be stored. Please check what you typed."))
