"""Forms of the voting pages (CSRF comes with them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Optional

from app.forms import Form


class ActionForm(Form):
    """The officer's buttons: nothing but the CSRF token."""


class UploadForm(Form):
    file = FileField(_l("File from the scrutineer tool (JSON)"),
                     validators=[FileRequired(_l("Choose the file to upload."))])


class TrackerSearchForm(Form):
    q = StringField(_l("Tracker (at least its first 8 characters)"), validators=[Optional()])
