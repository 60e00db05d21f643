"""The minutes of an assembly: the secretary writes and signs them, every member reads them once
signed. Thin handlers on the package's blueprint (assemblies.views.bp)."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import permission_required
from app.clock import brussels_day
from app.errors import DomainError, error_message
from app.forms import say_refusal, typed_back
from app.i18n import colon
from app.uow import unit_of_work
from app.web import render
from assemblies import errors, forms, minutes as service, queries, rules
from assemblies.messages import MINUTES_REQUIRED_WORDS
from assemblies.permissions import can_read_assembly_minutes, can_see_assemblies, can_write_assembly_minutes
from assemblies.views import _lang, bp


def _document(assembly, minutes) -> dict:
    """What the minutes show besides the secretary's text: the record's facts."""
    turnout = queries.turnout(assembly)
    # Signed minutes do not change after: who could take a seat is said as it stood on the signing day.
    results = queries.results(assembly, brussels_day(minutes.signed_at) if minutes.signed else None) or []
    quorum = rules.quorum_needed(turnout.electorate["total"], assembly.quorum_percent)
    return dict(assembly=assembly, minutes=minutes, lang=_lang(), turnout=turnout, charts={},
                rows={row["item"].id: row for row in results}, quorum=quorum,
                quorum_met=turnout.participants >= quorum)


def _page(assembly, minutes, status: int = 200, form=None, correction_form=None, error: str | None = None,
          theirs: dict[str, str] | None = None, given_back: list[tuple[str, str]] | None = None):
    context = _document(assembly, minutes) if minutes is not None else dict(assembly=assembly, minutes=None,
                                                                             lang=_lang())
    if minutes is not None and not minutes.signed:
        context.update(form=form or forms.minutes_form(assembly.items, minutes, formdata=None,
                                                       version=str(minutes.version)),
                       missing=[MINUTES_REQUIRED_WORDS[name] for name in service.missing(minutes)],
                       results_pending=service.results_pending(assembly))
    if minutes is not None and minutes.signed and can_write_assembly_minutes(current_user):
        context.update(correction_form=correction_form or forms.MinutesCorrectionForm(formdata=None))
    context.update(begun=service.meeting_begun(assembly), action=forms.ActionForm(), error=error, theirs=theirs,
                   given_back=given_back)
    return render("assemblies/minutes.html", status=status, **context)


def _readable(slug: str):
    """The assembly and its minutes, for someone who may read them (else 404: a draft is not shown)."""
    assembly = queries.assembly_by_slug(slug)
    minutes = service.minutes_of(assembly)
    if not can_read_assembly_minutes(current_user, minutes):
        raise errors.MinutesNotPublished()
    return assembly, minutes


@bp.route("/<slug>/minutes")
@permission_required(can_see_assemblies)
def minutes(slug: str):
    return _page(*_readable(slug))


@bp.route("/<slug>/minutes/begin", methods=["POST"])
@permission_required(can_write_assembly_minutes)
def minutes_begin(slug: str):
    assembly = queries.assembly_by_slug(slug)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            service.start_minutes(assembly, actor=current_user)
    except DomainError as exc:
        return _page(assembly, service.minutes_of(assembly), exc.status, error=error_message(exc))
    return redirect(url_for("assemblies.minutes", slug=slug))


def _draft(slug: str):
    assembly = queries.assembly_by_slug(slug)
    minutes = service.minutes_of(assembly)
    if minutes is None:
        abort(404)
    return assembly, minutes


def _typed(form) -> dict:
    """The secretary's text as the minutes form holds it."""
    return dict(version=int(form.version.data), chair=form.chair.data or "", secretary=form.secretary.data or "",
                tellers=form.tellers.data or "", opening=form.opening.data or "", closing=form.closing.data or "",
                notes=form.notes())


def _saved_meanwhile(assembly, form, exc: errors.MinutesChanged):
    """Saved by someone else since this form was drawn: the typing stays in the form, drawn again with
    the version that stands now (sent again, it replaces the saved text knowingly); where the saved text
    differs from it, the saved text is shown under the field, to compare."""
    minutes = service.minutes_of(assembly)
    form.version.data = str(minutes.version)
    typed = _typed(form)
    del typed["version"]
    return _page(assembly, minutes, exc.status, form=form, error=error_message(exc),
                 theirs=service.differences(minutes, **typed))


