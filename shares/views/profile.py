"""A member's own profile, and the staff's member search."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from app.authz import can_search_members, permission_required
from app.uow import unit_of_work
from app.web import render
from shares import queries, services
from shares.errors import StaleEdit
from shares.forms import MemberSearchForm, ProfileForm
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
        fields = {name: getattr(form, name).data for name in services.PROFILE_FIELDS}
        try:
            with unit_of_work():
                services.update_profile(member, form.version.data, form.language.data, **fields)
        except StaleEdit:
            flash(_("Someone changed this profile while you were editing. Your changes are kept below: "
                    "check them against the saved profile and save again."), "error")
            form.version.data = member.version
            return render_template("shares/profile.html", form=form, member=member), 409
        refresh()  # said in the language just chosen, which the next page is in
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("shares.profile"))
    return render_template("shares/profile.html", form=form, member=member), 400 if form.errors else 200


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

