"""Who may do what with calls and applications: one predicate per rule, for views and templates."""
from __future__ import annotations

from app.authz import has_role, predicate
from app.models import Role


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


@predicate
def can_read_candidates(user) -> bool:
    """The published lists of candidates are public."""
    return True


@predicate
def can_manage_calls(user, call=None) -> bool:
    """Board secretaries open calls, review applications, publish the list and fix the ballot."""
    return has_role(user, Role.SECRETARY)


@predicate
def can_decide_in_call(user, call) -> bool:
    """A secretary decides on a call's applications, publishes its list and fixes its ballot, unless
    they stand in it themselves (a candidate never judges their own or their rivals' candidacy)."""
    from candidates.queries import stands_in

    return can_manage_calls(user) and not stands_in(getattr(user, "id", None), call)


@predicate
def can_apply(user) -> bool:
    """Any member may open the application pages; the register decides whether they can stand."""
    from shares.permissions import is_member

    return is_member(user)


# What a member settles before the call closes (paying a share or the year's renewal, which also ends a
# lapse) or the register's keepers fill in (a category): meanwhile they may prepare their application.
_SETTLED_IN_TIME = frozenset({"no_paid_share", "not_renewed", "category_unknown"})


@predicate
def can_stand(user, call, on=None) -> bool:
    """``user`` may prepare and send an application to ``call``: an admitted member whom the register lets
    stand, or will once they paid. One who left (resigned, excluded), whose category has no seat in the
    call, staff outside category B, or a board member whose term runs on cannot: the home page does not
    invite them, their application page offers no draft, and candidates.services.save_application refuses."""
    from candidates.services import LAPSED, NOT_IN_GOOD_STANDING, member_eligibility
    from shares.admission import not_admitted
    from shares.queries import member_for_account

    member = member_for_account(user.id) if _signed_in(user) else None
    if member is None or not_admitted(member) is not None:
        return False
    eligibility = member_eligibility(call, member, on)
    return (all(reason in (NOT_IN_GOOD_STANDING, LAPSED) for reason in eligibility.reasons)
            and set(eligibility.standing_reasons) <= _SETTLED_IN_TIME)


@predicate
def can_edit_application(user, application) -> bool:
    """Only the candidate changes their own application."""
    return bool(_signed_in(user) and application is not None and application.member.account_id == user.id)


@predicate
def can_withdraw_application(user, application) -> bool:
    """The candidate withdraws their own application while a withdrawal can still change something: not
    once withdrawn or rejected, nor once the vote is over (``services.withdrawal_refusal``)."""
    from candidates.services import withdrawal_refusal

    return can_edit_application(user, application) and withdrawal_refusal(application) is None


@predicate
def can_see_photo(user, application) -> bool:
    """Published candidates' photos are public; before that, the candidate and the secretaries."""
    if application is None or application.photo_id is None:
        return False
    if application.call.published_at is not None and application.on_ballot:
        return True
    return can_edit_application(user, application) or can_manage_calls(user)
