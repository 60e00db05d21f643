"""Configuration: defaults here, overridden by ``UNEVOIX_*`` environment variables."""
from __future__ import annotations

import json
import math
import os
import string
from collections import Counter
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
    # How many reverse proxies the operator puts in front of the app (docs/deploy.md): the client's
    # address is read from X-Forwarded-For only that many hops back, never further.
    PROXY_COUNT = 0
    MAGIC_LINK_MINUTES = 10
    # How often a live part of a page asks the server again (htmx polling), in seconds: a member's
    # renewal box waits for the bank, a register file being made, the renewal letters going out, the
    # projector during a vote and while the scrutineers decrypt, a scrutineer's page waiting for the
    # others' steps, and for the close while the box is open. Shorter is fresher and costs a request
    # per open page each time.
    POLL_SECONDS: dict = {"renewal_status": 10, "register_export": 2, "renewal_campaign": 5, "projector_vote": 3,
                          "projector_tally": 15, "scrutineer": 10, "scrutineer_open": 30}
    # A sign-in request answers no sooner than this, whether the address is known or not.
    LOGIN_ANSWER_SECONDS = 0.3
    # The argon2 parameters of new password hashes: a profile of ``argon2.profiles``. The default is
    # argon2-cffi's own (RFC 9106's low-memory choice: 3 passes over 64 MiB, 4 lanes); production refuses
    # a weaker one. A stored hash carries its parameters, so it verifies whatever the setting is, and is
    # rehashed with the current ones at the next sign-in.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
    # Encrypts TOTP secrets at rest (any long random string); without it, a key derived from SECRET_KEY.
    TOTP_ENCRYPTION_KEY: str | None = None
    # Request bodies: the default ceiling; a route that takes an upload raises it with @allow_upload(bytes).
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 512 * 1024
    # Larger bodies for named routes (endpoint -> bytes), as @allow_upload does on the view itself.
    UPLOAD_LIMITS: dict = {
        "shares.statement_import": 25 * 1024 * 1024,   # a year of camt.053 statements
        "voting.scrutineer_upload": 8 * 1024 * 1024,   # a decryption step of a large election
        "voting.trustee_step": 8 * 1024 * 1024,
        # A photo of up to CANDIDATES_PHOTO_MAX_BYTES (5 MB) and the form around it: the service's own
        # "too large" sentence answers up to here, a 413 beyond.
        "candidates.application_form": 6 * 1024 * 1024,
        "candidates.submit_application": 6 * 1024 * 1024,
        "candidates.autosave": 6 * 1024 * 1024,
    }
    # Outbound mail: with no MAIL_SERVER, mail stays in the outbox table (demo, tests).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = True
    MAIL_SENDER = "Une Voix <noreply@unevoix.example>"
    # Where members write to the cooperative (named in mail that may need an answer: an address changed).
    COOP_CONTACT_EMAIL = "contact@unevoix.example"
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
    # A register file job that gave no sign of life for this long (its worker restarted) is marked failed.
    SHARES_EXPORT_STALE_SECONDS = 600
    # The public "become a member" form: how often one address may send it.
    ADMISSION_RATE_LIMIT = "5 per hour; 20 per day"
    LOG_LEVEL = "INFO"
    LOG_FORMAT = "text"  # text | json (see app/logs.py)
    # General assemblies: convocations go out at least this many days before the meeting (CSA art.
    # 6:70 says fifteen; statutes may say more). The secretary may confirm a shorter notice (a second
    # assembly, a board decision), which the audit log keeps.
    ASSEMBLY_NOTICE_DAYS = 15
    # Verifiable ballots: a published count combines at least this many ballots (per category
    # too); below it the result says so instead of the numbers (UNEVOIX_VOTING_MIN_BALLOTS).
    VOTING_MIN_BALLOTS = 5


# Demo and example keys that appear in the code or docs: never accepted in production.
KNOWN_WEAK_SECRETS = frozenset({
    "test-secret", "secret", "changeme", "change-me", "dev", "development", "demo", "unevoix", "une-voix",
    "x" * 32, "0" * 32, "0" * 64, "your-secret-key", "replace-me",
})
MIN_SECRET_BYTES = 32


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
    LOGIN_ANSWER_SECONDS = 0.0
    WTF_CSRF_ENABLED = False
    JOBS_INLINE = True  # background jobs run in the request's thread (one in-memory database)
    PASSWORD_HASH_PROFILE = "CHEAPEST"  # tests hash and check many passwords: argon2's lowest parameters


