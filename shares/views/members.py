"""Members' own register pages, certificate verification, the staff request queue, renewal status, dashboard.

Routes are added to the ``shares`` blueprint (``shares/views/__init__.py`` imports every module)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.authz import permission_required
from app.clock import today, utcnow
from app.errors import DomainError, error_message
from app.extensions import db
from app.uow import unit_of_work
from app.registry import Task
from app.web import format_day, number, render
from shares import admission, certificates, charts, extracts, member_requests, payments, register, renewal, standing
from shares.admission import application_for
from shares.errors import IdentityInRegister, LegalPersonInCategoryA
from shares.forms import (ApplyAgainForm, BuySharesForm, CategoryRequestForm, ConfirmForm, DecisionForm,
                          ResignationRequestForm)
from shares.labels import coop_iban_text, iban_text
from shares.models import ApplicationStatus, Category, MemberRequest, MemberRequestKind, PaymentRequest, PaymentStatus
from shares.pdf import pdf_response
from shares.permissions import (can_cancel_own_purchase, can_decide_member_requests, can_view_dashboard,
                                can_view_renewal_campaign, is_member)
from shares.queries import member_for_account, membership_of_account
from shares.settings import share_price_cents
from shares.views.blueprint import bp, own_member, row_or_404

OPEN_STATUSES = (PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)


error_text = error_message  # one registry for every shares error (shares/messages.py)


# ------------------------------------------------------------------------------------------------
# My shares, my payments
# ------------------------------------------------------------------------------------------------

@bp.route("/me/shares")
@permission_required(is_member)
def my_shares():
    return _my_shares_page(own_member())


def _my_shares_page(member, status: int = 200):
    on = today()
    entries = register.member_entries(member)
    application = application_for(member.id)
    if application is not None and application.status is ApplicationStatus.ADMITTED:
        application = None  # a member: the register speaks for itself
    reapply = admission.reapply_refusal(member)
    return render_template("shares/me/shares.html", member=member, holding=register.holding(member, on),
                           entries=entries, ahead=register.paid_ahead(entries),
                           reasons=standing.standing_reasons(member, on),
                           pending=member_requests.member_pending(member), year=on.year, application=application,
                           received=admission.received_before_admission(application),
                           decided=member_requests.recently_decided(member),
                           can_withdraw=application is not None and admission.withdrawal_refusal(application) is None,
                           can_apply_again=reapply is None,
                           # A former member not offered Apply again is told why (money to settle, the board).
                           reapply_refused=error_message(reapply) if isinstance(
                               reapply, (admission.EarlierMoneyPending, admission.MembershipEnded)) else None,
                           renewal=renewal_standing(member, on.year), withdraw_form=ConfirmForm(),
                           earlier_left_on=member.earlier and register.holding(member.earlier, on).left_on), status


@bp.route("/me/payments")
@permission_required(is_member)
def my_payments():
    member = own_member()
    requests = register.member_requests(member)
    left = register.exit_in_force(member.id)  # money paid now would be paid back: nothing invites paying
    ahead = payments.credited_ahead_ids(requests)
    qr = {} if left else {r.id: payments.request_qr_svg(r, label=_("QR code to pay %(reference)s with a banking app",
                                                                 reference=r.formatted_reference))
                          for r in requests if r.status in OPEN_STATUSES and r.id not in ahead}
    return render_template("shares/me/payments.html", member=member, requests=requests, qr=qr, left=left,
                           ahead=ahead, iban=coop_iban_text())


@bp.route("/me/payments/<int:request_id>/cancel", methods=["GET", "POST"])
@permission_required(is_member)
def cancel_my_purchase(request_id: int):
    """A member takes back a purchase of shares they have not paid: a confirmation first (the register
    keeps the subscription and its correction)."""
    payment = row_or_404(PaymentRequest, request_id)
    if payment.member.account_id != current_user.id:
        abort(404)  # another member's request is not even said to exist
    form = ConfirmForm()
    if not can_cancel_own_purchase(current_user, payment):
        return render_template("shares/confirm_cancel_request.html", payment=payment, form=form, own=True,
                               cancellable=False), 409
    if form.validate_on_submit():
        try:
            with unit_of_work():
                register.cancel_unpaid_request(payment, reason=_("Purchase cancelled by the member before payment."),
                                               actor=current_user)
        except DomainError as exc:  # paid, or cancelled by staff, since the page was shown
            flash(error_text(exc), "error")
            return render_template("shares/confirm_cancel_request.html", payment=payment, form=form, own=True,
                                   cancellable=False), exc.status
        flash(ngettext("Your purchase of %(num)d share is cancelled.", "Your purchase of %(num)d shares is cancelled.",
                       payment.shares), "success")
        return redirect(url_for("shares.my_shares"))
    return render_template("shares/confirm_cancel_request.html", payment=payment, form=form, own=True,
                           cancellable=True)


# ------------------------------------------------------------------------------------------------
# Certificate
# ------------------------------------------------------------------------------------------------

@bp.route("/me/certificate.pdf")
@permission_required(is_member)
def my_certificate():
    return certificate_response(own_member())


def certificate_response(member, staff: bool = False):
    """This year's certificate of ``member`` (the same one however often it is asked for), or why there
    is none: for the member themself, or for staff on the member's page."""
    on = today()
    try:
        with unit_of_work():
            certificate = certificates.issue(member, on, register.holding(member, on).shares)
    except certificates.CertificateUnavailable as exc:
        return render_template("shares/me/certificate_unavailable.html", reasons=exc.reasons, year=on.year,
                               member=member, staff=staff), 409
    # Staff hand the member their own document: in the member's language, not the staff member's.
    pdf = certificates.render_certificate_pdf(certificate, member.language if staff else None)
    return pdf_response(pdf, certificates.filename(certificate))


