"""The sentences people read for the shares module's errors: declared once (``app.errors``)."""
from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.audit import (each, named_rows, register_action_labels, register_field_labels, register_field_words,
                       register_object_labels, register_object_names, register_value_words)
from app.errors import register_messages
from app.clock import brussels_day
from app.i18n import LANGUAGE_WORDS
from app.web import euros, format_day
from shares import admission, email_change, errors, member_requests
from shares.certificates import CertificateUnavailable
from shares.labels import (APPLICATION_WORDS, CATEGORY_WORDS, COUNTRIES, DOCUMENT_WORDS, INVALID_NUMBER_WORDS,
                           PAYMENT_STATUS_WORDS, PURPOSE_WORDS, REFUND_WHY_WORDS, WHY_SHORT_WORDS, WHY_WORDS, document_name,
                           format_identity_number, iban_text, member_number_and_name)
from shares.models import (BankStatementImport, BankTransaction, CoopDocument, Member, MemberRequest,
                           MembershipApplication, PaymentRequest, RegisterExport, Surplus)
from shares.references import format_reference



def _contact() -> str:
    return current_app.config.get("COOP_CONTACT_EMAIL", "")


# Why a refund cannot be called off, by the kind of money (``errors.RefundMustBePaid``).
MUST_BE_PAID = {
    "underpayment": _l("This partial payment left the register when its refund was decided, and its request asks its "
                       "whole amount again: calling the refund off cannot put it back. Pay it back; if it was paid "
                       "back another way, mark it as paid back."),
    "refused_application": _l("This application was refused: the money it received is the payer's and must be paid "
                              "back. If it was paid back another way, mark it as paid back."),
    "leaving": _l("This member left the cooperative: the paid-up value of their shares must be paid back to them. If "
                  "the exit was a mistake, correct the exit, then the redemption, in the register (the refund then "
                  "leaves the list); if it was paid back another way, mark it as paid back."),
    "redemption": _l("These shares were redeemed: their paid-up value must be paid back. If the member keeps the "
                     "shares, correct the redemption in the register (putting all of it back takes the refund off "
                     "the list); if it was paid back another way, mark it as paid back."),
    "after_exit": _l("This money was paid for someone who had left: it buys nothing and must be paid back to the "
                     "payer. If it was paid back another way, mark it as paid back."),
    "overpayment": _l("This person has left the cooperative: money kept for them beyond what was due can only be "
                      "paid back. If it was paid back another way, mark it as paid back."),
}


