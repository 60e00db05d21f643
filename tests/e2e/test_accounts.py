"""A person in Chromium: signs in by e-mailed link, switches language, edits the profile;
staff enrol an authenticator and sign in with a code. Every page is scanned with axe-core."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from app.models import Role
from tests.factories import make_account, make_member_obj
from tests.e2e.conftest import assert_fits_phone, sign_in_with_link

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def test_member_signs_in_by_link_and_edits_profile(phone, live_server, accessible):
    page = phone
    make_member_obj(email="lotte@example.be", first_name="Lotte", last_name="Maes", language="en")
    page.goto(live_server.path("/"))
    accessible(page)
    page.goto(live_server.path("/auth/login"))
    accessible(page)
    assert_fits_phone(page)
    sign_in_with_link(page, live_server, "lotte@example.be")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello Lotte Maes"
    accessible(page)
    page.locator("header.site summary").click()  # on a phone the links fold into the menu
    page.get_by_role("link", name="My profile").click()
    accessible(page)
    assert_fits_phone(page)
    page.get_by_label("City").fill("Gent")
    page.get_by_label("Bank account (IBAN, optional)").fill("BE71 0961 2345 6760")
    page.get_by_role("button", name="Save").click()
    assert page.locator(".error").first.inner_text().startswith("This IBAN is not valid")
    assert page.get_by_label("City").input_value() == "Gent"  # kept as typed
    accessible(page)
    page.get_by_label("Bank account (IBAN, optional)").fill("BE62 5100 0754 7061")
    page.get_by_role("button", name="Save").click()
    assert "Your profile is saved." in page.locator(".flashes").inner_text()
    assert page.get_by_label("City").input_value() == "Gent"


def test_switching_language(phone, live_server):
    page = phone
    page.goto(live_server.path("/auth/login"))
    page.locator("header.site summary").click()  # the languages sit in the phone's menu
    page.get_by_role("button", name="Nederlands").click()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", level=1).inner_text() == "Aanmelden"
    assert page.url.endswith("/auth/login")
    page.locator("header.site summary").click()
    page.get_by_role("button", name="Français").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Se connecter"


def test_staff_enrol_totp_then_sign_in_with_code(page, live_server, accessible):
    make_account(roles=(Role.STAFF,), email="nadia@example.be")
    page.goto(live_server.path("/auth/login"))
    page.get_by_label(re.compile("e-mail", re.I)).first.fill("nadia@example.be")
    page.locator("main form button[type=submit]").last.click()
    from tests.e2e.conftest import latest_mail
    link = re.search(r"(/auth/link/\S+)", latest_mail("nadia@example.be").body_text).group(1)
    page.goto(live_server.path(link))
    page.get_by_role("button", name="Sign me in").click()
    accessible(page)
    page.get_by_label("New password").fill("a long staff password")
    page.get_by_label("Repeat the password").fill("a long staff password")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Set up your authenticator"
    accessible(page)
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label(re.compile("6-digit code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="Audit log").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Audit log"
    accessible(page)
    page.get_by_role("link", name="Members", exact=True).click()
    page.get_by_label(re.compile("^Name, e-mail, member number")).fill("nobody")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#member-results")).to_contain_text("0 members found")
    accessible(page)
    # Sign out, then sign in again with password and a fresh code.
    page.get_by_role("button", name="Sign out").click()
    page.goto(live_server.path("/auth/login"))
    page.get_by_label(re.compile("e-mail", re.I)).first.fill("nadia@example.be")
    page.locator("main summary").click()
    page.get_by_label(re.compile("Password")).fill("a long staff password")
    page.locator("main form button[type=submit]").last.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    accessible(page)
    # The enrolment used the current code; a code is good once, so sign in with the next one.
    totp = pyotp.TOTP(secret)
    page.get_by_label(re.compile("6-digit code")).fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")


def test_outbox_and_error_pages_are_accessible(page, live_server, accessible):
    page.goto(live_server.path("/dev/outbox"))
    accessible(page)
    page.goto(live_server.path("/no-such-page"))
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    accessible(page)
