"""Web helpers: htmx-aware rendering, safe redirects, template filters."""
from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Callable
from urllib.parse import urlsplit

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import (Response, abort, current_app, g, has_request_context, make_response, render_template, request,
                   session)
from flask.json.provider import DefaultJSONProvider
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from werkzeug.routing import IntegerConverter

from app.clock import BRUSSELS, brussels_day
from app.config import Config
from app import uploads
from app.errors import ReservedName
from app.i18n import fr_spacing
from app.extensions import htmx
from app.logs import ScrubSecretsFilter

# PostgreSQL's ``integer``: an id beyond it in a URL is a 404, not a database error.
MAX_URL_INT = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in every route: at most nine digits, so no id from a URL can overflow a column.
    The limit is in the pattern itself: a value refused after matching would answer 405 to a POST."""

    regex = r"\d{1,9}"

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_URL_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def allow_upload(max_bytes: int, file_bytes: int | None = None) -> Callable:
    """Let one route receive a body larger than ``MAX_CONTENT_LENGTH`` (an upload), up to ``max_bytes``;
    ``file_bytes``: the largest file it takes, which its 413 page says (else ``max_bytes``).

    Put it under ``@bp.route(...)``; the limit is set before anything reads the body. (The config key
    ``UPLOAD_LIMITS`` does the same by endpoint name, for the operator.)"""
    def decorator(view):
        view.max_content_length = max_bytes
        view.max_file_bytes = file_bytes or max_bytes
        return view
    return decorator


def whole_number(raw: str | None, *, limit: int = MAX_URL_INT) -> int | None:
    """``raw`` (from an address or a form) as a whole number from 0 to ``limit``, else None. Only ASCII
    digits, ten at most: ``str.isdigit`` is true for "²" or "٣", which ``int`` refuses or reads as another digit."""
    raw = (raw or "").strip()
    if not re.fullmatch(r"[0-9]{1,10}", raw):
        return None
    number = int(raw)
    return number if number <= limit else None


def query_int(name: str, default: int | None = None, *, low: int = 0, high: int = MAX_URL_INT) -> int | None:
    """An integer from the query string: absent gives ``default``; not a number or out of range is a 400."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    number = whole_number(raw, limit=high)
    if number is None or number < low:
        abort(400)
    return number


def reserved_names(blueprint: str) -> frozenset[str]:
    """The short names a record of ``blueprint`` cannot take: wherever its pages put the slug
    (``/groups/<slug>``, ``/candidates/manage/<slug>``), the fixed words another route has at that
    place (``/groups/new``, ``/candidates/manage/new``, ``/candidates/me/``)."""
    rules = list(current_app.url_map.iter_rules())
    places = {r.rule.split("<slug>")[0] for r in rules if r.endpoint.startswith(f"{blueprint}.") and "<slug>" in r.rule}
    return frozenset(segment for r in rules for place in places if r.rule.startswith(place)
                     for segment in [r.rule[len(place):].split("/")[0]] if segment and "<" not in segment)


def check_free_name(blueprint: str, slug: str) -> None:
    if slug in reserved_names(blueprint):
        raise ReservedName()


def client_address() -> str:
    """The rate-limit key for a visitor: the address the declared proxy saw (ProxyFix has set it).

    An IPv6 client owns a whole /64, so it counts as one. Behind a declared proxy that did not send
    X-Forwarded-For, every visitor would share the proxy's address: each request then gets a bucket
    of its own (per-account limits, kept in the database, still hold)."""
    if current_app.config.get("PROXY_COUNT") and not request.headers.get("X-Forwarded-For"):
        if not _warned:
            _warned.append(True)
            current_app.logger.warning("a request came without X-Forwarded-For although PROXY_COUNT is set: "
                                       "check the proxy configuration (docs/deploy.md)")
        return f"no-forwarded-for-{secrets.token_hex(8)}"
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


_warned: list[bool] = []


# Deeper JSON than any document of the app; anything deeper is refused before it is walked.
MAX_JSON_DEPTH = 64


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def json_depth(value) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                return depth
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class StrictJSONProvider(DefaultJSONProvider):
    """``request.get_json()`` everywhere: NaN and Infinity, nesting deeper than MAX_JSON_DEPTH, and
    numbers too long to convert are a ValueError, which Flask answers with 400 (or ``None`` when
    ``silent=True``), never a RecursionError and a 500."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return value


NUL_TAKEN_OUT = _l("This text held an invisible character that cannot be kept (a paste sometimes brings one): it "
                   "was taken out. Check the text, then send it again.")


def _take_nul_out() -> None:
    """No database keeps a NUL character (PostgreSQL refuses it). One in a posted value (a paste) is taken
    out before anything reads the form, and the field's name kept in ``g.nul_fields``: the form that
    reads it refuses that field with ``NUL_TAKEN_OUT`` and gives the rest of the typing back
    (``app.forms.Form.validate``); a commit after a field no form spoke of had one is refused
    (``app.uow.unit_of_work``), so nothing is kept but as it was typed. A name holding one, a query's
    value or a file's name is refused at the door (``refuse_nul_bytes``)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    pairs = list(request.form.items(multi=True))
    marked = {key for key, value in pairs if "\x00" in value}
    if marked:
        from werkzeug.datastructures import ImmutableMultiDict

        request.form = ImmutableMultiDict([(key, value.replace("\x00", "")) for key, value in pairs])
        g.nul_fields, g.nul_said = marked, set()


