"""Core pages: home, language switch, audit log, the demo outbox."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, make_response, redirect, render_template, request,
                   send_from_directory, session, url_for)
from flask_login import current_user
from sqlalchemy import select

from app import audit, clock, queries
from app.authz import can_read_outbox, can_view_audit, permission_required
from app.extensions import db
from app.models import OutboxMessage
from app.registry import task_count, tasks_for
from app.uow import unit_of_work
from app.web import render, safe_next

bp = Blueprint("core", __name__)

@bp.route("/")
def home():
    # The badge counts what every page's badge counts (not the home page's costly extras).
    badge_tasks = tasks_for(current_user)
    return render_template("home.html", tasks=tasks_for(current_user, home=True), badge_tasks=badge_tasks,
                           today=clock.today())


@bp.route("/tasks/badge")
def task_badge():
    """The navigation's task count, asked by every page but the home page once it is shown (base.html):
    the only other place the task providers run. Typed in the address bar, it leads to the home page's
    list; for a visitor (signed out meanwhile) there is nothing to count."""
    if not request.headers.get("HX-Request"):
        return redirect(url_for("core.home"))
    if not current_user.is_authenticated:
        return "", 204
    response = make_response(render_template("_partials/task_badge.html",
                                             open_tasks=task_count(tasks_for(current_user))))
    response.headers["Cache-Control"] = "no-store"  # a count of now: never one kept from an earlier page
    return response


@bp.route("/language", methods=["POST"])
def set_language():
    language = request.form.get("language")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["language"] = language
    if current_user.is_authenticated and current_user.language != language:
        with unit_of_work():
            current_user.language = language
    return redirect(safe_next(request.form.get("next"), "/"))


@bp.route("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "img/favicon.svg", mimetype="image/svg+xml")


@bp.route("/staff/audit")
@permission_required(can_view_audit)
def audit_log():
    filters = queries.AuditFilters.from_args(request.args)
    entries, has_more = queries.audit_entries(filters)
    audit.look_up(entries)
    return render("audit/list.html", "audit/_partials/entries.html",
                  entries=entries, names=audit.object_names(entries), filters=filters, has_more=has_more,
                  actions=audit.action_choices(), objects=audit.object_choices())


@bp.route("/dev/outbox")
@permission_required(can_read_outbox, allow_anonymous=True)
def outbox():
    to = request.args.get("to", "").strip().lower()
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(50)
    if to:  # part of the address is enough: people type their name, not their whole address
        stmt = stmt.where(OutboxMessage.to_address.contains(to, autoescape=True))
    return render_template("dev/outbox.html", messages=db.session.scalars(stmt).all(), to=to)


@bp.route("/dev/outbox/<int:message_id>")
@permission_required(can_read_outbox, allow_anonymous=True)
def outbox_message(message_id: int):
    return render_template("dev/message.html", message=db.get_or_404(OutboxMessage, message_id))
