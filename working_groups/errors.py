"""Broken states of working groups, recommendations and minutes, named; worded once below."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.errors import Conflict, DomainError, register_messages


class WorkingGroupError(DomainError):
    pass


class CallClosed(WorkingGroupError):
    status = 409


class AlreadyInGroup(WorkingGroupError, Conflict):
    pass


class PersonAlreadyInGroup(AlreadyInGroup):
    """A facilitator adds someone who is in the group already (said of them, not of the facilitator)."""

    def __init__(self, member) -> None:
        super().__init__("already in the group")
        self.member = member


class NotInGroup(WorkingGroupError):
    status = 403


class NotAMember(WorkingGroupError):
    status = 403


class PersonNotAMember(NotAMember):
    """A facilitator adds someone whose membership of the cooperative has ended."""

    status = 422

    def __init__(self, member) -> None:
        super().__init__("no longer a member")
        self.member = member


class MeetingDateMissing(WorkingGroupError):
    status = 422


class EmptyText(WorkingGroupError):
    status = 422


class IllegalTransition(WorkingGroupError):
    """A state machine refused a move: ``current`` and ``target`` say which (values, not words)."""

    status = 409

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"{current} -> {target}")
        self.current, self.target = current, target


class RecommendationNotDraft(IllegalTransition):
    pass


class NothingToSubmit(WorkingGroupError):
    status = 409


class AlreadyAnswered(WorkingGroupError, Conflict):
    pass


class NotAnswerable(IllegalTransition):
    pass


class AmendedTextMissing(WorkingGroupError):
    status = 422


class NotImplementable(IllegalTransition):
    pass


class MinutesFrozen(IllegalTransition):
    pass


class AlreadyApproved(WorkingGroupError, Conflict):
    pass


class NotABoardAttendee(WorkingGroupError):
    status = 403


class SynthesisIncomplete(WorkingGroupError):
    status = 409


class AlreadyCorrected(WorkingGroupError, Conflict):
    pass


class MinutesExist(WorkingGroupError, Conflict):
    """A board meeting has one set of minutes: new minutes, or a draft moved to another meeting, for a
    meeting (a day, and which meeting of the day: ``sitting``) that has some already (``minutes``: their
    newest version, to open; a correction of approved minutes is drafted from them, with its reason)."""

    def __init__(self, day, minutes=None, sitting: int = 1) -> None:
        super().__init__(f"minutes of {day} ({sitting}) exist")
        self.day, self.minutes, self.sitting = day, minutes, sitting


class NotAMeetingOfTheDay(WorkingGroupError):
    """Minutes for a meeting of the day the form does not offer (a fifth one, a forged value)."""

    status = 422


class NoEarlierMeeting(WorkingGroupError):
    """Minutes of the day's second (third, fourth) meeting for a day whose meeting before it has no minutes:
    a second meeting follows a first one (``day``, ``sitting``: the meeting asked for)."""

    status = 422

    def __init__(self, day, sitting: int) -> None:
        super().__init__(f"no meeting {sitting - 1} on {day}")
        self.day, self.sitting = day, sitting


class LaterMeetingFollows(WorkingGroupError):
    """Minutes moved to another meeting, or deleted, while the day's next meeting has minutes: that meeting
    would follow none (``day``, ``sitting``: the meeting these minutes record now)."""

    status = 422

    def __init__(self, day, sitting: int) -> None:
        super().__init__(f"meeting {sitting + 1} on {day} follows these minutes")
        self.day, self.sitting = day, sitting


class MinutesMovedOn(WorkingGroupError):
    """Sent for minutes a colleague moved on meanwhile, said as what happened: ``step`` (circulated,
    withdrawn, approved, published, superseded or discarded), ``at`` and ``by`` (a name, None when no one
    signed in did it), as the audit log keeps them (``queries.last_move``)."""

    status = 409

    def __init__(self, step: str, at, by: str | None = None) -> None:
        super().__init__(f"minutes {step} at {at}")
        self.step, self.at, self.by = step, at, by


class MinutesGone(WorkingGroupError):
    """The minutes' row was gone under the lock: a colleague deleted the draft while the request ran
    (the page says who and when: ``MinutesMovedOn``, from the audit log)."""

    status = 409


class BadVotes(WorkingGroupError):
    status = 422


class NoBoardMembers(WorkingGroupError):
    status = 409


class NotDiscardable(WorkingGroupError):
    """Only a draft nobody has commented on can be deleted."""

    status = 409


class DateToCome(WorkingGroupError):
    """A decision or an approval dated after today: record what has happened."""

    status = 422


class DateTooEarly(WorkingGroupError):
    """A date before the step it follows (``step``): a submission before the meeting that adopted the
    recommendations, the board's answer before the submission, a progress note before the answer."""

    status = 422

    def __init__(self, earliest, step: str) -> None:
        super().__init__(f"before {step} on {earliest}")
        self.earliest, self.step = earliest, step


