"""Configuration: defaults here, overridden by ``UNEVOIX_*`` environment variables."""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Config:
    SECRET_KEY: str | None = None
    ENV_NAME = "development"  # development | production | testing
    DEMO = False
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{ROOT / 'instance' / 'unevoix.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("fr", "nl", "en")
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    FORCE_HTTPS = False
    PROXY_COUNT = 0
    MAGIC_LINK_MINUTES = 15
    # Outbound mail: with no MAIL_SERVER, mail stays in the outbox table (demo, tests).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = True
    MAIL_SENDER = "Une Voix <noreply@unevoix.example>"
    # The cooperative's legal identity, printed on certificates and the register. Its legal form is
    # the SC / CV of the 2019 Code of companies and associations (the SCRL no longer exists).
    COOP_NAME = "Une Voix"
    COOP_LEGAL_FORM = "SC"  # printed as "SC" in French, "CV" in Dutch ("cooperative company (SC)" in English)
    COOP_REGISTERED_OFFICE = "Rue Coenraets 72, 1060 Saint-Gilles"
    COOP_ENTERPRISE_NUMBER = "0403.170.701"  # demo value: set the real one (BCE/KBO)
    # Admission of new members: "payment" (admitted when the first shares are paid) or "decision"
    # (paid applications wait for a board or staff decision with its date and reference).
    ADMISSION_MODE = "payment"
    # Buying more shares: False (immediate) or True (a request a board or staff decision approves).
    SHARE_PURCHASE_NEEDS_DECISION = False
    # The share register. Demo bank details: a valid Belgian IBAN.
    COOP_IBAN = "BE71096123456769"
    COOP_BIC = "GKCCBEBB"
    SHARE_PRICE_CENTS = {"A": 3000, "B": 3000}  # nominal value of one share, per category
    CATEGORY_MIN_SHARES = {"A": 1, "B": 1}  # what a member of each category must keep
    SHARES_BANK_ACCOUNTS: list = []  # other accounts whose statements may be imported
    RENEWAL_AMOUNT_CENTS = 3000
    RENEWAL_REMINDER_DAYS = (21, 42)  # days after the request
    RENEWAL_GRACE_DAYS = 30  # after the last reminder, before a member counts as lapsed
    CERTIFICATE_KEY: str | None = None  # signs certificates (else SECRET_KEY); changing it voids issued ones
    # The address members reach the site at: every link in mail and letters starts with it.
    # ``make run`` sets it from PORT; production refuses to start without it.
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Register exports (PDF, CSV) made by background jobs are written here (relative: under instance/).
    SHARES_EXPORT_DIR = "exports"
    # The public "become a member" form: how often one address may send it.
    ADMISSION_RATE_LIMIT = "5 per hour; 20 per day"
    LOG_LEVEL = "INFO"
    LOG_FORMAT = "text"  # text | json (see app/logs.py)


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = True
    PROXY_COUNT = 1


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    BABEL_DEFAULT_LOCALE = "en"  # tests read English unless they ask for another language
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False
    SHARES_EXPORT_INLINE = True  # register files made in the request's thread (one in-memory database)


def _coerce(raw: str):
    """Environment values are JSON when they parse as JSON (numbers, booleans), else strings."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_config(app, overrides: dict | None = None) -> None:
    env = os.environ.get("UNEVOIX_ENV", "development")
    base = {"production": ProductionConfig, "testing": TestingConfig}.get(env, Config)
    app.config.from_object(base)
    for key, raw in os.environ.items():
        if key.startswith("UNEVOIX_") and key != "UNEVOIX_ENV":
            app.config[key.removeprefix("UNEVOIX_")] = _coerce(raw)
    if overrides:
        app.config.update(overrides)
    if app.config["ENV_NAME"] == "production" and not app.config.get("SECRET_KEY"):
        raise RuntimeError("UNEVOIX_SECRET_KEY must be set in production.")
    if app.config["ENV_NAME"] == "production" and "UNEVOIX_PUBLIC_URL" not in os.environ and not (
            overrides and "PUBLIC_URL" in overrides):
        raise RuntimeError("UNEVOIX_PUBLIC_URL must be set in production (e.g. https://vote.example.coop): "
                           "every link in mail and letters starts with it.")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "connect_args": {"timeout": 30}}


def _development_secret(app) -> str:
    """A per-checkout random key kept in instance/, so development sessions survive restarts."""
    path = ROOT / "instance" / "secret_key"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(os.urandom(32).hex())
    return path.read_text().strip()
