"""A member's own profile and e-mail address, and the staff's member search."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from app.authz import can_search_members, permission_required
from app.errors import DomainError, error_message
from app.extensions import limiter
from app.uow import unit_of_work
from app.web import render
from shares import email_change, queries, services, surplus
from shares.errors import IdentityInRegister, StaleEdit
from shares.forms import ConfirmForm, EmailChangeForm, MemberSearchForm, ProfileForm
from shares.models import MemberKind
from shares.permissions import can_edit_profile, is_member
from shares.views.blueprint import bp, own_member


@bp.route("/me", methods=["GET", "POST"])
@permission_required(is_member)
def profile():
    member = own_member()
    if not can_edit_profile(current_user, member):
        abort(403)
    form = ProfileForm(obj=member, legal=member.kind is MemberKind.LEGAL,
                       data=None if request.method == "POST" else {"language": member.account.language,
                                                                   "version": member.version})
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in services.PROFILE_FIELDS if name in form}
        try:
            with unit_of_work():
                services.update_profile(member, form.version.data, form.language.data, **fields)
        except StaleEdit:
            flash(_("Someone changed this profile while you were editing. Your changes are kept below: "
                    "check them against the saved profile and save again."), "error")
            form.version.data = member.version
            return _profile_page(form, member, 409)
        except IdentityInRegister as exc:  # only a number the member gives now, so its field is on the form
            field = form.enterprise_number if member.kind is MemberKind.LEGAL else form.national_number
            field.errors.append(_("Another membership has this number: check it, or contact the cooperative."))
            return _profile_page(form, member, exc.status)
        refresh()  # said in the language just chosen, which the next page is in
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("shares.profile"))
    return _profile_page(form, member, 400 if form.errors else 200)


def _profile_page(form: ProfileForm, member, status: int):
    return render_template("shares/profile.html", form=form, member=member,
                           owed_cents=surplus.owed_without_account(member.id),
                           on_their_way=surplus.refunds_on_their_way(member.id)), status


@bp.route("/me/email", methods=["GET", "POST"])
@permission_required(is_member)
@limiter.limit("5/hour", methods=["POST"], deduct_when=lambda response: response.status_code == 302)
def change_email():
    """The new address gets a link; nothing changes until the member opens it, signed in."""
    member = own_member()
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                address = email_change.request_email_change(member, form.email.data)
        except DomainError as exc:
            form.email.errors.append(error_message(exc))
            return render_template("shares/email_change.html", form=form, member=member), exc.status
        flash(_("We sent a link to %(email)s. Open it, signed in, to confirm: until then, your address stays "
                "%(current)s.", email=address, current=member.email), "success")
        return redirect(url_for("shares.profile"))
    return render_template("shares/email_change.html", form=form, member=member), 400 if form.errors else 200


@bp.route("/me/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """A page first (mail scanners open links): the change happens on the member's click, signed in. Opened
    signed out (often on a phone, from the new mailbox), the page says how to sign in before it."""
    if not current_user.is_authenticated:
        return render_template("shares/email_confirm.html", signed_out=True,
                               login=url_for("auth.login", next=request.path))
    if not is_member(current_user):
        abort(403)
    member = own_member()
    form = ConfirmForm()
    try:
        new_email = email_change.read_link(token, member.account)
        if not form.validate_on_submit():
            return render_template("shares/email_confirm.html", member=member, new_email=new_email, form=form)
        with unit_of_work():
            email_change.confirm_email_change(token, member)
    except DomainError as exc:
        return render_template("shares/email_confirm.html", member=member, problem=error_message(exc),
                               form=form), exc.status
    flash(_("Your e-mail address is now %(email)s.", email=new_email), "success")
    return redirect(url_for("shares.profile"))


@bp.route("/staff/members")
@permission_required(can_search_members)
def member_search():
    form = MemberSearchForm(request.args)
    members, total = ([], 0)
    page = max(form.page.data or 1, 1) if form.validate() else 1
    if form.q.data:
        members, total = queries.search_members(form.q.data, page)
    return render("shares/member_search.html", "shares/_partials/member_results.html",
                  form=form, members=members, total=total, page=page, page_size=queries.PAGE_SIZE)