class MeetingDayRefusal(WorkingGroupError):
    """A step refused because of a meeting's day (``day``), which the sentence names."""

    status = 422

    def __init__(self, day) -> None:
        super().__init__(f"{type(self).__name__} {day}")
        self.day = day


class MeetingToCome(MeetingDayRefusal):
    """A meeting's attendance, notes and adoptions are recorded once it has been held (``day``: its day)."""


class ApprovalBeforeMeeting(MeetingDayRefusal):
    """Minutes approved at a meeting held before the one they record (``day``: the recorded meeting's)."""


class MeetingBeforeMandate(MeetingDayRefusal):
    """A group's meeting dated before the general assembly gave it its mandate (``day``: that decision's)."""


def _before_mandate(exc: MeetingBeforeMandate) -> str:
    from app.web import format_day

    return str(_l("The group's mandate was decided on %(date)s: its meetings are on that day or later.",
                  date=format_day(exc.day, "long")))


def _meeting_to_come(exc: MeetingToCome) -> str:
    from app.web import format_day

    return str(_l("This meeting is on %(date)s: its attendance, its notes and the recommendations it adopts are "
                  "recorded once it has been held.", date=format_day(exc.day, "long")))


def _before_meeting(exc: ApprovalBeforeMeeting) -> str:
    from app.web import format_day

    return str(_l("The meeting that approves these minutes cannot be before the meeting they record (%(date)s).",
                  date=format_day(exc.day, "long")))


def _minutes_exist(exc: MinutesExist) -> str:
    from app.web import format_day
    from working_groups.labels import meeting_words, status_label

    day, minutes = meeting_words(exc.day, exc.sitting), exc.minutes
    if minutes is not None and minutes.approved_as_of is not None:
        said = _l("The board meeting of %(date)s already has its minutes, approved on %(approved)s: to correct "
                  "them, open them and draft a corrected version, with its reason.", date=day,
                  approved=format_day(minutes.approved_as_of, "long"))
    elif minutes is not None:
        said = _l("The board meeting of %(date)s already has its minutes (%(status)s): open them and continue "
                  "them rather than start a second set.", date=day, status=status_label(minutes.status.value))
    else:
        said = _l("The board meeting of %(date)s already has its minutes: a meeting has one set.", date=day)
    # The way to a second meeting's minutes, the same day: chosen knowingly, never by typing the date again.
    again = _l("If the board met again that day, choose which of its meetings these minutes record.")
    return f"{said} {again}"


def _no_earlier_meeting(exc: NoEarlierMeeting) -> str:
    from app.web import format_day
    from working_groups.labels import SITTINGS

    return str(_l("There are no minutes of an earlier board meeting on %(date)s: these cannot be those of “%(asked)s”. "
                  "Choose “%(earlier)s”, or write the minutes of the earlier meeting first.",
                  date=format_day(exc.day, "long"), asked=SITTINGS[exc.sitting],
                  earlier=SITTINGS[exc.sitting - 1]))


def _later_meeting_follows(exc: LaterMeetingFollows) -> str:
    from app.web import format_day
    from working_groups.labels import SITTINGS

    return str(_l("“%(later)s” of %(date)s has its minutes, which follow these: they cannot leave “%(these)s”. "
                  "Move or delete the minutes of the later meeting first.",
                  date=format_day(exc.day, "long"), later=SITTINGS[exc.sitting + 1], these=SITTINGS[exc.sitting]))


