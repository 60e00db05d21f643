"""Form pieces every package uses."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask import abort, g, has_request_context, request
from flask_babel import format_number, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FileField, HiddenField, SelectMultipleField, fields, validators
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import InputRequired, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import DomainError, ReservedName, error_message
from app.web import NUL_TAKEN_OUT, format_day, format_moment, number, reserved_names, time_of_day


NOT_LISTED = _l("Choose among the options listed. If the page is old, reload it.")


class Form(FlaskForm):
    """Every form of the project (tests/test_repository.py sees that none derives from FlaskForm itself)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            """Flask-WTF fills a form from a JSON body too (``ImmutableMultiDict(request.get_json())``): a
            form only takes a JSON object of strings (or lists of strings); anything else is a 400, not a 500."""
            auto = type(formdata) is object  # Flask-WTF's "read the request" marker
            if auto and request.is_json and request.method in ("POST", "PUT", "PATCH", "DELETE"):
                data = request.get_json(silent=True)
                if not isinstance(data, dict) or not all(
                        isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
                        for v in data.values()):
                    abort(400)
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None):
        """A field whose posted value held a NUL character (taken out by ``app.web._take_nul_out``) is
        refused with ``NUL_TAKEN_OUT``, the rest of the typing given back."""
        valid = super().validate(extra_validators)
        marked = g.get("nul_fields") if has_request_context() else None
        if not marked:
            return valid
        for field in self:  # a list's or a subform's entries are named "<field>-<n>..."
            said = {key for key in marked if key == field.name or key.startswith(field.name + "-")}
            if said:
                field.errors = [NUL_TAKEN_OUT]
                g.nul_said |= said
                valid = False
        return valid


class _OptionalBox(CheckboxInput):
    """One box of a choice of several: the choice may be required, each box is not (WTForms would mark
    every box ``required``, which a browser and a screen reader read as "tick them all")."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("required", False)
        return super().__call__(field, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """A choice of several as a list of checkboxes (the ``checks`` macro draws it in a fieldset): a
    multiple-select list hides its options and needs Ctrl to pick more than one."""

    widget = ListWidget(prefix_label=False)
    option_widget = _OptionalBox()

    def __init__(self, *args, **kwargs):
        # WTForms would quote the refused values (an account's id): a person reads what to do instead.
        kwargs.setdefault("invalid_value_message", NOT_LISTED)
        kwargs.setdefault("invalid_choice_message", NOT_LISTED)
        super().__init__(*args, **kwargs)


# Characters a reader does not see: spaces and line breaks (Z*), controls and format characters (Cc, Cf:
# zero-width spaces and joiners, direction marks), marks with no letter to sit on (Mn, Me: combining
# accents, variation selectors), and the letters made to show nothing (fillers).
_UNSEEN_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"}
_FILLERS = {"\u034f", "\u115f", "\u1160", "\u3164", "\uffa0"}


def blank(text: str) -> bool:
    """Nothing a reader would see: a name, or a reason, of zero-width spaces or direction marks is none."""
    return all(c in _FILLERS or unicodedata.category(c) in _UNSEEN_CATEGORIES for c in text)


def one_line(text: str) -> str:
    """A name or a title as it is kept and compared: its spaces (every kind, a tab, a line break) one
    space each, none around it; "Jan   PEETERS" and " Jan Peeters " name one person."""
    return " ".join(text.split())


def differing(saved: Mapping[str, Any], typed: Mapping[str, Any], as_kept: Callable[[str, Any], Any]) -> list[str]:
    """The names in ``typed`` whose value, as it would be kept (``as_kept(name, value)``), is not the one
    ``saved`` holds: where a form's text differs from what stands, in ``typed``'s order."""
    return [name for name, value in typed.items() if as_kept(name, value) != saved[name]]


class Written(InputRequired):
    """Required, and more than blanks: a title or a text of spaces only (or of characters nobody sees,
    :func:`blank`) is refused beside its field, like an empty one, instead of reaching the service
    (which refuses it too, without the form)."""

    def __call__(self, form, field) -> None:
        super().__call__(form, field)
        if isinstance(field.data, str) and blank(field.data):
            raise StopValidation(self.message)


def say_refusal(form, exc: DomainError, field: str | None = None) -> None:
    """A service's refusal said on the form that asked, where the person corrects it: beside ``field``
    when it is about that field (and the form has one), else above the form (its error summary)."""
    message = error_message(exc)
    if field is not None and field in form:
        form[field].errors = [*form[field].errors, message]
    else:
        form.form_errors.append(message)


# Bidirectional controls: invisible, they make a name read otherwise than it is stored ("\u202eAnne" shows
# "ennA"), and other characters may hide behind them.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The joiners are format characters a name may need (Persian, the scripts of India); the other ones (a
# zero-width space, a soft hyphen, a word joiner) only make two names that look alike differ.
JOINERS = frozenset("\u200c\u200d")


def _as_typed(field) -> str:
    """What ``field`` was sent holding, as its reader typed or chose it: a choice by its words, a date in
    words, a number as their language writes it; nothing for what is no typing (a token, a file, a box
    ticked) or was not sent."""
    if isinstance(field, (HiddenField, BooleanField, FileField)) or field.type == "CSRFTokenField" \
            or not field.raw_data:
        return ""
    if isinstance(field, SelectFieldBase):
        return ", ".join(str(choice.label) for choice in field.iter_choices() if choice.selected)
    data = field.data
    if isinstance(data, datetime):
        return format_moment(data)
    if isinstance(data, date):
        return format_day(data, "long")
    if isinstance(data, time):
        return time_of_day(data)
    if isinstance(data, int) and not isinstance(data, bool):
        return number(data)
    if isinstance(data, str):
        return data.strip()
    return (field.raw_data[0] or "").strip()  # refused by its own rules (a date mistyped): as it was typed


def typed_back(form, only=None, labels=None) -> list[tuple[str, str]]:
    """What was typed in ``form`` that a refusal cannot keep in a form, because what it was for moved on
    meanwhile (minutes signed, approved, published or deleted by a colleague): (label, text) of each field
    sent holding something (texts, dates, choices, numbers, in words: ``_as_typed``), for the
    ``given_back`` macro of ``_macros.html``. ``only``: the names worth giving back (e.g. where the text
    differs from what stands), in the page's order; else every field, in the form's; ``labels``: a name's
    label when the field's own does not say which it is."""
    labels = labels or {}
    fields = [form[name] for name in only if name in form] if only is not None else list(form)
    typed = [(f, _as_typed(f)) for f in fields]
    return [(str(labels.get(f.name, f.label.text)), text) for f, text in typed if text]


