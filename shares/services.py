"""Member verbs. They flush, never commit."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from stdnum.be import nn as std_nn
from stdnum.be import vat as std_be_vat
from stdnum.exceptions import ValidationError as StdnumError

from app import audit
from app.extensions import db
from app.models import Account
from app.uow import savepoint
from app.forms import blank
from shares.errors import (DuplicateEmail, EmailOfAnotherAccount, ExcludedIdentity, IdentityInRegister,
                           IdentityNumberFixed, IdentityNumberRequired, IdentityNumberUnchanged,
                           IdentityOfAnotherPerson, InvalidIdentityNumber, LegalPersonInCategoryA, ReasonRequired,
                           StaleEdit)
from shares.models import Category, Member, MemberKind, ShareEntry

IDENTITY_FIELDS = ("national_number", "enterprise_number")
PROFILE_FIELDS = ("first_name", "last_name", "legal_name", "street", "postcode", "city", "country",
                  *IDENTITY_FIELDS, "iban")
OPTIONAL_FIELDS = {"legal_name", "national_number", "enterprise_number", "iban"}


def next_member_number() -> int:
    """Allocated inside the inserting transaction; the unique constraint rejects a concurrent twin."""
    return (db.session.scalar(select(func.max(Member.number))) or 0) + 1


def check_category(kind: MemberKind, category: Category) -> None:
    """The statutes' rule: a company or association is a member of category B."""
    if kind is MemberKind.LEGAL and category is not Category.B:
        raise LegalPersonInCategoryA()


def identity_in_register(national_number: str | None = None, enterprise_number: str | None = None,
                         except_member_id: int | None = None) -> Member | None:
    """The member with this national (or enterprise) number whose membership has not ended: admitted
    and not resigned or excluded, or an application still in hand (``Member.holds_identity``). A
    former member, or an applicant refused, may apply again."""
    conditions = [column == value for column, value in ((Member.national_number, national_number),
                                                        (Member.enterprise_number, enterprise_number)) if value]
    if not conditions:
        return None
    query = select(Member).where(or_(*conditions), Member.holds_identity)
    if except_member_id is not None:
        query = query.where(Member.id != except_member_id)
    return db.session.scalars(query.limit(1)).first()


def check_identity(fields: dict, except_member_id: int | None = None,
                   refusal: type[IdentityInRegister] = IdentityInRegister) -> None:
    holder = identity_in_register(fields.get("national_number") or None, fields.get("enterprise_number") or None,
                                  except_member_id)
    if holder is not None:
        raise refusal(holder)


@contextmanager
def identity_guarded(fields: dict, except_member_id: int | None = None,
                     refusal: type[IdentityInRegister] = IdentityInRegister) -> Iterator[None]:
    """Flush a member's numbers: the partial unique indexes on ``shares_member`` refuse what the check
    before could not see (another application with the same number, landed meanwhile), said as the
    check says it."""
    try:
        with savepoint():
            yield
    except IntegrityError:
        check_identity(fields, except_member_id, refusal)
        raise


def create_member(*, email: str, kind: MemberKind, category: Category, language: str = "fr",
                  number: int | None = None, **fields) -> Member:
    email = email.strip().lower()
    check_category(kind, category)
    if db.session.scalar(select(Account.id).where(func.lower(Account.email) == email)):
        raise DuplicateEmail()  # said first: the same application sent twice is answered "sign in"
    check_identity(fields)
    account = Account(email=email, language=language, display_name="")
    member = Member(account=account, kind=kind, category=category,
                    number=number or next_member_number(), **fields)
    account.display_name = member.name
    return _added(member, fields)


def _added(member: Member, fields: dict, actor: Account | None = None, **audited) -> Member:
    with identity_guarded(fields):  # added inside the savepoint: a refused insert undoes the savepoint only
        db.session.add(member)
        db.session.flush()
    audit.record("shares.member.create", member, actor=actor,
                 after={"number": member.number, "category": member.category,
                        **{f: fields.get(f) for f in PROFILE_FIELDS if f in fields}, **audited})
    return member


def later_membership(member_id: int) -> Member | None:
    """The membership that follows ``member_id``'s (the person applied again after it ended), or None."""
    return db.session.scalar(select(Member).where(Member.earlier_member_id == member_id))


def rejoin_member(earlier: Member, category: Category, *, actor: Account | None = None,
                  details: dict | None = None) -> Member:
    """A new membership (a new member number) for the person of ``earlier``, whose membership ended:
    the same account and details (``details`` given by staff replace them all, an IBAN the form does not
    ask included, but for a national or enterprise number the register has: the person's). One follows each (the unique
    ``earlier_member_id``: a second at the same moment raises IntegrityError); their number is refused
    if another membership holds it."""
    check_category(earlier.kind, category)
    fields = {f: getattr(earlier, f) for f in PROFILE_FIELDS}
    if details is not None:  # staff's form: what the person says at the desk, no account number it did not ask
        fields.update({f: details.get(f) for f in PROFILE_FIELDS if not (f in IDENTITY_FIELDS and fields[f])})
    check_identity(fields)
    member = Member(account=earlier.account, kind=earlier.kind, category=category, number=next_member_number(),
                    earlier_member_id=earlier.id, **fields)
    return _added(member, fields, actor, earlier_member=earlier.number)


