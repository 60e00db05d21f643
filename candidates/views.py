"""Candidates' pages: the public lists (/candidates), the member's application (/candidates/me),
the board secretary's screens (/candidates/manage). Thin handlers: parse, check, call one service,
commit once, render."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import permission_required
from app.clock import today
from app.errors import DomainError, error_message
from app.extensions import csrf
from app.forms import say_refusal, typed_back
from app.uow import unit_of_work
from app.uploads import EmptyFile
from app.web import render, whole_number
from candidates import errors, queries, services
from candidates.forms import ApplicationForm, BallotForm, CallForm, ConfirmForm, ReasonForm, skill_choices
from candidates.models import EDITABLE, ApplicationStatus, BallotOrder, Call
from candidates.permissions import (can_apply, can_decide_in_call, can_edit_application, can_manage_calls, can_see_photo,
                                   can_stand, can_withdraw_application)
from candidates.photos import max_bytes, process_photo
from shares.models import MemberKind
from shares.queries import member_for_account

bp = Blueprint("candidates", __name__, template_folder="templates", url_prefix="/candidates")


def _call_to_decide(slug: str) -> Call:
    """The call, for a secretary who may decide in it (can_decide_in_call): one who stands in it gets
    the refusal's page (403, in words), before any form."""
    call = _call(slug)
    if not can_decide_in_call(current_user, call):
        raise errors.Recused(call.slug)
    return call


def _call(slug: str) -> Call:
    """The call, as far as the user may know it exists: a call not yet announced is the secretaries' only."""
    call = queries.call_by_slug(slug)
    if call is None or (call.announced_at is None and not can_manage_calls(current_user)):
        abort(404)
    return call


def _own_member():
    member = member_for_account(current_user.id)
    if member is None:
        abort(404)
    return member


# -- public ---------------------------------------------------------------------------------------

@bp.route("/")
def index():
    return render_template("candidates/index.html", calls=queries.public_calls(today()), today=today())


@bp.route("/<slug>")
def call_page(slug: str):
    call = _call(slug)
    category, language, skill = (request.args.get(k) or None for k in ("category", "language", "skill"))
    everyone = queries.published_candidates(call)
    shown = queries.published_candidates(call, category, language, skill) if (category or language or skill) else everyone
    member = member_for_account(current_user.id) if current_user.is_authenticated else None
    return render("candidates/call.html", "candidates/_partials/candidate_list.html", call=call, candidates=shown,
                  stats=queries.statistics(everyone, call), filters={"category": category, "language": language,
                                                                   "skill": skill}, skills=skill_choices(), today=today(),
                  mine=services.application_for(call, member) if member else None)


@bp.route("/<slug>/booklet.pdf")
def booklet(slug: str):
    from shares.pdf import pdf_page

    call = _call(slug)
    if call.published_at is None:
        raise errors.NotPublished(slug)
    candidates = queries.published_candidates(call)
    return pdf_page("candidates/booklet.html", f"candidates-{call.slug}.pdf", inline=True, call=call,
                    candidates=candidates, stats=queries.statistics(candidates, call),
                    skills=dict((c.value, c.label) for c in skill_choices()))


@bp.route("/photos/<int:application_id>")
def photo(application_id: int):
    application = queries.application_by_id(application_id)
    if application is None or not can_see_photo(current_user, application):
        abort(404)
    response = Response(application.photo.data, mimetype=application.photo.mime)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- the member's application ---------------------------------------------------------------------

@bp.route("/me/")
@permission_required(can_apply)
def my_applications():
    member = _own_member()
    return render_template("candidates/me.html", calls=queries.open_calls(today()),
                           applications=queries.member_applications(member), today=today())


def _form_fields(form: ApplicationForm) -> dict:
    return {"language": form.language.data, "published_name": form.published_name.data,
            "representative_name": form.representative_name.data, "biography": form.biography.data,
            "motivation": form.motivation.data, "skills": form.skills.data or [], "skills_other": form.skills_other.data,
            "vision": form.vision.data, "gender": form.gender.data, "no_conflict": form.no_conflict.data,
            "consent_publication": form.consent_publication.data}


