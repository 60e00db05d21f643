"""Browser tests: Playwright drives Debian's Chromium against the real app served from a thread: its
headless shell (``chromium-headless-shell``, the browser Playwright itself runs headless tests in:
the same engine without the desktop browser around it, half the CPU), or else ``chromium``.

Fixtures and helpers:
- ``browser_type_launch_args``: points pytest-playwright at that browser on the PATH (never downloads one);
- ``live_app``: an application on the test database with CSRF protection on, as in production, whose
  live parts poll faster (``POLL_SECONDS``);
- ``live_server``: that application served by werkzeug on a free port; ``live_server.url``;
- ``sign_in_with_link(page, live_server, email)``: the real e-mailed-link flow, reading the outbox table;
  ``sign_in_with_password_and_code(page, live_server, account)``: an account with roles, the real way;
  ``sign_in(page, live_server, email or account)`` (fixture; ``sign_in_directly``): signed in without the
  sign-in pages, for the journeys that only start there;
- ``accessible(page)`` (fixture; ``assert_accessible``): an axe-core scan that fails on serious or
  critical violations; ``axe_violations(page)`` returns them;
- ``assert_fits_phone(page)``: the page does not scroll sideways (names the elements that stick out).

Every test in this folder is marked ``e2e``; the folder is skipped when no Chromium is installed."""
from __future__ import annotations

import functools
import re
import shutil
import threading
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

from app.extensions import db as _db
from app.models import OutboxMessage

CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
            # werkzeug's test server leaves a static file's handle to the garbage collector when the
            # browser drops the connection mid-response (a page left while its favicon loads); the
            # warning is raised in the server's thread and says nothing about the app.
            item.add_marker(pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"))
            if CHROMIUM is None:
                item.add_marker(pytest.mark.skip(reason="no Chromium on the PATH (apt-get install chromium-headless-shell)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync"]}


# Live parts of pages poll every second or two: a test waits for the update, not for production's pace.
POLL_SECONDS = {"renewal_status": 1, "register_export": 1, "projector_vote": 1, "projector_tally": 2, "scrutineer": 1}


@pytest.fixture(scope="session")
def live_app(app):
    """The same database as ``app`` but CSRF protection on, so forms are tested as they really post."""
    from app import create_app

    live = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SERVER_NAME": None,
                       "WTF_CSRF_ENABLED": True, "DEMO": True, "POLL_SECONDS": POLL_SECONDS})
    yield live
    with live.app_context():
        _db.session.remove()
        _db.engine.dispose()


@dataclass
class LiveServer:
    url: str
    app: object

    def path(self, path: str) -> str:
        return self.url + path


class _ServingCount:
    """The app, counting the requests it is serving. The server's teardown waits for them: a request still
    running (a page's poll or autosave as its test ended) holds a database connection, which, given back to
    the pool ``live_app`` disposes, would be left to the garbage collector (psycopg's ResourceWarning on
    PostgreSQL, an error at the end of the run)."""

    def __init__(self, app) -> None:
        self.app = app
        self.serving = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.serving += 1
        try:
            return ClosingIterator(self.app(environ, start_response), self._done)
        except BaseException:
            self._done()
            raise

    def _done(self) -> None:
        with self.changed:
            self.serving -= 1
            self.changed.notify_all()

    def wait_until_idle(self, timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.serving == 0, timeout)


@pytest.fixture(scope="session")
def live_server(live_app):
    counted = _ServingCount(live_app)
    server = make_server("127.0.0.1", 0, counted, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=live_app)
    server.shutdown()
    thread.join(timeout=10)
    counted.wait_until_idle(timeout=10)


@pytest.fixture
def page(page):
    """Fail fast instead of waiting 30 s on a selector that is not there."""
    page.set_default_timeout(10_000)
    return page


# `expect` waits as long as a selector does (its own default is 5 s): `make test` runs the SQLite and
# PostgreSQL suites side by side on two cores, and a page can take more than 5 s to come under load.
expect.set_options(timeout=10_000)


_LINK = re.compile(r"https?://\S+?(/auth/link/[A-Za-z0-9_\-]+)")


def latest_mail(to: str, containing: str | None = None) -> OutboxMessage | None:
    """The newest message queued for ``to`` (with ``containing`` in its text), read afresh (the server
    commits in its own thread)."""
    _db.session.rollback()
    stmt = _db.select(OutboxMessage).where(OutboxMessage.to_address == to.lower())
    if containing:
        stmt = stmt.where(OutboxMessage.body_text.contains(containing))
    return _db.session.scalars(stmt.order_by(OutboxMessage.id.desc()).limit(1)).first()


