"""Words for the register's codes, said once: pages, the PDF register, CSV exports and mail use these.

Every function returns text in the current locale; templates reach them as globals
(``register_status(code)``, ``entry_label(entry)``, ``date_column(key)``)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from stdnum import iban as std_iban
from stdnum.be import nn as std_nn

from app.web import _format_day, euros, format_day, format_moment, reader_locale
from shares.models import ApplicationStatus, DocumentKind, EntryKind, PaymentPurpose
from shares.references import format_reference
from shares.settings import setting

# A member's category: its letter with what it means, said after the word "category" (a label, "category
# %(category)s" in a sentence, "Category %(category)s" as a heading): the staff's choice of category, the
# member's pages, the certificate, the extract, the audit log, a candidacy's page, the booklet.
CATEGORY_WORDS = {"A": _l("A (users of the services)"), "B": _l("B (partners, staff, legal persons)")}

STATUS_WORDS = {
    "active": _l("member"),
    "lapsed": _l("lapsed (renewal unpaid)"),
    "resignation": _l("resigned"),
    "exclusion": _l("excluded"),
    "applicant": _l("admission pending"),
    "refused": _l("application refused"),
    "withdrawn": _l("application withdrawn"),
}

ENTRY_WORDS = {
    EntryKind.SUBSCRIPTION: _l("Subscription"),
    EntryKind.PAYMENT: _l("Payment of capital"),
    EntryKind.TRANSFER_OUT: _l("Shares ceded"),
    EntryKind.TRANSFER_IN: _l("Shares received"),
    EntryKind.CATEGORY_CHANGE: _l("Change of category"),
    EntryKind.REDEMPTION: _l("Redemption"),
    EntryKind.RESIGNATION: _l("Resignation"),
    EntryKind.EXCLUSION: _l("Exclusion"),
    EntryKind.CORRECTION: _l("Correction"),
    EntryKind.LAPSE: _l("Lapsed: yearly renewal not paid"),
    EntryKind.REINSTATEMENT: _l("Reinstated: renewal paid"),
}

DATE_COLUMN_WORDS = {
    "subscription": _l("Subscriptions"),
    "payment": _l("Capital payments"),
    "fee": _l("Renewal fees"),
    "ceded": _l("Shares ceded"),
    "received": _l("Shares received"),
    "redemption": _l("Redemptions"),
    "lapse": _l("Lapsed"),
    "reinstatement": _l("Reinstated"),
}

APPLICATION_WORDS = {
    ApplicationStatus.AWAITING_PAYMENT: _l("waiting for payment"),
    ApplicationStatus.AWAITING_DECISION: _l("paid, waiting for the admission decision"),
    ApplicationStatus.ADMITTED: _l("admitted"),
    ApplicationStatus.REFUSED: _l("refused"),
    ApplicationStatus.WITHDRAWN: _l("withdrawn"),
}


# The countries a member's address may be in, each in its own language(s).
COUNTRIES = [("BE", "België / Belgique"), ("FR", "France"), ("NL", "Nederland"), ("LU", "Luxembourg"),
             ("DE", "Deutschland")]

PURPOSE_WORDS = {"subscription": _l("Subscription"), "renewal": _l("Yearly renewal"),
                 "additional_shares": _l("More shares")}

PAYMENT_STATUS_WORDS = {"open": _l("To pay"), "partially_paid": _l("Partly paid"), "paid": _l("Paid"),
                        "cancelled": _l("Cancelled")}

# Why a bank payment waits in the staff queue (shares.bank.WHY_CODES): in a sentence, and short (a heading, a count).
WHY_WORDS = {"reversal": _l("Money taken back by the bank: perhaps a member's payment returned"),
             "overpaid": _l("Overpayment: more than the request asks"),
             "partial": _l("Partial payment: less than the request asks"),
             "date": _l("Booked on a day it cannot pay its request: before the request could be paid, or in the "
                        "future"),
             "bad_reference": _l("The structured communication has wrong check digits"),
             "other_reference": _l("A reference that is not a Belgian structured communication"),
             "unknown_reference": _l("No request has this structured communication"),
             "no_reference": _l("No structured communication"),
             "cancelled": _l("The request it names is cancelled"),
             "rejoined": _l("Names a membership that ended, and the person applied again since: their new "
                            "membership's request is not paid by it on a guess"),
             "left": _l("Paid for a member who has left: it buys nothing"),
             "currency": _l("Not in euros"),
             "debit": _l("Money going out (a debit)"),
             "zero": _l("An entry of 0.00 €: not a payment")}
WHY_SHORT_WORDS = {"reversal": _l("Taken back by the bank"), "overpaid": _l("Overpayments"),
                   "partial": _l("Partial payments"), "date": _l("Impossible dates"),
                   "bad_reference": _l("Wrong check digits"), "other_reference": _l("Other references"),
                   "unknown_reference": _l("Unknown communication"), "no_reference": _l("No communication"),
                   "rejoined": _l("Members who applied again"), "left": _l("Members who left"),
                   "cancelled": _l("Cancelled requests"),
                   "currency": _l("Other currencies"), "debit": _l("Debits"), "zero": _l("Entries of 0.00 €")}


def payment_status(status) -> str:
    code = getattr(status, "value", status)
    return str(PAYMENT_STATUS_WORDS.get(code, code))


def why_text(code: str | None) -> str:
    return str(WHY_WORDS.get(code, _l("Waiting for staff")))


def why_short(code: str | None) -> str:
    return str(WHY_SHORT_WORDS.get(code, _l("Other")))


def member_number_and_name(member) -> str:
    """``no. 42, Marie Dubois``: how staff lists and the audit log name a member."""
    return _("no. %(number)s, %(name)s", number=member.number, name=member.name)


def category_words(category) -> str:
    code = getattr(category, "value", category)
    return str(CATEGORY_WORDS.get(code, code))


def register_status(code: str) -> str:
    return str(STATUS_WORDS.get(code, STATUS_WORDS["active"]))


def entry_label(entry) -> str:
    """The entry's kind in words; a payment of the yearly renewal is a fee, not capital."""
    if entry.kind is EntryKind.PAYMENT and entry.payment_request is not None \
            and entry.payment_request.purpose is PaymentPurpose.RENEWAL:
        return _("Yearly renewal fee %(year)s", year=entry.payment_request.year)
    if entry.kind is EntryKind.LAPSE and entry.payment_request is not None:
        return _("Lapsed: renewal %(year)s not paid", year=entry.payment_request.year)
    if entry.kind is EntryKind.REINSTATEMENT and entry.payment_request is not None:
        return _("Reinstated: renewal %(year)s paid", year=entry.payment_request.year)
    return str(ENTRY_WORDS.get(entry.kind, entry.kind.value))


