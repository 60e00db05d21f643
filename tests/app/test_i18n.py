"""French, Dutch and English are complete: every message in the code is translated, none fuzzy."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "nl", "en")


def _catalog(language: str):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "--ignore-dirs", ".* node_modules",
                    "-k", "_l", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_covers_every_message_in_the_code(extracted, language):
    catalog = _catalog(language)
    missing = [m.id for m in extracted if m.id and m.id not in catalog]
    assert missing == [], f"run `make translations-update` and translate: {missing[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_untranslated_or_fuzzy_entry(language):
    catalog = _catalog(language)
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert fuzzy == []
    assert untranslated == []


def test_each_catalogue_addresses_members_in_one_register():
    """A cooperative writes to its members formally: "u" in Dutch, "vous" in French, everywhere
    (a module written with "je" or "tu" reads as another voice)."""
    import re

    for language, informal in (("nl", r"\b(je|jij|jou|jouw)\b"), ("fr", r"\b(tu|toi|ton|ta|tes)\b")):
        found = [m.string for m in _catalog(language) if m.id and isinstance(m.string, str)
                 and re.search(informal, m.string, re.IGNORECASE)]
        assert found == [], f"{language}: {found[:5]}"


def test_french_is_written_with_straight_apostrophes():
    """The house writes "l'assemblée", never "l’assemblée": one apostrophe, which members type too."""
    found = [m.string for m in _catalog("fr") if m.id
             and any("\u2019" in text for text in (m.string if isinstance(m.string, tuple) else (m.string,)))]
    assert found == [], found[:5]


def test_pages_speak_the_chosen_language(client):
    for language, word in (("fr", "Se connecter"), ("nl", "Aanmelden"), ("en", "Sign in")):
        client.post("/language", data={"language": language, "next": "/auth/login"})
        page = client.get("/auth/login").text
        assert f'<html lang="{language}">' in page
        assert word in page


def test_browser_language_is_used_before_any_choice(client):
    page = client.get("/auth/login", headers={"Accept-Language": "nl-BE,nl;q=0.9"}).text
    assert '<html lang="nl">' in page


def test_unknown_language_is_refused(client):
    assert client.post("/language", data={"language": "de"}).status_code == 400


def test_headings_are_hyphenated_in_the_page_s_language():
    """A long compound word in a heading ("energiegemeenschapsinvesteringscommissie") breaks with a hyphen
    where its language allows (the browser's hyphenation, in the language of <html lang>, tested with the
    page's words in tests/working_groups/test_wg_views.py), and wraps rather than widen a phone's page where
    it cannot."""
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()
    said: dict[str, dict[str, str]] = {}  # every rule of a selector, merged
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        for selector in selectors.split(","):
            said.setdefault(selector.strip(), {}).update(
                {name.strip(): value.strip() for name, _, value in (d.partition(":") for d in body.split(";"))
                 if value.strip()})
    for selector in ("h1", "h2", "h3", "h4", "summary", "legend", ".lead"):
        declarations = said.get(selector, {})
        assert declarations.get("hyphens") == "auto" and declarations.get("-webkit-hyphens") == "auto", selector
        assert declarations.get("overflow-wrap") == "anywhere", selector
