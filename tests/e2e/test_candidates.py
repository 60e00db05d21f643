"""A member applies on a phone, the secretary accepts and publishes, the public page shows the
candidates in the languages they wrote in. Every new page is scanned with axe-core."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from candidates import services
from shares.models import Category
from tests.candidates.conftest import call_values, full_fields, make_standing_member, png_bytes
from tests.factories import make_account
from tests.e2e.conftest import assert_fits_phone, sign_in_directly

PHONE = {"width": 360, "height": 740}


def secretary_signs_in(page, live_server):
    from app.models import Role

    account = make_account(roles=(Role.SECRETARY,), email="luc.secretary@example.be")
    db.session.commit()
    sign_in_directly(page, live_server, account)
    return account


def test_member_applies_secretary_accepts_public_page_in_two_languages(page, live_server, sign_in, accessible):
    call = services.create_call(**call_values(slug="board-e2e", title_en="Call for candidates to the board"))
    services.announce_call(call)
    other = make_standing_member(language="nl", category=Category.B)
    earlier = services.save_application(call, other, full_fields(language="nl", published_name="Jan Peeters",
                                                                 biography="Vertaler in Gent, lid sinds 2016."),
                                        photo=png_bytes(), actor=other.account)
    services.submit_application(earlier, actor=other.account)
    services.accept_application(earlier)
    member = make_standing_member(language="en", first_name="Camille", last_name="Dubois")
    db.session.commit()

    # The member, on a phone: from the home page's task to a sent application.
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, member.email)
    page.get_by_role("link", name=re.compile("A call for candidates is open")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My application")
    accessible(page)
    assert_fits_phone(page)
    page.get_by_label("Language you write in").select_option("fr")
    page.get_by_label("Short biography").fill("Formatrice à Liège depuis 2015.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash.success")).to_contain_text("Your draft is saved.")
    expect(page.get_by_label("Short biography")).to_have_value("Formatrice à Liège depuis 2015.")
    page.get_by_label(re.compile("^Photo")).set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": png_bytes(size=(300, 400))})
    page.get_by_label("Why do you stand?").fill("Porter la voix des membres en région.")
    page.get_by_label("Finance and accounting").check()
    page.get_by_label("Your vision for the cooperative").fill("Une coopérative transparente et formée.")
    page.get_by_label("Woman").check()
    page.get_by_label(re.compile("no conflict of interest")).check()
    page.get_by_label(re.compile("I agree that my application")).check()
    page.get_by_role("button", name="Send my application").click()  # at once: an autosave may be on its way
    expect(page.locator(".flash.success")).to_contain_text("Your application is sent.")
    expect(page.locator("main")).to_contain_text("Sent, waiting for review")
    accessible(page)
    assert_fits_phone(page)
    page.goto(live_server.path("/candidates/me/"))
    accessible(page)
    page.locator("header.site summary").click()  # on a phone, Sign out is in the menu
    page.get_by_role("button", name="Sign out").click()
    # The call closes.
    db.session.refresh(call)
    call.opens_on, call.closes_on = call.opens_on - timedelta(days=30), today() - timedelta(days=1)
    db.session.commit()

    # The secretary reviews, accepts, publishes and fixes the ballot.
    page.set_viewport_size({"width": 1280, "height": 900})
    secretary_signs_in(page, live_server)
    page.get_by_role("link", name=re.compile("1 application to review")).click()
    accessible(page)
    page.get_by_role("link", name="Camille Dubois").click()
    expect(page.locator("#checks")).to_be_visible()
    expect(page.locator("main")).to_contain_text("All checks hold.")
    accessible(page)
    page.locator("#accept summary").click()  # a confirmation: the candidate is told by e-mail
    page.get_by_role("button", name="Yes, accept and tell the candidate").click()
    expect(page.locator(".flash.success")).to_contain_text("Application accepted")
    page.get_by_role("link", name="Publish the list").click()
    accessible(page)
    page.get_by_role("button", name="Yes, publish the list").click()
    expect(page.locator(".flash.success")).to_contain_text("published")
    page.get_by_role("link", name="Ballot", exact=True).click()
    accessible(page)
    page.get_by_role("button", name="Fix the ballot order").click()
    expect(page.locator("main")).to_contain_text("Seed of the draw")
    accessible(page)
    page.goto(live_server.path("/candidates/manage/"))
    accessible(page)
    page.goto(live_server.path("/candidates/manage/new"))
    accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # The public page: both candidates, each in the language they wrote in; filterable; on a phone.
    page.set_viewport_size(PHONE)
    page.goto(live_server.path("/candidates/"))
    accessible(page)
    page.get_by_role("link", name="Call for candidates to the board").click()
    french = page.locator("article.candidate[lang=fr]")
    dutch = page.locator("article.candidate[lang=nl]")
    expect(french).to_contain_text("Formatrice à Liège depuis 2015.")
    expect(dutch).to_contain_text("Vertaler in Gent, lid sinds 2016.")
    expect(french.locator("img")).to_have_attribute("alt", "Photo of Camille Dubois")
    accessible(page)
    assert_fits_phone(page)
    page.get_by_label("Written in").select_option("nl")
    expect(page.locator("article.candidate[lang=fr]")).to_have_count(0)
    expect(page.locator("article.candidate[lang=nl]")).to_have_count(1)
    accessible(page)


def test_autosave_keeps_a_draft_without_pressing_save(page, live_server, sign_in):
    call = services.create_call(**call_values(slug="board-autosave"))
    services.announce_call(call)
    member = make_standing_member(language="en", first_name="Lotte", last_name="Maes")
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, member.email)
    page.goto(live_server.path(f"/candidates/me/{call.slug}/application"))
    page.get_by_label("Your vision for the cooperative").fill("Typed, never saved by hand.")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved automatically", timeout=15_000)
    page.reload()
    expect(page.get_by_label("Your vision for the cooperative")).to_have_value("Typed, never saved by hand.")
    # Saving by hand after an autosave is not refused as a stale edit.
    page.get_by_label("Short biography").fill("Then saved by hand.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash.success")).to_contain_text("Your draft is saved.")


@pytest.mark.parametrize("button", ["Send my application", "Save draft"])
def test_a_button_pressed_while_an_autosave_is_on_its_way_waits_for_it_and_posts_once(page, live_server, sign_in,
                                                                                        button):
    """The autosave has reached the server (a new version is saved) but its answer, which brings that
    version to the page, is still on its way when the member presses a button, twice, right after typing.
    The page waits for the answer and posts once, with that version and the last text typed."""
    from sqlalchemy import select

    from candidates.models import Application, ApplicationStatus

    call = services.create_call(**call_values(slug="board-in-flight"))
    services.announce_call(call)
    member = make_standing_member(language="en", first_name="Wout", last_name="Claes")
    draft = services.save_application(call, member, full_fields(), photo=png_bytes(), actor=member.account)
    db.session.commit()
    first_version = draft.version
    held, posts = [], []

    def hold_the_first_answer(route):
        if held:
            route.continue_()
            return
        held.append((route, route.fetch()))  # the server has saved; the page does not know it yet

    page.route("**/autosave", hold_the_first_answer)
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, member.email)
    page.goto(live_server.path(f"/candidates/me/{call.slug}/application"))
    page.get_by_label("Short biography").fill("Saved automatically, answer delayed.")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "no autosave was sent"
    db.session.rollback()
    assert db.session.get(Application, draft.id).version > first_version
    page.get_by_label("Your vision for the cooperative").fill("Typed last, sent at once.")
    page.get_by_role("button", name=button).click()
    page.get_by_role("button", name=button).click()
    page.wait_for_timeout(500)
    assert [url for url in posts if "/autosave" not in url] == []  # waiting for the autosave's answer
    route, answer = held[0]
    route.fulfill(response=answer)
    if button == "Send my application":
        expect(page.locator(".flash.success")).to_contain_text("Your application is sent.")
    else:
        expect(page.locator(".flash.success")).to_contain_text("Your draft is saved.")
    expect(page.locator(".error-summary")).to_have_count(0)
    page.wait_for_timeout(1500)  # an autosave the typing had scheduled would have left by now
    sent = [url for url in posts if "/autosave" not in url and "/auth/" not in url]
    assert len(sent) == 1 and sent[0].endswith("/submit" if button == "Send my application" else "/application")
    assert len([url for url in posts if "/autosave" in url]) == 1
    db.session.rollback()
    saved = db.session.scalar(select(Application).where(Application.id == draft.id))
    assert saved.vision == "Typed last, sent at once."
    assert saved.biography == "Saved automatically, answer delayed."
    assert saved.status is (ApplicationStatus.SUBMITTED if button == "Send my application" else ApplicationStatus.DRAFT)


def test_an_expired_session_loses_nothing_and_a_visitor_writes_nothing(page, live_server, sign_in, accessible):
    from sqlalchemy import func, select

    from candidates.models import Application

    call = services.create_call(**call_values(slug="board-expired"))
    services.announce_call(call)
    member = make_standing_member(language="en", first_name="Nora", last_name="Janssens")
    db.session.commit()
    long_text = ("I stand because the cooperative must stay close to its members, in every region. " * 36)[:2990].strip()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, member.email)
    page.goto(live_server.path(f"/candidates/me/{call.slug}/application"))
    # The session ends while the member types (what an expiry looks like to the browser).
    page.context.clear_cookies()
    page.get_by_label("Short biography").fill("Typed after the session ended.")
    page.get_by_label("Why do you stand?").fill(long_text)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in again to save your application")
    expect(page.get_by_label("Why do you stand?")).to_have_value(long_text)
    accessible(page)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Application)
                             .where(Application.member_id == member.id)) == 0
    # The worst case: the member leaves that page and signs in again in the same tab.
    sign_in(page, live_server, member.email)
    page.goto(live_server.path(f"/candidates/me/{call.slug}/application"))
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.get_by_label("Why do you stand?")).to_have_value(long_text)
    expect(page.get_by_label("Short biography")).to_have_value("Typed after the session ended.")
    accessible(page)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash.success")).to_contain_text("Your draft is saved.")
    db.session.rollback()
    saved = db.session.scalar(select(Application).where(Application.member_id == member.id))
    assert saved.motivation == long_text and saved.biography == "Typed after the session ended."
    # Saved on the server, the browser's copy is gone: a reload shows no notice.
    page.reload()
    expect(page.get_by_label("Why do you stand?")).to_have_value(long_text)
    expect(page.locator("#draft-restored")).to_be_hidden()


def test_two_windows_the_stale_one_stops_autosaving_and_offers_the_newest_version(page, live_server, sign_in):
    """Two pages on the same draft: the second saves; the first's next autosave is refused, says so in
    words, sends nothing more, and offers the newest version with its own text given back to copy."""
    from sqlalchemy import select

    from candidates.models import Application

    call = services.create_call(**call_values(slug="board-two-windows"))
    services.announce_call(call)
    member = make_standing_member(language="en", first_name="Ines", last_name="Jacobs")
    draft = services.save_application(call, member, {"biography": "Started"}, actor=member.account)
    db.session.commit()
    sign_in(page, live_server, member.email)
    address = live_server.path(f"/candidates/me/{call.slug}/application")
    page.goto(address)
    other = page.context.new_page()
    other.goto(address)
    other.get_by_label("Short biography").fill("Written in the other window.")
    other.get_by_role("button", name="Save draft").click()
    expect(other.locator(".flash.success")).to_contain_text("Your draft is saved.")
    autosaves = []
    page.on("request", lambda request: autosaves.append(request.url) if request.url.endswith("/autosave") else None)
    page.get_by_label("Your vision for the cooperative").fill("Typed in the first window.")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("changed in another window", timeout=15_000)
    expect(status).to_contain_text("this page no longer saves automatically")
    expect(status.get_by_label("Your vision for the cooperative")).to_have_value("Typed in the first window.")
    sent = len(autosaves)
    page.locator("form.application").get_by_label("Short biography").fill("Still typing here.")
    page.wait_for_timeout(4500)  # an autosave would have left 3 s after typing stopped
    assert len(autosaves) == sent == 1
    db.session.rollback()
    saved = db.session.scalar(select(Application).where(Application.id == draft.id))
    assert saved.biography == "Written in the other window." and saved.vision != "Typed in the first window."
    status.get_by_role("link", name="Load the newest version").click()
    expect(page.get_by_label("Short biography")).to_have_value("Written in the other window.")