def corrected_entry_text(correction, numbered: bool = False) -> str:
    """What a correction corrects, in words: the corrected entry's day and kind, with its amount (two
    payments of a day told apart) and, where the register's numbers are shown (``numbered``), its number."""
    entry = correction.corrects
    if entry is None:
        return ""
    words = entry_label(entry)
    if entry.amount_cents:
        words = _("%(entry)s, %(amount)s", entry=words, amount=euros(entry.amount_cents))
    if numbered:
        return _("Corrects entry no. %(number)s of %(day)s: %(entry)s.", number=entry.id,
                 day=format_day(entry.effective_on), entry=words)
    return _("Corrects the entry of %(day)s: %(entry)s.", day=format_day(entry.effective_on), entry=words)


def entry_amount(entry) -> int:
    """The register's Amount column: the money that moved with the entry; for a correction that moves
    paid-up capital only (a payment the bank returned, say), that capital, so that the column adds up."""
    if entry.kind is EntryKind.CORRECTION and not entry.amount_cents:
        return entry.paid_cents
    return entry.amount_cents


def entry_words(kind: EntryKind) -> str:
    return str(ENTRY_WORDS.get(kind, kind.value))


def date_column(key: str) -> str:
    return str(DATE_COLUMN_WORDS[key])


def dated_pattern() -> str:
    """``"%(label)s: %(dates)s"`` in the reader's language (French spacing included), to format per row."""
    from app.i18n import fr_spacing

    return fr_spacing(_("%(label)s: %(dates)s"))


