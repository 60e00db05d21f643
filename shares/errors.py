from app.errors import Conflict, DomainError


class StaleEdit(Conflict):
    """The record changed since the form was opened."""


class StaleConfirmation(Conflict):
    """A register action confirmed on a page older than the member's register (another tab, another staff)."""


class PurchaseAlreadySent(StaleConfirmation):
    """A member's purchase form sent again (or older than a change of theirs): nothing subscribed twice."""


class DuplicateEmail(DomainError):
    status = 409


class EmailInUse(DuplicateEmail):
    """A signed-in member's new address is another account's: said as such, not as the join form's advice."""


class EmailOfAnotherAccount(DuplicateEmail):
    """Staff gave a member the address of another account: said to staff with whose it is (``holder``,
    the member, or else the account), never as the join form's advice to sign in."""

    def __init__(self, holder) -> None:
        super().__init__()
        self.holder = holder


class ResignationPending(Conflict):
    """More shares asked by a member whose resignation waits for staff."""


class IdentityInRegister(DomainError):
    """Another membership that has not ended has this national or enterprise number: one person (or
    one company) is one member, with one vote. ``holder`` is that member (named to staff only)."""

    status = 409

    def __init__(self, holder=None) -> None:
        super().__init__("identity in the register")
        self.holder = holder


class IdentityNumberFixed(DomainError):
    """A member changing or removing the national or enterprise number the register holds for them: it is
    what makes one person (or one company) one member, and a number emptied would let them join a
    second time; the cooperative corrects it."""


class IdentityNumberRequired(DomainError):
    """Staff correcting a national or enterprise number gave none: a number the register holds is corrected,
    never emptied (emptied, the same person or company could join a second time)."""

    status = 422


class InvalidIdentityNumber(DomainError):
    """A national (``field`` "national_number") or enterprise number ("enterprise_number") whose check digits
    python-stdnum refuses, given to a service (a form says it first; a command or another page may not)."""

    status = 422

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class IdentityNumberUnchanged(DomainError):
    """Staff "corrected" a national or enterprise number to the one the register holds already."""

    status = 422


class ExcludedIdentity(IdentityInRegister):
    """The national or enterprise number of a person excluded (``holder``, on ``on``): only the board admits
    them again, so no membership is made with it unless staff give the board's readmission decision."""

    def __init__(self, holder, on) -> None:
        super().__init__(holder)
        self.on = on


class IdentityOfAnotherPerson(IdentityInRegister):
    """Staff's correction gives a member the national or enterprise number of ``holder``, another account's
    membership that ended (left on ``left_on``) or never began (an application refused or withdrawn,
    ``left_on`` None): it is another person's."""

    def __init__(self, holder, left_on) -> None:
        super().__init__(holder)
        self.left_on = left_on


class ReadmissionBeforeExclusion(DomainError):
    """A board's readmission dated before the exclusion it undoes (``on``: the exclusion's day)."""

    status = 422

    def __init__(self, on) -> None:
        super().__init__(f"readmitted before {on}")
        self.on = on


class AdmittedBeforeApplying(DomainError):
    """An admission dated before the payment it admits on (``earliest``)."""

    status = 422

    def __init__(self, earliest) -> None:
        super().__init__(f"admitted before {earliest}")
        self.earliest = earliest


class NoOneToReadmit(DomainError):
    """A readmission typed for a number no excluded person has."""

    status = 422


class IdentityTakenSinceExit(IdentityInRegister):
    """An exit cannot be undone: since the member left, another membership has their number."""


class RejoinedSinceExit(IdentityTakenSinceExit):
    """An exit cannot be undone: since the member left, they applied again, as the membership ``holder``."""


# --- the register -------------------------------------------------------------------------------

class InvalidShareCount(DomainError):
    """A number of shares must be a positive whole number."""


class MemberNotActive(DomainError):
    """The member has resigned or was excluded."""


class LaterEntries(DomainError):
    """An exit dated before entries the member's register already has: their holding would go negative."""

    status = 422

    def __init__(self, last_on) -> None:
        super().__init__(f"entries after, up to {last_on}")
        self.last_on = last_on


class NotEnoughShares(DomainError):
    """The member does not hold that many shares."""


class CapitalBelowZero(DomainError):
    """The correction would leave the member's subscribed or paid capital below zero."""


class CorrectionBeforeEntry(DomainError):
    """A correction is dated on or after the entry it corrects (``entry_on``)."""

    def __init__(self, entry_on):
        super().__init__(entry_on)
        self.entry_on = entry_on


