"""Flask-WTF forms (CSRF comes with them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, Regexp, StopValidation

from app.forms import (DayField, Form, FreeName, IntegerField, Length, MultiCheckboxField, NO_HIDDEN, NO_MARKUP,
                       NumberRange)
from candidates.labels import WORDS
from candidates.photos import PHOTO_MEGABYTES
from candidates.services import LIMITS

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]


def skill_choices():
    return [SelectChoice(code, label) for code, label in WORDS["skill"].items()]  # the labels' one list


OUT_OF_DATE = _l("This form is out of date. Reload the page.")


def _version_sent(form, field) -> None:
    """Every page of the form sends the version it was opened on (an empty one before any draft existed):
    a post without it would skip the check that another window saved meanwhile."""
    if not field.raw_data:
        raise StopValidation(OUT_OF_DATE)


class ApplicationForm(Form):
    """Every field optional for a draft; the service says what submission still needs."""

    # The version the form was opened on (empty for a first draft): anything else is a form out of date.
    version = HiddenField(validators=[_version_sent, Optional(), Regexp(r"^[0-9]{1,9}$", message=OUT_OF_DATE)])
    language = SelectField(_l("Language you write in"), choices=LANGUAGE_CHOICES)
    # Names go on the ballot and its papers, as on the register: the same rule.
    published_name = StringField(_l("Name as published"),
                                 validators=[Optional(), Length(max=LIMITS["published_name"]), NO_MARKUP])
    representative_name = StringField(_l("Name of the person representing your organisation"),
                                      validators=[Optional(), Length(max=LIMITS["representative_name"]), NO_MARKUP])
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to %(size)s MB)", size=PHOTO_MEGABYTES))
    biography = TextAreaField(_l("Short biography"), validators=[Optional(), Length(max=LIMITS["biography"])])
    motivation = TextAreaField(_l("Why do you stand?"), validators=[Optional(), Length(max=LIMITS["motivation"])])
    skills = MultiCheckboxField(_l("Skills you bring"), choices=skill_choices(), validate_choice=True)
    skills_other = StringField(_l("Other skills"), validators=[Optional(), Length(max=LIMITS["skills_other"])])
    vision = TextAreaField(_l("Your vision for the cooperative"), validators=[Optional(), Length(max=LIMITS["vision"])])
    gender = RadioField(_l("Gender (optional, only for the balance among candidates)"), choices=[
        *(SelectChoice(code, words) for code, words in WORDS["gender"].items()),
        SelectChoice("", _l("I prefer not to say"))], default="", validate_choice=True)
    no_conflict = BooleanField(_l("I declare that I have no conflict of interest with the cooperative"))
    consent_publication = BooleanField(_l("I agree that my application (name, photo and texts) is published to members and the public"))


class CallForm(Form):
    slug = StringField(_l("Short name (in the address)"), validators=[
        InputRequired(_l("Enter a short name.")), Length(max=64),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lower-case letters, digits and hyphens.")),
        FreeName("candidates")])
    title_fr = StringField(_l("Title in French"), validators=[InputRequired(_l("Enter the title in each language.")),
                                                             Length(max=200), NO_HIDDEN])
    title_nl = StringField(_l("Title in Dutch"), validators=[InputRequired(_l("Enter the title in each language.")),
                                                             Length(max=200), NO_HIDDEN])
    title_en = StringField(_l("Title in English"), validators=[InputRequired(_l("Enter the title in each language.")),
                                                             Length(max=200), NO_HIDDEN])
    text_fr = TextAreaField(_l("Text of the call in French"), validators=[Optional(), Length(max=5000)])
    text_nl = TextAreaField(_l("Text of the call in Dutch"), validators=[Optional(), Length(max=5000)])
    text_en = TextAreaField(_l("Text of the call in English"), validators=[Optional(), Length(max=5000)])
    opens_on = DayField(_l("Opens on"), validators=[InputRequired(_l("Enter a date."))])
    closes_on = DayField(_l("Closes on"), validators=[InputRequired(_l("Enter a date."))])
    vote_opens_on = DayField(_l("The vote opens on"), validators=[InputRequired(_l("Enter a date."))])
    seats_a = IntegerField(_l("Seats in category A"), validators=[
        InputRequired(_l("Enter a number.")), NumberRange(min=0, max=99, message=_l("Enter a number from 0 to 99."))])
    seats_b = IntegerField(_l("Seats in category B"), validators=[
        InputRequired(_l("Enter a number.")), NumberRange(min=0, max=99, message=_l("Enter a number from 0 to 99."))])
    term_years = IntegerField(_l("Term (years)"), default=4, validators=[
        InputRequired(_l("Enter a number.")), NumberRange(min=1, max=10, message=_l("Enter a number from 1 to 10."))])
    staff_in_category_b = BooleanField(_l("Staff of the cooperative may stand only in category B (statutes)"), default=True)
    election_slug = StringField(_l("Election (short name, once it exists)"), validators=[Optional(), Length(max=64)])


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason, sent to the candidate"), validators=[
        InputRequired(_l("Say why: the candidate receives this text.")), Length(max=2000)])


class ConfirmForm(Form):
    """A confirmation page's form: only the CSRF token."""


class BallotForm(Form):
    method = RadioField(_l("Order on the ballot"), choices=[
        SelectChoice(code, words) for code, words in WORDS["ballot_order"].items()], default="lot",
        validators=[InputRequired(_l("Choose how to order the ballot."))])
