"""The ``shares`` blueprint, on which every shares page registers its routes."""
from __future__ import annotations

from flask import Blueprint, abort, has_request_context
from flask_login import current_user

from app.extensions import db
from shares import queries
from shares.models import Member

bp = Blueprint("shares", "shares", template_folder="templates")  # templates in shares/templates


@bp.app_context_processor
def inject_current_member():
    # Mail rendered from a command has no request, hence no current user.
    signed_in = has_request_context() and current_user.is_authenticated
    member = queries.member_for_account(current_user.id) if signed_in else None
    return {"current_member": member}


def own_member() -> Member:
    """The signed-in account's member record; 404 for an account that is not a member."""
    member = queries.member_for_account(current_user.id)
    if member is None:
        abort(404)
    return member


def row_or_404(model, row_id: int):
    """A row by id from the URL: an id no row can have (beyond the database's integers) is a plain 404."""
    if not 0 < row_id <= queries.MAX_INT:
        abort(404)
    return db.get_or_404(model, row_id)
