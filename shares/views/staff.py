"""Staff screens: a member's register page and its actions, the register as of a date (HTML, PDF,
CSV), the statement import and the unmatched-payment queue. Thin handlers: parse, check one
predicate, call one service, commit once, render."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from app import clock, paging
from app.authz import permission_required
from app.csvexport import Euros, csv_response
from app.errors import DomainError, error_message, register_messages
from app.extensions import db
from app.forms import say_refusal
from app.registry import Task
from app.uow import dry_run, unit_of_work
from app.web import euros, format_day, render, wants_partial
from shares import admission, bank, errors, extracts, forms, payments, queries, register, standing
from shares import surplus as surpluses
from shares.admission import application_for, received_before_admission
from shares.errors import StatementError
from shares.labels import entry_label, iban_text, refund_account_text, refund_why, register_note, statement_problem
from shares.models import (ApplicationStatus, BankTransaction, Category, EntryKind, Member, PaymentRequest, PaymentStatus,
                           Surplus, SurplusKind)
from shares.permissions import (can_import_statements, can_keep_register, can_resolve_payments, can_view_member,
                                can_view_register)
from shares.services import later_membership
from shares.settings import share_price_cents
from shares.views.blueprint import bp, row_or_404
from shares.views.members import certificate_response

REGISTER_PAGE_SIZE = 50  # each member a short card on a phone

register_messages({
    errors.PaymentConflict: _l("Another payment of this request was recorded at the same moment. Try again."),
    errors.NotACredit: _l("Only money received in euros can pay a request. Set this one aside with a reason."),
    errors.SurplusAlreadyDecided: _l("Someone decided what becomes of this money first. Reload the page."),
    errors.SurplusTooSmall: _l("This amount does not buy one whole share."),
    errors.RefundAccountMissing: _l("A refund needs a valid IBAN to pay back to."),
    errors.NothingDue: lambda exc: _l("The renewal of %(year)s was cancelled: there is nothing to credit this money "
                                      "to.", year=exc.year) if exc.cancelled else _l(
        "The membership fee of %(year)s is already paid: there is nothing to credit.", year=exc.year),
    errors.StatementError: lambda exc: STATEMENT_ERRORS.get(exc.reason, STATEMENT_ERRORS["invalid"]),
})
STATEMENT_ERRORS = {
    "empty": _l("This file is empty. Export the statement again from the bank."),
    "not_xml": _l("This file is not XML. Export the statement as camt.053 (XML) from the bank."),
    "not_camt053": _l("This is not a camt.053 bank statement."),
    "truncated": _l("This file is incomplete (cut short). Download it again from the bank."),
    "unknown_account": _l("This statement is for an account that is not the cooperative's."),
    "no_account": _l("This statement does not say which account it is for."),
    "batch": _l("A batch entry of this statement does not add up: its payments are not the entry's amount."),
    "invalid": _l("This statement has an invalid amount, date or entry."),
}


# ------------------------------------------------------------------------------------------------
# The member's register page and its actions
# ------------------------------------------------------------------------------------------------

# Actions that cannot be undone (only corrected by a new entry): a confirmation page comes first.
CONFIRM_ACTIONS = ("subscribe", "transfer", "redeem", "resign", "exclude", "readmit", "correct")

ACTIONS = {
    "subscribe": forms.SubscribeForm, "transfer": forms.TransferForm, "category": forms.CategoryForm,
    "redeem": forms.RedeemForm, "resign": forms.ResignForm, "exclude": forms.ExcludeForm,
    "readmit": forms.ReadmitForm, "correct": forms.CorrectionForm, "match": forms.MemberMatchForm,
}


def _member_page(member: Member, bound: dict | None = None, status: int = 200):
    entries = register.member_entries(member)
    requests_ = register.member_requests(member)
    queue = list(db.session.scalars(bank.queue_statement(by_reason=False).limit(50)))
    today = clock.today()
    action_forms = {}
    for name, cls in ACTIONS.items():
        form = (bound or {}).get(name) or cls(formdata=None)
        if hasattr(form, "effective_on") and form.effective_on.data is None:
            form.effective_on.data = today
        action_forms[name] = form
    if "readmit" not in (bound or {}) and admission.readmission_refusal(member) is not None:
        del action_forms["readmit"]  # offered for an excluded member until recorded (a refusal is said in it)
    action_forms["correct"].entry_id.choices = [
        SelectChoice(e.id, f"#{e.id} · {format_day(e.effective_on, 'medium')} · {entry_label(e)}")
        for e in entries if e.kind is not EntryKind.CORRECTION]
    action_forms["match"].transaction_id.choices = [
        SelectChoice(t.id, f"{format_day(t.booking_date, 'long')}, {euros(t.amount_cents)}, {t.counterparty_name}")
        for t in queue if t.amount_cents > 0 and t.currency in ("EUR", "")]
    position = register.holding(member, today)
    application = application_for(member.id)
    applicant = application is not None and application.status in register.PENDING_APPLICATION
    # A partly paid request whose short payment still waits for a decision (kept due: nothing to decide).
    short = set(db.session.scalars(surpluses.open_underpayments_statement().with_only_columns(
        Surplus.payment_request_id).where(Surplus.member_id == member.id)))
    refunds = surpluses.member_refunds(member.id)
    return render_template("shares/member_detail.html", member=member, entries=entries,
                           ahead=register.paid_ahead(entries), requests=requests_,
                           short_request_ids=short, refunds=refunds, kept_again=surpluses.kept_again(refunds),
                           credited=payments.credited_ahead_ids(requests_),
                           certificate_reasons=standing.standing_reasons(member, today),  # why no certificate
                           position=position, forms=action_forms, today=today, application=application,
                           received=received_before_admission(application),
                           later=later_membership(member.id),
                           status=("applicant" if applicant and not position.shares else
                                   application.status.value if application is not None and not position.shares
                                   and application.status in (ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN)
                                   else position.status)), status


def _member_to_view(member_id: int) -> Member:
    member = row_or_404(Member, member_id)
    if not can_view_member(current_user, member):
        abort(403)
    return member


@bp.route("/staff/members/<int:member_id>")
@permission_required(can_view_register)
def member_detail(member_id: int):
    return _member_page(_member_to_view(member_id))


@bp.route("/staff/members/<int:member_id>/register-extract.pdf")
@permission_required(can_view_register)
def member_register_extract(member_id: int):
    return extracts.extract_response(_member_to_view(member_id))


@bp.route("/staff/members/<int:member_id>/certificate.pdf")
@permission_required(can_view_register)
def member_certificate(member_id: int):
    return certificate_response(_member_to_view(member_id), staff=True)


@bp.route("/staff/members/<int:member_id>/register/<action>", methods=["POST"])
@permission_required(can_keep_register)
def member_action(member_id: int, action: str):
    member = row_or_404(Member, member_id)
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
        # Irreversible: first say what will happen, and ask again (a page: works without JavaScript),
        # only once the services accept it (tried and undone): a refusal is said before, not after.
        try:
            with dry_run():
                _perform(action, member, form)
        except DomainError as exc:  # the savepoint is undone: nothing of it stays
            return _action_refused(member_id, action, form, exc)
        position = register.holding(member, clock.today())
        return render_template("shares/confirm_action.html", member=member, action=action, form=form,
                               position=position, receiver=_receiver(form) if action == "transfer" else None,
                               price_cents=share_price_cents(position.category or member.category),
                               told=_told_of_exit(member) if action in ("resign", "exclude") else None)
    try:
        with unit_of_work():
            if action in CONFIRM_ACTIONS:
                register.claim_confirmation(member, request.form.get("register_version", type=int))
            message = _perform(action, member, form)
    except DomainError as exc:
        return _action_refused(member_id, action, form, exc)
    flash(message, "success")
    return redirect(url_for("shares.member_detail", member_id=member_id))


# Which field a register refusal is about: said beside it, else above the action's form (kept open, as typed).
REFUSAL_FIELDS = {errors.FutureDate: "effective_on", errors.LaterEntries: "effective_on",
                  errors.BoardDecisionToCome: "board_decision_on", errors.UnknownMember: "receiver_number",
                  errors.SameMember: "receiver_number", errors.NotEnoughShares: "shares",
                  errors.BelowMinimumShares: "shares", errors.InvalidShareCount: "shares",
                  errors.IdentityTakenSinceExit: "entry_id"}


def _action_refused(member_id: int, action: str, form, exc: DomainError):
    dated = isinstance(exc, (errors.FutureDate, errors.ReadmissionBeforeExclusion))
    say_refusal(form, exc, "board_decision_on" if action == "readmit" and dated else REFUSAL_FIELDS.get(type(exc)))
    return _member_page(db.session.get(Member, member_id), {action: form}, exc.status)


def _perform(action: str, member: Member, form) -> str:
    actor = current_user._get_current_object()
    if action == "subscribe":
        _entry, payment = register.subscribe(member, form.shares.data, on=form.effective_on.data, actor=actor)
        return _("Subscription recorded, to be paid with the structured communication %(ref)s.", ref=payment.formatted_reference)
    if action == "transfer":
        receiver = _receiver(form)
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
        entry = register.redeem(member, form.shares.data, on=form.effective_on.data, actor=actor)
        kept = surpluses.redemption_refund(entry)
        if kept is None:
            return _("Redemption recorded.")
        return _("Redemption recorded. %(amount)s paid up is on the refund list, to be paid back to %(iban)s.",
                 amount=euros(kept.amount_cents), iban=refund_account_text(kept.refund_iban))
    if action == "resign":
        register.resign(member, on=form.effective_on.data, actor=actor, note=form.note.data or "")
        return " ".join((_("Resignation recorded."), _told_of_exit(member)))
    if action == "exclude":
        register.exclude(member, on=form.effective_on.data, board_decision_on=form.board_decision_on.data,
                         board_reference=form.board_reference.data, actor=actor)
        return " ".join((_("Exclusion recorded."), _told_of_exit(member)))
    if action == "readmit":
        admission.record_readmission(member, decided_on=form.board_decision_on.data,
                                     reference=form.board_reference.data, actor=actor)
        return _("The board's readmission is recorded: %(name)s may apply again with their account, as a new "
                 "membership with a new member number.", name=member.name)
    if action == "correct":
        entry = register.member_entry(member, form.entry_id.data)
        redemption = register.exit_redemption(entry) if entry.kind in register.LEAVING else entry
        listed = surpluses.redemption_refund(redemption) if redemption is not None else None
        listed = listed if listed is not None and listed.refunded_at is None else None
        register.correct(entry, reason=form.reason.data, on=form.effective_on.data, shares=form.shares.data or 0,
                         capital_cents=form.capital_cents.data or 0, paid_cents=form.paid_cents.data or 0, actor=actor)
        if listed is not None and surpluses.redemption_refund(redemption) is None:
            return _("Correction recorded. The refund of %(amount)s is taken off the refund list.",
                     amount=euros(listed.amount_cents))
        if listed is not None and entry.kind in register.LEAVING:
            return _("Correction recorded: the exit no longer counts. Its shares stay redeemed, so the refund of "
                     "%(amount)s stays on the refund list. To give the member their shares back, correct the "
                     "redemption too: putting all of it back takes the refund off the list.",
                     amount=euros(listed.amount_cents))
        return _("Correction recorded.")
    tx = db.session.get(BankTransaction, form.transaction_id.data)
    applied = _resolve(tx, form, actor, member=member)
    if _paid_after_exit(applied):
        return _paid_after_exit_words(applied)
    if applied is not None and applied.surplus is not None:
        return _("Payment matched. %(amount)s beyond what was due is kept: decide what becomes of it in the "
                 "payments queue.", amount=euros(applied.surplus.amount_cents))
    if applied is not None and applied.shortfall is not None:
        return _("Payment matched. %(due)s is still due: decide in the payments queue whether to keep it due, "
                 "buy fewer shares or pay the money back.", due=euros(applied.request.due_cents))
    return _("Payment matched.")


def _told_of_exit(member: Member) -> str:
    """Whether the exit's mail went (``shares.mailing.membership_ended``), or staff write instead."""
    if member.email:
        return _("%(name)s is told by e-mail on what day their membership ends and what is paid back to them.",
                 name=member.name)
    return _("%(name)s has no e-mail address: tell them by letter on what day their membership ends and what is "
             "paid back to them.", name=member.name)