def update_profile(member: Member, expected_version: int, language: str, **fields) -> None:
    """Apply a profile edit made on version ``expected_version``; a stale copy raises StaleEdit."""
    if member.version != expected_version:
        raise StaleEdit()
    if any(getattr(member, f) and f in fields and fields[f] != getattr(member, f) for f in IDENTITY_FIELDS):
        raise IdentityNumberFixed()
    numbers = {f: fields[f] for f in IDENTITY_FIELDS  # a number given now that another membership has
               if fields.get(f) and fields[f] != getattr(member, f)}
    check_identity(numbers, except_member_id=member.id)
    before = audit.snapshot(member, PROFILE_FIELDS) | {"language": member.account.language}
    for name in PROFILE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(member, name, (value or None) if name in OPTIONAL_FIELDS else value)
    member.account.language = language
    member.account.display_name = member.name
    after = audit.snapshot(member, PROFILE_FIELDS) | {"language": language}
    changed = {k for k in after if after[k] != before[k]}
    if not changed:
        return
    try:
        with identity_guarded(numbers, except_member_id=member.id):
            db.session.flush()
    except StaleDataError:
        raise StaleEdit() from None
    audit.record("shares.member.profile_update", member, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
    if "iban" in changed:
        from shares.surplus import give_account  # shares.surplus builds on the register, which imports this module

        give_account(member, member.iban)  # refunds still waiting for an account get it


def identity_field(kind: MemberKind) -> str:
    """The one identity number of a kind of member: a company's enterprise number, a person's national one."""
    return "enterprise_number" if kind is MemberKind.LEGAL else "national_number"


IDENTITY_CHECKS = {"national_number": std_nn, "enterprise_number": std_be_vat}
MAX_NUMBER_TYPED = 64  # an IBAN (34 characters) or a national number typed with spaces and dots fits


def checked_identity_number(name: str, number: str) -> str:
    """``number`` (the ``name`` field: national or enterprise) in its compact form, once python-stdnum accepts
    its check digits; else InvalidIdentityNumber."""
    if len(number) > MAX_NUMBER_TYPED:  # python-stdnum would read thousands of digits as an int
        raise InvalidIdentityNumber(name)
    try:
        return IDENTITY_CHECKS[name].validate(number)
    except StdnumError:
        raise InvalidIdentityNumber(name) from None


def correct_identity_number(member: Member, expected_version: int, number: str | None, *, reason: str,
                            actor: Account) -> None:
    """Staff correct the national (or enterprise) number the register holds for ``member``, typed wrong: the
    member cannot (``IdentityNumberFixed``). ``number`` is checked here (python-stdnum's check digits,
    ``InvalidIdentityNumber``; the form says it first) and kept compact. The join's check: a number another membership holds, or an excluded person's, is refused, unless
    that is the same person's earlier or later membership (the same account); so is one another account's
    former member had (``IdentityOfAnotherPerson``), which the join would let apply again (not a number an
    applicant never admitted typed). Never emptied
    (``IdentityNumberRequired``): without it, the same person or company could join a second time."""
    from shares.admission import _excluded_with  # admission builds on this module
    from shares.register import holding

    if member.version != expected_version:
        raise StaleEdit()
    reason = (reason or "").strip()
    if blank(reason):
        raise ReasonRequired()
    if not number:
        raise IdentityNumberRequired()
    name = identity_field(member.kind)
    number = checked_identity_number(name, number)
    before = getattr(member, name)
    if number == before:
        raise IdentityNumberUnchanged()
    numbers = {name: number}
    holder = identity_in_register(**numbers, except_member_id=member.id)
    if holder is not None and holder.account_id != member.account_id:
        raise IdentityInRegister(holder)
    excluded = _excluded_with(numbers)
    if excluded is not None and excluded.account_id != member.account_id:
        raise ExcludedIdentity(excluded, holding(excluded).left_on)
    # A former member's (admitted once: their register has entries): the number is still that person's. An
    # applicant never admitted proves nothing: anyone may type any number on the public form.
    former = db.session.scalars(select(Member).where(
        getattr(Member, name) == number, Member.account_id != member.account_id,
        select(ShareEntry.id).where(ShareEntry.member_id == Member.id).exists())
        .order_by(Member.id.desc()).limit(1)).first()
    if former is not None:
        raise IdentityOfAnotherPerson(former, holding(former).left_on)
    # The number is the person's: the same account's other memberships that hold the wrong one (an earlier
    # membership, excluded or resigned) are corrected with it, else it would still block its real owner.
    same_person = list(db.session.scalars(select(Member).where(
        Member.account_id == member.account_id, Member.id != member.id, getattr(Member, name) == before))) \
        if before else []
    for row in (member, *same_person):
        setattr(row, name, number)
    try:
        with identity_guarded(numbers, except_member_id=member.id):
            db.session.flush()
    except StaleDataError:
        raise StaleEdit() from None
    for row in (member, *same_person):
        audit.record("shares.member.identity_correct", row, actor=actor, before={name: before},
                     after={name: number, "reason": reason[:500]})


CONTACT_FIELDS = ("street", "postcode", "city", "country")


def _check_address_free(email: str, member: Member) -> None:
    holder = db.session.scalar(select(Account).where(func.lower(Account.email) == email,
                                                     Account.id != member.account_id))
    if holder is not None:
        from shares.queries import member_for_account

        raise EmailOfAnotherAccount(member_for_account(holder.id) or holder)


def update_contact(member: Member, expected_version: int, *, email: str, actor: Account, **fields) -> None:
    """Staff change a member's e-mail address and postal address; audited with before and after."""
    if member.version != expected_version:
        raise StaleEdit()
    email = email.strip().lower()
    if email != member.account.email:
        _check_address_free(email, member)
    before = audit.snapshot(member, CONTACT_FIELDS) | {"email": member.account.email}
    for name in CONTACT_FIELDS:
        if name in fields:
            setattr(member, name, fields[name])
    member.account.email = email
    after = audit.snapshot(member, CONTACT_FIELDS) | {"email": email}
    changed = {k for k in after if after[k] != before[k]}
    if not changed:
        return
    member.refresh_search_text()
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit() from None
    audit.record("shares.member.contact_update", member, actor=actor, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
