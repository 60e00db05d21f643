"""The application factory. No database work, migrations or network at start-up."""
from __future__ import annotations

import importlib

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from app import logs
from app.config import ROOT, load_config

# The domain packages, lowest first: app <- shares <- the others (see docs/architecture.md).
DOMAIN_PACKAGES = ("shares", "voting", "candidates", "working_groups", "assemblies")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    load_config(app, config)
    logs.init_app(app)
    if app.config.get("PROXY_COUNT"):
        # Behind the reverse proxies the operator declares (docs/deploy.md): X-Forwarded-For and -Proto
        # are read exactly PROXY_COUNT hops back, so a client cannot choose its own address.
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    _harden(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_domains(app)
    _register_template_helpers(app)
    return app


def _harden(app: Flask) -> None:
    """Before anything reads a request: bounded ids in URLs, per-route body limits, scrubbed logs."""
    from app import web

    web.harden(app)


def _init_extensions(app: Flask) -> None:
    from app import auth, i18n
    from app.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Europe/Brussels")
    limiter.init_app(app)
    htmx.init_app(app)
    # Talisman keeps its settings on itself, not per app: one instance per app.
    Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy={
            "default-src": "'self'",
            "img-src": "'self' data:",
            "style-src": "'self'",
            "script-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
    )
    auth.init_login(app, login_manager)


def _register_blueprints(app: Flask) -> None:
    from app import errors
    from app.auth.views import bp as auth_bp
    from app.authz import can_view_audit, signs_in_with_password
    from app.registry import nav_item
    from app.views import bp as core_bp

    errors.register(app)
    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    nav_item(_l("Audit log"), "core.audit_log", can_view_audit, order=90)
    nav_item(_l("My password"), "auth.password", signs_in_with_password, order=95)


def _register_domains(app: Flask) -> None:
    """Each domain package's ``init_app`` registers its blueprint, commands, demo loader,
    navigation links and home-page tasks. The order is the order of dependency."""
    for name in DOMAIN_PACKAGES:
        importlib.import_module(name).init_app(app)


def _register_cli(app: Flask) -> None:
    from app.cli import accounts_cli, demo_command, mail_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(mail_cli)


def _register_template_helpers(app: Flask) -> None:
    from app import authz, web

    app.jinja_env.globals.update(authz.PREDICATES)
    web.register(app)
