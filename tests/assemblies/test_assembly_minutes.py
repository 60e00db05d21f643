"""The minutes of an assembly: the secretary begins them once the meeting has begun, writes around
the record's facts, signs them once the results are out; then they are frozen and every member
reads them (page and PDF). Drafts stay with the secretaries; every refusal is said in words."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import AuditEntry
from assemblies import errors, minutes as service
from assemblies.demo import cast_for, tally
from assemblies.models import AssemblyMinutes, Elector
from tests.factories import sign_in


def _held(world):
    """The meeting began an hour ago (the world's is two days ahead)."""
    world.assembly.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()


def _voted_and_published(world):
    _held(world)
    electors = list(db.session.scalars(select(Elector).where(Elector.assembly_id == world.assembly.id)
                                       .order_by(Elector.id)))
    cast_for(world.assembly, electors, world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()


def _form(html: str) -> dict[str, str]:
    """The minutes form's fields as the page fills them."""
    data = {name: unescape(value) for name, value in re.findall(r'<input[^>]*name="([a-z_0-9]+)"[^>]*value="([^"]*)"', html)}
    for name, value in re.findall(r'<textarea[^>]*name="([a-z_0-9]+)"[^>]*>\s*([^<]*)</textarea>', html):
        data[name] = unescape(value)
    data.pop("csrf_token", None)
    return data


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _minutes_actions() -> list[str]:
    """The minutes' audit actions, in order: a signature after a save records no empty change."""
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("assemblies.minutes.%"))
                                   .order_by(AuditEntry.id)))


def test_minutes_cannot_be_begun_before_the_meeting(client, world):
    sign_in(client, world.secretary)
    # Nothing asks for them yet: neither the assembly page nor the secretary's home page.
    assert "/assemblies/ga-test/minutes" not in client.get("/assemblies/ga-test").get_data(as_text=True)
    assert "Write the minutes" not in client.get("/").get_data(as_text=True)
    page = client.get("/assemblies/ga-test/minutes")
    assert page.status_code == 200
    assert "they can be begun once it begins" in _text(page.get_data(as_text=True))
    refused = client.post("/assemblies/ga-test/minutes/begin")
    assert refused.status_code == 409
    assert "they can be begun once it begins" in _text(refused.get_data(as_text=True))
    assert db.session.scalar(select(AssemblyMinutes)) is None
    with pytest.raises(errors.MeetingNotBegun):
        service.start_minutes(world.assembly)