@bp.route("/me/register-extract.pdf")
@permission_required(is_member)
def my_register_extract():
    return extracts.extract_response(own_member())


@bp.route("/me/register-extract/<int:number>.pdf")
@permission_required(is_member)
def my_earlier_register_extract(number: int):
    """The extract of an earlier membership of the signed-in person (one that ended before they applied
    again): its resignation and refund stay theirs to show. Another person's number is a 404."""
    member = membership_of_account(current_user.id, number)
    if member is None:
        abort(404)
    return extracts.extract_response(member)


@bp.route("/certificates/<token>")
def verify_certificate(token: str):
    certificate = certificates.read_token(token)
    if certificate is None:
        return render_template("shares/me/certificate_verify.html", certificate=None), 404
    return render_template("shares/me/certificate_verify.html", certificate=certificate,
                           lines=certificates.statements(certificate), now=certificates.holding_now(certificate))


# ------------------------------------------------------------------------------------------------
# Requests: buy shares, change category, resign
# ------------------------------------------------------------------------------------------------

def _no_membership(member, position):
    """The page instead of a member's form (more shares, a category, resigning) for someone it is not
    for: a member who left, or an applicant not admitted (waiting, refused or withdrawn); else None."""
    status = 200 if request.method == "GET" else 422
    if position.left is not None:
        return render_template("shares/me/ended.html", position=position), status
    refusal = admission.not_admitted(member)
    if refusal is not None:
        return render_template("shares/me/not_admitted.html", reason=error_text(refusal)), status
    return None


@bp.route("/me/shares/buy", methods=["GET", "POST"])
@permission_required(is_member)
def buy_shares():
    member = own_member()
    position = register.holding(member)
    refused = _no_membership(member, position)
    if refused is not None:
        return refused
    form = BuySharesForm()
    price = share_price_cents(position.category or member.category)
    if not form.is_submitted():
        form.version.data = member.version
    if form.validate_on_submit():
        try:
            with unit_of_work():
                payment = member_requests.buy_shares(member, form.shares.data, actor=current_user,
                                                     seen_version=form.version.data)
        except DomainError as exc:
            form.shares.errors.append(error_text(exc))
            return render_template("shares/me/buy.html", form=form, price=price), exc.status
        if payment is None:  # the statutes want a decision first
            flash(_("Your request is sent. Once it is approved, you will find the payment request under My payment requests."),
                  "success")
            return redirect(url_for("shares.my_shares"))
        flash(_("Your subscription is recorded. Pay it with the QR code or the structured communication below."),
              "success")
        return redirect(url_for("shares.my_payments", _anchor=f"request-{payment.id}"))
    return render_template("shares/me/buy.html", form=form, price=price), 400 if form.errors else 200


