"""The board's minutes (board only) and the syntheses (members): thin handlers on the package's blueprint."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import inspect

from app.authz import permission_required
from app.clock import today
from app.errors import DomainError, error_message
from app.extensions import db
from app.forms import typed_back
from app.i18n import LANGUAGE_WORDS
from app.uow import unit_of_work
from shares.pdf import pdf_response
from working_groups import forms, minutes as service, pdf, queries
from working_groups.blueprint import attendance_sent, bp, get_or_404, refusal_on
from working_groups.errors import IllegalTransition, MinutesExist, MinutesGone, MinutesMovedOn
from working_groups.labels import status_label
from working_groups.models import LANGUAGES, AttendanceStatus, BoardMinutes, MinutesDecision, MinutesItem
from working_groups.permissions import (can_read_synthesis, can_read_syntheses, can_sign_minutes, can_view_minutes,
                                        can_write_minutes)


def _minutes(minutes_id: int, typed=None) -> BoardMinutes:
    """The minutes; deleted by a colleague (a draft), the page says who deleted them and when, and gives back
    what was sent for them (``typed()``: lines for the ``given_back`` macro), with a 409 (a 404 to read)."""
    minutes = db.session.get(BoardMinutes, minutes_id)
    if minutes is not None:
        return minutes
    move = queries.last_move(minutes_id)
    if move is None or move[0] != "discarded":
        abort(404)
    sent = request.method == "POST"
    page = render_template("working_groups/minutes/gone.html", error=error_message(MinutesMovedOn(*move)),
                           given_back=typed() if sent and typed is not None else None)
    abort(make_response(page, 409 if sent else 404))


def _page(minutes: BoardMinutes, status: int = 200, **extra):
    context = dict(minutes=minutes, successor=queries.successor_of(minutes), item_form=forms.ItemForm(),
                   decision_form=forms.DecisionForm(), comment_form=forms.CommentForm(),
                   confirm_form=forms.ConfirmForm(),
                   at_meeting_form=forms.ApproveAtMeetingForm(meeting_on=today(), prefix="meeting"),
                   correct_form=forms.CorrectForm(prefix="correction"),
                   withdraw_form=forms.ConfirmForm(prefix="withdraw"), discard_form=forms.ConfirmForm(prefix="discard"),
                   languages=LANGUAGES, empty=forms.EmptyForm(), given_back=None)
    context.update(extra)
    return render_template("working_groups/minutes/show.html", **context), status


def _moved_on(minutes: BoardMinutes, exc: IllegalTransition | MinutesGone, form=None, labels: dict | None = None,
              more: list[tuple[str, str]] | None = None):
    """The minutes moved on while ``form`` was typed (circulated, approved, published, replaced by a
    colleague): drawn as they stand, with what happened, and every field typed given back to copy (its
    form is gone; ``more``: what the form does not hold, the attendance). Deleted meanwhile, even between
    this request's reading of them and the service's lock (``MinutesGone``): the page of ``_minutes``."""
    typed = (lambda: typed_back(form, labels=labels) + (more or [])) if form is not None else None
    minutes_id = inspect(minutes).identity[0]  # not minutes.id: the row may be gone
    now = _minutes(minutes_id, typed)
    move = queries.last_move(minutes_id) if exc.current != exc.target else None  # else done already (a second tab)
    return _page(now, exc.status, error=error_message(MinutesMovedOn(*move) if move else exc),
                 given_back=typed() if typed is not None else None)


def _attendance_typed(attendance: dict[int, AttendanceStatus]) -> list[tuple[str, str]]:
    """The attendance sent, to give back with the edit form's fields: one line per board member, in words."""
    if not attendance:
        return []
    names = queries.account_names(attendance)
    lines = [_("%(name)s: %(status)s", name=names.get(account_id, ""), status=status_label(status))
             for account_id, status in attendance.items()]
    return [(_("Attendance"), "\n".join(lines))]


