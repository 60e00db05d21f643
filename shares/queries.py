"""Read-side selects for the member pages."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, has_request_context, request
from sqlalchemy import Row, bindparam, event, func, or_, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Account
from shares.models import BankTransaction, Member, PaymentRequest, PaymentStatus, fold
from shares.references import near_references, reference_in_field

PAGE_SIZE = 25


def search_members(query: str, page: int = 1) -> tuple[list[Member], int]:
    """By a structured communication, IBAN, national or enterprise number (exact); by member number or
    postcode (a short number); else every word must appear in the name, e-mail, number or city, or be the postcode."""
    query = "".join(c for c in query if c.isprintable()).strip()
    page = min(max(page, 1), 10_000)
    found = search_members_by_identifier(query)
    if found is not None:
        return (found, len(found)) if page == 1 else ([], len(found))
    stmt = select(Member)
    if query.isascii() and query.isdigit() and len(query) <= 9:  # a member number or a postcode (longer digit runs search the text)
        stmt = stmt.where(or_(Member.number == int(query), Member.postcode == query))
    else:
        for word in fold(query).split():
            stmt = stmt.where(or_(holds_word(word), Member.postcode == word.upper()))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Member.last_name, Member.legal_name, Member.first_name, Member.id)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return list(rows), total


def holds_word(word: str):
    """Whether a member's name, e-mail, number or city (``Member.search_text``, folded) holds ``word``
    (folded by the caller), the typed ``%`` and ``_`` taken as themselves."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Member.search_text.like(f"%{escaped}%", escape="\\")


def member_for_account(account_id: int) -> Member | None:
    """The account's current member row (its latest: a former member who applied again has a new one), or
    None. In a request it is looked up once per account (the
    navigation's predicates, the templates' and the task providers all ask it, several times a page)
    and forgotten as soon as the session writes anything (``_forget_members``)."""
    if not has_request_context():
        return db.session.scalar(_latest_member(account_id))
    memo = g.get("members_by_account")
    if memo is None or memo[0] is not request._get_current_object():
        memo = g.members_by_account = (request._get_current_object(), {})
    known = memo[1]
    if account_id not in known:
        known[account_id] = db.session.scalar(_latest_member(account_id))
    return known[account_id]


def membership_of_account(account_id: int, number: int) -> Member | None:
    """The account's membership with this member number (a former member who applied again has two)."""
    return db.session.scalar(select(Member).where(Member.account_id == account_id, Member.number == number))


def _latest_member(account_id: int):
    return select(Member).where(Member.account_id == account_id).order_by(Member.id.desc()).limit(1)


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _forget_members(session, *args) -> None:
    """Any write (a flush, an UPDATE or DELETE statement), commit or rollback may create, move or undo a
    member row: the request's lookups start again."""
    if has_request_context():
        g.pop("members_by_account", None)


@event.listens_for(Session, "do_orm_execute")
def _forget_members_on_statement(state) -> None:
    if not state.is_select:
        _forget_members(state.session)


_CONTACT = (select(Member.id, Account.email, Account.language).join(Account, Account.id == Member.account_id)
            .where(Member.account_id == bindparam("account"))
            .order_by(Member.id.desc()).limit(1))  # built once: every signed-in cast runs it


def member_contact(account_id: int) -> Row | None:
    """The account's member as ``id``, ``email`` and ``language`` (whose it is, where and in
    which language to write), in one query without loading the member and its account's roles."""
    return db.session.execute(_CONTACT, {"account": account_id}).first()


# ------------------------------------------------------------------------------------------------
# The payment queue: likely requests for a payment nobody could match
# ------------------------------------------------------------------------------------------------

OPEN_REQUEST_STATUSES = (PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)
MAX_INT = 2**31 - 1  # ids and versions beyond this are no row's (and PostgreSQL refuses them)


@dataclass
class Suggestion:
    """A request the payment probably pays, and why staff may think so (codes the queue words)."""

    request: PaymentRequest
    reasons: list[str] = field(default_factory=list)  # reference, near_reference, iban, name, amount
    score: int = 0

    def add(self, reason: str, score: int) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
            self.score += score


def name_key(name: str) -> str:
    """A payer's or member's name, folded and with its words sorted ("LEFÈVRE, Anne" = "anne lefevre")."""
    return " ".join(sorted(fold(name or "").replace(",", " ").replace(".", " ").split()))


def later_open_requests(member: Member) -> list[PaymentRequest]:
    """The open requests of the account's current membership when it follows ``member``'s (the person
    applied again after it ended), oldest first; else none."""
    current = member_for_account(member.account_id)
    if current is None or current.id == member.id:
        return []
    return list(db.session.scalars(select(PaymentRequest).where(
        PaymentRequest.member_id == current.id, PaymentRequest.status.in_(OPEN_REQUEST_STATUSES))
        .order_by(PaymentRequest.id)))


