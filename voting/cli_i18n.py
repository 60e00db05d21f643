"""The language of the voting command-line tools (``python -m voting.verify``, ``python -m voting.trustee``,
``python -m voting.credentials``).

Flask-free: the verifier runs from a single zip file with nothing installed but its two crypto
packages. The language is ``--lang fr|nl|en``, else the environment as gettext reads it
(LANGUAGE, LC_ALL, LC_MESSAGES, LANG: the first one set, e.g. ``LANG=nl_BE.UTF-8``), else English;
a language we do not speak falls back to English.

The words come from the project's catalogues (translations/<lang>/LC_MESSAGES/messages.mo,
compiled by ``make translations``), read with the standard library's :mod:`gettext`. Inside the
zip built by voting/verifier_file.py they are ``voting/locale/<lang>/LC_MESSAGES/messages.mo``,
read through :mod:`importlib.resources` (a file inside a zip has no path of its own).
Strings are marked ``words._("...")`` (or ``N_("...")`` where only named), which
``make translations-update`` extracts.
"""
from __future__ import annotations

import contextlib
import gettext
import io
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from voting.reasons import N_, sentence
from voting.typography import space_catalogue

LANGUAGES = ("fr", "nl", "en")
DEFAULT = "en"
ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
MO_PARTS = ("LC_MESSAGES", "messages.mo")
__all__ = ["ENGLISH", "LANGUAGES", "N_", "Words", "choose_language", "parse_in_language", "pre_parse_lang",
           "words_for"]


def _base(tag: str) -> str:
    """``nl_BE.UTF-8`` -> ``nl``; ``fr-BE`` -> ``fr``."""
    return tag.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()


def language_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The first language gettext would look for that we speak, or None.

    As :func:`gettext.find`: the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set decides;
    LANGUAGE may list several (``de:nl``); ``C``/``POSIX`` ends the list."""
    environ = os.environ if environ is None else environ
    for var in ENV_VARS:
        value = environ.get(var)
        if value:
            for tag in value.split(":"):
                base = _base(tag)
                if base in ("c", "posix"):
                    return None
                if base in LANGUAGES:
                    return base
            return None
    return None


def choose_language(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``--lang`` first (when it names a language we speak), then the environment, then English."""
    if option:
        return _base(option) if _base(option) in LANGUAGES else DEFAULT
    return language_from_env(environ) or DEFAULT


def _catalogue_bytes(language: str) -> bytes | None:
    # Inside the zipapp (or any copy that carries its catalogues next to the code).
    try:
        packaged = resources.files("voting").joinpath("locale", language, *MO_PARTS)
        if packaged.is_file():
            return packaged.read_bytes()
    except (OSError, ModuleNotFoundError):
        pass
    # The source tree (installed editable, as `make install` does).
    tree = Path(__file__).resolve().parents[1] / "translations" / language / Path(*MO_PARTS)
    try:
        return tree.read_bytes()
    except OSError:
        return None


def load_translations(language: str) -> gettext.NullTranslations | None:
    data = _catalogue_bytes(language)
    if data is None:
        return None
    translations = gettext.GNUTranslations(io.BytesIO(data))
    if language == "fr":  # French spacing, as the web app gives its French catalogue
        space_catalogue(translations)
    return translations


@dataclass
class Words:
    """The chosen language and its catalogue: ``words._("checked %(what)s", what=...)``."""

    language: str = DEFAULT
    translations: gettext.NullTranslations = field(default_factory=gettext.NullTranslations)
    missing_catalogue: bool = False

    def _(self, message: str, **params: Any) -> str:
        text = self.translations.gettext(message)
        return text % params if params else text

    def decimal(self, value: float, digits: int = 1) -> str:
        text = f"{value:.{digits}f}"
        return text.replace(".", ",") if self.language in ("fr", "nl") else text

    def percent(self, value: float, digits: int = 1) -> str:
        """``value`` percent with its sign, as the web app's ``percent`` filter writes it (app.web, with Babel,
        which these tools do without): ``69,6 %`` in French (a narrow no-break space), ``69,6%`` in Dutch,
        ``69.6%`` in English."""
        return self.decimal(value, digits) + ("\u202f%" if self.language == "fr" else "%")

    def reason(self, code: str) -> str:
        """The plain sentence for a refusal code (voting.reasons), in this language."""
        return self._(sentence(code))

    def detail(self, code: str, technical: str) -> str:
        """The line under a refusal: the technical detail (English), labelled with its code."""
        return self._("technical detail (%(code)s): %(detail)s", code=code, detail=technical)


ENGLISH = Words()


def words_for(option: str | None = None, environ: Mapping[str, str] | None = None) -> Words:
    language = choose_language(option, environ)
    if language == DEFAULT:
        # English is the catalogues' source language: the messages in the code are the English words.
        return Words(DEFAULT, gettext.NullTranslations())
    translations = load_translations(language)
    if translations is None:
        return Words(DEFAULT, gettext.NullTranslations(), missing_catalogue=True)
    return Words(language, translations)


# argparse's own words (usage, the help option, its error messages), as Python 3.11 to 3.13 spell them:
# listed so that `make translations-update` extracts them; :func:`argparse_speaks` lends argparse our catalogue.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


@contextlib.contextmanager
def argparse_speaks(words: Words) -> Iterator[None]:
    """While the parser is built and parses (usage, --help, a wrong argument), argparse says its own
    words in ``words``' language: it looks its ``_`` up in its module at each use."""
    import argparse

    saved = argparse._  # type: ignore[attr-defined]
    argparse._ = words.translations.gettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = saved  # type: ignore[attr-defined]


def add_lang_option(parser: Any, words: Words) -> None:
    parser.add_argument("--lang", metavar="fr|nl|en",
                        help=words._("language of the messages (default: from LANG, else English)"))


def parse_in_language(build_parser: Callable[[Words], Any], argv: Sequence[str] | None) -> Any:
    """A tool's arguments, parsed in the user's language: the parser ``build_parser(words)`` builds
    gets the ``--lang`` option and speaks the language (help, argparse's own errors), and the
    result carries it as ``args.words``."""
    import sys

    words = words_for(pre_parse_lang(argv if argv is not None else sys.argv[1:]))
    with argparse_speaks(words):
        parser = build_parser(words)
        add_lang_option(parser, words)
        args = parser.parse_args(argv)
    args.words = words
    if words.missing_catalogue:
        print("note: the messages of this language are not compiled (make translations): English is used",
              file=sys.stderr)
    return args


def pre_parse_lang(argv: Any) -> str | None:
    """``--lang X`` / ``--lang=X`` read before the real parser is built (its help texts are translated);
    a missing value is left to the real parser to report, in English."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None
