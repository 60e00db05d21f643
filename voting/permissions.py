"""Who may do what with elections: one predicate per rule, for views and templates alike."""
from __future__ import annotations

from app.authz import has_role, predicate
from app.models import Role


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


@predicate
def can_read_board(user, election=None) -> bool:
    """The board, the record and the result are public."""
    return True


@predicate
def can_manage_election(user, election=None) -> bool:
    """Election officers define, open, close and tally; they cannot read ballots or vote for anyone."""
    return has_role(user, Role.OFFICER)


@predicate
def can_act_as_trustee(user, election, trustee) -> bool:
    """The scrutineer account named for this trustee of this election (and still a scrutineer)."""
    return bool(has_role(user, Role.SCRUTINEER) and trustee is not None and election is not None
                and trustee.election_id == election.id and trustee.account_id == user.id)


@predicate
def can_see_scrutineer_page(user, election) -> bool:
    return bool(has_role(user, Role.SCRUTINEER) and election is not None
                and any(t.account_id == user.id for t in election.trustees))


@predicate
def can_cast_ballot(user, election) -> bool:
    """Anyone holding a credential casts, signed in when the election requires it. Whether the
    credential is valid is the service's business (it answers 403 with a reason)."""
    if election is None:
        return False
    return _signed_in(user) or not election.require_login


def may_cast_for(user, credential_owner) -> bool:
    """In an election that requires sign-in, may the signed-in member ``user`` cast a ballot with a
    credential delivered to the member whose id is ``credential_owner`` (None: not known)?

    Today: only with their own. Proxies hook in here (a member holding another's proxy may cast
    with that member's credential), so that the service and the pages keep one rule."""
    if user is None or credential_owner is None:
        return False
    return getattr(user, "id", None) == credential_owner