def _form_page(call, member, form, application, status=200, problem=None, given_back=None):
    from shares.admission import reapply_refusal
    from shares.register import exit_in_force

    eligibility = services.member_eligibility(call, member, application=application)
    may_stand = can_stand(current_user, call)
    versions = queries.versions(application) if application is not None else []
    return render_template("candidates/application.html", call=call, member=member, form=form,
                           application=application, eligibility=eligibility, versions=versions, problem=problem,
                           legal=member.kind is MemberKind.LEGAL,
                           missing=services.missing_fields(application) if application else [],
                           editable=may_stand and _editable(call, application), may_stand=may_stand, today=today(),
                           can_apply_again=reapply_refusal(member) is None, left=exit_in_force(member.id),
                           given_back=given_back), status


def _editable(call, application) -> bool:
    try:
        services._check_open_for_changes(application, call, today())
    except DomainError:
        return False
    return application is None or application.status in EDITABLE


def _prefill(form: ApplicationForm, application, member) -> None:
    if application is not None:
        for name in ("language", "published_name", "representative_name", "biography", "motivation", "skills_other",
                     "vision", "no_conflict", "consent_publication"):
            getattr(form, name).data = getattr(application, name)
        form.skills.data = list(application.skills or [])
        form.gender.data = application.gender.value if application.gender else ""
        form.version.data = str(application.version)
    else:
        form.language.data = member.language if member.language in ("fr", "nl", "en") else "fr"
        form.published_name.data = member.name
        form.version.data = ""


def _expected_version(form: ApplicationForm) -> int:
    """The version the page was opened on; 0 for a page opened before any draft existed (another window
    may have started one since: saving here would overwrite it). A post without one is refused by the form."""
    return int(form.version.data) if form.version.data else 0


def _expired_session_post(slug: str):
    """A form posted after the session expired. Nothing is written for a visitor: the answer is the
    form again, holding what was typed (and the browser keeps a copy, static/js/candidates/draft.js),
    with a sign-in that opens in another tab; once signed in there, saving here keeps everything."""
    call = _call(slug)
    form = ApplicationForm()
    form.validate()  # fills the fields from the post; its errors are not shown to a visitor
    for field in form:
        field.errors = []
    return render_template("candidates/expired.html", call=call, form=form,
                           legal=bool(form.representative_name.data),
                           photo_sent=bool(request.files.get("photo") and request.files["photo"].filename)), 401


def _read_photo() -> bytes | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise errors.PhotoTooLarge(upload.filename)
    if not data:
        raise EmptyFile()
    return data


def _too_large_request() -> bool:
    return (request.content_length or 0) > max_bytes() + 256 * 1024


@bp.route("/me/<slug>/application", methods=["GET", "POST"])
@csrf.exempt  # checked by the form once signed in; an expired session's post is given back, not refused
def application_form(slug: str):
    if request.method == "POST" and not current_user.is_authenticated:
        return _expired_session_post(slug)
    return _application(slug, submit=False)


@bp.route("/me/<slug>/application/submit", methods=["POST"])
@csrf.exempt
def submit_application(slug: str):
    if not current_user.is_authenticated:
        return _expired_session_post(slug)
    return _application(slug, submit=True)


@permission_required(can_apply)
def _application(slug: str, submit: bool):
    call = _call(slug)
    member = _own_member()
    application = services.application_for(call, member)
    if application is not None and not can_edit_application(current_user, application):
        abort(403)
    form = ApplicationForm()
    if request.method == "GET":
        _prefill(form, application, member)
        return _form_page(call, member, form, application)
    if _too_large_request():
        return _form_page(call, member, form, application, 413, problem=error_message(errors.PhotoTooLarge()))
    if not form.validate_on_submit():
        _photo_of_an_invalid_form(form)
        expired = bool(getattr(form, "csrf_token", None) is not None and form.csrf_token.errors)
        return _form_page(call, member, form, application, 400, problem=_(
            "This page had expired. Your text is below: check it and save again.") if expired else None)
    try:
        with unit_of_work():
            application = services.save_application(call, member, _form_fields(form), photo=_read_photo(),
                                                    expected_version=_expected_version(form), actor=current_user)
    except DomainError as exc:
        _field_errors(form, exc)
        application = services.application_for(call, member)
        given_back = None
        if isinstance(exc, errors.StaleApplication) and application is not None:
            # The newest version in the form, never this page's text over another window's work: that text given back.
            given_back = typed_back(form, only=services.unsaved_fields(application, _form_fields(form)))
            form = ApplicationForm(formdata=None)
            _prefill(form, application, member)
        return _form_page(call, member, form, application, exc.status, problem=error_message(exc),
                          given_back=given_back)
    if not submit:
        flash(_("Your draft is saved.") if application.status in AUTOSAVED else _("Your changes are saved."), "success")
        return redirect(url_for("candidates.application_form", slug=slug))
    try:
        with unit_of_work():
            services.submit_application(application, actor=current_user)
    except DomainError as exc:
        _field_errors(form, exc)
        form.version.data = str(application.version)
        return _form_page(call, member, form, application, exc.status,
                          problem=_("Your draft is saved.") + " " + error_message(exc))
    flash(_("Your application is sent. The board secretary will review it; you will receive an e-mail."), "success")
    return redirect(url_for("candidates.application_form", slug=slug))


