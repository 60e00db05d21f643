"""The sentences people read for the shares module's errors: declared once (``app.errors``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.errors import register_messages
from shares import admission, errors, member_requests
from shares.certificates import CertificateUnavailable

register_messages({
    errors.InvalidShareCount: _l("Enter a whole number of shares, 1 or more."),
    errors.MemberNotActive: _l("This membership has ended (resignation or exclusion): this is no longer possible."),
    errors.NotEnoughShares: _l("The member does not hold that many shares."),
    errors.BelowMinimumShares: _l("Refused: the member would be left below one share or below the minimum of "
                                  "their category."),
    errors.BoardApprovalRequired: _l("The board's decision (date and reference) is required."),
    errors.SameMember: _l("A transfer needs two different members."),
    errors.SameCategory: _l("The member is already in this category."),
    errors.UnpaidShares: _l("Only paid-up shares can be transferred."),
    errors.FutureDate: _l("The date cannot be in the future."),
    errors.ReasonRequired: _l("Say why."),
    errors.EntryNotCorrectable: _l("A correction cannot itself be corrected; correct the original entry."),
    errors.UnknownMember: _l("No member has that number."),
    errors.UnknownReference: _l("No payment request has this structured communication."),
    errors.RequestNotPayable: _l("This payment request is cancelled, or already (partly) paid: it cannot be "
                                 "cancelled or paid any more."),
    errors.TransactionAlreadyResolved: _l("Someone resolved this payment first. Reload the queue."),
    errors.DuplicateEmail: _l("An account already uses this e-mail address. If it is yours, sign in: you can buy "
                              "shares from your own page."),
    errors.StaleEdit: _l("Someone changed this while you were editing. Reload the page and try again."),
    errors.ApplicationPending: _l("Your application is not decided yet: wait until you are admitted."),
    member_requests.RequestAlreadyPending: _l("You already have a request of this kind waiting for staff."),
    member_requests.RequestAlreadyDecided: _l("Someone decided this request first."),
    admission.ApplicationAlreadyDecided: _l("Someone decided this application first."),
    admission.ApplicationNotPaid: _l("This application is not paid yet: it can only be refused for now."),
    admission.DecisionRequired: _l("The decision's date and reference are required."),
    CertificateUnavailable: _l("There is no certificate for a member who is not in good standing."),
})