@bp.route("/me/category", methods=["GET", "POST"])
@permission_required(is_member)
def request_category_change():
    member = own_member()
    position = register.holding(member)
    refused = _no_membership(member, position)
    if refused is not None:
        return refused
    current = position.category or member.category
    form = CategoryRequestForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                member_requests.request_category_change(member, Category(form.category.data), actor=current_user)
        except DomainError as exc:
            form.category.errors.append(error_text(exc))
            return render_template("shares/me/category.html", form=form, current=current), exc.status
        flash(_("Your request is sent. Staff will decide on it and you will see the result on My shares."), "success")
        return redirect(url_for("shares.my_shares"))
    return render_template("shares/me/category.html", form=form, current=current), 400 if form.errors else 200


@bp.route("/me/resign", methods=["GET", "POST"])
@permission_required(is_member)
def request_resignation():
    member = own_member()
    position = register.holding(member)
    refused = _no_membership(member, position)
    if refused is not None:
        return refused
    waiting = member_requests.member_pending(member).get(MemberRequestKind.RESIGN)
    if waiting is not None and request.method == "GET":  # asked already: said, rather than a form refused later
        return render_template("shares/me/resign.html", waiting=waiting, member=member)
    form = ResignationRequestForm()
    if not form.is_submitted() and member.iban:
        form.iban.data = iban_text(member.iban)
    valid = form.validate_on_submit()
    if form.is_submitted() and not form.confirm.errors and (form.confirm.data or "").strip() != str(member.number):
        # Said with the form's other mistakes at once, not on the next try.
        form.confirm.errors = [*form.confirm.errors, _("This is not your member number (%(number)s).",
                                                        number=member.number)]
        valid = False
    if valid:
        try:
            with unit_of_work():
                member_requests.request_resignation(member, reason=form.reason.data or "", repay_to=form.iban.data,
                                                    actor=current_user)
        except DomainError as exc:
            form.confirm.errors.append(error_text(exc))
            return render_template("shares/me/resign.html", form=form, member=member), exc.status
        flash(_("Your resignation request is sent. Staff will confirm it; your shares are then repaid at "
                "their nominal value."), "success")
        return redirect(url_for("shares.my_shares"))
    return render_template("shares/me/resign.html", form=form, member=member), 400 if form.errors else 200


@bp.route("/me/requests/<int:request_id>/withdraw", methods=["POST"])
@permission_required(is_member)
def withdraw_request(request_id: int):
    """A member takes back their own request while staff have not decided it (asking again is possible)."""
    member_request = row_or_404(MemberRequest, request_id)
    if member_request.member.account_id != current_user.id:
        abort(404)  # another member's request is not even said to exist
    return _confirmed_on_my_shares(own_member(), lambda: member_requests.withdraw(member_request, actor=current_user),
                                   _("Your request is withdrawn."))


@bp.route("/me/application/withdraw", methods=["POST"])
@permission_required(is_member)
def withdraw_application():
    """The applicant takes their application back before paying (confirmed on My shares)."""
    member = own_member()
    application = application_for(member.id)
    if application is None:
        abort(404)  # a member entered by staff: no application of theirs to withdraw
    return _confirmed_on_my_shares(member, lambda: admission.withdraw(application, actor=current_user),
                                   _("Your application is withdrawn: nothing is to be paid."))