def unsaid_nul() -> bool:
    """A posted value held a NUL character (taken out) that no form refused: what the request would keep
    is not what was typed (app.uow refuses its commit)."""
    return has_request_context() and bool(g.get("nul_fields", set()) - g.get("nul_said", set()))


def harden(app) -> None:
    """Steps that must come before any extension reads the request (CSRF parses the form)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = StrictJSONProvider(app)
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubSecretsFilter) for f in logger.filters):
            logger.addFilter(ScrubSecretsFilter())

    def guard_request():
        if "\x00" in request.path or "%00" in request.query_string.decode("latin-1"):
            abort(400)
        view = app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "max_content_length", None) or app.config["UPLOAD_LIMITS"].get(request.endpoint)
        if limit is not None:
            request.max_content_length = limit
        _take_nul_out()

    # First of all before_request hooks: CSRF protection reads the body in its own hook.
    app.before_request_funcs.setdefault(None, []).insert(0, guard_request)


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
    """Only same-site relative paths are followed after sign-in or a language switch; nothing with a
    control character (a line break would not fit in the Location header) or a backslash (which
    browsers read as a slash)."""
    if not target or not target.isprintable() or "\\" in target:
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
    """A date for people: ``27 novembre 2026`` (long), ``27 nov. 2026`` (medium), ``27/11/2026`` (short).
    An instant is shown as its day in Brussels."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = brussels_day(value)
    return _format_day(value, style, str(reader_locale()))


@lru_cache(maxsize=16384)
def _format_day(value, style: str, locale: str) -> str:
    # Babel takes ~0.1 ms a date; a register page shows hundreds of the same few thousand days.
    return _first_of_month(babel_dates.format_date(value, style, locale=locale), value, style, locale)


def _first_of_month(text: str, value, style: str, locale: str) -> str:
    """French writes the first of a month as an ordinal, "1er décembre" (CLDR gives "1 décembre")."""
    if value.day == 1 and style != "short" and locale.startswith("fr"):
        return re.sub(r"(^|\s)1(?= )", r"\g<1>1er", text, count=1)
    return text


def format_moment(value, style: str = "medium") -> str:
    """An instant for people, in Brussels time, in the reader's locale: the day in the given style
    and the hour ("28 octobre 2026, 14:00"). Babel's own medium and long forms add seconds and a
    zone name ("14:00:00 UTC+1") nobody needs for a meeting or a payment in Brussels."""
    if not value:
        return ""
    locale = reader_locale()
    local = _in_brussels(value)
    day = _first_of_month(babel_dates.format_date(local.date(), style, locale=locale), local, style, str(locale))
    hour = babel_dates.format_time(local, "short", locale=locale)
    pattern = babel_dates.get_datetime_format(style, locale=locale)  # e.g. "{1}, {0}": the day, then the hour
    return pattern.replace("'", "").replace("{0}", hour).replace("{1}", day)


def time_of_day(value) -> str:
    """A time of day in the reader's locale ("14:00"): a wall-clock time as it is, an instant in
    Brussels time (a naive one is UTC, as the database keeps them)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _in_brussels(value)
    return babel_dates.format_time(value, "short", locale=reader_locale())


def _in_brussels(value: datetime) -> datetime:
    """An instant in Brussels time; a naive one is UTC, as the database keeps them."""
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(BRUSSELS)


def euros(cents: int | None) -> str:
    """Money is integer cents; shown in the reader's locale (``1 234,50 €`` in French)."""
    if cents is None:
        return ""
    return _euros(cents, str(get_locale() or "fr"))


@lru_cache(maxsize=16384)
def _euros(cents: int, locale: str) -> str:
    return babel_numbers.format_decimal(cents / 100, format="#,##0.00", locale=locale) + " €"


