"""Who may do what with members."""
from __future__ import annotations

from app.authz import is_staff, predicate


@predicate
def can_edit_profile(user, member) -> bool:
    return bool(user.is_authenticated and member is not None and (member.account_id == user.id or is_staff(user)))


@predicate
def can_view_member(user, member) -> bool:
    return can_edit_profile(user, member)


@predicate
def can_keep_register(user) -> bool:
    """Record subscriptions, transfers, redemptions, resignations, exclusions and corrections."""
    return is_staff(user)


@predicate
def can_view_register(user) -> bool:
    return is_staff(user)


@predicate
def can_import_statements(user) -> bool:
    return is_staff(user)


@predicate
def can_resolve_payments(user) -> bool:
    return is_staff(user)
