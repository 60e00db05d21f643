"""Permission rules: one predicate per rule, used by route decorators and templates alike.

Domain modules add theirs with ``@predicate``; every predicate is a template global."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, current_app

from app.models import Role

PREDICATES: dict[str, Callable[..., bool]] = {}


def predicate(fn: Callable[..., bool]) -> Callable[..., bool]:
    PREDICATES[fn.__name__] = fn
    return fn


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def has_role(user, role: Role) -> bool:
    return _signed_in(user) and user.has_role(role)


@predicate
def is_staff(user) -> bool:
    return has_role(user, Role.STAFF)


@predicate
def can_view_audit(user) -> bool:
    return is_staff(user)


@predicate
def can_search_members(user) -> bool:
    return is_staff(user)


@predicate
def signs_in_with_password(user) -> bool:
    """An account holding a role signs in with its password and an authenticator code: its menu
    leads to the page that changes the password (members without a role set one from their profile)."""
    return _signed_in(user) and bool(user.role_names)


@predicate
def can_read_outbox(user) -> bool:
    """The outbox page exists in the demo only, where it stands in for everybody's mailbox."""
    return bool(current_app.config.get("DEMO"))


def permission_required(rule: Callable[..., bool], allow_anonymous: bool = False):
    """Refuse the view unless ``rule(current_user)`` holds: sign-in first for visitors, else 403."""
    from flask_login import current_user

    from app.auth import login_redirect

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not allow_anonymous and not current_user.is_authenticated:
                return login_redirect()
            if not rule(current_user):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def login_required(view):
    """Any signed-in account."""
    return permission_required(_signed_in)(view)
