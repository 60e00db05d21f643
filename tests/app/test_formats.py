"""Dates, amounts and French punctuation as people read them; mail attachments."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask import render_template_string
from flask_babel import force_locale

from app.extensions import db
from app.i18n import fr_spacing
from app.mail import Attachment, build_email, queue_mail
from app.web import euros, format_day


@pytest.mark.parametrize("language, long, short, money", [
    ("fr", "27 novembre 2026", "27/11/2026", "1\u202f234,50 €"),
    ("nl", "27 november 2026", "27-11-2026", "1.234,50 €"),
    ("en", "27 November 2026", "27/11/2026", "1,234.50 €"),
])
def test_dates_and_amounts_in_each_language(app, language, long, short, money):
    with app.test_request_context("/"), force_locale(language):
        assert format_day(date(2026, 11, 27)) == long
        assert format_day(date(2026, 11, 27), "short") == short
        assert euros(123450) == money
        assert render_template_string("{{ d|date_long }}", d=date(2026, 11, 27)) == long
        moment = render_template_string("{{ t|datetime('long') }}", t=datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
        assert moment == f"{long}, 10:00"  # Brussels time, the day in words, no seconds nor zone name
        summer = render_template_string("{{ t|datetime }}", t=datetime(2026, 7, 1, 9, 30))  # naive is UTC
        assert summer.endswith("11:30") and "2026" in summer


def test_a_filter_of_a_constant_speaks_each_reader_s_language(app):
    """A template compiled for a French reader and kept: a constant's amount, date or words are still said
    in the next reader's language (Jinja folded ``{{ 0|euros }}`` into the template as "0,00 €")."""
    with app.test_request_context("/"):
        with force_locale("fr"):
            template = app.jinja_env.from_string("{{ 123450|euros }} | {{ 0|number }} | {{ 'A; b'|fr_spacing }}")
            french = template.render()
        with force_locale("en"):
            english = template.render()
    assert french == "1\u202f234,50 € | 0 | A\u202f; b"
    assert english == "1,234.50 € | 0 | A; b"


@pytest.mark.parametrize("language, figures", [
    ("fr", ["69,6\u202f%", "50,0\u202f%", "7\u202f%", "1\u202f234,5\u202f%", "0,0\u202f%"]),
    ("nl", ["69,6%", "50,0%", "7%", "1.234,5%", "0,0%"]),
    ("en", ["69.6%", "50.0%", "7%", "1,234.5%", "0.0%"]),
])
def test_a_percentage_is_written_as_each_language_writes_it(app, language, figures):
    """One filter, its sign included: French's narrow no-break space before it, none in Dutch or English."""
    from voting.cli_i18n import Words

    with app.test_request_context("/"), force_locale(language):
        said = render_template_string("{{ 69.56|percent }} {{ 50|percent }} {{ 7|percent(0) }} "
                                      "{{ 1234.5|percent }} {{ 0.04|percent }}")
    assert said.split(" ") == figures
    # the scrutineers' command-line tools, without Babel, write it the same way
    words = Words(language)
    assert [words.percent(69.56), words.percent(50)] == figures[:2]


def test_french_spacing():
    assert fr_spacing("Statut : payé ; vraiment ? Oui !", "fr") == "Statut\xa0: payé\u202f; vraiment\u202f? Oui\u202f!"
    assert fr_spacing("Statut: ok", "fr") == "Statut\xa0: ok"
    assert fr_spacing("https://example.be/a?b=1 10:30", "fr") == "https://example.be/a?b=1 10:30"
    assert fr_spacing("Status: ok?", "en") == "Status: ok?"
    # a percent sign keeps its number; a placeholder is not a percent sign
    assert fr_spacing("69,9 % et (%(p)s %%) de %(name)s", "fr") == "69,9\u202f% et (%(p)s\u202f%%) de %(name)s"


def test_templates_get_french_spacing_only_in_french(app):
    with app.test_request_context("/"):
        with force_locale("fr"):
            assert render_template_string("{{ _('Structured communication: %(reference)s', reference='x : y') }}") \
                == "Communication structurée\xa0: x : y"  # the value is left as typed
        with force_locale("en"):
            assert render_template_string("{{ _('Structured communication: %(reference)s', reference='x') }}") \
                == "Structured communication: x"


def test_mail_attachments_are_stored_and_sent(app):
    with app.test_request_context("/"):
        message = queue_mail("a@example.be", "en", "login_link", account=None, link="http://x", minutes=10,
                             attachments=[Attachment("note.txt", "text/plain", content=b"hello")])
        db.session.flush()
        [part] = list(build_email(message, "coop@example.be").iter_attachments())
        assert part.get_filename() == "note.txt" and part.get_content() == "hello"
        with pytest.raises(ValueError):
            queue_mail("a@example.be", "en", "login_link", account=None, link="x", minutes=1,
                       attachments=[Attachment("bad.pdf")])
        db.session.rollback()
