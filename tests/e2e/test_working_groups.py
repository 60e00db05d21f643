"""Working groups and board minutes in Chromium: a secretary drafts minutes, the board approves them, a member
reads the synthesis in Dutch on a phone; a group submits a recommendation, the secretary answers it and
follows it to "done" while a member watches it from their home page. axe-core scans each screen."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from app.models import Role
from tests.factories import give_paid_share, make_account, make_member_obj
from working_groups import services
from working_groups.models import GroupRole
from tests.e2e.conftest import assert_fits_phone

# Balances the two runs of `make test` (docs/architecture.md, "Tests").
pytestmark = pytest.mark.sqlite_only(reason="the browser's side of pages whose reads and writes "
                                            "tests/working_groups proves on PostgreSQL")

PHONE = {"width": 360, "height": 740}


def role_account(email: str, role: Role, name: str):
    account = make_account(roles=(role,), email=email)
    account.display_name = name
    db.session.commit()
    return account


def confirm(page, summary: str, button: str) -> None:
    """Open the confirmation box, tick it, press the button."""
    page.get_by_text(summary, exact=True).click()
    box = page.locator("details[open]")
    box.get_by_label("I confirm: this cannot be undone.").check()
    box.get_by_role("button", name=button).click()


def test_secretary_drafts_board_approves_member_reads_in_dutch(browser, live_server, sign_in, accessible):
    secretary = role_account("luc.secretary@example.be", Role.SECRETARY, "Luc Secretary")
    board = [role_account(f"{n.lower()}.board@example.be", Role.BOARD, f"{n} Board") for n in ("Sofie", "Karim")]
    reader = give_paid_share(make_member_obj(first_name="Lotte", last_name="Maes", language="nl"))
    meeting_on = today() - timedelta(days=3)

    sec = browser.new_context().new_page()
    sec.set_default_timeout(10_000)
    sign_in(sec, live_server, secretary)
    sec.get_by_role("link", name="Board minutes").click()
    sec.get_by_role("link", name="Draft the minutes of a meeting").click()
    sec.get_by_label("Date of the board meeting").fill(meeting_on.isoformat())
    sec.get_by_label("Place (optional)").fill("Bruxelles")
    sec.get_by_role("button", name="Start the draft").click()
    expect(sec.get_by_role("heading", level=1)).to_contain_text("Edit the minutes")
    sec.get_by_label("Summary of the discussion").fill("Le Conseil a examiné le budget.")
    sec.get_by_role("button", name="Save the minutes").click()
    sec.get_by_label("Agenda item").fill("Budget")
    sec.get_by_role("button", name="Add the item").click()
    sec.get_by_label("Decision", exact=True).fill("Le budget est approuvé.")
    sec.get_by_label("Votes for").fill("2")
    sec.get_by_role("button", name="Add the decision").click()
    expect(sec.locator("table")).to_contain_text("Le budget est approuvé.")
    for code, language, title, body in (
            ("fr", "French", "Le budget de l'année", "Le Conseil a approuvé le budget."),
            ("nl", "Dutch", "De begroting van het jaar", "De raad keurde de begroting goed."),
            ("en", "English", "The year's budget", "The board approved the budget.")):
        sec.get_by_role("link", name=f"write {language}").click()
        sec.get_by_label("Title").fill(title)
        sec.get_by_label("Synthesis for members").fill(body)
        sec.get_by_role("button", name="Save the synthesis").click()
    accessible(sec)
    sec.locator("#circulate summary").click()  # a confirmation: every board member gets a mail
    sec.get_by_role("button", name="Yes, send the draft to the board").click()
    expect(sec.locator(".flash")).to_contain_text("sent to the board members")
    minutes_url = sec.url

    for account in board:
        page = browser.new_context().new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, account)
        page.get_by_role("link", name=re.compile("Read and approve the minutes")).click()
        accessible(page)
        confirm(page, "I approve these minutes", "Approve the minutes")
        expect(page.locator(".flash")).to_contain_text("Your approval is recorded.")
        page.context.close()

    sec.goto(minutes_url)
    expect(sec.locator(".facts")).to_contain_text("approved")
    confirm(sec, "Publish the synthesis to members", "Publish and notify members")
    expect(sec.locator(".flash")).to_contain_text("members are told in their language")
    sec.context.close()

    member = browser.new_context(viewport=PHONE).new_page()
    member.set_default_timeout(10_000)
    sign_in(member, live_server, reader.email)
    member.get_by_role("link", name=re.compile("Nieuw: synthese van de raadsvergadering")).click()
    expect(member.locator("article")).to_contain_text("De raad keurde de begroting goed.")
    expect(member.locator("article")).to_have_attribute("lang", "nl")
    assert_fits_phone(member)
    accessible(member)
    # The full minutes stay with the board.
    member.goto(minutes_url)
    assert "Le budget est approuvé." not in member.content()
    member.context.close()


def test_a_group_submits_and_a_member_follows_a_recommendation_to_done(browser, live_server, sign_in, accessible):
    group = services.create_group(
        slug="outils", name={"fr": "Outils informatiques", "nl": "Digitale tools", "en": "IT tools"},
        mandate_text={"en": "Offer places where members are consulted on the IT tools."},
        mandate_decided_on=today() - timedelta(days=160), call_text={"en": "Help us improve the tools."})
    facilitator = make_member_obj(first_name="Wouter", last_name="Claes", language="en")
    services.add_to_group(group, facilitator, GroupRole.FACILITATOR)
    db.session.commit()
    reader = make_member_obj(first_name="Inès", last_name="Benali", language="en")
    secretary = role_account("ilse.secretary@example.be", Role.SECRETARY, "Ilse Secretary")
    title = "Make the platform usable on a phone"

    group_page = browser.new_context().new_page()
    group_page.set_default_timeout(10_000)
    sign_in(group_page, live_server, facilitator.email)
    group_page.get_by_role("link", name="Working groups").first.click()
    group_page.get_by_role("link", name="IT tools").click()
    accessible(group_page)
    group_page.get_by_role("link", name="Draft a recommendation").click()
    accessible(group_page)
    group_page.get_by_label("Title").fill(title)
    group_page.get_by_label("Recommendation", exact=True).fill("Invoices, contracts and expense notes can be made on a phone.")
    group_page.get_by_label("Rationale").fill("Many members work on the move.")
    group_page.get_by_role("button", name="Save").click()
    expect(group_page.locator(".flash")).to_contain_text("Your draft is saved")
    group_page.get_by_role("link", name="IT tools").click()
    group_page.get_by_role("link", name="Schedule a meeting").click()
    group_page.get_by_label("Date").fill((today() - timedelta(days=1)).isoformat())
    group_page.get_by_label("Agenda").fill("1. Adoption")
    group_page.get_by_role("button", name="Schedule").click()
    group_page.get_by_text("Adopt drafts at this meeting").click()
    accessible(group_page)
    group_page.get_by_label(title).check()
    group_page.locator("details[open]").get_by_label("I confirm: this cannot be undone.").check()
    group_page.get_by_role("button", name="Adopt", exact=True).click()
    expect(group_page.locator(".flash")).to_contain_text("The recommendations are adopted.")
    group_page.get_by_role("link", name="IT tools").click()
    group_page.get_by_role("link", name="Submit the adopted recommendations to the board").click()
    accessible(group_page)
    group_page.get_by_label("I confirm: this cannot be undone.").check()
    group_page.get_by_role("button", name="Submit to the board").click()
    expect(group_page.locator(".flash")).to_contain_text("submitted to the board")
    group_page.context.close()

    sec = browser.new_context().new_page()
    sec.set_default_timeout(10_000)
    sign_in(sec, live_server, secretary)
    sec.get_by_role("link", name=re.compile("Recommendations waiting for the board")).click()
    sec.get_by_role("link", name=title).click()
    sec.get_by_text("Answer for the board", exact=True).click()
    accessible(sec)
    sec.get_by_label("accepted", exact=True).check()
    sec.get_by_label("Reasoning").fill("Accepted; contracts first.")
    sec.get_by_label("I confirm: this cannot be undone.").check()
    sec.get_by_role("button", name="Record the answer").click()
    expect(sec.locator(".flash")).to_contain_text("The board's answer is recorded.")
    rec_url = sec.url

    member = browser.new_context(viewport=PHONE).new_page()
    member.set_default_timeout(10_000)
    sign_in(member, live_server, reader.email)
    member.locator("header.site summary").click()  # on a phone the links are in the menu
    member.get_by_role("link", name="Recommendations").first.click()
    assert_fits_phone(member)
    accessible(member)
    member.get_by_role("link", name=title).click()
    member.get_by_role("button", name="Follow this recommendation").click()
    expect(member.locator(".flash")).to_contain_text("You follow this recommendation")

    for status, note in (("in progress", "Contracts can be made on a phone."), ("done", "Invoices too.")):
        sec.goto(rec_url)
        sec.get_by_label("Implementation status").select_option(label=status)
        sec.get_by_label("Progress note").fill(note)
        if status == "done":
            sec.get_by_label("Done or abandoned: I confirm it is final.").check()
        sec.get_by_role("button", name="Save the note").click()
        expect(sec.locator(".flash")).to_contain_text("The progress note is saved.")
    sec.context.close()

    member.goto(live_server.path("/"))
    member.get_by_role("link", name=re.compile(f"Recommendation you follow: {title} \\(now done\\)")).click()
    expect(member.locator(".timeline")).to_contain_text("Invoices too.")
    expect(member.locator("h1 + p .status")).to_have_text("done")
    assert_fits_phone(member)
    accessible(member)
    member.context.close()
