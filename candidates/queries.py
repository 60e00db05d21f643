"""Read-side selects for the candidates' pages; eager loading decided here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.clock import brussels_day
from app.extensions import db
from candidates.models import (TO_REVIEW, Application, ApplicationStatus, ApplicationVersion, Call, Gender)
from shares.models import Category, Member
from shares.register import comebacks, exit_in_force, left_on


def call_by_slug(slug: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.slug == slug))


def all_calls() -> list[Call]:
    return list(db.session.scalars(select(Call).order_by(Call.opens_on.desc(), Call.id.desc())))


def open_calls(on: date) -> list[Call]:
    return list(db.session.scalars(select(Call).where(
        Call.announced_at.is_not(None), Call.opens_on <= on, Call.closes_on >= on).order_by(Call.closes_on)))


def public_calls(on: date) -> list[Call]:
    """Calls a visitor may read: announced ones (their texts), newest first."""
    return list(db.session.scalars(select(Call).where(Call.announced_at.is_not(None))
                                   .order_by(Call.opens_on.desc(), Call.id.desc())))


def application_by_id(application_id: int) -> Application | None:
    return db.session.scalar(select(Application).where(Application.id == application_id)
                             .options(selectinload(Application.member).joinedload(Member.account)))


def stands_in(account_id: int | None, call: Call) -> bool:
    """Whether the account's member has an application in the call (any but a withdrawn one)."""
    if account_id is None:
        return False
    return db.session.scalar(select(Application.id).join(Member, Member.id == Application.member_id).where(
        Application.call_id == call.id, Member.account_id == account_id,
        Application.status != ApplicationStatus.WITHDRAWN).limit(1)) is not None


def left_published_list(application: Application, history: list[ApplicationVersion]) -> bool:
    """Whether the withdrawal took an accepted candidate off the published list (``history`` newest
    first, as ``versions`` gives it: the version before the withdrawal was accepted, the list public)."""
    published = application.call.published_at
    return (application.status is ApplicationStatus.WITHDRAWN and len(history) > 1
            and history[1].status is ApplicationStatus.ACCEPTED and published is not None
            and application.withdrawn_at is not None and published <= application.withdrawn_at)


def left_on_ballot(application: Application) -> date | None:
    """The day the membership of a candidate still on the ballot ended: an exit recorded once the call's vote
    had opened withdraws nothing (the ballot no longer changes), and they cannot take a seat. A person who
    was admitted again since (a new membership, ``register.comebacks``) is a member: None, unless that
    membership ended too (the day it did)."""
    if not application.on_ballot:
        return None
    day = left_on(application.member_id)
    back = comebacks([application.member_id]).get(application.member_id) if day is not None else None
    return day if back is None else back.ended_on


# Whether a general assembly's vote is over, by its id: the rule of the package that runs it, registered
# (assemblies.candidates_adapter.connect); candidates reads no assembly itself.
VOTE_OVER_RULES: list = []


def register_vote_over_rule(rule) -> None:
    if rule not in VOTE_OVER_RULES:
        VOTE_OVER_RULES.append(rule)


def vote_over(call: Call) -> bool:
    """Whether the vote of the assembly the call is for (``Call.assembly_id``) is over: closed, tallied, or the
    meeting's day past. A call for no assembly known: not over."""
    return call.assembly_id is not None and any(rule(call.assembly_id) for rule in VOTE_OVER_RULES)


def withdrawn_on_ballot(member_ids, assembly_id: int) -> dict[int, date]:
    """Of ``member_ids``, those whose candidacy on the ballot of a call for the general assembly
    ``assembly_id`` (``Call.assembly_id``: set when the call is made for it, or when its ballot is imported
    into its agenda) was withdrawn once that vote had opened: they stay on the ballot, shown as withdrawn,
    and cannot take a seat. With the day they withdrew (in Brussels). A withdrawal from another
    assembly's call says nothing of this one."""
    latest: dict[int, Application] = {}
    for application in db.session.scalars(select(Application).join(Call).where(
            Application.member_id.in_(list(member_ids)), Application.ballot_position.is_not(None),
            Call.assembly_id == assembly_id).order_by(Call.vote_opens_on, Application.id)):
        latest[application.member_id] = application
    return {m: brussels_day(a.withdrawn_at) for m, a in latest.items()
            if a.withdrawn_after_vote and a.withdrawn_at is not None}