def _photo_of_an_invalid_form(form: ApplicationForm) -> None:
    """A form sent back for another field keeps no photo: say what is wrong with the one chosen, or that
    it must be chosen again (a browser never keeps a file field)."""
    try:
        photo = _read_photo()
        if photo is None:
            return
        process_photo(photo)
    except (errors.InvalidPhoto, errors.PhotoTooLarge, EmptyFile) as exc:
        form.photo.errors = list(form.photo.errors or []) + [error_message(exc)]
    else:
        form.photo.errors = list(form.photo.errors or []) + [
            _("Your photo is fine, but it was not saved with the errors above: choose it again.")]


def _field_errors(form: ApplicationForm, exc: DomainError) -> None:
    names = getattr(exc, "missing", None) or getattr(exc, "fields", None) or []
    for name in names:
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + [
                _("Required to send the application.") if hasattr(exc, "missing") else _("Too long.")]
    if isinstance(exc, (errors.InvalidPhoto, errors.PhotoTooLarge, EmptyFile)):
        form.photo.errors = list(form.photo.errors or []) + [error_message(exc)]


@bp.route("/me/<slug>/autosave", methods=["POST"])
@csrf.exempt  # the form's own token is checked once signed in
def autosave(slug: str):
    """htmx: the draft's texts saved a few seconds after typing stops (never the photo). It always
    answers with a status line to swap in, never a redirect, so an expired session loses nothing:
    the texts stay on the page (and in the browser's copy) while the member signs in again in another tab."""
    call = _call(slug)
    if not current_user.is_authenticated:  # nothing is written for a visitor; the text stays on the page
        return _autosave_status(call, expired=True)
    if not can_apply(current_user):
        abort(403)
    member = _own_member()
    application = services.application_for(call, member)
    if application is not None and application.status not in AUTOSAVED:
        return _autosave_status(call, application=application, status=409, problem=_("Saved only with the buttons."))
    form = ApplicationForm()
    if not form.validate():
        return _autosave_status(call, application=application, status=400, form=form,
                                problem=_("Not saved automatically: correct what is said below, then save."))
    try:
        with unit_of_work():
            application = services.save_application(call, member, _form_fields(form),
                                                    expected_version=_expected_version(form), actor=current_user)
    except errors.StaleApplication as exc:
        # This page stops saving (static/js/candidates/autosave.js) and keeps the version it was based on.
        newest = services.application_for(call, member)
        return _autosave_status(call, status=exc.status, stale=True,
                                given_back=typed_back(form, only=services.unsaved_fields(newest, _form_fields(form))))
    except DomainError as exc:
        return _autosave_status(call, application=services.application_for(call, member), status=exc.status,
                                problem=error_message(exc))
    return _autosave_status(call, application=application, saved=True)


AUTOSAVED = (ApplicationStatus.DRAFT, ApplicationStatus.CORRECTION)


def _autosave_status(call, application=None, status=200, problem=None, saved=False, expired=False, form=None,
                     stale=False, given_back=None):
    return render("candidates/_partials/autosave.html", call=call, application=application, problem=problem,
                  saved=saved, expired=expired, status=status, form=form, stale=stale, given_back=given_back)