def _paid_after_exit(applied) -> bool:
    return applied is not None and applied.surplus is not None and applied.surplus.kind is SurplusKind.AFTER_EXIT


def _paid_after_exit_words(applied) -> str:
    kept = applied.surplus
    return _("%(name)s has left the cooperative: nothing is recorded in the register. %(amount)s is on the refund "
             "list, to be paid back to %(iban)s.", name=kept.member.name, amount=euros(kept.amount_cents),
             iban=refund_account_text(kept.refund_iban))


def _receiver(form) -> Member | None:
    return db.session.scalar(select(Member).where(Member.number == form.receiver_number.data))


def _resolve(tx: BankTransaction, form, actor, member: Member | None = None):
    """Set aside, or pay the request the form names; returns what was applied (None when set aside)."""
    version = form.version.data or tx.version
    if form.action.data == "dismiss":
        bank.dismiss(tx, expected_version=version, reason=form.reason.data, actor=actor)
        return None
    payment = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == form.reference.data))
    if payment is None or (member is not None and payment.member_id != member.id):
        raise errors.UnknownReference()
    return bank.match_by_hand(tx, payment, expected_version=version, reason=form.reason.data or "", actor=actor)


# ------------------------------------------------------------------------------------------------
# The register as of a date: HTML, PDF, CSV
# ------------------------------------------------------------------------------------------------


