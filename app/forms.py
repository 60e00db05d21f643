"""Form pieces every package uses."""
from __future__ import annotations

from wtforms.validators import InputRequired, StopValidation


class Written(InputRequired):
    """Required, and more than blanks: a title or a text of spaces only is refused beside its field,
    like an empty one, instead of reaching the service (which refuses it too, without the form)."""

    def __call__(self, form, field) -> None:
        super().__call__(form, field)
        if isinstance(field.data, str) and not field.data.strip():
            raise StopValidation(self.message)
