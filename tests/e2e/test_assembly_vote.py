"""General assemblies in Chromium: a member votes from the link on a phone, from the home page; a
proxy holder votes for two; check-in by typed number; the projector updates when the vote closes;
axe-core on every assembly page."""
from __future__ import annotations

import re
from urllib.parse import unquote

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from assemblies import queries, services
from assemblies.models import Assembly
from tests.assemblies.world import build_world, meeting_day
from tests.e2e.conftest import POLL_SECONDS, assert_fits_phone, sign_in_with_link

PHONE = {"width": 360, "height": 740}
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
    # the ballot page asks for the navigation's task count once shown: the vote still waits
    expect(page.locator("#menu-badge .badge")).to_have_text("1 thing needs you")
    page.get_by_label("Your voting credential").fill("AAAAA-AAAAA-AAAAA-AAAAA")
    page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    fill_ballot(page)
    page.get_by_role("button", name="Review my choices").click()
    expect(page.locator("#ballot-error")).to_contain_text("This credential is not valid")
    page.get_by_label("Your voting credential").fill(credential)
    cast(page)
    page.goto(live_server.path("/"))
    expect(page.get_by_role("link", name=re.compile("Vote again: General assembly"))).to_be_visible()
    expect(page.locator("#menu-badge .badge")).to_have_count(0)  # voting again is offered, not owed


def test_a_busy_board_is_waited_out_and_then_the_voter_is_asked_to_try_again(page, live_server, sign_in,
                                                                            monkeypatch):
    """409 board_busy: the page sends the same ballot again by itself; when the board stays busy, it
    says so in words and the next press casts the ballot it kept."""
    from voting import errors
    from voting import services as voting_services

    busy = {"answers": 0}  # how many casts the board is still too busy for
    cast_ballot = voting_services.cast_ballot

    def sometimes_busy(*args, **kwargs):
        if busy["answers"] > 0:
            busy["answers"] -= 1
            raise errors.BoardBusy("the board kept changing during the append")
        return cast_ballot(*args, **kwargs)

    monkeypatch.setattr(voting_services, "cast_ballot", sometimes_busy)
    w = open_world()
    member = w.members[1]
    sign_in(page, live_server, member.email)
    page.goto(live_server.path(mail_link(member.email)))
    page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    fill_ballot(page)
    busy["answers"] = 2  # busy twice, then the ballot goes on the board: the voter notices nothing
    tracker = cast(page)
    assert busy["answers"] == 0

    page.get_by_role("button", name="Vote again").click()
    page.locator("fieldset[data-contest=item2]").get_by_label("No", exact=True).check()
    fill_ballot(page)
    busy["answers"] = 4  # the first try and its three re-sends
    page.get_by_role("button", name="Review my choices").click()
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.locator("#ballot-error")).to_contain_text("The board is very busy. Please try again.")
    page.get_by_role("button", name="Cast my ballot").click()  # the same ballot, kept by the page
    expect(page.locator("#ballot-done")).to_be_visible(timeout=30_000)
    assert page.locator("#tracker").inner_text() not in ("", tracker)
    db.session.rollback()
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e"))
    assert set(db.session.scalars(queries.voted_members(assembly.election_id))) == {member.id}


def test_a_proxy_holder_votes_for_two(page, live_server, sign_in):
    w = open_world()
    giver, holder = w.members[2], w.members[3]
    services.give_proxy(w.assembly, giver, holder)
    db.session.commit()
    sign_in(page, live_server, holder.email)
    page.goto(live_server.path("/assemblies/ga-e2e"))
    expect(page.locator("main")).to_contain_text(f"You hold the proxy of {giver.name}")
    whose = page.locator("#ballot-whose")
    for link, for_giver in ((mail_link(holder.email), False), (mail_link(holder.email, proxy=True), True)):
        page.goto(live_server.path(link))
        if for_giver:  # the page says whose vote this link carries, before and after the cast
            expect(whose).to_have_text(f"You are voting in the name of {giver.name}, who gave you their proxy.")
        page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
        fill_ballot(page)
        expect(whose).to_be_visible() if for_giver else expect(whose).to_be_hidden()
        cast(page)
        if for_giver:
            expect(whose).to_have_text(f"This ballot was cast in the name of {giver.name}, who gave you their proxy.")
            page.get_by_role("button", name="Vote again").click()
            expect(whose).to_contain_text("You have already voted for them: this ballot will replace the earlier one.")
        else:
            expect(whose).to_be_hidden()
    # "Vote" on the home page afterwards opens the holder's own ballot, not the proxy's again.
    own = unquote(mail_link(holder.email).split("#", 1)[1]).split(":")[0]
    page.goto(live_server.path("/voting/ga-e2e/vote"))
    expect(page.locator("#credential")).to_have_value(own)
    expect(whose).to_have_text("You have already voted with this credential: this ballot will replace the earlier one.")
    db.session.rollback()
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e"))
    voted = set(db.session.scalars(queries.voted_members(assembly.election_id)))
    assert voted == {giver.id, holder.id}


