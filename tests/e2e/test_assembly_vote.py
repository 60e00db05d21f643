"""General assemblies in Chromium: a member votes from the link on a phone, from the home page; a
proxy holder votes for two; check-in by typed number; the projector updates when the vote closes;
axe-core on every assembly page."""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from assemblies import queries, services
from assemblies.models import Assembly
from tests.assemblies.world import build_world
from tests.e2e.conftest import assert_fits_phone

PHONE = {"width": 360, "height": 740}
PASSWORD = "a long officer password"
LINK = re.compile(r"(/voting/[^\s#]+/vote#[1-9A-Za-z-]+:[0-9a-f]{64})")


def open_world():
    w = build_world("ga-e2e")
    services.convene(w.assembly)
    services.open_vote(w.assembly)
    db.session.commit()
    return w


def mail_link(email: str, proxy: bool = False) -> str:
    from app.models import OutboxMessage

    db.session.rollback()
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == email)
                               .order_by(OutboxMessage.id)).all()
    mails = [m for m in mails if ("has given you their proxy" in m.body_text) == proxy and LINK.search(m.body_text)]
    return LINK.search(mails[-1].body_text).group(1)


def role_signs_in(page, live_server, account):
    from app.auth.services import set_password

    set_password(account, PASSWORD)
    secret = pyotp.random_base32()
    account.totp_secret, account.totp_confirmed_at = secret, utcnow()
    db.session.commit()
    page.goto(live_server.path("/auth/login"))
    page.get_by_label(re.compile("e-mail", re.I)).first.fill(account.email)
    page.get_by_text("I have a password").click()
    page.get_by_label(re.compile("Password")).fill(PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.get_by_label(re.compile("6-digit code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def fill_ballot(page):
    page.locator("fieldset[data-contest=item3]").get_by_label("No", exact=True).check()
    page.locator("fieldset[data-contest=item4]").get_by_label("Abstain", exact=True).check()
    page.get_by_label("Amélie Dubois").check()
    page.get_by_label("Fatou Diallo").check()
    page.get_by_label("Coop Atelier asbl").check()


def cast(page, accessible=None):
    page.get_by_role("button", name="Review my choices").click()
    review = page.locator("#ballot-review")
    expect(review).to_be_visible()
    expect(review).to_contain_text("Approval of the annual accounts")
    expect(review).to_contain_text("Amélie Dubois, Fatou Diallo")
    if accessible:
        accessible(page)
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.locator("#ballot-done")).to_be_visible(timeout=30_000)
    tracker = page.locator("#tracker").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", tracker)
    return tracker


def test_a_member_votes_from_the_link_on_a_phone_and_finds_the_tracker(page, live_server, sign_in, accessible):
    w = open_world()
    member = w.members[0]
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, member.email)
    page.goto(live_server.path(mail_link(member.email)))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vote: General assembly")
    assert "#" not in page.url  # the credential left the address bar
    assert page.locator("#credential").input_value()
    accessible(page)
    # The rules in the browser: at most 4 of the A candidates (the fifth box is disabled).
    for name in ("Jan Peeters", "Luca Rossi", "Sofie Maes", "Karim Benali"):
        page.get_by_label(name).check()
    expect(page.get_by_label("Inès Lambert")).to_be_disabled()
    for name in ("Jan Peeters", "Luca Rossi", "Sofie Maes", "Karim Benali"):
        page.get_by_label(name).uncheck()
    # A resolution left unanswered is refused in words.
    page.get_by_role("button", name="Review my choices").click()
    expect(page.locator("#ballot-error")).to_contain_text("Choose an answer in: Approval of the annual accounts")
    page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    fill_ballot(page)
    tracker = cast(page, accessible)
    assert_fits_phone(page)
    accessible(page)
    page.get_by_role("link", name="Find my ballot on the public board").click()
    expect(page.locator("main")).to_contain_text(tracker[:16])
    db.session.rollback()
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e"))
    assert db.session.scalar(queries.voted_members(assembly.election_id, [member.id])) == member.id


def test_a_member_votes_from_the_home_page_by_typing_the_credential(page, live_server, sign_in):
    w = open_world()
    member = w.members[1]
    credential = mail_link(member.email).split("#")[1].split(":")[0]
    sign_in(page, live_server, member.email)
    page.get_by_role("link", name=re.compile("Vote: General assembly")).click()
    page.get_by_label("Your voting credential").fill("AAAAA-AAAAA-AAAAA-AAAAA")
    page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    fill_ballot(page)
    page.get_by_role("button", name="Review my choices").click()
    expect(page.locator("#ballot-error")).to_contain_text("This credential is not valid")
    page.get_by_label("Your voting credential").fill(credential)
    cast(page)
    page.goto(live_server.path("/"))
    expect(page.get_by_role("link", name=re.compile("Vote again: General assembly"))).to_be_visible()


def test_a_proxy_holder_votes_for_two(page, live_server, sign_in):
    w = open_world()
    giver, holder = w.members[2], w.members[3]
    services.give_proxy(w.assembly, giver, holder)
    db.session.commit()
    sign_in(page, live_server, holder.email)
    page.goto(live_server.path(f"/assemblies/ga-e2e"))
    expect(page.locator("main")).to_contain_text(f"You hold the proxy of {giver.name}")
    for link in (mail_link(holder.email), mail_link(holder.email, proxy=True)):
        page.goto(live_server.path(link))
        page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
        fill_ballot(page)
        cast(page)
    db.session.rollback()
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e"))
    voted = set(db.session.scalars(queries.voted_members(assembly.election_id)))
    assert voted == {giver.id, holder.id}


def test_check_in_by_typed_member_number_and_pages_are_accessible(page, live_server, accessible):
    w = open_world()
    role_signs_in(page, live_server, w.officer)
    page.goto(live_server.path("/assemblies/"))
    accessible(page)
    page.get_by_role("link", name=re.compile("General assembly")).click()
    accessible(page)
    page.get_by_role("link", name="Check-in at the door").click()
    accessible(page)
    page.get_by_label("Member number or scanned code").fill(str(w.members[4].number))
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("main")).to_contain_text(f"{w.members[4].name} is checked in.")
    expect(page.locator("table.turnout")).to_contain_text("Present in the hall")
    page.get_by_label("Member number or scanned code").fill("99999999")
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("main")).to_contain_text("No member has this number.")
    accessible(page)
    for path in ("/assemblies/ga-e2e/prepare", "/assemblies/ga-e2e/roll", "/assemblies/ga-e2e/chair",
                 "/assemblies/ga-e2e/projector", "/assemblies/new"):
        page.goto(live_server.path(path))
        accessible(page)


