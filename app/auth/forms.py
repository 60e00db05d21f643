from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Optional, Regexp

from app.forms import Form, Length


# Longer than any real password, short enough that hashing it costs nothing special.
PASSWORD_MAX = 256
_password_max = Length(max=PASSWORD_MAX, message=_l("Use at most %(max)d characters."))


def _stripped(value):
    """A phone's keyboard adds a space after a word it completes: an address is read without it."""
    return value.strip() if isinstance(value, str) else value


def email_field(required: str = _l("Enter your e-mail address.")) -> EmailField:
    """An e-mail address, checked the same way wherever one is typed (sign-in, joining, staff's
    contact form): the browser's check can be bypassed, this one cannot."""
    return EmailField(_l("E-mail address"), filters=[_stripped], validators=[
        DataRequired(required), Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
        Email(_l("Enter a valid e-mail address, like name@example.be."))])


class LoginForm(Form):
    email = email_field()
    password = PasswordField(_l("Password (only if you have set one)"), validators=[Optional(), _password_max])


class PasswordStepForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), _password_max])


class SetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=12, message=_l("Use at least 12 characters.")), _password_max])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        EqualTo("password", _l("The two passwords are not the same."))])


class ChangePasswordForm(SetPasswordForm):
    """Changing a password: the current one first (when the account has one)."""
    current = PasswordField(_l("Current password"), validators=[Optional(), _password_max])


class CodeForm(Form):
    code = StringField(_l("6-digit code from your authenticator app"), validators=[
        DataRequired(_l("Enter the code.")),
        Regexp(r"^\s*[0-9]{3}\s?[0-9]{3}\s*$", message=_l("The code has 6 digits."))])


class ConfirmForm(Form):
    """A form with only its CSRF token, for actions confirmed by one button."""