def application_status(status: ApplicationStatus) -> str:
    return str(APPLICATION_WORDS[status])


def dates_text(dates, fmt: str = "medium") -> str:
    """Dates in the reader's locale, comma-separated (``3 mars 2025, 4 avr. 2025``)."""
    locale = str(reader_locale())
    return ", ".join([_format_day(d, fmt, locale) for d in dates])


REFUND_WHY_WORDS = {"overpayment": _l("Paid beyond what was due"), "underpayment": _l("A partial payment, paid back"),
                    "refused_application": _l("Membership application refused"),
                    "leaving": _l("Shares paid back to a member who left"),
                    "redemption": _l("Shares redeemed, paid back"),
                    "after_exit": _l("Paid after the member left: it buys nothing")}


def refund_why(kind) -> str:
    """Why money is on the refund list, in words."""
    value = getattr(kind, "value", kind)
    return str(REFUND_WHY_WORDS.get(value, value))


DOCUMENT_WORDS = {
    DocumentKind.STATUTES: _l("Statutes"),
    DocumentKind.PRIVACY_NOTICE: _l("Privacy notice"),
    DocumentKind.INTERNAL_RULES: _l("Internal rules"),
}


def document_name(kind: DocumentKind) -> str:
    return str(DOCUMENT_WORDS[kind])


def iban_text(value: str | None) -> str:
    """An account number as people read it, in groups of four (BE68 5390 0754 7034)."""
    return std_iban.format(value) if value else ""


def format_identity_number(name: str, number: str) -> str:
    """A stored compact national or enterprise number the way people write it (85.07.30-033.28, 0403.170.701)."""
    if name == "national_number":
        return std_nn.format(number)
    if len(number) == 10:  # python-stdnum has no formatter for it: 0403.170.701
        return f"{number[:4]}.{number[4:7]}.{number[7:]}"
    return number


# A national or enterprise number whose check digits are wrong: said by the form at once, and by the service.
INVALID_NUMBER_WORDS = {
    "national_number": _l("This is not a valid Belgian national number (11 digits, check digits)."),
    "enterprise_number": _l("This is not a valid Belgian enterprise number (like 0403.170.701)."),
}


def refund_account_text(value: str | None) -> str:
    """Where a refund goes, for "to be paid back to %(iban)s": the account in groups of four, or, with
    none known (a redemption, money after an exit, a payer's account that was ours), words saying so."""
    return iban_text(value) or str(_("an account the member has yet to give"))


def statement_problem(reason: str | None, facts: dict | None) -> str:
    """Where a bank statement file went wrong, in a sentence (a refused file, a skipped statement): the
    line, entry and statement staff look for in the file, the amounts in euros; "" when nothing more
    than the refusal's own sentence can be said (a file that is not XML, of another kind, cut short)."""
    facts = facts or {}
    what, line = facts.get("what"), facts.get("line") or "?"
    if reason == "invalid":
        if what == "amount":
            return _("Line %(line)s: “%(text)s” is not an amount.", line=line, text=facts.get("text", ""))
        if what == "cents":
            return _("Line %(line)s: the amount %(text)s has fractions of a cent.", line=line, text=facts.get("text", ""))
        if what == "date":
            return _("Line %(line)s: “%(text)s” is not a date.", line=line, text=facts.get("text", ""))
        if what == "indicator":
            return _("Line %(line)s: the entry does not say whether the money came in or went out.", line=line)
        if what == "booking_date":
            return _("Entry %(entry)s (line %(line)s) has no booking date.", entry=facts.get("entry", "?"), line=line)
    if reason == "batch":
        where = {"statement": facts.get("statement", "?"), "entry": facts.get("entry", "?"), "line": line}
        if what == "no_amount":
            return _("Statement %(statement)s, entry %(entry)s (line %(line)s): a payment of the batch has no "
                     "amount.", **where)
        if what == "sum":
            return _("Statement %(statement)s, entry %(entry)s (line %(line)s): its payments add up to %(total)s, "
                     "but the entry says %(amount)s.", total=euros(facts.get("total")),
                     amount=euros(facts.get("amount")), **where)
    if reason == "unknown_account" and facts.get("accounts"):
        return _("Accounts in this file: %(accounts)s.", accounts=", ".join(iban_text(a) for a in facts["accounts"]))
    return ""


