"""Every form of the shares pages: members' profile and requests, staff register, payments and
statements. Identity numbers and IBANs are checked with python-stdnum and stored compact."""
from __future__ import annotations

import re

from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from stdnum import iban as std_iban
from stdnum.be import nn as std_nn
from stdnum.be import vat as std_be_vat
from stdnum.exceptions import ValidationError as StdnumError
from wtforms import (HiddenField, RadioField, SelectField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError
from wtforms.widgets import HiddenInput

from app.auth.forms import email_field
from app.clock import today
from app.errors import error_message
from app.forms import Form, DayField, IntegerField, Length, NO_MARKUP, NumberRange, Written
from app.i18n import LANGUAGE_NAMES, LANGUAGE_WORDS
from app.uploads import MAX_MEGABYTES
from shares.errors import IdentityNumberRequired, InvalidReference, LegalPersonInCategoryA
from shares.labels import CATEGORY_WORDS, COUNTRIES, DOCUMENT_WORDS, INVALID_NUMBER_WORDS, WHY_WORDS, format_identity_number
from shares.models import Category, DocumentKind, MemberKind
from shares.references import parse_reference
from shares.services import MAX_NUMBER_TYPED, check_category
from shares.settings import bank_accounts


# A name left empty, said for the field it is about (the profile, the join form, staff's new member).
NAME_REQUIRED = {"first_name": _l("Enter the first name."), "last_name": _l("Enter the last name."),
                 "legal_name": _l("Enter the name of the company or association.")}


def _stdnum_field(module, message):
    """A validator that checks with python-stdnum and replaces the data with its compact form."""
    def check(form, field):
        if not field.data:
            field.data = None
            return
        if len(field.data) > MAX_NUMBER_TYPED:  # python-stdnum would read thousands of digits as an int
            raise ValidationError(message)
        try:
            field.data = module.validate(field.data)
        except StdnumError:
            raise ValidationError(message) from None
    return check


IBAN_CHECK = _stdnum_field(std_iban, _l("This IBAN is not valid. Check the digits, like BE62 5100 0754 7061."))


def _not_ours(form, field):
    """Money paid back goes to the member's account, never to the cooperative's own (after IBAN_CHECK)."""
    if field.data and field.data in bank_accounts():
        raise ValidationError(_l("This is the cooperative's own account: enter the account the money is to be "
                                 "paid back to."))


class VersionField(IntegerField):
    """The version of the row the form was opened on (hidden); not a whole number in range: the form is refused."""

    widget = HiddenInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "HiddenField"  # rendered by hidden_tag(), skipped where pages list the visible fields


# What a postcode looks like in each country the address form offers, with an example to show.
POSTCODES = {"BE": (r"[1-9][0-9]{3}", "1060"), "LU": (r"(?:L-?)?[0-9]{4}", "1611"), "FR": (r"[0-9]{5}", "75011"),
             "DE": (r"[0-9]{5}", "10115"), "NL": (r"[1-9][0-9]{3} ?[A-Za-z]{2}", "1012 AB")}


def _postcode_fits_country(form, field) -> None:
    """The postcode has the shape of the chosen country's (``validate_postcode`` of the address forms)."""
    rule = POSTCODES.get(form.country.data)
    if rule and field.data and not re.fullmatch(rule[0], field.data.strip()):
        raise ValidationError(_l("This is not a postcode of the chosen country (like %(example)s).", example=rule[1]))


VERSION = [InputRequired(_l("This form is out of date. Reload the page.")),
           NumberRange(min=1, max=2**31 - 1, message=_l("This form is out of date. Reload the page."))]


class PersonFields(Form):
    """A member's name, address, language and national number: the same fields on the profile, the
    admission form and the staff's new-member form."""

    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100), NO_MARKUP])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100), NO_MARKUP])
    legal_name = StringField(_l("Name of the company or association"),
                             validators=[Optional(), Length(max=200), NO_MARKUP])
    street = StringField(_l("Street and number"), validators=[DataRequired(_l("Enter your street and number.")),
                                                               Length(max=200), NO_MARKUP])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(_l("Enter your postcode.")), Length(max=12)])
    city = StringField(_l("City"), validators=[DataRequired(_l("Enter your city.")), Length(max=100), NO_MARKUP])
    country = SelectField(_l("Country"), choices=[SelectChoice(code, name) for code, name in COUNTRIES])
    language = SelectField(_l("Preferred language"),
                           choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
                           default=lambda: str(get_locale()))  # a new form: the language it is filled in
    national_number = StringField(_l("Belgian national number (optional)"), validators=[
        _stdnum_field(std_nn, INVALID_NUMBER_WORDS["national_number"])])
    validate_postcode = _postcode_fits_country