class EntryVoidedAlready(DomainError):
    """The entry's effect (an exit, a lapse, a reinstatement) was voided by a correction already."""

    status = 409


class NothingToCorrect(DomainError):
    """A correction of shares or amounts that changes none of them."""


class BelowMinimumShares(DomainError):
    """The change would leave the member below one share or their category's minimum."""


class BoardApprovalRequired(DomainError):
    """A transfer or an exclusion needs the board decision's date and reference."""


class SameMember(DomainError):
    """A transfer needs two different members."""


class SameCategory(DomainError):
    """The member is already in that category."""


class LegalPersonInCategoryA(DomainError):
    """A company or association is a member of category B (the statutes' partners and legal persons)."""

    status = 422


class UnpaidShares(DomainError):
    """Only paid-up shares can be transferred."""


class FutureDate(DomainError):
    """The effective date is in the future."""


class BoardDecisionToCome(DomainError):
    """The board's decision for a transfer or an exclusion is dated after today."""


class ReasonRequired(DomainError):
    """A correction or a manual match needs a reason."""


class EntryNotCorrectable(DomainError):
    """That entry belongs to another member or is itself a correction of nothing."""


# --- payments ------------------------------------------------------------------------------------

class InvalidReference(DomainError):
    """Not a valid Belgian structured communication (+++123/4567/89002+++)."""

    def __init__(self, reason: str = "format"):  # "format" | "length" | "checksum"
        super().__init__(reason)
        self.reason = reason


class UnknownReference(DomainError):
    """No payment request has that structured communication."""

    status = 404


class RequestNotPayable(DomainError):
    """The payment request is cancelled."""


class TransactionAlreadyResolved(Conflict):
    """Someone matched or dismissed this bank transaction first."""


# --- bank statements ---------------------------------------------------------------------------

class StatementError(DomainError):
    """A bank statement file that cannot be imported; ``reason`` names why, ``facts`` what staff need to
    find the spot in the file (``what`` was wrong, ``line``, ``entry``, ``statement``, the ``text`` read,
    amounts in cents), which the page puts in a sentence; ``detail`` is the same in English, for the
    command line and the logs."""

    def __init__(self, reason: str, detail: str = "", **facts):
        super().__init__(reason, detail)
        # "empty" | "not_xml" | "not_camt053" | "truncated" | "unknown_account" | "no_account" | "batch" | "invalid"
        self.reason = reason
        self.detail = detail
        self.facts = facts


class UnknownMember(DomainError):
    """No member has that number."""

    status = 404


# --- money kept beyond what was due -------------------------------------------------------------

class PaymentConflict(Conflict):
    """Another payment changed the same request at the same moment; try again."""


class PaymentRecordedMeanwhile(Conflict):
    """A payment of the request was recorded since staff opened the form (or the form was sent twice)."""


class RequestPaidInFull(DomainError):
    """Nothing is left to receive on this request."""


class NotACredit(DomainError):
    """Only money received (a credit in euros) can pay a request."""


class PaidBeforeAsked(DomainError):
    """A transfer booked (``booked_on``) before the day its request could be paid (``payable_from``):
    shares paid up before they were subscribed, a fee years before its year."""

    status = 422

    def __init__(self, booked_on, payable_from):
        super().__init__(f"booked {booked_on}, payable from {payable_from}")
        self.booked_on, self.payable_from = booked_on, payable_from


class ReceivedBeforeAsked(PaidBeforeAsked):
    """Money received outside the bank dated (``booked_on``) before the day its request could be paid."""


class BookedInFuture(DomainError):
    """A bank transfer booked on a day still to come (``booked_on``): no statement can show one yet."""

    status = 422

    def __init__(self, booked_on):
        super().__init__(f"booked {booked_on}")
        self.booked_on = booked_on


class NotAReturn(DomainError):
    """Only money going out (a debit) can be a payment returned by the bank."""


class PaymentDividedSince(DomainError):
    """The returned payment (``amount_cents``) was divided since it arrived (fewer shares, shares bought with
    part of it, next year's membership paid with part of it): ``register_cents`` of it are in the register as
    shares, ``credited_cents`` paid next year's membership, ``kept_cents`` are on the refund list or waiting
    for a decision. Nothing is taken back automatically: staff correct by hand."""

    status = 422

    def __init__(self, amount_cents: int, register_cents: int, kept_cents: int, credited_cents: int = 0):
        super().__init__(f"{amount_cents} cents divided: {register_cents} in the register, {kept_cents} kept, "
                         f"{credited_cents} credited")
        self.amount_cents, self.register_cents, self.kept_cents = amount_cents, register_cents, kept_cents
        self.credited_cents = credited_cents