def test_check_in_by_typed_member_number_and_pages_are_accessible(page, live_server, sign_in, accessible):
    w = open_world()
    meeting_day(w)  # the door is open on the meeting's day only
    sign_in(page, live_server, w.officer)
    page.goto(live_server.path("/assemblies/"))
    accessible(page)
    page.get_by_role("link", name=re.compile("General assembly")).click()
    accessible(page)
    page.get_by_role("link", name="Check-in at the door").click()
    accessible(page)
    field = page.get_by_label("Scan the convocation's QR code, or type the member number or the code")
    expect(field).to_be_focused()  # a USB scanner types into it and presses Enter, member after member
    # the form is sent once its script is there (its button is disabled until then), after each page load
    ready = page.locator("#checkin-form[data-ready='true']")
    expect(ready).to_be_attached()
    page.keyboard.type(str(w.members[4].number))
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text(f"{w.members[4].name} is checked in.")
    expect(page.locator("table.turnout")).to_contain_text("Present in the hall")
    expect(field).to_be_focused()
    expect(ready).to_be_attached()
    page.keyboard.type("99999999")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("No member has this number.")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    accessible(page)
    for path in ("/assemblies/ga-e2e/prepare", "/assemblies/ga-e2e/roll", "/assemblies/ga-e2e/chair",
                 "/assemblies/ga-e2e/projector", "/assemblies/new"):
        page.goto(live_server.path(path))
        accessible(page)


def test_a_scanned_link_checks_in_without_its_secret_and_another_assemblys_is_named(page, live_server, sign_in,
                                                                                   accessible):
    w = open_world()
    meeting_day(w)
    member = w.members[5]
    link = live_server.path(mail_link(member.email))
    secret = unquote(link.split("#", 1)[1]).split(":")[0]
    sent = []
    page.on("request", lambda request: sent.append(request.post_data or "")
            if request.method == "POST" and request.url.endswith("/checkin") else None)
    sign_in(page, live_server, w.officer)
    # The page's script held back, as on a slow network: a link scanned at once, Enter included, stays in
    # the field (the button is disabled until the script is there to keep the secret on the device).
    script = "**/js/assemblies/checkin.mjs"
    held = []
    page.route(script, lambda route: held.append(route))
    page.goto(live_server.path("/assemblies/ga-e2e/checkin"), wait_until="commit")
    field = page.get_by_label("Scan the convocation's QR code, or type the member number or the code")
    button = page.get_by_role("button", name="Check in", exact=True)
    # A USB scanner "types" the link of another assembly's convocation (its address and its election's
    # fingerprint differ, its secret is the member's): named as such, not as an unknown code.
    fingerprint = link.rsplit(":", 1)[1]
    field.press_sequentially(link.replace("/voting/ga-e2e/", "/voting/ga-2025/").replace(fingerprint, "ab" * 32))
    field.press("Enter")
    expect(button).to_be_disabled()
    expect(page.locator("#checkin-waiting")).to_contain_text("Getting the form ready")
    page.wait_for_timeout(500)  # time for a post to leave, were it to
    assert sent == [] and len(held) == 1
    held[0].continue_()
    page.unroute(script)  # the pages to come load it as usual
    ready = page.locator("#checkin-form[data-ready='true']")
    expect(ready).to_be_attached()
    expect(button).to_be_enabled()
    expect(page.locator("#checkin-waiting")).to_have_count(0)
    accessible(page)
    field.press("Enter")
    expect(page.locator("main")).to_contain_text("This code comes from the convocation to another assembly")
    expect(field).to_be_focused()
    expect(ready).to_be_attached()  # the page was sent again: its script too
    page.keyboard.type(link)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text(f"{member.name} is checked in.")
    assert len(sent) == 2 and not any(secret in unquote(body) for body in sent)