def _act(minutes: BoardMinutes, fn, message: str, form_name: str | None = None, form=None, then: str | None = None,
         date_field: str | None = None):
    """Run ``fn`` in a unit of work; refused, the page again with why: at the top, or at ``form`` (kept
    open; beside ``date_field`` when the date is refused; given back when the minutes moved on meanwhile);
    done, a flash and the minutes' page (or ``then``)."""
    try:
        with unit_of_work():
            fn()
    except (IllegalTransition, MinutesGone) as exc:
        return _moved_on(minutes, exc, form)
    except DomainError as exc:
        if form is None:
            return _page(_minutes(minutes.id), exc.status, error=error_message(exc))
        return _page(_minutes(minutes.id), exc.status, error=refusal_on(form, exc, date_field), **{form_name: form})
    flash(message, "success")
    return redirect(then or url_for("working_groups.minutes_show", minutes_id=minutes.id))


@bp.route("/board/minutes/")
@permission_required(can_view_minutes)
def minutes_index():
    return render_template("working_groups/minutes/index.html", all_minutes=queries.board_minutes())


@bp.route("/board/minutes/new", methods=["GET", "POST"])
@permission_required(can_write_minutes)
def minutes_new():
    form = forms.NewMinutesForm()

    def page(status: int, existing: BoardMinutes | None = None, error: str | None = None):
        return render_template("working_groups/minutes/new.html", form=form, existing=existing, error=error,
                               in_progress=queries.minutes_in_progress()), status

    if form.validate_on_submit():
        try:
            with unit_of_work():
                minutes = service.draft_minutes(form.meeting_on.data, form.place.data or "", actor=current_user,
                                                sitting=form.sitting.data)
        except DomainError as exc:  # beside the date; minutes that exist already, with the way to them
            return page(exc.status, exc.minutes if isinstance(exc, MinutesExist) else None,
                        error=refusal_on(form, exc, "meeting_on"))
        flash(_("The draft minutes are created. Add the agenda items and decisions."), "success")
        return redirect(url_for("working_groups.minutes_edit", minutes_id=minutes.id))
    return page(400 if form.errors else 200)


@bp.route("/board/minutes/<int:minutes_id>")
@permission_required(can_view_minutes)
def minutes_show(minutes_id: int):
    return _page(_minutes(minutes_id))


@bp.route("/board/minutes/<int:minutes_id>/edit", methods=["GET", "POST"])
@permission_required(can_write_minutes)
def minutes_edit(minutes_id: int):
    attendance = attendance_sent()
    minutes = _minutes(minutes_id, lambda: typed_back(forms.MinutesEditForm()) + _attendance_typed(attendance))
    form = forms.MinutesEditForm(obj=minutes)
    statuses = [s.value for s in AttendanceStatus]
    if form.validate_on_submit():
        try:
            with unit_of_work():
                service.update_minutes(minutes, meeting_on=form.meeting_on.data, sitting=form.sitting.data,
                                       place=form.place.data or "", summary=form.summary.data or "",
                                       attendance=attendance, actor=current_user)
        except (IllegalTransition, MinutesGone) as exc:
            return _moved_on(minutes, exc, form, more=_attendance_typed(attendance))
        except DomainError as exc:
            return render_template("working_groups/minutes/edit.html", minutes=_minutes(minutes_id), form=form,
                                   error=refusal_on(form, exc, "meeting_on"), statuses=statuses,
                                   existing=exc.minutes if isinstance(exc, MinutesExist) else None), exc.status
        flash(_("The minutes are saved."), "success")
        return redirect(url_for("working_groups.minutes_show", minutes_id=minutes.id))
    return render_template("working_groups/minutes/edit.html", minutes=minutes, form=form, statuses=statuses), \
        400 if form.errors else 200