class ProfileForm(PersonFields):
    version = VersionField(validators=VERSION)
    enterprise_number = StringField(_l("Enterprise number (optional)"), validators=[
        _stdnum_field(std_be_vat, INVALID_NUMBER_WORDS["enterprise_number"])])
    iban = StringField(_l("Bank account (IBAN, optional)"), validators=[IBAN_CHECK, _not_ours])

    def __init__(self, *args, legal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal = legal
        member = kwargs.get("obj")
        # The member's kind has one identity number; one the register holds is shown, not edited
        # (services.update_profile refuses a change): ``fixed_number`` is it, written out.
        name = "enterprise_number" if legal else "national_number"
        delattr(self, "national_number" if legal else "enterprise_number")
        held = getattr(member, name, None) if member is not None else None
        self.fixed_number = format_identity_number(name, held) if held else None
        if held:
            delattr(self, name)
        if not self.is_submitted() and self.iban.data:  # the stored compact IBAN, the way people write it
            self.iban.data = std_iban.format(self.iban.data)
        if not self.is_submitted() and not held and getattr(self, name).data:
            getattr(self, name).data = format_identity_number(name, getattr(self, name).data)
        if legal:
            self.legal_name.validators = [DataRequired(NAME_REQUIRED["legal_name"]), Length(max=200), NO_MARKUP]
        else:
            self.first_name.validators = [DataRequired(NAME_REQUIRED["first_name"]), Length(max=100), NO_MARKUP]
            self.last_name.validators = [DataRequired(NAME_REQUIRED["last_name"]), Length(max=100), NO_MARKUP]


class EmailChangeForm(Form):
    email = email_field(_l("Enter your new e-mail address."))


class MemberSearchForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Name, e-mail, member number, structured communication, IBAN, national or enterprise "
                       "number, postcode or city"), validators=[Length(max=100)])
    page = IntegerField(default=1, validators=[Optional()])


# --- members' own requests ----------------------------------------------------------------------

MAX_SHARES_PER_REQUEST = 100


class BuySharesForm(Form):
    # The member's version when the form was shown: the purchase claims it, so that the same form sent
    # twice (a retry, the back button) subscribes once.
    version = VersionField(validators=VERSION)
    shares = IntegerField(_l("Number of shares"), validators=[
        InputRequired(_l("Enter a number of shares.")),
        NumberRange(min=1, max=MAX_SHARES_PER_REQUEST,
                    message=_l("Enter a whole number from 1 to %(max)s.", max=MAX_SHARES_PER_REQUEST))])


class CategoryRequestForm(Form):
    category = RadioField(_l("New category"), choices=[
        SelectChoice(Category.A.value, _l("A: I use the cooperative's services")),
        SelectChoice(Category.B.value, _l("B: partner, permanent staff or legal person"))],
        validators=[InputRequired(_l("Choose a category."))])


class ResignationRequestForm(Form):
    reason = TextAreaField(_l("Why are you leaving? (optional)"), validators=[Optional(), Length(max=500)])
    iban = StringField(_l("Bank account to repay your shares to (IBAN)"), validators=[
        InputRequired(_l("Enter the IBAN your shares are to be repaid to.")), IBAN_CHECK, _not_ours])
    confirm = StringField(_l("Type your member number to confirm"),
                          validators=[InputRequired(_l("Type your member number to confirm."))])


class DecisionForm(Form):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


# --- staff: register, payments, statements -------------------------------------------------------

REQUIRED = _l("This field is required.")
SHARES = [InputRequired(REQUIRED), NumberRange(min=1, max=100_000, message=_l("Enter a whole number of shares, 1 or more."))]
CATEGORY_CHOICES = [SelectChoice(code, words) for code, words in CATEGORY_WORDS.items()]
REFERENCE_ERRORS = {
    "checksum": _l("The check digits are wrong: the last two digits must be the first ten modulo 97."),
    "length": _l("A structured communication has 12 digits, like +++123/4567/89002+++."),
    "format": _l("Only digits, like +++123/4567/89002+++."),
}


