"""Pages for anyone, signed in or not: the "become a member" form and what it asks to pay."""
from __future__ import annotations

from flask import Response, current_app, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import get_locale

from app.auth.services import request_login_link
from app.errors import DomainError, error_message
from app.extensions import db, limiter
from app.jobs import public_url
from app.mail import queue_mail
from app.uow import unit_of_work
from shares import admission, documents, errors, payments
from shares.forms import ApplicationForm
from shares.labels import coop_iban_text
from shares.models import Category, MemberKind, MembershipApplication
from shares.settings import share_price_cents
from shares.views.blueprint import bp

APPLICATION_FIELDS = ("first_name", "last_name", "legal_name", "street", "postcode", "city", "country",
                      "national_number", "enterprise_number")


def _rate_limit() -> str:
    return current_app.config.get("ADMISSION_RATE_LIMIT", "5 per hour")


def application_fields(form) -> dict:
    legal = form.kind.data == "legal"
    values = {name: getattr(form, name).data for name in APPLICATION_FIELDS}
    if legal:
        values.update(first_name=None, last_name=None, national_number=None)
    else:
        values.update(legal_name=None)
    return values


def application_refused(form, exc: DomainError, staff: bool = False) -> None:
    """Where an application's refusal is said: beside the national or enterprise number another
    membership holds, beside the e-mail address another account uses, else beside the shares. To
    staff, an address in use is said of the account, not as advice to the applicant."""
    if isinstance(exc, errors.IdentityInRegister):
        field = form.enterprise_number if form.kind.data == "legal" else form.national_number
    else:
        field = form.email if exc.status == 409 else form.shares
    if staff and isinstance(exc, errors.DuplicateEmail):
        field.errors.append(_("Another account already uses this e-mail address: search the members for it."))
        return
    if staff and isinstance(exc, errors.IdentityInRegister):
        field.errors.append(_("%(name)s (member %(number)s) already has this number: one person is one member.",
                              name=exc.holder.name, number=exc.holder.number))
        return
    field.errors.append(error_message(exc))


def _join_page(form: ApplicationForm, status: int = 200, problem: str | None = None) -> Response:
    prices = {c.value: share_price_cents(c) for c in Category}
    return make_response(render_template("shares/join.html", form=form, prices=prices, problem=problem,
                                         in_force=documents.in_force(str(get_locale()))), status)


def _too_many_applications(_limit) -> Response:
    """Over the limit, the form comes back as it was typed, with the reason (the generic 429 page
    would lose it); nothing is stored."""
    return _join_page(ApplicationForm(), 429, _("Too many applications from this connection in a short time. "
                                                "Your form is below: send it again in a while."))


@bp.route("/join", methods=["GET", "POST"])
# Applications count (a sent form redirects), and so do refusals that say an address or a number is taken
# (409), which would otherwise let anyone test the register's addresses and numbers without end; a form
# sent back for a typing mistake (400) does not use up the limit.
@limiter.limit(_rate_limit, methods=["POST"], on_breach=_too_many_applications,
               deduct_when=lambda response: response.status_code in (302, 409))
def apply():
    form = ApplicationForm()
    if not form.is_submitted():
        form.language.data = str(get_locale())
    if form.is_submitted() and form.validate():
        try:
            with unit_of_work():
                application = admission.apply(email=form.email.data, kind=MemberKind(form.kind.data),
                                              category=Category(form.category.data), shares=form.shares.data,
                                              language=form.language.data, **application_fields(form))
                _mail_application(application)
        except DomainError as exc:
            application_refused(form, exc)
            return _join_page(form, exc.status)
        session["application_id"] = application.id
        return redirect(url_for("shares.application_received"))
    return _join_page(form, 400 if form.errors else 200)


def _mail_application(application: MembershipApplication) -> None:
    member, request = application.member, application.payment_request
    queue_mail(member.email, member.language, "application_received", member=member, request=request,
               shares=application.shares, amount_cents=request.amount_cents,
               reference=request.formatted_reference, iban=coop_iban_text(),
               coop_name=current_app.config.get("COOP_NAME", ""), link=public_url(url_for("shares.my_payments")),
               decision=admission.admission_mode() == "decision")
    request_login_link(member.email)


@bp.route("/join/received")
def application_received():
    """What to pay, right after applying (the application is remembered in this browser's session only)."""
    application = db.session.get(MembershipApplication, session.get("application_id") or 0)
    if application is None:
        return redirect(url_for("shares.apply"))
    request = application.payment_request
    qr = payments.request_qr_svg(request, label=_("QR code to pay your shares with a banking app"))
    return render_template("shares/join_received.html", application=application, request=request, qr=qr,
                           decision=admission.admission_mode() == "decision")