@bp.route("/staff/register")
@permission_required(can_view_register)
def register_page():
    form = forms.RegisterDateForm(request.args)
    if not form.validate():
        return render_template("shares/register.html", form=form, rows=[], totals={}, on=None), 400
    on = form.on.data or clock.today()
    fmt = request.args.get("format", "html")
    if fmt == "csv":
        return _register_csv(on)
    if fmt == "entries":
        from shares.exports import entries_csv_header, entries_csv_rows

        return csv_response(f"register-entries-{on.isoformat()}.csv", entries_csv_header(), entries_csv_rows(on))
    if fmt == "pdf":  # minutes for a full register: made by a background job, never in this request
        return redirect(url_for("shares.register_page", on=on.isoformat(), _anchor="files"), 303)
    if fmt != "html":
        abort(404)
    page = paging.page_of(register.register_count(on), REGISTER_PAGE_SIZE, request.args.get("page"))
    rows = register.register_rows(on, offset=page.offset, limit=page.size)
    export_form = forms.ExportForm(formdata=None, data={"on": on})
    return render("shares/register.html", "shares/_partials/register_rows.html", form=form, rows=rows, on=on,
                  totals=register.totals(on), page=page, export_form=export_form, date_keys=register.DATE_COLUMNS)


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
            with unit_of_work():
                result = bank.import_statement(upload.read(), filename=upload.filename or "",
                                               actor=current_user._get_current_object())
        except StatementError as exc:
            form.statement.errors.append(error_message(exc))
            status = 422
            if where := statement_problem(exc.reason, exc.facts):
                form.statement.errors.append(where)
    elif form.errors:
        status = 400
    return render_template("shares/statement_import.html", form=form, result=result,
                           queue_count=bank.queue_count()), status


