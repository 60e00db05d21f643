"""French elides "de" and "que" before a name that begins with a vowel or an h: "la procuration
d'Élodie", never "de Élodie". One rule (``app.i18n.fill``) fills every translated message."""
from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext
from markupsafe import Markup

from app.i18n import elides_before, fill


@pytest.mark.parametrize("name, elided", [
    ("Élodie", True), ("Alice", True), ("Émile", True), ("Hugo", True), ("hélène", True), ("alice", True),
    ("  Ines", True), ("Œdipe", True), ("Yves", True), ("yvonne", True), ("Ypres", True),
    ("Yannick", False), ("Yasmine", False), ("Yolande", False), ("Y", False), ("Y.", False), ("Bruno", False), ("Zoé", False), ("", False), ("  ", False), (None, False), ("8 mars", False),
    ("+++090/9337/55493+++", False), (12, False),
    # An aspirated h keeps "de": a place or a group named after one, in any case, whatever follows.
    ("Huy", False), ("HASSELT", False), ("Haute-Senne", False), ("hainaut occidental", False), ("Halle-Vilvoorde", False),
    ("Hélène", True), ("Henri", True), ("Hervé", True), ("H", True),
])
def test_the_rule_elides_before_a_vowel_an_h_or_a_y_that_sounds_as_a_vowel(name, elided):
    assert elides_before(name) is elided


@pytest.mark.parametrize("name, expected", [
    ("Élodie", "la procuration d'Élodie"), ("Alice", "la procuration d'Alice"), ("hugo", "la procuration d'hugo"),
    ("Bruno", "la procuration de Bruno"), ("", "la procuration de "), ("Huy", "la procuration de Huy"),
])
def test_fill_elides_de_in_french(name, expected):
    assert fill("la procuration de %(name)s", {"name": name}, language="fr") == expected


def test_fill_elides_que_and_a_capital_and_leaves_other_words():
    assert fill("La part que %(who)s vous a distribuée", {"who": "Ahmed"}, "fr") == "La part qu'Ahmed vous a distribuée"
    assert fill("De %(name)s : %(t)s", {"name": "Émile", "t": "oui"}, "fr") == "D'Émile : oui"
    # "le", a word ending in "de" and a number placeholder are left as they are
    assert fill("le %(date)s, monde %(x)s, de %(n)d", {"date": "8 mars", "x": "Anvers", "n": 8}, "fr") == (
        "le 8 mars, monde Anvers, de 8")
    # the value is never touched; only the translator's "de" before it
    assert fill("Rôle de %(name)s", {"name": "de Alice"}, "fr") == "Rôle de de Alice"


def test_fill_is_plain_formatting_in_other_languages():
    assert fill("Role de %(name)s", {"name": "Alice"}, "nl") == "Role de Alice"
    assert fill("Photo of %(name)s", {"name": "Alice"}, "en") == "Photo of Alice"


def test_fill_keeps_markup_and_escapes_the_value():
    filled = fill(Markup("<b>Rôle de %(name)s</b>"), {"name": "Ève <script>"}, "fr")
    assert isinstance(filled, Markup)
    assert filled == Markup("<b>Rôle d'Ève &lt;script&gt;</b>")


@pytest.mark.no_db
def test_every_way_of_translating_fills_with_the_rule(app):
    with app.test_request_context(), force_locale("fr"):
        assert gettext("Photo of %(name)s", name="Émile") == "Photo d'Émile"
        assert gettext("Photo of %(name)s", name="Bruno") == "Photo de Bruno"
        assert str(lazy_gettext("Role of %(name)s", name="Alice")) == "Rôle d'Alice"
        page = render_template_string('{{ _("Photo of %(name)s", name=n) }}|'
                                      '{% trans name=n %}Role of {{ name }}{% endtrans %}', n="Hélène")
        assert page == "Photo d'Hélène|Rôle d'Hélène"
    with app.test_request_context(), force_locale("en"):
        assert gettext("Photo of %(name)s", name="Émile") == "Photo of Émile"


def test_the_member_contact_page_says_d_elodie(client, login_as, make_member):
    member = make_member(first_name="Élodie", last_name="Aubry")
    login_as("staff")
    client.post("/language", data={"language": "fr", "next": "/"})
    page = client.get(f"/staff/members/{member.id}/contact").get_data(as_text=True)
    assert "Coordonnées d'Élodie Aubry" in page
    assert "de Élodie" not in page
