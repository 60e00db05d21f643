"""The pages: a member applies (draft kept through errors and an expired session), the secretary
reviews, the public page shows what was published, hostile input is refused with a reason."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.clock import today
from app.extensions import db
from candidates import errors, services
from candidates.models import Application, ApplicationStatus, ApplicationVersion, BallotOrder
from shares.models import Category
from tests.candidates.conftest import full_fields, png_bytes


def form_data(**overrides):
    """What the form posts; ``version`` the one the page was opened on (empty: before any draft existed)."""
    data = {"version": ""} | {k: v for k, v in full_fields(**overrides).items()
                              if k not in ("skills", "no_conflict", "consent_publication")}
    data["skills"] = overrides.get("skills", ["finance", "it"])
    if overrides.get("no_conflict", True):
        data["no_conflict"] = "y"
    if overrides.get("consent_publication", True):
        data["consent_publication"] = "y"
    return data


def with_photo(data, content=None, name="me.png"):
    data = dict(data)
    data["photo"] = (io.BytesIO(content if content is not None else png_bytes()), name)
    return data


def versions_count(application_id):
    return db.session.scalar(select(func.count()).select_from(ApplicationVersion)
                             .where(ApplicationVersion.application_id == application_id))


def mine(call, member):
    db.session.expire_all()
    return db.session.scalar(select(Application).where(Application.call_id == call.id, Application.member_id == member.id))


def test_member_saves_a_draft_then_sends_it(client, login_as, open_call, standing_member, outbox):
    call = open_call()
    member = standing_member(language="en")
    login_as(member.account)
    page = client.get(f"/candidates/me/{call.slug}/application")
    assert page.status_code == 200 and b"Send my application" in page.data
    saved = client.post(f"/candidates/me/{call.slug}/application", data={"biography": "Juste un début", "language": "fr", "version": ""})
    assert saved.status_code == 302
    application = mine(call, member)
    assert application.status is ApplicationStatus.DRAFT and application.biography == "Juste un début"
    # Sending an incomplete application: refused with reasons, what was typed kept and saved.
    refused = client.post(f"/candidates/me/{call.slug}/application/submit",
                          data={"biography": "Un début plus long", "motivation": "Parce que", "language": "fr",
                                "version": str(application.version)})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Your draft is saved. Your application cannot be sent yet. Still missing:" in text and "Un début plus long" in text
    assert "Photo" in text and "Required to send the application." in text
    assert mine(call, member).biography == "Un début plus long"
    sent = client.post(f"/candidates/me/{call.slug}/application/submit",
                       data=with_photo(form_data(version=str(mine(call, member).version))),
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    application = mine(call, member)
    assert application.status is ApplicationStatus.SUBMITTED and application.photo_id is not None
    assert versions_count(application.id) == 4  # created, saved (the refused send), saved, submitted
    # Once sent, saving changes the application itself (the secretary sees it): no "draft" is promised.
    page = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    assert "Save my changes" in page and "Save draft" not in page
    assert "— Sent</li>" in page and "Saved (Draft)" in page  # the history says each status once
    changed = client.post(f"/candidates/me/{call.slug}/application",
                          data=form_data(biography="Plus précis.", version=str(application.version)),
                          follow_redirects=True).get_data(as_text=True)
    assert "Your changes are saved." in changed and "Your draft is saved." not in changed
    # Rejected, the page no longer says it can be changed.
    services.reject_application(mine(call, member), "Hors délai.")
    db.session.commit()
    rejected = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    assert "You can change your application until" not in rejected and "Hors délai." in rejected


def _a_draft(client, login_as, open_call, standing_member):
    """A member's saved draft: the call, the member, the application and its number of versions."""
    call = open_call()
    member = standing_member()
    login_as(member.account)
    client.post(f"/candidates/me/{call.slug}/application", data=form_data())
    application = mine(call, member)
    return call, member, application, versions_count(application.id)


def test_hostile_photos_are_refused_and_nothing_is_saved(client, login_as, open_call, standing_member, app):
    call, member, application, before = _a_draft(client, login_as, open_call, standing_member)
    cases = [
        (b"GIF89a" + b"\x00" * 50, "fake.gif", 422, "JPEG, PNG or WebP"),
        (b"<?php echo 1; ?>", "shell.jpg", 422, "JPEG, PNG or WebP"),
        (png_bytes(fmt="GIF"), "real.gif", 422, "JPEG, PNG or WebP"),
        (png_bytes()[:60], "truncated.png", 422, "JPEG, PNG or WebP"),
        (b"", "empty.png", 422, "This file is empty: open it on your device to check it, then attach it again."),
        (b"", "", 302, None),  # no file chosen: the draft is simply saved
    ]
    for content, name, status, message in cases:
        response = client.post(f"/candidates/me/{call.slug}/application",
                               data=with_photo(form_data(biography=f"typed {name}",
                                                         version=str(mine(call, member).version)), content, name),
                               content_type="multipart/form-data")
        assert response.status_code == status, name
        if message:
            body = response.get_data(as_text=True)
            assert message in body and f"typed {name}" in body
    assert versions_count(application.id) == before + 1
    assert mine(call, member).photo_id is None
    app.config["CANDIDATES_PHOTO_MAX_BYTES"] = 2000
    try:
        big = png_bytes(size=(400, 400), colour=(1, 2, 3))
        noisy = bytes(range(256)) * 40
        response = client.post(f"/candidates/me/{call.slug}/application",
                               data=with_photo(form_data(version=str(mine(call, member).version)), big + noisy, "big.png"),
                               content_type="multipart/form-data")
        assert response.status_code == 413
        assert "too large" in response.get_data(as_text=True)
    finally:
        app.config["CANDIDATES_PHOTO_MAX_BYTES"] = 5 * 1024 * 1024


