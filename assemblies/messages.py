"""What each refusal means, in the reader's language (services never word errors)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from assemblies import errors

from assemblies.candidates_adapter import CallNotFound, CandidaciesUnavailable

MESSAGES = {
    CandidaciesUnavailable: _l("Board candidacies are not available in this installation: enter the candidates by hand."),
    CallNotFound: _l("There is no call for candidates with a fixed ballot by that name."),
    errors.DuplicateSlug: _l("An assembly with this short name already exists."),
    errors.InvalidDates: _l("Check the dates: voting opens before it closes, the record date comes before the meeting "
                            "and the proxy deadline before voting closes."),
    errors.AgendaLocked: _l("The ballot is already on the public board: the agenda can no longer change."),
    errors.ElectorateFrozen: _l("The electorate is already frozen. Use a correction instead."),
    errors.ElectorateNotFrozen: _l("Freeze the electorate first."),
    errors.EmptyElectorate: _l("No member is in good standing on the record date."),
    errors.NothingToVote: _l("The agenda has nothing to vote on yet."),
    errors.CandidatesMissing: _l("A board election on the agenda has no candidates yet."),
    errors.NotEnoughScrutineers: _l("Choose the scrutineers, and a number that must decrypt together between one "
                                    "and their number."),
    errors.VoteNotPrepared: _l("The ballot of this assembly is not prepared yet."),
    errors.NotAnElector: _l("This member is not in the electorate of this assembly."),
    errors.UnknownMember: _l("No member has this number."),
    errors.AlreadyElector: _l("This member is already in the electorate."),
    errors.AlreadyVoted: _l("This member has already voted: their vote stays as it is."),
    errors.AlreadyCheckedIn: _l("This member is already checked in."),
    errors.ProxyToSelf: _l("A member cannot hold their own proxy."),
    errors.ProxyDeadlinePassed: _l("The deadline for proxies has passed."),
    errors.ProxyLimitReached: _l("This member already holds as many proxies as the statutes allow."),
    errors.ProxyExists: _l("A proxy already stands for this member."),
    errors.NoProxy: _l("There is no proxy to withdraw."),
    errors.VotingClosed: _l("The vote is closed: no link can be issued any more."),
    errors.ElectorateClosed: _l("The vote is open: no new voter can be added any more."),
    errors.NoEmail: _l("This member has no e-mail address: print a letter instead."),
    errors.VoteNotOpen: _l("The vote is not open: the vote on an item can be closed only while the vote is open."),
    errors.ItemVoteClosed: _l("The vote on this item is already closed."),
    errors.NotAVotingItem: _l("There is no vote on this agenda item."),
}
