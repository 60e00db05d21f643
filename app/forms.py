"""Form pieces every package uses."""
from __future__ import annotations

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
