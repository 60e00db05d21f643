"""A member of the cooperative has one name per language: "lid" (leden, lidnummer) in Dutch, never
"vennoot", which reads as a partner of a firm; "vennootschap" (the company) is another word."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
VENNOOT = re.compile(r"vennot|vennoot(?!schap)", re.IGNORECASE)


def test_dutch_calls_a_member_lid():
    with open(ROOT / "translations" / "nl" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    found = [s for m in catalog if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,))
             if VENNOOT.search(s)]
    assert found == []


def test_the_demo_s_dutch_texts_call_a_member_lid():
    """The demo's working groups speak as the app does. (The demo statutes keep the legal "vennoten",
    as their French keeps "associés": it is the statutes' own word.)"""
    text = (ROOT / "working_groups" / "demo.py").read_text(encoding="utf-8")
    assert not VENNOOT.search(text)