def _date(label):
    return DayField(label, validators=[InputRequired(_l("Enter a date (YYYY-MM-DD)."))])


class SubscribeForm(Form):
    shares = IntegerField(_l("Number of shares"), validators=SHARES)
    effective_on = _date(_l("Date of subscription"))


class TransferForm(Form):
    receiver_number = IntegerField(_l("Member number of the receiver"), validators=[InputRequired(REQUIRED)])
    shares = IntegerField(_l("Number of shares"), validators=SHARES)
    effective_on = _date(_l("Date of transfer"))
    board_decision_on = _date(_l("Date of the board's approval"))
    board_reference = StringField(_l("Reference of the board's decision"),
                                  validators=[DataRequired(REQUIRED), Length(max=100)])


class CategoryForm(Form):
    category = SelectField(_l("New category"), choices=CATEGORY_CHOICES)
    effective_on = _date(_l("Date of change"))


class RedeemForm(Form):
    shares = IntegerField(_l("Number of shares to redeem"), validators=SHARES)
    effective_on = _date(_l("Date of redemption"))


class ResignForm(Form):
    effective_on = _date(_l("Date of resignation"))
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class ExcludeForm(Form):
    effective_on = _date(_l("Date of exclusion"))
    board_decision_on = _date(_l("Date of the board's decision"))
    board_reference = StringField(_l("Reference of the board's decision"),
                                  validators=[DataRequired(REQUIRED), Length(max=100)])


class ReadmitForm(Form):
    board_decision_on = _date(_l("Date of the board's decision"))
    board_reference = StringField(_l("Reference of the board's decision"),
                                  validators=[DataRequired(REQUIRED), Length(max=100)])


class EuroAmountField(StringField):
    """An amount staff type in euros, read into integer cents exactly: "1 234,50", "1.234,50", "1234.50",
    "1,234.50", "30", "30 €". Two decimals at most; a thousands separator only between groups of three
    digits. ``signed`` allows a leading minus. ``data`` is the number of cents (None when left empty)."""

    MAX_CENTS = 100_000_000_000  # a billion euros

    def __init__(self, label=None, validators=None, signed: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.signed = signed
        self.raw = None

    def _value(self) -> str:
        if self.raw is not None:
            return self.raw
        if self.data is None:
            return ""
        sign = "-" if self.data < 0 else ""
        euros, cents = divmod(abs(self.data), 100)
        return f"{sign}{euros},{cents:02d}"  # "15,00": an amount, as the page writes amounts

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = valuelist[0]
        self.data = None
        text = "".join(c for c in self.raw if not c.isspace()).replace("€", "").removesuffix("EUR").strip()
        if not text:
            return
        if len(text) > 40:  # longer than any amount is written: too large, before Python reads the digits
            raise ValueError(_l("This amount is too large."))
        try:
            self.data = parse_euros(text, signed=self.signed)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        if abs(self.data) >= self.MAX_CENTS:
            self.data = None
            raise ValueError(_l("This amount is too large."))


def parse_euros(text: str, *, signed: bool = False) -> int:
    """Euros as typed (no spaces) to integer cents; ValueError with the person's sentence if not an amount."""
    sign = 1
    if text[:1] in "-−+" and signed:  # a signed change: "-30" or "+15,50"
        sign, text = (1 if text[0] == "+" else -1), text[1:]
    if not text or not all(c in "0123456789.," for c in text):
        raise ValueError(_l("Enter an amount in euros, like 1 234,50."))
    for mark, other in ((",", "."), (".", ",")):  # one comma (or one dot) alone, three digits after it
        at = text.rfind(mark)
        if text.count(mark) == 1 and other not in text and len(text) - at - 1 == 3 and text[:at].strip("0"):
            # "30,001" or "30.001": a Belgian reads thirty thousand and one with a dot and three decimals with
            # a comma, an English reader the other way round; money is never guessed.
            raise ValueError(_l("A comma or a dot followed by three digits could be cents or thousands: write cents "
                                "with two digits (1 234,50) and thousands with a space (1 234)."))
    decimals = ""
    last = max(text.rfind(","), text.rfind("."))
    if last >= 0 and (len(text) - last - 1 != 3 or text.count(text[last]) == 1 and ("," in text) == ("." in text)
                      or text[:last].strip("0") == ""):
        decimals, text = text[last + 1:], text[:last]
        if not 1 <= len(decimals) <= 2:
            raise ValueError(_l("At most two decimals (cents), like 1 234,50."))
    groups = text.replace(",", ".").split(".")
    if not groups[0] or (len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]))) \
            or ("," in text and "." in text):
        raise ValueError(_l("Enter an amount in euros, like 1 234,50."))
    return sign * (int("".join(groups)) * 100 + int(decimals.ljust(2, "0") or "0"))


