"""Signing in: single-use e-mailed links, passwords, and TOTP for accounts holding roles."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.web import whole_number


def init_login(app, login_manager) -> None:
    from app.models import Account

    from app.audit import (named_rows, register_action_labels, register_field_labels, register_object_labels,
                           register_object_names, register_value_words)

    register_action_labels({"app.session.sign_in": _l("Signed in"), "app.password.set": _l("Password set"),
                            "app.role.grant": _l("Role granted"),
                            "app.totp.enrol": _l("Authenticator app enrolled")})
    register_object_labels({"app_account": _l("Account"), "system": _l("System")})
    register_object_names("app_account", named_rows(Account, lambda account, language: account.email))
    register_field_labels({"role": _l("Role")})
    register_value_words("app_account", {
        "method": {"link": _l("link sent by e-mail"), "link+totp": _l("e-mailed link and authenticator code"),
                   "link+totp-enrolment": _l("e-mailed link, authenticator app enrolled"),
                   "password": _l("password"), "password+totp": _l("password and authenticator code")},
        "role": {"staff": _l("staff"), "board": _l("board member"), "secretary": _l("board secretary"),
                 "officer": _l("election officer"), "scrutineer": _l("scrutineer")}})
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_account(session_id: str):
        account_id, _, version = (whole_number(part) for part in session_id.partition(":"))
        if account_id is None or version is None:
            return None
        # The roles in the same query (a join) rather than a second one: every signed-in request.
        account = db.session.get(Account, account_id, options=[joinedload(Account.roles)])
        if account is None or account.session_version != version:
            return None
        return account


def login_redirect():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
