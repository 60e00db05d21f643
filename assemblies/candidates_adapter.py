"""The one place where assemblies read board candidacies (the ``candidates`` package, when the
application has it): a call's fixed ballot becomes the board item's candidates, in ballot order.

``candidates.services.ballot_choices(call)`` (see docs/candidacies.md on that branch) returns the
contests and, per choice, who the candidate is. Without that package the secretary enters the
candidates by hand; nothing else in assemblies/ imports ``candidates``."""
from __future__ import annotations

import importlib.util
from typing import Any

from app.clock import brussels_day, today
from app.extensions import db
from assemblies import errors, services
from assemblies.models import AgendaItem, Assembly, Gender
from shares.models import Category, Member, MemberKind


class CandidaciesUnavailable(errors.AssemblyError):
    """The application has no board-candidacies module."""


class CallNotFound(errors.AssemblyError):
    status = 404


def available() -> bool:
    return importlib.util.find_spec("candidates") is not None


def fixed_calls() -> list[Any]:
    """Calls whose ballot order is fixed (what can be imported), newest first."""
    if not available():
        return []
    from sqlalchemy import select

    from candidates.models import Call  # type: ignore[import-not-found]

    return list(db.session.scalars(select(Call).where(Call.ballot_fixed_at.is_not(None))
                                   .order_by(Call.ballot_fixed_at.desc())))


def _call_by_slug(slug: str):
    from sqlalchemy import select

    from candidates.models import Call  # type: ignore[import-not-found]

    call = db.session.scalar(select(Call).where(Call.slug == slug))
    if call is None:
        raise CallNotFound()
    return call


def _gender(member: Member | None, application_id: int | None) -> Gender:
    """A legal person as such; otherwise what the candidate declared in the application, if anything."""
    if member is not None and member.kind is MemberKind.LEGAL:
        return Gender.LEGAL
    if application_id is not None and available():
        from candidates.models import Application  # type: ignore[import-not-found]

        application = db.session.get(Application, application_id)
        declared = getattr(getattr(application, "gender", None), "value", None)
        if declared in ("woman", "man", "other"):
            return Gender(declared)
    return Gender.OTHER


def import_candidates(item: AgendaItem, choices: dict[str, Any], actor=None) -> int:
    """Add the candidates of ``choices`` (the shape ``ballot_choices`` returns) to the board item,
    in ballot order, with the seats of the call (in every category: one without candidates has its seats
    too, which nobody fills). Withdrawn applications are left out."""
    item.seats_a, item.seats_b = choices["seats"]["A"], choices["seats"]["B"]
    count = 0
    for contest in choices.get("contests", []):
        category = Category(contest["category"])
        for choice in contest["choices"]:
            info = choices["candidates"][choice]
            if info.get("withdrawn"):
                continue
            member = db.session.get(Member, info["member_id"]) if info.get("member_id") else None
            gender = _gender(member, info.get("application_id"))
            try:
                services.add_candidate(item, category=category, name=info["name"], gender=gender, member=member,
                                       actor=actor)
            except errors.CandidateTwice:  # imported already (or entered by hand): on the ballot once
                continue
            count += 1
    return count


def import_from_call(item: AgendaItem, call_slug: str, actor=None) -> int:
    if not available():
        raise CandidaciesUnavailable()
    from candidates.services import ballot_choices  # type: ignore[import-not-found]

    call = _call_by_slug(call_slug)
    if call.assembly_id is None:  # the call's ballot is this assembly's: its withdrawals are said on its results
        call.assembly_id = item.assembly_id
    return import_candidates(item, ballot_choices(call), actor=actor)


def vote_over(assembly_id: int) -> bool:
    """Whether the vote of the assembly ``assembly_id`` is over: closed or tallied (``services.vote_closed``),
    or the meeting's day has passed. A call for it then offers no withdrawal of a candidacy."""
    assembly = db.session.get(Assembly, assembly_id)
    return assembly is not None and (services.vote_closed(assembly) or brussels_day(assembly.starts_at) < today())


def connect() -> None:
    """Tell the candidacies when an assembly's vote is over (``candidates.queries.vote_over``)."""
    if available():
        from candidates.queries import register_vote_over_rule  # type: ignore[import-not-found]

        register_vote_over_rule(vote_over)


def withdrawn_on_ballot(member_ids, assembly_id: int) -> dict[int, Any]:
    """Of the candidates' memberships ``member_ids``, those who withdrew their candidacy once the vote had
    opened (they stay on the ballot), with the day: ``candidates.queries.withdrawn_on_ballot``."""
    if not available() or not member_ids:
        return {}
    from candidates.queries import withdrawn_on_ballot as withdrawn  # type: ignore[import-not-found]

    return withdrawn(member_ids, assembly_id)
