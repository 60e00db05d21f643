"""The one blueprint of the package; ``views`` (groups, recommendations) and ``minutes_views`` (the board's
minutes) add their routes to it, and ``init_app`` registers it after importing both."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.errors import DomainError, error_message
from app.extensions import db

bp = Blueprint("working_groups", __name__, template_folder="templates")


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def refused(template: str, exc: DomainError, **context):
    """The page again, as typed, with the service's sentence and its status (nothing was saved: the
    caller's unit of work has rolled back)."""
    return render_template(template, error=error_message(exc), **context), exc.status


def check(rule, *args) -> None:
    if not rule(current_user, *args):
        abort(403)