# ------------------------------------------------------------------------------------------------
# The queue: every payment nobody could match, with suggestions; resolved in place
# ------------------------------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 25  # a card each, a few lines on a phone; the decisions above them on the first page


def _queue_options():
    return (joinedload(BankTransaction.payment_request).joinedload(PaymentRequest.member),)


def _queue_context() -> dict:
    counts = bank.queue_counts()
    return {"counts": counts, "total": sum(counts.values()),
            "open_surpluses": db.session.scalar(select(func.count()).select_from(
                surpluses.open_surpluses_statement().subquery())),
            "open_shortfalls": db.session.scalar(select(func.count()).select_from(
                surpluses.open_underpayments_statement().subquery())),
            "refunds": db.session.scalar(select(func.count()).select_from(
                surpluses.refund_list_statement().subquery()))}


@bp.route("/staff/payments/queue")
@permission_required(can_resolve_payments)
def payment_queue():
    """What needs a decision first (short payments, money kept beyond what was due), on the first page;
    then the waiting payments, a page at a time, in the order of their reasons."""
    form = forms.QueueFilterForm(request.args)
    if not form.validate():
        abort(400)
    why = form.why.data or None
    context = _queue_context()
    page = paging.page_of(context["counts"].get(why, 0) if why else context["total"], QUEUE_PAGE_SIZE,
                          request.args.get("page"))
    rows = list(db.session.scalars(bank.queue_statement(why).options(*_queue_options())
                                   .limit(page.size).offset(page.offset)))
    first = page.number == 1
    kept = list(db.session.scalars(surpluses.open_surpluses_statement()
                                   .options(joinedload(Surplus.member), joinedload(Surplus.payment_request),
                                            joinedload(Surplus.bank_transaction))
                                   .limit(QUEUE_PAGE_SIZE))) if first else []
    short = _short_rows() if first else []
    return render("shares/payment_queue.html", None, rows=rows, why=why, page=page, kept_rows=kept,
                  short_rows=short, row_forms={t.id: _match_form(t) for t in rows},
                  surplus_forms={k.id: _surplus_forms(k) for k in kept + short},
                  gone=register.members_gone({k.member_id for k in kept + short}), **context)


def _match_form(tx: BankTransaction, form=None):
    form = form or _bound_match_form(tx, formdata=None)
    if form.version.data is None or not form.is_submitted():
        form.version.data = tx.version
    if not form.reference.data and tx.payment_request is not None:
        form.reference.data = tx.payment_request.formatted_reference  # as the hint shows it: +++123/4567/89002+++
    return form


def _bound_match_form(tx: BankTransaction, **kwargs):
    """The form resolving ``tx``: a credit pays a request, money taken back returns a payment of one."""
    form = forms.MatchForm(prefix=f"tx{tx.id}", **kwargs)
    return form.for_money_taken_back() if tx.amount_cents < 0 else form


