"""Working groups and recommendations: thin handlers (parse, check one predicate, call one service, commit
once through ``unit_of_work``, render or redirect)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import uploads
from app.authz import permission_required
from app.clock import today
from app.errors import DomainError, error_message, refusal_said
from app.forms import say_refusal
from app.extensions import db
from app.uow import unit_of_work
from app.web import allow_upload, format_day, render
from shares.models import Member
from shares.pdf import pdf_response
from shares.permissions import is_member
from shares.queries import member_for_account
from working_groups import forms, pdf, queries, services
from working_groups.blueprint import attendance_sent, bp, check, get_or_404, refusal_on, refused
from working_groups.labels import LABELS
from working_groups.models import (AnswerDecision, AttendanceStatus, CallStatus, GroupDocument,
                                   GroupMeeting, GroupMembership, GroupRole, Implementation, Recommendation,
                                   RecommendationStatus, WorkingGroup)
from working_groups.permissions import (can_answer_recommendations, can_facilitate, can_follow, can_manage_groups,
                                        can_read_recommendation, can_read_recommendations,
                                        can_update_implementation, can_view_groups, can_work_in_group)


def _lang() -> str:
    return str(get_locale())


def _group(slug: str) -> WorkingGroup:
    group = queries.group_by_slug(slug)
    if group is None:
        abort(404)
    return group


def _group_page(group: WorkingGroup, status: int = 200, **forms_):
    member = member_for_account(current_user.id) if current_user.is_authenticated else None
    membership = services.active_membership(group, member)
    context = dict(group=group, membership=membership, members=queries.active_members(group),
                   recommendations=[r for r in queries.group_recommendations(group)
                                    if can_read_recommendation(current_user, r)],
                   documents=db.session.scalars(select(GroupDocument).where(GroupDocument.group_id == group.id)
                                                .order_by(GroupDocument.uploaded_at.desc())).all(),
                   join_form=forms.JoinForm(), doc_form=forms.DocumentForm(), add_form=forms.AddPersonForm(),
                   role_form=forms.RoleForm(), empty=forms.EmptyForm(), leave_form=forms.LeaveForm(),
                   public_status=services.public_status)
    context.update(forms_)
    return render_template("working_groups/group.html", **context), status


# ------------------------------------------------------------------------------------------------
# Groups
# ------------------------------------------------------------------------------------------------

@bp.route("/groups/")
@permission_required(can_view_groups)
def groups_index():
    member = member_for_account(current_user.id)
    mine = {m.group_id for m in queries.memberships_of(member.id)} if member else set()
    return render_template("working_groups/index.html", groups=queries.groups(), mine=mine,
                           counts=queries.member_counts())


@bp.route("/groups/new", methods=["GET", "POST"])
@permission_required(can_manage_groups)
def group_new():
    form = forms.GroupForm()
    if form.validate_on_submit():
        if queries.group_by_slug(form.slug.data) is not None:
            form.slug.errors = [_("This short name is taken.")]
            return render_template("working_groups/group_new.html", form=form), 409

        def trio(prefix):
            return {lang: (getattr(form, f"{prefix}_{lang}").data or "").strip() for lang in ("fr", "nl", "en")
                    if (getattr(form, f"{prefix}_{lang}").data or "").strip()}
        with unit_of_work():
            group = services.create_group(slug=form.slug.data, name=trio("name"), mandate_text=trio("mandate"),
                                          mandate_decided_on=form.decided_on.data,
                                          mandate_reference=form.reference.data, call_text=trio("call"),
                                          actor=current_user)
        flash(_("The group is created and its call for volunteers is open."), "success")
        return redirect(url_for("working_groups.group_show", slug=group.slug))
    return render_template("working_groups/group_new.html", form=form), 400 if form.errors else 200


@bp.route("/groups/<slug>")
@permission_required(can_view_groups)
def group_show(slug: str):
    return _group_page(_group(slug))


@bp.route("/groups/<slug>/join", methods=["POST"])
@permission_required(is_member)
def group_join(slug: str):
    group = _group(slug)
    form = forms.JoinForm()
    if not form.validate_on_submit():
        return _group_page(group, 400, join_form=form)
    try:
        with unit_of_work():
            services.join_group(group, member_for_account(current_user.id), form.motivation.data or "",
                                actor=current_user)
    except DomainError as exc:
        return _group_page(group, exc.status, join_form=form, error=error_message(exc))
    flash(_("Welcome to the group: you will see its meetings, documents and drafts."), "success")
    return redirect(url_for("working_groups.group_show", slug=group.slug))


@bp.route("/groups/<slug>/leave", methods=["POST"])
@permission_required(is_member)
def group_leave(slug: str):
    group = _group(slug)
    membership = services.active_membership(group, member_for_account(current_user.id))
    if membership is None:
        abort(409)
    form = forms.LeaveForm()
    if not form.validate_on_submit():
        return _group_page(group, 400, leave_form=form)
    with unit_of_work():
        services.leave_group(membership, actor=current_user)
    flash(_("You have left the group."), "success")
    return redirect(url_for("working_groups.group_show", slug=group.slug))


def _set_call(slug: str, status: CallStatus, message: str):
    group = _group(slug)
    if not forms.EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        services.set_call_status(group, status, actor=current_user)
    flash(message, "success")
    return redirect(url_for("working_groups.group_show", slug=group.slug))


@bp.route("/groups/<slug>/call/open", methods=["POST"])
@permission_required(can_manage_groups)
def call_open(slug: str):
    return _set_call(slug, CallStatus.OPEN, _("The call for volunteers is open."))


@bp.route("/groups/<slug>/call/close", methods=["POST"])
@permission_required(can_manage_groups)
def call_close(slug: str):
    return _set_call(slug, CallStatus.CLOSED, _("The call for volunteers is closed."))


@bp.route("/groups/<slug>/people", methods=["POST"])
@permission_required(can_view_groups)
def add_person(slug: str):
    group = _group(slug)
    check(can_facilitate, group)
    form = forms.AddPersonForm()
    if not form.validate_on_submit():
        return _group_page(group, 400, add_form=form)
    member = db.session.scalar(select(Member).where(Member.number == form.number.data))
    if member is None:
        form.number.errors = [_("There is no member with this number.")]
        return _group_page(group, 422, add_form=form)
    try:
        with unit_of_work():
            services.add_to_group(group, member, GroupRole(form.role.data), actor=current_user)
    except DomainError as exc:  # said beside the number typed: it is about that person
        say_refusal(form, exc, "number")
        return _group_page(group, exc.status, add_form=form)
    flash(_("%(name)s is in the group.", name=member.name), "success")
    return redirect(url_for("working_groups.group_show", slug=group.slug))


@bp.route("/groups/<slug>/people/<int:membership_id>/role", methods=["POST"])
@permission_required(can_view_groups)
def set_role(slug: str, membership_id: int):
    group = _group(slug)
    check(can_facilitate, group)
    membership = get_or_404(GroupMembership, membership_id)
    if membership.group_id != group.id:
        abort(404)
    form = forms.RoleForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        services.set_role(membership, GroupRole(form.role.data), actor=current_user)
    flash(_("The role is changed."), "success")
    return redirect(url_for("working_groups.group_show", slug=group.slug))


# ------------------------------------------------------------------------------------------------
# Meetings and documents
# ------------------------------------------------------------------------------------------------

@bp.route("/groups/<slug>/meetings/new", methods=["GET", "POST"])
@permission_required(can_view_groups)
def meeting_new(slug: str):
    group = _group(slug)
    check(can_facilitate, group)
    form = forms.MeetingForm()
    if form.validate_on_submit():
        with unit_of_work():
            meeting = services.schedule_meeting(group, form.held_on.data, form.place.data or "",
                                                form.agenda.data or "", actor=current_user,
                                                starts_at=form.starts_at.data)
        flash(_("The meeting is scheduled."), "success")
        return redirect(url_for("working_groups.meeting_show", slug=group.slug, meeting_id=meeting.id))
    return render_template("working_groups/meeting_new.html", group=group, form=form), 400 if form.errors else 200


def _meeting(slug: str, meeting_id: int) -> GroupMeeting:
    group = _group(slug)
    meeting = get_or_404(GroupMeeting, meeting_id)
    if meeting.group_id != group.id:
        abort(404)
    return meeting


def _meeting_page(meeting: GroupMeeting, status: int = 200, **extra):
    group = meeting.group
    drafts = [r for r in queries.group_recommendations(group) if r.status is RecommendationStatus.DRAFT]
    adopted = [r for r in queries.group_recommendations(group)
               if r.adopted_meeting_id == meeting.id and can_read_recommendation(current_user, r)]
    attendance = {a.member_id: a.status for a in meeting.attendance}
    context = dict(group=group, meeting=meeting, drafts=drafts, adopted=adopted, attendance=attendance,
                   members=queries.meeting_members(meeting), record_form=forms.MeetingRecordForm(notes=meeting.notes),
                   adopt_form=forms.ConfirmForm(), statuses=[s.value for s in AttendanceStatus],
                   to_come=refusal_said(services.meeting_to_come(meeting)))  # instead of forms that can only be refused
    context.update(extra)
    return render_template("working_groups/meeting.html", **context), status


@bp.route("/groups/<slug>/meetings/<int:meeting_id>")
@permission_required(can_view_groups)
def meeting_show(slug: str, meeting_id: int):
    return _meeting_page(_meeting(slug, meeting_id))


@bp.route("/groups/<slug>/meetings/<int:meeting_id>/record", methods=["POST"])
@permission_required(can_view_groups)
def meeting_record(slug: str, meeting_id: int):
    meeting = _meeting(slug, meeting_id)
    check(can_facilitate, meeting.group)
    form = forms.MeetingRecordForm()
    attendance = attendance_sent()
    if not form.validate_on_submit():
        return _meeting_page(meeting, 400, record_form=form)
    try:
        with unit_of_work():
            services.record_meeting(meeting, attendance, form.notes.data or "", actor=current_user)
    except DomainError as exc:
        return _meeting_page(meeting, exc.status, record_form=form, error=error_message(exc))
    flash(_("Attendance and notes are saved."), "success")
    return redirect(url_for("working_groups.meeting_show", slug=slug, meeting_id=meeting.id))


@bp.route("/groups/<slug>/meetings/<int:meeting_id>/adopt", methods=["POST"])
@permission_required(can_view_groups)
def meeting_adopt(slug: str, meeting_id: int):
    meeting = _meeting(slug, meeting_id)
    check(can_facilitate, meeting.group)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return _meeting_page(meeting, 400, adopt_form=form)
    try:
        ids = [int(v) for v in request.form.getlist("recommendation")]
    except ValueError:
        abort(400)
    recs = [get_or_404(Recommendation, i) for i in ids]
    try:
        with unit_of_work():
            services.adopt_recommendations(meeting, recs, actor=current_user)
    except DomainError as exc:
        return _meeting_page(meeting, exc.status, adopt_form=form, error=error_message(exc))
    flash(_("The recommendations are adopted."), "success")
    return redirect(url_for("working_groups.meeting_show", slug=slug, meeting_id=meeting.id))


@bp.route("/groups/<slug>/documents", methods=["POST"])
@allow_upload(uploads.MAX_REQUEST_BYTES, uploads.MAX_BYTES)
@permission_required(can_view_groups)
def document_upload(slug: str):
    group = _group(slug)
    check(can_work_in_group, group)
    form = forms.DocumentForm()
    if not form.validate_on_submit():
        return _group_page(group, 400, doc_form=form)
    try:
        with unit_of_work():
            services.add_document(group, form.title.data, form.file.data.filename or "",
                                  form.file.data.read(uploads.MAX_BYTES + 1), actor=current_user)
    except DomainError as exc:
        form.file.errors = [error_message(exc)]
        return _group_page(group, exc.status, doc_form=form)
    flash(_("The document is shared with the group."), "success")
    return redirect(url_for("working_groups.group_show", slug=group.slug) + "#documents")


@bp.route("/groups/<slug>/documents/<int:document_id>")
@permission_required(can_view_groups)
def document_download(slug: str, document_id: int):
    group = _group(slug)
    document = get_or_404(GroupDocument, document_id)
    if document.group_id != group.id:
        abort(404)
    return uploads.file_response(document.data, document.content_type, document.filename)


# ------------------------------------------------------------------------------------------------
# Recommendations
# ------------------------------------------------------------------------------------------------

@bp.route("/groups/<slug>/recommendations/new", methods=["GET", "POST"])
@permission_required(can_view_groups)
def recommendation_new(slug: str):
    group = _group(slug)
    check(can_work_in_group, group)
    form = forms.RecommendationForm()
    if form.validate_on_submit():
        with unit_of_work():
            rec = services.draft_recommendation(group, form.title.data, form.text.data, form.rationale.data or "",
                                                language=_lang(), author=current_user)
        flash(_("Your draft is saved. The group can revise it and adopt it in a meeting."), "success")
        return redirect(url_for("working_groups.recommendation_show", rec_id=rec.id))
    return render_template("working_groups/recommendation_form.html", group=group, form=form, rec=None), \
        400 if form.errors else 200


@bp.route("/recommendations/<int:rec_id>/edit", methods=["GET", "POST"])
@permission_required(can_view_groups)
def recommendation_edit(rec_id: int):
    rec = get_or_404(Recommendation, rec_id)
    check(can_work_in_group, rec.group)
    form = forms.RecommendationForm(obj=rec)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.revise_recommendation(rec, form.title.data, form.text.data, form.rationale.data or "",
                                               author=current_user)
        except DomainError as exc:
            return refused("working_groups/recommendation_form.html", exc, group=rec.group, form=form, rec=rec)
        flash(_("The new version is saved."), "success")
        return redirect(url_for("working_groups.recommendation_show", rec_id=rec.id))
    return render_template("working_groups/recommendation_form.html", group=rec.group, form=form, rec=rec), \
        400 if form.errors else 200


def _recommendation_page(rec: Recommendation, status: int = 200, **extra):
    following = current_user.is_authenticated and queries.is_following(current_user.id, rec.id)
    context = dict(rec=rec, following=following, public_status=services.public_status(rec),
                   answer_form=forms.AnswerForm(answered_on=today()),
                   progress_form=forms.ProgressForm(noted_on=today(),
                                                    status=rec.implementation.value if rec.implementation else None),
                   empty=forms.EmptyForm(), next_statuses=[  # in the order of the work: the final ones last
                       s.value for s in Implementation
                       if s in services.IMPLEMENTATION_TRANSITIONS.get(rec.implementation, set())]
                   if rec.implementation else [])
    context.update(extra)
    return render_template("working_groups/recommendation.html", **context), status


@bp.route("/recommendations/<int:rec_id>")
@permission_required(can_read_recommendations, allow_anonymous=True)
def recommendation_show(rec_id: int):
    rec = get_or_404(Recommendation, rec_id)
    if not can_read_recommendation(current_user, rec):
        abort(404)
    if current_user.is_authenticated:
        with unit_of_work():
            services.seen_recommendation(current_user, rec)
    return _recommendation_page(rec)


@bp.route("/recommendations/<int:rec_id>/follow", methods=["POST"])
@permission_required(can_follow)
def recommendation_follow(rec_id: int):
    rec = get_or_404(Recommendation, rec_id)
    if not can_read_recommendation(current_user, rec):
        abort(404)
    if not forms.EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        services.follow(current_user, rec)
    flash(_("You follow this recommendation: its news will show on your home page."), "success")
    return redirect(url_for("working_groups.recommendation_show", rec_id=rec.id))


@bp.route("/recommendations/<int:rec_id>/unfollow", methods=["POST"])
@permission_required(can_follow)
def recommendation_unfollow(rec_id: int):
    rec = get_or_404(Recommendation, rec_id)
    if not forms.EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        services.unfollow(current_user, rec)
    flash(_("You no longer follow this recommendation."), "success")
    return redirect(url_for("working_groups.recommendation_show", rec_id=rec.id))


@bp.route("/recommendations/<int:rec_id>/answer", methods=["POST"])
@permission_required(can_answer_recommendations)
def recommendation_answer(rec_id: int):
    rec = get_or_404(Recommendation, rec_id)
    try:  # answered meanwhile (a colleague, another tab): said first, the answer form is no longer on the page
        services.require_answerable(rec)
    except DomainError as exc:
        return _recommendation_page(rec, exc.status, error=error_message(exc))
    form = forms.AnswerForm()
    valid = form.validate_on_submit()
    status = 400 if form.errors else 422
    if form.is_submitted():
        # Every mistake at once, beside its field, with the form's own: not one per try.
        decision = next((d for d in AnswerDecision if d.value == form.decision.data), None)
        mistakes = services.answer_mistakes(rec, decision, form.amended_text.data, form.answered_on.data)
        for name, exc in mistakes.items():
            if not form[name].errors:
                say_refusal(form, exc, name)
        valid = valid and not mistakes
    if not valid:
        return _recommendation_page(rec, status, answer_form=form)
    try:
        with unit_of_work():
            services.answer_recommendation(rec, AnswerDecision(form.decision.data), form.reasoning.data,
                                           form.amended_text.data, form.answered_on.data, actor=current_user)
    except DomainError as exc:
        top = refusal_on(form, exc, "answered_on")  # said at the form, kept open where the answer is corrected
        return _recommendation_page(rec, exc.status, answer_form=form, error=top)
    flash(_("The board's answer is recorded."), "success")
    return redirect(url_for("working_groups.recommendation_show", rec_id=rec.id))


@bp.route("/recommendations/<int:rec_id>/progress", methods=["POST"])
@permission_required(can_update_implementation)
def recommendation_progress(rec_id: int):
    rec = get_or_404(Recommendation, rec_id)
    form = forms.ProgressForm()
    valid = form.validate_on_submit()
    if valid and Implementation(form.status.data) in services.FINAL_IMPLEMENTATION and not form.confirm.data:
        form.confirm.errors = [_("Tick the box to confirm.")]
        valid = False
    if not valid:
        return _recommendation_page(rec, 400, progress_form=form)
    try:
        with unit_of_work():
            services.add_progress(rec, Implementation(form.status.data), form.note.data, form.noted_on.data,
                                  actor=current_user)
    except DomainError as exc:
        top = refusal_on(form, exc, "noted_on")
        return _recommendation_page(rec, exc.status, progress_form=form, error=top)
    flash(_("The progress note is saved."), "success")
    return redirect(url_for("working_groups.recommendation_show", rec_id=rec.id))


@bp.route("/groups/<slug>/submit", methods=["GET", "POST"])
@permission_required(can_view_groups)
def group_submit(slug: str):
    group = _group(slug)
    check(can_facilitate, group)
    adopted = [r for r in queries.group_recommendations(group) if r.status is RecommendationStatus.ADOPTED]
    form = forms.SubmitForm(submitted_on=today()) if request.method == "GET" else forms.SubmitForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.submit_recommendations(group, form.submitted_on.data, actor=current_user)
        except DomainError as exc:
            return render_template("working_groups/submit.html", group=group, form=form, adopted=adopted,
                                   error=refusal_on(form, exc, "submitted_on")), exc.status
        flash(_("The recommendations are submitted to the board."), "success")
        return redirect(url_for("working_groups.group_show", slug=group.slug))
    return render_template("working_groups/submit.html", group=group, form=form, adopted=adopted), \
        400 if form.errors else 200


@bp.route("/groups/<slug>/booklet.pdf")
def group_booklet(slug: str):
    group = _group(slug)
    return pdf_response(pdf.booklet_pdf(group, _lang()), f"booklet-{group.slug}.pdf")


def _filter_choices(form: forms.FiltersForm) -> None:
    form.group.choices = [SelectChoice("", _("All groups"))] + [SelectChoice(g.slug, g.title(_lang()))
                                                                 for g in queries.groups()]
    form.status.choices = [SelectChoice("", _("Any status"))] + [SelectChoice(s, str(LABELS[s]))
                                                                 for s in queries.PUBLIC_STATUSES]
    form.assembly.choices = [SelectChoice("", _("Any assembly"))] + [
        SelectChoice(d.isoformat(), format_day(d, "long")) for d in queries.assembly_dates()]


@bp.route("/recommendations/")
def recommendations_index():
    form = forms.FiltersForm(request.args)
    _filter_choices(form)
    if not form.validate():
        abort(400)
    from datetime import date

    try:
        assembly = date.fromisoformat(form.assembly.data) if form.assembly.data else None
    except ValueError:
        abort(400)
    filters = queries.RecommendationFilters(q=form.q.data or "", group=form.group.data or "",
                                            status=form.status.data or "", assembly=assembly,
                                            page=form.page.data or 1)
    rows, total = queries.public_recommendations(filters)
    return render("working_groups/recommendations.html", "working_groups/_partials/recommendation_rows.html",
                  form=form, rows=rows, total=total, filters=filters, page_size=queries.PAGE_SIZE,
                  public_status=services.public_status, groups=queries.groups())


# ------------------------------------------------------------------------------------------------
# The secretary's side: answers, follow-up, report to the assembly
# ------------------------------------------------------------------------------------------------

@bp.route("/board/recommendations")
@permission_required(can_answer_recommendations)
def board_recommendations():
    return render_template("working_groups/board_recommendations.html", awaiting=queries.awaiting_answer(),
                           implementing=queries.answered_in_progress(), public_status=services.public_status)


@bp.route("/board/recommendations/assembly", methods=["GET", "POST"])
@permission_required(can_answer_recommendations)
def assembly_report():
    query = forms.AssemblyQueryForm(request.args)
    if not query.validate():
        return render_template("working_groups/assembly_report.html", query=query, answers=[],
                               form=forms.ReportForm()), 400
    if query.on.data is None:  # no date chosen yet: what would be reported at an assembly held today
        query.on.data = today()
    answers = queries.answers_for_assembly(query.on.data, since=query.since.data)
    form = forms.ReportForm(assembly_on=query.on.data) if request.method == "GET" else forms.ReportForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("working_groups/assembly_report.html", query=query, answers=answers,
                                   form=form), 400
        answers = queries.answers_for_assembly(form.assembly_on.data, since=query.since.data)
        with unit_of_work():
            count = services.mark_reported([a for a in answers if a.reported_on is None], form.assembly_on.data,
                                           actor=current_user)
        flash(_("Answers marked as reported at the assembly: %(count)s.", count=count), "success")
        return redirect(url_for("working_groups.assembly_report", on=form.assembly_on.data.isoformat()))
    return render_template("working_groups/assembly_report.html", query=query, answers=answers, form=form)


# ------------------------------------------------------------------------------------------------
# Search
# ------------------------------------------------------------------------------------------------

@bp.route("/search")
def search():
    from working_groups.permissions import can_read_syntheses

    form = forms.SearchForm(request.args)
    if not form.validate():
        abort(400)
    hits = queries.search(form.q.data or "", _lang()) if form.q.data else []
    if not can_read_syntheses(current_user):
        hits = [h for h in hits if h.kind == "recommendation"]
    return render_template("working_groups/search.html", form=form, hits=hits,
                           public_status=services.public_status)