@bp.route("/board/minutes/<int:minutes_id>/items", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_add_item(minutes_id: int):
    form = forms.ItemForm()
    minutes = _minutes(minutes_id, lambda: typed_back(form))
    if not form.validate_on_submit():
        return _page(minutes, 400, item_form=form)
    return _act(minutes, lambda: service.add_item(minutes, form.title.data, form.discussion.data or "",
                                                  actor=current_user),
                _("The agenda item is added."), "item_form", form)


@bp.route("/board/minutes/<int:minutes_id>/decisions", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_add_decision(minutes_id: int):
    form = forms.DecisionForm()
    minutes = _minutes(minutes_id, lambda: typed_back(form))
    if not form.validate_on_submit():
        return _page(minutes, 400, decision_form=form)
    return _act(minutes, lambda: service.add_decision(minutes, form.text.data, form.votes_for.data,
                                                      form.votes_against.data, form.votes_abstain.data,
                                                      actor=current_user),
                _("The decision is added."), "decision_form", form)


@bp.route("/board/minutes/<int:minutes_id>/items/<int:item_id>/remove", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_remove_item(minutes_id: int, item_id: int):
    minutes = _minutes(minutes_id)
    item = get_or_404(MinutesItem, item_id)
    if item.minutes_id != minutes.id:
        abort(404)
    if not forms.EmptyForm().validate_on_submit():
        abort(400)
    return _act(minutes, lambda: service.remove_item(minutes, item, actor=current_user),
                _("The agenda item is removed."))


@bp.route("/board/minutes/<int:minutes_id>/decisions/<int:decision_id>/remove", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_remove_decision(minutes_id: int, decision_id: int):
    minutes = _minutes(minutes_id)
    decision = get_or_404(MinutesDecision, decision_id)
    if decision.minutes_id != minutes.id:
        abort(404)
    if not forms.EmptyForm().validate_on_submit():
        abort(400)
    return _act(minutes, lambda: service.remove_decision(minutes, decision, actor=current_user),
                _("The decision is removed."))


@bp.route("/board/minutes/<int:minutes_id>/circulate", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_circulate(minutes_id: int):
    minutes = _minutes(minutes_id)
    if not forms.EmptyForm().validate_on_submit():
        abort(400)
    return _act(minutes, lambda: service.circulate(minutes, actor=current_user),
                _("The draft is sent to the board members for comments and approval."))


@bp.route("/board/minutes/<int:minutes_id>/withdraw", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_withdraw(minutes_id: int):
    minutes = _minutes(minutes_id)
    form = forms.ConfirmForm(prefix="withdraw")
    if not form.validate_on_submit():
        return _page(minutes, 400, withdraw_form=form)
    return _act(minutes, lambda: service.withdraw(minutes, actor=current_user),
                _("The minutes are back in draft; approvals given so far are cleared."))


@bp.route("/board/minutes/<int:minutes_id>/discard", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_discard(minutes_id: int):
    minutes = _minutes(minutes_id)
    form = forms.ConfirmForm(prefix="discard")
    if not form.validate_on_submit():
        return _page(minutes, 400, discard_form=form)
    return _act(minutes, lambda: service.discard(minutes, actor=current_user), _("The draft minutes are deleted."),
                "discard_form", form, then=url_for("working_groups.minutes_index"))


@bp.route("/board/minutes/<int:minutes_id>/comments", methods=["POST"])
@permission_required(can_view_minutes)
def minutes_comment(minutes_id: int):
    form = forms.CommentForm()
    minutes = _minutes(minutes_id, lambda: typed_back(form))
    if not form.validate_on_submit():
        return _page(minutes, 400, comment_form=form)
    return _act(minutes, lambda: service.comment(minutes, current_user, form.body.data),
                _("Your comment is added."), "comment_form", form)


@bp.route("/board/minutes/<int:minutes_id>/approve", methods=["POST"])
@permission_required(can_sign_minutes)
def minutes_approve(minutes_id: int):
    minutes = _minutes(minutes_id)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return _page(minutes, 400, confirm_form=form)
    return _act(minutes, lambda: service.approve(minutes, current_user), _("Your approval is recorded."))


@bp.route("/board/minutes/<int:minutes_id>/approve-at-meeting", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_approve_at_meeting(minutes_id: int):
    minutes = _minutes(minutes_id)
    form = forms.ApproveAtMeetingForm(prefix="meeting")
    if not form.validate_on_submit():
        return _page(minutes, 400, at_meeting_form=form)
    return _act(minutes, lambda: service.approve_at_meeting(minutes, form.meeting_on.data, actor=current_user),
                _("The minutes are approved."), "at_meeting_form", form, date_field="meeting_on")


@bp.route("/board/minutes/<int:minutes_id>/correct", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_correct(minutes_id: int):
    minutes = _minutes(minutes_id)
    form = forms.CorrectForm(prefix="correction")
    if not form.validate_on_submit():
        return _page(minutes, 400, correct_form=form)
    try:
        with unit_of_work():
            new = service.correct(minutes, form.reason.data, actor=current_user)
    except DomainError as exc:
        return _page(_minutes(minutes_id), exc.status, correct_form=form, error=error_message(exc))
    flash(_("A new version is drafted. The approved one stays until this one is approved."), "success")
    return redirect(url_for("working_groups.minutes_edit", minutes_id=new.id))


@bp.route("/board/minutes/<int:minutes_id>/synthesis/<language>", methods=["GET", "POST"])
@permission_required(can_write_minutes)
def synthesis_edit(minutes_id: int, language: str):
    if language not in LANGUAGES:
        abort(404)
    words = LANGUAGE_WORDS[language]
    labels = {"title": _("Title in %(language)s", language=words),
              "body": _("Synthesis for members in %(language)s", language=words)}
    minutes = _minutes(minutes_id, lambda: typed_back(forms.SynthesisForm(), labels=labels))
    existing = minutes.synthesis(language)
    form = forms.SynthesisForm(obj=existing)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                service.save_synthesis(minutes, language, form.title.data, form.body.data, actor=current_user)
        except (IllegalTransition, MinutesGone) as exc:  # published, replaced or deleted meanwhile
            return _moved_on(minutes, exc, form, labels=labels)
        except DomainError as exc:
            return render_template("working_groups/minutes/synthesis_form.html", minutes=_minutes(minutes_id),
                                   form=form, language=language, error=error_message(exc)), exc.status
        flash(_("The synthesis is saved."), "success")
        return redirect(url_for("working_groups.minutes_show", minutes_id=minutes.id) + "#synthesis")
    return render_template("working_groups/minutes/synthesis_form.html", minutes=minutes, form=form,
                           language=language), 400 if form.errors else 200


@bp.route("/board/minutes/<int:minutes_id>/publish", methods=["POST"])
@permission_required(can_write_minutes)
def minutes_publish(minutes_id: int):
    minutes = _minutes(minutes_id)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return _page(minutes, 400, confirm_form=form)
    return _act(minutes, lambda: service.publish(minutes, actor=current_user),
                _("The synthesis is published; members are told in their language."))


def _file_day(minutes: BoardMinutes) -> str:
    """The meeting in a PDF's file name: its day, and which meeting of the day after the first."""
    return f"{minutes.meeting_on}" + (f"-meeting-{minutes.sitting}" if minutes.sitting > 1 else "")


@bp.route("/board/minutes/<int:minutes_id>/minutes.pdf")
@permission_required(can_view_minutes)
def minutes_pdf(minutes_id: int):
    minutes = _minutes(minutes_id)
    return pdf_response(pdf.minutes_pdf(minutes), f"board-minutes-{_file_day(minutes)}-v{minutes.version}.pdf")


# -- members ---------------------------------------------------------------------------------------

def _reading_language() -> str:
    language = request.args.get("lang") or str(get_locale())
    return language if language in LANGUAGES else "fr"


@bp.route("/minutes/")
@permission_required(can_read_syntheses)
def syntheses_index():
    return render_template("working_groups/minutes/syntheses.html", published=queries.published_minutes(),
                           language=_reading_language())


@bp.route("/minutes/<int:minutes_id>")
@permission_required(can_read_syntheses)
def synthesis_show(minutes_id: int):
    minutes = get_or_404(BoardMinutes, minutes_id)  # a deleted draft is the board's business
    if not can_read_synthesis(current_user, minutes):
        abort(404)
    language = _reading_language()
    with unit_of_work():
        service.read_synthesis(current_user, minutes)
    return render_template("working_groups/minutes/synthesis.html", minutes=minutes, language=language,
                           synthesis=minutes.synthesis(language), languages=LANGUAGES)


@bp.route("/minutes/<int:minutes_id>/synthesis.pdf")
@permission_required(can_read_syntheses)
def synthesis_pdf(minutes_id: int):
    minutes = get_or_404(BoardMinutes, minutes_id)
    if not can_read_synthesis(current_user, minutes):
        abort(404)
    language = _reading_language()
    with unit_of_work():
        service.read_synthesis(current_user, minutes)
    return pdf_response(pdf.synthesis_pdf(minutes, language), f"board-synthesis-{_file_day(minutes)}-{language}.pdf")