def _queue_item(tx: BankTransaction, *, form=None, status: int = 200, applied=None, open_: bool = True,
                returning=None, correct_by_hand: Member | None = None):
    # Only money received can pay a request: money taken back names the paid request it returns, if any.
    suggestions = queries.suggestions_for(tx) if tx.in_queue and open_ and tx.amount_cents > 0 else []
    kept = (applied.surplus or applied.shortfall) if applied is not None else None
    extra = {}
    if _paid_after_exit(applied):  # on the refund list already: nothing to decide
        kept, extra = None, {"message": _paid_after_exit_words(applied)}
    if kept is not None and kept.kind is SurplusKind.UNDERPAYMENT and wants_partial():
        # The queue page's "Payments short of what was asked" follows (out of band), with this one in it.
        short = _short_rows()
        extra = {"short_rows": short, "short_forms": {k.id: _surplus_forms(k) for k in short}}
    return render("shares/payment_queue_row.html", "shares/_partials/queue_item.html", status=status, tx=tx,
                  form=_match_form(tx, form), suggestions=suggestions, open_=open_,
                  deviates={s.request.id: bank.deviates(tx, s.request) for s in suggestions},
                  kept=kept, surplus_forms={kept.id: _surplus_forms(kept)} if kept else {}, oob=True,
                  returning=returning, correct_by_hand=correct_by_hand,
                  gone=register.members_gone({k.member_id for k in ([kept] if kept else []) + extra.get("short_rows", [])}),
                  **extra, **_queue_context())


def _short_rows() -> list[Surplus]:
    return list(db.session.scalars(surpluses.open_underpayments_statement()
                                   .options(joinedload(Surplus.member), joinedload(Surplus.payment_request),
                                            joinedload(Surplus.bank_transaction))
                                   .limit(QUEUE_PAGE_SIZE)))


@bp.route("/staff/payments/queue/<int:tx_id>")
@permission_required(can_resolve_payments)
def queue_item(tx_id: int):
    """One payment opened in place: what the payer wrote, why it waits, the likely requests."""
    return _queue_item(row_or_404(BankTransaction, tx_id))


@bp.route("/staff/payments/queue/<int:tx_id>", methods=["POST"])
@permission_required(can_resolve_payments)
def resolve_payment(tx_id: int):
    tx = row_or_404(BankTransaction, tx_id)
    form = _bound_match_form(tx)
    if not form.validate_on_submit():
        return _queue_item(tx, form=form, status=400)
    if not tx.in_queue:
        form.form_errors.append(error_message(errors.TransactionAlreadyResolved()))
        return _queue_item(tx, form=form, status=409)
    if form.action.data == "returned":
        return _payment_returned(tx, form)
    try:
        with unit_of_work():
            applied = _resolve(tx, form, current_user._get_current_object())
    except DomainError as exc:
        tx = db.session.get(BankTransaction, tx_id)
        form.form_errors.append(error_message(exc))
        return _queue_item(tx, form=form, status=exc.status)
    if not wants_partial():
        if _paid_after_exit(applied):
            flash(_paid_after_exit_words(applied), "success")
            return redirect(url_for("shares.payment_queue"))
        flash(_("Payment resolved."), "success")
        if applied is not None and applied.surplus is not None:
            flash(_("%(amount)s beyond what was due is kept: decide below what becomes of it.",
                    amount=euros(applied.surplus.amount_cents)), "success")
        if applied is not None and applied.shortfall is not None:
            flash(_("%(due)s is still due on this request: decide below what follows.",
                    due=euros(applied.request.due_cents)), "success")
            return redirect(url_for("shares.payment_queue", _anchor="short"))
        return redirect(url_for("shares.payment_queue"))
    return _queue_item(tx, applied=applied)


def _payment_returned(tx: BankTransaction, form):
    """Money the bank took back, a member's payment returned: said first, with what will change (the register
    cannot be undone), once the service accepts it (tried and undone); then recorded."""
    actor = current_user._get_current_object()
    payment = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == form.reference.data))
    try:
        if payment is None:
            raise errors.UnknownReference()
        if request.form.get("confirmed") != "1":
            with dry_run():
                returned = bank.payment_returned(tx, payment, expected_version=form.version.data,
                                                 reason=form.reason.data, actor=actor)
                returning = {"request": payment, "entry_on": returned.paid_on, "due_after": payment.due_cents,
                             "plain": _plain_return(returned), "effects": _return_effects(returned)}
            db.session.refresh(tx)
            db.session.refresh(payment)
            return _queue_item(tx, form=form, returning=returning)
        with unit_of_work():
            returned = bank.payment_returned(tx, payment, expected_version=form.version.data, reason=form.reason.data,
                                             actor=actor)
    except DomainError as exc:
        db.session.expire_all()  # a refusal after the claim: draw the transaction as the database holds it
        tx = db.session.get(BankTransaction, tx.id)
        form.form_errors.append(error_message(exc))
        # Divided since it arrived: corrected by hand, on the pages the refusal names.
        by_hand = payment.member if isinstance(exc, errors.PaymentDividedSince) else None
        return _queue_item(tx, form=form, status=exc.status, correct_by_hand=by_hand)
    if _plain_return(returned):
        message = _("Payment returned: %(amount)s is taken out of the register for %(name)s, and %(reference)s asks "
                    "%(due)s again.", amount=euros(-tx.amount_cents), name=payment.member.name,
                    reference=payment.formatted_reference, due=euros(payment.due_cents))
    else:
        message = " ".join([_("Payment returned."), *_return_effects(returned)])
    if not wants_partial():
        flash(message, "success")
        return redirect(url_for("shares.payment_queue"))
    return _queue_item(tx, returning={"done": message})


