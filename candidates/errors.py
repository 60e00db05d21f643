"""Broken states of a call or an application, named; ``candidates/__init__`` words them once."""
from __future__ import annotations

from app.errors import Conflict, DomainError


class CandidacyError(DomainError):
    status = 422


class CallNotOpen(CandidacyError):
    """The call has not opened yet, or was never announced."""


class CallClosed(CandidacyError):
    """The closing date has passed: applications can no longer be made or changed."""


class NotEligible(CandidacyError):
    """The register says this member cannot stand (``reasons`` holds the codes)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = list(reasons)


class DuplicateApplication(Conflict):
    """This member already has an application for this call (database-enforced)."""


class IncompleteApplication(CandidacyError):
    """Submission needs every required field; ``missing`` names them."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = list(missing)


class InvalidPhoto(CandidacyError):
    """Not an image we accept (JPEG, PNG or WebP)."""

    status = 422


class PhotoTooLarge(CandidacyError):
    """Over the size or dimension limit."""

    status = 413


class WrongStatus(CandidacyError):
    """The application is not in a state where this can be done."""

    status = 409


class StaleApplication(Conflict):
    """Someone changed the application since the form was opened."""


class ReasonRequired(CandidacyError):
    """A rejection or a request for correction must say why."""

    status = 400


class WithdrawalClosed(CandidacyError):
    """The vote has opened: a withdrawal no longer changes the ballot."""


class VoteOver(CandidacyError):
    """The call's vote is over (closed, tallied, or its assembly held): a withdrawal would change nothing."""

    status = 409


class NotPublished(CandidacyError):
    status = 404


class AlreadyPublished(Conflict):
    """The list of candidates is already published."""


class Recused(CandidacyError):
    """The secretary stands in this call: another secretary decides on its applications and its ballot."""

    status = 403


class BallotFixed(Conflict):
    """The ballot order is fixed: decisions and a new draw are closed."""


class BallotNotFixed(CandidacyError):
    """The ballot order has not been chosen or drawn yet."""


class PendingReviews(CandidacyError):
    """Some applications still wait for a decision."""


class InvalidBallotOrder(CandidacyError):
    """A manual order must number each category's candidates 1, 2, 3... once each."""

    status = 400


class NoCandidates(CandidacyError):
    """No accepted candidate: there is nothing to put on the ballot."""


class VoteOpened(CandidacyError):
    """The vote has opened: the ballot can no longer change."""


class InvalidCall(CandidacyError):
    """The call's dates or seats do not hold together (``problem`` says which)."""

    status = 400

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class DuplicateCall(Conflict):
    """Another call already has this short name."""


class FieldTooLong(CandidacyError):
    """Some texts are over their length limit (``fields`` names them)."""

    status = 400

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = list(fields)


class CallStillOpen(CandidacyError):
    """The call has not closed yet: the ballot is fixed after the closing date."""