def test_the_secretary_writes_and_signs_and_every_member_reads_them(client, world):
    _voted_and_published(world)
    item = world.assembly.items[0]
    sign_in(client, world.secretary)
    assert "Write the minutes" in client.get("/assemblies/ga-test").get_data(as_text=True)
    home = _text(client.get("/").get_data(as_text=True))
    assert "Write the minutes" in home  # the secretary's home page asks for them
    assert client.post("/assemblies/ga-test/minutes/begin").status_code == 302
    assert "Finish and sign the minutes" in _text(client.get("/").get_data(as_text=True))
    page = client.get("/assemblies/ga-test/minutes").get_data(as_text=True)
    assert "Draft: members do not see it until it is signed." in _text(page)
    # Signing says what it needs; its button sends the minutes' own form (saved and signed together).
    assert "Say who chaired the meeting." in _text(page)
    assert re.search(r'<button type="submit" class="danger" formaction="/assemblies/ga-test/minutes/sign">', page)
    data = _form(page)
    data.update(chair="Anne Lemaire", secretary="Bruno Peeters", tellers="Chloé Martin",
                opening="The chair opens the meeting at 14:05.", closing="The meeting closes at 17:30.",
                **{f"note_{item.id}": "Questions on the accounts.\nThe treasurer answers."})
    saved = client.post("/assemblies/ga-test/minutes", data=data)
    assert saved.status_code == 302
    # Members do not see a draft, not even its PDF.
    member_client = client.application.test_client()
    sign_in(member_client, world.members[0].account)
    draft = member_client.get("/assemblies/ga-test/minutes")
    assert draft.status_code == 404  # said in words: not published yet, not "nothing at this address"
    assert "The minutes of this assembly are not published yet" in draft.get_data(as_text=True)
    assert member_client.get("/assemblies/ga-test/minutes.pdf").status_code == 404
    assert "/assemblies/ga-test/minutes" not in member_client.get("/assemblies/ga-test").get_data(as_text=True)

    page = client.get("/assemblies/ga-test/minutes").get_data(as_text=True)
    signed = client.post("/assemblies/ga-test/minutes/sign", data=_form(page))
    assert signed.status_code == 302
    minutes = db.session.scalar(select(AssemblyMinutes))
    assert minutes.signed and minutes.signed_by_id == world.secretary.id
    assert "the minutes:" not in _text(client.get("/").get_data(as_text=True))  # the task is done

    shown = member_client.get("/assemblies/ga-test/minutes")
    assert shown.status_code == 200
    text = _text(shown.get_data(as_text=True))
    assert "Anne Lemaire" in text and "Bruno Peeters" in text and "Chloé Martin" in text
    assert "Questions on the accounts." in text and "The meeting closes at 17:30." in text
    # The facts come from the record: the electorate and the outcome of the vote.
    assert "Electorate" in text and ("Adopted" in text or "Rejected" in text)
    assert "/assemblies/ga-test/minutes" in member_client.get("/assemblies/ga-test").get_data(as_text=True)
    pdf = member_client.get("/assemblies/ga-test/minutes.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # Signed minutes are frozen, for a second tab as for the service.
    again = client.post("/assemblies/ga-test/minutes", data={**data, "chair": "Someone else"})
    assert again.status_code == 409
    assert "The minutes are signed: they can no longer change." in _text(again.get_data(as_text=True))
    db.session.refresh(minutes)
    assert minutes.chair == "Anne Lemaire"
    with pytest.raises(errors.MinutesSigned):
        service.sign_minutes(minutes, version=minutes.version)


def test_minutes_are_signed_only_once_the_results_are_published(client, world):
    _held(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    page = client.get("/assemblies/ga-test/minutes").get_data(as_text=True)
    data = _form(page)
    client.post("/assemblies/ga-test/minutes", data={**data, "chair": "Anne", "secretary": "Bruno"})
    page = client.get("/assemblies/ga-test/minutes").get_data(as_text=True)
    assert "the minutes can be signed once they are" in _text(page)
    refused = client.post("/assemblies/ga-test/minutes/sign", data={**_form(page), "closing": "Closed at 17:00."})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "The results of the vote are not published yet" in _text(html)
    assert "Closed at 17:00." in html  # the typing stays on the page, nothing saved
    minutes = db.session.scalar(select(AssemblyMinutes))
    assert not minutes.signed and minutes.closing == ""


def test_signing_saves_what_was_typed_since_the_last_save(client, world):
    _voted_and_published(world)
    item = world.assembly.items[0]
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    data = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    # Nothing saved yet: the chair and the secretary are typed, then the sign button is pressed.
    typed = {**data, "chair": "Anne Lemaire", "secretary": "Bruno Peeters", "closing": "The meeting closes at 17:30.",
             f"note_{item.id}": "The treasurer answers."}
    signed = client.post("/assemblies/ga-test/minutes/sign", data=typed)
    assert signed.status_code == 302
    assert "The minutes are saved and signed." in _text(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    minutes = db.session.scalar(select(AssemblyMinutes))
    assert minutes.signed and minutes.signed_by_id == world.secretary.id
    assert (minutes.chair, minutes.secretary, minutes.closing) == ("Anne Lemaire", "Bruno Peeters",
                                                                   "The meeting closes at 17:30.")
    assert minutes.note(item.id) == "The treasurer answers."
    assert _minutes_actions() == ["assemblies.minutes.create", "assemblies.minutes.update", "assemblies.minutes.sign"]


def test_signing_the_text_as_saved_records_no_empty_change(client, world):
    _voted_and_published(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    data = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    assert client.post("/assemblies/ga-test/minutes", data={**data, "chair": "Anne", "secretary": "Bruno"}).status_code == 302
    page = client.get("/assemblies/ga-test/minutes").get_data(as_text=True)
    assert client.post("/assemblies/ga-test/minutes/sign", data=_form(page)).status_code == 302
    assert db.session.scalar(select(AssemblyMinutes)).signed
    assert _minutes_actions() == ["assemblies.minutes.create", "assemblies.minutes.update", "assemblies.minutes.sign"]


def test_a_refused_signature_keeps_the_typing_and_saves_nothing(client, world):
    _voted_and_published(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    data = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    refused = client.post("/assemblies/ga-test/minutes/sign",
                          data={**data, "chair": "  ", "secretary": "Bruno Peeters", "opening": "Opened at 14:05."})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert re.search(r'<p class="error" id="chair-error">Say who chaired the meeting.</p>', html)
    assert 'value="Bruno Peeters"' in html and "Opened at 14:05." in html
    assert "Please correct the fields marked below." in _text(html)
    minutes = db.session.scalar(select(AssemblyMinutes))
    assert not minutes.signed and minutes.secretary == "" and minutes.opening == "" and minutes.version == 1
    # A stale form (another tab saved meanwhile) is refused as for a save.
    assert client.post("/assemblies/ga-test/minutes", data={**data, "chair": "Anne"}).status_code == 302
    stale = client.post("/assemblies/ga-test/minutes/sign", data={**data, "chair": "Zoé", "secretary": "Bruno"})
    assert stale.status_code == 409 and "saved in the meantime" in _text(stale.get_data(as_text=True))
    db.session.refresh(minutes)
    assert not minutes.signed and minutes.chair == "Anne"


@pytest.mark.parametrize("typed, field, message", [
    ({"chair": "Anne", "secretary": "\u200b"}, "secretary", "cannot contain invisible characters"),
    # A direction control inside a visible name makes it read otherwise than it is kept ("\u202eAnne": "ennA").
    ({"chair": "\u202eAnne", "secretary": "Bruno"}, "chair", "cannot contain direction marks"),
    ({"chair": "Anne", "secretary": "Bruno \u2067Peeters\u2069"}, "secretary", "cannot contain direction marks"),
    ({"chair": "Anne", "secretary": "Bruno", "tellers": "Carla\u200f"}, "tellers", "cannot contain direction marks"),
    ({"chair": "\u200d\u2060 \ufeff", "secretary": "Bruno"}, "chair", "cannot contain invisible characters"),
    # Marks with no letter to sit on: a variation selector, a grave accent, Khmer and Mongolian marks.
    ({"chair": "\ufe0f\u0300\u034f\u17b4\u180b", "secretary": "Bruno"}, "chair", "Say who chaired the meeting."),
    ({"chair": "<script>alert(1)</script>", "secretary": "Bruno"}, "chair",
     "A name or an address cannot contain &lt; or &gt;."),
    ({"chair": "Anne", "secretary": "Bruno \U0001F600"}, "secretary", "no emoji or other symbol"),
    ({"chair": "Anne", "secretary": "Bruno", "tellers": "<b>Carla</b>"}, "tellers", "cannot contain &lt; or &gt;"),
])
def test_minutes_are_not_signed_with_an_invisible_name_or_markup(client, world, typed, field, message):
    """Who chaired and who kept the minutes are names on a legal record: one of zero-width or direction
    characters only is no name, and the register's rule keeps markup and symbols out; said beside the
    field, the typing kept, nothing saved or signed."""
    _voted_and_published(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    data = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    refused = client.post("/assemblies/ga-test/minutes/sign", data={**data, "opening": "Opened at 14:05.", **typed})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert re.search(rf'<p class="error" id="{field}-error">[^<]*{re.escape(message)}', html)
    assert "Opened at 14:05." in html
    minutes = db.session.scalar(select(AssemblyMinutes))
    assert not minutes.signed and minutes.version == 1 and minutes.opening == ""


def test_a_name_saved_invisible_is_still_missing_when_signing(world):
    _voted_and_published(world)
    minutes = service.start_minutes(world.assembly)
    service.save_minutes(minutes, version=1, chair="Anne", secretary="\u200b\u00a0\u3164", tellers="", opening="",
                         closing="", notes={})
    assert service.missing(minutes) == ["secretary"]
    with pytest.raises(errors.MinutesIncomplete):
        service.sign_minutes(minutes, version=minutes.version)
    assert not minutes.signed
    assert service.blank("") and not service.blank("Zoé") and not service.blank("\u200bA")
    assert service.blank("\u0300\ufe0f") and not service.blank("Zoe\u0301")  # an accent alone, or on its letter


def test_a_second_tab_cannot_overwrite_the_minutes(client, world):
    _held(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    first = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    second = dict(first)
    assert client.post("/assemblies/ga-test/minutes", data={**first, "chair": "Anne"}).status_code == 302
    stale = client.post("/assemblies/ga-test/minutes", data={**second, "chair": "Zoé"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert ("The minutes were saved in the meantime (in another tab, or by a colleague): nothing of yours is "
            "saved yet.") in _text(html)
    assert 'value="Zoé"' in html  # the typing, kept
    assert re.search(r'<li><a href="#chair">Chair of the meeting</a></li>', html)  # what differs, named
    assert re.search(r'<summary>The saved text, different from yours</summary>\s*<p class="pre">Anne</p>', html)
    assert db.session.scalar(select(AssemblyMinutes)).chair == "Anne"
    # Sent again, knowingly (the form now holds the version that stands): it replaces the saved text.
    assert client.post("/assemblies/ga-test/minutes", data=_form(html)).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(AssemblyMinutes)).chair == "Zoé"


def test_what_differs_names_an_item_by_its_number_on_the_agenda(client, world):
    """A note on the second item saved in another tab is named "Item 2", as the form below numbers it
    (counted among the items that differ, it was "Item 1")."""
    _held(world)
    item = world.assembly.items[1]
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    first = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    assert client.post("/assemblies/ga-test/minutes", data={**first, f"note_{item.id}": "Adopted."}).status_code == 302
    stale = client.post("/assemblies/ga-test/minutes", data={**first, f"note_{item.id}": "Postponed."})
    assert stale.status_code == 409
    title = item.text("title", "en")
    assert f'<li><a href="#note_{item.id}">Item 2: {title}</a></li>' in stale.get_data(as_text=True)


def test_signing_after_a_colleague_saved_keeps_the_typing_and_says_what_differs(client, world):
    """The conflict is when signing with unsaved text matters: the secretary's closing is not lost; the
    saved text is shown, folded, where it differs; the second send signs the text on the page."""
    _voted_and_published(world)
    item = world.assembly.items[0]
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    data = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    colleague = {**data, "chair": "Anne", f"note_{item.id}": "The treasurer answers."}
    assert client.post("/assemblies/ga-test/minutes", data=colleague).status_code == 302
    closing = "The meeting closes at 17:30, after twenty minutes of questions."
    stale = client.post("/assemblies/ga-test/minutes/sign",
                        data={**data, "chair": "Anne", "secretary": "Bruno", "closing": closing})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert closing in html and 'value="Bruno"' in html and 'value="Anne"' in html
    named = re.findall(r'<li><a href="#([a-z_0-9]+)">', html)
    assert named == ["secretary", f"note_{item.id}", "closing"]  # in the form's order; the chair is the same
    assert f"Item 1: {item.text('title', 'en')}" in _text(html)
    assert "The treasurer answers." in html and "Nothing is saved here." in html
    minutes = db.session.scalar(select(AssemblyMinutes))
    assert not minutes.signed and minutes.closing == "" and minutes.secretary == ""
    again = client.post("/assemblies/ga-test/minutes/sign", data=_form(html))
    assert again.status_code == 302
    db.session.refresh(minutes)
    assert minutes.signed and minutes.closing == closing and minutes.secretary == "Bruno"
    assert minutes.note(item.id) == ""  # the page's text was signed, the colleague's note replaced knowingly


@pytest.mark.parametrize("action", ["", "/sign"])
def test_minutes_signed_by_a_colleague_meanwhile_give_the_typing_back(client, world, action):
    """A colleague signed while the secretary typed: nothing of the secretary's is saved (signed minutes
    never change), the page shows the minutes as signed, and the text typed where it differs from the
    signed text is given back with a sentence, to copy (a correction follows signed minutes)."""
    _voted_and_published(world)
    item = world.assembly.items[0]
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    data = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    minutes = db.session.scalar(select(AssemblyMinutes))
    service.save_and_sign_minutes(minutes, version=minutes.version, chair="Anne", secretary="Bruno", tellers="",
                                  opening="", closing="", notes={})  # the colleague, in another session
    db.session.commit()
    signed_version = minutes.version
    closing = "The meeting closes at 17:30, after <b>twenty</b> minutes of questions."
    late = client.post(f"/assemblies/ga-test/minutes{action}",
                       data={**data, "chair": "Anne", "secretary": "Bruno", "closing": closing,
                             f"note_{item.id}": "The treasurer answers."})
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "The minutes are signed: they can no longer change." in _text(html)
    assert "Your text, not saved" in html and "it is kept nowhere else" in _text(html)
    given = dict(re.findall(r'<label for="given-back-\d+">([^<]*)</label>\s*<textarea id="given-back-\d+" readonly '
                            r'rows="\d+">([^<]*)</textarea>', html))
    # Only what differs from the signed text, in the form's order, labelled; the typing escaped.
    assert list(given) == [f"Item 1: {item.text('title', 'en')}", "Closing (optional)"]
    assert unescape(given["Closing (optional)"]) == closing and "<b>twenty</b>" not in html
    assert "Correct the minutes" in html  # drawn as signed, with the way to a correction
    db.session.expire_all()
    minutes = db.session.scalar(select(AssemblyMinutes))
    assert minutes.signed and minutes.version == signed_version  # as the colleague signed them
    assert minutes.closing == "" and minutes.note(item.id) == ""


def test_a_form_the_same_as_what_a_colleague_signed_gives_nothing_back(client, world):
    _voted_and_published(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    data = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    minutes = db.session.scalar(select(AssemblyMinutes))
    service.save_and_sign_minutes(minutes, version=minutes.version, chair="Anne", secretary="Bruno", tellers="",
                                  opening="", closing="", notes={})
    db.session.commit()
    late = client.post("/assemblies/ga-test/minutes/sign", data={**data, "chair": "Anne", "secretary": "Bruno"})
    assert late.status_code == 409
    assert "The minutes are signed" in _text(late.get_data(as_text=True))
    assert "Your text, not saved" not in late.get_data(as_text=True)


def test_a_form_the_same_as_what_a_colleague_saved_is_said_so(client, world):
    _held(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    data = _form(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    assert client.post("/assemblies/ga-test/minutes", data={**data, "chair": "Anne"}).status_code == 302
    same = client.post("/assemblies/ga-test/minutes", data={**data, "chair": "Anne"})
    assert same.status_code == 409
    assert "The saved text is the same as yours, kept in the form below" in _text(same.get_data(as_text=True))
    assert "The saved text, different from yours" not in same.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"version": "x", "chair": "Anne"}, "This form is out of date. Reload the page."),
    ({"version": "1", "chair": "x" * 201}, "200"),
    ({"version": "1", "chair": "Anne", "opening": "x" * 20_001}, "20"),
])
def test_hostile_minutes_forms_are_refused_in_words_and_nothing_saved(client, world, data, message):
    _held(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    answer = client.post("/assemblies/ga-test/minutes", data=data)
    assert answer.status_code == 400
    assert message in _text(answer.get_data(as_text=True))
    minutes = db.session.scalar(select(AssemblyMinutes))
    assert minutes.version == 1 and minutes.chair == "" and minutes.opening == ""


def test_a_note_is_kept_only_for_an_item_of_this_assembly(world):
    _held(world)
    minutes = service.start_minutes(world.assembly)
    with pytest.raises(errors.NotAnItemOfThisAssembly):
        service.save_minutes(minutes, version=1, chair="", secretary="", tellers="", opening="", closing="",
                             notes={999_999: "elsewhere"})
    assert minutes.version == 1 and minutes.notes == []


def test_members_and_staff_cannot_write_minutes(client, world):
    _held(world)
    for account in (world.members[0].account, world.staff, world.officer):
        sign_in(client, account)
        assert client.post("/assemblies/ga-test/minutes/begin").status_code == 403
        assert client.get("/assemblies/ga-test/minutes").status_code == 404
    assert db.session.scalar(select(AssemblyMinutes)) is None


def test_an_assembly_with_minutes_can_no_longer_be_deleted(world):
    from assemblies import services

    assembly = services.create_assembly(
        slug="held", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=utcnow() + timedelta(days=1),
        place="Bruxelles", voting_opens_at=utcnow() + timedelta(hours=20), voting_closes_at=utcnow() + timedelta(days=1),
        record_date=world.record)
    assembly.starts_at = utcnow() - timedelta(hours=1)
    service.start_minutes(assembly, actor=world.secretary)
    db.session.commit()
    with pytest.raises(errors.AssemblyInUse) as refused:
        services.delete_assembly(assembly)
    assert refused.value.reason == "minutes"


def _signed(world):
    _voted_and_published(world)
    minutes = service.start_minutes(world.assembly, actor=world.secretary)
    service.save_minutes(minutes, version=1, chair="Anne Lemaire", secretary="Bruno Peeters", tellers="",
                         opening="", closing="The meeting closes at 17:30.", notes={}, actor=world.secretary)
    service.sign_minutes(minutes, version=minutes.version, actor=world.secretary)
    db.session.commit()
    return minutes


def test_signed_minutes_are_corrected_by_a_dated_correction_after_them(client, world):
    minutes = _signed(world)
    sign_in(client, world.secretary)
    page = client.get("/assemblies/ga-test/minutes").get_data(as_text=True)
    assert "Add a correction" in page and "Yes, add the correction" in page  # asked for, in a fold
    added = client.post("/assemblies/ga-test/minutes/corrections",
                        data={"text": "Item 1: the meeting closed at 17:45, not 17:30."})
    assert added.status_code == 302
    again = client.post("/assemblies/ga-test/minutes/corrections",  # the form sent twice: one correction
                        data={"text": "Item 1: the meeting closed at 17:45, not 17:30.  "})
    assert again.status_code == 302
    db.session.refresh(minutes)
    assert [c.text for c in minutes.corrections] == ["Item 1: the meeting closed at 17:45, not 17:30."]
    assert minutes.closing == "The meeting closes at 17:30."  # the signed text stays as signed
    # Every member reads it, after the minutes, dated and signed, on the page and in the PDF.
    member_client = client.application.test_client()
    sign_in(member_client, world.members[0].account)
    text = _text(member_client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    assert "Correction of " in text and "the meeting closed at 17:45" in text
    assert f"Made by {world.secretary.display_name}." in text
    assert text.index("The meeting closes at 17:30.") < text.index("the meeting closed at 17:45")
    assert "Add a correction" not in text  # members read, they do not correct
    assert member_client.post("/assemblies/ga-test/minutes/corrections", data={"text": "mine"}).status_code == 403
    pdf = member_client.get("/assemblies/ga-test/minutes.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assemblies.minutes.correct")) is not None
    assert len(minutes.corrections) == 1


@pytest.mark.parametrize("text, message", [
    ("", "Write the correction."),
    ("   ", "Write the correction."),
    ("x" * 20_001, "20"),
])
def test_an_empty_or_overlong_correction_is_refused_and_nothing_added(client, world, text, message):
    minutes = _signed(world)
    sign_in(client, world.secretary)
    answer = client.post("/assemblies/ga-test/minutes/corrections", data={"text": text})
    assert answer.status_code == 400
    assert message in _text(answer.get_data(as_text=True))
    db.session.refresh(minutes)
    assert minutes.corrections == []


def test_a_draft_is_changed_in_its_form_not_corrected(client, world):
    _held(world)
    sign_in(client, world.secretary)
    assert client.post("/assemblies/ga-test/minutes/corrections", data={"text": "too early"}).status_code == 404
    client.post("/assemblies/ga-test/minutes/begin")
    refused = client.post("/assemblies/ga-test/minutes/corrections", data={"text": "too early"})
    assert refused.status_code == 409
    assert "The minutes are not signed yet: change them in their form." in _text(refused.get_data(as_text=True))
    assert db.session.scalar(select(AssemblyMinutes)).corrections == []


@pytest.mark.parametrize("language, words", [
    ("en", ["Une Voix SC", "Registered office: Rue Coenraets 72, 1060 Saint-Gilles", "Enterprise number 0403.170.701",
            "Minutes"]),
    ("fr", ["Une Voix SC", "Siège : Rue Coenraets 72, 1060 Saint-Gilles", "Numéro d'entreprise 0403.170.701",
            "Procès-verbal"]),
    ("nl", ["Une Voix CV", "Maatschappelijke zetel: Rue Coenraets 72, 1060 Saint-Gilles",
            "Ondernemingsnummer 0403.170.701", "Notulen"]),
])
def test_the_minutes_and_results_pdfs_are_headed_by_the_cooperative(client, world, tmp_path, language, words):
    """As the certificate and the register extract: the cooperative's name and form, registered office
    and enterprise number, above the title, in the reader's language."""
    import subprocess

    _signed(world)
    world.members[0].account.language = language
    db.session.commit()
    sign_in(client, world.members[0].account)
    for document, title in (("minutes", words[-1]), ("results", None)):
        path = tmp_path / f"{document}.pdf"
        path.write_bytes(client.get(f"/assemblies/ga-test/{document}.pdf").data)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout.replace("\u202f", " ").replace("\u00a0", " ")
        for phrase in words[:-1]:
            assert phrase in text, (document, phrase, text[:600])
        if title:
            assert text.index(words[2]) < text.index(title)


def test_the_minutes_write_the_quorum_and_the_turnout_as_each_language_writes_a_percentage(client, world):
    world.assembly.quorum_percent = 50
    _voted_and_published(world)
    sign_in(client, world.secretary)
    client.post("/assemblies/ga-test/minutes/begin")
    said = {}
    for language in ("en", "fr", "nl"):
        world.secretary.language = language
        db.session.commit()
        said[language] = unescape(client.get("/assemblies/ga-test/minutes").get_data(as_text=True))
    assert "The statutes ask for 50% of the electorate to take part: 3 members." in said["en"]
    assert "Taking part: 6 of 6 members (100.0%)." in said["en"]
    assert "Les statuts demandent la participation de 50\u202f% du corps électoral\u00a0: 3 sociétaires." \
        in said["fr"]
    assert "(100,0\u202f%)." in said["fr"]
    assert "De statuten vragen dat 50% van het kiezerskorps deelneemt: 3 leden." in said["nl"]
    assert "Deelname: 6 van 6 leden (100,0%)." in said["nl"]
    assert not any(re.search(r"\d %", page) for page in said.values())  # no ordinary space before a sign
