"""Web helpers: htmx-aware rendering, safe redirects, template filters."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Response, abort, make_response, render_template, request
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask_babel import get_locale

from app.clock import BRUSSELS

from app.extensions import htmx


def wants_partial() -> bool:
    """A real htmx swap: not a boosted navigation, not a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page_template: str, partial: str | None = None, status: int = 200, **context) -> Response:
    """Render the page, or only its partial for an htmx swap; always ``Vary: HX-Request``."""
    template = partial if partial and wants_partial() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after sign-in or a language switch."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def reader_locale() -> Locale:
    """The locale dates are written in: English as in Europe (``27 November 2026``, ``27/11/2026``),
    never the US order; French and Dutch as Babel has them."""
    locale = get_locale() or Locale.parse("fr")
    return Locale.parse("en_GB") if locale.language == "en" else locale


def format_day(value, style: str = "long") -> str:
    """A date for people: ``27 novembre 2026`` (long), ``27 nov. 2026`` (medium), ``27/11/2026`` (short)."""
    if not value:
        return ""
    return _format_day(value, style, str(reader_locale()))


@lru_cache(maxsize=16384)
def _format_day(value, style: str, locale: str) -> str:
    # Babel takes ~0.1 ms a date; a register page shows hundreds of the same few thousand days.
    return babel_dates.format_date(value, style, locale=locale)


def format_moment(value, style: str = "medium") -> str:
    """An instant for people, in Brussels time, in the reader's locale."""
    if not value:
        return ""
    return babel_dates.format_datetime(value, style, tzinfo=BRUSSELS, locale=reader_locale())


def euros(cents: int | None) -> str:
    """Money is integer cents; shown in the reader's locale (``1 234,50 €`` in French)."""
    if cents is None:
        return ""
    return _euros(cents, str(get_locale() or "fr"))


@lru_cache(maxsize=16384)
def _euros(cents: int, locale: str) -> str:
    return babel_numbers.format_decimal(cents / 100, format="#,##0.00", locale=locale) + " €"


def register(app) -> None:
    from app.i18n import LANGUAGE_NAMES, install_french_spacing
    from app.registry import nav_links, task_count, tasks_for

    app.jinja_env.globals.update(current_locale=lambda: str(get_locale()), language_names=LANGUAGE_NAMES,
                                 nav_links=nav_links, tasks_for=tasks_for, task_count=task_count)
    app.jinja_env.filters["euros"] = euros
    from app.audit import action_label, object_label
    app.jinja_env.filters["audit_action"] = action_label
    app.jinja_env.filters["audit_object"] = object_label
    install_french_spacing(app)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_moment(value, fmt)
    # Dates in words, in the reader's locale: "27 novembre 2026", "27 november 2026", "27 November 2026".
    app.jinja_env.filters["date_long"] = lambda value: format_day(value, "long")
    app.jinja_env.filters["date"] = format_day

    @app.before_request
    def refuse_nul_bytes():
        # No database stores a NUL in text (PostgreSQL refuses it): refuse it at the door.
        for values in (request.args, request.form):
            if any("\x00" in value for value in values.values()):
                abort(400)

    @app.after_request
    def htmx_session_expiry(response: Response) -> Response:
        # An htmx request whose session expired must not swap the login page into a fragment.
        if htmx and response.status_code == 302 and "/auth/login" in response.location and not htmx.boosted:
            response.headers["HX-Redirect"] = response.location
            response.status_code = 204
        return response

    @app.context_processor
    def inject_request_path():
        return {"current_path": request.full_path.rstrip("?")}
