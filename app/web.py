"""Web helpers: htmx-aware rendering, safe redirects, template filters."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, make_response, render_template, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

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


def euros(cents: int | None) -> str:
    """Money is integer cents; shown in the reader's locale (``1 234,50 €`` in French)."""
    if cents is None:
        return ""
    return format_decimal(cents / 100, format="#,##0.00") + " €"


def register(app) -> None:
    from app.i18n import LANGUAGE_NAMES
    from app.registry import nav_links, task_count, tasks_for

    app.jinja_env.globals.update(current_locale=lambda: str(get_locale()), language_names=LANGUAGE_NAMES,
                                 nav_links=nav_links, tasks_for=tasks_for, task_count=task_count)
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    # Dates in words, in the reader's locale: "27 novembre 2026", "27 november 2026", "27 November 2026".
    app.jinja_env.filters["date_long"] = lambda value: format_date(value, "long") if value else ""

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