def _plain_return(returned: bank.Returned) -> bool:
    """A member's payment simply leaves the register and its request asks it again."""
    return (returned.register_cents == returned.amount_cents and not returned.refund_list_cents
            and not returned.kept_cents and not returned.left
            and not returned.application_reopened and not returned.admission_stands
            and not returned.reinstatement_undone
            and returned.request.status is not PaymentStatus.CANCELLED)


def _return_effects(returned: bank.Returned) -> list[str]:
    """What a payment returned by the bank changes, one sentence each (true before and after it is recorded)."""
    req = returned.request
    name = req.member.name
    said = []
    if returned.register_cents:
        said.append(_("Taken out of the share register for %(name)s: %(amount)s.", name=name,
                      amount=euros(returned.register_cents)))
    if returned.refund_list_cents:
        said.append(_("Taken off the refund list: %(amount)s, no longer to be paid back, since the bank gave that "
                      "money back already.", amount=euros(returned.refund_list_cents)))
    if returned.kept_cents:
        said.append(_("Taken off the money kept beyond what was due: %(amount)s, no longer to be decided, since the "
                      "bank took it back.", amount=euros(returned.kept_cents)))
    if returned.left:
        said.append(_("%(name)s has left the cooperative: the request %(reference)s stays cancelled and nothing is "
                      "asked of them again.", name=name, reference=req.formatted_reference))
    elif req.status is PaymentStatus.CANCELLED:
        said.append(_("%(reference)s is cancelled: the shares it asked for are no longer held, and nothing is asked "
                      "again.", reference=req.formatted_reference))
    elif req.due_cents:
        said.append(_("%(reference)s asks %(due)s again.", reference=req.formatted_reference,
                      due=euros(req.due_cents)))
    if returned.application_reopened:
        said.append(_("The application waits for its payment again: the board cannot admit it until it is paid."))
    if returned.admission_stands:
        said.append(_("This payment had admitted %(name)s: they stay a member (a bank return does not undo an "
                      "admission), but are not in good standing until their shares are paid again. If they never "
                      "are, only the board can end the membership: record its exclusion on their register page.",
                      name=name))
    if returned.reinstatement_undone:
        said.append(_("This payment had reinstated %(name)s: the lapse is in force again until the renewal is paid.",
                      name=name))
    return said


def payment_tasks(account) -> list[Task]:
    """The home page's money tasks for staff: payments to resolve, overpayments to decide, refunds to make."""
    if not can_resolve_payments(account):
        return []
    context = _queue_context()
    tasks = []
    if context["total"]:
        tasks.append(Task(title=ngettext("%(num)d payment to resolve", "%(num)d payments to resolve", context["total"]),
                          url=url_for("shares.payment_queue"), count=context["total"], urgency=30))
    if context["open_surpluses"]:
        tasks.append(Task(title=ngettext("%(num)d overpayment to decide", "%(num)d overpayments to decide",
                                         context["open_surpluses"]),
                          url=url_for("shares.payment_queue", _anchor="kept"), count=context["open_surpluses"],
                          urgency=30))
    if context["open_shortfalls"]:
        tasks.append(Task(title=ngettext("%(num)d partial payment to decide", "%(num)d partial payments to decide",
                                         context["open_shortfalls"]),
                          url=url_for("shares.payment_queue", _anchor="short"), count=context["open_shortfalls"],
                          urgency=30))
    if context["refunds"]:
        tasks.append(Task(title=ngettext("%(num)d refund to make", "%(num)d refunds to make", context["refunds"]),
                          url=url_for("shares.refund_list"), count=context["refunds"], urgency=40))
    return tasks


# ------------------------------------------------------------------------------------------------
# Money kept beyond what was due: one small view per decision; the refund list
# ------------------------------------------------------------------------------------------------


SURPLUS_FORMS = {
    SurplusKind.OVERPAYMENT: (("refund", forms.RefundForm), ("shares", forms.SurplusForm), ("credit", forms.SurplusForm)),
    SurplusKind.UNDERPAYMENT: (("refund", forms.RefundForm), ("keep", forms.SurplusForm), ("fewer", forms.SurplusForm)),
}


def _surplus_forms(kept: Surplus, bound: dict | None = None) -> dict:
    out = {name: (bound or {}).get(name) or cls(formdata=None, prefix=f"s{kept.id}{name}")
           for name, cls in SURPLUS_FORMS.get(kept.kind, SURPLUS_FORMS[SurplusKind.OVERPAYMENT])}
    out.update({name: form for name, form in (bound or {}).items() if name not in out})  # its refusal is said too
    if out["refund"].iban.data is None and kept.refund_iban:
        out["refund"].iban.data = kept.refund_iban
    return out