@bp.route("/me/<slug>/withdraw", methods=["GET", "POST"])
@permission_required(can_apply)
def withdraw(slug: str):
    call = _call(slug)
    member = _own_member()
    application = services.application_for(call, member)
    if application is None:
        abort(404)
    if not can_withdraw_application(current_user, application):  # their own: refused only for a reason to say
        raise services.withdrawal_refusal(application) or errors.WrongStatus(application.status.value)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.withdraw_application(application, actor=current_user)
        flash(_("Your application is withdrawn."), "success")
        return redirect(url_for("candidates.my_applications"))
    return render_template("candidates/withdraw.html", call=call, application=application, form=form,
                           after_vote=today() >= call.vote_opens_on), 400 if form.errors else 200


# -- the board secretary --------------------------------------------------------------------------

@bp.route("/manage/")
@permission_required(can_manage_calls)
def manage_index():
    calls = queries.all_calls()
    return render_template("candidates/manage_index.html", calls=calls,
                           counts={c.id: queries.status_counts(c) for c in calls}, today=today())


def _call_values(form: CallForm) -> dict:
    return {name: getattr(form, name).data for name in services.CALL_FIELDS if name != "slug"}


@bp.route("/manage/new", methods=["GET", "POST"])
@permission_required(can_manage_calls)
def new_call():
    form = CallForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                call = services.create_call(slug=form.slug.data, actor=current_user, **_call_values(form))
        except DomainError as exc:
            return render_template("candidates/call_form.html", form=form, call=None,
                                   problem=error_message(exc)), exc.status
        flash(_("The call is created. Announce it to the members when it is ready."), "success")
        return redirect(url_for("candidates.manage_call", slug=call.slug))
    return render_template("candidates/call_form.html", form=form, call=None), 400 if form.errors else 200


@bp.route("/manage/<slug>/edit", methods=["GET", "POST"])
@permission_required(can_manage_calls)
def edit_call(slug: str):
    call = _call_to_decide(slug)
    form = CallForm(obj=call)
    form.slug.data = call.slug
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.update_call(call, actor=current_user, **_call_values(form))
        except DomainError as exc:
            return render_template("candidates/call_form.html", form=form, call=call,
                                   problem=error_message(exc)), exc.status
        flash(_("The call is saved."), "success")
        return redirect(url_for("candidates.manage_call", slug=call.slug))
    return render_template("candidates/call_form.html", form=form, call=call), 400 if form.errors else 200


@bp.route("/manage/<slug>")
@permission_required(can_manage_calls)
def manage_call(slug: str):
    call = _call(slug)
    applications = queries.call_applications(call)
    accepted = [a for a in applications if a.on_ballot]
    return render_template("candidates/manage_call.html", call=call, applications=applications,
                           eligibility=services.eligibility_for_call(call, applications),
                           stats=queries.statistics(accepted, call), counts=queries.status_counts(call),
                           today=today())


