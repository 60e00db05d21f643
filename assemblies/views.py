"""Assembly pages: preparing (secretaries, officers), the member's page, the roll, proxies, the
door, the chair's console, the projector and the results. Thin views: parse, check one
predicate, call one service inside one unit of work, render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app import uploads
from app.authz import permission_required
from app import clock
from app.clock import utcnow
from app.csvexport import csv_response
from app.errors import DomainError, error_message, refusal_said
from app.extensions import db
from app.forms import say_refusal
from app.models import Account, AccountRole, Role
from app.uow import dry_run, unit_of_work
from app.web import allow_upload, format_day, query_int, render, time_of_day, whole_number
from assemblies import charts, forms, minutes, queries, services
from assemblies.errors import (CandidateTwice, NoSeatInCategory, NoSuchHolder, NotAnElector, NotAVotingItem, ProxiesOver,
                               ResultsNotYetPublic, ShortNoticeReasonMissing, UnknownMember)
from assemblies.messages import LOCK_WORDS, candidate_removed_words, door_withdrawal_words, field_errors, no_email_words
from assemblies.models import AgendaItem, Channel, Gender, ItemKind, Majority
from assemblies.permissions import (
    can_check_in,
    can_correct_electorate,
    can_give_proxy,
    can_prepare_assembly,
    can_manage_proxies,
    can_run_vote,
    can_see_assemblies,
    can_see_projector,
    can_see_roll,
)
from shares.models import Category
from shares.queries import member_for_account
from voting.models import Election, ElectionState

bp = Blueprint("assemblies", __name__, template_folder="templates", url_prefix="/assemblies")


def _lang() -> str:
    return str(get_locale() or "fr")[:2]


def _member(assembly):
    return queries.member_in(assembly, current_user.id) if current_user.is_authenticated else None


# -- lists and the member's page -----------------------------------------------------------------

@bp.route("/")
@permission_required(can_see_assemblies)
def index():
    return render("assemblies/index.html", assemblies=queries.assemblies(), lang=_lang())


def _proxies_state(assembly) -> dict:
    """Why no proxy can be given now (words, or None), and whether that is the vote's close."""
    refusal = services.proxies_closed(assembly)
    return dict(proxies_closed=refusal_said(refusal), vote_closed=isinstance(refusal, ProxiesOver))


def _show_context(assembly, **extra):
    member = _member(assembly)
    current = member_for_account(current_user.id) if current_user.is_authenticated else None
    elector = services.elector_for(assembly, member)
    election = queries.election(assembly)
    held = services.proxies_held(assembly, member) if member else []
    return dict(assembly=assembly, lang=_lang(), member=member, elector=elector, election=election,
                earlier_membership=member is not None and current is not None and member.id != current.id,
                voted=bool(member and services.has_voted(assembly, member.id)),
                checked_in=bool(member and services.checked_in_at(assembly, member.id)),
                **_proxies_state(assembly), proxy_given=services.standing_proxy(assembly, member.id) if member else None,
                proxies_held=held, voted_for={p.giver_id for p in held if services.has_voted(assembly, p.giver_id)},
                counts=services.electorate_counts(assembly), proxy_form=extra.pop("proxy_form", forms.ProxyForm()),
                action=forms.ActionForm(), has_results=queries.results(assembly) is not None,
                assembly_minutes=minutes.minutes_of(assembly), meeting_begun=minutes.meeting_begun(assembly), **extra)


@bp.route("/<slug>")
@permission_required(can_see_assemblies)
def show(slug: str):
    assembly = queries.assembly_by_slug(slug)
    return render("assemblies/show.html", **_show_context(assembly))


@bp.route("/<slug>/documents/<int:document_id>")
@permission_required(can_see_assemblies)
def document(slug: str, document_id: int):
    assembly = queries.assembly_by_slug(slug)
    doc = next((d for d in assembly.documents if d.id == document_id), None)
    if doc is None:
        abort(404)
    return uploads.file_response(doc.data, doc.content_type, doc.filename)


# -- preparing -----------------------------------------------------------------------------------

def _settings_refused(template: str, form, exc: DomainError, **context):
    """The assembly form again, each refused setting's sentence beside its field (all at once)."""
    beside = field_errors(exc)
    for name, sentence in beside.items():
        (form[name].errors if name in form else form.form_errors).append(sentence)
    if not beside:
        form.form_errors.append(error_message(exc))
    return render(template, form=form, status=exc.status, **context)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(can_prepare_assembly)
def new():
    form = forms.AssemblyForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                assembly = services.create_assembly(slug=form.slug.data, **form.settings(), now=utcnow(),
                                                    actor=current_user)
        except DomainError as exc:
            return _settings_refused("assemblies/new.html", form, exc, locked={})
        flash(_("The assembly is created. Add its agenda."), "success")
        return redirect(url_for("assemblies.prepare", slug=assembly.slug))
    return render("assemblies/new.html", form=form, locked={}, status=400 if form.errors else 200)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@permission_required(can_prepare_assembly)
