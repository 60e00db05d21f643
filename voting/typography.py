"""French typography, for any text: a narrow no-break space before ; ! ? and a percent sign, and a
no-break space before : (and inside « »), so that the sign never starts a line.

Flask-free, so that one rule serves the web app (app.i18n applies it to the French catalogue and
to text from elsewhere) and the command-line tools (voting.cli_i18n, the verifier's zip included)."""
from __future__ import annotations

import re

_SPACE = re.compile(r"[ \u00a0\u202f]?([;!?])(?=\s|$|<|\")")
_COLON = re.compile(r"(?<=\S)[ \u00a0]?:(?=\s|$|<)")
# A space before a percent sign that is not a placeholder (``%(name)s``, ``%s``); ``%%`` is a
# catalogue's own percent sign, before formatting.
_PERCENT = re.compile(r"(?<=\S)[ \u00a0](?=%(?:%|(?![(\w])))")
_GUILLEMETS = (re.compile(r"«[ \u00a0]?"), re.compile(r"[ \u00a0]?»"))


def french_spacing(text: str) -> str:
    """``text`` with French spacing (applying it twice changes nothing)."""
    text = _SPACE.sub("\u202f\\1", text)
    text = _COLON.sub("\u00a0:", text)
    text = _PERCENT.sub("\u202f", text)
    text = _GUILLEMETS[0].sub("«\u00a0", text)
    return _GUILLEMETS[1].sub("\u00a0»", text)


def space_catalogue(translations) -> None:
    """Give a French gettext catalogue its spacing once, in place: every message read from it
    afterwards has it, while the values put into a message later (names, what people typed) are
    left alone."""
    if getattr(translations, "_fr_spaced", False):
        return
    catalogue = getattr(translations, "_catalog", None)
    if catalogue is not None:
        for key, value in list(catalogue.items()):
            if key != "" and isinstance(value, str):  # "" is the catalogue's header, not a message
                catalogue[key] = french_spacing(value)
    translations._fr_spaced = True