class CorrectionForm(Form):
    entry_id = SelectField(_l("Entry to correct"), coerce=int, choices=[])
    shares = IntegerField(_l("Change in number of shares (signed)"), default=0, validators=[
        Optional(), NumberRange(min=-100_000, max=100_000, message=_l(
            "A correction changes the number of shares by at most 100,000, up or down."))])
    capital_cents = EuroAmountField(_l("Change in capital subscribed, in euros (signed, like -30 or 15,50)"),
                                    signed=True, validators=[Optional()])
    paid_cents = EuroAmountField(_l("Change in capital paid, in euros (signed, like -30 or 15,50)"), signed=True,
                                 validators=[Optional()])
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


class MatchForm(Form):
    """Resolve a queued bank transaction: pay a request (by its communication) or set it aside. A reason is
    asked only when staff pay another request than the one the payer's communication names, or set it aside."""

    version = VersionField(validators=VERSION)
    action = SelectField(_l("Action"), choices=[SelectChoice("match", _l("Apply to the payment request")),
                                                 SelectChoice("dismiss", _l("Set aside (not a payment to match)"))])
    reference = ReferenceField(_l("Structured communication of the request"))
    reason = StringField(_l("Reason (needed when you set it aside or pay another request than the one it names)"),
                         validators=[Optional(), Length(max=500)])

    def for_money_taken_back(self) -> "MatchForm":
        """Money the bank took back (a debit waiting): it can be a payment returned, never pay a request."""
        self.action.choices = [SelectChoice("returned", _l("A payment returned: take it out of its request")),
                               SelectChoice("dismiss", _l("Set aside (not a payment to match)"))]
        self.reason.label.text = _l("Reason (needed when you set it aside or name another request than the one "
                                    "it names)")
        return self

    def validate_reference(self, field):
        if self.action.data == "match" and not field.data:
            raise ValidationError(_l("Enter the structured communication of the request to pay."))
        if self.action.data == "returned" and not field.data:
            raise ValidationError(_l("Enter the structured communication of the request whose payment came back."))


class MemberMatchForm(MatchForm):
    """From a member's page: the transaction is chosen in a list, so its version is the one read on posting."""

    version = VersionField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1,
                                                               message=_l("This form is out of date. Reload the page."))])
    transaction_id = SelectField(_l("Bank transaction waiting in the queue"), coerce=int, choices=[])


class PaymentReceivedForm(Form):
    """Money received outside the bank for one payment request. ``seen_paid_cents`` is what the request had
    received when the form was opened, so the same form sent twice records once."""

    amount_cents = EuroAmountField(_l("Amount received, in euros"), validators=[
        InputRequired(_l("Enter the amount received."))])
    effective_on = _date(_l("Date received"))
    how = StringField(_l("How it was received (for example: cash at the assembly's door, receipt 12)"),
                      validators=[DataRequired(_l("Say how the money was received.")), Length(max=500)])
    seen_paid_cents = VersionField(validators=[InputRequired(_l("This form is out of date. Reload the page.")),
                                               NumberRange(min=0, max=2**62,
                                                           message=_l("This form is out of date. Reload the page."))])

    def validate_amount_cents(self, field):
        if field.data is not None and field.data < 1:  # an amount that could not be read is said once
            raise ValidationError(_l("Enter an amount above zero."))

    def validate_effective_on(self, field):
        """Said before the confirmation (the service refuses it too)."""
        if field.data is not None and field.data > today():
            raise ValidationError(_l("The date cannot be in the future."))