def _refuse_hidden(text: str, said: dict[str, str]) -> None:
    """Refuse ``text`` if it hides what would make it read otherwise than it is kept, in ``said``'s words:
    "direction" (a direction control, ``BIDI_CONTROLS``), "invisible" (another format character but the
    joiners)."""
    if not BIDI_CONTROLS.isdisjoint(text):
        raise ValidationError(said["direction"])
    if any(unicodedata.category(c) == "Cf" and c not in JOINERS for c in text):
        raise ValidationError(said["invisible"])


_HIDDEN_IN_A_NAME = {
    "direction": _l("A name or an address cannot contain direction marks, invisible characters that change the "
                    "order in which it reads: type it again without them."),
    "invisible": _l("A name or an address cannot contain invisible characters (a zero-width space, a soft "
                    "hyphen): type it again without them.")}
_HIDDEN_IN_A_TITLE = {
    "direction": _l("A title or a name cannot contain direction marks, invisible characters that change the "
                    "order in which it reads: type it again without them."),
    "invisible": _l("A title or a name cannot contain invisible characters (a zero-width space, a soft hyphen): "
                    "type it again without them.")}


def NO_MARKUP(form, field) -> None:
    """A name or an address is printed on certificates, the legal register and letters: markup is no part of
    one, nor a direction control (``BIDI_CONTROLS``) or another invisible character, nor an emoji or another
    symbol the register's fonts cannot print (Unicode's "other symbol", control, private-use, surrogate and
    unassigned characters). Letters of every script, digits, punctuation and currency signs pass."""
    text = field.data or ""
    if "<" in text or ">" in text:
        raise ValidationError(_l("A name or an address cannot contain < or >."))
    _refuse_hidden(text, _HIDDEN_IN_A_NAME)
    if any(unicodedata.category(c) in ("So", "Cc", "Co", "Cs", "Cn") for c in text):
        raise ValidationError(_l("A name or an address is written with letters, digits and punctuation: no emoji "
                                 "or other symbol (the register and certificates could not print it)."))


