"""Forms of the assembly pages (CSRF comes with them)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l, ngettext
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, HiddenField, SelectField, StringField, \
    TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, Regexp, ValidationError

from app.clock import BRUSSELS, utcnow
from app.forms import (DayField, Form, FreeName, IntegerField, Length, MultiCheckboxField, NO_DIRECTION, NO_HIDDEN,
                       NO_MARKUP, NumberRange, Written)
from assemblies import rules
from assemblies.messages import DATE_ORDER_WORDS, ITEM_KIND_WORDS, TIE_RULE_WORDS
from assemblies.models import LANGUAGES, Assembly
from voting.trustee import DEFAULT_MIN_BALLOTS

REQUIRED = _l("This field is required.")
WHEN = _l("Enter a date and time.")
SEATS = _l("Enter a number of seats from %(min)s to %(max)s.")


def _titles(label_fr, label_nl, label_en, max_len=200):
    return (StringField(label_fr, validators=[DataRequired(REQUIRED), Length(max=max_len), NO_HIDDEN]),
            StringField(label_nl, validators=[DataRequired(REQUIRED), Length(max=max_len), NO_HIDDEN]),
            StringField(label_en, validators=[DataRequired(REQUIRED), Length(max=max_len), NO_HIDDEN]))


class ActionForm(Form):
    """A button: nothing but the CSRF token."""


class AssemblySettingsForm(Form):
    """What a secretary sets when creating an assembly and may change while nothing fixed it: all but
    the short name. Times are typed, and shown, in Brussels."""

    title_fr, title_nl, title_en = _titles(_l("Title in French"), _l("Title in Dutch"), _l("Title in English"))
    starts_at = DateTimeLocalField(_l("Date and time of the meeting"), validators=[InputRequired(WHEN)], tz=BRUSSELS)
    place = StringField(_l("Place"), validators=[Written(REQUIRED), Length(max=300), NO_HIDDEN])
    voting_opens_at = DateTimeLocalField(_l("Remote voting opens"), validators=[InputRequired(WHEN)], tz=BRUSSELS)
    voting_closes_at = DateTimeLocalField(_l("Voting closes"), validators=[InputRequired(WHEN)], tz=BRUSSELS)
    record_date = DayField(_l("Record date of the electorate"), validators=[InputRequired(REQUIRED)])
    quorum_percent = IntegerField(_l("Quorum (percentage of the electorate taking part)"), default=0,
                                  validators=[InputRequired(REQUIRED), NumberRange(min=0, max=100, message=_l(
                                      "Enter a percentage from %(min)s to %(max)s."))])
    proxy_limit = IntegerField(_l("Proxies one member may hold"), default=1,
                               validators=[InputRequired(REQUIRED), NumberRange(min=0, max=10, message=_l(
                                   "Enter a number of proxies from %(min)s to %(max)s."))])
    proxy_deadline = DateTimeLocalField(_l("Deadline for proxies (optional)"), validators=[Optional()], tz=BRUSSELS)
    # The scrutineers' tools decrypt no count of fewer ballots (voting.trustee): a smaller setting would
    # leave the assembly's result impossible to decrypt.
    min_count = IntegerField(_l("Smallest count published (secrecy)"), default=DEFAULT_MIN_BALLOTS, validators=[
        InputRequired(REQUIRED),
        NumberRange(min=DEFAULT_MIN_BALLOTS, max=100, message=_l(
            "From %(min)s to %(max)s: the scrutineers decrypt no count of fewer ballots, so that no vote shows."))])
    tie_rule = SelectField(_l("How ties between candidates are decided"),
                           choices=[SelectChoice(code, words) for code, words in TIE_RULE_WORDS.items()])

    @classmethod
    def of(cls, assembly: Assembly, locked: Mapping[str, str]) -> AssemblySettingsForm:
        """The form filled with the assembly's settings; those in ``locked`` (name: why) are shown
        disabled, so the browser does not send them and they keep their value."""
        form = cls(obj=assembly)
        for name in locked:
            field = form[name]
            field.render_kw = {"disabled": True}
            field.validators = [Optional(), *field.validators]
        return form

    def validate(self, extra_validators=None) -> bool:
        """Every problem at once: the dates are judged even when another field is wrong (the service judges
        them again once the form is right). The meeting in the past, as in the service, only for a new
        assembly or a meeting moved: one already past keeps its date when something else is corrected."""
        valid = super().validate(extra_validators)
        dates = {name: self[name].data for name in ("starts_at", "voting_opens_at", "voting_closes_at", "record_date",
                                                    "proxy_deadline")}
        if not valid and None not in [dates[n] for n in ("starts_at", "voting_opens_at", "voting_closes_at",
                                                         "record_date")]:
            moved = dates["starts_at"] != self.starts_at.object_data  # a new assembly's object_data is None
            for name in rules.date_problems(**dates, now=utcnow() if moved else None):
                if not self[name].errors:
                    self[name].errors.append(str(DATE_ORDER_WORDS[name]))
        return valid

    def settings(self) -> dict[str, Any]:
        """The keywords of ``services.create_assembly`` and ``update_assembly``."""
        return dict(titles={lang: self[f"title_{lang}"].data for lang in LANGUAGES}, place=self.place.data,
                    **{name: self[name].data for name in ("starts_at", "voting_opens_at", "voting_closes_at",
                                                          "record_date", "quorum_percent", "proxy_limit",
                                                          "proxy_deadline", "min_count", "tie_rule")})


class AssemblyForm(AssemblySettingsForm):
    slug = StringField(_l("Short name in addresses (lowercase letters, digits, dashes)"), validators=[
        DataRequired(REQUIRED),
        Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", message=_l("Use lowercase letters, digits and dashes.")),
        FreeName("assemblies")])


class ItemForm(Form):
    kind = SelectField(_l("Kind of item"),
                       choices=[SelectChoice(code, words) for code, words in ITEM_KIND_WORDS.items()])
    title_fr, title_nl, title_en = _titles(_l("Title in French"), _l("Title in Dutch"), _l("Title in English"), 300)
    body_fr = TextAreaField(_l("Text in French"), validators=[Optional(), Length(max=20000), NO_DIRECTION])
    body_nl = TextAreaField(_l("Text in Dutch"), validators=[Optional(), Length(max=20000), NO_DIRECTION])
    body_en = TextAreaField(_l("Text in English"), validators=[Optional(), Length(max=20000), NO_DIRECTION])
    majority = SelectField(_l("Majority required"), choices=[
        SelectChoice("simple", _l("Simple majority")),
        SelectChoice("two_thirds", _l("Two thirds")),
        SelectChoice("three_quarters", _l("Three quarters")),
        SelectChoice("each_category", _l("A majority within each category"))])
    abstentions_count = BooleanField(_l("Abstentions count as votes cast"))
    seats_a = IntegerField(_l("Seats for category A"), default=11,
                           validators=[Optional(), NumberRange(min=0, max=50, message=SEATS)])
    seats_b = IntegerField(_l("Seats for category B"), default=7,
                           validators=[Optional(), NumberRange(min=0, max=50, message=SEATS)])


class CandidateForm(Form):
    # A name printed on the ballot: the register's rule (no markup, no symbol), and something to read.
    name = StringField(_l("Name"), validators=[Written(_l("Enter the candidate's name.")), Length(max=200),
                                               NO_MARKUP])
    category = SelectField(_l("Category"), choices=[SelectChoice("A", _l("Category A")),
                                                    SelectChoice("B", _l("Category B"))])
    gender = SelectField(_l("Gender"), choices=[SelectChoice("woman", _l("Woman")), SelectChoice("man", _l("Man")),
                                                SelectChoice("other", _l("Other or not said")),
                                                SelectChoice("legal", _l("Legal person"))])


class DocumentForm(Form):
    title_fr, title_nl, title_en = _titles(_l("Title in French"), _l("Title in Dutch"), _l("Title in English"))
    file = FileField(_l("File (PDF)"), validators=[FileRequired(_l("Choose the file to upload."))])


class ElectorForm(Form):
    number = IntegerField(_l("Member number"), validators=[InputRequired(REQUIRED)])
    reason = StringField(_l("Reason for the correction"), validators=[DataRequired(REQUIRED), Length(max=300),
                                                                       NO_DIRECTION])
    confirmed = HiddenField()  # "1" once the secretary has seen whom the number names


class ReasonForm(Form):
    reason = StringField(_l("Reason for the correction"), validators=[DataRequired(REQUIRED), Length(max=300),
                                                                       NO_DIRECTION])


class ConveneForm(Form):
    """Sending the convocations; past the notice period, the secretary confirms a shorter notice and says why."""

    short_notice = BooleanField(_l("A shorter notice applies (a second assembly, a board decision): send anyway"))
    reason = StringField(_l("Why a shorter notice applies (kept in the audit log)"),
                         validators=[Length(max=300), NO_DIRECTION])


class PrepareVoteForm(Form):
    scrutineers = MultiCheckboxField(_l("Scrutineers"), coerce=int,
                                      validators=[DataRequired(_l("Choose at least one scrutineer."))])
    threshold = IntegerField(_l("How many scrutineers must decrypt together"), default=3,
                             validators=[InputRequired(REQUIRED), NumberRange(min=1, max=20, message=_l(
                                 "Enter a number of scrutineers from %(min)s to %(max)s."))])

    def validate_threshold(self, field) -> None:
        """No more than the scrutineers chosen, said beside the number (the service refuses it too)."""
        chosen = len(set(self.scrutineers.data or ()))
        if not field.errors and not self.scrutineers.errors and chosen and field.data > chosen:
            raise ValidationError(ngettext("At most %(num)d: %(num)d scrutineer is chosen.",
                                           "At most %(num)d: %(num)d scrutineers are chosen.", chosen))


class ProxyForm(Form):
    holder_number = IntegerField(_l("Member number of the member who will vote for you"),
                                 validators=[InputRequired(REQUIRED)])
    confirmed = HiddenField()  # "1" once the member has seen whom the number names


class PaperProxyForm(Form):
    giver_number = IntegerField(_l("Member number of the member giving the proxy"), validators=[InputRequired(REQUIRED)])
    holder_number = IntegerField(_l("Member number of the holder"), validators=[InputRequired(REQUIRED)])
    confirmed = HiddenField()  # "1" once staff have seen whom the two numbers name


class CheckInForm(Form):
    # A USB scanner types the QR code's whole link (then Enter); the service reads every form of it.
    number = StringField(_l("Scan the convocation's QR code, or type the member number or the code"),
                         validators=[DataRequired(REQUIRED),
                                     Length(max=500, message=_l("This is too long for a member number or a "
                                                                "convocation's code: scan the QR code again."))],
                         render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false",
                                    "enterkeyhint": "go"})


class DoorSearchForm(Form):
    """The door's search by name (a GET form: it changes nothing)."""

    name = StringField(_l("No convocation and no number? Find the member by name"),
                       validators=[Optional(), Length(max=100)],
                       render_kw={"autocomplete": "off", "enterkeyhint": "search"})