@bp.route("/me/application/new", methods=["GET", "POST"])
@permission_required(is_member)
def apply_again():
    """An applicant whose application ended (refused or withdrawn), or a former member who resigned,
    applies again with their account: a new application (for a former member, a new membership), what to
    pay by mail and on My payments. Offered on My shares only when it would be taken
    (``admission.reapply_refusal``); otherwise the page says why."""
    member = own_member()
    refusal = admission.reapply_refusal(member)
    if refusal is not None:
        return render_template("shares/me/apply_again.html", member=member, form=None, reason=error_text(refusal),
                               prices={}), 200 if request.method == "GET" else refusal.status
    left_on = register.holding(member).left_on
    form = ApplyAgainForm()
    if not form.is_submitted():
        form.category.data = member.category.value
    prices = {c.value: share_price_cents(c) for c in Category}
    if form.validate_on_submit():
        try:
            with unit_of_work():
                application = admission.apply_again(member, shares=form.shares.data,
                                                    category=Category(form.category.data), actor=current_user)
                admission.mail_application(application, sign_in_link=False)
        except DomainError as exc:  # the category a company cannot take, or what changed meanwhile
            if isinstance(exc, (admission.ApplicationOpen, admission.NothingToApplyFor, admission.MembershipEnded,
                                admission.EarlierMoneyPending)):
                # another tab applied (or the membership changed) meanwhile: the reason alone, no form
                return render_template("shares/me/apply_again.html", member=member, form=None,
                                       reason=error_text(exc), prices={}), exc.status
            if isinstance(exc, LegalPersonInCategoryA):
                form.category.errors.append(error_text(exc))
            elif isinstance(exc, IdentityInRegister):
                flash(_("Another membership has this number: check it on your profile, or contact the "
                        "cooperative."), "error")
            else:
                flash(error_text(exc), "error")
            return render_template("shares/me/apply_again.html", member=member, form=form, reason=None,
                                   prices=prices, left_on=left_on), exc.status
        flash(_("Your new application is recorded. Pay your shares with the QR code or the structured "
                "communication below."), "success")
        return redirect(url_for("shares.my_payments", _anchor=f"request-{application.payment_request_id}"))
    return render_template("shares/me/apply_again.html", member=member, form=form, reason=None,
                           prices=prices, left_on=left_on), 400 if form.errors else 200


def _confirmed_on_my_shares(member, step, done: str):
    """A step the member confirmed on My shares: done and said, or refused and said on My shares."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            step()
    except DomainError as exc:
        flash(error_text(exc), "error")
        return _my_shares_page(member, exc.status)
    flash(done, "success")
    return redirect(url_for("shares.my_shares"))


# ------------------------------------------------------------------------------------------------
# Staff: the request queue
# ------------------------------------------------------------------------------------------------

@bp.route("/staff/requests")
@permission_required(can_decide_member_requests)
def staff_requests():
    return render_template("shares/me/staff_requests.html", requests=member_requests.pending_requests(),
                           form=DecisionForm())


@bp.route("/staff/requests/<int:request_id>/<any(approve, refuse):decision>", methods=["POST"])
@permission_required(can_decide_member_requests)
def decide_request(request_id: int, decision: str):
    member_request = db.get_or_404(MemberRequest, request_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            member_requests.decide(member_request, approve=decision == "approve", actor=current_user,
                                   note=form.note.data or "")
    except DomainError as exc:
        flash(error_text(exc), "error")
        return render_template("shares/me/staff_requests.html", requests=member_requests.pending_requests(),
                               form=form), exc.status
    flash(_("Request approved: the register is updated.") if decision == "approve" else _("Request refused."),
          "success")
    return redirect(url_for("shares.staff_requests"))


# ------------------------------------------------------------------------------------------------
# Renewal on the home page
# ------------------------------------------------------------------------------------------------

def renewal_standing(member, year: int) -> dict | None:
    """Where the member's renewal for ``year`` stands: its request, whether it is unpaid (money credited
    to it before its letter went is not asked yet: ``ahead``), and the day an unpaid one lapses (once the
    last reminder went); None when there is none to pay, or the member has left (a renewal paid before
    the exit renews nothing any more)."""
    request_ = renewal.renewal_request_for(member.id, year)
    if request_ is None or request_.status is PaymentStatus.CANCELLED or register.exit_in_force(member.id):
        return None
    ahead = payments.credited_ahead(request_)
    unpaid = request_.status in OPEN_STATUSES and not ahead
    lapses_on = renewal.lapses_on(member.id, year) if unpaid else None
    return {"renewal": request_, "year": year, "unpaid": unpaid, "ahead": ahead, "lapses_on": lapses_on,
            "lapsed": lapses_on is not None and lapses_on <= today()}


def renewal_context(member, year: int) -> dict | None:
    """The renewal box's: where the renewal stands, and the QR code that pays it while unpaid."""
    context = renewal_standing(member, year)
    if context is not None:
        context["qr"] = (payments.request_qr_svg(context["renewal"], label=_("QR code to pay your renewal with a "
                                                                              "banking app"))
                         if context["unpaid"] else None)
    return context