register_messages({
    errors.InvalidShareCount: _l("Enter a whole number of shares, 1 or more."),
    errors.MemberNotActive: _l("This membership has ended (resignation or exclusion): this is no longer possible."),
    errors.NotEnoughShares: _l("The member does not hold that many shares."),
    errors.LaterEntries: lambda exc: str(_l("The member's register has entries after that date: date the exit on "
                                            "or after the last one, %(date)s.", date=format_day(exc.last_on))),
    errors.BelowMinimumShares: _l("Refused: the member would be left below one share or below the minimum of "
                                  "their category."),
    errors.BoardApprovalRequired: _l("The board's decision (date and reference) is required."),
    errors.SameMember: _l("A transfer needs two different members."),
    errors.SameCategory: _l("The member is already in this category."),
    errors.LegalPersonInCategoryA: _l("A company or association is a member of category B."),
    errors.UnpaidShares: _l("Only paid-up shares can be transferred."),
    errors.FutureDate: _l("The date cannot be in the future."),
    errors.ReadmissionBeforeExclusion: lambda exc: str(_l(
        "The board cannot have readmitted this person before their exclusion, on %(date)s: check the date.",
        date=format_day(exc.on))),
    errors.AdmittedBeforeApplying: lambda exc: str(_l(
        "The admission cannot be dated before %(date)s, when its payment came in: check the date of the decision.",
        date=format_day(exc.earliest))),
    errors.NoOneToReadmit: _l("No excluded person has this number: leave the board's readmission empty."),
    errors.BoardDecisionToCome: _l("The board's decision cannot be dated in the future: record it once taken."),
    errors.ReasonRequired: _l("Say why."),
    errors.EntryNotCorrectable: _l("A correction cannot itself be corrected; correct the original entry."),
    errors.CapitalBelowZero: _l("Refused: the member's subscribed or paid capital would fall below zero."),
    errors.CorrectionBeforeEntry: lambda exc: str(_l("A correction cannot be dated before the entry it corrects "
                                                     "(%(date)s).", date=format_day(exc.entry_on))),
    errors.PaidBeforeAsked: lambda exc: str(_l(
        "This transfer was booked on %(booked)s, before %(payable)s, the first day it could pay this request (shares "
        "are paid up no sooner than subscribed): set it aside or choose another request.",
        booked=format_day(exc.booked_on), payable=format_day(exc.payable_from))),
    errors.ReceivedBeforeAsked: lambda exc: str(_l(
        "The money cannot have been received on %(received)s, before %(payable)s, the first day it could pay this "
        "request (shares are paid up no sooner than subscribed): check the date.",
        received=format_day(exc.booked_on), payable=format_day(exc.payable_from))),
    errors.BookedInFuture: lambda exc: str(_l(
        "This transfer is booked on %(booked)s, a day still to come: no statement can show that yet. Check the file "
        "with the bank, and set this payment aside.", booked=format_day(exc.booked_on))),
    errors.NotAReturn: _l("Only money the bank took back (a debit) can be a payment returned."),
    errors.PaymentDividedSince: lambda exc: " ".join((str(_l(
        "The %(amount)s taken back were divided since they arrived: %(register)s are in the register, %(credited)s "
        "paid next year's membership and %(kept)s are on the refund list or waiting for a decision.",
        amount=euros(exc.amount_cents), register=euros(exc.register_cents), credited=euros(exc.credited_cents),
        kept=euros(exc.kept_cents)) if exc.credited_cents else _l(
        "The %(amount)s taken back were divided since they arrived (fewer shares, or shares bought with part of "
        "them): %(register)s are in the register and %(kept)s on the refund list or waiting for a decision.",
        amount=euros(exc.amount_cents), register=euros(exc.register_cents), kept=euros(exc.kept_cents))), str(_l(
        "A return cannot follow them automatically: nothing is changed. Set this return aside with a reason "
        "(below). Then, on the member's register page, correct each payment this money made (capital paid, "
        "negative); what of it is kept beyond what was due went back to the payer with the bank's return: pay it "
        "back on the queue if it waits for a decision, then mark it as paid back on the refund list.")))),
    errors.NoPaymentToReturn: lambda exc: str(_l(
        "No payment of %(amount)s of this request is in the register (or it was taken out already): nothing to take "
        "back. Check the member's register, correct it by hand if needed, and set this aside with a reason.",
        amount=euros(exc.amount_cents))),
    errors.StatementAlreadyImported: _l("This file was just imported (a second click, or another tab): it is "
                                        "imported once."),
    errors.EntryVoidedAlready: _l("This entry was corrected already (perhaps by a colleague at the same moment): "
                                  "its effect is void, nothing more to correct."),
    errors.NothingToCorrect: _l("This correction changes nothing: give the change in shares or in euros."),
    errors.UnknownMember: _l("No member has that number."),
    errors.UnknownReference: _l("No payment request has this structured communication."),
    errors.RequestNotPayable: _l("This payment request is cancelled, or already (partly) paid: it cannot be "
                                 "cancelled or paid any more."),
    errors.PaymentRecordedMeanwhile: _l("A payment of this request was recorded since you opened this form (or the "
                                        "form was sent twice): nothing more is recorded. Check what is paid now."),
    errors.RequestPaidInFull: _l("This request is paid in full: there is nothing left to receive."),
    errors.TransactionAlreadyResolved: _l("Someone resolved this payment first. Reload the queue."),
    errors.IdentityInRegister: _l("This national or enterprise number cannot start a new membership: one "
                                  "person is one member. If you are a member already, sign in with your e-mail "
                                  "address; otherwise contact the cooperative."),
    errors.IdentityNumberFixed: _l("Your national or enterprise number is in the register: you cannot change or "
                                   "remove it yourself. If it is wrong, write to the cooperative."),
    errors.IdentityNumberRequired: _l("Enter the correct number: a number the register holds is corrected, never "
                                      "removed (without it, the same person could become a member twice)."),
    errors.InvalidIdentityNumber: lambda exc: str(INVALID_NUMBER_WORDS[exc.field]),
    errors.IdentityNumberUnchanged: _l("This is the number the register holds already: nothing to correct."),
    errors.IdentityOfAnotherPerson: lambda exc: str(_l(
        "%(name)s (member %(number)s), whose membership ended on %(date)s, had this number: it belongs to another "
        "person's account and cannot be given to this member. Check the number typed.", name=exc.holder.name,
        number=exc.holder.number, date=format_day(exc.left_on)) if exc.left_on else _l(
        "%(name)s (member %(number)s), whose application ended, had this number: it belongs to another person's "
        "account and cannot be given to this member. Check the number typed.", name=exc.holder.name,
        number=exc.holder.number)),
    errors.IdentityTakenSinceExit: lambda exc: str(_l(
        "%(name)s (member %(number)s) has had this member's national or enterprise number since they left: one "
        "person is one member, so this exit cannot be undone.", name=exc.holder.name, number=exc.holder.number)),
    errors.RejoinedSinceExit: lambda exc: str(_l(
        "This person applied again since they left, as member %(number)s: that membership goes on, so this exit "
        "cannot be undone.", number=exc.holder.number)),
    errors.EmailInUse: _l("Another account already uses this e-mail address: choose another one."),
    errors.EmailOfAnotherAccount: lambda exc: str(
        _l("This e-mail address is already the address of member %(member)s: one address belongs to one account. "
           "Enter another address, or change theirs first.", member=member_number_and_name(exc.holder))
        if isinstance(exc.holder, Member) else
        _l("This e-mail address is already the address of another account (%(name)s), which is not a member's: one "
           "address belongs to one account. Enter another address.", name=exc.holder.display_name or exc.holder.email)),
    errors.DuplicateEmail: _l("An account already uses this e-mail address. If it is yours, sign in: you can buy "
                              "shares from your own page."),
    errors.ResignationPending: _l("Your resignation is waiting for staff: withdraw it first (My shares) to buy "
                                  "more shares."),
    errors.PurchaseAlreadySent: _l("This form was already sent, or your details changed since it was shown: nothing "
                                   "more was subscribed. Check your payment requests, then open the form again if you "
                                   "want more shares."),
    errors.StaleConfirmation: _l("The member's register changed since this confirmation was shown (in another tab, "
                                 "or by someone else): nothing was recorded. Check the page, then do it again if "
                                 "it is still needed."),
    errors.StaleEdit: _l("Someone changed this while you were editing. Reload the page and try again."),
    errors.ApplicationPending: _l("Your application is not decided yet: wait until you are admitted."),
    errors.ApplicationEnded: _l("Your membership application has ended (refused or withdrawn): you are not a member. "
                                "To join, apply again from My shares."),
    admission.ApplicationOpen: _l("Your membership application is still waiting: you can apply again only once it "
                                  "has ended."),
    admission.NothingToApplyFor: _l("You are a member already: to have more shares, buy them from My shares."),
    admission.JoinRaced: _l("Another form was sent at the same moment, and nothing of this one was recorded. "
                            "Send it again."),
    admission.MembershipEnded: lambda exc: str(
        _l("Your membership ended on %(date)s by exclusion. Only the board can admit you again: if you wish it, "
           "write to the cooperative: %(contact)s", date=format_day(exc.on), contact=_contact())),
    admission.EarlierMoneyPending: lambda exc: str(
        _l("Your membership ended, and its money is not settled yet (the refund of your shares, or a payment we "
           "still have to decide on). You can apply again once it is. Questions: %(contact)s",
           contact=_contact())),
    admission.FormerMemberAddress: lambda exc: str(
        _l("This e-mail address is that of %(name)s (member %(number)s), who was excluded on %(date)s: only the "
           "board can admit this person again. If the board has decided to readmit them, enter the date and "
           "reference of its decision below and send the form again: they get a new membership with their account.",
           name=exc.member.name, number=exc.member.number, date=format_day(exc.left_on))
        if isinstance(exc.refusal, admission.MembershipEnded) else
        _l("This e-mail address is that of %(name)s (member %(number)s), whose membership ended on %(date)s, and "
           "its money is not settled yet (the refund of their shares, money kept beyond what was due, or a payment "
           "partly made): they can apply again once it is. Settle it first from their page in the register.",
           name=exc.member.name, number=exc.member.number, date=format_day(exc.left_on))),
    admission.FormerMemberNumber: lambda exc: str(_l(
        "This number is that of %(name)s (member %(number)s), whose membership ended on %(date)s, and its money is "
        "not settled yet (the refund of their shares, money kept beyond what was due, or a payment partly made): "
        "they can apply again once it is. Settle it first from their page in the register.",
        name=exc.member.name, number=exc.member.number, date=format_day(exc.left_on))),
    admission.AddressOfAnotherPerson: lambda exc: str(_l(
        "This e-mail address is that of %(name)s (member %(number)s), whose membership ended, but the kind of member "
        "or the national or enterprise number typed is not theirs: with this address, a new membership is theirs. "
        "For another person, enter another address.", name=exc.member.name, number=exc.member.number) if exc.left
        else _l("This e-mail address is that of %(name)s (member %(number)s), whose application was refused or "
                "withdrawn, but the kind of member or the national or enterprise number typed is not theirs: with "
                "this address, a new application is theirs. For another person, enter another address.",
                name=exc.member.name, number=exc.member.number)),
    admission.ReadmissionRecorded: _l("The board's readmission of this member is recorded already."),
    admission.NotExcluded: _l("This person was not excluded: they apply again without the board's readmission. Leave "
                              "it empty."),
    member_requests.RequestAlreadyPending: _l("You already have a request of this kind waiting for staff."),
    member_requests.RequestAlreadyDecided: _l("Someone decided this request first."),
    email_change.SameEmail: _l("This is already your e-mail address."),
    email_change.InvalidEmailLink: _l("This link is not valid for your account, or it has expired (a link works for "
                                      "a day). Ask for a new one from your profile."),
    email_change.EmailLinkUsed: _l("This link was used already, or your address changed since it was sent."),
    member_requests.AlreadyInCategory: _l("You are already in this category."),
    admission.ApplicationAlreadyDecided: _l("Someone decided this application first."),
    admission.ApplicationNotPaid: _l("This application is not paid yet: it can only be refused for now."),
    admission.AlreadyAdmitted: _l("Your payment has arrived and you are a member now: to leave, resign from My shares."),
    admission.ApplicationAlreadyWithdrawn: _l("Your application is already withdrawn: nothing is to be paid."),
    admission.ApplicationMoneyReceived: _l("We have received money for your application: to withdraw it, write to "
                                           "the cooperative, which refunds you."),
    admission.DecisionRequired: _l("The decision's date and reference are required."),
    CertificateUnavailable: _l("There is no certificate for a member who is not in good standing."),
    errors.ShortfallSettled: _l("This request is no longer partly paid (paid in full since, refunded or cancelled): "
                                "there is nothing left to decide."),
    errors.KeptMoneyNotForShares: _l("This person is not an admitted member (their application is pending or was "
                                     "refused): this money cannot buy shares or pay a membership. Pay it back."),
    errors.FewerSharesImpossible: _l("What was paid does not make whole shares fewer than asked: keep the rest due, "
                                     "or pay the money back."),
    errors.RefundAlreadyMade: lambda exc: str(_l(
        "The %(amount)s this redemption paid back were marked as paid back on %(date)s: that money has left the "
        "cooperative, so the exit or the redemption can no longer be undone. If the person joins again, record a "
        "new subscription and its payment.", amount=euros(exc.amount_cents), date=format_day(brussels_day(exc.refunded_at)))),
    errors.ReturnedAfterRefund: lambda exc: str(_l(
        "The bank took back %(amount)s that the cooperative had already paid back from the refund list on "
        "%(date)s: that money went back to the payer twice. Recover it from the payer (ask them to pay it back), "
        "then set this return aside with a reason.", amount=euros(exc.amount_cents),
        date=format_day(brussels_day(exc.refunded_at)))),
    errors.RefundStillListed: lambda exc: str(
        _l("The %(amount)s this redemption pays back are still on the refund list: correct the resignation or "
           "exclusion first (that takes them off the list), then this redemption.", amount=euros(exc.amount_cents))
        if exc.exit_in_force else
        _l("The %(amount)s this redemption pays back are still on the refund list: to undo the redemption, put "
           "back all of it (%(amount)s paid up); its refund then leaves the list.", amount=euros(exc.amount_cents))),
    errors.MemberLeftMoney: _l("This person has left the cooperative: money received for them buys nothing and pays "
                               "no membership. It can only be paid back."),
    errors.RefundPaidBack: lambda exc: str(_l(
        "The %(amount)s were marked as paid back on %(date)s: the money has left the cooperative, so this refund "
        "cannot be called off.", amount=euros(exc.amount_cents), date=format_day(brussels_day(exc.refunded_at)))),
    errors.RefundNotListed: _l("This refund is no longer on the refund list: someone called it off, or the bank took "
                               "the money back, meanwhile. Reload the list."),
    errors.RefundCalledOff: lambda exc: str(_l(
        "This refund was called off on %(date)s: it is no longer to be paid back, nor to be decided. Its money was "
        "kept again, to be decided under Money kept beyond what was due (if it was paid back all the same, decide "
        "it there as a refund, then mark that one as paid back).", date=format_day(brussels_day(exc.called_off_at)))),
    errors.RefundMustBePaid: lambda exc: str(MUST_BE_PAID[getattr(exc.kind, "value", exc.kind)]),
})


