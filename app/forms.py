"""Form pieces every package uses."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import InputRequired, StopValidation, ValidationError

from app.errors import DomainError, ReservedName, error_message
from app.web import reserved_names


class Written(InputRequired):
    """Required, and more than blanks: a title or a text of spaces only is refused beside its field,
    like an empty one, instead of reaching the service (which refuses it too, without the form)."""

    def __call__(self, form, field) -> None:
        super().__call__(form, field)
        if isinstance(field.data, str) and not field.data.strip():
            raise StopValidation(self.message)


def say_refusal(form, exc: DomainError, field: str | None = None) -> None:
    """A service's refusal said on the form that asked, where the person corrects it: beside ``field``
    when it is about that field (and the form has one), else above the form (its error summary)."""
    message = error_message(exc)
    if field is not None and field in form:
        form[field].errors = [*form[field].errors, message]
    else:
        form.form_errors.append(message)


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