def _string_keys(base: type) -> set[str]:
    """Settings whose default is a string or ``None`` (secrets, addresses, URIs): read as typed, always."""
    keys = set()
    for cls in base.__mro__:
        for key, annotation in getattr(cls, "__annotations__", {}).items():
            if "str" in str(annotation):
                keys.add(key)
        keys.update(k for k, v in vars(cls).items() if k.isupper() and isinstance(v, str))
    return keys


def _coerce(key: str, raw: str, string_keys: set[str]):
    """A string setting (a secret, a password, a URI) is kept exactly as typed, even if it looks like a
    number or JSON; other values are JSON when they parse as JSON (numbers, booleans, lists)."""
    if key in string_keys or key.endswith(("_KEY", "_PASSWORD", "_SECRET", "_TOKEN", "_URI", "_URL")):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def weak_secret_reason(key) -> str | None:
    """Why ``key`` is not fit to sign production sessions, or ``None`` when it is."""
    if not isinstance(key, str) or not key:
        return "it is not set"
    if key.strip().lower() in KNOWN_WEAK_SECRETS:
        return "it is a known demo or example value"
    # What each character can carry at best: hex 4 bits, base64 6 bits, any printable ~6.5 bits.
    if all(c in string.hexdigits for c in key):
        per_char = 4.0
    elif all(c in string.ascii_letters + string.digits + "-_+/=" for c in key):
        per_char = 6.0
    else:
        per_char = math.log2(95)
    if len(key.encode()) < MIN_SECRET_BYTES or len(key) * per_char < 8 * MIN_SECRET_BYTES:
        return f"it holds fewer than {MIN_SECRET_BYTES} random bytes"
    counts = Counter(key)
    entropy_bits = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values()) * len(key)
    if len(counts) < 8 or entropy_bits < 128:
        return "it is not random enough (generate it with: python3 -c 'import secrets; print(secrets.token_hex(32))')"
    return None


def load_config(app, overrides: dict | None = None) -> None:
    env = os.environ.get("UNEVOIX_ENV", "development")
    base = {"production": ProductionConfig, "testing": TestingConfig}.get(env, Config)
    app.config.from_object(base)
    string_keys = _string_keys(base)
    for key, raw in os.environ.items():
        if key.startswith("UNEVOIX_") and key != "UNEVOIX_ENV":
            name = key.removeprefix("UNEVOIX_")
            app.config[name] = _coerce(name, raw, string_keys)
    if overrides:
        app.config.update(overrides)
    strength = password_hash_parameters(app.config["PASSWORD_HASH_PROFILE"])  # an unknown one is refused
    if app.config["ENV_NAME"] == "production":
        reason = weak_secret_reason(app.config.get("SECRET_KEY"))
        if reason:
            raise RuntimeError(f"UNEVOIX_SECRET_KEY is refused in production: {reason}.")
        if app.config.get("DEMO"):
            raise RuntimeError("UNEVOIX_DEMO must not be set in production: it opens /dev/outbox to everyone.")
        strong = password_hash_parameters(Config.PASSWORD_HASH_PROFILE)
        if any(mine < least for mine, least in zip(strength, strong)):
            raise RuntimeError("UNEVOIX_PASSWORD_HASH_PROFILE is refused in production: weaker than "
                               f"{Config.PASSWORD_HASH_PROFILE}.")
        if "UNEVOIX_PUBLIC_URL" not in os.environ and not (overrides and "PUBLIC_URL" in overrides):
            raise RuntimeError("UNEVOIX_PUBLIC_URL must be set in production (e.g. https://vote.example.coop): "
                               "every link in mail and letters starts with it.")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "connect_args": {"timeout": 30}}


def password_hash_parameters(profile: str) -> tuple[int, int]:
    """(passes, memory in KiB) of an ``argon2.profiles`` profile named in the settings; unknown: refused."""
    from argon2 import profiles

    parameters = getattr(profiles, profile, None) if profile.isupper() else None
    if parameters is None:
        raise RuntimeError(f"PASSWORD_HASH_PROFILE {profile!r} is not a profile of argon2.profiles.")
    return parameters.time_cost, parameters.memory_cost


def _development_secret(app) -> str:
    """A per-checkout random key kept in instance/, so development sessions survive restarts."""
    path = ROOT / "instance" / "secret_key"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(os.urandom(32).hex())
    return path.read_text().strip()
