"""Forms (CSRF comes with Flask-WTF). Irreversible actions carry a ``confirm`` box the server checks, so the
confirmation works without JavaScript."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, RadioField, SelectField, StringField, TextAreaField,
                     TimeField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, Regexp

from app.forms import Form, NO_HIDDEN, NOT_LISTED, DayField, FreeName, IntegerField, Length, NumberRange, Written
from app.uploads import MAX_MEGABYTES
from working_groups.labels import LABELS, SITTINGS
from working_groups.models import AnswerDecision, GroupRole, Implementation

TEXT = 20_000


def _date(label, message=None, required=True):
    validators = [InputRequired(message or _l("Enter a date."))] if required else [Optional()]
    return DayField(label, validators=validators, format="%Y-%m-%d")


class ConfirmForm(Form):
    confirm = BooleanField(_l("I confirm: this cannot be undone."),
                           validators=[InputRequired(_l("Tick the box to confirm."))])


class LeaveForm(Form):
    """Leaving a group asks once, without saying it is final: the member may join again."""

    confirm = BooleanField(_l("Yes, I leave this group."), validators=[InputRequired(_l("Tick the box to confirm."))])


class GroupForm(Form):
    slug = StringField(_l("Short name for the address"), validators=[
        Written(_l("Enter a short name.")), Length(max=60),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lower-case letters, digits and hyphens only.")),
        FreeName("working_groups")])
    name_fr = StringField(_l("Name in French"), validators=[Written(_l("Enter the name.")), Length(max=200),
                                                            NO_HIDDEN])
    name_nl = StringField(_l("Name in Dutch"), validators=[Written(_l("Enter the name.")), Length(max=200),
                                                            NO_HIDDEN])
    name_en = StringField(_l("Name in English"), validators=[Written(_l("Enter the name.")), Length(max=200),
                                                            NO_HIDDEN])
    mandate_fr = TextAreaField(_l("Mandate in French"), validators=[Written(_l("Enter the mandate.")),
                                                                   Length(max=TEXT)])
    mandate_nl = TextAreaField(_l("Mandate in Dutch"), validators=[Optional(), Length(max=TEXT)])
    mandate_en = TextAreaField(_l("Mandate in English"), validators=[Optional(), Length(max=TEXT)])
    decided_on = _date(_l("Date of the general assembly's decision"),
                       _l("Enter the date of the assembly's decision."))
    reference = StringField(_l("Reference of the decision (optional)"), validators=[Optional(), Length(max=100)])
    call_fr = TextAreaField(_l("Call for volunteers (French)"), validators=[Optional(), Length(max=TEXT)])
    call_nl = TextAreaField(_l("Call for volunteers (Dutch)"), validators=[Optional(), Length(max=TEXT)])
    call_en = TextAreaField(_l("Call for volunteers (English)"), validators=[Optional(), Length(max=TEXT)])


class JoinForm(Form):
    motivation = TextAreaField(_l("Why do you join? (optional)"), validators=[Optional(), Length(max=2000)])


class EmptyForm(Form):
    pass


ROLE_CHOICES = [SelectChoice(r.value, LABELS[r.value]) for r in GroupRole]


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[InputRequired()])


class AddPersonForm(Form):
    number = IntegerField(_l("Member number"), validators=[InputRequired(_l("Enter a member number.")),
                                                           NumberRange(min=1, message=_l("Enter a member number."))])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[InputRequired()])


class MeetingForm(Form):
    held_on = _date(_l("Date"), _l("A meeting needs a date."))
    starts_at = TimeField(_l("Starting time (optional)"), validators=[Optional()], format="%H:%M")
    place = StringField(_l("Place (optional)"), validators=[Optional(), Length(max=200)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=TEXT)])


class MeetingRecordForm(Form):
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=TEXT)])


class DocumentForm(Form):
    title = StringField(_l("Title"), validators=[Written(_l("Enter a title.")), Length(max=200), NO_HIDDEN])
    file = FileField(_l("File (PDF, OpenDocument, Word, text or image; at most %(size)s MB)", size=MAX_MEGABYTES),
                     validators=[FileRequired(_l("Choose a file."))])


class RecommendationForm(Form):
    title = StringField(_l("Title"), validators=[Written(_l("Enter a title.")), Length(max=300), NO_HIDDEN])
    text = TextAreaField(_l("Recommendation"), validators=[Written(_l("Write the recommendation.")),
                                                           Length(max=TEXT)])
    rationale = TextAreaField(_l("Rationale"), validators=[Optional(), Length(max=TEXT)])


class SubmitForm(ConfirmForm):
    submitted_on = _date(_l("Date of submission to the board"), _l("Enter the date of submission."))


DECISION_CHOICES = [SelectChoice(d.value, LABELS[d.value]) for d in AnswerDecision]


class AnswerForm(ConfirmForm):
    decision = RadioField(_l("The board's answer"), choices=DECISION_CHOICES,
                          validators=[InputRequired(_l("Choose the board's answer."))])
    amended_text = TextAreaField(_l("Amended text (for an answer with amendments)"),
                                 validators=[Optional(), Length(max=TEXT)])
    reasoning = TextAreaField(_l("Reasoning"), validators=[
        Written(_l("The board's answer needs its reasoning.")), Length(max=TEXT)])
    answered_on = _date(_l("Date of the board's decision"), _l("Enter the date of the board's decision."))


class ProgressForm(Form):
    status = SelectField(_l("Implementation status"), choices=[SelectChoice(i.value, LABELS[i.value]) for i in Implementation],
                         validators=[InputRequired()])
    note = TextAreaField(_l("Progress note"), validators=[Written(_l("Write the progress note.")),
                                                          Length(max=TEXT)])
    noted_on = _date(_l("Date"), _l("Enter the date of the note."))
    # Done and abandoned are final: the box must be ticked for them (checked by the view).
    confirm = BooleanField(_l("Done or abandoned: I confirm it is final."))


class ReportForm(ConfirmForm):
    assembly_on = _date(_l("Date of the general assembly"), _l("Enter the date of the general assembly."))


class AssemblyQueryForm(Form):
    class Meta:
        csrf = False

    on = DayField(_l("General assembly of"), validators=[Optional()], format="%Y-%m-%d")
    since = DayField(_l("Answers given after (the previous assembly)"), validators=[Optional()], format="%Y-%m-%d")


class FiltersForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    group = SelectField(_l("Group"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    assembly = SelectField(_l("General assembly"), validators=[Optional()], validate_choice=False)
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=10_000)])


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search minutes syntheses and recommendations"), validators=[Optional(), Length(max=200)])


# -- minutes -------------------------------------------------------------------------------------

class NewMinutesForm(Form):
    meeting_on = _date(_l("Date of the board meeting"), _l("A meeting needs a date."))
    # A second meeting the same day has its own minutes: chosen here, knowingly (the date alone is refused).
    sitting = SelectField(_l("Meeting of the day"), choices=[SelectChoice(n, words) for n, words in SITTINGS.items()],
                          coerce=int, default=1, invalid_value_message=NOT_LISTED, invalid_choice_message=NOT_LISTED)
    place = StringField(_l("Place (optional)"), validators=[Optional(), Length(max=200)])


class MinutesEditForm(NewMinutesForm):
    summary = TextAreaField(_l("Summary of the discussion"), validators=[Optional(), Length(max=TEXT)])


class ItemForm(Form):
    title = StringField(_l("Agenda item"), validators=[Written(_l("Enter the agenda item.")), Length(max=300),
                                                        NO_HIDDEN])
    discussion = TextAreaField(_l("Discussion"), validators=[Optional(), Length(max=TEXT)])


def _votes():
    return [InputRequired(_l("Enter a number of votes.")),
            NumberRange(min=0, max=100, message=_l("Enter a number of votes from 0 to 100."))]


class DecisionForm(Form):
    text = TextAreaField(_l("Decision"), validators=[Written(_l("Write the decision.")), Length(max=TEXT)])
    votes_for = IntegerField(_l("Votes for"), default=0, validators=_votes())
    votes_against = IntegerField(_l("Votes against"), default=0, validators=_votes())
    votes_abstain = IntegerField(_l("Abstentions"), default=0, validators=_votes())


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[Written(_l("Write your comment.")), Length(max=5000)])


class ApproveAtMeetingForm(ConfirmForm):
    meeting_on = _date(_l("Date of the board meeting that approved them"), _l("A meeting needs a date."))


class CorrectForm(ConfirmForm):
    reason = TextAreaField(_l("Reason for the correction"),
                           validators=[Written(_l("Give the reason for the correction.")), Length(max=5000)])


class SynthesisForm(Form):
    title = StringField(_l("Title"), validators=[Written(_l("Enter a title.")), Length(max=300), NO_HIDDEN])
    body = TextAreaField(_l("Synthesis for members"), validators=[Written(_l("Write the synthesis.")),
                                                                  Length(max=TEXT)])