register_action_labels({
    "shares.register.subscription": _l("Subscription recorded"),
    "shares.register.transfer": _l("Transfer of shares recorded"),
    "shares.register.category_change": _l("Change of category recorded"),
    "shares.register.redemption": _l("Redemption recorded"),
    "shares.register.resignation": _l("Resignation recorded"),
    "shares.register.exclusion": _l("Exclusion recorded"),
    "shares.register.correction": _l("Correction recorded"),
    "shares.register.admission": _l("Admission recorded in the register"),
    "shares.register.lapse": _l("Member recorded as lapsed"),
    "shares.register.reinstatement": _l("Member reinstated"),
    "shares.member.create": _l("Member created"),
    "shares.member.profile_update": _l("Profile changed"),
    "shares.member.readmit": _l("Readmission by the board recorded"),
    "shares.member.contact_update": _l("E-mail or address changed by staff"),
    "shares.member.identity_correct": _l("National or enterprise number corrected by staff"),
    "shares.member.email_change_asked": _l("New e-mail address asked by the member (not confirmed yet)"),
    "shares.member.email_change": _l("E-mail address changed by the member"),
    "shares.member.sign_in_link_send": _l("Sign-in link sent by staff"),
    "shares.payment_request.create": _l("Payment request created"),
    "shares.payment_request.cancel": _l("Payment request cancelled"),
    "shares.payment.record": _l("Payment recorded"),
    "shares.statement.import": _l("Bank statement imported"),
    "shares.bank_payment.set_aside": _l("Bank payment set aside"),
    "shares.bank_payment.match_by_hand": _l("Bank payment matched by hand"),
    "shares.bank_payment.match_rejoined": _l("Bank payment naming a membership that ended, paid into the person's "
                                             "new membership's request"),
    "shares.bank_payment.returned": _l("Bank payment returned: taken out of its request"),
    "shares.application.submit": _l("Application to become a member"),
    "shares.application.paid": _l("Membership application paid, waiting for a decision"),
    "shares.application.admit": _l("Applicant admitted"),
    "shares.application.refuse": _l("Membership application refused"),
    "shares.application.withdraw": _l("Membership application withdrawn by the applicant"),
    "shares.application.payment_returned": _l("The bank took back the application's payment: it waits for payment again"),
    "shares.application.number_taken": _l("Application not recorded: its national or enterprise number is this "
                                          "membership's"),
    "shares.member_request.*": _l("Member's request (asked, decided or withdrawn)"),
    "shares.surplus.refund": _l("Money put on the refund list"),
    "shares.surplus.refunded": _l("Money paid back"),
    "shares.surplus.account_given": _l("Refund waiting for an account: the member's account given"),
    "shares.surplus.void": _l("Refund called off: what it paid back was undone"),
    "shares.surplus.call_off": _l("Refund called off by staff: the money is kept again, to be decided"),
    "shares.surplus.returned_by_bank": _l("Money kept or to refund taken back by the bank"),
    "shares.payment_request.reduce": _l("Payment request reduced: shares it asked for were redeemed"),
    "shares.surplus.extra_shares": _l("Money kept used to buy shares"),
    "shares.surplus.credit": _l("Money kept credited to the membership fee due next"),
    "shares.underpayment.keep_due": _l("Partial payment accepted, the rest stays due"),
    "shares.underpayment.fewer_shares": _l("Partial payment: fewer shares bought"),
    "shares.renewal.send": _l("Renewal letters of the day sent by staff"),
    "shares.renewal.credit_moved": _l("Money credited to a renewal never owed, taken over by the renewal due"),
    "shares.register_export.stalled": _l("Register file marked as failed (stopped mid-way)"),
    "shares.document.upload": _l("Cooperative document published"),
    "shares.document.replace": _l("Cooperative document's file replaced"),
    "shares.document.withdraw": _l("Cooperative document withdrawn"),
})