def _moved_on(exc: MinutesMovedOn) -> str:
    from app.web import format_moment

    said = dict(who=exc.by or _l("a colleague"), when=format_moment(exc.at, "long"))
    if exc.step == "circulated":
        return str(_l("While you were typing, %(who)s circulated these minutes to the board (%(when)s): a "
                      "circulated draft is no longer changed. Take it back to draft to change it.", **said))
    if exc.step == "withdrawn":
        return str(_l("While you were typing, %(who)s took these minutes back to draft (%(when)s): the board "
                      "approves them once they are circulated again.", **said))
    if exc.step == "approved":
        return str(_l("While you were typing, these minutes were approved (%(when)s, by %(who)s): approved minutes "
                      "are frozen. To change them, draft a corrected version, with its reason.", **said))
    if exc.step == "published":
        return str(_l("While you were typing, these minutes were approved and %(who)s published their synthesis to "
                      "members (%(when)s): they no longer change.", **said))
    if exc.step == "superseded":
        return str(_l("While you were typing, a corrected version replaced these minutes (%(when)s, approved by "
                      "%(who)s): write in the corrected version.", **said))
    return str(_l("While you were typing, %(who)s deleted this draft (%(when)s): it no longer exists.", **said))


def _too_early(exc: DateTooEarly) -> str:
    from app.web import format_day

    day = format_day(exc.earliest, "long")
    if exc.step == "adopted":
        return str(_l("The recommendations cannot be submitted before the meeting that adopted them, on %(date)s.",
                      date=day))
    if exc.step == "submitted":
        return str(_l("The board cannot have answered before the recommendation was submitted to it, on %(date)s.",
                      date=day))
    return str(_l("A progress note cannot be dated before the board's answer, on %(date)s.", date=day))


def _transition(exc: IllegalTransition) -> str:
    from working_groups.labels import status_label

    if exc.current == exc.target:  # done already (a second tab, a colleague)
        return str(_l("This is done already: it is %(current)s.", current=status_label(exc.current)))
    return str(_l("This cannot be done: it is %(current)s and cannot become %(target)s.",
                  current=status_label(exc.current), target=status_label(exc.target)))


register_messages({
    CallClosed: _l("The call for volunteers of this group is closed: you cannot join it now."),
    AlreadyInGroup: _l("You are already in this group."),
    PersonAlreadyInGroup: lambda exc: _l("%(name)s is already in this group.", name=exc.member.name),
    PersonNotAMember: lambda exc: _l("%(name)s is no longer a member of the cooperative: only members join a "
                                     "working group.", name=exc.member.name),
    NotInGroup: _l("Only the members of this group can do this."),
    NotAMember: _l("Only members of the cooperative can join a working group."),
    MeetingDateMissing: _l("A meeting needs a date."),
    MeetingBeforeMandate: _before_mandate,
    EmptyText: _l("Write something first: the text cannot be empty."),
    IllegalTransition: _transition,
    RecommendationNotDraft: _l("Only a draft recommendation can be changed or adopted; this one has moved on."),
    NothingToSubmit: _l("There is no adopted recommendation to submit."),
    AlreadyAnswered: _l("The board has already answered this recommendation: an answer is given once."),
    NotAnswerable: _l("Only a recommendation submitted to the board can be answered."),
    AmendedTextMissing: _l("An answer with amendments needs the amended text."),
    NotImplementable: _l("Only an accepted recommendation has an implementation status, and it cannot go back."),
    MinutesFrozen: _l("These minutes are approved and frozen: make a new version, with its reason, to correct them."),
    AlreadyApproved: _l("You have already approved these minutes."),
    NotABoardAttendee: _l("Only the board members listed in these minutes can approve them."),
    SynthesisIncomplete: _l("The synthesis must be written in French, Dutch and English, and the minutes approved, before it is published."),
    AlreadyCorrected: _l("A correction of this version already exists."),
    MinutesExist: _minutes_exist,
    NotAMeetingOfTheDay: _l("Choose which of the day's board meetings the minutes record, from the list."),
    NoEarlierMeeting: _no_earlier_meeting,
    LaterMeetingFollows: _later_meeting_follows,
    MinutesMovedOn: _moved_on,
    BadVotes: _l("There cannot be more votes than board members present."),
    NoBoardMembers: _l("There is no board member to list: give the board role to its members first."),
    DateToCome: _l("This date is still to come: only what has already happened is recorded, dated today at the "
                   "latest."),
    ApprovalBeforeMeeting: _before_meeting,
    MeetingToCome: _meeting_to_come,
    DateTooEarly: _too_early,
    NotDiscardable: _l("Only a draft the board has not commented on can be deleted."),
    MinutesGone: _l("These minutes no longer exist: a colleague deleted them."),
})
