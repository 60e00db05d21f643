"""Member forms. Identity numbers and IBANs are checked with python-stdnum and stored compact."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from stdnum import iban as std_iban
from stdnum.be import nn as std_nn
from stdnum.be import vat as std_be_vat
from stdnum.exceptions import ValidationError as StdnumError
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.i18n import LANGUAGE_NAMES

COUNTRIES = [("BE", "België / Belgique"), ("FR", "France"), ("NL", "Nederland"), ("LU", "Luxembourg"),
             ("DE", "Deutschland")]


def _stdnum_field(module, message):
    """A validator that checks with python-stdnum and replaces the data with its compact form."""
    def check(form, field):
        if not field.data:
            field.data = None
            return
        try:
            field.data = module.validate(field.data)
        except StdnumError:
            raise ValidationError(message) from None
    return check


class ProfileForm(FlaskForm):
    version = HiddenField()
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    legal_name = StringField(_l("Name of the company or association"), validators=[Optional(), Length(max=200)])
    street = StringField(_l("Street and number"), validators=[DataRequired(_l("Enter your street and number.")),
                                                               Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(_l("Enter your postcode.")), Length(max=12)])
    city = StringField(_l("City"), validators=[DataRequired(_l("Enter your city.")), Length(max=100)])
    country = SelectField(_l("Country"), choices=[SelectChoice(code, name) for code, name in COUNTRIES])
    language = SelectField(_l("Preferred language"),
                           choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()])
    national_number = StringField(_l("Belgian national number (optional)"), validators=[
        _stdnum_field(std_nn, _l("This is not a valid Belgian national number (11 digits, check digits)."))])
    enterprise_number = StringField(_l("Enterprise number (optional)"), validators=[
        _stdnum_field(std_be_vat, _l("This is not a valid Belgian enterprise number (like 0403.170.701)."))])
    iban = StringField(_l("Bank account (IBAN, optional)"), validators=[
        _stdnum_field(std_iban, _l("This IBAN is not valid. Check the digits, like BE71 0961 2345 6769."))])

    def __init__(self, *args, legal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal = legal
        if not self.is_submitted():  # show stored compact numbers the way people write them
            for field, module in ((self.iban, std_iban), (self.national_number, std_nn)):
                if field.data:
                    field.data = module.format(field.data)
            number = self.enterprise_number.data
            if number and len(number) == 10:  # python-stdnum has no formatter for it: 0403.170.701
                self.enterprise_number.data = f"{number[:4]}.{number[4:7]}.{number[7:]}"
        required = [DataRequired(_l("This field is required."))]
        if legal:
            self.legal_name.validators = required + [Length(max=200)]
        else:
            self.first_name.validators = required + [Length(max=100)]
            self.last_name.validators = required + [Length(max=100)]


class MemberSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Name, e-mail or member number"), validators=[Length(max=100)])
    page = IntegerField(default=1, validators=[Optional()])