# The version a form was drawn from: anything else is a form out of date.
VERSION = Regexp(r"^[0-9]{1,9}$", message=_l("This form is out of date. Reload the page."))
NOTE_MAX = 20_000  # one item's note, the opening or the closing: some pages of text


class MinutesForm(Form):
    """The secretary's part of the minutes. The note on each agenda item is a field ``note_<id>``
    (``minutes_form`` adds them); ``version`` is the draft's version the form was drawn from."""

    version = HiddenField(validators=[VERSION])
    # Names on a legal record: the register's rule (no markup, no symbol it could not print).
    chair = StringField(_l("Chair of the meeting"), validators=[Optional(), Length(max=200), NO_MARKUP])
    secretary = StringField(_l("Secretary of the meeting"), validators=[Optional(), Length(max=200), NO_MARKUP])
    tellers = StringField(_l("Vote tellers (optional)"), validators=[Optional(), Length(max=300), NO_MARKUP])
    opening = TextAreaField(_l("Opening (optional)"), validators=[Length(max=NOTE_MAX), NO_DIRECTION])
    closing = TextAreaField(_l("Closing (optional)"), validators=[Length(max=NOTE_MAX), NO_DIRECTION])

    def notes(self) -> dict[int, str]:
        return {int(name.removeprefix("note_")): field.data or "" for name, field in self._fields.items()
                if name.startswith("note_")}


def minutes_form(items, minutes, **kwargs) -> MinutesForm:
    """The minutes form with a note field per agenda item, filled from ``minutes`` (unless posted)."""
    fields = {f"note_{item.id}": TextAreaField(_l("What was said (optional)"),
                                               validators=[Length(max=NOTE_MAX), NO_DIRECTION],
                                               default=minutes.note(item.id))
              for item in items}
    form_class = type("AssemblyMinutesForm", (MinutesForm,), fields)
    return form_class(obj=minutes, **kwargs)


class MinutesCorrectionForm(Form):
    text = TextAreaField(_l("The correction"), validators=[DataRequired(_l("Write the correction.")),
                                                             Length(max=NOTE_MAX), NO_DIRECTION])

