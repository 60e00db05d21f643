"""Broken states of the ballot box and its board, named; views word them and pick the status.

Each error carries ``code`` (stable, the same words as voting.record/voting.crypto codes where
they exist) and an optional ``detail`` (a technical sentence from the crypto layer, English, for
logs and for the JSON answer's ``detail``; never shown as the user-facing message)."""
from __future__ import annotations

from app.errors import Conflict, DomainError


class VotingError(DomainError):
    code = "voting_error"

    def __init__(self, detail: str = "", **info) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.info = info


# -- 400: the ballot or the step is malformed or does not verify ---------------------------------

class MalformedBallot(VotingError):
    status = 400
    code = "ballot_format"


class InvalidGroupElement(VotingError):
    status = 400
    code = "invalid_element"


class InvalidProof(VotingError):
    status = 400
    code = "invalid_proof"


class InvalidSignature(VotingError):
    status = 400
    code = "invalid_signature"


class InvalidTrusteeSignature(VotingError):
    """A scrutineer's file whose signature is not that trustee's key for this election."""

    status = 400
    code = "trustee_signature"


class StepForAnotherElection(VotingError):
    """A scrutineer's file made for another election (its fingerprint is not this one's)."""

    status = 422
    code = "wrong_election"


class InvalidTrusteeData(VotingError):
    """A scrutineer's upload does not verify against the record (format, signature, proof, share)."""

    status = 400
    code = "trustee_data"


class ComplaintUnfounded(VotingError):
    """A key-generation complaint that proves nothing against the dealer (5.4a): the dealer stays."""

    status = 400
    code = "complaint_unfounded"


# -- 403: who is casting -----------------------------------------------------------------------

class UnknownCredential(VotingError):
    status = 403
    code = "unknown_credential"


class RevokedCredential(VotingError):
    status = 403
    code = "revoked_credential"


class LoginRequired(VotingError):
    """This election accepts ballots from signed-in members only."""

    status = 403
    code = "login_required"


class NotYourCredential(VotingError):
    """This election requires sign-in and the credential belongs to another member (see
    voting.permissions.may_cast_for)."""

    status = 403
    code = "not_your_credential"


class NotATrustee(VotingError):
    status = 403
    code = "not_a_trustee"


# -- 409: conflicts with the board ----------------------------------------------------------------

class BallotAfterClose(VotingError, Conflict):
    status = 409
    code = "ballot_after_close"


class BallotBoxNotOpen(VotingError, Conflict):
    """The ballot box has not been opened yet."""

    status = 409
    code = "ballot_before_open"


class CopiedBallot(VotingError, Conflict):
    """A ciphertext of this ballot is already in another credential's ballot."""

    status = 409
    code = "ballot_copied"


class DuplicateBallot(VotingError, Conflict):
    """This exact ballot (same tracker) is already on the board: the same credential resubmitted it."""

    status = 409
    code = "duplicate_ballot"


class ChairedByAssembly(VotingError, Conflict):
    """An assembly's election opens and closes from the assembly's chair's console, which keeps the
    assembly's calendar (voting.services.chaired_by_assembly)."""

    status = 409
    code = "chaired_by_assembly"


class WrongState(VotingError, Conflict):
    """The election is not in the state this step needs (``info['state']``, ``info['needed']``)."""

    status = 409
    code = "wrong_state"


class AlreadyClosed(WrongState):
    """The ballot box is already closed (a close confirmed a second time, from another tab)."""

    code = "already_closed"


class AlreadyPublished(VotingError, Conflict):
    """This scrutineer already published this step."""

    status = 409
    code = "already_published"


class BoardBusy(VotingError, Conflict):
    """The board kept moving under us (too many concurrent appends); try again."""

    status = 409
    code = "board_busy"


# -- 422: well-formed but not for this election / not possible now -------------------------------

class WrongFingerprint(VotingError):
    status = 422
    code = "wrong_election"


class NotEnoughTrustees(VotingError):
    """Fewer than k partial decryptions: ``missing`` names the scrutineers still expected."""

    status = 422
    code = "not_enough_trustees"

    def __init__(self, missing: list[str], have: int, need: int) -> None:
        super().__init__(f"{have} of {need} partial decryptions; missing: {', '.join(missing)}",
                         missing=missing, have=have, need=need)
        self.missing = missing
        self.have = have
        self.need = need


class InvalidDefinition(VotingError):
    status = 422
    code = "invalid_definition"


class NoCredentials(VotingError):
    """The ballot box cannot open before the credential list is published."""

    status = 422
    code = "no_credentials"


class DuplicateSlug(VotingError, Conflict):
    status = 409
    code = "duplicate_slug"


class ReusedCiphertext(VotingError, Conflict):
    """A ciphertext of this ballot is already in an earlier ballot of the same credential: a revote
    must be encrypted afresh (the ballot page does so)."""

    status = 409
    code = "ciphertext_reused"


class AlreadyRevoked(VotingError, Conflict):
    status = 409
    code = "already_revoked"


class CredentialAfterOpen(VotingError, Conflict):
    """After the opening, a credential can only replace a revoked one (no new voter)."""

    status = 409
    code = "credential_after_open"


class NotEnoughSeals(VotingError):
    """Fewer than k scrutineers signed the seal of the closed board: no tally yet."""

    status = 422
    code = "not_enough_seals"


class InvalidCredentialList(VotingError):
    """The public credential list is malformed, unsorted, or repeats a credential already listed."""

    status = 422
    code = "credential_format"


class ItemAlreadyClosed(VotingError, Conflict):
    """The vote on this agenda item (these contests) is already closed."""

    status = 409
    code = "item_closed"


class UnknownContest(VotingError):
    """An item close names a contest the election does not have."""

    status = 404
    code = "unknown_contest"


class ItemNotOpen(VotingError, Conflict):
    """The vote on this agenda item was held back at the opening and is not open yet."""

    status = 409
    code = "item_not_open"


class ItemNotHeld(VotingError, Conflict):
    """The vote on this agenda item is already open (it was not held back, or the chair opened it)."""

    status = 409
    code = "item_open"
