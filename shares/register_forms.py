"""Staff forms for the register, payments and bank statements."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from shares.errors import InvalidReference
from shares.payments import parse_reference

REQUIRED = _l("This field is required.")
SHARES = [InputRequired(REQUIRED), NumberRange(min=1, max=100_000, message=_l("Enter a whole number of shares, 1 or more."))]
CATEGORY_CHOICES = [SelectChoice("A", _l("A: user of the services")),
                    SelectChoice("B", _l("B: partner, staff or legal person"))]
REFERENCE_ERRORS = {
    "checksum": _l("The check digits are wrong: the last two digits must be the first ten modulo 97."),
    "length": _l("A structured communication has 12 digits, like +++123/4567/89002+++."),
    "format": _l("Only digits, like +++123/4567/89002+++."),
}


def _date(label):
    return DateField(label, validators=[InputRequired(_l("Enter a date (YYYY-MM-DD)."))])


class SubscribeForm(FlaskForm):
    shares = IntegerField(_l("Number of shares"), validators=SHARES)
    effective_on = _date(_l("Date of subscription"))


class TransferForm(FlaskForm):
    receiver_number = IntegerField(_l("Member number of the receiver"), validators=[InputRequired(REQUIRED)])
    shares = IntegerField(_l("Number of shares"), validators=SHARES)
    effective_on = _date(_l("Date of transfer"))
    board_decision_on = _date(_l("Date of the board's approval"))
    board_reference = StringField(_l("Reference of the board's decision"),
                                  validators=[DataRequired(REQUIRED), Length(max=100)])


class CategoryForm(FlaskForm):
    category = SelectField(_l("New category"), choices=CATEGORY_CHOICES)
    effective_on = _date(_l("Date of change"))


class RedeemForm(FlaskForm):
    shares = IntegerField(_l("Number of shares to redeem"), validators=SHARES)
    effective_on = _date(_l("Date of redemption"))


class ResignForm(FlaskForm):
    effective_on = _date(_l("Date of resignation"))
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class ExcludeForm(FlaskForm):
    effective_on = _date(_l("Date of exclusion"))
    board_decision_on = _date(_l("Date of the board's decision"))
    board_reference = StringField(_l("Reference of the board's decision"),
                                  validators=[DataRequired(REQUIRED), Length(max=100)])


class CorrectionForm(FlaskForm):
    entry_id = SelectField(_l("Entry to correct"), coerce=int, choices=[])
    shares = IntegerField(_l("Change in number of shares (signed)"), default=0, validators=[Optional()])
    capital_cents = IntegerField(_l("Change in capital subscribed, in cents (signed)"), default=0,
                                 validators=[Optional()])
    paid_cents = IntegerField(_l("Change in capital paid, in cents (signed)"), default=0, validators=[Optional()])
    effective_on = _date(_l("Date of correction"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Say why this correction is made.")),
                                                     Length(max=500)])


class ReferenceField(StringField):
    """A Belgian structured communication typed by staff: refused with the reason when wrong."""

    def pre_validate(self, form):
        if not self.data:
            return
        try:
            self.data = parse_reference(self.data)
        except InvalidReference as exc:
            raise ValidationError(REFERENCE_ERRORS[exc.reason]) from None


class MatchForm(FlaskForm):
    """Resolve a queued bank transaction: pay a request (by its communication) or set it aside."""

    version = HiddenField()
    action = SelectField(_l("Action"), choices=[SelectChoice("match", _l("Apply to the payment request")),
                                                 SelectChoice("dismiss", _l("Set aside (not a payment to match)"))])
    reference = ReferenceField(_l("Structured communication of the request"))
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Say why.")), Length(max=500)])

    def validate_reference(self, field):
        if self.action.data == "match" and not field.data:
            raise ValidationError(_l("Enter the structured communication of the request to pay."))


class MemberMatchForm(MatchForm):
    transaction_id = SelectField(_l("Bank transaction waiting in the queue"), coerce=int, choices=[])


class StatementForm(FlaskForm):
    statement = FileField(_l("camt.053 statement file (XML)"), validators=[FileRequired(_l("Choose a file."))])


class RegisterDateForm(FlaskForm):
    class Meta:
        csrf = False

    on = DateField(_l("Register as of"), validators=[Optional()])
    page = IntegerField(default=1, validators=[Optional()])