def exit_corrected(application: Application) -> bool:
    """An application an exit withdrew whose exit was corrected away since, and which stayed withdrawn
    (``services.on_exit_undone``: its call had moved on)."""
    return application.membership_ended_on is not None and not exit_in_force(application.member_id)


def member_applications(member: Member) -> list[Application]:
    return list(db.session.scalars(select(Application).where(Application.member_id == member.id)
                                   .order_by(Application.created_at.desc())))


def call_applications(call: Call, status: ApplicationStatus | None = None) -> list[Application]:
    stmt = (select(Application).where(Application.call_id == call.id)
            .options(selectinload(Application.member).joinedload(Member.account)))
    if status is not None:
        stmt = stmt.where(Application.status == status)
    return list(db.session.scalars(stmt.order_by(Application.category, Application.ballot_position,
                                                 Application.published_name, Application.id)))


def versions(application: Application) -> list[ApplicationVersion]:
    return list(db.session.scalars(select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
                                   .options(selectinload(ApplicationVersion.actor))
                                   .order_by(ApplicationVersion.number.desc())))


def published_candidates(call: Call, category: str | None = None, language: str | None = None,
                         skill: str | None = None) -> list[Application]:
    """Accepted candidates of a published call (and those who withdrew once the vote had opened)."""
    if call.published_at is None:
        return []
    stmt = select(Application).where(Application.call_id == call.id, (Application.status == ApplicationStatus.ACCEPTED)
                                     | ((Application.status == ApplicationStatus.WITHDRAWN)
                                        & Application.withdrawn_after_vote.is_(True)))
    if category in ("A", "B"):
        stmt = stmt.where(Application.category == Category(category))
    if language in ("fr", "nl", "en"):
        stmt = stmt.where(Application.language == language)
    rows = db.session.scalars(stmt.order_by(Application.category, Application.ballot_position,
                                            Application.published_name, Application.id)).all()
    if skill:
        rows = [a for a in rows if skill in (a.skills or [])]
    return list(rows)


@dataclass
class CategoryCount:
    category: Category
    seats: int
    candidates: int = 0


@dataclass
class Balance:
    women: int = 0
    men: int = 0
    other: int = 0
    undeclared: int = 0
    legal_persons: int = 0

    @property
    def total(self) -> int:
        return self.women + self.men + self.other + self.undeclared + self.legal_persons


@dataclass
class Statistics:
    counts: list[CategoryCount] = field(default_factory=list)
    balance: Balance = field(default_factory=Balance)


def statistics(candidates: list[Application], call: Call) -> Statistics:
    """Candidates per category against the seats, and the balance of women, men and legal persons."""
    counts = {c: CategoryCount(c, call.seats(c)) for c in (Category.A, Category.B)}
    balance = Balance()
    for a in candidates:
        if a.category in counts:
            counts[a.category].candidates += 1
        if a.legal_person:
            balance.legal_persons += 1
        elif a.gender is Gender.WOMAN:
            balance.women += 1
        elif a.gender is Gender.MAN:
            balance.men += 1
        elif a.gender is Gender.OTHER:
            balance.other += 1
        else:
            balance.undeclared += 1
    return Statistics(list(counts.values()), balance)


def status_counts(call: Call) -> dict[str, int]:
    rows = db.session.execute(select(Application.status, func.count()).where(Application.call_id == call.id)
                              .group_by(Application.status)).all()
    return {status.value: n for status, n in rows}


def to_review_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Application).where(Application.status.in_(TO_REVIEW))) or 0


def first_call_to_review() -> Call | None:
    return db.session.scalar(select(Call).join(Application, Application.call_id == Call.id)
                             .where(Application.status.in_(TO_REVIEW)).order_by(Call.closes_on).limit(1))