def test_the_projector_updates_when_the_vote_closes(page, live_server, accessible):
    meeting_day(open_world())  # the meeting has started: the vote may close
    page.goto(live_server.path("/assemblies/ga-e2e/projector"))
    expect(page.locator("#projector")).to_contain_text("The vote is open.")
    accessible(page)
    # On a phone the turnout chart's time labels stand apart, as the browser draws them.
    from shares.charts import NARROW

    page.set_viewport_size(PHONE)
    chart = page.locator("#projector figure.chart svg.chart-narrow").first
    expect(chart).to_be_visible()
    boxes = chart.evaluate("(svg, y) => [...svg.querySelectorAll(`text[y='${y}']`)].map(t => {"
                           " const r = t.getBoundingClientRect(); return [r.left, r.right, t.textContent]; })",
                           str(NARROW.height - NARROW.bottom + 18))
    assert len(boxes) >= 2 and all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:])), boxes
    assert_fits_phone(page)
    services.close_vote(db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e")))
    db.session.commit()
    expect(page.locator("#projector")).to_contain_text("The result appears here once", timeout=10_000)
    assert page.locator("#projector").get_attribute("hx-trigger") == f"every {POLL_SECONDS['projector_tally']}s"


def test_the_in_browser_verifier_accepts_the_record_and_rejects_a_tampered_one(page, live_server, sign_in,
                                                                               accessible):
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
    sign_in(page, live_server, w.officer)
    page.goto(live_server.path("/assemblies/ga-e2e/results"))
    expect(page.locator("main")).to_contain_text("Amélie Dubois")
    accessible(page)
    page.set_viewport_size({"width": 360, "height": 780})  # a phone has its own drawing of each result
    expect(page.locator("figure.chart svg.chart-narrow").first).to_be_visible()
    expect(page.locator("figure.chart svg.chart-wide").first).to_be_hidden()
    assert_fits_phone(page)
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


def test_the_link_opened_before_signing_in_keeps_the_credential(page, live_server):
    w = open_world()
    member = w.members[5]
    page.goto(live_server.path(mail_link(member.email)))
    expect(page.locator("main")).to_contain_text("Please sign in to vote in this election.")
    sign_in_with_link(page, live_server, member.email)
    page.goto(live_server.path("/voting/ga-e2e/vote"))
    assert page.locator("#credential").input_value()
    page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    fill_ballot(page)
    cast(page)


KEPT = "Object.keys(localStorage).filter((k) => k.startsWith('unevoix-signin-credential:')).length"


def test_the_link_opened_before_signing_in_keeps_the_credential_when_the_sign_in_ends_in_another_tab(page,
                                                                                                      live_server):
    w = open_world()
    member = w.members[5]
    link = mail_link(member.email)
    credential = unquote(link.split("#")[1]).split(":")[0]
    requests = []
    page.context.on("request", lambda r: requests.append(r.url + (r.post_data or "")))
    page.goto(live_server.path(link))
    expect(page.locator("main")).to_contain_text("Please sign in to vote in this election.")
    assert page.evaluate(KEPT) == 1  # left in this browser for the tab where the sign-in ends
    # the e-mailed sign-in link opens in a new tab (its own, empty, sessionStorage)
    other = page.context.new_page()
    sign_in_with_link(other, live_server, member.email)
    other.goto(live_server.path("/voting/ga-e2e/vote"))
    expect(other.locator("#credential")).to_have_value(credential)
    assert other.evaluate(KEPT) == 0  # taken once: nothing left behind
    third = page.context.new_page()  # a later tab does not find it
    third.goto(live_server.path("/voting/ga-e2e/vote"))
    expect(third.locator("#ballot-form")).to_be_visible()
    assert third.locator("#credential").input_value() == ""
    third.close()
    other.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    fill_ballot(other)
    cast(other)
    assert not any(credential in r or credential.replace("-", "") in r for r in requests)  # never sent


def test_the_chair_closes_one_item_the_projector_and_the_ballot_show_it_closed(page, live_server, sign_in,
                                                                               accessible, browser):
    w = open_world()
    meeting_day(w)  # the meeting has started: the chair may close an item
    item = next(i for i in w.assembly.items if i.contest_id == "item2")
    projector = browser.new_context().new_page()  # the hall's screen: another browser, signed in as nobody
    projector.set_default_timeout(10_000)
    projector.goto(live_server.path("/assemblies/ga-e2e/projector"))
    on_screen = projector.locator(f"#vote-item-{item.id}")
    expect(on_screen).to_contain_text("Vote open")
    assert on_screen.get_attribute("hx-trigger") == f"every {POLL_SECONDS['projector_vote']}s"
    # the chair: console, confirmation page (no JavaScript needed), close
    sign_in(page, live_server, w.officer)
    page.goto(live_server.path("/assemblies/ga-e2e/chair"))
    row = page.locator("ul.vote-items li", has_text="Approval of the annual accounts")
    row.get_by_role("link", name="Close the vote on this item").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Close the vote on this item")
    accessible(page)
    page.get_by_role("button", name="Yes, close the vote on this item").click()
    expect(page.locator("main")).to_contain_text("is closed: the ballots received before now count for it")
    expect(page.locator("ul.vote-items li", has_text="Approval of the annual accounts")).to_contain_text("vote closed")
    # the projector updates by itself, then stops polling that item
    expect(on_screen).to_contain_text("Vote closed", timeout=10_000)
    expect(on_screen).to_contain_text("0 ballots count for this item.")
    assert on_screen.get_attribute("hx-trigger") is None
    accessible(projector)
    # a member's ballot: the item is closed, not choosable; the rest votes as usual
    context = browser.new_context(viewport=PHONE)
    member_page = context.new_page()
    member_page.set_default_timeout(10_000)
    member = w.members[0]
    sign_in(member_page, live_server, member.email)
    member_page.goto(live_server.path(mail_link(member.email)))
    closed = member_page.locator("fieldset[data-contest=item2]")
    expect(closed).to_contain_text("The vote on this item is closed")
    assert closed.locator("input").count() == 0
    accessible(member_page)
    member_page.locator("fieldset[data-contest=item3]").get_by_label("No", exact=True).check()
    member_page.locator("fieldset[data-contest=item4]").get_by_label("Abstain", exact=True).check()
    # another item closes while the member fills in the ballot: the page says so before encrypting
    db.session.rollback()
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e"))
    services.close_item(assembly, next(i for i in assembly.items if i.contest_id == "item3"))
    db.session.commit()
    member_page.get_by_role("button", name="Review my choices").click()
    member_page.get_by_role("button", name="Cast my ballot").click()
    expect(member_page.locator("#ballot-error")).to_contain_text("closed while you were filling in your ballot")
    member_page.reload()
    expect(member_page.locator("fieldset[data-contest=item3]")).to_contain_text("The vote on this item is closed")
    member_page.locator("fieldset[data-contest=item4]").get_by_label("Abstain", exact=True).check()
    member_page.get_by_role("button", name="Review my choices").click()
    expect(member_page.locator("#ballot-review")).to_contain_text("Vote closed on this item: this part of your ballot does not count.")
    member_page.get_by_role("button", name="Cast my ballot").click()
    expect(member_page.locator("#ballot-done")).to_be_visible(timeout=30_000)
    expect(member_page.locator("#not-counted")).to_be_hidden()
    # an item closes after the page's last look, just before the ballot arrives: the receipt says so

    def as_a_moment_before(route):  # election.json as it was before item4 closed
        response = route.fetch()
        info = response.json()
        info["closed_contests"] = [c for c in info["closed_contests"] if c != "item4"]
        route.fulfill(response=response, json=info)
    member_page.route("**/election.json", as_a_moment_before)
    db.session.rollback()
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e"))
    services.close_item(assembly, next(i for i in assembly.items if i.contest_id == "item4"))
    db.session.commit()
    member_page.get_by_role("button", name="Vote again").click()
    member_page.locator("fieldset[data-contest=item4]").get_by_label("Yes", exact=True).check()
    member_page.get_by_role("button", name="Review my choices").click()
    member_page.get_by_role("button", name="Cast my ballot").click()
    expect(member_page.locator("#not-counted")).to_contain_text("closed before your ballot arrived")
    accessible(member_page)
    context.close()
    projector.context.close()
    # the ballot cast after the close does not count for the closed item, and the projector says so
    db.session.rollback()
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == "ga-e2e"))
    entry = next(v for v in queries.vote_items(assembly) if v["item"].id == item.id)
    assert entry["closed"] and entry["counted"] == 0