def NO_HIDDEN(form, field) -> None:
    """A title (a document's, a recommendation's, an agenda item's, an assembly's, a call's) or a group's name
    reads as it is kept: the direction controls and invisible characters ``NO_MARKUP`` refuses in a name on
    the register are refused here too (markup and symbols do no harm there: such a title is shown as text)."""
    _refuse_hidden(field.data or "", _HIDDEN_IN_A_TITLE)


def NO_DIRECTION(form, field) -> None:
    """A text kept in a signed or published record (minutes and their corrections, a reason on the roll, an
    agenda item's text) reads as it is kept: no direction control (``BIDI_CONTROLS``). Other invisible
    characters a paste brings (a soft hyphen) change nothing there."""
    if not BIDI_CONTROLS.isdisjoint(field.data or ""):
        raise ValidationError(_l("A text cannot contain direction marks, invisible characters that change the "
                                 "order in which it reads: type it again without them."))


class FreeName:
    """A short name for a record of ``blueprint`` that no other page's address uses (``/groups/new``
    is the form that creates a group): said beside the field (the service refuses it too)."""

    def __init__(self, blueprint: str) -> None:
        self.blueprint = blueprint

    def __call__(self, form, field) -> None:
        if field.data and field.data in reserved_names(self.blueprint):
            raise ValidationError(error_message(ReservedName()))


class DayField(DateField):
    """A date typed as the browser's date picker sends it (``2026-11-28``), refused when no record of
    the cooperative can have it (year 1, year 9999: a slip of the keyboard), whatever the field's own
    rules say of it after."""

    EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)

    def pre_validate(self, form) -> None:
        if self.data is not None and not self.EARLIEST <= self.data <= self.LATEST:
            raise StopValidation(_l("Check the year: a date between 1900 and 2199 is expected."))


class IntegerField(fields.IntegerField):
    """wtforms' IntegerField, whose "2.5" or "abc" is refused in one sentence, the field's own (its
    NumberRange's message, "Enter a whole number from 1 to 100."), not wtforms' "Not a valid integer
    value." followed by it."""

    def process_formdata(self, valuelist) -> None:
        """Digits as people type them on a keyboard, with a minus sign: not "1_2", "+12" or "١٢", which
        Python's int() would read as 12."""
        if valuelist and valuelist[0] and not re.fullmatch(r"-?[0-9]+", valuelist[0].strip()):
            self.data = None
            raise ValueError("not written in digits")  # said in the field's words by pre_validate
        super().process_formdata(valuelist)

    def pre_validate(self, form) -> None:
        if self.process_errors and self.raw_data and self.raw_data[0]:  # nothing typed: the field's InputRequired
            del self.errors[:]
            said = next((v.message for v in self.validators if isinstance(v, validators.NumberRange) and v.message),
                        None)
            raise StopValidation(said or _l("Enter a whole number."))


class _NumbersAsWritten(str):
    """A validator's message whose numbers are filled in as the reader's language writes them
    ("20 000 caractères", "20,000 characters"), where wtforms fills "%(max)d" with 20000."""

    def __mod__(self, values):
        return re.sub(r"%\((\w+)\)d", r"%(\1)s", str(self)) % {
            name: format_number(value) if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
            else value for name, value in values.items()}


class _FieldForMessages:
    """The field as a wtforms validator sees it, its messages (wtforms' own, translated) filled by
    :class:`_NumbersAsWritten`."""

    def __init__(self, field) -> None:
        self._field = field

    def __getattr__(self, name):
        return getattr(self._field, name)

    def gettext(self, string):
        return _NumbersAsWritten(self._field.gettext(string))

    def ngettext(self, singular, plural, n):
        return _NumbersAsWritten(self._field.ngettext(singular, plural, n))


class _SaysNumbersAsWritten:
    """Mixed into a wtforms validator: the numbers in its message, its own or wtforms', are written as
    the reader's language writes them."""

    @property
    def message(self):
        return None if self._message is None else _NumbersAsWritten(self._message)

    @message.setter
    def message(self, value) -> None:
        self._message = value

    def __call__(self, form, field) -> None:
        super().__call__(form, _FieldForMessages(field))


class Length(_SaysNumbersAsWritten, validators.Length):
    """wtforms' Length, its limits written as the reader's language writes numbers."""


class NumberRange(_SaysNumbersAsWritten, validators.NumberRange):
    """wtforms' NumberRange, its bounds written as the reader's language writes numbers."""