def renewal_tasks(account) -> list[Task]:
    """The home page's renewal box: urgent while unpaid, a thank-you once paid."""
    member = member_for_account(account.id)
    if member is None:
        return []
    context = renewal_context(member, today().year)
    if context is None:
        return []
    return [Task(title=_("Membership %(year)s", year=context["year"]), url=url_for("shares.renewal_status"),
                 count=1 if context["unpaid"] else 0, urgency=10 if context["unpaid"] else 80, template="shares/me/_renewal_home.html", context=context)]


@bp.route("/me/renewal/status")
@permission_required(is_member)
def renewal_status():
    member = own_member()
    year = today().year
    context = renewal_context(member, year) or {"renewal": None, "year": year, "unpaid": False}
    return render("shares/me/renewal.html", "shares/me/_renewal_box.html", context=context)


# ------------------------------------------------------------------------------------------------
# Staff: renewal campaign status and the dashboard
# ------------------------------------------------------------------------------------------------

@bp.route("/staff/renewal")
@permission_required(can_view_renewal_campaign)
def staff_renewal():
    year = request.args.get("year", type=int) or today().year
    if not 2000 <= year <= 2100:
        abort(404)
    status = renewal.campaign_status(year)
    letters = renewal.letters_due(year) if year == today().year else None  # a campaign runs in its own year
    return render_template("shares/staff_renewal.html", year=year, status=status, letters=letters,
                           sending=bool(letters and letters.total and request.args.get("sending")),
                           reminder_days=current_app.config["RENEWAL_REMINDER_DAYS"],
                           amount_cents=renewal.renewal_amount_cents(),
                           years=sorted(set(renewal.campaign_years()) | {today().year}, reverse=True),
                           chart=renewal_progress_chart(year, status), lapsed=renewal.lapsed_members(year),
                           lapsed_count=renewal.lapsed_count(year),
                           lapse_due=len(renewal.lapse_candidates(year, utcnow())),
                           grace_days=current_app.config["RENEWAL_GRACE_DAYS"])


def renewal_progress_chart(year: int, status: renewal.CampaignStatus) -> charts.Chart | None:
    per_day = renewal.paid_per_day(year)
    if not status.sent:
        return None
    # One point a day, days without a payment included, so that the line's slope is the pace in time.
    counts = dict(per_day)
    labels, paid, total = [], [], 0
    day, last = min(counts, default=today()), max([today(), *counts])
    while day <= last:
        total += counts.get(day, 0)
        labels.append(format_day(day, "d MMM"))
        paid.append(total)
        day += timedelta(days=1)
    return charts.line_chart(
        _("Renewals paid for %(year)s", year=year),
        _("Cumulative number of renewals paid for %(year)s, day by day, against the %(sent)s requests sent.",
          year=year, sent=number(status.sent)),
        labels, [charts.Series(_("Paid"), paid), charts.Series(_("Requests sent"), [status.sent] * len(labels))])


DASHBOARD_YEARS = 6


@bp.route("/staff/dashboard")
@permission_required(can_view_dashboard)
def staff_dashboard():
    on = today()
    totals = register.totals(on)
    years = list(range(on.year - DASHBOARD_YEARS + 1, on.year + 1))
    history = [register.totals(min(date(y, 12, 31), on)) for y in years]
    labels = [str(y) for y in years]
    members_chart = charts.bar_chart(
        _("Members per category"), _("Members holding shares at the end of each year, by category."), labels,
        [charts.Series(_("Category %(category)s", category=c.value), [h[c].members for h in history])
         for c in Category])
    capital_chart = charts.bar_chart(
        _("Capital per category (EUR)"), _("Share capital paid up at the end of each year, by category, in euros."),
        labels, [charts.Series(_("Category %(category)s", category=c.value), [h[c].paid_cents / 100 for h in history])
                 for c in Category])
    status = renewal.campaign_status(on.year)
    return render_template("shares/dashboard.html", on=on, totals=totals, members_chart=members_chart,
                           capital_chart=capital_chart, status=status,
                           renewal_chart=renewal_progress_chart(on.year, status))

