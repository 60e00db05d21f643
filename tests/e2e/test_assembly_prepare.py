"""The assembly's preparation page in Chromium, on a phone: a file over the limit is refused in the
browser before anything is sent, beside its field, the titles kept; a file the server refuses is said
at the top of the page, whose link leads to the field."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app import uploads
from app.extensions import db
from assemblies.models import Document
from tests.assemblies.world import build_world
from tests.e2e.conftest import assert_fits_phone

PHONE = {"width": 390, "height": 844}


def test_a_file_over_the_limit_is_refused_before_it_is_sent(browser, live_server, sign_in, accessible, tmp_path):
    w = build_world("ga-prep")
    big = tmp_path / "accounts.pdf"
    big.write_bytes(b"%PDF-1.4 " + b"0" * uploads.MAX_BYTES + b"\n%%EOF")
    page = browser.new_context(viewport=PHONE).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, w.secretary)
    page.goto(live_server.path("/assemblies/ga-prep/prepare"))
    page.get_by_text("Attach a document", exact=True).click()
    page.locator("#document-title_fr").fill("Comptes annuels 2026")
    page.locator("#document-title_nl").fill("Jaarrekening 2026")
    page.locator("#document-title_en").fill("Annual accounts 2026")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.locator("#document-file").set_input_files(big)
    said = page.locator("#document-file-size-error")
    expect(said).to_have_text("This file is too large: at most 10 MB.")
    expect(page.locator("#document-file")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Attach", exact=True).click()
    expect(said).to_be_visible()
    assert sent == [] and page.url.endswith("/prepare")  # nothing left the browser
    expect(page.locator("#document-title_en")).to_have_value("Annual accounts 2026")
    accessible(page)
    assert_fits_phone(page)

    # A file the server refuses (not a PDF): said at the top, the link leads to the field.
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    page.locator("#document-file").set_input_files(text)
    expect(said).to_have_count(0)
    page.get_by_role("button", name="Attach", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("File (PDF): This file is not a PDF: it is a text file (.txt).")
    assert page.evaluate("window.scrollY") < 200  # the page comes back at its top, where the refusal is
    expect(page.locator("#document-title_fr")).to_have_value("Comptes annuels 2026")
    summary.get_by_role("link").click()
    expect(page.locator("#document-file")).to_be_in_viewport()
    accessible(page)
    assert_fits_phone(page)
    db.session.rollback()
    assert db.session.scalar(select(Document)) is None


def test_a_very_long_candidate_name_wraps_in_its_confirmation_button_on_a_phone(browser, live_server, sign_in,
                                                                                 tmp_path):
    import os

    from assemblies import services
    from assemblies.models import Gender
    from shares.models import Category
    from tests.assemblies.test_assembly_day_review_two import _draft
    from tests.factories import make_account
    from app.models import Role

    assembly, board = _draft()
    name = "Wolfeschlegelsteinhausen" * 8  # 200 letters, no place to break a line
    services.add_candidate(board, category=Category.A, name=name, gender=Gender.WOMAN)
    secretary = make_account(roles=(Role.SECRETARY,), email="secretary@example.be")
    db.session.commit()
    page = browser.new_context(viewport=PHONE).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, secretary)
    page.goto(live_server.path("/assemblies/ga-draft/prepare"))
    page.get_by_label(f"Remove {name} from the candidates").click()
    button = page.get_by_role("button", name=f"Yes, remove {name} from the ballot")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    button.screenshot(path=os.path.join(os.environ.get("SHOTS_DIR", str(tmp_path)), "long-name-button.png"))
    assert_fits_phone(page)
