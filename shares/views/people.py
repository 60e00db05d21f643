"""Staff screens for the people in the register: applications and admission, a new member,
contact details, sign-in links, cancelling a payment request or recording money received for it outside
the bank, lapses, and the register's files."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import get_locale, ngettext
from flask_login import current_user

from app.auth.services import request_login_link
from app.authz import permission_required
from app.clock import today
from app.errors import DomainError, error_message
from app.forms import say_refusal
from app.extensions import db
from app.i18n import colon
from app.uow import dry_run, unit_of_work
from app.web import euros, format_day, render
from shares import admission, exports, register, renewal, services
from shares.forms import (AdmissionDecisionForm, ConfirmForm, ContactForm, ExportForm, IdentityCorrectionForm,
                          PaymentReceivedForm, StaffMemberForm)
from shares.models import (Category, ExportStatus, Member, MemberKind, MembershipApplication, PaymentRequest,
                           PaymentStatus, RegisterExport)
from shares.permissions import (can_cancel_payment_request, can_decide_admissions, can_export_register,
                                can_manage_members, can_record_lapses, can_resolve_payments,
                                can_send_renewal_letters)
from shares.errors import (ExcludedIdentity, FutureDate, IdentityInRegister, IdentityNumberRequired,
                           IdentityNumberUnchanged, IdentityOfAnotherPerson, InvalidIdentityNumber, MemberLeftMoney,
                           ReasonRequired, ReceivedBeforeAsked)
from shares.labels import format_identity_number, refund_account_text
from shares.views.blueprint import bp, row_or_404
from shares.views.public import application_fields, application_refused, number_held_words


def _actor():
    return current_user._get_current_object()


# ------------------------------------------------------------------------------------------------
# Applications and admission
# ------------------------------------------------------------------------------------------------

@bp.route("/staff/applications")
@permission_required(can_decide_admissions)
def staff_applications():
    return _applications_page(AdmissionDecisionForm(formdata=None))


def _applications_page(form: AdmissionDecisionForm, status: int = 200):
    return render_template("shares/applications.html", waiting=admission.pending_decisions(),
                           unpaid=admission.awaiting_payment(), form=form, mode=admission.admission_mode(),
                           today=today()), status


@bp.route("/staff/applications/<int:application_id>/<any(admit, refuse):decision>", methods=["POST"])
@permission_required(can_decide_admissions)
def decide_application(application_id: int, decision: str):
    application = db.get_or_404(MembershipApplication, application_id)
    form = AdmissionDecisionForm()
    if not form.validate_on_submit():  # which application, and each field refused by its label
        said = " ".join(f"{form[name].label.text}{colon()}{error}" for name, errors in form.errors.items()
                        if name in form and name != "csrf_token" for error in errors)
        flash(_("Nothing is decided for %(name)s.", name=application.member.name) + " " + said, "error")
        return _applications_page(form, 400)
    # Irreversible (a register entry and the certificate mailed, or a refusal with its refund and mail): what
    # will happen is said and asked again, as for the register's actions, once the service accepts it.
    confirmed = request.form.get("confirmed") == "1"
    try:
        with unit_of_work() if confirmed else dry_run():
            admission.decide(application, admit=decision == "admit", decision_on=form.decision_on.data,
                             decision_reference=form.decision_reference.data, actor=_actor(),
                             note=form.note.data or "")
    except DomainError as exc:
        flash(error_message(exc), "error")
        return _applications_page(form, exc.status)
    if not confirmed:
        db.session.expire_all()  # the page says what the tried decision would change: read as it stands, undone
        return render_template("shares/confirm_action.html", member=application.member, action=decision, form=form,
                               application=application)
    if decision == "admit":
        flash(_("%(name)s is admitted: the subscription is in the register.", name=application.member.name), "success")
    else:
        refund = admission.refund_for(application)
        flash(_("Application refused.") + (" " + _("%(amount)s received is on the refund list, to be paid back to "
                                                    "%(iban)s.", amount=euros(refund.amount_cents),
                                                    iban=refund_account_text(refund.refund_iban))
                                           if refund is not None else ""), "success")
    return redirect(url_for("shares.staff_applications"))


# ------------------------------------------------------------------------------------------------
# A new member, contact details, sign-in link
# ------------------------------------------------------------------------------------------------

@bp.route("/staff/members/new", methods=["GET", "POST"])
@permission_required(can_manage_members)
def staff_new_member():
    form = StaffMemberForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                application = admission.staff_apply(email=form.email.data, kind=MemberKind(form.kind.data),
                                              category=Category(form.category.data), shares=form.shares.data,
                                              language=form.language.data, actor=_actor(),
                                              readmission=form.readmission(), **application_fields(form))
                admission.mail_application(application, sign_in_link=False)
        except DomainError as exc:
            application_refused(form, exc, staff=True)
            return render_template("shares/member_new.html", form=form), exc.status
        member = application.member
        number = member.number
        flash(_("Member %(number)s created. They are admitted once their shares are paid and the admission is "
                "decided.", number=number) if admission.admission_mode() == "decision" else
              _("Member %(number)s created. They are admitted once their shares are paid.", number=number), "success")
        if member.email != form.email.data.strip().lower():  # found by their number: the account keeps its address
            flash(_("This number is that of %(name)s, who has an account: the new membership is theirs, with the "
                    "name, postal address and e-mail address (%(email)s) their record holds. What was typed for them "
                    "(the address %(typed)s) was not recorded: if it is theirs now, change it with Edit e-mail and "
                    "address below.", name=member.name, email=member.email, typed=form.email.data.strip()), "info")
        flash(_("What to pay, with the structured communication %(reference)s and the QR code, was sent to %(email)s.",
                reference=application.payment_request.formatted_reference, email=member.email), "success")
        return redirect(url_for("shares.member_detail", member_id=application.member_id))
    return render_template("shares/member_new.html", form=form), 400 if form.errors else 200


@bp.route("/staff/members/<int:member_id>/contact", methods=["GET", "POST"])
@permission_required(can_manage_members)
def edit_contact(member_id: int):
    member = db.get_or_404(Member, member_id)
    form = ContactForm(obj=member, data=None if request.method == "POST" else {"email": member.email,
                                                                              "version": member.version})
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.update_contact(member, form.version.data, email=form.email.data,
                                        street=form.street.data, postcode=form.postcode.data, city=form.city.data,
                                        country=form.country.data, actor=_actor())
        except DomainError as exc:
            form.email.errors.append(error_message(exc))
            member = db.session.get(Member, member_id)
            form.version.data = member.version
            return render_template("shares/member_contact.html", form=form, member=member), exc.status
        flash(_("Contact details saved."), "success")
        return redirect(url_for("shares.member_detail", member_id=member_id))
    return render_template("shares/member_contact.html", form=form, member=member), 400 if form.errors else 200


@bp.route("/staff/members/<int:member_id>/identity", methods=["GET", "POST"])
@permission_required(can_manage_members)
def correct_identity(member_id: int):
    """The national or enterprise number typed wrong: the form, a confirmation once the service would take
    it (tried and undone), then the correction."""
    member = row_or_404(Member, member_id)
    legal = member.kind is MemberKind.LEGAL
    form = IdentityCorrectionForm(legal=legal, data=None if request.method == "POST" else {"version": member.version})
    if not form.validate_on_submit():
        return _identity_page(member, form, status=400 if form.errors else 200)
    confirmed = request.form.get("confirmed") == "1"
    try:
        with unit_of_work() if confirmed else dry_run():
            services.correct_identity_number(member, form.version.data, form.number.data, reason=form.reason.data,
                                             actor=_actor())
    except DomainError as exc:
        _identity_refused(form, exc)
        member = db.session.get(Member, member_id)
        form.version.data = member.version  # sent again, it is judged against the number held now
        return _identity_page(member, form, status=exc.status)
    if not confirmed:
        return _identity_page(member, form, confirming=True)
    flash(_("The enterprise number of %(name)s is corrected.", name=member.name) if legal else
          _("The national number of %(name)s is corrected.", name=member.name), "success")
    return redirect(url_for("shares.member_detail", member_id=member_id))


def _identity_page(member: Member, form: IdentityCorrectionForm, *, status: int = 200, confirming: bool = False):
    name = services.identity_field(member.kind)
    held = getattr(member, name)
    return render_template("shares/member_identity.html", member=member, form=form, confirming=confirming,
                           legal=member.kind is MemberKind.LEGAL,
                           held=format_identity_number(name, held) if held else None,
                           typed=format_identity_number(name, form.number.data) if confirming else None), status


def _identity_refused(form: IdentityCorrectionForm, exc: DomainError) -> None:
    """Beside the number, naming to staff whose it is; a missing reason beside the reason; else above."""
    if isinstance(exc, ExcludedIdentity):
        form.number.errors.append(_("%(name)s (member %(number)s) has this number and was excluded on %(date)s: only "
                                    "the board can admit this person again.", name=exc.holder.name,
                                    number=exc.holder.number, date=format_day(exc.on)))
    elif isinstance(exc, IdentityOfAnotherPerson):
        form.number.errors.append(error_message(exc))
    elif isinstance(exc, IdentityInRegister):
        form.number.errors.append(number_held_words(exc))
    else:
        say_refusal(form, exc, {ReasonRequired: "reason", IdentityNumberRequired: form.number.name,
                                IdentityNumberUnchanged: form.number.name,
                                InvalidIdentityNumber: form.number.name}.get(type(exc)))


@bp.route("/staff/members/<int:member_id>/sign-in-link", methods=["POST"])
@permission_required(can_manage_members)
def send_sign_in_link(member_id: int):
    member = db.get_or_404(Member, member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        request_login_link(member.email)
        from app import audit
        audit.record("shares.member.sign_in_link_send", member, actor=_actor(), after={"email": member.email})
    flash(_("A sign-in link was sent to %(email)s.", email=member.email), "success")
    return redirect(url_for("shares.member_detail", member_id=member_id))


# ------------------------------------------------------------------------------------------------
# Cancelling a payment request: a confirmation page, then the cancellation
# ------------------------------------------------------------------------------------------------

@bp.route("/staff/payment-requests/<int:request_id>/cancel", methods=["GET", "POST"])
@permission_required(can_cancel_payment_request)
def cancel_request(request_id: int):
    payment = row_or_404(PaymentRequest, request_id)
    form = ConfirmForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                register.cancel_unpaid_request(payment, reason=_("Payment request cancelled before any payment."),
                                               actor=_actor())
        except DomainError as exc:
            flash(error_message(exc), "error")
            status = exc.status
        else:
            flash(_("The payment request %(reference)s is cancelled.", reference=payment.formatted_reference),
                  "success")
            return redirect(url_for("shares.member_detail", member_id=payment.member_id, _anchor="requests"))
    cancellable = payment.status is PaymentStatus.OPEN and payment.paid_cents == 0
    return render_template("shares/confirm_cancel_request.html", payment=payment, form=form,
                           cancellable=cancellable), status if cancellable else (status if status != 200 else 409)


@bp.route("/staff/payment-requests/<int:request_id>/received", methods=["GET", "POST"])
@permission_required(can_resolve_payments)
def payment_received(request_id: int):
    """Money received outside the bank (cash at an assembly's door): the form, then a confirmation (the
    register cannot be undone), then the payment recorded as a bank payment would be."""
    payment = row_or_404(PaymentRequest, request_id)
    if payment.status is PaymentStatus.CANCELLED or not payment.due_cents:
        return render("shares/payment_received.html", payment=payment, form=None, status=409)
    if request.method == "GET":
        form = PaymentReceivedForm(formdata=None, amount_cents=payment.due_cents, effective_on=today(),
                                   seen_paid_cents=payment.paid_cents)
        return render("shares/payment_received.html", payment=payment, form=form)
    form = PaymentReceivedForm()
    if not form.validate_on_submit():
        return render("shares/payment_received.html", payment=payment, form=form, status=400)
    if request.form.get("confirmed") != "1":
        try:  # a date the money cannot have come on is said beside it, before the confirmation
            register.check_received_on(payment, form.effective_on.data)
        except DomainError as exc:
            say_refusal(form, exc, "effective_on")
            return render("shares/payment_received.html", payment=payment, form=form, status=exc.status)
        return render("shares/payment_received.html", payment=payment, form=form, confirming=True)
    try:
        with unit_of_work():
            register.record_payment_received(payment, form.amount_cents.data, on=form.effective_on.data,
                                             how=form.how.data, seen_paid_cents=form.seen_paid_cents.data,
                                             actor=_actor())
    except DomainError as exc:
        payment = db.session.get(PaymentRequest, request_id)
        say_refusal(form, exc, "effective_on" if isinstance(exc, (FutureDate, ReceivedBeforeAsked, MemberLeftMoney))
                    else None)
        form.seen_paid_cents.data = payment.paid_cents  # the page shows what is paid now: staff decide again
        return render("shares/payment_received.html", payment=payment, form=form, status=exc.status)
    flash(_("%(amount)s received for %(reference)s is recorded.", amount=euros(form.amount_cents.data),
            reference=payment.formatted_reference), "success")
    return redirect(url_for("shares.member_detail", member_id=payment.member_id, _anchor="requests"))


# ------------------------------------------------------------------------------------------------
# The renewal campaign's letters and lapses (from the renewal campaign page)
# ------------------------------------------------------------------------------------------------

@bp.route("/staff/renewal/<int:year>/letters", methods=["POST"])
@permission_required(can_send_renewal_letters)
def send_renewal_letters(year: int):
    if year != today().year:  # a campaign is for the year it runs in: the page offers no other
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        due = renewal.start_campaign(year, actor=_actor())
    if not due.total:
        flash(_("No letter is due today: nothing was sent."), "info")
        return redirect(url_for("shares.staff_renewal", year=year, _anchor="letters"))
    renewal.send_in_background(year)
    flash(ngettext("%(num)d letter is being sent.", "%(num)d letters are being sent.", due.total), "success")
    return redirect(url_for("shares.staff_renewal", year=year, sending=1, _anchor="letters"))


@bp.route("/staff/renewal/<int:year>/lapses", methods=["POST"])
@permission_required(can_record_lapses)
def record_lapses(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        result = renewal.record_lapses(year, actor=_actor())
    flash(ngettext("%(num)d member recorded as lapsed.", "%(num)d members recorded as lapsed.", result.lapsed),
          "success")
    return redirect(url_for("shares.staff_renewal", year=year, _anchor="lapsed"))


# ------------------------------------------------------------------------------------------------
# The register as a file, made in the background
# ------------------------------------------------------------------------------------------------

@bp.route("/staff/register/exports", methods=["POST"])
@permission_required(can_export_register)
def request_register_export():
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        export = exports.request_export(form.on.data, form.format.data, actor=_actor(), language=str(get_locale()))
    exports.start_in_background(export.id)
    return redirect(url_for("shares.register_export", export_id=export.id))


@bp.route("/staff/register/exports/<int:export_id>")
@permission_required(can_export_register)
def register_export(export_id: int):
    export = db.get_or_404(RegisterExport, export_id)
    with unit_of_work():  # a job whose worker stopped mid-run is marked failed, so staff can start another
        exports.fail_stalled()
    db.session.refresh(export)
    again = ExportForm(formdata=None, data={"on": export.as_of, "format": export.format})
    return render("shares/register_export.html", "shares/_partials/export_status.html", export=export,
                  running=export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING), again=again,
                  stale_minutes=int(exports.stale_limit().total_seconds() // 60))


@bp.route("/staff/register/exports/<int:export_id>/download")
@permission_required(can_export_register)
def download_register_export(export_id: int):
    export = db.get_or_404(RegisterExport, export_id)
    if export.status is not ExportStatus.DONE:
        abort(404)
    path = exports.export_path(export)
    if not path.exists():
        abort(404)
    response = send_file(path, as_attachment=True, download_name=exports.download_name(export),
                         mimetype="application/pdf" if export.format == "pdf" else "text/csv")
    response.headers["Cache-Control"] = "no-store"
    return response