SKIPPED_WORDS = {"unknown_account": _l("not one of the cooperative's accounts."),
                 "no_account": _l("the statement does not say which account it is for."),
                 "batch": _l("a batch entry does not add up to the entry's amount."),
                 "invalid": _l("an invalid amount, date or entry.")}


@dataclass
class StatementReport:
    """What a bank statement's import did, in sentences: the page and the command say the same."""

    summary: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)  # paid automatically, set aside
    waiting_title: str = ""  # how many payments wait for staff, over ``waiting``
    waiting: list[tuple[str, int]] = field(default_factory=list)  # why a payment waits for staff, how many
    skipped_title: str = ""
    skipped: list[tuple[str, str]] = field(default_factory=list)  # a statement skipped and why; where in the file
    warnings: list[str] = field(default_factory=list)  # statements that do not balance


def statement_report(result) -> StatementReport:
    """The sentences of a statement import's result (shares.bank.ImportResult), in the current language."""
    report = StatementReport()
    record = result.statement_import
    if result.just_imported:
        report.summary.append(_("This file was just imported, on %(when)s (a second click, or another tab): it is "
                                "imported once. Nothing more changed.",
                                when=format_moment(record.imported_at, "medium")))
    elif result.already_imported:
        report.summary.append(_("This statement was already imported on %(when)s. Nothing changed.",
                                when=format_moment(record.imported_at, "medium")))
    else:
        report.summary.append(" ".join(filter(None, [
            ngettext("%(num)d statement imported.", "%(num)d statements imported.", record.statements_count),
            ngettext("%(num)d new transaction recorded.", "%(num)d new transactions recorded.", result.new),
            ngettext("%(num)d transaction was already known (from an earlier file, or twice in this one): not "
                     "recorded again.", "%(num)d transactions were already known (from an earlier file, or twice "
                     "in this one): not recorded again.", result.duplicates) if result.duplicates else ""])))
        report.summary.append(_("New transactions: %(credits)s in, %(debits)s out.", credits=euros(result.credits_cents),
                                debits=euros(-result.debits_cents)))
        report.outcomes.append(ngettext("%(num)d payment paid its request automatically.",
                                        "%(num)d payments paid their requests automatically.",
                                        result.counts.get("matched", 0)))
        if result.counts.get("debit"):
            report.outcomes.append(ngettext("%(num)d debit (money going out) set aside: nothing for the register to "
                                            "do.", "%(num)d debits (money going out) set aside: nothing for the "
                                            "register to do.", result.counts["debit"]))
        if result.counts.get("zero"):
            report.outcomes.append(ngettext("%(num)d entry of 0.00 € set aside: it is not a payment.",
                                            "%(num)d entries of 0.00 € set aside: they are not payments.",
                                            result.counts["zero"]))
        if result.reused_references:
            report.outcomes.append(ngettext(
                "%(num)d transaction has a bank reference an earlier one had, with another date or amount: kept as "
                "a new transaction, not taken for the earlier one.",
                "%(num)d transactions have a bank reference an earlier one had, with another date or amount: kept "
                "as new transactions, not taken for the earlier ones.", result.reused_references))
        report.waiting = [(why_short(code), n) for code, n in result.counts.items()
                          if code not in ("matched", "debit", "zero")]
        if report.waiting:
            report.waiting_title = ngettext("%(num)d payment waits in the queue for staff:",
                                            "%(num)d payments wait in the queue for staff:",
                                            sum(n for _code, n in report.waiting))
    if result.skipped:
        report.skipped_title = ngettext("%(num)d statement skipped", "%(num)d statements skipped", len(result.skipped))
    for statement in result.skipped:
        why = str(SKIPPED_WORDS.get(statement["skipped"], _l("it could not be read.")))
        where = statement_problem(statement["skipped"], statement.get("facts")) \
            if statement["skipped"] != "unknown_account" else ""
        number, ident = statement["number"], statement["id"] or _("no number")
        heading = (_("Statement %(number)s (%(id)s), account %(iban)s:", number=number, id=ident,
                     iban=iban_text(statement["iban"])) if statement["iban"] else
                   _("Statement %(number)s (%(id)s), without an account number:", number=number, id=ident))
        report.skipped.append((heading + " " + why, where))
    for statement in result.unbalanced:
        report.warnings.append(_("Statement %(id)s does not balance: opening %(opening)s plus entries %(entries)s is "
                                 "not the closing balance %(closing)s. Check it with the bank.", id=statement["id"],
                                 opening=euros(statement["opening_cents"]), entries=euros(statement["entries_cents"]),
                                 closing=euros(statement["closing_cents"])))
    return report