def _signed_meanwhile(assembly, form, exc: errors.MinutesSigned):
    """Signed by someone else since this form was drawn: the minutes drawn as signed, and the typing
    that differs from the signed text given back, to copy (into a correction, if it is one)."""
    minutes = service.minutes_of(assembly)
    typed = _typed(form)
    del typed["version"]
    differ = service.differences(minutes, **typed)
    labels = {f"note_{item.id}": _("Item %(n)d", n=n) + colon() + item.text("title", _lang())
              for n, item in enumerate(assembly.items, start=1)}
    in_page_order = [name for name in ("chair", "secretary", "tellers", "opening", *labels, "closing")
                     if name in differ]
    return _page(assembly, minutes, exc.status, error=error_message(exc),
                 given_back=typed_back(form, only=in_page_order, labels=labels))


@bp.route("/<slug>/minutes", methods=["POST"])
@permission_required(can_write_assembly_minutes)
def minutes_save(slug: str):
    assembly, minutes = _draft(slug)
    form = forms.minutes_form(assembly.items, minutes)
    if not form.validate_on_submit():
        return _page(assembly, minutes, 400, form=form)
    try:
        with unit_of_work():
            service.save_minutes(minutes, **_typed(form), actor=current_user)
    except errors.MinutesChanged as exc:
        return _saved_meanwhile(assembly, form, exc)
    except errors.MinutesSigned as exc:
        return _signed_meanwhile(assembly, form, exc)
    except DomainError as exc:
        say_refusal(form, exc)
        return _page(assembly, service.minutes_of(assembly), exc.status, form=form)
    flash(_("The minutes are saved."), "success")
    return redirect(url_for("assemblies.minutes", slug=slug))


@bp.route("/<slug>/minutes/sign", methods=["POST"])
@permission_required(can_write_assembly_minutes)
def minutes_sign(slug: str):
    """Sign with the text of the form the button is in: what was typed since the last save is saved
    and signed together; a refusal keeps the typing on the page and saves nothing."""
    assembly, minutes = _draft(slug)
    form = forms.minutes_form(assembly.items, minutes)
    if not form.validate_on_submit():
        return _page(assembly, minutes, 400, form=form)
    try:
        with unit_of_work():
            service.save_and_sign_minutes(minutes, **_typed(form), actor=current_user)
    except errors.MinutesChanged as exc:
        return _saved_meanwhile(assembly, form, exc)
    except errors.MinutesSigned as exc:
        return _signed_meanwhile(assembly, form, exc)
    except errors.MinutesIncomplete as exc:  # beside the empty fields, the typing kept
        for name in exc.fields:
            form[name].errors = [*form[name].errors, str(MINUTES_REQUIRED_WORDS[name])]
        return _page(assembly, service.minutes_of(assembly), exc.status, form=form)
    except DomainError as exc:
        say_refusal(form, exc)
        return _page(assembly, service.minutes_of(assembly), exc.status, form=form)
    flash(_("The minutes are saved and signed. Every member can now read them."), "success")
    return redirect(url_for("assemblies.minutes", slug=slug))


@bp.route("/<slug>/minutes/corrections", methods=["POST"])
@permission_required(can_write_assembly_minutes)
def minutes_correct(slug: str):
    assembly, minutes = _draft(slug)
    form = forms.MinutesCorrectionForm()
    if not form.validate_on_submit():
        return _page(assembly, minutes, 400, correction_form=form)
    try:
        with unit_of_work():
            service.correct_minutes(minutes, form.text.data, actor=current_user)
    except DomainError as exc:
        return _page(assembly, service.minutes_of(assembly), exc.status, error=error_message(exc))
    flash(_("The correction is added after the minutes. Every member can read it."), "success")
    return redirect(url_for("assemblies.minutes", slug=slug))


@bp.route("/<slug>/minutes.pdf")
@permission_required(can_see_assemblies)
def minutes_pdf(slug: str):
    from shares.certificates import coop_identity
    from shares.pdf import pdf_page

    assembly, minutes = _readable(slug)
    if minutes is None:
        raise errors.MinutesNotPublished()
    return pdf_page("assemblies/minutes_pdf.html", f"minutes-{assembly.slug}.pdf", coop=coop_identity(),
                    **_document(assembly, minutes))