class NoPaymentToReturn(DomainError):
    """No payment of the returned amount (``amount_cents``) of that request is in the register (not yet
    taken out): nothing to take back automatically."""

    status = 422

    def __init__(self, amount_cents: int):
        super().__init__(f"no payment of {amount_cents} cents")
        self.amount_cents = amount_cents


class StatementAlreadyImported(Conflict):
    """The same file was imported by someone else a moment ago (a double click, two tabs)."""


class SurplusAlreadyDecided(Conflict):
    """Someone decided what becomes of this surplus first."""


class RefundAlreadyMade(Conflict):
    """What a redemption paid back (``amount_cents``) left the cooperative on ``refunded_at``: the exit or
    the redemption can no longer be undone, nor its paid-up capital put back."""

    def __init__(self, amount_cents: int, refunded_at) -> None:
        super().__init__(f"{amount_cents} refunded at {refunded_at}")
        self.amount_cents, self.refunded_at = amount_cents, refunded_at


class ReturnedAfterRefund(Conflict):
    """The bank took back a payment whose money (``amount_cents``) the cooperative had already paid back
    from the refund list on ``refunded_at``: it went back twice, and is recovered from the payer."""

    def __init__(self, amount_cents: int, refunded_at) -> None:
        super().__init__(f"{amount_cents} refunded at {refunded_at} and returned")
        self.amount_cents, self.refunded_at = amount_cents, refunded_at


class RefundStillListed(Conflict):
    """Paid-up capital put back into a redemption whose refund (``amount_cents``) is still on the refund
    list: while the exit is in force (``exit_in_force``: correct the exit first), or not all of it."""

    def __init__(self, amount_cents: int, exit_in_force: bool) -> None:
        super().__init__(f"{amount_cents} still to refund")
        self.amount_cents, self.exit_in_force = amount_cents, exit_in_force


class RefundPaidBack(Conflict):
    """A refund marked paid back (``amount_cents`` on ``refunded_at``): its money left the cooperative, so
    it cannot be called off."""

    def __init__(self, amount_cents: int, refunded_at) -> None:
        super().__init__(f"{amount_cents} refunded at {refunded_at}")
        self.amount_cents, self.refunded_at = amount_cents, refunded_at


class RefundNotListed(Conflict):
    """The refund left the list meanwhile (called off by someone else, or taken back by the bank)."""


class RefundCalledOff(RefundNotListed):
    """Staff called this refund off (``called_off_at``): nobody decided it, it is no longer to be paid back
    nor decided, and its money was kept again, a row of its own to decide."""

    def __init__(self, called_off_at) -> None:
        super().__init__(f"called off at {called_off_at}")
        self.called_off_at = called_off_at


class RefundMustBePaid(DomainError):
    """A refund of this ``kind`` is owed: calling it off would keep money that is not the cooperative's (a
    departed member's capital, shares redeemed, money paid after an exit, a refused application's money,
    money kept beyond what was due for someone who has left), or could not put back a partial payment that
    left the register. Only money kept beyond what was due, of a member who stays, goes back to be decided
    again. A rule, not a race: 422."""

    status = 422

    def __init__(self, kind) -> None:
        super().__init__(f"{getattr(kind, 'value', kind)} refund is owed")
        self.kind = kind


class MemberLeftMoney(Conflict):
    """The member's exit is in force: money received for them buys nothing, it can only be paid back."""


class SurplusTooSmall(DomainError):
    """The surplus does not buy one whole share."""


class RefundAccountMissing(DomainError):
    """A refund needs a valid IBAN to pay back to."""


class NothingDue(DomainError):
    """The renewal of ``year`` a credit would pay is already paid, or was cancelled (``cancelled``)."""

    def __init__(self, year: int, cancelled: bool = False) -> None:
        super().__init__(year, cancelled)
        self.year, self.cancelled = year, cancelled


class ApplicationPending(DomainError):
    """An applicant not admitted yet cannot act as a member (buy more shares, ask for a change)."""

    status = 409


class ApplicationEnded(ApplicationPending):
    """An application refused or withdrawn: the person never became a member."""


# --- payments short of what was asked ------------------------------------------------------------

class ShortfallSettled(Conflict):
    """The request is no longer partly paid (paid in full since, refunded, or cancelled): nothing to decide."""


class FewerSharesImpossible(DomainError):
    """What was paid does not make at least one whole share fewer than asked, or the request is not for shares."""


class KeptMoneyNotForShares(DomainError):
    """Money kept for someone not admitted (application pending or refused) cannot buy shares or pay a renewal."""
