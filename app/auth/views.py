"""Sign-in screens. A privileged account (any role) completes a password and a TOTP step."""
from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.auth.errors import InvalidLink, WrongCode, WrongCredentials
from app.auth.forms import CodeForm, ConfirmForm, LoginForm, PasswordStepForm, SetPasswordForm
from app.authz import login_required
from app.extensions import db, limiter
from app.models import Account
from app.qr import qr_svg
from app.web import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")

PENDING_SECONDS = 600
_strict = limiter.limit("10/minute;60/hour", methods=["POST"])
_per_email = limiter.limit("5/15 minutes", methods=["POST"], key_func=lambda: request.form.get("email", "").lower())


def _pending() -> Account | None:
    """The account half-way through signing in (first factor passed), if still fresh."""
    state = session.get("auth_pending")
    if not state or time.time() - state["at"] > PENDING_SECONDS:
        return None
    account = db.session.get(Account, state["account"])
    if account is None or account.session_version != state["version"] or not account.active:
        return None
    return account


def _start(account: Account, method: str, password_ok: bool):
    """After a first factor: sign in a plain member, or walk a privileged account through its steps."""
    if not account.needs_second_factor:
        return _finish(account, method)
    session["auth_pending"] = {"account": account.id, "version": account.session_version,
                               "password_ok": password_ok, "method": method, "at": time.time()}
    return redirect(url_for("auth.second_factor"))


def _finish(account: Account, method: str):
    """Sign in: a fresh session, then on to where the person was going before signing in."""
    next_url = safe_next(session.get("auth_next"), url_for("core.home"))
    language = session.get("language")
    session.clear()  # a fresh session at sign-in: nothing from before it survives
    if language:
        session["language"] = language
    services.record_login(account, method)
    db.session.commit()
    login_user(account)
    return redirect(next_url)


@bp.route("/login", methods=["GET", "POST"])
@_strict
@_per_email
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if request.method == "GET":
        session["auth_next"] = request.args.get("next")
    if form.validate_on_submit():
        if form.password.data:
            try:
                account = services.check_password(form.email.data, form.password.data)
            except WrongCredentials:
                form.password.errors.append(_("This e-mail address and password do not match."))
                return render_template("auth/login.html", form=form), 400
            db.session.commit()
            return _start(account, "password", password_ok=True)
        services.request_login_link(form.email.data)
        db.session.commit()
        return render_template("auth/link_sent.html", email=form.email.data)
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/link/<token>", methods=["GET", "POST"])
@_strict
def link(token: str):
    """GET shows a button; only the POST uses the link, so mail scanners cannot spend it."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            account = services.consume_login_link(token)
        except InvalidLink:
            db.session.rollback()
            return render_template("auth/link_invalid.html"), 400
        db.session.commit()
        return _start(account, "link", password_ok=False)
    return render_template("auth/link_confirm.html", form=form)


@bp.route("/second-factor", methods=["GET", "POST"])
@_strict
def second_factor():
    account = _pending()
    if account is None:
        flash(_("Your sign-in took too long. Please start again."), "warning")
        return redirect(url_for("auth.login"))
    state = session["auth_pending"]
    if not state["password_ok"]:
        return _password_step(account, state)
    if account.totp_confirmed_at is None:
        return _enrol_step(account, state)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.check_totp(account, form.code.data)
        except WrongCode:
            db.session.rollback()
            form.code.errors.append(_("This code is not valid. Wait for the next one and try again."))
            return render_template("auth/totp.html", form=form), 400
        return _finish(account, state["method"] + "+totp")
    return render_template("auth/totp.html", form=form), 400 if form.errors else 200


def _password_step(account: Account, state: dict):
    """Privileged accounts that came by e-mailed link still give their password (or set a first one)."""
    first_time = account.password_hash is None
    form = SetPasswordForm() if first_time else PasswordStepForm()
    if form.validate_on_submit():
        if first_time:
            services.set_password(account, form.password.data)
            db.session.commit()
            state["version"] = account.session_version
        elif not services.verify_password(account, form.password.data):
            form.password.errors.append(_("This password is not correct."))
            return render_template("auth/password_step.html", form=form, first_time=first_time), 400
        state["password_ok"] = True
        session["auth_pending"] = state
        return redirect(url_for("auth.second_factor"))
    status = 400 if form.errors else 200
    return render_template("auth/password_step.html", form=form, first_time=first_time), status


def _enrol_step(account: Account, state: dict):
    secret = state.get("totp_secret") or services.new_totp_secret()
    state["totp_secret"] = secret
    session["auth_pending"] = state
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.confirm_totp_enrolment(account, secret, form.code.data)
        except WrongCode:
            form.code.errors.append(_("This code is not valid. Check the time on your phone and try again."))
        else:
            return _finish(account, state["method"] + "+totp-enrolment")
    uri = services.totp_uri(account, secret)
    return render_template("auth/enrol.html", form=form, secret=secret, qr=qr_svg(uri, _("QR code that adds Une Voix to your authenticator app"))), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("core.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@_strict
def password():
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(current_user, form.password.data)
        db.session.commit()
        login_user(current_user)  # the session version changed: keep this session, end the others
        flash(_("Your password is saved."), "success")
        return redirect(url_for("shares.profile"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200