def test_the_chair_holds_one_item_back_then_opens_it_the_projector_and_the_ballot_follow(page, live_server, sign_in,
                                                                                         accessible, browser):
    w = build_world("ga-e2e")
    services.convene(w.assembly)
    db.session.commit()
    item = next(i for i in w.assembly.items if i.contest_id == "item2")
    # the chair opens the vote holding the accounts back (a checkbox in the confirmation)
    sign_in(page, live_server, w.officer)
    page.goto(live_server.path("/assemblies/ga-e2e/chair"))
    page.get_by_text("Open the vote", exact=True).click()
    page.get_by_label("Approval of the annual accounts").check()
    accessible(page)
    page.get_by_role("button", name="Yes, open the vote").click()
    row = page.locator("ul.vote-items li", has_text="Approval of the annual accounts")
    expect(row).to_contain_text("not open yet")
    projector = browser.new_context().new_page()  # the hall's screen: another browser, signed in as nobody
    projector.set_default_timeout(10_000)
    projector.goto(live_server.path("/assemblies/ga-e2e/projector"))
    on_screen = projector.locator(f"#vote-item-{item.id}")
    expect(on_screen).to_contain_text("Vote not open yet")
    assert on_screen.get_attribute("hx-trigger") == f"every {POLL_SECONDS['projector_vote']}s"
    # a member votes from home: the held item is shown not open yet, with no choice
    context = browser.new_context(viewport=PHONE)
    member_page = context.new_page()
    member_page.set_default_timeout(10_000)
    member = w.members[0]
    sign_in(member_page, live_server, member.email)
    member_page.goto(live_server.path(mail_link(member.email)))
    held = member_page.locator("fieldset[data-contest=item2]")
    expect(held).to_contain_text("The vote on this item is not open yet")
    assert held.locator("input").count() == 0
    accessible(member_page)
    member_page.locator("fieldset[data-contest=item3]").get_by_label("No", exact=True).check()
    member_page.locator("fieldset[data-contest=item4]").get_by_label("Abstain", exact=True).check()
    member_page.get_by_role("button", name="Review my choices").click()
    expect(member_page.locator("#ballot-review")).to_contain_text("Vote not open yet on this item")
    member_page.get_by_role("button", name="Cast my ballot").click()
    expect(member_page.locator("#ballot-done")).to_be_visible(timeout=30_000)
    # the meeting starts and the chair opens the item: confirmation page, then the projector follows by itself
    expect(row).to_contain_text("the vote on an item held back can be opened from then")  # not before the debate
    meeting_day(w)
    db.session.commit()
    page.reload()
    row.get_by_role("link", name="Open the vote on this item").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Open the vote on this item")
    accessible(page)
    page.get_by_role("button", name="Yes, open the vote on this item").click()
    expect(page.locator("main")).to_contain_text("the ballots received from now on count for it")
    expect(page.locator("ul.vote-items li", has_text="Approval of the annual accounts")).to_contain_text("vote open")
    expect(on_screen).to_contain_text("Vote open", timeout=10_000)
    # the member's page, loaded before the open, is told to reload before encrypting
    member_page.get_by_role("button", name="Vote again").click()
    member_page.locator("fieldset[data-contest=item3]").get_by_label("No", exact=True).check()
    member_page.locator("fieldset[data-contest=item4]").get_by_label("Abstain", exact=True).check()
    member_page.get_by_role("button", name="Review my choices").click()
    member_page.get_by_role("button", name="Cast my ballot").click()
    expect(member_page.locator("#ballot-error")).to_contain_text("reload the page to vote on it")
    member_page.reload()
    # the page's look-up of the credential ends by saying a ballot counts already: the layout moves then,
    # so the choices are ticked after it (a click during the move landed elsewhere under load)
    expect(member_page.locator("#ballot-whose")).to_be_visible()
    member_page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    member_page.locator("fieldset[data-contest=item3]").get_by_label("No", exact=True).check()
    member_page.locator("fieldset[data-contest=item4]").get_by_label("Abstain", exact=True).check()
    member_page.get_by_role("button", name="Review my choices").click()
    member_page.get_by_role("button", name="Cast my ballot").click()
    expect(member_page.locator("#ballot-done")).to_be_visible(timeout=30_000)
    context.close()
    projector.context.close()


def test_a_credential_casting_would_refuse_hides_the_choices_until_another_is_given(page, live_server, sign_in):
    """Another member's link: the refusal is said at once and the ballot waits, hidden, instead of
    letting the voter fill it in and review it for a cast that cannot land."""
    w = open_world()
    member, other = w.members[1], w.members[2]
    own = mail_link(member.email).split("#")[1].split(":")[0]
    sign_in(page, live_server, member.email)
    page.goto(live_server.path(mail_link(other.email)))
    expect(page.locator("#ballot-error")).to_contain_text("This voting credential was sent to another member")
    expect(page.locator("fieldset[data-contest=item2]")).to_be_hidden()
    expect(page.get_by_role("button", name="Review my choices")).to_be_hidden()
    page.get_by_label("Your voting credential").fill(own)
    page.get_by_label("Your voting credential").dispatch_event("change")
    expect(page.locator("fieldset[data-contest=item2]")).to_be_visible()
    page.locator("fieldset[data-contest=item2]").get_by_label("Yes", exact=True).check()
    fill_ballot(page)
    cast(page)