def test_the_projector_updates_when_the_vote_closes(page, live_server, accessible):
    w = open_world()
    page.goto(live_server.path("/assemblies/ga-e2e/projector"))
    expect(page.locator("#projector")).to_contain_text("Open")
    accessible(page)
    services.close_vote(db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e")))
    db.session.commit()
    expect(page.locator("#projector")).to_contain_text("The result appears here once", timeout=10_000)
    assert page.locator("#projector").get_attribute("hx-trigger") == "every 15s"


def test_the_in_browser_verifier_accepts_the_record_and_rejects_a_tampered_one(page, live_server, accessible):
    from assemblies.demo import cast_for, tally
    from assemblies.models import Elector
    from voting.models import BoardEvent

    w = build_world("ga-e2e")
    electors = list(db.session.scalars(select(Elector).where(Elector.assembly_id == w.assembly.id)))
    cast_for(w.assembly, electors, w.rng)
    tally(w.assembly, w.kits)
    db.session.commit()
    page.goto(live_server.path("/voting/ga-e2e/board"))
    page.get_by_role("button", name="Verify this election in my browser").click()
    status = page.locator("#verify-box [role=status]")
    expect(status).to_contain_text("Verified in this browser", timeout=90_000)
    expect(status).to_contain_text("every one of the 6 ballots")
    accessible(page)
    page.goto(live_server.path("/assemblies/ga-e2e/projector"))
    expect(page.locator("#projector")).to_contain_text("Approval of the annual accounts")
    assert page.locator("#projector").get_attribute("hx-trigger") is None  # the result is out: no polling
    accessible(page)
    role_signs_in(page, live_server, w.officer)
    page.goto(live_server.path("/assemblies/ga-e2e/results"))
    expect(page.locator("main")).to_contain_text("Amélie Dubois")
    accessible(page)
    page.goto(live_server.path("/voting/ga-e2e/board"))
    # Someone with access to the database changes a published count: the chain no longer holds.
    result = db.session.scalar(select(BoardEvent).where(BoardEvent.type == "result"))
    counts = dict(result.data)
    counts["counts"] = {**counts["counts"], "item2": {**counts["counts"]["item2"],
                                                      "yes": {"A": 99, "B": 0, "total": 99}}}
    result.data = counts
    db.session.commit()
    page.reload()
    page.get_by_role("button", name="Verify this election in my browser").click()
    expect(status).to_contain_text("does NOT verify", timeout=90_000)
    expect(status).to_contain_text("event_hash")


def test_the_link_opened_before_signing_in_keeps_the_credential(page, live_server, sign_in):
    w = open_world()
    member = w.members[5]
    page.goto(live_server.path(mail_link(member.email)))
    expect(page.locator("main")).to_contain_text("Please sign in to vote in this election.")
    sign_in(page, live_server, member.email)
    page.goto(live_server.path("/voting/ga-e2e/vote"))
    assert page.locator("#credential").input_value()
    page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    fill_ballot(page)
    cast(page)