def edit(slug: str):
    """The assembly's settings, those nothing fixed yet; a fixed one is shown disabled, with why."""
    assembly = queries.assembly_by_slug(slug)
    locked = {name: str(LOCK_WORDS[reason]) for name, reason in services.locked_settings(assembly).items()}
    form = forms.AssemblySettingsForm.of(assembly, locked)
    context = dict(assembly=assembly, lang=_lang(), locked=locked)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                changed = services.update_assembly(assembly, **form.settings(), now=utcnow(), actor=current_user)
        except DomainError as exc:
            return _settings_refused("assemblies/edit.html", form, exc, **context)
        flash(_("The assembly's settings are saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("assemblies.prepare", slug=slug))
    return render("assemblies/edit.html", form=form, status=400 if form.errors else 200, **context)


@bp.route("/<slug>/delete", methods=["GET", "POST"])
@permission_required(can_prepare_assembly)
def delete(slug: str):
    """Delete an assembly nothing was given out of: a confirmation page first (no JavaScript needed; also
    what a reload of that page shows), which posts again with ``confirmed=1``."""
    assembly = queries.assembly_by_slug(slug)
    if request.method == "POST" and not forms.ActionForm().validate_on_submit():
        abort(400)
    if request.method == "GET" or request.form.get("confirmed") != "1":
        refusal = services.deletion_refusal(assembly)
        return render("assemblies/delete.html", assembly=assembly, lang=_lang(), action=forms.ActionForm(),
                      refusal=refusal_said(refusal), status=refusal.status if refusal else 200)
    title = assembly.text("title", _lang())
    with unit_of_work():
        services.delete_assembly(assembly, actor=current_user)
    flash(_("The assembly “%(title)s” is deleted, with its agenda, documents and electorate.", title=title),
          "success")
    return redirect(url_for("assemblies.index"))


def _prepare_vote_form(**kwargs) -> forms.PrepareVoteForm:
    """The ballot's form, its choice of scrutineers every account with the role, by name (the e-mail
    address tells two of the same name apart)."""
    form = forms.PrepareVoteForm(**kwargs)
    form.scrutineers.choices = [(a.id, f"{a.display_name} ({a.email})") for a in db.session.scalars(
        select(Account).join(AccountRole).where(AccountRole.role == Role.SCRUTINEER)
        .order_by(Account.display_name, Account.id))]
    return form


def _prepare_context(assembly, **extra):
    # The forms not sent are drawn empty: a refused document's titles are not also put in the agenda item's form.
    # ``candidate_sent``: (the board item, its candidate form as sent); the other items' forms are empty.
    vote_form = extra.pop("vote_form", None) or _prepare_vote_form(formdata=None)
    refusal = services.deletion_refusal(assembly)
    from assemblies import candidates_adapter

    return dict(assembly=assembly, lang=_lang(), calls=candidates_adapter.fixed_calls(),
                item_form=extra.pop("item_form", None) or forms.ItemForm(formdata=None),
                candidate_form=forms.CandidateForm(formdata=None), candidate_sent=extra.pop("candidate_sent", None),
                document_form=extra.pop("document_form", None) or forms.DocumentForm(formdata=None),
                elector_form=extra.pop("elector_form", None) or forms.ElectorForm(formdata=None), vote_form=vote_form,
                action=forms.ActionForm(), counts=services.electorate_counts(assembly),
                agenda_open=services.agenda_open(assembly), standing=queries.candidates_standing(assembly),
                election=queries.election(assembly), deletion_refusal=refusal_said(refusal),
                electorate_sealed=refusal_said(services.electorate_sealed(assembly)), **extra)


@bp.route("/<slug>/prepare")
@permission_required(can_prepare_assembly)
def prepare(slug: str):
    assembly = queries.assembly_by_slug(slug)
    return render("assemblies/prepare.html", **_prepare_context(assembly))


def _refused(assembly, exc: DomainError | None = None, form=None, field: str | None = None, **sent):
    """The preparation page again after a refusal. The form that was sent (``sent``: ``item_form``,
    ``document_form``, ``elector_form``, ``vote_form`` or ``candidate_sent``) keeps what was typed, each
    refused field's sentence beside it and named in the summary at the top. Without ``exc`` the form
    itself refused (400); a service's refusal ``exc`` comes with its own status and is said beside
    ``field`` of ``form`` when it is about it, else at the top."""
    error = None
    if exc is not None and form is not None and field is not None:
        say_refusal(form, exc, field)
    elif exc is not None:
        error = error_message(exc)
    return render("assemblies/prepare.html", status=exc.status if exc is not None else 400, error=error,
                  **_prepare_context(assembly, **sent))


@bp.route("/<slug>/items", methods=["POST"])
@permission_required(can_prepare_assembly)
def add_item(slug: str):
    assembly = queries.assembly_by_slug(slug)
    form = forms.ItemForm()
    if not form.validate_on_submit():
        return _refused(assembly, item_form=form)
    try:
        with unit_of_work():
            services.add_item(assembly, kind=ItemKind(form.kind.data),
                              titles={lang: getattr(form, f"title_{lang}").data for lang in ("fr", "nl", "en")},
                              bodies={lang: getattr(form, f"body_{lang}").data or "" for lang in ("fr", "nl", "en")},
                              majority=Majority(form.majority.data), abstentions_count=form.abstentions_count.data,
                              seats_a=form.seats_a.data or 0, seats_b=form.seats_b.data or 0, actor=current_user)
    except DomainError as exc:
        return _refused(assembly, exc, item_form=form)
    flash(_("The item is on the agenda."), "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + "#agenda")


@bp.route("/<slug>/items/<int:item_id>/delete", methods=["POST"])
@permission_required(can_prepare_assembly)
def remove_item(slug: str, item_id: int):
    assembly = queries.assembly_by_slug(slug)
    item = queries.item_or_404(assembly, item_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        services.remove_item(item, actor=current_user)
    flash(_("The item is removed from the agenda."), "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + "#agenda")


@bp.route("/<slug>/items/<int:item_id>/move", methods=["POST"])
@permission_required(can_prepare_assembly)
def move_item(slug: str, item_id: int):
    """One place up or down the agenda (``direction``: ``up`` or ``down``), while the agenda may change."""
    assembly = queries.assembly_by_slug(slug)
    item = queries.item_or_404(assembly, item_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if not forms.ActionForm().validate_on_submit() or step is None:
        abort(400)
    try:
        with unit_of_work():
            services.move_item(item, step, actor=current_user)
    except DomainError as exc:
        return _refused(assembly, exc)
    flash(_("“%(title)s” is now item %(n)d of the agenda.", title=item.text("title", _lang()), n=item.position),
          "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + f"#item-{item.id}")


# The candidate form's field a refusal of ``services.add_candidate`` is about.
CANDIDATE_REFUSALS = {CandidateTwice: "name", NoSeatInCategory: "category"}


@bp.route("/<slug>/items/<int:item_id>/candidates", methods=["POST"])
@permission_required(can_prepare_assembly)
def add_candidate(slug: str, item_id: int):
    assembly = queries.assembly_by_slug(slug)
    item = queries.item_or_404(assembly, item_id)
    if item.kind is not ItemKind.BOARD:
        abort(404)  # no board election of this assembly: the page offers no such form
    form = forms.CandidateForm()
    if not form.validate_on_submit():
        return _refused(assembly, candidate_sent=(item.id, form))
    try:
        with unit_of_work():
            services.add_candidate(item, category=Category(form.category.data), name=form.name.data,
                                   gender=Gender(form.gender.data), actor=current_user)
    except DomainError as exc:  # a name already on the ballot, a category without seats: beside the field
        return _refused(assembly, exc, form, CANDIDATE_REFUSALS.get(type(exc)), candidate_sent=(item.id, form))
    flash(_("The candidate is added."), "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + f"#item-{item.id}")


@bp.route("/<slug>/items/<int:item_id>/candidates/<int:candidate_id>/delete", methods=["POST"])
@permission_required(can_prepare_assembly)
def remove_candidate(slug: str, item_id: int, candidate_id: int):
    """Take one candidate off a board item (the page's disclosure is the confirmation)."""
    assembly = queries.assembly_by_slug(slug)
    item = queries.item_or_404(assembly, item_id)
    candidate = next((c for c in item.candidates if c.id == candidate_id), None)
    if candidate is None:
        abort(404)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    name, gender = candidate.name, candidate.gender
    try:
        with unit_of_work():
            services.remove_candidate(candidate, actor=current_user)
    except DomainError as exc:
        return _refused(assembly, exc)
    flash(candidate_removed_words(name, gender), "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + f"#item-{item.id}")


@bp.route("/<slug>/items/<int:item_id>/import-candidates", methods=["POST"])
@permission_required(can_prepare_assembly)
def import_candidates(slug: str, item_id: int):
    """The candidates of a call for candidates (board candidacies), in its ballot order."""
    from assemblies import candidates_adapter

    assembly = queries.assembly_by_slug(slug)
    item = queries.item_or_404(assembly, item_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    seats_before = (item.seats_a, item.seats_b)
    try:
        with unit_of_work():
            n = candidates_adapter.import_from_call(item, request.form.get("call", ""), actor=current_user)
    except DomainError as exc:
        return _refused(assembly, exc)
    flash(ngettext("%(num)d candidate imported from the call.", "%(num)d candidates imported from the call.", n),
          "success")
    if (item.seats_a, item.seats_b) != seats_before:  # the call says how many seats are open
        flash(_("The seats are now the call's: %(a)d for category A and %(b)d for category B (they were %(old_a)d "
                "and %(old_b)d). If the assembly elects another number, remove the item and add it again.", a=item.seats_a,
                b=item.seats_b, old_a=seats_before[0] or 0, old_b=seats_before[1] or 0), "warning")
    return redirect(url_for("assemblies.prepare", slug=slug) + f"#item-{item.id}")


@bp.route("/<slug>/documents", methods=["POST"])
@allow_upload(uploads.MAX_REQUEST_BYTES, uploads.MAX_BYTES)
@permission_required(can_prepare_assembly)
def add_document(slug: str):
    assembly = queries.assembly_by_slug(slug)
    form = forms.DocumentForm()
    if not form.validate_on_submit():
        return _refused(assembly, document_form=form)
    try:
        upload = uploads.checked_upload(form.file.data.filename or "document.pdf",
                                        form.file.data.read(uploads.MAX_BYTES + 1), uploads.PDF_ONLY)
    except DomainError as exc:
        return _refused(assembly, exc, form, "file", document_form=form)
    with unit_of_work():
        services.add_document(assembly, titles={lang: getattr(form, f"title_{lang}").data
                                                for lang in ("fr", "nl", "en")},
                              filename=upload.filename, content_type=upload.content_type, data=upload.data,
                              actor=current_user)
    flash(_("The document is attached."), "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + "#documents")


@bp.route("/<slug>/electorate/freeze", methods=["POST"])
@permission_required(can_prepare_assembly)
def freeze(slug: str):
    assembly = queries.assembly_by_slug(slug)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            services.freeze_electorate(assembly, actor=current_user)
    except DomainError as exc:  # said on the preparation page, the record date at hand
        return _refused(assembly, exc)
    flash(_("The electorate is frozen and published."), "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + "#electorate")


@bp.route("/<slug>/electorate/add", methods=["POST"])
@permission_required(can_correct_electorate)
def add_elector(slug: str):
    assembly = queries.assembly_by_slug(slug)
    form = forms.ElectorForm()
    if not form.validate_on_submit():
        return _refused(assembly, elector_form=form)
    try:
        member = services.member_by_number(form.number.data)
        if form.confirmed.data != "1":
            # An addition is for good (on the public board once the vote is open): first say whom the number
            # names, and only for an addition the rules would take (a refusal comes before any name).
            with dry_run():
                services.add_elector_late(assembly, member, form.reason.data, actor=current_user)
            return render("assemblies/elector_confirm.html", assembly=assembly, lang=_lang(), form=form,
                          member=member)
        with unit_of_work():
            services.add_elector_late(assembly, member, form.reason.data, actor=current_user)
    except DomainError as exc:
        return _refused(assembly, exc, elector_form=form)
    flash(_("%(name)s (member %(number)s) is added to the electorate.", name=member.name, number=member.number),
          "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + "#electorate")


@bp.route("/<slug>/electorate/<int:elector_id>/remove", methods=["POST"])
@permission_required(can_correct_electorate)
def remove_elector(slug: str, elector_id: int):
    assembly = queries.assembly_by_slug(slug)
    elector = queries.elector_or_404(assembly, elector_id)
    form = forms.ReasonForm()
    if not form.validate_on_submit():  # a reason of spaces passes the browser's "required"
        if not can_see_roll(current_user, assembly):  # the form is on the roll: nothing to show others
            abort(400)
        return _roll_page(assembly, 400, _("%(name)s stays in the electorate: say why they are removed.",
                                           name=elector.member.name))
    try:
        with unit_of_work():
            services.remove_elector(assembly, elector, form.reason.data, actor=current_user)
    except DomainError as exc:
        if not can_see_roll(current_user, assembly):  # said on the error page
            raise
        return _roll_page(assembly, exc.status, error_message(exc))
    flash(_("The member is removed from the electorate."), "success")
    return redirect(url_for("assemblies.roll", slug=slug))


@bp.route("/<slug>/vote/prepare", methods=["POST"])
@permission_required(can_run_vote)
def prepare_vote(slug: str):
    assembly = queries.assembly_by_slug(slug)
    ctx_form = _prepare_vote_form()
    if not ctx_form.validate_on_submit():
        return _refused(assembly, vote_form=ctx_form)
    accounts = [db.session.get(Account, i) for i in ctx_form.scrutineers.data]
    try:
        with unit_of_work():
            services.prepare_vote(assembly, accounts, ctx_form.threshold.data, actor=current_user)
    except DomainError as exc:
        return _refused(assembly, exc, vote_form=ctx_form)
    flash(_("The ballot is on the public board. The scrutineers now generate the election key."), "success")
    return redirect(url_for("assemblies.prepare", slug=slug) + "#vote")


# -- the roll and convocations -------------------------------------------------------------------

@bp.route("/<slug>/roll")
@permission_required(can_see_roll)
def roll(slug: str):
    return _roll_page(queries.assembly_by_slug(slug))


def _roll_page(assembly, status: int = 200, problem: str | None = None, convene_form=None):
    """The roll (the page and search of the query string); ``problem``: why an action on it was refused."""
    page = query_int("page", 1, low=1)
    q = request.args.get("q", "")[:100]
    rows, total = queries.roll(assembly, page, q)
    return render("assemblies/roll.html", status=status, problem=problem, assembly=assembly, lang=_lang(), rows=rows,
                  total=total, page=page, q=q, page_size=queries.ROLL_PAGE,
                  turnout=queries.turnout(assembly), election=queries.election(assembly), action=forms.ActionForm(),
                  reason_form=forms.ReasonForm(), paper_form=forms.PaperProxyForm(),
                  convene_form=convene_form or forms.ConveneForm(formdata=None),
                  electorate_sealed=refusal_said(services.electorate_sealed(assembly)), **_convene_state(assembly))


def _convene_state(assembly) -> dict:
    """Whether "Send the convocations" is offered: ``all_sent``, the words that everyone has had theirs,
    else ``notice``, why sending now needs a shorter notice confirmed (or None)."""
    all_sent = refusal_said(services.nobody_to_convene(assembly))
    return dict(all_sent=all_sent, notice=None if all_sent else refusal_said(services.convocation_refusal(assembly)))


@bp.route("/<slug>/convene", methods=["POST"])
@permission_required(can_run_vote)
def convene(slug: str):
    """Send the convocations; past the notice period only with the shorter notice confirmed and its reason."""
    assembly = queries.assembly_by_slug(slug)
    form = forms.ConveneForm()
    if not form.validate_on_submit():
        return _roll_page(assembly, 400, convene_form=form)
    try:
        with unit_of_work():
            sent = services.convene(assembly, short_notice=(form.reason.data or "") if form.short_notice.data else None,
                                    actor=current_user)
    except DomainError as exc:  # a missing reason is said beside its field, anything else above the roll
        beside = isinstance(exc, ShortNoticeReasonMissing)
        if beside:
            form.reason.errors.append(error_message(exc))
        return _roll_page(assembly, exc.status, None if beside else error_message(exc), convene_form=form)
    flash(_("%(n)d convocations are in the outbox.", n=sent), "success")
    return redirect(url_for("assemblies.roll", slug=slug))


@bp.route("/<slug>/roll/<int:elector_id>/resend", methods=["POST"])
@permission_required(can_run_vote)
def resend(slug: str, elector_id: int):
    assembly = queries.assembly_by_slug(slug)
    elector = queries.elector_or_404(assembly, elector_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        services.resend_link(assembly, elector, actor=current_user)
    flash(_("A new link is in the outbox. The old one no longer works, and a ballot cast with it no longer "
            "counts: the member votes again with the new link."), "success")
    return redirect(url_for("assemblies.roll", slug=slug))


@bp.route("/<slug>/roll/<int:elector_id>/letter", methods=["POST"])
@permission_required(can_run_vote)
def letter(slug: str, elector_id: int):
    """A printable letter with a NEW link (the old one is revoked): the credential is printed once."""
    from shares.pdf import pdf_response, render_pdf

    assembly = queries.assembly_by_slug(slug)
    elector = queries.elector_or_404(assembly, elector_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    letters: list = []
    with unit_of_work():
        services.resend_link(assembly, elector, channel=Channel.LETTER, letters=letters, actor=current_user)
        html = _letters_html(assembly, letters)
        del letters
    return pdf_response(render_pdf(html, base_url=request.host_url), f"convocation-{assembly.slug}-{elector.member.number}.pdf")


def _letters_html(assembly, letters) -> str:
    from flask import render_template
    from flask_babel import force_locale

    from app.qr import qr_svg

    pages = []
    shared = dict(assembly=assembly, page=services.assembly_page(assembly), today=clock.today(),
                  proxies_open=not services.proxies_closed(assembly), fingerprint=db.session.get(Election, assembly.election_id).fingerprint)
    for member, link, credential in letters:
        with force_locale(member.language):
            pages.append(render_template("assemblies/letter.html", member=member, link=link, credential=credential,
                                         lang=member.language, qr=qr_svg(link, _("Your personal voting link")),
                                         **shared))
    return "".join(pages)


# -- proxies -------------------------------------------------------------------------------------

@bp.route("/<slug>/proxy", methods=["POST"])
@permission_required(can_give_proxy)
def give_proxy(slug: str):
    assembly = queries.assembly_by_slug(slug)
    form = forms.ProxyForm()
    if not form.validate_on_submit():
        return render("assemblies/show.html", status=400, **_show_context(assembly, proxy_form=form))
    try:
        holder = services.counted_member_by_number(assembly, form.holder_number.data)
        if form.confirmed.data != "1":
            # A mistyped number would hand the vote to a stranger: first say whom it names (the
            # register is open to members), and give the proxy only when the member confirms. The
            # name is shown only for a proxy the rules would take (an elector of this assembly...).
            with dry_run():
                services.give_proxy(assembly, _member(assembly), holder, actor=current_user)
            return render("assemblies/proxy_confirm.html", assembly=assembly, form=form, holder=holder)
        with unit_of_work():
            services.give_proxy(assembly, _member(assembly), holder, actor=current_user)
    except DomainError as exc:
        if isinstance(exc, UnknownMember) or (isinstance(exc, NotAnElector) and getattr(exc, "who", None) == "holder"):
            exc = NoSuchHolder()
        form.holder_number.errors.append(error_message(exc))
        return render("assemblies/show.html", status=getattr(exc, "status", 422),
                      **_show_context(assembly, proxy_form=form))
    flash(_("Your proxy is recorded. The member you chose receives your voting link."), "success")
    return redirect(url_for("assemblies.show", slug=slug))


def _proxy_button(assembly, change, said, *, back: str):
    """The one shape of the proxy buttons (the giver's withdrawal, the holder's decline, the withdrawal at the
    door), each confirmed on its page: a form without its token is a 400; ``change()``, the one service, runs
    in a unit of work; its refusal (the vote closed, the proxy ended meanwhile in another tab, or used) is said
    on the page ``back`` with its status; else the messages of ``said(proxy)`` are flashed and ``back`` shown
    again. ``back``: ``"assemblies.show"`` (the member's page) or ``"assemblies.checkin"`` (the door's)."""
    template, context = {"assemblies.show": ("assemblies/show.html", _show_context),
                         "assemblies.checkin": ("assemblies/checkin.html", _checkin_context)}[back]
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            proxy = change()
    except DomainError as exc:
        return render(template, status=exc.status, proxy_error=error_message(exc), **context(assembly))
    for message, category in said(proxy):
        flash(message, category)
    return redirect(url_for(back, slug=assembly.slug))


@bp.route("/<slug>/proxy/end", methods=["POST"])
@permission_required(can_give_proxy)
def end_proxy(slug: str):
    """The giver takes their vote back (confirmed on their page)."""
    assembly = queries.assembly_by_slug(slug)

    def said(proxy):
        if queries.convened(assembly, [proxy.giver_id]):
            return [(_("Your proxy is withdrawn. A new voting link is on its way to you."), "success")]
        return [(_("Your proxy is withdrawn. Your convocation, with your voting link, will come to you."), "success")]

    return _proxy_button(assembly, lambda: services.end_proxy(assembly, _member(assembly), actor=current_user), said,
                         back="assemblies.show")


@bp.route("/<slug>/proxies/<int:proxy_id>/decline", methods=["POST"])
@permission_required(can_give_proxy)
def decline_proxy(slug: str, proxy_id: int):
    """The holder hands back a proxy given to them (confirmed on their page)."""
    assembly = queries.assembly_by_slug(slug)

    def said(proxy):
        giver = proxy.giver
        if giver.email:
            return [(_("You have declined the proxy of %(name)s: they are told by mail and vote themselves.",
                       name=giver.name), "success")]
        return [(_("You have declined the proxy of %(name)s. They have no e-mail address: tell them yourself that "
                   "they vote themselves.", name=giver.name), "success")]

    return _proxy_button(assembly, lambda: services.decline_proxy(assembly, _member(assembly), proxy_id,
                                                                  actor=current_user), said, back="assemblies.show")


@bp.route("/<slug>/proxies/paper", methods=["POST"])
@permission_required(can_manage_proxies)
def paper_proxy(slug: str):
    assembly = queries.assembly_by_slug(slug)
    form = forms.PaperProxyForm()
    if not form.validate_on_submit():  # the door's page again, the fields' errors beside them
        return render("assemblies/checkin.html", status=400, **_checkin_context(assembly, paper_form=form))
    try:
        if form.confirmed.data != "1":
            # Two typed numbers would hand a vote to a stranger: first say whom they name, and only for a
            # proxy the rules would take (a refusal comes before any name, as on the member's own form).
            with dry_run():
                proxy = services.record_paper_proxy(assembly, form.giver_number.data, form.holder_number.data,
                                                    actor=current_user)
                giver, holder = proxy.giver, proxy.holder
            return render("assemblies/paper_proxy_confirm.html", assembly=assembly, lang=_lang(), form=form,
                          giver=giver, holder=holder)
        with unit_of_work():
            proxy = services.record_paper_proxy(assembly, form.giver_number.data, form.holder_number.data,
                                                actor=current_user)
            giver, holder = proxy.giver.name, proxy.holder.name
    except DomainError as exc:  # said beside the giver's or the holder's number, else above the form
        say_refusal(form, exc, {"giver": "giver_number", "holder": "holder_number"}.get(getattr(exc, "who", None)))
        return render("assemblies/checkin.html", status=getattr(exc, "status", 422),
                      **_checkin_context(assembly, paper_form=form))
    flash(_("The proxy of %(giver)s to %(holder)s is recorded.", giver=giver, holder=holder), "success")
    return redirect(url_for("assemblies.checkin", slug=slug))


@bp.route("/<slug>/proxies/<int:proxy_id>/end", methods=["POST"])
@permission_required(can_manage_proxies)
def end_proxy_at_door(slug: str, proxy_id: int):
    """Withdraw a proxy from the door's list (confirmed there), on paper or online, for the giver who asks."""
    assembly = queries.assembly_by_slug(slug)

    def said(proxy):
        giver = proxy.giver
        words = [(_("The proxy of %(name)s is withdrawn: they vote themselves.", name=giver.name), "success")]
        if not giver.email:
            words.append((no_email_words(giver), "warning"))
        return words

    return _proxy_button(assembly, lambda: services.end_proxy(assembly, proxy_id=proxy_id, actor=current_user), said,
                         back="assemblies.checkin")


# -- on site -------------------------------------------------------------------------------------

def _checkin_context(assembly, form=None, paper_form=None, **extra):
    proxies = queries.standing_proxies(assembly)
    convened = queries.convened(assembly, [p.giver_id for p in proxies])
    search = forms.DoorSearchForm(request.args, meta={"csrf": False})
    found = queries.electors_named(assembly, search.name.data) if search.validate() and search.name.data else None
    return dict(assembly=assembly, lang=_lang(), form=form or forms.CheckInForm(formdata=None),
                search=search, found=found, search_limit=queries.DOOR_SEARCH_LIMIT,
                recent=services.recent_check_ins(assembly), action=forms.ActionForm(),
                turnout=queries.turnout(assembly), paper_form=paper_form or forms.PaperProxyForm(formdata=None),
                proxies=proxies, withdrawal={p.id: door_withdrawal_words(p, p.giver_id in convened) for p in proxies},
                **_proxies_state(assembly), door=refusal_said(services.check_in_refusal(assembly)), **extra)


@bp.route("/<slug>/checkin", methods=["GET", "POST"])
@permission_required(can_check_in)
def checkin(slug: str):
    assembly = queries.assembly_by_slug(slug)
    form = forms.CheckInForm()
    if request.method == "GET":
        return render("assemblies/checkin.html", **_checkin_context(assembly))
    if not form.validate_on_submit():
        form.number.data = ""  # never shown back (a scanned link holds the member's credential); ready to scan
        return render("assemblies/checkin.html", status=400, **_checkin_context(assembly, form))
    try:
        with unit_of_work():
            member = services.check_in_code(assembly, form.number.data, actor=current_user)
    except DomainError as exc:
        form.number.errors.append(error_message(exc))
        form.number.data = ""
        return render("assemblies/checkin.html", status=getattr(exc, "status", 422), **_checkin_context(assembly, form))
    proxy = services.standing_proxy(assembly, member.id)
    if proxy is not None:  # present, yet represented: door staff say how the member takes their vote back
        flash(_("%(name)s is checked in. Their proxy to %(holder)s stands: %(holder)s votes in their name unless "
                "%(name)s withdraws it from the assembly page (then they vote themselves).", name=member.name,
                holder=proxy.holder.name), "success")
    else:
        flash(_("%(name)s is checked in.", name=member.name), "success")
    return redirect(url_for("assemblies.checkin", slug=slug))


@bp.route("/<slug>/checkin/<int:check_in_id>/undo", methods=["POST"])
@permission_required(can_check_in)
def undo_checkin(slug: str, check_in_id: int):
    """Take back a check-in made by mistake (confirmed on the door's page)."""
    assembly = queries.assembly_by_slug(slug)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            member = services.undo_check_in(assembly, check_in_id, actor=current_user)
    except DomainError as exc:
        flash(error_message(exc), "error")
        return render("assemblies/checkin.html", status=exc.status, **_checkin_context(assembly))
    flash(_("%(name)s is no longer checked in.", name=member.name), "success")
    return redirect(url_for("assemblies.checkin", slug=slug))


@bp.route("/<slug>/chair")
@permission_required(can_run_vote)
def chair(slug: str):
    return _chair_page(queries.assembly_by_slug(slug))


def _chair_page(assembly, status: int = 200, error: str | None = None):
    """The console; ``opening`` and ``closing``: why the vote cannot be opened or closed yet (then the
    page says so instead of offering the button); ``error``: why the chair's last step was refused."""
    return render("assemblies/chair.html", status=status, error=error, assembly=assembly, lang=_lang(),
                  election=queries.election(assembly), turnout=queries.turnout(assembly), action=forms.ActionForm(),
                  items=queries.vote_items(assembly), opening=refusal_said(services.vote_opening_refusal(assembly)),
                  closing=refusal_said(services.vote_closing_refusal(assembly)),
                  item_opening=refusal_said(services.item_opening_refusal(assembly)),
                  closes_early=utcnow() < assembly.voting_closes_at)


@bp.route("/<slug>/chair/items/<int:item_id>/close", methods=["GET", "POST"])
@permission_required(can_run_vote)
def close_item(slug: str, item_id: int):
    """Close the vote on one agenda item: a confirmation page (no JavaScript needed), then the close."""
    return _item_step(slug, item_id, services.close_item, "assemblies/close_item.html", lambda title: _(
        "The vote on “%(title)s” is closed: the ballots received before now count for it, none after.", title=title))


@bp.route("/<slug>/chair/items/<int:item_id>/open", methods=["GET", "POST"])
@permission_required(can_run_vote)
def open_item(slug: str, item_id: int):
    """Open the vote on an agenda item held back at the opening: a confirmation page (no
    JavaScript needed), then the open."""
    return _item_step(slug, item_id, services.open_item, "assemblies/open_item.html", lambda title: _(
        "The vote on “%(title)s” is open: the ballots received from now on count for it, none before.", title=title))


def _item_step(slug: str, item_id: int, step, template: str, done):
    """One agenda item's vote opened or closed by the chair: GET confirms, POST does ``step``."""
    assembly = queries.assembly_by_slug(slug)
    item = queries.item_or_404(assembly, item_id)
    entry = next((v for v in queries.vote_items(assembly) if v["item"].id == item.id), None)
    if entry is None:
        abort(404)
    form = forms.ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            with unit_of_work():
                step(assembly, item, actor=current_user)
        except DomainError as exc:  # closed or opened meanwhile (another tab, another officer): said on the console
            return _chair_page(assembly, exc.status, error_message(exc))
        flash(done(item.text("title", _lang())), "success")
        return redirect(url_for("assemblies.chair", slug=slug))
    return render(template, assembly=assembly, lang=_lang(), item=item, entry=entry,
                  election=queries.election(assembly), action=form,
                  closing=refusal_said(services.vote_closing_refusal(assembly)),  # why an item cannot close yet
                  opening=refusal_said(services.item_opening_refusal(assembly)))  # nor a held one open


@bp.route("/<slug>/chair/open", methods=["POST"])
@permission_required(can_run_vote)
def open_vote(slug: str):
    assembly = queries.assembly_by_slug(slug)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    hold = []
    for raw in request.form.getlist("hold"):  # agenda items whose vote the chair opens later
        item_id = whole_number(raw)
        if item_id is None:
            abort(400)
        item = db.session.get(AgendaItem, item_id)
        if item is None or item.assembly_id != assembly.id:
            raise NotAVotingItem()
        hold.append(item)
    try:
        with unit_of_work():
            services.open_vote(assembly, actor=current_user, hold=hold)
    except DomainError as exc:
        return _chair_page(assembly, exc.status, error_message(exc))
    flash(_("The vote is open."), "success")
    return redirect(url_for("assemblies.chair", slug=slug))


@bp.route("/<slug>/chair/close", methods=["POST"])
@permission_required(can_run_vote)
def close_vote(slug: str):
    assembly = queries.assembly_by_slug(slug)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            services.close_vote(assembly, actor=current_user)
    except DomainError as exc:
        return _chair_page(assembly, exc.status, error_message(exc))
    flash(_("The vote is closed. The scrutineers can now decrypt the result."), "success")
    return redirect(url_for("assemblies.chair", slug=slug))


@bp.route("/<slug>/projector")
@permission_required(can_see_projector, allow_anonymous=True)
def projector(slug: str):
    """The room's screen: the turnout, then every item's vote or result; ``?item=`` shows one item
    alone, as the chair announces it."""
    assembly = queries.assembly_by_slug(slug)
    focus = query_int("item")
    election = queries.election(assembly)
    results = queries.results(assembly)
    # Often while ballots come in, less often while the scrutineers decrypt, then not at all.
    polling = None
    if election is not None and results is None:
        polling = {ElectionState.OPEN: "projector_vote", ElectionState.CLOSED: "projector_tally"}.get(election.state)
    if results and focus is not None:
        results = [row for row in results if row["item"].id == focus] or None
    items = [entry for entry in queries.vote_items(assembly) if focus is None or entry["item"].id == focus]
    if focus is not None and not items:
        abort(404)  # not an item of this assembly put to the vote
    turnout = queries.turnout(assembly)
    return render("assemblies/projector.html", "assemblies/_partials/projector.html", assembly=assembly,
                  lang=_lang(), election=election, turnout=turnout, results=results, focus=focus,
                  over_time=charts.turnout_chart(queries.turnout_over_time(assembly), turnout.electorate["total"]),
                  charts=charts.result_charts(results, _lang()) if results else {}, polling=polling, items=items)


@bp.route("/<slug>/projector/items/<int:item_id>")
@permission_required(can_see_projector, allow_anonymous=True)
def projector_item(slug: str, item_id: int):
    """One agenda item on the projector: open or closed (and how many ballots count); it polls
    itself while its vote is open and stops once it is closed."""
    assembly = queries.assembly_by_slug(slug)
    queries.item_or_404(assembly, item_id)
    entry = next((v for v in queries.vote_items(assembly) if v["item"].id == item_id), None)
    if entry is None:
        abort(404)
    return render("assemblies/_partials/projector_item.html", assembly=assembly, lang=_lang(), entry=entry,
                  election=queries.election(assembly))


# -- results -------------------------------------------------------------------------------------

@bp.route("/<slug>/results")
@permission_required(can_see_assemblies)
def results(slug: str):
    assembly = queries.assembly_by_slug(slug)
    res = _published_results(assembly)
    return render("assemblies/results.html", assembly=assembly, lang=_lang(), results=res,
                  turnout=queries.turnout(assembly), charts=charts.result_charts(res, _lang()),
                  election=queries.election(assembly))


def _published_results(assembly):
    res = queries.results(assembly)
    if res is None:
        raise ResultsNotYetPublic()
    return res


@bp.route("/<slug>/results.csv")
@permission_required(can_see_assemblies)
def results_csv(slug: str):
    assembly = queries.assembly_by_slug(slug)
    res = _published_results(assembly)
    rows: list[list] = []  # every cell goes through app.csvexport: names typed by people are not formulas
    lang = _lang()
    header = [_("Item"), _("Choice or candidate"), _("Category A"), _("Category B"), _("Total"), _("Outcome"),
              _("Note")]
    # The count columns hold numbers only, for a spreadsheet: a count the record withholds (fewer
    # ballots than the minimum count) is an empty cell, and the last column says why.
    withheld = _("fewer than %(n)d ballots: not shown", n=assembly.min_count)
    by_total_only = _("not shown by category: a category has fewer than %(n)d ballots", n=assembly.min_count)
    for row in res:
        title = row["item"].text("title", lang)
        # An item whose vote closed early says so on each of its lines, after why a count is withheld.
        early = closed_early_words(row["closed_early"]) if row["closed_early"] else ""
        if row["kind"] == "resolution":
            o = row["outcome"]
            verdict = outcome_words(o)
            for key, label in (("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))):
                if o.by_category and not o.withheld:
                    counts = [getattr(o.per_category["A"], key), getattr(o.per_category["B"], key)]
                    rows.append([title, label, *counts, getattr(o.total, key), verdict, _csv_note("", early)])
                elif not o.by_category and o.total.total:  # the record published the total only
                    rows.append([title, label, "", "", getattr(o.total, key), verdict,
                                 _csv_note(by_total_only, early)])
                else:
                    rows.append([title, label, "", "", "", verdict, _csv_note(withheld, early)])
        else:
            for g in row["groups"]:
                # Each category elects its own seats: the item says which, as the results page does.
                seats = ngettext("Category %(c)s: %(num)d seat", "Category %(c)s: %(num)d seats", g["seat"].seats,
                                 c=g["category"])
                seats = f"{title} ({seats})"
                for r in g["seat"].ranking:
                    name = g["by_choice"][r.choice].name
                    if g["seat"].withheld:
                        rows.append([seats, name, "", "", "", _("Withheld: fewer ballots than the minimum count"),
                                     _csv_note(withheld, early)])
                        continue
                    a, b = g["per_category"][r.choice]
                    hidden = a is None or b is None
                    outcome = _("Elected") if r.elected else _("Not elected")
                    if r.choice in g["standing"]:
                        outcome = _("%(outcome)s; %(standing)s", outcome=outcome,
                                    standing=standing_short(g["standing"][r.choice]))
                    rows.append([seats, name, "" if hidden else a, "" if hidden else b, r.votes, outcome,
                                 _csv_note(by_total_only if hidden else "", early)])
                if g["seat"].unfilled and not g["seat"].withheld:
                    rows.append([seats, "", "", "", "", ngettext("%(num)d seat stays unfilled.",
                                                                 "%(num)d seats stay unfilled.", g["seat"].unfilled),
                                 _csv_note("", early)])
    return csv_response(f"results-{assembly.slug}.csv", header, rows)


def _csv_note(reason: str, early: str) -> str:
    """The results CSV's last cell: why a count is withheld, then when the item's vote closed early."""
    return _("%(reason)s; %(closed)s", reason=reason, closed=early) if reason and early else reason or early


@bp.route("/<slug>/results.pdf")
@permission_required(can_see_assemblies)
def results_pdf(slug: str):
    from shares.certificates import coop_identity
    from shares.pdf import pdf_page

    assembly = queries.assembly_by_slug(slug)
    res = _published_results(assembly)
    return pdf_page("assemblies/results_pdf.html", f"results-{assembly.slug}.pdf", coop=coop_identity(),
                    assembly=assembly, lang=_lang(), results=res, turnout=queries.turnout(assembly), charts=charts.result_charts(res, _lang()))


MAJORITY_WORDS = {
    "simple": lambda: _("simple majority"),
    "two_thirds": lambda: _("two thirds"),
    "three_quarters": lambda: _("three quarters"),
    "each_category": lambda: _("a majority within each category"),
}
GENDER_WORDS = {
    "woman": lambda: _("women"), "man": lambda: _("men"), "other": lambda: _("other or not said"),
    "legal": lambda: _("legal persons"),
}


@bp.app_template_global()
def majority_words(code: str) -> str:
    return MAJORITY_WORDS[code]()


@bp.app_template_global()
def gender_words(code: str) -> str:
    return GENDER_WORDS[code]()


@bp.app_template_global()
def outcome_words(o) -> str:
    if o.withheld:
        return _("Withheld: fewer ballots than the minimum count")
    if not o.quorum_met:
        return _("Not valid: quorum not reached")
    return _("Adopted") if o.adopted else _("Rejected")


@bp.app_template_global()
def closed_early_words(early) -> str:
    """When the chair closed an item's vote before the general close (``queries.results``' ``closed_early``):
    the results page, its PDF and CSV, the projector and the minutes say it in these words."""
    if early["meeting_day"]:
        return _("The vote on this item was closed at %(time)s, before the general close of the vote: only the "
                 "ballots cast before then count for it.", time=time_of_day(early["at"]))
    return _("The vote on this item was closed on %(date)s at %(time)s, before the general close of the vote: only "
             "the ballots cast before then count for it.", date=format_day(early["at"], "long"),
             time=time_of_day(early["at"]))


@bp.app_template_global()
def standing_words(standing, name: str) -> str:
    """Why a board candidate still on the ballot cannot take a seat, or that they came back
    (``queries.Standing``): the results page, its PDF, the projector, the minutes and the preparation page."""
    day = format_day(standing.on, "long")
    if standing.reason == "withdrew":
        return _("%(name)s withdrew their candidacy on %(date)s, once the vote had opened, and cannot take a seat.",
                 name=name, date=day)
    if standing.reason == "lapsed":
        return _("The membership of %(name)s lapsed on %(date)s (the renewal is not paid): they cannot take a seat "
                 "while the lapse lasts.", name=name, date=day)
    if standing.reason == "rejoined":
        return _("%(name)s left the cooperative on %(date)s and was admitted again on %(again)s: they are a member.",
                 name=name, date=day, again=format_day(standing.again_on, "long"))
    return _("%(name)s left the cooperative on %(date)s and cannot take a seat.", name=name, date=day)


@bp.app_template_global()
def standing_short(standing) -> str:
    """``standing_words`` in a table's cell and the results CSV's outcome."""
    day = format_day(standing.on, "long")
    if standing.reason == "withdrew":
        return _("withdrew on %(date)s: cannot take a seat", date=day)
    if standing.reason == "lapsed":
        return _("membership lapsed on %(date)s: cannot take a seat while the lapse lasts", date=day)
    if standing.reason == "rejoined":
        return _("left on %(date)s, admitted again on %(again)s", date=day, again=format_day(standing.again_on, "long"))
    return _("left the cooperative on %(date)s: cannot take a seat", date=day)


@bp.app_template_global()
def item_kind_words(kind) -> str:
    return {ItemKind.INFORMATION: _("Information"), ItemKind.RESOLUTION: _("Resolution"),
            ItemKind.BOARD: _("Board election")}[kind]