register_object_labels({
    "renewal": _l("Renewal campaign"),
    "shares_member": _l("Member"),
    "shares_payment_request": _l("Payment request"),
    "shares_bank_statement_import": _l("Bank statement"),
    "shares_bank_transaction": _l("Bank payment"),
    "shares_member_request": _l("Member's request"),
    "shares_membership_application": _l("Membership application"),
    "shares_surplus": _l("Money to decide about"),
    "shares_register_export": _l("Register file"),
    "shares_coop_document": _l("Cooperative document"),
})

# The fields the shares module's audit entries record (app.audit), and the words for their codes.
register_field_labels({
    "again": _l("Imported again"), "amount_cents": _l("Amount"), "amount_now_cents": _l("Amount now asked"),
    "adopted_on": _l("Adopted on"), "application": _l("Application number"), "applied_cents": _l("Paid into the request"),
    "as_of": _l("Register as of"), "automatic": _l("Decided automatically"), "before": _l("Category before"),
    "board_decision_on": _l("Date of the board's decision"), "board_reference": _l("Reference of the board's decision"),
    "by_staff": _l("Entered by staff"), "capital_cents": _l("Capital"), "city": _l("City"),
    "corrects": _l("Corrects entry number"), "country": _l("Country"), "decision_on": _l("Date of the decision"),
    "decision_reference": _l("Reference of the decision"), "done_rows": _l("Lines written"),
    "due_cents": _l("Still due"), "earlier": _l("Earlier application number"),
    "earlier_member": _l("Earlier member number"), "duplicates": _l("Already imported"), "email": _l("E-mail address"),
    "enterprise_number": _l("Enterprise number"), "entries": _l("Register entry numbers"),
    "entry": _l("Register entry number"), "fee_cents": _l("Fee taken back"), "file": _l("File"),
    "first_name": _l("First name"), "format": _l("Format"),
    "iban": _l("IBAN"), "last_name": _l("Last name"), "legal_name": _l("Name of the company or association"),
    "national_number": _l("National number"), "new": _l("New payments"), "on": _l("Date"), "paid_cents": _l("Paid"),
    "payment_request": _l("Payment request number"), "postcode": _l("Postcode"), "purpose": _l("Purpose"),
    "reference": _l("Structured communication"), "refund": _l("Refund number"), "refund_cents": _l("Refund"),
    "request": _l("Payment request"), "rest_cents": _l("Left over"), "returned_cents": _l("Returned by the bank"),
    "reused_references": _l("Bank references reused for another transaction"),
    "sha256": _l("File fingerprint (SHA-256)"),
    "shares": _l("Shares"), "shares_asked": _l("Shares asked"), "short_cents": _l("Missing"),
    "skipped": _l("Statements skipped"), "statements": _l("Statements"), "street": _l("Street and number"),
    "surplus_cents": _l("Beyond what was due"), "to": _l("Receiver's member number"),
    "to_refund_cents": _l("To pay back"), "transaction": _l("Bank transaction"),
    "unbalanced": _l("Statements whose balances do not add up"),
    "why": _l("Why it waits"), "year": _l("Year"), "requests": _l("Renewal requests due"),
    "first_reminders": _l("First reminders due"), "second_reminders": _l("Second reminders due"),
    "count_matched": _l("Paid into their request"),
    "register_cents": _l("Taken out of the register"), "refund_list_cents": _l("Taken off the refund list"),
    "kept_cents": _l("Taken off the money kept beyond what was due"),
    "kept": _l("Money kept off the register, taken back (numbers)"),
    "application_reopened": _l("Application waits for its payment again"),
    "admission_stands": _l("Admitted by this payment: stays a member, owes it again"),
    "reinstatement_undone": _l("Lapse in force again"), "voided": _l("Taken off the refund list in full"),
    "kept_again": _l("Kept again, to be decided (number)"),
    "excluded": _l("Member number of the excluded person readmitted"),
    **{f"count_{code}": words for code, words in WHY_SHORT_WORDS.items()},
})