def test_the_photo_limit_said_is_the_setting(client, login_as, open_call, standing_member, app):
    """The label and the refusal say the photo's own limit (CANDIDATES_PHOTO_MAX_BYTES), not a figure typed
    in the sentence."""
    from flask_babel import force_locale

    from app.errors import error_message

    call, member, application, before = _a_draft(client, login_as, open_call, standing_member)
    app.config["CANDIDATES_PHOTO_MAX_BYTES"] = 3 * 1024 * 1024
    try:
        page = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
        assert "Photo (JPEG, PNG or WebP, up to 3 MB)" in page and "5 MB" not in page
        with app.test_request_context(), force_locale("fr"):
            assert "3 Mo et 40 millions de pixels au plus" in error_message(errors.PhotoTooLarge())
    finally:
        app.config["CANDIDATES_PHOTO_MAX_BYTES"] = 5 * 1024 * 1024
    assert "up to 5 MB" in client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)


def test_a_published_name_is_a_name_as_on_the_register(client, login_as, open_call, standing_member):
    """It goes on the ballot and its papers: no markup, no emoji, no direction control (shown "Marie Doe",
    kept otherwise), said beside the field, nothing saved."""
    call, _member, application, before = _a_draft(client, login_as, open_call, standing_member)
    for name, message in (("Marie <script>alert(1)</script>", "A name or an address cannot contain &lt; or &gt;."),
                          ("Marie \U0001F600", "no emoji or other symbol"),
                          ("Marie \u202eeoD", "cannot contain direction marks")):
        response = client.post(f"/candidates/me/{call.slug}/application",
                               data=form_data(published_name=name, biography="kept as typed"))
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and message in body and "kept as typed" in body, name
    assert versions_count(application.id) == before


def test_a_decompression_bomb_is_refused(open_call, standing_member):
    from candidates.errors import PhotoTooLarge
    from candidates.photos import process_photo

    with pytest.raises(PhotoTooLarge):
        process_photo(png_bytes(size=(10000, 10000), colour=(0, 0, 0)))


def test_a_photo_sent_with_another_mistake_is_spoken_of_too(client, login_as, open_call, standing_member):
    call = open_call()
    member = standing_member(language="en")
    login_as(member.account)
    url = f"/candidates/me/{call.slug}/application"
    too_long = form_data(biography="x" * 100_000)
    bad = client.post(url, data=with_photo(too_long, b"<?php echo 1; ?>", "shell.jpg"),
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "This file is not one." in bad.get_data(as_text=True)
    good = client.post(url, data=with_photo(too_long), content_type="multipart/form-data")
    assert good.status_code == 400 and "choose it again" in good.get_data(as_text=True)
    assert mine(call, member) is None  # nothing saved from a form sent back


def test_photo_is_re_encoded_without_metadata(open_call, standing_member):
    from PIL import Image

    from candidates.photos import process_photo

    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (50.0, 51.0, 0.0)}  # GPS
    original = png_bytes(size=(1600, 1200), fmt="JPEG", exif=exif.tobytes())
    assert b"SpyCam" in original
    photo = process_photo(original)
    assert b"SpyCam" not in photo.data and photo.mime == "image/jpeg"
    assert max(photo.width, photo.height) == 800
    assert not Image.open(io.BytesIO(photo.data)).getexif()


def test_too_long_texts_are_refused_with_the_text_kept(client, login_as, open_call, standing_member):
    call = open_call()
    member = standing_member()
    login_as(member.account)
    response = client.post(f"/candidates/me/{call.slug}/application", data=form_data(biography="x" * 1501))
    assert response.status_code == 400
    assert mine(call, member) is None


def row_counts():
    """Every table's row count: a signed-out visitor must change none of them."""
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


LONG_MOTIVATION = ("Je me présente parce que la coopérative doit rester proche de ses membres. " * 40)[:2990]


def test_expired_session_gives_the_text_back_and_writes_nothing(client, login_as, open_call, standing_member):
    call = open_call()
    member = standing_member()
    db.session.commit()
    before = row_counts()
    for url in (f"/candidates/me/{call.slug}/application", f"/candidates/me/{call.slug}/application/submit"):
        response = client.post(url, data=with_photo(form_data(biography="Texte tapé pendant une heure",
                                                              motivation=LONG_MOTIVATION, vision="Ma vision")),
                               content_type="multipart/form-data")
        text = response.get_data(as_text=True)
        assert response.status_code == 401
        assert "Texte tapé pendant une heure" in text and "Ma vision" in text
        assert LONG_MOTIVATION.strip() in text  # the long text whole, not cut
        assert "Your session has expired, so nothing was saved yet" in text
        assert "The photo you chose is not kept" in text
        link = re.search(r'href="(/auth/login\?next=[^"]+)" target="_blank"', text)
        assert link and f"/candidates/me/{call.slug}/application" in link.group(1).replace("%2F", "/")
        assert 'data-keep-draft="' + call.slug + '"' in text  # the browser keeps its copy too
    db.session.expire_all()
    assert row_counts() == before
    # Signed in again (in another tab), the member presses "Save draft" on the page they were given.
    login_as(member.account)
    page = client.post(f"/candidates/me/{call.slug}/application",
                       data=form_data(biography="Texte tapé pendant une heure", motivation=LONG_MOTIVATION))
    assert page.status_code == 302
    assert mine(call, member).motivation == LONG_MOTIVATION


