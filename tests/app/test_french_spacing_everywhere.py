"""French gets its non-breaking spaces in every text a person sees, not only in templates: flash
messages, error sentences from the registry, form labels and mail written from Python, through one
piece (the French catalogue is spaced when it is loaded). Names and what people type are left alone;
Dutch and English are untouched."""
from __future__ import annotations

from flask import flash, render_template_string
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import error_message
from app.i18n import fr_spacing
from shares import errors
from shares.forms import RefundForm

NBSP, NNBSP = "\u00a0", "\u202f"
NO_MAIL = "This member has no e-mail address: print a letter instead."  # French catalogue: a plain space


def test_python_gettext_and_lazy_strings_are_spaced_in_french(app):
    with app.test_request_context():
        with force_locale("fr"):
            assert _(NO_MAIL) == f"Ce sociétaire n'a pas d'adresse e-mail{NBSP}: imprimez plutôt une lettre."
            assert str(_l(NO_MAIL)) == _(NO_MAIL)
            # The values put in are left alone: what someone typed keeps its spaces as typed.
            assert _("Line %(line)s: “%(text)s” is not an amount.", line=2, text="Ah ! ok : oui") == (
                f"Ligne 2{NBSP}: «{NBSP}Ah ! ok : oui{NBSP}» n'est pas un montant.")
        with force_locale("en"):
            assert _(NO_MAIL) == NO_MAIL
        with force_locale("nl"):
            assert NBSP not in _(NO_MAIL) and NNBSP not in _(NO_MAIL)


def test_error_registry_and_form_labels_are_spaced_in_french(app):
    with app.test_request_context(), force_locale("fr"):
        message = error_message(errors.ReasonRequired())
        assert message and "  " not in message
        for text in (error_message(errors.RequestNotPayable()), str(RefundForm(meta={"csrf": False}).iban.label.text)):
            for sign in ":;!?":
                assert f" {sign}" not in text  # never a breakable space before a sign


def test_flash_messages_rendered_in_french_have_their_spaces(app):
    with app.test_request_context():
        with force_locale("fr"):
            flash(_(NO_MAIL))
            html = render_template_string("{% for m in get_flashed_messages() %}{{ m }}{% endfor %}")
        assert html == f"Ce sociétaire n&#39;a pas d&#39;adresse e-mail{NBSP}: imprimez plutôt une lettre."


def test_a_french_page_shows_python_texts_spaced(client, login_as):
    """A whole request in French: a form error written in Python (the statement import's details) and
    the page around it have no breakable space before : ; ! ?"""
    import io
    import re

    login_as("staff")
    with client.session_transaction() as session:
        session["language"] = "fr"
    page = client.post("/staff/payments/import", data={
        "statement": (io.BytesIO(b"<?xml version='1.0'?><Document><x/></Document>"), "s.xml")},
        content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    main = html.split("<main", 1)[-1].split("</main>")[0]
    text = re.sub(r"<[^>]+>", " ", main)
    assert f"Détails{NBSP}:" in text or "Détails" not in text
    assert not re.search(r"\w [:;!?](\s|$)", text), re.findall(r".{20}\w [:;!?]", text)


def test_spacing_is_idempotent():
    once = fr_spacing("Oui ; non : « peut-être » !", "fr")
    assert fr_spacing(once, "fr") == once == f"Oui{NNBSP}; non{NBSP}: «{NBSP}peut-être{NBSP}»{NNBSP}!"


def test_a_translated_label_and_its_value_are_joined_by_the_languages_colon(app):
    """``{{ _("Status") }}{{ colon() }}value``: French puts its no-break space before the colon."""
    template = '{{ _("Status") }}{{ colon() }}x'
    with app.test_request_context():
        with force_locale("fr"):
            assert render_template_string(template) == f"Statut{NBSP}: x"
        for language in ("en", "nl"):
            with force_locale(language):
                assert render_template_string(template).endswith(": x") and NBSP not in render_template_string(template)


def test_no_template_writes_its_own_colon_or_semicolon_after_a_translated_label():
    import re
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = subprocess.run(["git", "ls-files", "*.html", "*.txt"], cwd=root, capture_output=True, text=True,
                           check=True).stdout.split()  # pages, PDFs and mails
    # A colon or semicolon written right after an expression, a tag or an element (a label, a title,
    # an {% if %}, a link).
    found = [f"{name}: {line.strip()[:80]}" for name in files for line in (root / name).read_text().splitlines()
             if re.search(r"(\}\}|%\}|</[a-z]+>)[:;](\s|$)", line)]
    assert not found, 'use {{ colon() }} or {{ "; "|fr_spacing }} after a label:\n' + "\n".join(found)


def test_the_filter_spaces_a_constant_in_each_page_s_language(app):
    """Jinja folds a filter of a constant when it compiles the template: ``"; "|fr_spacing`` must
    still follow the language of each page, whichever came first."""
    with app.test_request_context():
        with force_locale("en"):  # compiled once, by the first page to show it, in English
            template = app.jinja_env.from_string('{{ "; "|fr_spacing }}')
        for language, expected in (("en", "; "), ("fr", f"{NNBSP}; "), ("en", "; ")):
            with force_locale(language):
                assert template.render() == expected