def _reference_words(value, entry) -> str:
    return format_reference(value) if _digits(value, 12) else str(value)


def _identity_words(name: str):
    """A national (11 digits) or enterprise (10) number as Belgians write it; anything else as recorded."""
    return lambda value, entry: (format_identity_number(name, value)
                                 if _digits(value, 11 if name == "national_number" else 10) else str(value))


_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def _iban_words(value, entry) -> str:
    return iban_text(value) if isinstance(value, str) and _IBAN_SHAPE.fullmatch(value) else str(value)


def _digits(value, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and value.isascii() and value.isdigit()


register_field_words({"category": CATEGORY_WORDS, "national_number": each(_identity_words("national_number")),
                      "enterprise_number": each(_identity_words("enterprise_number")), "iban": each(_iban_words)})
_REFERENCES = {"reference": each(_reference_words), "request": each(_reference_words)}
_MEMBER_WORDS = {"country": dict(COUNTRIES), "language": LANGUAGE_WORDS}
register_value_words("shares_member", {**_REFERENCES, **_MEMBER_WORDS})
register_value_words("shares_payment_request", {**_REFERENCES, "status": PAYMENT_STATUS_WORDS,
                                                "purpose": PURPOSE_WORDS})
register_value_words("shares_membership_application", {
    **_REFERENCES, "status": {status.value: words for status, words in APPLICATION_WORDS.items()}})
register_value_words("shares_member_request", {
    "status": {"pending": _l("waiting for staff"), "approved": _l("approved"), "refused": _l("refused"),
               "withdrawn": _l("withdrawn by the member")}})
register_value_words("shares_surplus", {**_REFERENCES, "kind": REFUND_WHY_WORDS})
register_value_words("shares_bank_transaction", {**_REFERENCES, "why": WHY_WORDS, "status": {
    "matched": _l("Paid into the request"), "partial": _l("Partial payment"), "overpaid": _l("Overpayment"),
    "unknown": _l("Waiting for staff"), "ignored": _l("Set aside"), "returned": _l("Payment returned")}})
register_value_words("shares_bank_statement_import", {
    "skipped": lambda skipped, entry: ngettext("%(num)d statement", "%(num)d statements", len(skipped))})
register_value_words("shares_register_export", {"format": {"csv": "CSV", "pdf": "PDF"}})
register_value_words("shares_coop_document", {"kind": {kind.value: words for kind, words in DOCUMENT_WORDS.items()},
                                              "language": LANGUAGE_WORDS})
# How the audit log names the objects (app.audit), instead of their row ids.
# A renewal campaign is a year (shares.renewal.send_letters audits it as such): named by its year.
register_object_names("renewal", lambda years: {year: str(year) for year in years})
register_object_names("shares_member", named_rows(Member, lambda member, language: member_number_and_name(member)))
register_object_names("shares_member_request", named_rows(
    MemberRequest, lambda request, language: member_number_and_name(request.member)))
register_object_names("shares_membership_application", named_rows(
    MembershipApplication, lambda application, language: member_number_and_name(application.member)))
register_object_names("shares_surplus", named_rows(Surplus, lambda surplus, language: (
    f"{euros(surplus.amount_cents)}, {member_number_and_name(surplus.member)}")))
register_object_names("shares_payment_request", named_rows(
    PaymentRequest, lambda request, language: format_reference(request.reference)))
register_object_names("shares_bank_transaction", named_rows(BankTransaction, lambda tx, language: ", ".join(
    part for part in (format_day(tx.booking_date, "medium"), euros(tx.amount_cents), tx.counterparty_name) if part)))
register_object_names("shares_bank_statement_import", named_rows(
    BankStatementImport, lambda statement, language: statement.filename or statement.file_sha256[:12]))
register_object_names("shares_coop_document", named_rows(
    CoopDocument, lambda document, language: document_name(document.kind), CoopDocument.id, CoopDocument.kind))
register_object_names("shares_register_export", named_rows(
    RegisterExport, lambda export, language: f"{format_day(export.as_of, 'medium')}, {export.format.upper()}"))