def test_an_oversized_signed_out_post_writes_nothing_either(client, open_call):
    call = open_call()
    db.session.commit()
    before = row_counts()
    response = client.post(f"/candidates/me/{call.slug}/application", data=form_data(biography="x" * 600_000))
    assert response.status_code in (401, 413)
    db.session.expire_all()
    assert row_counts() == before


def test_after_closing_and_out_of_standing_refusals_are_worded(client, login_as, open_call, standing_member):
    call = open_call(slug="closing")
    lapsed = standing_member(paid=False)
    login_as(lapsed.account)
    response = client.post(f"/candidates/me/{call.slug}/application/submit",
                           data=with_photo(form_data()), content_type="multipart/form-data")
    assert response.status_code == 422
    assert "You are not a member in good standing." in response.get_data(as_text=True)
    call.closes_on = today() - timedelta(days=1)
    call.opens_on = today() - timedelta(days=8)
    db.session.commit()
    response = client.post(f"/candidates/me/{call.slug}/application", data=form_data(vision="late text"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The call for candidates is closed" in body and "late text" in body


def test_secretary_reviews_and_the_public_page_shows_two_languages(client, login_as, open_call, standing_member,
                                                                   apply, secretary, outbox):
    call = open_call()
    fr = apply(call, standing_member(language="fr"), published_name="Camille Dubois", language="fr",
               biography="Formatrice à Liège.\n\nDeuxième paragraphe.")
    nl = apply(call, standing_member(language="nl", category=Category.B), published_name="Jan Peeters",
               language="nl", biography="Vertaler in Gent.", gender="man")
    hostile = apply(call, standing_member(), published_name="<script>alert(1)</script>", biography="<img src=x onerror=alert(1)>")
    login_as(secretary)
    assert client.get("/").get_data(as_text=True).count("applications to review") == 1
    manage = client.get(f"/candidates/manage/{call.slug}")
    assert manage.status_code == 200 and "All checks hold" in manage.get_data(as_text=True)
    # announced already: the call's page and the confirmation name the next announcement alike
    assert "Tell members who were not told yet" in manage.get_data(as_text=True)
    again = client.get(f"/candidates/manage/{call.slug}/announce").get_data(as_text=True)
    assert "<h1>Tell members who were not told yet</h1>" in again and "Yes, announce the call" in again
    # Publishing while applications wait names them before anyone confirms, and refuses a post.
    confirm = client.get(f"/candidates/manage/{call.slug}/publish").get_data(as_text=True)
    assert "3 applications still wait for a decision" in confirm and "Yes, publish the list" not in confirm
    assert "<h1>Publish the list</h1>" in confirm  # the step it leads to, not a bare "Please confirm"
    assert f"/candidates/manage/applications/{fr.id}" in confirm and "Back to the call" in confirm
    early = client.post(f"/candidates/manage/{call.slug}/publish")
    assert early.status_code == 422 and "3 applications still wait" in early.get_data(as_text=True)
    assert client.get(f"/candidates/manage/applications/{fr.id}").status_code == 200
    review = unescape(client.get(f"/candidates/manage/applications/{nl.id}").get_data(as_text=True))
    assert (f"Your reason goes to {nl.member.name} by e-mail, within a message in Dutch: write it so that they can "
            "read it.") in review  # the candidate's mail language, which the secretary may not read the form in
    assert client.post(f"/candidates/manage/applications/{fr.id}/accept").status_code == 302
    assert client.post(f"/candidates/manage/applications/{nl.id}/accept").status_code == 302
    refused = client.post(f"/candidates/manage/applications/{hostile.id}/reject", data={"reject-reason": ""})
    assert refused.status_code == 400
    blank = client.post(f"/candidates/manage/applications/{hostile.id}/reject", data={"reject-reason": "   "})
    said = blank.get_data(as_text=True)  # said beside the reason, its drawer open
    assert blank.status_code == 400 and "<details open>\n      <summary>Reject</summary>" in said
    assert 'id="reject-reason-error"' in said
    assert client.post(f"/candidates/manage/applications/{hostile.id}/reject",
                       data={"reject-reason": "Nom non conforme."}).status_code == 302
    assert "Nom non conforme." in outbox(hostile.member.email)[-1].body_text
    assert client.post(f"/candidates/manage/applications/{fr.id}/accept").status_code == 409  # already decided
    counts = client.get(f"/candidates/manage/{call.slug}").get_data(as_text=True)
    assert "1 candidate for 3 seats" in counts and "1 candidate for 2 seats" in counts  # one each: no "1 candidates"
    # Before publication: the public sees no candidate, nor their photo.
    public = client.application.test_client()
    assert "Camille Dubois" not in public.get(f"/candidates/{call.slug}").get_data(as_text=True)
    assert public.get(f"/candidates/photos/{fr.id}").status_code == 404
    assert client.get(f"/candidates/photos/{fr.id}").status_code == 200  # the secretary sees it
    ready = client.get(f"/candidates/manage/{call.slug}/publish").get_data(as_text=True)
    assert "Yes, publish the list" in ready
    assert "The call is open until" in ready and "each application accepted later joins the published list" in ready
    assert client.post(f"/candidates/manage/{call.slug}/publish").status_code == 302
    page = public.get(f"/candidates/{call.slug}").get_data(as_text=True)
    assert '<article class="card candidate" lang="fr"' in page and '<article class="card candidate" lang="nl"' in page
    assert "Formatrice à Liège." in page and "Vertaler in Gent." in page and "<script>alert" not in page
    assert '<p class="pre">Formatrice à Liège.\n\nDeuxième paragraphe.</p>' in page  # its paragraphs kept
    assert "Among the candidates: women: 1; men: 1; legal persons: 0; other or not said: 0." in page
    photo = public.get(f"/candidates/photos/{fr.id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    filtered = public.get(f"/candidates/{call.slug}?category=B").get_data(as_text=True)
    assert "Vertaler in Gent." in filtered and "Formatrice à Liège." not in filtered
    by_language = public.get(f"/candidates/{call.slug}?language=fr", headers={"HX-Request": "true"})
    assert by_language.get_data(as_text=True).lstrip().startswith('<section id="candidate-list"')
    booklet = public.get(f"/candidates/{call.slug}/booklet.pdf")
    assert booklet.status_code == 200 and booklet.mimetype == "application/pdf"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=booklet.data, capture_output=True, check=True).stdout.decode()
        assert "Camille Dubois" in text and "Jan Peeters" in text


def close(call):
    call.opens_on, call.closes_on = today() - timedelta(days=8), today() - timedelta(days=1)
    db.session.commit()


def test_ballot_page_fixes_the_order_by_lot(client, login_as, open_call, standing_member, apply, secretary):
    call = open_call()
    for category in (Category.A, Category.A, Category.B):
        services.accept_application(apply(call, standing_member(category=category)), actor=secretary)
    db.session.commit()
    login_as(secretary)
    still_open = client.post(f"/candidates/manage/{call.slug}/ballot", data={"method": "lot"})
    assert still_open.status_code == 422 and "still open" in still_open.get_data(as_text=True)
    close(call)
    assert client.get(f"/candidates/manage/{call.slug}/ballot.json").status_code == 422
    assert client.post(f"/candidates/manage/{call.slug}/ballot", data={"method": "lot"}).status_code == 302
    data = client.get(f"/candidates/manage/{call.slug}/ballot.json").get_json()
    assert [c["choices"] for c in data["contests"]] == [["a01", "a02"], ["b01"]] and data["seed"]
    again = client.post(f"/candidates/manage/{call.slug}/ballot", data={"method": "lot"})
    assert again.status_code == 409


def test_manual_order_errors_are_worded(client, login_as, open_call, standing_member, apply, secretary):
    call = open_call()
    a1, a2 = (apply(call, standing_member()) for _ in range(2))
    for a in (a1, a2):
        services.accept_application(a, actor=secretary)
    db.session.commit()
    close(call)
    login_as(secretary)
    response = client.post(f"/candidates/manage/{call.slug}/ballot",
                           data={"method": "manual", f"position-{a1.id}": "1", f"position-{a2.id}": "1"})
    assert response.status_code == 400 and "each number once" in response.get_data(as_text=True)
    for bad in ("²", "١²٣", "9" * 30):  # passes str.isdigit(), is no position: as if left empty, never a 500
        response = client.post(f"/candidates/manage/{call.slug}/ballot",
                               data={"method": "manual", f"position-{a1.id}": bad, f"position-{a2.id}": "1"})
        assert response.status_code == 400, bad


def test_home_tasks_for_members(client, login_as, open_call, standing_member, apply, secretary):
    call = open_call()
    member = standing_member()
    login_as(member.account)
    assert "A call for candidates is open" in client.get("/").get_data(as_text=True)
    application = apply(call, member)
    services.request_correction(application, "Photo floue", actor=secretary)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "Your application needs a correction" in home and "A call for candidates is open" not in home


def test_an_applicant_not_yet_admitted_is_not_invited_to_stand(client, open_call):
    from shares import admission
    from shares.models import MemberKind
    from tests.factories import sign_in

    open_call()
    application = admission.apply(email="new.one@example.be", kind=MemberKind.NATURAL, category=Category.A, shares=1,
                                  language="en", first_name="New", last_name="One")
    db.session.commit()
    sign_in(client, application.member.account)
    assert "A call for candidates is open" not in client.get("/").get_data(as_text=True)


def test_call_form_refuses_bad_dates_and_duplicates(client, login_as, secretary):
    login_as(secretary)
    base = {"slug": "board-x", "title_fr": "A", "title_nl": "B", "title_en": "C", "seats_a": "11", "seats_b": "7",
            "term_years": "4", "staff_in_category_b": "y"}
    now = today()
    bad = client.post("/candidates/manage/new", data=base | {"opens_on": str(now), "closes_on": str(now - timedelta(days=1)),
                                                             "vote_opens_on": str(now + timedelta(days=9))})
    assert bad.status_code == 400 and "closing date must not be before" in bad.get_data(as_text=True)
    good = base | {"opens_on": str(now), "closes_on": str(now + timedelta(days=5)), "vote_opens_on": str(now + timedelta(days=9))}
    assert client.post("/candidates/manage/new", data=good).status_code == 302
    dup = client.post("/candidates/manage/new", data=good)
    assert dup.status_code == 409 and "already has this short name" in dup.get_data(as_text=True)
    reserved = client.post("/candidates/manage/new", data=good | {"slug": "manage"})
    assert reserved.status_code == 400


def test_member_withdraws_after_confirming(client, login_as, open_call, standing_member, apply):
    call = open_call()
    member = standing_member()
    apply(call, member)
    login_as(member.account)
    call_page = client.get(f"/candidates/{call.slug}").get_data(as_text=True)
    assert ">My application</a>" in call_page and ">Apply</a>" not in call_page  # not asked to apply again
    page = client.get(f"/candidates/me/{call.slug}/withdraw")
    assert page.status_code == 200 and "Yes, withdraw my application" in page.get_data(as_text=True)
    assert client.post(f"/candidates/me/{call.slug}/withdraw").status_code == 302
    assert mine(call, member).status is ApplicationStatus.WITHDRAWN
    assert client.post(f"/candidates/me/{call.slug}/withdraw").status_code == 409


def test_autosave_keeps_the_draft_and_never_redirects(client, login_as, open_call, standing_member, apply):
    call = open_call()
    member = standing_member()
    db.session.commit()
    before = row_counts()
    signed_out = client.post(f"/candidates/me/{call.slug}/autosave", data=form_data(biography="tapé hors session"),
                             headers={"HX-Request": "true"})
    body = signed_out.get_data(as_text=True)
    assert signed_out.status_code == 200 and "nothing was saved automatically" in body
    link = re.search(r'href="(/auth/login\?next=[^"]+)" target="_blank"', body).group(1)
    assert f"/candidates/me/{call.slug}/application" in link.replace("%2F", "/")
    db.session.expire_all()
    assert row_counts() == before
    login_as(member.account)
    saved = client.post(f"/candidates/me/{call.slug}/autosave", data=form_data(biography="autosaved"),
                        headers={"HX-Request": "true"})
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Draft saved automatically" in body
    assert re.search(r"Draft saved automatically at \d{1,2}:\d{2}\s?[AP]?M?\.", body)  # the time: it is today's
    version = re.search(r'id="version" name="version" value="(\d+)" hx-swap-oob="true"', body).group(1)
    assert mine(call, member).biography == "autosaved"
    # The next save carries the version the autosave sent back: not stale.
    again = client.post(f"/candidates/me/{call.slug}/autosave", data=form_data(biography="again") | {"version": version},
                        headers={"HX-Request": "true"})
    assert again.status_code == 200 and mine(call, member).biography == "again"
    # A refused field is said in the status line itself, with a link to it: the field is not redrawn.
    refused = client.post(f"/candidates/me/{call.slug}/autosave", headers={"HX-Request": "true"},
                          data=form_data(published_name="Marie \u202eLaurent", biography="kept?") | {"version": version})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and mine(call, member).biography == "again"
    assert '<a href="#published_name">Name as published</a>: A name or an address cannot contain direction marks' in body
    strange = client.post(f"/candidates/me/{call.slug}/autosave", headers={"HX-Request": "true"},
                          data=form_data(gender="alien") | {"version": version})
    assert strange.status_code == 400 and '<a href="#gender-0">' in strange.get_data(as_text=True)
    stale = client.post(f"/candidates/me/{call.slug}/autosave", data=form_data(biography="old tab") | {"version": version},
                        headers={"HX-Request": "true"})
    assert stale.status_code == 409 and mine(call, member).biography == "again"
    other = standing_member()
    apply(call, other)
    login_as(other.account)
    sent = client.post(f"/candidates/me/{call.slug}/autosave", data=form_data(biography="no"), headers={"HX-Request": "true"})
    assert sent.status_code == 409 and mine(call, other).biography != "no"


def test_with_csrf_on_an_expired_session_still_keeps_the_text_and_a_forged_post_saves_nothing(
        make_app, open_call, standing_member):
    from tests.factories import csrf_token, sign_in

    call = open_call()
    member = standing_member()
    db.session.commit()
    live = make_app(WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    browser = live.test_client()
    before = row_counts()
    kept = browser.post(f"/candidates/me/{call.slug}/application",
                        data=form_data(biography="sans jeton", motivation=LONG_MOTIVATION))
    assert kept.status_code == 401 and "sans jeton" in kept.get_data(as_text=True)
    db.session.expire_all()
    assert row_counts() == before
    old_token = csrf_token(kept.get_data(as_text=True))
    # Signing in (in another tab) starts a fresh session: the page's token is now stale.
    with browser.session_transaction() as session:
        session.clear()
    sign_in(browser, member.account)
    forged = browser.post(f"/candidates/me/{call.slug}/application", data=form_data(biography="forged"))
    assert forged.status_code == 400 and "forged" in forged.get_data(as_text=True)
    assert "This page had expired" in forged.get_data(as_text=True)
    assert mine(call, member) is None
    # The member presses "Save draft" on the page given back: refused once (stale token), text kept ...
    stale = browser.post(f"/candidates/me/{call.slug}/application",
                         data=form_data(biography="sans jeton", motivation=LONG_MOTIVATION) | {"csrf_token": old_token})
    assert stale.status_code == 400 and "This page had expired" in stale.get_data(as_text=True)
    assert "sans jeton" in stale.get_data(as_text=True) and mine(call, member) is None
    # ... and saved on the second press, with the page's fresh token: nothing of the long text lost.
    saved = browser.post(f"/candidates/me/{call.slug}/application",
                         data=form_data(biography="sans jeton", motivation=LONG_MOTIVATION)
                         | {"csrf_token": csrf_token(stale.get_data(as_text=True))})
    assert saved.status_code == 302
    assert mine(call, member).motivation == LONG_MOTIVATION and mine(call, member).biography == "sans jeton"


def test_the_dutch_form_offers_communication_as_a_skill_not_a_payment_message(client, login_as, open_call,
                                                                                standing_member):
    """"Communication" is two words in Dutch: the skill (Communicatie) and a transfer's message
    (Mededeling, on the payments pages); the form says the first, in the formal "u" of the app."""
    call = open_call()
    member = standing_member(language="nl")
    login_as(member.account)
    page = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    assert "Communicatie" in page and "Mededeling" not in page
    assert "Waarom stelt u zich kandidaat?" in page


def test_a_strange_gender_or_version_is_said_and_saves_nothing(client, login_as, open_call, standing_member):
    """A gender not offered is said beside the choice (it was "correct the fields below" with none
    marked); a version that is not a number is a form out of date (it skipped the check that a second
    tab's changes are not overwritten)."""
    call = open_call()
    member = standing_member()
    db.session.commit()
    login_as(member.account)
    url = f"/candidates/me/{call.slug}/application"
    assert client.post(url, data=form_data(biography="Premier jet")).status_code == 302
    before = mine(call, member).version
    gender = client.post(url, data=form_data(gender="zzz", version=str(before)))
    assert gender.status_code == 400 and 'id="gender-error"' in gender.get_data(as_text=True)
    version = client.post(url, data=form_data(biography="Écrasé ?", version="abc"))
    assert version.status_code == 400 and "This form is out of date. Reload the page." in version.get_data(as_text=True)
    db.session.expire_all()
    assert mine(call, member).version == before and mine(call, member).biography == "Premier jet"


def test_a_secretary_who_stands_decides_nothing_in_that_call(client, login_as, open_call, standing_member, apply,
                                                             secretary):
    """A secretary with an application in a call neither accepts it nor judges a rival's, nor publishes
    the list or fixes the ballot: the pages say why, the verbs refuse (403), nothing changes. Another
    secretary decides; a withdrawn application frees its author to decide again."""
    from app.models import AccountRole, Role

    call = open_call()
    candidate_secretary = standing_member()
    db.session.add(AccountRole(account_id=candidate_secretary.account.id, role=Role.SECRETARY))
    own, rival = apply(call, candidate_secretary), apply(call, standing_member())
    db.session.commit()
    login_as(candidate_secretary.account)
    said = "You stand in this call yourself: another secretary decides on its applications"
    for application in (own, rival):
        page = client.get(f"/candidates/manage/applications/{application.id}").get_data(as_text=True)
        assert said in page and "Yes, accept and tell the candidate" not in page
        refused = client.post(f"/candidates/manage/applications/{application.id}/accept")
        assert refused.status_code == 403 and said in refused.get_data(as_text=True)
        for verb in ("reject", "correction"):
            response = client.post(f"/candidates/manage/applications/{application.id}/{verb}",
                                   data={f"{verb}-reason": "Not good enough"})
            assert response.status_code == 403 and said in response.get_data(as_text=True), verb
    db.session.expire_all()
    assert own.status is rival.status is ApplicationStatus.SUBMITTED and own.decided_by_id is None
    managed = client.get(f"/candidates/manage/{call.slug}").get_data(as_text=True)
    assert said in managed and "Publish the list" not in managed and "Edit the call" not in managed
    for url in (f"/candidates/manage/{call.slug}/edit", f"/candidates/manage/{call.slug}/announce",
                f"/candidates/manage/{call.slug}/publish"):  # nor the call's settings, its announcement, its list
        for method in ("GET", "POST"):
            response = client.open(url, method=method, data={"seats_a": "5"})
            assert response.status_code == 403 and said in response.get_data(as_text=True), (url, method)
    with pytest.raises(errors.Recused):
        services.update_call(call, actor=candidate_secretary.account, seats_a=5)
    with pytest.raises(errors.Recused):
        services.publish_list(call, actor=candidate_secretary.account)
    with pytest.raises(errors.Recused):
        services.fix_ballot_order(call, BallotOrder.LOT, actor=candidate_secretary.account)
    services.accept_application(rival, actor=secretary)  # another secretary decides
    services.withdraw_application(own, actor=candidate_secretary.account)
    db.session.commit()
    login_as(candidate_secretary.account)
    assert said not in client.get(f"/candidates/manage/applications/{rival.id}").get_data(as_text=True)


def test_a_call_not_yet_announced_is_unknown_to_members_and_visitors_on_every_page(app, client, login_as, secretary,
                                                                                  standing_member):
    """Until it is announced, a call exists for the secretaries only: its title shows nowhere else,
    whether through its page, its booklet, the application form or a post after an expired session."""
    from tests.candidates.conftest import call_values

    services.create_call(actor=secretary, **call_values(slug="quiet", title_en="QUIET TITLE", title_fr="TITRE DISCRET",
                                                        title_nl="STILLE TITEL"))
    db.session.commit()
    member = standing_member()
    visitor = app.test_client()
    for who in (visitor, client):
        if who is client:
            login_as(member.account)
        for method, url in (("GET", "/candidates/quiet"), ("GET", "/candidates/quiet/booklet.pdf"),
                            ("GET", "/candidates/me/quiet/application"), ("POST", "/candidates/me/quiet/application"),
                            ("POST", "/candidates/me/quiet/application/submit"), ("POST", "/candidates/me/quiet/autosave"),
                            ("GET", "/candidates/me/quiet/withdraw")):
            response = who.open(url, method=method, data={"biography": "x"})
            text = response.get_data(as_text=True)
            # A visitor's GET of a member's page goes to the sign-in first, as for any address.
            expected = (404, 302) if who is visitor and method == "GET" and "/me/" in url else (404,)
            assert response.status_code in expected and "QUIET" not in text and "DISCRET" not in text, (who is client, url)
    login_as(secretary)
    assert "QUIET TITLE" in client.get("/candidates/manage/quiet").get_data(as_text=True)
    assert client.get("/candidates/quiet").status_code == 200


@pytest.mark.parametrize("leave", ["resigned", "excluded"])
def test_a_member_who_left_is_neither_invited_nor_offered_a_draft(client, login_as, open_call, standing_member,
                                                                  leave):
    from shares import register

    call = open_call()
    member = standing_member(language="en")
    if leave == "resigned":
        register.resign(member, on=today())
    else:
        register.exclude(member, on=today(), board_decision_on=today(), board_reference="CA 2026-12")
    db.session.commit()
    login_as(member.account)
    assert "A call for candidates is open" not in client.get("/").get_data(as_text=True)
    listing = client.get("/candidates/me/").get_data(as_text=True)
    assert ">Apply</a>" not in listing and "Why I cannot apply" in listing
    page = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    said = "You have resigned." if leave == "resigned" else "You have been excluded."
    assert said in page and "You cannot apply to this call." in page
    assert "Save draft" not in page and "You can still prepare a draft." not in page
    # A draft posted anyway (an old tab) is refused, with the reason and the text given back; nothing is written.
    refused = client.post(f"/candidates/me/{call.slug}/application", data=form_data(vision="Mon texte gardé"))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "You cannot stand in this election: You are not a member in good standing." in body
    assert "Mon texte gardé" in body and mine(call, member) is None
    assert client.post(f"/candidates/me/{call.slug}/autosave", data=form_data()).status_code == 422
    assert mine(call, member) is None


def test_a_draft_becomes_impossible_once_the_member_left(client, login_as, open_call, standing_member, apply):
    from shares import register

    call = open_call()
    member = standing_member(language="en")
    apply(call, member, submit=False)
    login_as(member.account)
    assert "Your application is a draft: send it" in client.get("/").get_data(as_text=True)
    register.resign(member, on=today())
    db.session.commit()
    assert "Your application is a draft" not in client.get("/").get_data(as_text=True)
    page = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    assert "Save draft" not in page
    # The exit withdrew it (only a member can stand): said, with nothing left to withdraw.
    assert "Withdrawn: your membership ended on" in page and "Withdraw my application" not in page


def test_who_cannot_stand_for_good_is_not_invited_but_who_can_pay_is(client, login_as, open_call, standing_member,
                                                                     secretary):
    from app.models import AccountRole, Role
    from candidates.models import Mandate

    call = open_call(seats_b=0)
    no_seat = standing_member(category=Category.B)
    staff_in_a = standing_member(category=Category.A)
    staff_in_a.account.roles.append(AccountRole(role=Role.STAFF))
    sitting = standing_member(category=Category.A)
    db.session.add(Mandate(member=sitting, category=Category.A, starts_on=today() - timedelta(days=400),
                           ends_on=call.vote_opens_on + timedelta(days=700)))
    unpaid = standing_member(category=Category.A, paid=False)
    db.session.commit()
    for member, reason in ((no_seat, "No seat to fill in this category."),
                           (staff_in_a, "Staff of the cooperative may stand only in category B."),
                           (sitting, "A board term that runs beyond this election.")):
        login_as(member.account)
        assert "A call for candidates is open" not in client.get("/").get_data(as_text=True)
        page = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
        assert reason in page and "Save draft" not in page
        assert client.post(f"/candidates/me/{call.slug}/application", data=form_data()).status_code == 422
        assert mine(call, member) is None
    # Paying the share makes them eligible before the call closes: they are invited and may draft meanwhile.
    login_as(unpaid.account)
    assert "A call for candidates is open" in client.get("/").get_data(as_text=True)
    page = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    assert "You can still prepare a draft." in page and "Save draft" in page
    assert client.post(f"/candidates/me/{call.slug}/application", data=form_data()).status_code == 302
    # Withdrawn, the draft is over: no invitation to prepare one beside "can no longer be changed".
    assert client.post(f"/candidates/me/{call.slug}/withdraw").status_code == 302
    page = client.get(f"/candidates/me/{call.slug}/application").get_data(as_text=True)
    assert "Your application can no longer be changed." in page and "You can still prepare a draft." not in page


def test_the_secretary_reads_why_a_candidate_who_left_cannot_stand_said_of_them(client, login_as, open_call,
                                                                                 standing_member, apply, secretary):
    from shares import register

    call = open_call()
    member = standing_member(language="en")
    application = apply(call, member)
    register.resign(member, on=today())
    db.session.commit()
    login_as(secretary)
    review = unescape(client.get(f"/candidates/manage/applications/{application.id}").get_data(as_text=True))
    assert "They have resigned." in review and "You have resigned." not in review
    manage = unescape(client.get(f"/candidates/manage/{call.slug}").get_data(as_text=True))
    assert f"Member number {member.number}" in manage  # two memberships of one person read apart


def _version_on(page: str) -> str:
    """The version a page's form was opened on."""
    return re.search(r'<input[^>]*name="version"[^>]*value="(\d*)"', page).group(1)


def test_two_windows_the_later_save_is_refused_and_never_overwrites_the_other(client, app, open_call,
                                                                           standing_member):
    """Two sessions (a phone and a laptop) open the same draft; the laptop saves; the phone's autosave,
    and then its button, are refused with a 409 in words: the laptop's text stands, the phone's own
    text is given back to copy, and the phone's page carries no newer version that would let it overwrite."""
    from tests.factories import sign_in

    call = open_call()
    member = standing_member(language="en")
    services.save_application(call, member, {"biography": "Started"}, actor=member.account)
    db.session.commit()
    laptop, phone = app.test_client(), client
    sign_in(laptop, member.account)
    sign_in(phone, member.account)
    url = f"/candidates/me/{call.slug}"
    opened = _version_on(phone.get(f"{url}/application").get_data(as_text=True))
    assert opened == _version_on(laptop.get(f"{url}/application").get_data(as_text=True))
    assert laptop.post(f"{url}/application", data=form_data(biography="The laptop's text") | {
        "version": opened}).status_code == 302
    refused = phone.post(f"{url}/autosave", headers={"HX-Request": "true"},
                         data=form_data(biography="The phone's text", vision="Typed on the phone") | {"version": opened})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and mine(call, member).biography == "The laptop's text"
    assert "changed in another window (or on another device)" in body and "no longer saves automatically" in body
    assert f'href="{url}/application">Load the newest version</a>' in body and "data-autosave-stopped" in body
    given = unescape(body)
    assert "Your text, not saved" in given and "The phone's text" in given and "Typed on the phone" in given
    # The page still holds it, and the browser keeps a copy (static/js/candidates/draft.js): not "nowhere else".
    said = " ".join(given.split())
    assert "This browser also keeps a copy" in said and "kept nowhere else" not in said
    assert "hx-swap-oob" not in body  # the page keeps the version its text was based on
    # The phone's button, with the same version: refused too; the form shows the laptop's text, the phone's given back.
    pressed = phone.post(f"{url}/application", data=form_data(biography="The phone's text") | {"version": opened})
    page = unescape(pressed.get_data(as_text=True))
    assert pressed.status_code == 409 and mine(call, member).biography == "The laptop's text"
    assert "nothing was saved here, so that that work is kept" in page
    assert re.search(r'<textarea[^>]*name="biography"[^>]*>\s*The laptop\'s text</textarea>', page)
    assert re.search(r'<textarea id="given-back-\d+" readonly[^>]*>The phone\'s text</textarea>', page)
    # The form shows the laptop's text, which the browser's copy then follows: the box is the one place left.
    assert "it is kept nowhere else" in " ".join(page.split()) and "This browser also keeps a copy" not in page
    assert _version_on(page) == str(mine(call, member).version)  # saving from here now is a choice made knowingly


def test_a_page_opened_before_the_first_draft_does_not_overwrite_one_another_window_started(
        client, app, open_call, standing_member):
    from tests.factories import sign_in

    call = open_call()
    member = standing_member(language="fr")
    db.session.commit()
    other = app.test_client()
    sign_in(other, member.account)
    sign_in(client, member.account)
    url = f"/candidates/me/{call.slug}"
    assert _version_on(client.get(f"{url}/application").get_data(as_text=True)) == ""
    assert other.post(f"{url}/autosave", headers={"HX-Request": "true"},
                      data=form_data(biography="Première fenêtre") | {"version": ""}).status_code == 200
    refused = client.post(f"{url}/autosave", headers={"HX-Request": "true", "Accept-Language": "fr"},
                          data=form_data(biography="Seconde fenêtre") | {"version": ""})
    assert refused.status_code == 409 and mine(call, member).biography == "Première fenêtre"
    text = unescape(refused.get_data(as_text=True))
    assert "Charger la dernière version" in text and "Seconde fenêtre" in text
    assert "Ce navigateur en garde aussi une copie" in text and "nulle part ailleurs" not in text
    # A hostile version is a form out of date, said in words; nothing saved.
    for version in ("-1", "abc", "9" * 12, "1e3"):
        bad = client.post(f"{url}/autosave", headers={"HX-Request": "true"},
                          data=form_data(biography="hostile") | {"version": version})
        assert bad.status_code == 400 and mine(call, member).biography == "Première fenêtre", version


@pytest.mark.parametrize("path", ["application", "application/submit", "autosave"])
def test_a_post_without_the_pages_version_is_refused_and_saves_nothing(client, login_as, open_call, standing_member,
                                                                       apply, path):
    """Every page of the form sends the version it was opened on (empty before any draft): a post without it,
    or with an empty, garbage or another application's version, would skip the check that another window
    saved meanwhile. Missing or garbage is a form out of date (400), in the reader's language; empty or another
    application's number is a change made elsewhere (409); nothing is written either way."""
    call = open_call()
    member = standing_member()
    other = apply(open_call(slug="board-other"), standing_member())
    login_as(member.account)
    url = f"/candidates/me/{call.slug}/{path}"
    headers = {"HX-Request": "true"} if path == "autosave" else {}
    assert client.post(f"/candidates/me/{call.slug}/application",
                       data=form_data(biography="Premier jet")).status_code == 302
    for _ in range(3):  # this application's version is not the other's
        assert client.post(f"/candidates/me/{call.slug}/application",
                           data=form_data(biography="Premier jet", version=str(mine(call, member).version))
                           ).status_code == 302
    application = mine(call, member)
    before = (application.version, versions_count(application.id), application.biography)
    assert other.version != application.version
    missing = {k: v for k, v in form_data(biography="Écrasé ?").items() if k != "version"}
    cases = [(missing, 400, "This form is out of date. Reload the page."),
             (form_data(biography="Écrasé ?", version="abc"), 400, "This form is out of date. Reload the page."),
             (form_data(biography="Écrasé ?", version="-1"), 400, "This form is out of date. Reload the page."),
             (form_data(biography="Écrasé ?", version="9" * 12), 400, "This form is out of date. Reload the page."),
             (form_data(biography="Écrasé ?", version=""), 409, "changed in another window"),
             (form_data(biography="Écrasé ?", version=str(other.version)), 409, "changed in another window")]
    for data, status, said in cases:
        answer = client.post(url, data=data, headers=headers)
        body = " ".join(unescape(answer.get_data(as_text=True)).split())
        assert answer.status_code == status, data.get("version")
        assert said in body, data.get("version")
        assert answer.status_code != 302 and "Version:" not in body
        db.session.expire_all()
        application = mine(call, member)
        assert (application.version, versions_count(application.id), application.biography) == before

    client.post("/language", data={"language": "nl"})
    dutch = client.post(url, data=missing, headers=headers)
    assert dutch.status_code == 400 and "Dit formulier is niet meer actueel" in unescape(dutch.get_data(as_text=True))
    client.post("/language", data={"language": "fr"})
    french = client.post(url, data=missing, headers=headers)
    assert french.status_code == 400 and "Ce formulaire n'est plus à jour" in unescape(french.get_data(as_text=True))
