"""Broken states of an assembly, named; the sentences that word them are registered in views."""
from __future__ import annotations

from app.errors import Conflict, DomainError


class AssemblyError(DomainError):
    status = 422


def about(exc: DomainError, who: str) -> DomainError:
    """``exc``, naming the member of a proxy it is about (``"giver"`` or ``"holder"``), so that a
    form says it beside that member's number."""
    exc.who = who
    return exc


def at_the_door(exc: DomainError, member, **facts) -> DomainError:
    """``exc`` for the people at the door, who see the members' names: it names ``member`` (a
    member's own form never does, so that a typed number reveals no name)."""
    exc.member = member
    for key, value in facts.items():
        setattr(exc, key, value)
    return exc


class DuplicateSlug(Conflict):
    pass


class InvalidDates(AssemblyError):
    """``fields``: every form field that breaks a rule of the assembly's dates (or its short name),
    so that the form says each beside its field at once."""

    status = 400

    def __init__(self, *fields: str):
        super().__init__(*fields)
        self.fields = fields


class SettingsLocked(Conflict):
    """``fields``: each setting asked to change that something already fixed, with what fixed it
    (``electorate``, ``ballot``, ``convocations``, ``proxies``: ``services.FIXED_BY``)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(fields)
        self.fields = fields


class AssemblyInUse(Conflict):
    """The assembly cannot be deleted: ``reason`` is what members or the public board already hold
    (``ballot``, ``proxies``, ``checkins``, ``minutes``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class AgendaLocked(Conflict):
    """The vote is prepared: the agenda is on the verifiable board and can no longer change."""


class NoSeats(AssemblyError):
    """A board election with no seat in either category elects nobody."""

    status = 400


class NoSeatInCategory(Conflict):
    """A candidate of a category the board election gives no seat to could not be elected."""

    def __init__(self, category: str):
        super().__init__(category)
        self.category = category


class CandidateTwice(Conflict):
    """The person is a candidate on this board item already (the same member, or the same name); ``gender``:
    the candidate's, for the words that agree with it."""

    def __init__(self, name: str, gender=None):
        super().__init__(name)
        self.name, self.gender = name, gender


class ItemTwice(Conflict):
    """An item of that title is on the assembly's agenda already (the form sent twice, or typed again)."""

    def __init__(self, title: str):
        super().__init__(title)
        self.title = title


class ElectorateFrozen(Conflict):
    pass


class ElectorateNotFrozen(AssemblyError):
    pass


class ElectorateSealed(Conflict):
    """The vote is closed: the electorate the record sealed and the minutes state no longer changes."""


class EmptyElectorate(AssemblyError):
    pass


class RecordDateToCome(Conflict):
    """The electorate is who is in good standing on the record date: frozen on that day or after."""

    def __init__(self, record_date):
        super().__init__(record_date)
        self.record_date = record_date


class NothingToVote(AssemblyError):
    pass


class CandidatesMissing(AssemblyError):
    """A board election on the agenda (``item``) has no candidates yet."""

    def __init__(self, item):
        super().__init__(item.contest_id)
        self.item = item


class NotEnoughScrutineers(AssemblyError):
    status = 400


class VoteNotPrepared(AssemblyError):
    pass


class NotAnElector(AssemblyError):
    status = 403


class UnknownMember(AssemblyError):
    status = 404


class NoSuchHolder(AssemblyError):
    """Said on a member's own proxy form for a number naming nobody and for one naming a member outside the
    electorate alike: a number typed there must not tell whose renewal left them out of the electorate."""

    status = 422


class UnknownCode(UnknownMember):
    """A well-formed convocation code (credential) that no member of this assembly holds."""


class UnreadableCode(AssemblyError):
    """What the door's field received is neither a member number nor a convocation's code."""

    status = 400


class CodeOfAnotherAssembly(AssemblyError):
    """A convocation code (link or credential) of another assembly's vote."""


class CodeReplaced(AssemblyError):
    """A convocation code of this assembly that a newer link replaced (a lost link, a proxy)."""


class AlreadyElector(Conflict):
    pass


class ElectorAsAnotherMembership(DomainError):
    """The person is already in the electorate through another membership of their account (one that
    ended, or the one that followed it: a former member who applied again): one person, one vote."""

    def __init__(self, other) -> None:
        super().__init__("elector as another membership")
        self.other = other  # that membership's Member


class AlreadyVoted(Conflict):
    pass


class AlreadyCheckedIn(Conflict):
    pass


class ProxyToSelf(AssemblyError):
    status = 400


class ProxyDeadlinePassed(AssemblyError):
    """The assembly's deadline for proxies (``deadline``) has passed."""

    def __init__(self, deadline):
        super().__init__(deadline)
        self.deadline = deadline


class ProxiesOver(Conflict):
    """The vote is closed: a proxy would hand over a vote there is no more to cast."""


class ProxyLimitReached(Conflict):
    pass


class ProxyExists(Conflict):
    pass


class GiverPresent(Conflict):
    """A member checked in at the door votes themselves: a proxy is for a member who is absent."""


class GiverHoldsProxies(Conflict):
    """A member holding others' proxies cannot give their own: a proxy is not passed on."""


class HolderRepresented(Conflict):
    """A member who gave their own proxy cannot hold another's: a proxy is not passed on."""


class ResultsNotYetPublic(AssemblyError):
    """The results of an assembly whose count is not published yet (a member at the results' address)."""

    status = 404


class MinutesNotPublished(AssemblyError):
    """Minutes a member may not read yet: none, or a draft not approved and signed."""

    status = 404


class NoCheckIn(AssemblyError):
    """No such check-in at this assembly (taken back already, in another tab)."""

    status = 404


class NoProxy(AssemblyError):
    status = 404


class ProxyEnded(Conflict):
    """The proxy has ended already, in another tab or by the other member: ``how`` (the proxy's
    ``ended_how``) says whether its giver withdrew it or its holder declined it."""

    def __init__(self, how):
        super().__init__(how)
        self.how = how


class NoProxyHeld(AssemblyError):
    """No proxy given to this member under that number (declined already is ``ProxyEnded``)."""

    status = 404


class ProxyUsed(Conflict):
    """The holder has voted in the giver's name: declining would throw that ballot away without the giver."""


class VotingClosed(AssemblyError):
    pass


class NoEmail(AssemblyError):
    pass


class ElectorateClosed(Conflict):
    """The vote is open: the record admits no new voter (only replacements of revoked credentials)."""


class VoteNotOpen(Conflict):
    """An item's vote opens or closes only while the vote is open."""


class ItemVoteClosed(Conflict):
    """The vote on this agenda item is already closed."""


class ItemVoteOpen(Conflict):
    """The vote on this agenda item is already open (it was not held back, or the chair opened it)."""


class ItemVoteNotOpenYet(Conflict):
    """The vote on this agenda item was held back at the opening and is not open yet."""


class NotAVotingItem(AssemblyError):
    """An information item: there is no vote on it."""

    status = 404


class CheckInNotOpen(AssemblyError):
    """The door is not open yet: ``opens_at`` is when it opens (rules.check_in_window)."""

    def __init__(self, opens_at):
        super().__init__(opens_at)
        self.opens_at = opens_at


class CheckInOver(AssemblyError):
    """The door is closed for good: the meeting's day is over, or the chair closed the vote."""


class ShortNotice(AssemblyError):
    """Convocations sent later than ``last_day`` give members less than ``notice_days`` of notice."""

    def __init__(self, last_day, notice_days: int):
        super().__init__(last_day, notice_days)
        self.last_day, self.notice_days = last_day, notice_days


class NobodyToConvene(Conflict):
    """Every member of the electorate has been sent their convocation (``convened`` of them): nothing to send."""

    def __init__(self, convened: int):
        super().__init__(convened)
        self.convened = convened


class ShortNoticeReasonMissing(AssemblyError):
    """A shorter notice confirmed without saying why (the audit log keeps the reason)."""

    status = 400


class VoteOpensLater(AssemblyError):
    """The chair opens the vote no sooner than the remote-voting window opens (``opens_at``)."""

    def __init__(self, opens_at):
        super().__init__(opens_at)
        self.opens_at = opens_at


class MeetingNotStarted(AssemblyError):
    """The chair closes the vote no sooner than the meeting starts (``starts_at``)."""

    def __init__(self, starts_at):
        super().__init__(starts_at)
        self.starts_at = starts_at


class HeldItemBeforeMeeting(MeetingNotStarted):
    """The chair opens the vote on an item held back no sooner than the meeting starts: it was held
    back to be voted on after the hall's debate."""


class MeetingNotBegun(MeetingNotStarted):
    """Minutes record a meeting that was held: they begin once it has begun (``starts_at``)."""

    status = 409


class MinutesSigned(Conflict):
    """The minutes are signed: frozen."""


class MinutesNotSigned(Conflict):
    """A correction is for signed minutes: a draft is changed in its form."""


class MinutesChanged(Conflict):
    """The minutes were saved or signed since this form was drawn (another tab, a colleague)."""


class ResultsNotPublished(Conflict):
    """The agenda has a vote whose result is not published: the minutes would lack its outcome."""


class MinutesIncomplete(AssemblyError):
    """``fields``: what must be written before signing (the chair, the secretary)."""

    status = 400

    def __init__(self, *fields: str):
        super().__init__(*fields)
        self.fields = fields


class NotAnItemOfThisAssembly(AssemblyError):
    status = 400


class CannotMoveItem(AssemblyError):
    """The item is already first (moved up) or last (moved down) on the agenda."""