@bp.route("/manage/<slug>/announce", methods=["GET", "POST"])
@permission_required(can_manage_calls)
def announce(slug: str):
    call = _call_to_decide(slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work():
            queued = services.announce_call(call, actor=current_user)
        flash(_("The call is announced: %(num)s members in good standing were sent an e-mail.", num=queued), "success")
        return redirect(url_for("candidates.manage_call", slug=slug))
    return render_template("candidates/confirm.html", form=form, call=call, action="announce"), 400 if form.errors else 200


@bp.route("/manage/<slug>/publish", methods=["GET", "POST"])
@permission_required(can_manage_calls)
def publish(slug: str):
    call = _call_to_decide(slug)
    form = ConfirmForm()
    status = 400 if form.errors else 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.publish_list(call, actor=current_user)
        except errors.PendingReviews as exc:  # an application sent meanwhile: the page lists what waits
            status = exc.status
        except DomainError as exc:
            flash(error_message(exc), "error")
            return redirect(url_for("candidates.manage_call", slug=slug))
        else:
            flash(_("The list of candidates is published."), "success")
            return redirect(url_for("candidates.manage_call", slug=slug))
    # What still waits for a decision is listed before anyone confirms (publishing refuses it).
    waiting = queries.call_applications(call, ApplicationStatus.SUBMITTED)
    return render_template("candidates/confirm.html", form=form, call=call, action="publish",
                           waiting=waiting, today=today()), status


@bp.route("/manage/applications/<int:application_id>")
@permission_required(can_manage_calls)
def review(application_id: int):
    application = queries.application_by_id(application_id)
    if application is None:
        abort(404)
    return _review_page(application, ReasonForm(prefix="reject"), ReasonForm(prefix="correction"))


def _review_page(application, reject_form, correction_form, status=200, problem=None):
    history = queries.versions(application)
    return render_template("candidates/review.html", application=application, call=application.call,
                           eligibility=services.member_eligibility(application.call, application.member,
                                                                   application=application),
                           versions=history, left_list=queries.left_published_list(application, history),
                           left_on=queries.left_on_ballot(application), exit_corrected=queries.exit_corrected(application),
                           reject_form=reject_form,
                           correction_form=correction_form, accept_form=ConfirmForm(prefix="accept"),
                           problem=problem, skills=dict((c.value, c.label) for c in skill_choices())), status


@bp.route("/manage/applications/<int:application_id>/accept", methods=["POST"])
@permission_required(can_manage_calls)
def accept(application_id: int):
    application = queries.application_by_id(application_id)
    if application is None:
        abort(404)
    form = ConfirmForm(prefix="accept")
    if not form.validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            services.accept_application(application, actor=current_user)
    except DomainError as exc:
        return _review_page(application, ReasonForm(prefix="reject"), ReasonForm(prefix="correction"),
                            exc.status, error_message(exc))
    flash(_("Application accepted. The candidate is told by e-mail."), "success")
    return redirect(url_for("candidates.manage_call", slug=application.call.slug))


def _decide_with_reason(application_id: int, prefix: str, service, done: str):
    application = queries.application_by_id(application_id)
    if application is None:
        abort(404)
    form = ReasonForm(prefix=prefix)
    other = ReasonForm(prefix="correction" if prefix == "reject" else "reject", formdata=None)
    forms = (form, other) if prefix == "reject" else (other, form)
    if not form.validate_on_submit():
        return _review_page(application, *forms, status=400)
    try:
        with unit_of_work():
            service(application, form.reason.data, actor=current_user)
    except errors.ReasonRequired as exc:  # said beside the reason, its drawer open
        say_refusal(form, exc, "reason")
        return _review_page(application, *forms, status=exc.status)
    except DomainError as exc:
        return _review_page(application, *forms, status=exc.status, problem=error_message(exc))
    flash(done, "success")
    return redirect(url_for("candidates.manage_call", slug=application.call.slug))


@bp.route("/manage/applications/<int:application_id>/reject", methods=["POST"])
@permission_required(can_manage_calls)
def reject(application_id: int):
    return _decide_with_reason(application_id, "reject", services.reject_application,
                               _("Application rejected. The candidate receives the reason by e-mail."))


@bp.route("/manage/applications/<int:application_id>/correction", methods=["POST"])
@permission_required(can_manage_calls)
def ask_correction(application_id: int):
    return _decide_with_reason(application_id, "correction", services.request_correction,
                               _("The candidate is asked for a correction by e-mail."))


@bp.route("/manage/<slug>/ballot", methods=["GET", "POST"])
@permission_required(can_manage_calls)
def ballot(slug: str):
    call = _call(slug)
    form = BallotForm()
    accepted = queries.call_applications(call, ApplicationStatus.ACCEPTED)
    status, problem = 200, None
    if form.validate_on_submit():
        positions = {}
        for a in accepted:
            position = whole_number(request.form.get(f"position-{a.id}"))
            if position is not None:
                positions[a.id] = position
        try:
            with unit_of_work():
                services.fix_ballot_order(call, BallotOrder(form.method.data), positions=positions, actor=current_user)
        except DomainError as exc:
            status, problem = exc.status, error_message(exc)
        else:
            flash(_("The ballot order is fixed and recorded."), "success")
            return redirect(url_for("candidates.ballot", slug=slug))
    elif form.errors:
        status = 400
    choices = services.ballot_choices(call) if call.ballot_fixed_at else None
    return render_template("candidates/ballot.html", call=call, form=form, accepted=accepted, choices=choices,
                           problem=problem, today=today()), status


@bp.route("/manage/<slug>/ballot.json")
@permission_required(can_manage_calls)
def ballot_json(slug: str):
    call = _call(slug)
    response = jsonify(services.ballot_choices(call))
    response.headers["Content-Disposition"] = f'attachment; filename="ballot-{call.slug}.json"'
    return response


@bp.app_template_filter("b64")
def b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")
