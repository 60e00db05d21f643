"""Staff screens: a member's register page and its actions, the register as of a date (HTML, PDF,
CSV), the statement import and the unmatched-payment queue. Thin handlers: parse, check one
predicate, call one service, commit once, render."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import clock
from app.authz import permission_required
from app.csvexport import csv_response
from app.errors import DomainError, error_message
from app.extensions import db
from app.uow import unit_of_work
from app.web import format_day, render
from shares import bank, errors, register
from shares.admission import application_for
from shares.labels import entry_label
from shares import forms
from shares.errors import StatementError
from shares.models import BankTransaction, Category, EntryKind, Member, PaymentRequest, QUEUE_STATUSES
from shares.permissions import (can_import_statements, can_keep_register, can_resolve_payments, can_view_member,
                                can_view_register)
from shares.views.blueprint import bp

REGISTER_PAGE_SIZE = 100

STATEMENT_ERRORS = {
    "not_xml": lambda: _("This file is not XML. Export the statement as camt.053 (XML) from the bank."),
    "not_camt053": lambda: _("This is not a camt.053 bank statement."),
    "truncated": lambda: _("This file is incomplete (cut short). Download it again from the bank."),
    "unknown_account": lambda: _("This statement is for an account that is not the cooperative's."),
    "invalid": lambda: _("This statement has an invalid amount, date or entry."),
}


error_text = error_message  # one registry for every shares error (shares/messages.py)


# ------------------------------------------------------------------------------------------------
# The member's register page and its actions
# ------------------------------------------------------------------------------------------------

# Actions that cannot be undone (only corrected by a new entry): a confirmation page comes first.
CONFIRM_ACTIONS = ("transfer", "redeem", "resign", "exclude", "correct")

ACTIONS = {
    "subscribe": forms.SubscribeForm, "transfer": forms.TransferForm, "category": forms.CategoryForm,
    "redeem": forms.RedeemForm, "resign": forms.ResignForm, "exclude": forms.ExcludeForm,
    "correct": forms.CorrectionForm, "match": forms.MemberMatchForm,
}


def _member_page(member: Member, bound: dict | None = None, status: int = 200):
    entries = register.member_entries(member)
    requests_ = register.member_requests(member)
    queue = list(db.session.scalars(bank.queue_statement().limit(50)))
    today = clock.today()
    action_forms = {}
    for name, cls in ACTIONS.items():
        form = (bound or {}).get(name) or cls(formdata=None)
        if hasattr(form, "effective_on") and form.effective_on.data is None:
            form.effective_on.data = today
        action_forms[name] = form
    action_forms["correct"].entry_id.choices = [
        SelectChoice(e.id, f"#{e.id} · {format_day(e.effective_on, 'medium')} · {entry_label(e)}")
        for e in entries if e.kind is not EntryKind.CORRECTION]
    action_forms["match"].transaction_id.choices = [
        SelectChoice(t.id, f"{t.booking_date} {t.amount_cents / 100:.2f} EUR {t.counterparty_name}") for t in queue]
    position = register.holding(member, today)
    application = application_for(member.id)
    applicant = application is not None and application.status in register.PENDING_APPLICATION
    return render_template("shares/member_detail.html", member=member, entries=entries, requests=requests_,
                           position=position, forms=action_forms, today=today, application=application,
                           status="applicant" if applicant and not position.shares else position.status), status


@bp.route("/staff/members/<int:member_id>")
@permission_required(can_view_register)
def member_detail(member_id: int):
    member = db.get_or_404(Member, member_id)
    if not can_view_member(current_user, member):
        abort(403)
    return _member_page(member)


@bp.route("/staff/members/<int:member_id>/register/<action>", methods=["POST"])
@permission_required(can_keep_register)
def member_action(member_id: int, action: str):
    member = db.get_or_404(Member, member_id)
    if action not in ACTIONS:
        abort(404)
    form = ACTIONS[action]()
    if action == "correct":
        form.entry_id.choices = [SelectChoice(e.id, str(e.id)) for e in register.member_entries(member)]
    if action == "match":
        form.transaction_id.choices = [SelectChoice(t.id, str(t.id)) for t in db.session.scalars(bank.queue_statement())]
    if not form.validate_on_submit():
        return _member_page(member, {action: form}, 400)
    if action in CONFIRM_ACTIONS and request.form.get("confirmed") != "1":
        # Irreversible: first say what will happen, and ask again (a page: works without JavaScript).
        return render_template("shares/confirm_action.html", member=member, action=action, form=form,
                               position=register.holding(member, clock.today()))
    try:
        with unit_of_work():
            message = _perform(action, member, form)
    except DomainError as exc:
        member = db.session.get(Member, member_id)
        flash(error_text(exc), "error")
        return _member_page(member, {action: form}, exc.status)
    flash(message, "success")
    return redirect(url_for("shares.member_detail", member_id=member_id))


def _perform(action: str, member: Member, form) -> str:
    actor = current_user._get_current_object()
    if action == "subscribe":
        _entry, payment = register.subscribe(member, form.shares.data, on=form.effective_on.data, actor=actor)
        return _("Subscription recorded, to be paid with the structured communication %(ref)s.", ref=payment.formatted_reference)
    if action == "transfer":
        receiver = db.session.scalar(select(Member).where(Member.number == form.receiver_number.data))
        if receiver is None:
            raise errors.UnknownMember()
        register.transfer(member, receiver, form.shares.data, on=form.effective_on.data,
                          board_decision_on=form.board_decision_on.data,
                          board_reference=form.board_reference.data, actor=actor)
        return _("Transfer recorded on both members.")
    if action == "category":
        register.change_category(member, Category(form.category.data), on=form.effective_on.data, actor=actor)
        return _("Category changed.")
    if action == "redeem":
        register.redeem(member, form.shares.data, on=form.effective_on.data, actor=actor)
        return _("Redemption recorded.")
    if action == "resign":
        register.resign(member, on=form.effective_on.data, actor=actor, note=form.note.data or "")
        return _("Resignation recorded.")
    if action == "exclude":
        register.exclude(member, on=form.effective_on.data, board_decision_on=form.board_decision_on.data,
                         board_reference=form.board_reference.data, actor=actor)
        return _("Exclusion recorded.")
    if action == "correct":
        entry = register.member_entry(member, form.entry_id.data)
        register.correct(entry, reason=form.reason.data, on=form.effective_on.data, shares=form.shares.data or 0,
                         capital_cents=form.capital_cents.data or 0, paid_cents=form.paid_cents.data or 0, actor=actor)
        return _("Correction recorded.")
    tx = db.session.get(BankTransaction, form.transaction_id.data)
    _resolve(tx, form, actor, member=member)
    return _("Payment matched.")


def _resolve(tx: BankTransaction, form, actor, member: Member | None = None) -> None:
    version = int(form.version.data or tx.version) if form.version.data else tx.version
    if form.action.data == "dismiss":
        bank.dismiss(tx, expected_version=version, reason=form.reason.data, actor=actor)
        return
    payment = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == form.reference.data))
    if payment is None or (member is not None and payment.member_id != member.id):
        raise errors.UnknownReference()
    bank.match_by_hand(tx, payment, expected_version=version, reason=form.reason.data, actor=actor)


# ------------------------------------------------------------------------------------------------
# The register as of a date: HTML, PDF, CSV
# ------------------------------------------------------------------------------------------------


@bp.route("/staff/register")
@permission_required(can_view_register)
def register_page():
    form = forms.RegisterDateForm(request.args)
    if not form.validate():
        return render_template("shares/register.html", form=form, rows=[], totals={}, on=None, page=1, pages=1), 400
    on = form.on.data or clock.today()
    fmt = request.args.get("format", "html")
    if fmt == "csv":
        return _register_csv(on)
    if fmt == "pdf":  # minutes for a full register: made by a background job, never in this request
        return redirect(url_for("shares.register_page", on=on.isoformat(), _anchor="files"), 303)
    if fmt != "html":
        abort(404)
    page = max(form.page.data or 1, 1)
    count = register.register_count(on)
    rows = register.register_rows(on, offset=(page - 1) * REGISTER_PAGE_SIZE, limit=REGISTER_PAGE_SIZE)
    export_form = forms.ExportForm(formdata=None, data={"on": on})
    return render("shares/register.html", "shares/_partials/register_rows.html", form=form, rows=rows, on=on,
                  totals=register.totals(on), page=page, pages=max((count - 1) // REGISTER_PAGE_SIZE + 1, 1),
                  count=count, export_form=export_form, date_keys=register.DATE_COLUMNS)


def _register_csv(on: date) -> Response:
    from shares.exports import register_csv_header, register_csv_rows

    return csv_response(f"register-{on.isoformat()}.csv", register_csv_header(), register_csv_rows(on))


# ------------------------------------------------------------------------------------------------
# Bank statements and the unmatched-payment queue
# ------------------------------------------------------------------------------------------------


@bp.route("/staff/payments/import", methods=["GET", "POST"])
@permission_required(can_import_statements)
def statement_import():
    form = forms.StatementForm()
    result, status = None, 200
    if form.validate_on_submit():
        upload = form.statement.data
        try:
            result = bank.import_statement(upload.read(), filename=upload.filename or "",
                                           actor=current_user._get_current_object())
        except StatementError as exc:
            db.session.rollback()
            form.statement.errors.append(STATEMENT_ERRORS.get(exc.reason, STATEMENT_ERRORS["invalid"])())
            status = 422
        else:
            db.session.commit()
    elif form.errors:
        status = 400
    return render_template("shares/statement_import.html", form=form, result=result,
                           queue_count=bank.queue_count()), status


@bp.route("/staff/payments/queue")
@permission_required(can_resolve_payments)
def payment_queue():
    rows = list(db.session.scalars(bank.queue_statement().options(*_queue_options()).limit(200)))
    return render_template("shares/payment_queue.html", rows=rows, total=bank.queue_count(),
                           forms={t.id: _match_form(t) for t in rows})


def _queue_options():
    from sqlalchemy.orm import joinedload
    return (joinedload(BankTransaction.payment_request).joinedload(PaymentRequest.member),)


def _match_form(tx: BankTransaction, form=None):
    form = form or forms.MatchForm(formdata=None, prefix=f"tx{tx.id}")
    form.version.data = form.version.data or tx.version
    if not form.reference.data and tx.payment_request is not None:
        form.reference.data = tx.payment_request.reference
    return form


@bp.route("/staff/payments/queue/<int:tx_id>", methods=["POST"])
@permission_required(can_resolve_payments)
def resolve_payment(tx_id: int):
    tx = db.get_or_404(BankTransaction, tx_id)
    form = forms.MatchForm(prefix=f"tx{tx.id}")
    status = 200
    if not form.validate_on_submit():
        status = 400
    elif tx.match_status not in QUEUE_STATUSES or tx.resolved_at is not None:
        form.form_errors.append(error_text(errors.TransactionAlreadyResolved()))
        status = 409
    else:
        try:
            _resolve(tx, form, current_user._get_current_object())
        except DomainError as exc:
            db.session.rollback()
            tx = db.session.get(BankTransaction, tx_id)
            form.form_errors.append(error_text(exc))
            status = exc.status
        else:
            db.session.commit()
            if status == 200 and not _wants_fragment():
                flash(_("Payment resolved."), "success")
                return redirect(url_for("shares.payment_queue"))
    return render("shares/payment_queue_row.html", "shares/_partials/queue_row.html", status=status,
                  tx=tx, form=_match_form(tx, form))


def _wants_fragment() -> bool:
    from app.web import wants_partial
    return wants_partial()
