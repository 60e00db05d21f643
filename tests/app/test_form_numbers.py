"""The numbers in a form's refusals are written as the reader's language writes them: "20 000
caractères", "20.000 karakters", "20,000 characters", in wtforms' own messages and in ours."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, StringField

from app.forms import Form, Length, NumberRange


class Sample(Form):
    class Meta:
        csrf = False

    text = StringField(validators=[Length(max=20_000)])
    short = StringField(validators=[Length(max=1_500, message=_l("Use at most %(max)d characters."))])
    amount = IntegerField(validators=[NumberRange(min=1, max=1_000_000)])


@pytest.mark.parametrize("language, separator", [("fr", "\u202f"), ("nl", "."), ("en", ",")])
def test_a_limit_is_written_as_the_reader_s_language_writes_numbers(app, language, separator):
    with app.test_request_context(headers={"Accept-Language": language}), force_locale(language):
        form = Sample(formdata=MultiDict({"text": "x" * 20_001, "short": "x" * 1_501, "amount": "2000000"}))
        assert not form.validate()
        assert f"20{separator}000" in form.errors["text"][0]  # wtforms' own message
        assert f"1{separator}500" in form.errors["short"][0]  # ours
        assert f"1{separator}000{separator}000" in form.errors["amount"][0]


def test_a_value_within_the_limits_passes(app):
    with app.test_request_context():
        assert Sample(formdata=MultiDict({"text": "x" * 20_000, "short": "ok", "amount": "5"})).validate()
