"""Who may do what with assemblies: one predicate per rule, for views and templates alike."""
from __future__ import annotations

from app.authz import has_role, predicate
from app.models import Role


def _member(user):
    if user is None or not user.is_authenticated:
        return None
    from shares.queries import member_for_account

    return member_for_account(user.id)


@predicate
def can_see_assemblies(user) -> bool:
    """Every signed-in account (members, and the people who run the assembly: staff, board,
    secretaries, officers, scrutineers) sees the list, agendas, documents and published results."""
    return bool(user is not None and user.is_authenticated)


@predicate
def can_prepare_assembly(user, assembly=None) -> bool:
    """Board secretaries and election officers prepare: agenda, documents, electorate."""
    return has_role(user, Role.SECRETARY) or has_role(user, Role.OFFICER)


@predicate
def can_correct_electorate(user, assembly=None) -> bool:
    """Those who prepare correct the electorate (a late addition, a removal) until the vote is closed:
    then the record has sealed it, and the results and minutes state it (services.electorate_sealed)."""
    if not can_prepare_assembly(user):
        return False
    from assemblies.services import electorate_sealed

    return assembly is None or electorate_sealed(assembly) is None


@predicate
def can_run_vote(user, assembly=None) -> bool:
    """Election officers (and the chair, who holds the officer role for the day) build the ballot,
    convene, open and close the vote. They never vote for anyone nor read a ballot."""
    return has_role(user, Role.OFFICER)


@predicate
def can_see_roll(user, assembly=None) -> bool:
    """Who is in the electorate, who was sent what, who voted: officers only (not scrutineers)."""
    return has_role(user, Role.OFFICER)


@predicate
def can_check_in(user, assembly=None) -> bool:
    """Staff at the door and officers."""
    return has_role(user, Role.STAFF) or has_role(user, Role.OFFICER)


@predicate
def can_manage_proxies(user, assembly=None) -> bool:
    """Staff at the door and officers: they record paper proxies and withdraw any proxy its giver asks them to."""
    return has_role(user, Role.STAFF) or has_role(user, Role.OFFICER)


@predicate
def can_give_proxy(user, assembly=None) -> bool:
    """A member (the service checks that they are in the electorate, before the deadline)."""
    return _member(user) is not None


@predicate
def can_see_projector(user, assembly=None) -> bool:
    """The projector shows counts only (no names): anyone in the hall, so public."""
    return True


@predicate
def can_write_assembly_minutes(user, assembly=None) -> bool:
    """The board's secretaries write and sign the minutes of an assembly."""
    return has_role(user, Role.SECRETARY)


@predicate
def can_read_assembly_minutes(user, minutes=None) -> bool:
    """Signed minutes: every signed-in account. A draft: its writers only."""
    if minutes is not None and minutes.signed:
        return can_see_assemblies(user)
    return can_write_assembly_minutes(user)
