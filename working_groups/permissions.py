"""Who may do what with working groups, recommendations and minutes: one predicate per rule, used by the
views and the templates alike."""
from __future__ import annotations

from app.authz import has_role, predicate
from app.models import Role
from shares.permissions import is_current_member, is_member
from working_groups.models import (BoardMinutes, CallStatus, GroupMembership, GroupRole, MinutesStatus,
                                   Recommendation, RecommendationStatus, WorkingGroup)


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_secretary(user) -> bool:
    return has_role(user, Role.SECRETARY)


def is_board(user) -> bool:
    return has_role(user, Role.BOARD)


def _membership(user, group: WorkingGroup | None) -> GroupMembership | None:
    """This person's active membership of the group; asked once per request (pages ask several rules)."""
    if group is None or not _signed_in(user):
        return None
    from flask import g, has_request_context

    from shares.queries import member_for_account
    from working_groups.services import active_membership

    cache = g.setdefault("wg_memberships", {}) if has_request_context() else {}
    key = (user.id, group.id)
    if key not in cache:
        cache[key] = active_membership(group, member_for_account(user.id))
    return cache[key]


# -- groups --------------------------------------------------------------------------------------

@predicate
def can_view_groups(user, group=None) -> bool:
    """Members see the groups and their work; so do the board, the secretary and staff."""
    return is_member(user) or is_board(user) or is_secretary(user) or has_role(user, Role.STAFF)


@predicate
def can_manage_groups(user, group=None) -> bool:
    """Create groups from an assembly's decision, open and close their calls, add people."""
    return is_secretary(user)


@predicate
def can_join_group(user, group: WorkingGroup | None) -> bool:
    """A member of the cooperative (shares paid, not left: shares.standing.is_member_now) not in the group yet,
    while its call is open."""
    if group is None or group.call_status is not CallStatus.OPEN or not is_member(user):
        return False
    from shares.queries import member_for_account
    from shares.standing import is_member_now

    return _membership(user, group) is None and is_member_now(member_for_account(user.id))


@predicate
def is_in_group(user, group: WorkingGroup | None) -> bool:
    return _membership(user, group) is not None


@predicate
def can_work_in_group(user, group: WorkingGroup | None) -> bool:
    """Draft and revise recommendations, upload documents: the group's members."""
    return is_in_group(user, group)


@predicate
def can_facilitate(user, group: WorkingGroup | None) -> bool:
    """Schedule and record meetings, adopt, submit, set roles: the group's facilitators and the secretary."""
    if is_secretary(user):
        return group is not None
    membership = _membership(user, group)
    return bool(membership is not None and membership.role is GroupRole.FACILITATOR)


# -- recommendations -----------------------------------------------------------------------------

@predicate
def can_read_recommendations(user, rec=None) -> bool:
    """The public list: everyone, signed in or not."""
    return True


@predicate
def can_read_recommendation(user, rec: Recommendation | None) -> bool:
    """Drafts and adopted texts stay within the group (and the secretary) until submitted."""
    if rec is None:
        return False
    if rec.status in (RecommendationStatus.SUBMITTED, RecommendationStatus.ANSWERED):
        return True
    return is_secretary(user) or is_in_group(user, rec.group)


@predicate
def can_revise_recommendation(user, rec: Recommendation | None) -> bool:
    return bool(rec is not None and rec.status is RecommendationStatus.DRAFT and can_work_in_group(user, rec.group))


@predicate
def can_answer_recommendations(user, rec=None) -> bool:
    """The board's answers are recorded by its secretary: never by a group member as such."""
    return is_secretary(user)


@predicate
def can_update_implementation(user, rec=None) -> bool:
    return is_secretary(user)


@predicate
def can_follow(user, rec=None) -> bool:
    return _signed_in(user)


# -- minutes -------------------------------------------------------------------------------------

@predicate
def can_view_minutes(user, minutes=None) -> bool:
    """The full minutes, drafts included: the board and its secretary only."""
    return is_board(user) or is_secretary(user)


@predicate
def can_write_minutes(user, minutes=None) -> bool:
    return is_secretary(user)


@predicate
def can_sign_minutes(user, minutes=None) -> bool:
    """Approving minutes is a board member's own act (the service checks they are listed in them)."""
    return is_board(user)


@predicate
def can_approve_minutes(user, minutes: BoardMinutes | None) -> bool:
    return bool(minutes is not None and is_board(user) and minutes.status is MinutesStatus.CIRCULATED
                and any(a.account_id == user.id for a in minutes.attendees)
                and not any(a.account_id == user.id for a in minutes.approvals))


@predicate
def can_comment_minutes(user, minutes: BoardMinutes | None) -> bool:
    return bool(minutes is not None and can_view_minutes(user)
                and minutes.status in (MinutesStatus.DRAFT, MinutesStatus.CIRCULATED))


@predicate
def can_read_syntheses(user, minutes=None) -> bool:
    """Published syntheses: current members (not a former member, nor an applicant whose shares are unpaid),
    the board, the secretary and staff."""
    return is_current_member(user) or is_board(user) or is_secretary(user) or has_role(user, Role.STAFF)


@predicate
def can_read_synthesis(user, minutes: BoardMinutes | None) -> bool:
    return bool(minutes is not None and minutes.published_at is not None
                and minutes.status is not MinutesStatus.SUPERSEDED and can_read_syntheses(user))


@predicate
def can_search(user) -> bool:
    return True