def sign_in_with_link(page, live_server: LiveServer, email: str) -> None:
    """Ask for a sign-in link on the login page, read it from the outbox, open it and confirm."""
    before = latest_mail(email, "/auth/link/")
    page.goto(live_server.path("/auth/login"))
    page.get_by_label(re.compile("e-mail", re.I)).first.fill(email)
    page.locator("main form button[type=submit]").last.click()
    # The answer takes the same time whether the address is known or not: wait for the mail. A link
    # mailed less than a minute ago and unused still works, and then no new one is sent: use it.
    for _ in range(30):
        message = latest_mail(email, "/auth/link/")
        if message is not None and (before is None or message.id != before.id):
            break
        page.wait_for_timeout(100)
    assert message is not None, "no sign-in link was queued"
    match = _LINK.search(message.body_text)
    assert match, f"no sign-in link in the message: {message.body_text!r}"
    page.goto(live_server.path(match.group(1)))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^" + re.escape(live_server.url) + r"/(\?.*)?$"))


PASSWORD = "a long password for the browser tests"


def sign_in_with_password_and_code(page, live_server: LiveServer, account) -> None:
    """The real sign-in of an account with roles: e-mail and password, then its authenticator's code.
    The account is given that password and a confirmed authenticator first."""
    import pyotp

    from app.auth.services import set_password
    from app.clock import utcnow

    set_password(account, PASSWORD)
    secret = pyotp.random_base32()
    account.totp_secret, account.totp_confirmed_at = secret, utcnow()
    _db.session.commit()
    page.goto(live_server.path("/auth/login"))
    page.get_by_label(re.compile("e-mail", re.I)).first.fill(account.email)
    page.locator("main summary").click()
    page.get_by_label(re.compile("Password")).fill(PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.get_by_label(re.compile("6-digit code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def sign_in_directly(page, live_server: LiveServer, who) -> None:
    """``page``'s browser signed in as ``who`` (an account or its e-mail), on the home page: the live
    app's own session cookie, made by ``tests.factories.sign_in`` for this browser (Flask-Login's
    strong protection binds a session to the browser's address and user agent). For the journeys
    that start signed in; the sign-in pages themselves are driven by ``sign_in_with_link`` and
    ``sign_in_with_password_and_code`` in test_accounts.py, a member's vote by link and the
    scrutineer's and staff's first journeys."""
    from app.models import Account
    from tests.factories import sign_in as sign_in_client

    account = who if isinstance(who, Account) else _db.session.scalar(
        _db.select(Account).where(Account.email == who.lower()))
    client = live_server.app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = page.evaluate("navigator.userAgent")
    sign_in_client(client, account)
    name = live_server.app.config["SESSION_COOKIE_NAME"]
    page.context.add_cookies([{"name": name, "value": client.get_cookie(name).value, "url": live_server.url}])
    page.goto(live_server.path("/"))
    expect(page.locator("form[action$='/auth/logout']")).to_have_count(1)  # signed in, in any language


@pytest.fixture
def sign_in():
    return sign_in_directly


BLOCKING_IMPACTS = ("serious", "critical")


@functools.cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()  # reads axe-core's script (570 kB) from disk: once


def axe_violations(page, impacts=BLOCKING_IMPACTS) -> list[dict]:
    # A click that navigates returns once the next page has started: scan it with its stylesheets.
    page.wait_for_load_state()
    results = _axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def assert_accessible(page, impacts=BLOCKING_IMPACTS) -> None:
    """axe-core on the current page: no serious or critical violation."""
    violations = axe_violations(page, impacts)
    assert not violations, "accessibility violations on {}:\n{}".format(page.url, "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in violations))


@pytest.fixture
def accessible():
    return assert_accessible


@pytest.fixture(name="axe_violations")
def axe_violations_fixture():
    return axe_violations


# The elements that stick out of the window, for the failure message.
_WIDER_THAN_WINDOW = """[...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8)
    .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + (e.textContent || '').trim().slice(0, 40))"""


def assert_fits_phone(page) -> None:
    """The page does not scroll sideways. Waits for a navigation the last click started, whose
    new document may not exist yet when the check runs."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        page.wait_for_load_state()
        try:
            if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
                return
            break
        except PlaywrightError:  # the document was being replaced; look again once it is there
            if attempt == 2:
                raise
    raise AssertionError(f"{page.url} scrolls sideways: {page.evaluate(_WIDER_THAN_WINDOW)}")