class SurplusForm(Form):
    """Staff decide what becomes of money received beyond what was due."""

    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class RefundForm(SurplusForm):
    iban = StringField(_l("Pay back to (IBAN)"), validators=[
        InputRequired(_l("Enter the IBAN to pay back to.")), IBAN_CHECK, _not_ours])


class PaidBackForm(Form):
    """Staff confirm a refund's transfer; the account it went to when the refund has none yet."""

    iban = StringField(_l("Paid back to (IBAN)"), validators=[Optional(), IBAN_CHECK, _not_ours])


class CallOffForm(Form):
    """Staff call a refund off: why, in their words (kept with the refund and in the audit log)."""

    reason = TextAreaField(_l("Why is this refund called off?"), validators=[
        Written(_l("Say why this refund is called off (for example: the member keeps the money as shares).")),
        Length(max=500)])


class QueueFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    why = SelectField(choices=[SelectChoice(code, code) for code in ("", *WHY_WORDS)],  # every reason the queue words
                      validators=[Optional()])


class StatementForm(Form):
    statement = FileField(_l("camt.053 statement file (XML)"), validators=[FileRequired(_l("Choose a file."))])


class RegisterDateForm(Form):
    class Meta:
        csrf = False

    on = DayField(_l("Register as of"), validators=[Optional()])


# --- admission ------------------------------------------------------------------------------------

from wtforms import BooleanField  # noqa: E402

KIND_CHOICES = [SelectChoice("natural", _l("A person")), SelectChoice("legal", _l("A company or association"))]


class _IdentityMixin:
    """Name, address and identity numbers, required as the kind of person needs them."""

    def check_identity(self) -> bool:
        ok = True
        if self.kind.data == "legal":
            if not (self.legal_name.data or "").strip():
                self.legal_name.errors.append(NAME_REQUIRED["legal_name"])
                ok = False
            if not self.enterprise_number.data:
                self.enterprise_number.errors.append(_l("A company or association gives its enterprise number."))
                ok = False
        else:
            for f in (self.first_name, self.last_name):
                if not (f.data or "").strip():
                    f.errors.append(NAME_REQUIRED[f.name])
                    ok = False
        return ok


class ApplicationForm(PersonFields, _IdentityMixin):
    """The public "become a member" form."""

    kind = RadioField(_l("Who becomes a member?"), choices=KIND_CHOICES, default="natural",
                      validators=[InputRequired(_l("Choose a person or a company or association."))])
    email = email_field()
    enterprise_number = StringField(_l("Enterprise number (companies and associations)"), validators=[
        _stdnum_field(std_be_vat, INVALID_NUMBER_WORDS["enterprise_number"])])
    category = RadioField(_l("Category"), default="A", choices=[
        SelectChoice("A", _l("A: I will use the cooperative's services")),
        SelectChoice("B", _l("B: partner, permanent staff or legal person"))],
        validators=[InputRequired(_l("Choose a category."))])
    shares = IntegerField(_l("Number of shares"), default=1, validators=[
        InputRequired(_l("Enter a number of shares.")),
        NumberRange(min=1, max=MAX_SHARES_PER_REQUEST,
                    message=_l("Enter a whole number from 1 to %(max)s.", max=MAX_SHARES_PER_REQUEST))])
    consent = BooleanField(_l("I have read the statutes and the privacy notice, I ask to become a member and I "
                              "agree that the cooperative keeps my data in its share register."),
                           validators=[DataRequired(_l("You must agree to become a member."))])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = self.check_identity() and ok
        if self.kind.data in ("natural", "legal") and self.category.data in ("A", "B"):
            try:  # the statutes' rule, as the service applies it, said beside the category
                check_category(MemberKind(self.kind.data), Category(self.category.data))
            except LegalPersonInCategoryA as exc:
                self.category.errors.append(error_message(exc))
                ok = False
        return ok


class ApplyAgainForm(Form):
    """An applicant whose application ended applies again, signed in: their details are their profile's."""

    category = ApplicationForm.category
    shares = ApplicationForm.shares
    consent = ApplicationForm.consent