def _decide(surplus_id: int, name: str, form_class, action):
    kept = row_or_404(Surplus, surplus_id)
    form = form_class(prefix=f"s{kept.id}{name}")
    status, message = 200, None
    if not form.validate_on_submit():
        status = 400
    else:
        try:
            with unit_of_work():
                message = action(kept, form, current_user._get_current_object())
        except DomainError as exc:
            kept = db.session.get(Surplus, surplus_id)
            form.form_errors.append(error_message(exc))
            status = exc.status
    if status == 200 and not wants_partial():
        flash(message, "success")
        return redirect(url_for("shares.payment_queue") + ("#short" if kept.kind is SurplusKind.UNDERPAYMENT
                                                            else "#kept"))
    return render("shares/surplus_decide.html", "shares/_partials/surplus.html", status=status, kept=kept,
                  forms=_surplus_forms(kept, {name: form}), message=message, oob=True,
                  gone=register.members_gone([kept.member_id]), **_queue_context())


@bp.route("/staff/payments/kept/<int:surplus_id>/refund", methods=["POST"])
@permission_required(can_resolve_payments)
def surplus_refund(surplus_id: int):
    def act(kept, form, actor):
        surpluses.refund(kept, iban=form.iban.data, actor=actor, note=form.note.data or "")
        message = _("%(amount)s will be paid back to %(iban)s: it is on the refund list.",
                    amount=euros(kept.amount_cents), iban=iban_text(kept.refund_iban))
        if kept.kind is SurplusKind.UNDERPAYMENT:
            message += " " + _("The request asks its whole amount again.")
        return message
    return _decide(surplus_id, "refund", forms.RefundForm, act)


@bp.route("/staff/payments/kept/<int:surplus_id>/shares", methods=["POST"])
@permission_required(can_resolve_payments)
def surplus_shares(surplus_id: int):
    def act(kept, form, actor):
        request_, rest = surpluses.buy_shares(kept, actor=actor, note=form.note.data or "")
        message = ngettext("%(num)d more share recorded in the register, paid.",
                           "%(num)d more shares recorded in the register, paid.", request_.shares)
        if rest is not None:
            message += " " + _("%(amount)s left over is kept.", amount=euros(rest.amount_cents))
        return message
    return _decide(surplus_id, "shares", forms.SurplusForm, act)


@bp.route("/staff/payments/kept/<int:surplus_id>/credit", methods=["POST"])
@permission_required(can_resolve_payments)
def surplus_credit(surplus_id: int):
    def act(kept, form, actor):
        request_ = surpluses.credit_next_year(kept, actor=actor, note=form.note.data or "")
        return _("%(amount)s paid towards the membership of %(year)s.", amount=euros(kept.amount_cents),
                 year=request_.year)
    return _decide(surplus_id, "credit", forms.SurplusForm, act)


@bp.route("/staff/payments/short/<int:surplus_id>/keep", methods=["POST"])
@permission_required(can_resolve_payments)
def shortfall_keep_due(surplus_id: int):
    def act(kept, form, actor):
        request_ = surpluses.keep_due(kept, actor=actor, note=form.note.data or "")
        return _("Accepted as a partial payment: %(due)s stays due, and %(name)s is reminded by e-mail.",
                 due=euros(request_.due_cents), name=kept.member.name)
    return _decide(surplus_id, "keep", forms.SurplusForm, act)


@bp.route("/staff/payments/short/<int:surplus_id>/fewer", methods=["POST"])
@permission_required(can_resolve_payments)
def shortfall_fewer_shares(surplus_id: int):
    def act(kept, form, actor):
        request_, rest = surpluses.fewer_shares(kept, actor=actor, note=form.note.data or "")
        message = ngettext("The request is now for %(num)d share, paid.", "The request is now for %(num)d shares, paid.",
                           request_.shares)
        if rest is not None:
            message += " " + _("%(amount)s left over is kept.", amount=euros(rest.amount_cents))
        return message
    return _decide(surplus_id, "fewer", forms.SurplusForm, act)


@bp.route("/staff/payments/refunds")
@permission_required(can_resolve_payments)
def refund_list():
    if request.args.get("format") == "csv":
        return _refunds_csv(_refund_rows())
    if request.args.get("format") not in (None, "html"):
        abort(404)
    return _refund_page()


def _refund_rows() -> list[Surplus]:
    return list(db.session.scalars(surpluses.refund_list_statement().options(joinedload(Surplus.member))))


REFUNDS_PAGE_SIZE = 25  # a card each, as the queue's