def coop_iban_text() -> str:
    """The account members pay the cooperative on, as they type it."""
    return iban_text(setting("COOP_IBAN"))


# The sentences the application itself writes into the register (an entry's note, a correction's reason, a
# refund's note): stored in the cooperative's language (``register_words``), shown in the reader's
# (``register_note``), rows written before included.
NOT_PAID_MEMBER_LEFT = _l("Not paid: the member left")
PARTIAL_PAYMENT_PAID_BACK = _l("A partial payment, paid back")
FEWER_SHARES_PAYMENT_SHORT = _l("Fewer shares: the payment was short")
APPLICATION_REFUSED = _l("Membership application refused")
PAYMENT_RETURNED = _l("Payment returned by the bank")
PAID_WITH_KEPT_MONEY = _l("Paid with money kept beyond what was due")
SYSTEM_WORDS = (NOT_PAID_MEMBER_LEFT, PARTIAL_PAYMENT_PAID_BACK, FEWER_SHARES_PAYMENT_SHORT, APPLICATION_REFUSED,
                PAYMENT_RETURNED, PAID_WITH_KEPT_MONEY)
_SYSTEM_WORDS_READ: dict[str, object] = {}  # each sentence as every language wrote it -> the sentence


def register_words(message) -> str:
    """Words the application itself writes into the legal register (a correction's reason, a note): in
    the cooperative's language, as staff type theirs, never an internal code. Only the ``SYSTEM_WORDS``,
    which ``register_note`` shows in the reader's language."""
    assert any(message is known for known in SYSTEM_WORDS), message
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(message)


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()  # French spacing's no-break spaces are spaces here


def _system_words_read() -> dict[str, object]:
    if not _SYSTEM_WORDS_READ:
        read = {}
        for locale in ("fr", "nl", "en"):
            with force_locale(locale):
                read.update((_plain(str(message)), message) for message in SYSTEM_WORDS)
        _SYSTEM_WORDS_READ.update(read)
    return _SYSTEM_WORDS_READ


def register_note(text: str | None) -> str:
    """A note or reason of the register in the reader's language: one the application wrote (``SYSTEM_WORDS``,
    in whichever language it was stored, alone or before a colon and what staff added) is translated; what
    staff typed is shown as typed."""
    if not text:
        return ""
    words, colon, rest = text.partition(":")
    plain = _plain(words)
    for candidate, tail in ((_plain(text), ""), (plain, rest.strip() if colon else None)):
        message = _system_words_read().get(candidate)
        if message is not None and tail is not None:
            return _("%(words)s: %(reason)s", words=message, reason=tail) if tail else str(message)
    return text


TEMPLATE_GLOBALS = {"iban_text": iban_text, "format_identity_number": format_identity_number, "refund_account_text": refund_account_text, "refund_why": refund_why,
                    "payment_status": payment_status, "why_text": why_text,
                    "why_short": why_short, "format_reference": format_reference, "register_status": register_status,
                    "category_words": category_words,
                    "entry_label": entry_label, "date_column": date_column,
                    "corrected_entry_text": corrected_entry_text,
                    "entry_words": entry_words, "entry_amount": entry_amount,
                    "application_status": application_status, "dates_text": dates_text,
                    "dated_pattern": dated_pattern, "document_name": document_name, "coop_iban_text": coop_iban_text,
                    "statement_problem": statement_problem, "statement_report": statement_report,
                    "register_note": register_note}
