"""Sign-in screens. A privileged account (any role) completes a password and a TOTP step."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.auth.errors import EnrolmentNeedsMailbox, InvalidLink, TooManyAttempts, WrongCode, WrongCredentials
from app.auth.forms import ChangePasswordForm, CodeForm, ConfirmForm, LoginForm, PasswordStepForm, SetPasswordForm
from app.authz import login_required
from app.extensions import db, limiter
from app.models import Account
from app.qr import qr_svg
from app.uow import unit_of_work
from app.web import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")

PENDING_SECONDS = 600
# Setting a first password without giving an old one needs a sign-in this recent.
FRESH_SECONDS = 600
# Wrong passwords at the privileged password step before the person must start again by link.
PASSWORD_STEP_TRIES = 5
# Per client address; ProxyFix sets the address from the declared proxy only (docs/deploy.md).
_strict = limiter.limit("10/minute;60/hour", methods=["POST"])
# Per e-mail address, for password attempts only: asking for a link is never held back by it.
_per_email = limiter.limit("5/15 minutes", methods=["POST"], key_func=lambda: request.form.get("email", "").lower(),
                           exempt_when=lambda: not request.form.get("password"))


def _too_many(template: str, exc: TooManyAttempts, **context):
    message = ngettext("Too many wrong attempts. Wait %(num)d minute and try again, or sign in with an e-mailed "
                       "link.", "Too many wrong attempts. Wait %(num)d minutes and try again, or sign in with an "
                       "e-mailed link.", exc.minutes)
    response = current_app.make_response((render_template(template, too_many=message, **context), 429))
    response.headers["Retry-After"] = str(exc.seconds)
    return response


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
    with unit_of_work():
        services.record_login(account, method)
    login_user(account)
    session["signed_in_at"] = time.time()
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
            return _password_login(form)
        started = time.monotonic()
        with unit_of_work():
            services.request_login_link(form.email.data)
        # The same answer, after the same time, whether the address is known or not.
        time.sleep(max(0.0, current_app.config["LOGIN_ANSWER_SECONDS"] - (time.monotonic() - started)))
        return render_template("auth/link_sent.html", email=form.email.data,
                               minutes=current_app.config["MAGIC_LINK_MINUTES"])
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


def _password_login(form: LoginForm):
    try:
        with unit_of_work():
            account = services.check_password(form.email.data, form.password.data)
    except TooManyAttempts as exc:
        return _too_many("auth/login.html", exc, form=form)
    except WrongCredentials:
        with unit_of_work():
            services.record_password_failure(form.email.data)
        form.password.errors.append(_("This e-mail address and password do not match."))
        return render_template("auth/login.html", form=form), 400
    return _start(account, "password", password_ok=True)


@bp.route("/link/<token>", methods=["GET", "POST"])
@_strict
def link(token: str):
    """GET shows a button; only the POST uses the link, so mail scanners cannot spend it.
    Access logs never keep the token (app.logs.ScrubSecretsFilter; docs/deploy.md for nginx)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                account = services.consume_login_link(token)
        except InvalidLink:
            return render_template("auth/link_invalid.html"), 400
        return _start(account, "link", password_ok=False)
    return render_template("auth/link_confirm.html", form=form), 400 if form.errors else 200


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
            with unit_of_work():
                services.check_totp(account, form.code.data)
        except TooManyAttempts as exc:
            return _too_many("auth/totp.html", exc, form=form)
        except WrongCode:
            with unit_of_work():
                services.record_totp_failure(account)
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
            with unit_of_work():
                services.set_password(account, form.password.data)
            state["version"] = account.session_version
        elif not services.verify_password(account, form.password.data):
            state["tries"] = state.get("tries", 0) + 1
            if state["tries"] >= PASSWORD_STEP_TRIES:
                session.pop("auth_pending", None)
                flash(_("Too many wrong passwords. Ask for a new sign-in link to try again."), "warning")
                return redirect(url_for("auth.login"))
            session["auth_pending"] = state
            form.password.errors.append(_("This password is not correct."))
            return render_template("auth/password_step.html", form=form, first_time=first_time), 400
        state["password_ok"] = True
        session["auth_pending"] = state
        return redirect(url_for("auth.second_factor"))
    status = 400 if form.errors else 200
    return render_template("auth/password_step.html", form=form, first_time=first_time), status


def _enrol_step(account: Account, state: dict):
    """Enrolment needs this sign-in to have come through the mailbox; the secret stays sealed in the
    database until it is confirmed, never in the session cookie."""
    proven = state["method"] == "link"
    try:
        with unit_of_work():
            secret = services.pending_enrolment_secret(account, proven_by_mail=proven)
    except EnrolmentNeedsMailbox:
        with unit_of_work():
            services.request_login_link(account.email)
        return render_template("auth/enrol_by_link.html", email=account.email,
                               minutes=current_app.config["MAGIC_LINK_MINUTES"])
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.confirm_totp_enrolment(account, form.code.data, proven_by_mail=proven)
        except TooManyAttempts as exc:
            return _too_many("auth/enrol.html", exc, form=form, secret=secret, qr=_qr(account, secret))
        except WrongCode:
            with unit_of_work():
                services.record_totp_failure(account)
            form.code.errors.append(_("This code is not valid. Check the time on your phone and try again."))
        else:
            return _finish(account, state["method"] + "+totp-enrolment")
    if form.errors:
        status = 400
    return render_template("auth/enrol.html", form=form, secret=secret, qr=_qr(account, secret)), status


def _qr(account: Account, secret: str):
    return qr_svg(services.totp_uri(account, secret), _("QR code that adds Une Voix to your authenticator app"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.end_sessions(current_user._get_current_object())
    language = session.get("language")
    logout_user()
    session.clear()
    if language:  # the language chosen on this browser outlives the sign-in
        session["language"] = language
    flash(_("You are signed out."), "success")
    response = redirect(url_for("core.home"))
    # What pages kept in this browser goes too: a voting credential the ballot page holds for the tab,
    # htmx's copies of pages (a shared computer's next user would find them).
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


def _recently_signed_in() -> bool:
    return time.time() - session.get("signed_in_at", 0) < FRESH_SECONDS


@bp.route("/password", methods=["GET", "POST"])
@login_required
@_strict
def password():
    """Change (or set a first) password: the current password, or a sign-in of the last minutes."""
    account: Account = current_user._get_current_object()  # the object itself: login_user needs it
    has_password = account.password_hash is not None
    if not has_password and not _recently_signed_in():
        return render_template("auth/password_fresh.html", form=ConfirmForm())
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.change_password(account, form.current.data if has_password else None, form.password.data)
        except TooManyAttempts as exc:
            return _too_many("auth/password.html", exc, form=form, has_password=has_password)
        except WrongCredentials:
            with unit_of_work():
                services.record_password_failure(account.email)
            form.current.errors.append(_("This is not your current password."))
            return render_template("auth/password.html", form=form, has_password=has_password), 400
        login_user(account)  # the session version changed: keep this session, the others end
        session["signed_in_at"] = time.time()
        flash(_("Your password is saved."), "success")
        return redirect(url_for("core.home"))
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form, has_password=has_password), status


@bp.route("/password/link", methods=["POST"])
@login_required
@_strict
def password_link():
    """Mail a fresh sign-in link to one's own address, to set a first password after it."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("auth/password_fresh.html", form=form), 400
    account: Account = current_user._get_current_object()
    with unit_of_work():
        services.request_login_link(account.email)
    session["auth_next"] = url_for("auth.password")
    return render_template("auth/link_sent.html", email=account.email,
                           minutes=current_app.config["MAGIC_LINK_MINUTES"])