def _refund_page(status: int = 200, called_off: tuple[int, forms.CallOffForm] | None = None,
                 paid_back: tuple[int, forms.PaidBackForm] | None = None):
    """A page of the refund list; the count and the amount are the whole list's. ``called_off`` and
    ``paid_back``: the refund whose form comes back with what was typed and why it was refused."""
    listed = surpluses.refund_list_statement().subquery()
    count, total_cents = db.session.execute(
        select(func.count(), func.coalesce(func.sum(listed.c.amount_cents), 0)).select_from(listed)).one()
    page = paging.page_of(count, REFUNDS_PAGE_SIZE, request.args.get("page"))
    rows = list(db.session.scalars(surpluses.refund_list_statement().options(joinedload(Surplus.member))
                                   .limit(page.size).offset(page.offset)))
    gone = register.members_gone({kept.member_id for kept in rows})
    # Why each refund cannot be called off (it is owed), in words; the others offer the form.
    owed = {kept.id: error_message(refusal) for kept in rows
            if (refusal := surpluses.call_off_refusal(kept, left=kept.member_id in gone)) is not None}
    call_off_forms = {kept.id: forms.CallOffForm(formdata=None) for kept in rows if kept.id not in owed}
    if called_off is not None and called_off[0] in call_off_forms:
        call_off_forms[called_off[0]] = called_off[1]
    paid_back_forms = {kept.id: forms.PaidBackForm(formdata=None) for kept in rows}
    if paid_back is not None and paid_back[0] in paid_back_forms:
        paid_back_forms[paid_back[0]] = paid_back[1]
    return render("shares/refunds.html", None, rows=rows, page=page, total_cents=int(total_cents),
                  paid_back_forms=paid_back_forms, owed=owed, call_off_forms=call_off_forms, status=status)


def _refunds_csv(rows: list[Surplus]) -> Response:
    """The refund list through the app's one CSV helper (formulas neutralised in every text cell), its
    header in the reader's language; dates as YYYY-MM-DD, which every spreadsheet reads as dates."""
    return csv_response(
        f"refunds-{clock.today().isoformat()}.csv",
        (_("Member number"), _("Name"), _("IBAN"), _("Amount (EUR)"), _("Amount (cents)"), _("Decided on"),
         _("Note"), _("Why")),
        ([kept.member.number, kept.member.name, kept.refund_iban or "",
          Euros(kept.amount_cents), kept.amount_cents,
          kept.decided_at.date().isoformat() if kept.decided_at else "", register_note(kept.decision_note),
          refund_why(kept.kind)] for kept in rows))


@bp.route("/staff/payments/kept/<int:surplus_id>/refunded", methods=["POST"])
@permission_required(can_resolve_payments)
def surplus_refunded(surplus_id: int):
    kept = row_or_404(Surplus, surplus_id)
    form = forms.PaidBackForm()
    if not form.validate_on_submit():
        return _refund_page(400, paid_back=(kept.id, form))
    try:
        with unit_of_work():
            surpluses.mark_refunded(kept, iban=form.iban.data, actor=current_user._get_current_object())
    except errors.RefundAccountMissing as exc:  # said beside the account, its form open
        say_refusal(form, exc, "iban")
        return _refund_page(exc.status, paid_back=(kept.id, form))
    except DomainError as exc:  # marked already (another tab, a colleague): said on the list itself
        flash(error_message(exc), "error")
        return _refund_page(exc.status)
    flash(_("Marked as paid back: %(amount)s to %(iban)s.", amount=euros(kept.amount_cents),
            iban=iban_text(kept.refund_iban)), "success")
    return redirect(url_for("shares.refund_list"))


@bp.route("/staff/payments/refunds/<int:surplus_id>/call-off", methods=["POST"])
@permission_required(can_resolve_payments)
def refund_call_off(surplus_id: int):
    """Staff call a refund off, saying why: its money is kept again, to be decided again (or, owed, the
    refusal says what to do instead). Confirmed in place, on the refund list."""
    kept = row_or_404(Surplus, surplus_id)
    form = forms.CallOffForm()
    if not form.validate_on_submit():
        return _refund_page(400, called_off=(kept.id, form))
    try:
        with unit_of_work():
            surpluses.call_off(kept, reason=form.reason.data, actor=current_user._get_current_object())
    except DomainError as exc:  # owed, made or called off meanwhile: said on the list itself
        flash(error_message(exc), "error")
        return _refund_page(exc.status, called_off=(kept.id, form))
    flash(_("The refund of %(amount)s to %(name)s is called off. The money is kept again, under Money kept beyond "
            "what was due, for you to decide again.", amount=euros(kept.amount_cents), name=kept.member.name),
          "success")
    return redirect(url_for("shares.payment_queue", _anchor="kept"))
