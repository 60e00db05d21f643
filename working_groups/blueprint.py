"""The one blueprint of the package; ``views`` (groups, recommendations) and ``minutes_views`` (the board's
minutes) add their routes to it, and ``init_app`` registers it after importing both."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from app.errors import DomainError, error_message
from app.forms import say_refusal
from app.extensions import db
from working_groups.errors import (ApprovalBeforeMeeting, DateToCome, DateTooEarly, MinutesExist, NoEarlierMeeting,
                                   NotAMeetingOfTheDay)
from working_groups.models import AttendanceStatus

bp = Blueprint("working_groups", __name__, template_folder="templates")


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def attendance_sent() -> dict[int, AttendanceStatus]:
    """The attendance a meeting's or minutes' form sends (``attendance-<account id>``); a forged one is a 400."""
    attendance = {}
    for key, value in request.form.items():
        if key.startswith("attendance-"):
            try:
                attendance[int(key.removeprefix("attendance-"))] = AttendanceStatus(value)
            except ValueError:
                abort(400)
    return attendance


def refused(template: str, exc: DomainError, **context):
    """The page again, as typed, with the service's sentence and its status (nothing was saved: the
    caller's unit of work has rolled back)."""
    return render_template(template, error=error_message(exc), **context), exc.status


DATE_REFUSALS = (DateToCome, DateTooEarly, ApprovalBeforeMeeting, MinutesExist)
SITTING_REFUSALS = (NoEarlierMeeting, NotAMeetingOfTheDay)


def refusal_on(form, exc: DomainError, date_field: str | None = None) -> str | None:
    """The service's refusal said once, where the person meets it: beside ``date_field`` when it is about that
    date, beside the meeting of the day (``sitting``) when it is about that; else, for a conflict (the thing
    moved on, an answer already given: the form may be gone from the page), at the top of the page: the
    sentence returned, for the page's ``error``; else above the form (``form_errors``). Returns None but for
    a conflict said at the top."""
    field = date_field if isinstance(exc, DATE_REFUSALS) else "sitting" if isinstance(exc, SITTING_REFUSALS) else None
    if field is None and exc.status == 409:
        return error_message(exc)
    say_refusal(form, exc, field)
    return None


def check(rule, *args) -> None:
    if not rule(current_user, *args):
        abort(403)
