"""Language choice: an explicit switch, then the account's preference, then the browser's."""
from __future__ import annotations

import functools
import re

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


# French elides "de" and "que" before a word that begins with a vowel: "le vote d'Élodie", "la part
# qu'Alice vous a distribuée". The translator writes "de %(name)s" as in any sentence, and the value
# decides when the message is filled in. An "h" elides too: the names a cooperative's members bear
# ("Hélène", "Hugo", "Hervé") mostly begin with a mute h, and "d'Hugo" is never wrong where
# "de Hélène" always is. An aspirated h keeps "de": the words a Belgian cooperative's groups and
# places begin with are listed ("le groupe de Huy", "de Hasselt", "de Haute-Senne"); a rarer one
# not listed is elided. A "y" is a vowel before a consonant ("d'Yves", "d'Ypres") and a consonant
# before a vowel ("de Yannick", "de Yasmine").
_VOWELS = "aeiouyàâäéèêëîïôöùûüœæ"
_ASPIRATED_H = frozenset((
    "hainaut", "hal", "halle", "hamme", "hamoir", "hamois", "hannut", "harelbeke", "hasselt", "haut", "haute",
    "hautes", "hauts", "havelange", "heers", "hensies", "herentals", "herstal", "herve", "heuvelland",
    "hollande", "hongrie", "honnelles", "hotton", "houffalize", "houthalen", "huy", "hall", "hangar", "hameau",
    "hasard", "héros", "hêtre", "hibou", "homard", "honte", "housse", "hutte"))
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_ELIDABLE = re.compile(r"(?<![\w'])([Dd]e|[Qq]ue) (?=%\((\w+)\)s)")


def elides_before(value) -> bool:
    """Whether French elides "de" or "que" before ``value`` (a name, a group's name): it begins with a
    vowel, accented or not, or an h that is not aspirated (``_ASPIRATED_H``), in either case; a y only
    before a consonant. A number, a sign or an empty value: no."""
    text = "" if value is None else str(value).lstrip().lower()
    if text[:1] == "y":
        return text[1:2].isalpha() and text[1] not in _VOWELS
    if text[:1] == "h":
        return _FIRST_WORD.match(text).group() not in _ASPIRATED_H
    return text[:1] != "" and text[0] in _VOWELS


def fill(template, variables, language: str | None = None):
    """``template % variables``, the way every translated message is filled in (Python's ``gettext``
    family and the templates' ``_()`` and ``{% trans %}``): in French, a "de" or "que" just before a
    placeholder whose value begins with a vowel becomes "d'" or "qu'". Only the translator's words are
    touched, never the value; a ``Markup`` template stays one (its values are escaped as usual)."""
    # "e %(" is in every elidable spot ("de", "que"): a quick test before the pattern, for the many
    # messages that have none
    if isinstance(variables, dict) and "e %(" in template and (
            (_current_language() if language is None else language) == "fr"):
        elided = _ELIDABLE.sub(
            lambda m: m.group(1)[:-1] + "'" if elides_before(variables.get(m.group(2))) else m.group(0), template)
        if elided != template:
            template = Markup(elided) if isinstance(template, Markup) else elided
    return template % variables


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

        # flask_babel fills a message with ``s % variables``; these fill it with ``fill`` (elision).
        def gettext(self, string, **variables):
            s = self.get_translations().ugettext(string)
            return fill(s, variables) if variables else s

        def ngettext(self, singular, plural, num, **variables):
            variables.setdefault("num", num)
            return fill(self.get_translations().ungettext(singular, plural, num), variables)

        def pgettext(self, context, string, **variables):
            s = self.get_translations().upgettext(context, string)
            return fill(s, variables) if variables else s

        def npgettext(self, context, singular, plural, num, **variables):
            variables.setdefault("num", num)
            return fill(self.get_translations().unpgettext(context, singular, plural, num), variables)

    return FrenchSpacedDomain


def _template_text(context, text):
    """As Jinja's newstyle gettext: a message in an autoescaped template is markup (its values get escaped)."""
    return Markup(text) if context.eval_ctx.autoescape else text


@pass_context
def _template_gettext(context, string, **variables):
    from flask_babel import get_translations

    return fill(_template_text(context, get_translations().ugettext(string)), variables)


@pass_context
def _template_ngettext(context, singular, plural, num, **variables):
    from flask_babel import get_translations

    variables.setdefault("num", num)
    return fill(_template_text(context, get_translations().ungettext(singular, plural, num)), variables)


@pass_context
def _template_pgettext(context, message_context, string, **variables):
    from flask_babel import get_translations

    variables.setdefault("context", message_context)
    return fill(_template_text(context, get_translations().upgettext(message_context, string)), variables)


@pass_context
def _template_npgettext(context, message_context, singular, plural, num, **variables):
    from flask_babel import get_translations

    variables.setdefault("context", message_context)
    variables.setdefault("num", num)
    return fill(_template_text(context, get_translations().unpgettext(message_context, singular, plural, num)),
                variables)


def install_french_spacing(app) -> None:
    """One piece gives every French text a person sees its spacing: the French catalogue itself, once
    per process when it is loaded (``FrenchSpacedDomain``). So Python's ``gettext`` (flash messages,
    errors from the registry, lazy form labels, mail) and the templates' ``_()`` agree. The
    ``fr_spacing`` filter remains for text that comes from elsewhere (WTForms' own messages). Both fill
    their messages with ``fill``, so French elides "de" before a name in either."""
    babel = app.extensions["babel"]
    current = babel.instance.__dict__.get("domain_instance")
    if not isinstance(current, _spaced_domain_class()) or current.domain != [babel.default_domain]:
        babel.instance.__dict__["domain_instance"] = _spaced_domain_class()(domain=babel.default_domain)

    # The templates' ``_()`` and ``{% trans %}`` (Jinja's newstyle gettext), filled by ``fill`` as Python's are
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(gettext=_template_gettext, ngettext=_template_ngettext,
                                 pgettext=_template_pgettext, npgettext=_template_npgettext)
    from app.web import reader_filter  # not computed at compile time: a constant ("; "|fr_spacing) too

    app.jinja_env.filters["fr_spacing"] = reader_filter(fr_spacing)
    app.jinja_env.filters["messages"] = reader_filter(messages)
    app.jinja_env.globals["colon"] = colon