def money(cents: int | None, currency: str | None = "EUR") -> str:
    """An amount in its own currency, in the reader's locale: euros as ``euros`` shows them, any other
    currency with its own sign or code (``30,00 $US`` in French), never a euro sign on dollars."""
    if currency in (None, "", "EUR"):
        return euros(cents)
    if cents is None:
        return ""
    return babel_numbers.format_currency(cents / 100, currency, locale=str(get_locale() or "fr"))


def percent(value: float, digits: int = 1) -> str:
    """A percentage with its sign, ``value`` given in percent (69.6), with ``digits`` decimals, as the reader's
    locale writes it: ``69,6 %`` in French (a narrow no-break space, French typography's), ``69,6%`` in Dutch,
    ``69.6%`` in English. Every percentage a page, a PDF or a mail shows goes through it."""
    locale = str(get_locale() or "fr")
    return fr_spacing(_percent(Decimal(str(value)), digits, locale), locale[:2])


@lru_cache(maxsize=4096)
def _percent(value: Decimal, digits: int, locale: str) -> str:
    pattern = Locale.parse(locale).percent_formats[None].pattern  # "#,##0 %", "#,##0%": where the sign goes
    if digits:
        pattern = re.sub(r"0(?!.*0)", "0." + "0" * digits, pattern, count=1)
    return babel_numbers.format_percent(value / 100, format=pattern, locale=locale)


def number(value: float) -> str:
    """A count or a round amount in the reader's locale (``1.620`` in Dutch, ``1\u202f620`` in French,
    ``1,620`` in English), as the euros and percentages beside it; below one, two decimals (``0,25``)."""
    pattern = "#,##0" if abs(value) >= 1 or value == 0 else "#,##0.00"
    return babel_numbers.format_decimal(value, format=pattern, locale=str(get_locale() or "fr"))


NO_STORE_TYPES = {"application/pdf", "text/csv", "application/zip", "application/vnd.ms-excel",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def poll_every(part: str) -> str:
    """The htmx trigger of a live part of a page: ``every 10s`` (``POLL_SECONDS``; a part the setting
    leaves out keeps its default)."""
    return f"every {current_app.config['POLL_SECONDS'].get(part, Config.POLL_SECONDS[part])}s"


def reader_filter(fn):
    """``fn`` as a template filter whose words depend on the reader (their language): never computed when
    the template is compiled. Jinja computes a filter of a constant once, at compile time, in the language
    of the request that compiled it, and keeps the result: ``{{ 0|euros }}`` stayed "0,00 €" for English
    readers once a French page had compiled it. A filter that takes the context is never folded."""
    @pass_context
    def for_the_reader(_context, *args, **kwargs):
        return fn(*args, **kwargs)
    return for_the_reader


def register(app) -> None:
    from app.i18n import LANGUAGE_NAMES, LANGUAGE_WORDS, install_french_spacing
    from app.registry import nav_links, task_count

    # No ``tasks_for`` here: the task providers run in the two views that show tasks (core.home, core.task_badge).
    app.jinja_env.globals.update(current_locale=lambda: str(get_locale()), language_names=LANGUAGE_NAMES,
                                 language_words=LANGUAGE_WORDS,
                                 nav_links=nav_links, task_count=task_count, poll_every=poll_every,
                                 size_check=uploads.size_check, upload_megabytes=uploads.MAX_MEGABYTES)
    from app.audit import action_label, change_lines, object_label
    app.jinja_env.filters.update({name: reader_filter(fn) for name, fn in {
        "euros": euros, "money": money, "percent": percent, "number": number, "time_of_day": time_of_day,
        "audit_action": action_label, "audit_object": object_label, "audit_change": change_lines,
        "datetime": lambda value, fmt="medium": format_moment(value, fmt),
        # Dates in words, in the reader's locale: "27 novembre 2026", "27 november 2026", "27 November 2026".
        "date_long": lambda value: format_day(value, "long"), "date": format_day}.items()})
    install_french_spacing(app)

    @app.before_request
    def refuse_nul_bytes():
        # No database stores a NUL in text (PostgreSQL refuses it): refuse it at the door, but in a posted
        # value, taken out first for the form to say (_take_nul_out).
        for values in (request.args, request.form):
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    abort(400)
        for upload in request.files.values():
            if "\x00" in (upload.filename or ""):
                abort(400)

    @app.after_request
    def no_store_for_personal_answers(response: Response) -> Response:
        # Personal and staff pages, PDFs and exports must not stay in a shared or browser cache.
        # Signed in: the session names an account (Flask-Login's key). Not current_user, whose
        # account the request's commit has expired: asking it would load the account again.
        personal = request.endpoint != "static" and "_user_id" in session
        if personal or response.mimetype in NO_STORE_TYPES or response.headers.get("Content-Disposition"):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        response.vary.add("Cookie")
        return response

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
