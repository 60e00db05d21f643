"""Language choice: an explicit switch, then the account's preference, then the browser's."""
from __future__ import annotations

import functools

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup
from flask_login import current_user

from voting.typography import french_spacing, space_catalogue

# Each language in its own words, for choosing one (the switch, the profile's choice).
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
# Each language in the reader's words, for sentences and values ("written in English", "écrite en anglais").
LANGUAGE_WORDS = {"fr": _l("French"), "nl": _l("Dutch"), "en": _l("English")}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _current_language() -> str:
    """The language of the request or of ``force_locale`` ("" outside them)."""
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else ""


def fr_spacing(text: str, language: str | None = None) -> str:
    """``text`` with French spacing when the language (default: the current one) is French."""
    if text is None:
        return text
    if (_current_language() if language is None else language) != "fr":
        return text
    if not isinstance(text, str):  # a lazy string (a form label): its text in the current language
        text = str(text)
    result = french_spacing(text)
    if isinstance(text, Markup):
        return Markup(result)
    return type(text)(result) if type(text) is not str else result


@pass_context
def _fr_spacing_filter(context, text: str) -> str:
    """The templates' ``fr_spacing`` filter. Taking the context keeps Jinja from applying it to a
    constant (``"; "|fr_spacing``) once, when it compiles the template, in the language of whichever
    page came first."""
    return fr_spacing(text)


def messages(errors) -> str:
    """A field's or a form's error messages as one plain text, French-spaced: the page escapes it as any
    text. (Joined as they are, a lazy message would pass through unescaped: its ``__html__`` says safe.)"""
    return fr_spacing(" ".join(str(message) for message in errors))


def colon(end_of_line: bool = False) -> str:
    """What goes between a translated label and its value in a template (``{{ _("Status") }}{{ colon() }}``):
    French puts a no-break space before the colon, the other languages none. ``end_of_line``: no
    space after it (a label whose value starts on the next line, as in a mail's list)."""
    sign = "\u00a0:" if _current_language() == "fr" else ":"
    return sign if end_of_line else sign + " "


@functools.cache
def _spaced_domain_class():
    from flask_babel import Domain, get_locale

    class FrenchSpacedDomain(Domain):
        """The app's message domain: French translations come out with French spacing."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Asked at every message (a page asks a hundred times): one probe by locale instead of
            # flask_babel's context and cache look-ups (a template's ``_()`` took 17 µs, now 8).
            self._by_locale = {}

        def get_translations(self):
            locale = get_locale()
            if locale is None:  # outside a request or command context: flask_babel's null translations
                return super().get_translations()
            translations = self._by_locale.get(locale)
            if translations is None:
                translations = super().get_translations()
                if locale.language == "fr":
                    space_catalogue(translations)  # gettext, lazy labels, errors, flashes, mail, templates
                self._by_locale[locale] = translations
            return translations

    return FrenchSpacedDomain


def install_french_spacing(app) -> None:
    """One piece gives every French text a person sees its spacing: the French catalogue itself, once
    per process when it is loaded (``FrenchSpacedDomain``). So Python's ``gettext`` (flash messages,
    errors from the registry, lazy form labels, mail) and the templates' ``_()`` agree. The
    ``fr_spacing`` filter remains for text that comes from elsewhere (WTForms' own messages)."""
    from flask_babel import get_translations

    babel = app.extensions["babel"]
    current = babel.instance.__dict__.get("domain_instance")
    if not isinstance(current, _spaced_domain_class()) or current.domain != [babel.default_domain]:
        babel.instance.__dict__["domain_instance"] = _spaced_domain_class()(domain=babel.default_domain)

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["fr_spacing"] = _fr_spacing_filter
    app.jinja_env.filters["messages"] = messages
    app.jinja_env.globals["colon"] = colon