class StaffMemberForm(ApplicationForm):
    """Staff create a member directly: the same facts, no consent box (staff hold the signed form), the
    categories said of the member rather than by them."""

    consent = None
    category = RadioField(_l("Category"), default="A", choices=CATEGORY_CHOICES,
                          validators=[InputRequired(_l("Choose a category."))])
    readmission_on = DayField(_l("Date of the board's decision"), validators=[Optional()])
    readmission_reference = StringField(_l("Reference of the board's decision"),
                                        validators=[Optional(), Length(max=100)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        on, reference = self.readmission_on, self.readmission_reference
        if bool(on.data) != bool((reference.data or "").strip()) and not (on.errors or reference.errors):
            (reference if on.data else on).errors.append(
                _l("A readmission needs both the date and the reference of the board's decision."))
            ok = False
        return ok

    def readmission(self):
        """The board's readmission decision typed (date, reference), or None."""
        return (self.readmission_on.data, self.readmission_reference.data) if self.readmission_on.data else None


class ContactForm(Form):
    """Staff edit a member's e-mail and postal address (audited)."""

    version = VersionField(validators=VERSION)
    email = email_field(_l("Enter an e-mail address."))
    street = StringField(_l("Street and number"), validators=[DataRequired(REQUIRED), Length(max=200), NO_MARKUP])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(REQUIRED), Length(max=12)])
    city = StringField(_l("City"), validators=[DataRequired(REQUIRED), Length(max=100), NO_MARKUP])
    country = SelectField(_l("Country"), choices=[SelectChoice(code, name) for code, name in COUNTRIES])
    validate_postcode = _postcode_fits_country


class IdentityCorrectionForm(Form):
    """Staff correct the national (a person) or enterprise number (a company) the register holds
    (``services.correct_identity_number``): the member's kind keeps one of the two fields."""

    version = VersionField(validators=VERSION)
    national_number = StringField(_l("Correct national number"), validators=[
        _stdnum_field(std_nn, INVALID_NUMBER_WORDS["national_number"])])
    enterprise_number = StringField(_l("Correct enterprise number"), validators=[
        _stdnum_field(std_be_vat, INVALID_NUMBER_WORDS["enterprise_number"])])
    reason = TextAreaField(_l("Why is it corrected?"), validators=[
        Written(_l("Say why the number is corrected (for example: a digit typed wrong on the application form).")),
        Length(max=500)])

    def __init__(self, *args, legal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        delattr(self, "national_number" if legal else "enterprise_number")
        self.number = self.enterprise_number if legal else self.national_number
        # Never emptied: said as the service says it (IdentityNumberRequired).
        self.number.validators = [Written(error_message(IdentityNumberRequired())), *self.number.validators]


class AdmissionDecisionForm(Form):
    decision_on = DayField(_l("Date of the decision"), validators=[InputRequired(_l("Enter a date (YYYY-MM-DD)."))])
    decision_reference = StringField(_l("Reference of the decision (board minutes, staff decision)"),
                                     validators=[DataRequired(_l("This field is required.")), Length(max=100)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class ConfirmForm(Form):
    """The second step of an irreversible action: the person saw what will happen and confirms."""

    confirmed = HiddenField()


class ExportForm(Form):
    on = DayField(_l("Register as of"), validators=[InputRequired(_l("Enter a date (YYYY-MM-DD)."))])
    format = SelectField(_l("File"), choices=[SelectChoice("pdf", _l("PDF (the legal register)")),
                                              SelectChoice("csv", _l("CSV (spreadsheet)"))])


class CoopDocumentForm(Form):
    """A version of the statutes, the privacy notice or the internal rules, in one language."""

    kind = SelectField(_l("Document"), choices=[SelectChoice(kind.value, words) for kind, words in DOCUMENT_WORDS.items()],
                       validators=[InputRequired()])
    language = SelectField(_l("Language of this file"),
                           choices=[SelectChoice(code, words) for code, words in LANGUAGE_WORDS.items()])
    adopted_on = DayField(_l("Adopted on (in force from that date)"),
                           validators=[InputRequired(_l("Enter a date (YYYY-MM-DD)."))])
    file = FileField(_l("File (PDF, at most %(size)s MB)", size=MAX_MEGABYTES),
                     validators=[FileRequired(_l("Choose the file to upload."))])

    def document_kind(self) -> DocumentKind:
        return DocumentKind(self.kind.data)
