"""Pages for anyone, signed in or not: the "become a member" form and the page that follows it."""
from __future__ import annotations

import time

from flask import Response, current_app, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import get_locale

from app.errors import DomainError, error_message
from app.extensions import limiter
from app.uow import unit_of_work
from app.web import format_day
from shares import admission, documents, errors
from shares.forms import ApplicationForm
from shares.models import Category, MemberKind
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
    if isinstance(exc, (errors.IdentityInRegister, admission.FormerMemberNumber)):
        field = form.enterprise_number if form.kind.data == "legal" else form.national_number
    else:
        field = form.email if exc.status == 409 else form.shares
    if staff and isinstance(exc, errors.DuplicateEmail):
        field.errors.append(_("Another account already uses this e-mail address: search the members for it."))
        return
    if staff and isinstance(exc, errors.ExcludedIdentity):
        field.errors.append(_("%(name)s (member %(number)s) has this number and was excluded on %(date)s: only the "
                              "board can admit this person again. If the board has decided to readmit them, enter "
                              "the date and reference of its decision below and send the form again.",
                              name=exc.holder.name, number=exc.holder.number, date=format_day(exc.on)))
        return
    if staff and isinstance(exc, errors.IdentityInRegister):
        field.errors.append(number_held_words(exc))
        return
    if staff and isinstance(exc, (admission.DecisionRequired, errors.FutureDate, errors.ReadmissionBeforeExclusion,
                                  errors.NoOneToReadmit)):
        form.readmission_on.errors.append(error_message(exc))
        return
    field.errors.append(error_message(exc))


def number_held_words(exc: errors.IdentityInRegister) -> str:
    """To staff, whose number it is (the public form never says it)."""
    return _("%(name)s (member %(number)s) already has this number: one person is one member.",
             name=exc.holder.name, number=exc.holder.number)


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
# Every application sent counts (a sent form redirects, whether it created an application or only a mail
# to the address typed: see admission.join); a form sent back for a typing mistake (400) does not use up
# the limit.
@limiter.limit(_rate_limit, methods=["POST"], on_breach=_too_many_applications,
               deduct_when=lambda response: response.status_code in (302, 409))
def apply():
    form = ApplicationForm()
    if form.is_submitted() and form.validate():
        started = time.monotonic()
        try:
            try:
                _join(form)
            except admission.JoinRaced:  # another form landed meanwhile (two tabs): once more, it sees it now
                _join(form)
        except DomainError as exc:  # a conflict of the moment that lasts: said, nothing kept
            if isinstance(exc, admission.JoinRaced):
                return _join_page(form, exc.status, error_message(exc))
            application_refused(form, exc)
            return _join_page(form, exc.status)
        # The same answer, after the same time, whoever the address and the number belong to.
        time.sleep(max(0.0, current_app.config["LOGIN_ANSWER_SECONDS"] - (time.monotonic() - started)))
        session["join_email"] = form.email.data.strip().lower()
        return redirect(url_for("shares.application_received"))
    return _join_page(form, 400 if form.errors else 200)


def _join(form: ApplicationForm) -> None:
    with unit_of_work():
        admission.join(email=form.email.data, kind=MemberKind(form.kind.data), category=Category(form.category.data),
                       shares=form.shares.data, language=form.language.data, **application_fields(form))


@bp.route("/join/received")
def application_received():
    """Check your mailbox: the same page for every form sent, whether it made an application or not
    (what to pay, and the QR code, are in the mail and on My payments once signed in)."""
    email = session.get("join_email")
    if not email:
        return redirect(url_for("shares.apply"))
    return render_template("shares/join_received.html", email=email,
                           decision=admission.admission_mode() == "decision")
