"""The production configuration as docs/deploy.md deploys it: gunicorn, two workers, behind a proxy
that sets X-Forwarded-For and X-Forwarded-Proto. Checked over real HTTP: Secure cookies, HSTS, the
HTTPS redirect, body limits, rate limits per client address (not per proxy), the per-account wait
shared by every worker, and sign-in tokens kept out of the access log."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from app.extensions import db as _db
from tests.factories import DATABASE_URI, make_member_obj

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
STRONG_KEY = "5c0e9d7a3b1f2e4d6c8a0b9f7e5d3c1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e"
pytestmark = pytest.mark.skipif(not GUNICORN.exists() and not shutil.which("gunicorn"), reason="gunicorn is needed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module (starting two workers takes seconds); each test uses its own addresses."""
    port = _free_port()
    access_log = tmp_path_factory.mktemp("gunicorn") / "access.log"
    env = {**os.environ, "UNEVOIX_ENV": "production", "UNEVOIX_SECRET_KEY": STRONG_KEY,
           "UNEVOIX_SQLALCHEMY_DATABASE_URI": DATABASE_URI, "UNEVOIX_PROXY_COUNT": "1",
           "UNEVOIX_RATELIMIT_STORAGE_URI": "memory://", "UNEVOIX_PUBLIC_URL": "https://vote.example.coop",
           "UNEVOIX_SHARES_EXPORT_DIR": str(tmp_path_factory.mktemp("exports")),  # not the tree's instance/
           # The sign-in page's fixed answer time has its own test (test_account_attacks); here it would
           # only make the rate-limit test's 30 sign-ins wait 9 s.
           "UNEVOIX_LOGIN_ANSWER_SECONDS": "0"}
    env.pop("UNEVOIX_DEMO", None)
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--forwarded-allow-ips", "127.0.0.1",
         "--access-logfile", str(access_log), "--timeout", "60", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stdout.read().decode(errors="replace")) from None
                time.sleep(0.2)
        yield Server(port, access_log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


class Server:
    def __init__(self, port: int, access_log: Path):
        self.port, self.access_log = port, access_log

    def request(self, method: str, path: str, *, client_ip: str = "203.0.113.10", https: bool = True,
                body: bytes | None = None, headers: dict | None = None, cookie: str | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": "vote.example.coop", "X-Forwarded-For": client_ip,
                "X-Forwarded-Proto": "https" if https else "http", **(headers or {})}
        if cookie:
            sent["Cookie"] = cookie
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data.decode(errors="replace")

    def form(self, path: str, fields: dict, *, client_ip: str = "203.0.113.10"):
        """GET the page for its CSRF token and cookie, then POST the form as a browser would."""
        page, html = self.request("GET", path, client_ip=client_ip)
        cookie = page.getheader("Set-Cookie").split(";", 1)[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        return self.request("POST", path, client_ip=client_ip, cookie=cookie,
                            body=urlencode({"csrf_token": token, **fields}).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Referer": f"https://vote.example.coop{path}"})


def test_https_hsts_and_secure_cookies(server):
    plain, _ = server.request("GET", "/auth/login", https=False)
    assert plain.status in (301, 302) and plain.getheader("Location").startswith("https://")
    page, html = server.request("GET", "/auth/login")
    assert page.status == 200
    assert "max-age=" in page.getheader("Strict-Transport-Security")
    cookie = page.getheader("Set-Cookie")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "script-src 'self'" in page.getheader("Content-Security-Policy")


def test_bodies_over_the_limit_are_refused(server):
    response, _ = server.request("POST", "/auth/login", body=b"x" * (3 * 1024 * 1024),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 413


def test_rate_limit_is_per_client_address_behind_the_proxy(server):
    """Two workers with per-process memory storage: a client is stopped after at most 2 x 10 requests.
    A client cannot escape by prefixing its own X-Forwarded-For: only the proxy's last hop counts."""
    statuses = []
    for n in range(30):
        response, _ = server.form("/auth/login", {"email": f"nobody{n}@example.be"},
                                  client_ip=f"10.9.{n}.1, 198.51.100.77")
        statuses.append(response.status)
    assert statuses[:10] == [200] * 10 and 429 in statuses
    assert statuses.count(200) <= 20  # at most 10 a minute in each of the two workers
    other, _ = server.form("/auth/login", {"email": "nobody@example.be"}, client_ip="198.51.100.78")
    assert other.status == 200  # another visitor behind the same proxy is not blocked


def test_wrong_passwords_make_the_account_wait_in_every_worker(server):
    from app.auth.services import set_password

    member = make_member_obj(email="deployed@example.be")
    set_password(member.account, "the right password")
    _db.session.commit()
    statuses = []
    for n in range(7):  # each from another address: only the account's own counter stops them
        response, _ = server.form("/auth/login", {"email": "deployed@example.be", "password": f"wrong {n}"},
                                  client_ip=f"192.0.2.{n + 1}")
        statuses.append(response.status)
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    right, html = server.form("/auth/login", {"email": "deployed@example.be", "password": "the right password"},
                              client_ip="192.0.2.99")
    assert right.status == 429 and right.getheader("Retry-After")
    link, _ = server.form("/auth/login", {"email": "deployed@example.be"}, client_ip="192.0.2.100")
    assert link.status == 200  # the owner can still ask for a link


def test_sign_in_tokens_stay_out_of_the_access_log(server):
    secret = "Zq7secretTOKENvalue0123456789abcdefghijkl"
    response, _ = server.request("GET", f"/auth/link/{secret}")
    assert response.status == 200
    time.sleep(0.5)  # the access log is written after the answer
    log = server.access_log.read_text()
    assert "/auth/link/[token]" in log
    assert secret not in log


class Browser:
    """Cookies kept between requests, forms posted with their CSRF token: a person at a browser."""

    def __init__(self, server: Server, client_ip: str):
        self.server, self.client_ip, self.cookies = server, client_ip, {}

    def _send(self, method, path, body=None, headers=None):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items()) or None
        response, html = self.server.request(method, path, client_ip=self.client_ip, body=body, headers=headers,
                                             cookie=cookie)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response, html

    def get(self, path):
        return self._send("GET", path)

    def post_form(self, path, fields):
        _page, html = self.get(path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        return self._send("POST", path, body=urlencode({"csrf_token": token, **fields}).encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "Referer": f"https://vote.example.coop{path}"})


def _staff_browser(server, email: str, client_ip: str) -> Browser:
    import pyotp

    from app.auth.services import set_password
    from app.clock import utcnow
    from app.models import Role
    from app.sealed import seal
    from tests.factories import make_account

    staff = make_account(roles=(Role.STAFF,), email=email)
    set_password(staff, "a long staff password")
    secret = pyotp.random_base32()
    staff.totp_secret_sealed = seal(secret, {"SECRET_KEY": STRONG_KEY})  # the server's key, not the tests'
    staff.totp_confirmed_at = utcnow()
    _db.session.commit()
    browser = Browser(server, client_ip)
    first, _ = browser.post_form("/auth/login", {"email": email, "password": "a long staff password"})
    assert first.status == 302 and first.getheader("Location").endswith("/auth/second-factor")
    second, _ = browser.post_form("/auth/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert second.status == 302
    return browser


def test_a_staff_session_pages_are_not_cached(server):
    browser = _staff_browser(server, "deployed-staff@example.be", "192.0.2.150")
    page, html = browser.get("/staff/audit")
    assert page.status == 200 and page.getheader("Cache-Control") == "no-store"


def test_register_csv_downloads_under_gunicorn(server):
    """The register CSV staff download, read from the database while it streams (inside the request's
    context) and as the file an export job makes in a worker's thread: both answer with the rows."""
    from datetime import date

    from shares import register

    browser = _staff_browser(server, "deployed-csv@example.be", "192.0.2.151")
    member = make_member_obj(email="in-the-register@example.be", first_name="Deployed", last_name="Holder")
    register.subscribe(member, 2, on=date(2024, 3, 1))
    _db.session.commit()
    header = "\ufeffNo.;Member;"
    response, body = browser.get("/staff/register?format=csv&on=2024-06-01")
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/csv")
    assert body.startswith(header) and "Deployed Holder" in body

    _page, html = browser.get("/staff/register?on=2024-06-01")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    try:
        job, _ = browser._send("POST", "/staff/register/exports",
                               body=urlencode({"csrf_token": token, "on": "2024-06-01", "format": "csv"}).encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "Referer": "https://vote.example.coop/staff/register?on=2024-06-01"})
        assert job.status in (302, 303)
        status_page = job.getheader("Location").removeprefix("https://vote.example.coop")
        deadline = time.monotonic() + 30
        while True:  # the job runs in a thread of whichever worker took the request
            download, body = browser.get(status_page + "/download")
            if download.status != 404 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert download.status == 200 and body.startswith(header) and "Deployed Holder" in body
    finally:  # the server wrote this row: the tests' cleanup only sees the tables this process wrote
        from shares.models import RegisterExport

        _db.session.execute(_db.delete(RegisterExport))
        _db.session.commit()