def suggestions_for(tx: BankTransaction, limit: int = 5) -> list[Suggestion]:
    """Likely requests for a queued payment, best first: the request its communication names, requests
    one typing slip away from what the payer typed, open requests of the member whose IBAN or name is
    the payer's, each the more likely when the amount is what they still owe. Only suggestions: a
    member's own profile (name, IBAN) never decides where a payment goes."""
    found: dict[int, Suggestion] = {}

    def add(request: PaymentRequest, reason: str, score: int) -> None:
        found.setdefault(request.id, Suggestion(request)).add(reason, score)

    named = db.session.get(PaymentRequest, tx.payment_request_id) if tx.payment_request_id is not None else None
    if named is not None and tx.why == "rejoined":  # the membership it names ended: the person's new one
        for later in later_open_requests(named.member):
            add(later, "later_membership", 100)
    elif named is not None and named.status is not PaymentStatus.CANCELLED:
        add(named, "reference", 100)
    typed = tx.typed_reference or (tx.structured_reference if tx.why == "unknown_reference" else "")
    # What the payer typed may be a valid communication written in a way not read as one (an import
    # before dots and dashes were read): the request it names is the likeliest.
    valid = reference_in_field(tx.typed_reference) if tx.typed_reference else None
    if valid and valid != tx.structured_reference:
        for typed_request in db.session.scalars(select(PaymentRequest).where(
                PaymentRequest.reference == valid, PaymentRequest.status.in_(OPEN_REQUEST_STATUSES))):
            add(typed_request, "reference", 100)
    near = near_references(typed) if typed and not valid else []
    if near:
        for near_request in db.session.scalars(select(PaymentRequest).where(
                PaymentRequest.reference.in_(near), PaymentRequest.status.in_(OPEN_REQUEST_STATUSES))):
            add(near_request, "near_reference", 60)
    member_ids: dict[int, str] = {}
    if tx.counterparty_iban:
        for member_id in db.session.scalars(select(Member.id).where(Member.iban == tx.counterparty_iban).limit(20)):
            member_ids[member_id] = "iban"
    key = name_key(tx.counterparty_name)
    words = [w for w in key.split() if len(w) >= 2][:4]
    if words:
        stmt = select(Member)
        for word in words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Member.search_text.like(f"%{escaped}%", escape="\\"))
        for member in db.session.scalars(stmt.limit(20)):
            if name_key(member.name) == key:
                member_ids.setdefault(member.id, "name")
                if member_ids[member.id] != "name":
                    member_ids[member.id] = "iban+name"
    if member_ids:
        for open_request in db.session.scalars(select(PaymentRequest).where(
                PaymentRequest.member_id.in_(member_ids), PaymentRequest.status.in_(OPEN_REQUEST_STATUSES))):
            for reason in member_ids[open_request.member_id].split("+"):
                add(open_request, reason, 30)
    for suggestion in found.values():
        if tx.amount_cents > 0 and suggestion.request.due_cents == tx.amount_cents:
            suggestion.add("amount", 15)
    ranked = sorted(found.values(), key=lambda s: (-s.score, s.request.id))
    return ranked[:limit]


def search_members_by_identifier(query: str) -> list[Member] | None:
    """A member found by something only they have: a structured communication of one of their requests,
    their IBAN, national number or enterprise number. None when the query is none of these."""
    from stdnum import iban as std_iban
    from stdnum.be import nn as std_nn
    from stdnum.be import ogm_vcs
    from stdnum.be import vat as std_be_vat

    compact = "".join(c for c in query if c.isascii() and c.isalnum()).upper()
    if not compact:
        return None
    if compact.startswith("BE") and compact[2:].isdigit() and len(compact) in (11, 12):
        compact = compact[2:]  # an enterprise number written as a VAT number
    condition = None
    if compact.isdigit() and len(compact) == 12 and ogm_vcs.is_valid(compact):
        condition = Member.id.in_(select(PaymentRequest.member_id).where(PaymentRequest.reference == compact))
    elif len(compact) >= 15 and std_iban.is_valid(compact):
        condition = Member.iban == compact
    elif compact.isdigit() and len(compact) == 11 and std_nn.is_valid(compact):
        condition = Member.national_number == compact
    elif compact.isdigit() and len(compact) in (9, 10) and std_be_vat.is_valid(compact):
        condition = Member.enterprise_number == std_be_vat.compact(compact)
    if condition is None:
        return None
    return list(db.session.scalars(select(Member).where(condition).order_by(Member.number).limit(PAGE_SIZE)))
