"""The pages and forms: what each person sees and may post, refusals with a sentence and a status, nothing
half-saved, confirmation boxes, PDFs read back with pdftotext, the home page's news."""
from __future__ import annotations

import io
import re
import shutil
from datetime import date, time, timedelta

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.clock import today
from app.extensions import db
from app.models import Role
from tests.factories import give_paid_share, make_account, make_member_obj, pdf_text, sign_in
from tests.working_groups.conftest import (make_board, make_group, make_minutes, make_recommendation,
                                           make_volunteer)
from working_groups import queries, services
from working_groups.models import (AnswerDecision, AttendanceStatus, BoardAnswer, BoardMinutes, CallStatus, GroupDocument, GroupMeeting,
                                   GroupRole, MinutesApproval, MinutesStatus, Recommendation,
                                   RecommendationStatus)

needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext is needed")


def text_of(response) -> str:
    return response.get_data(as_text=True)


# -- groups ----------------------------------------------------------------------------------------

def test_a_long_dutch_group_name_is_a_heading_of_a_dutch_page(client):
    """The browser hyphenates a heading in the language <html lang> names (static/css/app.css): a Dutch
    name is on a page that says it is Dutch, whoever reads it in Dutch."""
    services.create_group(slug="energie", name={"fr": "Communauté d'énergie", "en": "Energy community",
                                                "nl": "Energiegemeenschapsinvesteringscommissie"},
                          mandate_text={"fr": "Investir ensemble.", "nl": "Samen investeren."},
                          mandate_decided_on=date(2026, 6, 20))
    member = make_member_obj(language="nl")
    give_paid_share(member)
    db.session.commit()
    sign_in(client, member.account)
    client.post("/language", data={"language": "nl"})
    page = text_of(client.get("/groups/energie"))
    assert '<html lang="nl">' in page and "<h1>Energiegemeenschapsinvesteringscommissie</h1>" in page
    assert 'href="/static/css/app.css"' in page
    listed = text_of(client.get("/groups/"))
    assert '<html lang="nl">' in listed and "Energiegemeenschapsinvesteringscommissie</a></h2>" in listed


def test_a_member_sees_the_groups_and_joins_through_the_call(client, group):
    member = give_paid_share(make_member_obj())
    sign_in(client, member.account)
    page = client.get("/groups/")
    assert page.status_code == 200 and "Ethics committee" in text_of(page)
    assert "Join the group" in text_of(client.get("/groups/ethics"))
    response = client.post("/groups/ethics/join", data={"motivation": "J'ai des idées."})
    assert response.status_code == 302
    page = text_of(client.get("/groups/ethics"))
    assert "Your role in this group: group member." in page and "Draft a recommendation" in page
    assert "J&#39;ai des idées." not in page  # what a volunteer wrote is for the facilitators
    sign_in(client, make_volunteer(group, GroupRole.FACILITATOR).account)
    page = text_of(client.get("/groups/ethics"))
    assert "Why they joined" in page and "J&#39;ai des idées." in page


def test_the_group_page_names_the_assembly_s_decision_in_the_reader_s_language(client, group):
    member = give_paid_share(make_member_obj(language="nl"))
    sign_in(client, member.account)
    page = text_of(client.get("/groups/ethics?lang=nl"))
    assert "(referentie AG 2017, 6.1)" in page and "20 juni 2017" in page


def test_joining_a_closed_call_says_why_and_saves_nothing(client, group):
    services.set_call_status(group, CallStatus.CLOSED)
    db.session.commit()
    sign_in(client, give_paid_share(make_member_obj()).account)
    response = client.post("/groups/ethics/join", data={"motivation": ""})
    assert response.status_code == 409
    assert "call for volunteers of this group is closed" in text_of(response)
    assert queries.active_members(group) == []


def test_a_meeting_without_a_date_is_refused(client, group):
    facilitator = make_volunteer(group, GroupRole.FACILITATOR)
    sign_in(client, facilitator.account)
    response = client.post("/groups/ethics/meetings/new", data={"held_on": "", "place": "Bruxelles"})
    assert response.status_code == 400 and "A meeting needs a date." in text_of(response)
    assert db.session.query(GroupMeeting).count() == 0
    bad_time = client.post("/groups/ethics/meetings/new", data={"held_on": "2027-01-12", "starts_at": "25:61"})
    assert bad_time.status_code == 400 and db.session.query(GroupMeeting).count() == 0
    for early in ("1900-01-01", (group.mandate_decided_on - timedelta(days=1)).isoformat()):  # before the group existed
        refused = client.post("/groups/ethics/meetings/new", data={"held_on": early})
        assert refused.status_code == 422 and "meetings are on that day or later" in text_of(refused), early
    assert db.session.query(GroupMeeting).count() == 0
    assert client.post("/groups/ethics/meetings/new", data={"held_on": group.mandate_decided_on.isoformat()}
                       ).status_code == 302  # the day of the mandate itself
    db.session.query(GroupMeeting).delete()
    db.session.commit()
    ok = client.post("/groups/ethics/meetings/new", data={"held_on": "2027-01-12", "starts_at": "19:00",
                                                          "place": "Namur"})
    assert ok.status_code == 302 and db.session.query(GroupMeeting).one().starts_at == time(19, 0)


def test_a_plain_member_cannot_schedule_or_submit(client, group):
    sign_in(client, make_volunteer(group).account)
    assert client.get("/groups/ethics/meetings/new").status_code == 403
    assert client.post("/groups/ethics/submit", data={"confirm": "y", "submitted_on": "2018-03-22"}).status_code == 403


def test_documents_upload_and_refusal(client, group):
    sign_in(client, make_volunteer(group).account)
    bad = client.post("/groups/ethics/documents", data={"title": "Virus", "file": (io.BytesIO(b"MZ\x90"), "x.exe")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "This file type is not accepted" in text_of(bad)
    # Three megabytes: above an ordinary form's 1 MB, under a file's 10 MB (encoded in memory: the test
    # client would spool a body this size to a file it does not close).
    notes = b"%PDF-1.4 notes" + b"0" * (3 * 1024 * 1024) + b"\n%%EOF"
    boundary, body = encode_multipart({"title": "Notes", "file": FileStorage(io.BytesIO(notes), "notes.pdf")})
    good = client.post("/groups/ethics/documents", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert good.status_code == 302
    document = db.session.query(GroupDocument).one()
    download = client.get(f"/groups/ethics/documents/{document.id}")
    assert download.data == notes and download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("language, label, refusal", [
    ("en", "File (PDF, OpenDocument, Word, text or image; at most 2 MB)", "This file is too large: at most 2 MB."),
    ("fr", "Fichier (PDF, OpenDocument, Word, texte ou image ; 2 Mo au plus)",
     "Ce fichier est trop volumineux : 2 Mo au plus."),
    ("nl", "Bestand (PDF, OpenDocument, Word, tekst of afbeelding; hoogstens 2 MB)",
     "Dit bestand is te groot: hoogstens 2 MB."),
])
def test_the_document_label_follows_the_upload_limit(client, group, monkeypatch, language, label, refusal):
    """The one constant, ``app.uploads.MAX_BYTES``, lowered to 2 MB: the label, the browser's check and
    the refusal say 2, in the reader's unit."""
    from html import unescape

    from app import uploads

    monkeypatch.setattr(uploads, "MAX_BYTES", 2 * uploads.MEGABYTE)
    sign_in(client, make_volunteer(group, language=language).account)

    def said(response) -> str:
        return unescape(text_of(response)).replace("\u202f", " ").replace("\u00a0", " ")

    page = said(client.get("/groups/ethics"))
    assert label in page and "10 M" not in page
    assert f'data-max-bytes="{2 * uploads.MEGABYTE}"' in page and f'data-too-large="{refusal}"' in page
    notes = b"%PDF-1.4 notes" + b"0" * (2 * uploads.MEGABYTE) + b"\n%%EOF"
    boundary, body = encode_multipart({"title": "Notes", "file": FileStorage(io.BytesIO(notes), "notes.pdf")})
    refused = client.post("/groups/ethics/documents", data=body,
                          content_type=f"multipart/form-data; boundary={boundary}")
    assert refused.status_code == 413 and refusal in said(refused)
    assert db.session.query(GroupDocument).count() == 0


@pytest.mark.parametrize("data", [
    {"title": "Notes", "file": "notes.pdf"},  # text, not a file
    {"title": "\u200b" * 3 + " ", "file": "x"},
    {"title": "N" * 100_000},
])
def test_garbage_for_a_document_is_refused_in_words(client, group, data):
    sign_in(client, make_volunteer(group).account)
    refused = client.post("/groups/ethics/documents", data=data)
    assert refused.status_code == 400 and 'class="error"' in text_of(refused)
    assert db.session.query(GroupDocument).count() == 0


@pytest.mark.parametrize("title, said", [
    ("Rapport \u202efdp.exe", "A title or a name cannot contain direction marks"),
    ("Rap\u200bport", "A title or a name cannot contain invisible characters (a zero-width space"),
])
def test_a_document_title_that_would_read_otherwise_than_kept_is_refused_beside_it(client, group, title, said):
    """A direction control or an invisible character in a document's title is refused as in a name
    (NO_MARKUP's rule, through the same check), beside the title, the file not kept; a joiner passes."""
    sign_in(client, make_volunteer(group).account)
    pdf = b"%PDF-1.4 notes\n%%EOF"
    refused = client.post("/groups/ethics/documents", data={"title": title, "file": (io.BytesIO(pdf), "r.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and f'<p class="error" id="title-error">{said}' in text_of(refused)
    assert db.session.query(GroupDocument).count() == 0
    joined = "می\u200cخواهم"  # a Persian word with its zero-width non-joiner
    kept = client.post("/groups/ethics/documents", data={"title": joined, "file": (io.BytesIO(pdf), "r.pdf")},
                       content_type="multipart/form-data")
    assert kept.status_code == 302 and db.session.query(GroupDocument).one().title == joined


def test_free_text_titles_refuse_what_reads_otherwise_than_kept():
    """Every title typed for a page, a list or a ballot (and a group's name) holds the check."""
    from app.forms import NO_HIDDEN
    from assemblies import forms as assembly_forms
    from candidates import forms as candidate_forms
    from working_groups import forms as wg_forms

    titles = [(wg_forms.DocumentForm, "title"), (wg_forms.RecommendationForm, "title"), (wg_forms.ItemForm, "title"),
              (wg_forms.SynthesisForm, "title"), (wg_forms.GroupForm, "name_fr"), (wg_forms.GroupForm, "name_en"),
              (assembly_forms.AssemblySettingsForm, "title_nl"), (assembly_forms.ItemForm, "title_fr"),
              (assembly_forms.DocumentForm, "title_en"), (candidate_forms.CallForm, "title_fr"),
              (candidate_forms.CallForm, "title_en")]
    for form, name in titles:
        assert NO_HIDDEN in getattr(form, name).kwargs["validators"], (form, name)


def test_a_facilitator_adopts_in_a_meeting_and_submits_with_confirmation(client, group):
    facilitator = make_volunteer(group, GroupRole.FACILITATOR)
    rec = make_recommendation(group)
    meeting = services.schedule_meeting(group, date(2018, 3, 8))
    db.session.commit()
    sign_in(client, facilitator.account)
    url = f"/groups/ethics/meetings/{meeting.id}/adopt"
    unconfirmed = client.post(url, data={"recommendation": str(rec.id)})
    assert unconfirmed.status_code == 400 and "Tick the box to confirm." in text_of(unconfirmed)
    # said above the adoption's form too, which takes the focus: the meeting's page is long on a phone
    assert '<div class="error-summary" role="alert" tabindex="-1" autofocus>' in text_of(unconfirmed)
    assert client.post(url, data={"recommendation": str(rec.id), "confirm": "y"}).status_code == 302
    page = text_of(client.get("/groups/ethics/submit"))
    assert rec.title.replace("'", "&#39;") in page
    assert client.post("/groups/ethics/submit", data={"submitted_on": "2018-03-22"}).status_code == 400
    assert client.post("/groups/ethics/submit", data={"submitted_on": "2018-03-22", "confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).status is RecommendationStatus.SUBMITTED


def test_nothing_is_recorded_of_a_meeting_still_to_come(client, group):
    """Its attendance, notes and adoptions wait until it has been held: a recommendation adopted at a
    meeting of next month could never be submitted (the submission cannot predate its adoption)."""
    from working_groups.errors import MeetingToCome
    from working_groups.models import MeetingAttendance

    facilitator = make_volunteer(group, GroupRole.FACILITATOR)
    rec = make_recommendation(group)
    coming_on = today() + timedelta(days=21)
    meeting = services.schedule_meeting(group, coming_on, "Liège", "Ordre du jour")
    db.session.commit()
    with pytest.raises(MeetingToCome):
        services.adopt_recommendations(meeting, [rec])
    with pytest.raises(MeetingToCome):
        services.record_meeting(meeting, {facilitator.id: AttendanceStatus.PRESENT}, "Notes")
    db.session.rollback()
    sign_in(client, facilitator.account)
    sentence = (f"This meeting is on {coming_on.day} {coming_on:%B} {coming_on.year}: its attendance, its notes and "
                "the recommendations it adopts are recorded once it has been held.")
    page = text_of(client.get(f"/groups/ethics/meetings/{meeting.id}")).replace("&#39;", "'")
    assert sentence in page and "Save attendance and notes" not in page and "Adopt drafts" not in page
    adopt = client.post(f"/groups/ethics/meetings/{meeting.id}/adopt", data={"recommendation": str(rec.id), "confirm": "y"})
    record = client.post(f"/groups/ethics/meetings/{meeting.id}/record",
                         data={f"attendance-{facilitator.id}": "present", "notes": "Notes"})
    for refused in (adopt, record):
        assert refused.status_code == 422 and sentence in text_of(refused).replace("&#39;", "'")
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).status is RecommendationStatus.DRAFT
    assert db.session.query(MeetingAttendance).count() == 0 and db.session.get(GroupMeeting, meeting.id).notes == ""


# -- recommendations -------------------------------------------------------------------------------

def test_a_group_member_cannot_answer_for_the_board(client, group):
    rec = make_recommendation(group, "submitted")
    volunteer = make_volunteer(group, GroupRole.FACILITATOR)
    sign_in(client, volunteer.account)
    response = client.post(f"/recommendations/{rec.id}/answer",
                           data={"decision": "accepted", "reasoning": "Oui", "answered_on": "2018-05-16",
                                 "confirm": "y"})
    assert response.status_code == 403
    assert db.session.query(BoardAnswer).count() == 0
    assert "Record the board" not in text_of(client.get(f"/recommendations/{rec.id}"))


def test_the_answer_form_says_every_mistake_at_once_beside_its_field_and_keeps_what_was_typed(client, group,
                                                                                              secretary):
    rec = make_recommendation(group, "submitted")  # submitted on 22 March 2018
    sign_in(client, secretary)
    later = (today() + timedelta(days=3)).isoformat()
    # Amended without its text, no reasoning, a date to come, the box not ticked: all said on the first try.
    first = client.post(f"/recommendations/{rec.id}/answer",
                        data={"decision": "amended", "amended_text": "", "reasoning": "", "answered_on": later})
    page = text_of(first)
    assert first.status_code == 400
    for field, said in (("amended_text", "An answer with amendments needs the amended text."),
                        ("reasoning", "The board&#39;s answer needs its reasoning."),
                        ("answered_on", "This date is still to come"), ("confirm", "Tick the box to confirm.")):
        assert f'<p class="error" id="{field}-error">{said}' in page, field
    assert re.search(r'<input checked [^>]*value="amended"', page) and f'value="{later}"' in page
    assert '<details class="confirm" id="answer" open>' in page
    # Only the service's mistakes (the form's own are right): 422, each beside its field, the text kept.
    second = client.post(f"/recommendations/{rec.id}/answer",
                         data={"decision": "amended", "amended_text": "", "reasoning": "Cinq suffisent.",
                               "answered_on": "2018-03-01", "confirm": "y"})
    page = text_of(second)
    assert second.status_code == 422
    assert '<p class="error" id="amended_text-error">An answer with amendments needs the amended text.' in page
    assert ('<p class="error" id="answered_on-error">The board cannot have answered before the recommendation was '
            'submitted to it, on 22 March 2018.') in page
    assert "Cinq suffisent." in page and 'value="2018-03-01"' in page
    secretary.language = "fr"
    db.session.commit()
    french = text_of(client.post(f"/recommendations/{rec.id}/answer",
                                 data={"decision": "amended", "reasoning": "", "answered_on": later}))
    assert french.count('class="error"') == 4 and "Cochez la case pour confirmer." in french
    db.session.expire_all()
    assert db.session.query(BoardAnswer).count() == 0
    assert db.session.get(Recommendation, rec.id).status is RecommendationStatus.SUBMITTED


def test_the_secretary_answers_once_with_reasoning(client, group, secretary):
    rec = make_recommendation(group, "submitted")
    sign_in(client, secretary)
    data = {"decision": "amended", "reasoning": "Cinq suffisent.", "amended_text": "Un comité de cinq.",
            "answered_on": "2018-05-16", "confirm": "y"}
    no_reason = client.post(f"/recommendations/{rec.id}/answer", data=data | {"reasoning": ""})
    assert no_reason.status_code == 400 and "needs its reasoning" in text_of(no_reason)
    no_text = client.post(f"/recommendations/{rec.id}/answer", data=data | {"amended_text": ""})
    assert no_text.status_code == 422 and "needs the amended text" in text_of(no_text)
    assert '<details class="confirm" id="answer" open>' in text_of(no_text)  # the form stays open to correct
    to_come = client.post(f"/recommendations/{rec.id}/answer",
                          data=data | {"answered_on": (today() + timedelta(days=1)).isoformat()})
    assert to_come.status_code == 422 and "This date is still to come" in text_of(to_come)
    assert client.post(f"/recommendations/{rec.id}/answer", data=data).status_code == 302
    again = client.post(f"/recommendations/{rec.id}/answer", data=data | {"decision": "rejected"})
    assert again.status_code == 409 and "already answered" in text_of(again)
    page = text_of(client.get(f"/recommendations/{rec.id}"))
    assert "As amended by the board" in page and "Un comité de cinq." in page and "Le Conseil institue" in page
    assert db.session.query(BoardAnswer).one().decision is AnswerDecision.AMENDED


def test_a_member_follows_a_recommendation_to_done_and_sees_it_on_the_home_page(client, group, secretary):
    rec = make_recommendation(group, "answered")
    reader = make_member_obj()
    sign_in(client, reader.account)
    assert client.post(f"/recommendations/{rec.id}/follow").status_code == 302
    assert "Recommendation you follow" not in text_of(client.get("/"))  # followed from its page: no news yet
    services.add_progress(rec, services.IM.IN_PROGRESS, "Appel aux candidats lancé.", actor=secretary)
    db.session.commit()
    assert "Recommendation you follow" in text_of(client.get("/"))
    text_of(client.get(f"/recommendations/{rec.id}"))
    assert "Recommendation you follow" not in text_of(client.get("/"))  # read: no longer news
    services.add_progress(rec, services.IM.DONE, "Comité élu par l'Assemblée.", actor=secretary)
    db.session.commit()
    home = text_of(client.get("/"))  # until it moves again
    assert "Recommendation you follow" in home and "now done" in home
    page = text_of(client.get(f"/recommendations/{rec.id}"))
    assert "Comité élu par l&#39;Assemblée." in page and "Stop following" in page


def test_drafts_stay_in_the_group(client, group):
    draft = make_recommendation(group)
    sign_in(client, make_member_obj().account)
    assert client.get(f"/recommendations/{draft.id}").status_code == 404
    assert draft.title.replace("'", "&#39;") not in text_of(client.get("/recommendations/"))


def test_the_public_list_is_open_to_visitors_and_filters(client, group):
    done = make_recommendation(group, "answered")
    services.add_progress(done, services.IM.DONE, "Fait.")
    other = make_recommendation(make_group("it"), "submitted", title="Outils sur téléphone")
    db.session.commit()
    page = text_of(client.get("/recommendations/?status=done"))
    assert "Créer un comité" in page and other.title not in page
    page = text_of(client.get("/recommendations/?q=telephone"))
    assert other.title in page and "Créer un comité" not in page
    assert client.get("/recommendations/?assembly=not-a-date").status_code == 400
    fragment = client.get("/recommendations/?group=it", headers={"HX-Request": "true"})
    assert text_of(fragment).lstrip().startswith('<div id="recommendation-rows">')
    assert "HX-Request" in fragment.headers["Vary"]


@needs_pdftotext
def test_an_answer_sent_after_another_is_told_the_recommendation_is_answered_before_its_mistakes(client, group,
                                                                                                 secretary):
    """A second secretary's form, with mistakes, on a recommendation answered meanwhile: the answer form is
    no longer on the page, so its mistakes would be said nowhere; the page says it is answered (409)."""
    rec = make_recommendation(group, "submitted")
    draft = make_recommendation(group, "draft", title="Brouillon")
    sign_in(client, secretary)
    data = {"decision": "amended", "reasoning": "Cinq suffisent.", "amended_text": "Un comité de cinq.",
            "answered_on": "2018-05-16", "confirm": "y"}
    assert client.post(f"/recommendations/{rec.id}/answer", data=data).status_code == 302
    mistaken = data | {"amended_text": "", "reasoning": "", "answered_on": "9999-01-01"}
    again = client.post(f"/recommendations/{rec.id}/answer", data=mistaken)
    assert again.status_code == 409
    assert "The board has already answered this recommendation: an answer is given once." in text_of(again)
    secretary.language = "fr"
    db.session.commit()
    french = client.post(f"/recommendations/{rec.id}/answer", data=mistaken)
    assert french.status_code == 409 and "Le Conseil a déjà répondu à cette recommandation" in text_of(french)
    early = client.post(f"/recommendations/{draft.id}/answer", data=mistaken)
    assert early.status_code == 409
    assert "Seule une recommandation soumise au Conseil peut recevoir une réponse." in text_of(early)
    db.session.expire_all()
    assert db.session.query(BoardAnswer).count() == 1


def test_the_booklet_pdf_holds_the_group_s_recommendations_and_answers(client, group, tmp_path):
    make_recommendation(group, "answered", decision=AnswerDecision.AMENDED)
    response = client.get("/groups/ethics/booklet.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "Ethics committee" in text and "Créer un comité d'éthique indépendant" in text
    assert "accepted with amendments" in text and "Texte amendé." in text


def test_the_assembly_report_lists_and_marks_answers(client, group, secretary):
    rec = make_recommendation(group, "answered")
    sign_in(client, secretary)
    page = text_of(client.get("/board/recommendations/assembly?on=2018-06-19"))
    assert "Créer un comité" in page
    # No date chosen: an assembly held today, and its answers listed (it showed nothing).
    undated = text_of(client.get("/board/recommendations/assembly?on=&since="))
    assert "Créer un comité" in undated and f'value="{today().isoformat()}"' in undated
    assert client.get("/board/recommendations/assembly?on=garbage").status_code == 400
    response = client.post("/board/recommendations/assembly?on=2018-06-19",
                           data={"assembly_on": "2018-06-19", "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(BoardAnswer, rec.answer.id).reported_on == date(2018, 6, 19)


# -- minutes ---------------------------------------------------------------------------------------

def test_a_member_cannot_see_unpublished_minutes(client):
    minutes = make_minutes("approved", board=make_board(2))
    sign_in(client, give_paid_share(make_member_obj()).account)
    assert client.get(f"/board/minutes/{minutes.id}").status_code == 403
    assert client.get(f"/board/minutes/{minutes.id}/minutes.pdf").status_code == 403
    assert client.get(f"/minutes/{minutes.id}").status_code == 404
    assert client.get(f"/minutes/{minutes.id}/synthesis.pdf").status_code == 404
    assert "Budget" not in text_of(client.get("/minutes/"))


def test_an_approval_dated_wrongly_is_refused_in_words_and_publishing_waits_for_every_language(client, secretary):
    minutes = make_minutes("circulated", board=make_board(2), meeting_on=date(2026, 9, 10), syntheses=False)
    sign_in(client, secretary)
    url = f"/board/minutes/{minutes.id}/approve-at-meeting"
    before = client.post(url, data={"meeting-meeting_on": "2026-09-01", "meeting-confirm": "y"})
    assert before.status_code == 422 and "cannot be before the meeting they record (10 September 2026)" in text_of(before)
    assert '<details class="confirm" id="approve-at-meeting" open>' in text_of(before)
    later = (today() + timedelta(days=3)).isoformat()
    to_come = client.post(url, data={"meeting-meeting_on": later, "meeting-confirm": "y"})
    assert to_come.status_code == 422 and "This date is still to come" in text_of(to_come)
    assert client.post(url, data={"meeting-meeting_on": "2026-10-01", "meeting-confirm": "y"}).status_code == 302
    page = text_of(client.get(f"/board/minutes/{minutes.id}"))
    assert "write the synthesis in every language first (still to write: French, Dutch, English)" in page
    assert "Publish and notify members" not in page


@pytest.mark.parametrize("language, said, link", [
    ("en", "The board meeting of 10 September 2026 already has its minutes (circulated to the board): open them "
           "and continue them rather than start a second set.",
     "Open the minutes of the board meeting of 10 September 2026"),
    ("fr", "La réunion du Conseil du 10 septembre 2026 a déjà son procès-verbal (diffusé au Conseil)",
     "Ouvrir le procès-verbal de la réunion du Conseil du 10 septembre 2026"),
    ("nl", "De raadsvergadering van 10 september 2026 heeft al notulen (rondgestuurd naar de raad): open ze en "
           "werk daarin verder in plaats van nieuwe notulen te beginnen.",
     "De notulen van de raadsvergadering van 10 september 2026 openen"),
])
def test_new_minutes_for_a_meeting_that_has_some_are_refused_beside_the_date_with_the_way_to_them(
        client, secretary, language, said, link):
    first = make_minutes("circulated", board=make_board(2), meeting_on=date(2026, 9, 10))
    secretary.language = language
    db.session.commit()
    sign_in(client, secretary)
    new = text_of(client.get("/board/minutes/new"))  # before anything is typed: the minutes under way
    assert f'href="/board/minutes/{first.id}"' in new
    refused = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "place": "Gent"})
    page = text_of(refused)
    assert refused.status_code == 409 and said in page
    assert f'<p class="error" id="meeting_on-error">{said}' in page  # beside the date, to correct there
    assert link in page and f'href="/board/minutes/{first.id}"' in page
    assert 'value="Gent"' in page and 'value="2026-09-10"' in page  # as typed
    assert db.session.query(BoardMinutes).count() == 1


def test_a_second_board_meeting_the_same_day_has_its_own_minutes_named_as_the_second(client, app, secretary,
                                                                                    tmp_path):
    """The board met in the morning and again in the evening: the date alone is refused as the morning's
    (with the way to a second meeting's minutes); chosen as the day's second meeting, the evening has its
    own minutes, named so on its pages, the list, the PDF, the board's task and the mail; the same meeting
    twice is still refused, with the way to its minutes."""
    from app.models import OutboxMessage

    board = make_board(2)
    morning = make_minutes("draft", board=board, meeting_on=date(2026, 9, 10))
    sign_in(client, secretary)
    form = text_of(client.get("/board/minutes/new"))
    assert '<option selected value="1">The first (or only) meeting of the day</option>' in form
    assert '<option value="2">The second meeting of the day</option>' in form
    refused = text_of(client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "place": "Gent"}))
    assert ("The board meeting of 10 September 2026 already has its minutes (draft): open them and continue them "
            "rather than start a second set. If the board met again that day, choose which of its meetings these "
            "minutes record.") in refused
    created = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "sitting": "2", "place": "Gent"})
    assert created.status_code == 302
    evening = db.session.scalar(db.select(BoardMinutes).where(BoardMinutes.sitting == 2))
    title = "Minutes of the board meeting of 10 September 2026 (second meeting of the day)"
    assert title in text_of(client.get(f"/board/minutes/{evening.id}"))
    assert "(second meeting of the day)" not in text_of(client.get(f"/board/minutes/{morning.id}"))
    listed = text_of(client.get("/board/minutes/"))
    assert listed.index("10 September 2026 (second meeting of the day)") < listed.index(
        f'href="/board/minutes/{morning.id}">10 September 2026</a>')  # the later meeting first
    again = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "sitting": "2"})
    assert again.status_code == 409
    assert ("The board meeting of 10 September 2026 (second meeting of the day) already has its minutes (draft)"
            in text_of(again))
    assert (f'<a href="/board/minutes/{evening.id}">Open the minutes of the board meeting of 10 September 2026 '
            "(second meeting of the day)</a>") in text_of(again)
    # In French, on the edit page (which keeps the choice), and in the file name of the PDF.
    secretary.language = "fr"
    db.session.commit()
    edit = text_of(client.get(f"/board/minutes/{evening.id}/edit"))
    assert "10 septembre 2026 (deuxième réunion du jour)" in edit
    assert '<option selected value="2">' in edit
    pdf = client.get(f"/board/minutes/{evening.id}/minutes.pdf")
    assert "board-minutes-2026-09-10-meeting-2-v1.pdf" in pdf.headers["Content-Disposition"]
    if shutil.which("pdftotext"):
        assert ("Procès-verbal de la réunion du Conseil du 10 septembre 2026 (deuxième réunion du jour)"
                in " ".join(pdf_text(pdf.data, tmp_path).split()))
    # Circulated: the board's mail and home-page task name the meeting too.
    assert client.post(f"/board/minutes/{evening.id}/circulate").status_code == 302
    subjects = db.session.scalars(db.select(OutboxMessage.subject).where(OutboxMessage.language == "en")).all()
    assert subjects and all("(second meeting of the day)" in subject for subject in subjects)
    member = app.test_client()
    sign_in(member, board[0])
    home = text_of(member.get("/"))
    assert ("Read and approve the minutes of the board meeting of 10 September 2026 (second meeting of the day)"
            in home)
    assert db.session.query(BoardMinutes).count() == 2


def test_a_second_meeting_without_a_first_is_refused_beside_the_choice(client, secretary):
    """The day has no minutes yet: its second meeting's are refused beside *Meeting of the day*, in words,
    the typing kept, nothing saved; on the edit page too."""
    make_board(2)
    sign_in(client, secretary)
    refused = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "sitting": "2", "place": "Gent"})
    page = text_of(refused)
    said = ("There are no minutes of an earlier board meeting on 10 September 2026: these cannot be those of "
            "“The second meeting of the day”. Choose “The first (or only) meeting of the day”, or write the minutes "
            "of the earlier meeting first.")
    assert refused.status_code == 422
    assert f'<p class="error" id="sitting-error">{said}' in page
    assert 'value="Gent"' in page and '<option selected value="2">' in page
    assert db.session.query(BoardMinutes).count() == 0
    morning = make_minutes("draft", meeting_on=date(2026, 9, 10))
    moved = client.post(f"/board/minutes/{morning.id}/edit", data={"meeting_on": "2026-09-10", "sitting": "2"})
    assert moved.status_code == 422 and 'id="sitting-error">There are no minutes of an earlier' in text_of(moved)
    db.session.expire_all()
    assert db.session.get(BoardMinutes, morning.id).sitting == 1


@pytest.mark.parametrize("sitting", ["0", "5", "x", "2.0", "-1"])
def test_a_meeting_of_the_day_the_form_does_not_offer_is_refused_beside_it(client, secretary, sitting):
    make_board(2)
    sign_in(client, secretary)
    refused = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "sitting": sitting})
    assert refused.status_code == 400
    assert '<p class="error" id="sitting-error">Choose among the options listed.' in text_of(refused)
    assert db.session.query(BoardMinutes).count() == 0


def test_minutes_approved_are_named_with_their_approval_and_a_correction_is_the_way(client, secretary):
    board = make_board(2)
    approved = make_minutes("approved", board=board, meeting_on=date(2026, 9, 10))
    sign_in(client, secretary)
    refused = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10"})
    page = text_of(refused)
    assert refused.status_code == 409
    assert (f"already has its minutes, approved on {approved.approved_on.day} " in page
            and "to correct them, open them and draft a corrected version, with its reason." in page)
    assert "Minutes not approved yet" not in page  # nothing under way to list
    assert client.post(f"/board/minutes/{approved.id}/correct",
                       data={"correction-reason": "Le lieu était erroné.", "correction-confirm": "y"}).status_code == 302
    assert db.session.query(BoardMinutes).filter_by(meeting_on=date(2026, 9, 10)).count() == 2  # two versions
    assert client.post("/board/minutes/new", data={"meeting_on": "2026-09-10"}).status_code == 409


def test_minutes_approved_with_a_wrong_date_are_corrected_onto_the_right_day_which_frees_the_wrong_one(
        client, secretary):
    """Minutes typed with 10 September, approved, were of the meeting of 3 September: the correction takes
    the right date; once it is approved, the meeting really held on 10 September can have its minutes."""
    from working_groups import minutes as minutes_service

    board = make_board(2)
    wrong = make_minutes("approved", board=board, meeting_on=date(2026, 9, 10))
    sign_in(client, secretary)
    assert client.post(f"/board/minutes/{wrong.id}/correct",
                       data={"correction-reason": "La date était erronée.", "correction-confirm": "y"}).status_code == 302
    fixed = db.session.scalar(db.select(BoardMinutes).where(BoardMinutes.supersedes_id == wrong.id))
    moved = client.post(f"/board/minutes/{fixed.id}/edit",
                        data={"meeting_on": "2026-09-03", "place": "Gent", "summary": "Le budget."})
    assert moved.status_code == 302
    refused = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10"})  # not approved yet: v1 stands
    assert refused.status_code == 409 and f'href="/board/minutes/{wrong.id}"' in text_of(refused)
    minutes_service.circulate(db.session.get(BoardMinutes, fixed.id))
    for account in board:
        minutes_service.approve(db.session.get(BoardMinutes, fixed.id), account)
    db.session.commit()
    db.session.expire_all()
    assert [(m.meeting_on, m.status) for m in db.session.query(BoardMinutes).order_by(BoardMinutes.id)] == [
        (date(2026, 9, 10), MinutesStatus.SUPERSEDED), (date(2026, 9, 3), MinutesStatus.APPROVED)]
    created = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "place": "Bruxelles"})
    assert created.status_code == 302
    again = client.post("/board/minutes/new", data={"meeting_on": "2026-09-03"})  # the corrected day is taken
    assert again.status_code == 409 and f'href="/board/minutes/{fixed.id}"' in text_of(again)
    assert db.session.query(BoardMinutes).count() == 3


def test_a_draft_moved_onto_a_meeting_with_minutes_is_refused_and_a_mistaken_draft_deleted(client, secretary):
    first = make_minutes("circulated", board=make_board(2), meeting_on=date(2026, 9, 10))
    second = make_minutes("draft", board=make_board(1), meeting_on=date(2026, 9, 11)).id
    sign_in(client, secretary)
    moved = client.post(f"/board/minutes/{second}/edit",
                        data={"meeting_on": "2026-09-10", "place": "Gent", "summary": "Le budget."})
    page = text_of(moved)
    assert moved.status_code == 409 and 'id="meeting_on-error">The board meeting of 10 September 2026 already' in page
    assert f'href="/board/minutes/{first.id}"' in page and "Le budget." in page
    db.session.expire_all()
    assert db.session.get(BoardMinutes, second).meeting_on == date(2026, 9, 11)
    assert db.session.get(BoardMinutes, second).summary == ""  # nothing half-saved
    assert client.post(f"/board/minutes/{second}/discard").status_code == 400  # the box must be ticked
    gone = client.post(f"/board/minutes/{second}/discard", data={"discard-confirm": "y"})
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/board/minutes/")
    db.session.expire_all()
    assert db.session.query(BoardMinutes).filter_by(id=second).first() is None
    refused = client.post(f"/board/minutes/{first.id}/discard", data={"discard-confirm": "y"})  # circulated
    assert refused.status_code == 409 and "Only a draft the board has not commented on" in text_of(refused)


def test_two_secretaries_starting_the_same_minutes_at_once_get_one_set_and_a_sentence(client, secretary,
                                                                                       monkeypatch):
    """The other secretary's minutes committed after this request's check (the database refuses): the
    same 409 and sentence, not an error page; nothing of this request is kept."""
    from working_groups import minutes as minutes_service

    first = make_minutes("draft", board=make_board(2), meeting_on=date(2026, 9, 10))
    monkeypatch.setattr(minutes_service, "_one_set_per_meeting", lambda *args, **kwargs: None)
    sign_in(client, secretary)
    refused = client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "place": "Gent"})
    assert refused.status_code == 409
    assert "The board meeting of 10 September 2026 already has its minutes (draft)" in text_of(refused)
    assert f'href="/board/minutes/{first.id}"' in text_of(refused)
    db.session.expire_all()
    assert db.session.query(BoardMinutes).count() == 1


def test_the_secretary_drafts_the_board_approves_members_read(client, app, secretary):
    board = make_board(2)
    sign_in(client, secretary)
    assert client.post("/board/minutes/new", data={"meeting_on": ""}).status_code == 400
    assert client.post("/board/minutes/new", data={"meeting_on": "2026-09-10", "place": "Gent"}).status_code == 302
    from working_groups.models import BoardMinutes

    minutes = db.session.query(BoardMinutes).one()
    mid = minutes.id
    assert client.post(f"/board/minutes/{mid}/items", data={"title": "Budget", "discussion": "Débat"}).status_code == 302
    too_many = client.post(f"/board/minutes/{mid}/decisions",
                           data={"text": "Le budget", "votes_for": "3", "votes_against": "0", "votes_abstain": "0"})
    assert too_many.status_code == 422 and "more votes than board members present" in text_of(too_many)
    assert client.post(f"/board/minutes/{mid}/decisions", data={
        "text": "Le budget est approuvé.", "votes_for": "2", "votes_against": "0", "votes_abstain": "0"}).status_code == 302
    for language, title in (("fr", "Budget"), ("nl", "Begroting"), ("en", "Budget")):
        assert client.post(f"/board/minutes/{mid}/synthesis/{language}",
                           data={"title": title, "body": f"{title} van het jaar"}).status_code == 302
    assert client.post(f"/board/minutes/{mid}/circulate").status_code == 302
    # The board approves, each with the confirmation box; the page says how many approvals are needed, and whose.
    for done, account in enumerate(board):
        board_client = app.test_client()
        sign_in(board_client, account)
        page = text_of(board_client.get(f"/board/minutes/{mid}"))
        assert f"Approvals: {done} of 2. The minutes are approved once every board member present" in page
        assert f"{account.display_name}: not yet" in page
        assert all(f"{a.display_name}: has approved" in page for a in board[:done])
        assert board_client.post(f"/board/minutes/{mid}/approve").status_code == 400
        assert board_client.post(f"/board/minutes/{mid}/approve", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(BoardMinutes, mid).status is MinutesStatus.APPROVED
    frozen = client.post(f"/board/minutes/{mid}/items", data={"title": "Ajout"})
    assert frozen.status_code == 409
    assert f"these minutes were approved ({today().day} {today():%B} {today().year}, " in text_of(frozen)
    assert f", by {board[-1].display_name}): approved minutes are frozen." in text_of(frozen)
    assert client.post(f"/board/minutes/{mid}/publish", data={"confirm": "y"}).status_code == 302
    reader = give_paid_share(make_member_obj(language="nl"))
    member_client = app.test_client()
    sign_in(member_client, reader.account)
    assert "Nieuw: synthese van de raadsvergadering" in text_of(member_client.get("/"))  # the home page news
    page = text_of(member_client.get(f"/minutes/{mid}"))
    assert "Begroting van het jaar" in page
    assert "Nieuw: synthese" not in text_of(member_client.get("/"))  # read: no longer news


def _given_back(page: str) -> dict[str, str]:
    """What a refused page gives back to copy: label -> text."""
    from html import unescape

    return {unescape(label): unescape(text) for label, text in re.findall(
        r'<label for="given-back-\d+">([^<]*)</label>\s*<textarea id="given-back-\d+" readonly rows="\d+">([^<]*)'
        r'</textarea>', page)}


@pytest.mark.parametrize("step, url, data, error, given", [
    # The last board member approved while the secretary wrote an agenda item, a decision, the summary.
    ("approved", "items", {"title": "Travaux", "discussion": "Le <b>toit</b> fuit."}, "approved minutes are frozen",
     {"Agenda item": "Travaux", "Discussion": "Le <b>toit</b> fuit."}),
    ("approved", "decisions", {"text": "Réparer le toit.", "votes_for": "1", "votes_against": "0",
                               "votes_abstain": "2"}, "approved minutes are frozen",
     {"Decision": "Réparer le toit.", "Votes for": "1", "Votes against": "0", "Abstentions": "2"}),
    ("approved", "edit", {"meeting_on": "2026-09-08", "sitting": "1", "place": "Gent", "summary": "Un long résumé."},
     "approved minutes are frozen", {"Date of the board meeting": "8 September 2026",
                                     "Meeting of the day": "The first (or only) meeting of the day",
                                     "Place (optional)": "Gent", "Summary of the discussion": "Un long résumé."}),
    # Circulated by a colleague meanwhile: the draft is no longer changed in place.
    ("circulated", "items", {"title": "Travaux"}, "While you were typing, a colleague circulated these minutes to "
     "the board (", {"Agenda item": "Travaux"}),
    # A board member's comment, sent after the last approval.
    ("approved", "comments", {"body": "Une coquille au point 2."}, "approved minutes are frozen",
     {"Your comment": "Une coquille au point 2."}),
    # The synthesis, published by a colleague while being edited.
    ("published", "synthesis/nl", {"title": "Begroting", "body": "De begroting is goedgekeurd."},
     "While you were typing, these minutes were approved and a colleague published their synthesis to members (",
     {"Title in Dutch": "Begroting", "Synthesis for members in Dutch": "De begroting is goedgekeurd."}),
])
def test_minutes_that_moved_on_meanwhile_give_the_typing_back(client, secretary, step, url, data, error, given):
    """Approved, circulated or published by someone else while the secretary typed: nothing is saved, the
    minutes are drawn as they stand with what happened, and every field typed (the date and the meeting of
    the day in words, the votes) is given back to copy (its form is gone)."""
    board = make_board(2)
    minutes = make_minutes(step, board=board)
    before = (len(minutes.items), len(minutes.decisions), len(minutes.comments), minutes.place, minutes.summary,
              minutes.synthesis("nl").title)
    author = board[0] if url == "comments" else secretary
    sign_in(client, author)
    refused = client.post(f"/board/minutes/{minutes.id}/{url}", data=data)
    page = text_of(refused)
    assert refused.status_code == 409 and error in page
    assert "Your text, not saved" in page and "it is kept nowhere else" in page
    assert _given_back(page) == given
    assert "<b>toit</b>" not in page  # the typing given back escaped, as any text
    assert "Minutes of the board meeting of 10 September 2026" in page  # the minutes as they stand
    db.session.expire_all()
    minutes = db.session.get(BoardMinutes, minutes.id)
    assert (len(minutes.items), len(minutes.decisions), len(minutes.comments), minutes.place, minutes.summary,
            minutes.synthesis("nl").title) == before


def test_a_draft_deleted_by_a_colleague_while_typing_says_so_and_gives_everything_back(client, app, secretary):
    """Another secretary deletes the draft while this one types: no 404 and nothing lost, a 409 saying who
    deleted it and when, and every field sent given back to copy (the date, the meeting of the day and the
    attendance in words, the votes); reading it says the same (a 404); an id never used stays a plain 404."""
    from working_groups import minutes as minutes_service

    board = make_board(2)
    board[0].display_name, board[1].display_name = "Anne Peeters", "Bruno Lambert"
    colleague = make_account(roles=(Role.SECRETARY,), email="other-secretary@example.be")
    colleague.display_name = "Chloé Dubois"
    minutes = make_minutes("draft", board=board, meeting_on=date(2026, 9, 10))
    mid = minutes.id
    minutes_service.discard(minutes, actor=colleague)
    db.session.commit()
    sign_in(client, secretary)
    said = "While you were typing, Chloé Dubois deleted this draft ("
    edit = client.post(f"/board/minutes/{mid}/edit", data={
        "meeting_on": "2026-09-09", "sitting": "1", "place": "Gent", "summary": "Le budget est discuté.",
        f"attendance-{board[0].id}": "present", f"attendance-{board[1].id}": "excused"})
    page = text_of(edit)
    assert edit.status_code == 409 and said in page and "): it no longer exists." in page
    assert f"{today().day} {today():%B} {today().year}" in page
    assert _given_back(page) == {
        "Date of the board meeting": "9 September 2026", "Meeting of the day": "The first (or only) meeting of the day",
        "Place (optional)": "Gent", "Summary of the discussion": "Le budget est discuté.",
        "Attendance": "Anne Peeters: present\nBruno Lambert: excused"}
    decision = client.post(f"/board/minutes/{mid}/decisions", data={
        "text": "Le toit est réparé.", "votes_for": "1", "votes_against": "0", "votes_abstain": "1"})
    assert decision.status_code == 409 and said in text_of(decision)
    assert _given_back(text_of(decision)) == {"Decision": "Le toit est réparé.", "Votes for": "1",
                                              "Votes against": "0", "Abstentions": "1"}
    synthesis = client.post(f"/board/minutes/{mid}/synthesis/nl", data={"title": "Dak", "body": "Het dak <lekt>."})
    assert synthesis.status_code == 409 and "Het dak &lt;lekt&gt;." in text_of(synthesis)
    assert _given_back(text_of(synthesis)) == {"Title in Dutch": "Dak",
                                               "Synthesis for members in Dutch": "Het dak <lekt>."}
    item = client.post(f"/board/minutes/{mid}/items", data={"title": "Travaux"})
    assert item.status_code == 409 and _given_back(text_of(item)) == {"Agenda item": "Travaux"}
    again = client.post(f"/board/minutes/{mid}/discard", data={"discard-confirm": "y"})  # from another tab
    assert again.status_code == 409 and said in text_of(again) and "Your text, not saved" not in text_of(again)
    read = client.get(f"/board/minutes/{mid}")
    assert read.status_code == 404 and said in text_of(read)
    assert client.get(f"/board/minutes/{mid + 1000}").status_code == 404
    assert "deleted this draft" not in text_of(client.get(f"/board/minutes/{mid + 1000}"))
    db.session.expire_all()
    assert db.session.query(BoardMinutes).count() == 0


@pytest.mark.parametrize("url, data, given", [
    ("items", {"title": "Travaux"}, {"Agenda item": "Travaux"}),
    ("decisions", {"text": "Le toit est réparé.", "votes_for": "1", "votes_against": "0", "votes_abstain": "1"},
     {"Decision": "Le toit est réparé.", "Votes for": "1", "Votes against": "0", "Abstentions": "1"}),
    ("edit", {"meeting_on": "2026-09-09", "sitting": "1", "place": "Gent", "summary": "Le budget est discuté."},
     {"Date of the board meeting": "9 September 2026", "Meeting of the day": "The first (or only) meeting of the day",
      "Place (optional)": "Gent", "Summary of the discussion": "Le budget est discuté."}),
    ("synthesis/nl", {"title": "Dak", "body": "Het dak lekt."},
     {"Title in Dutch": "Dak", "Synthesis for members in Dutch": "Het dak lekt."}),
])
def test_a_draft_deleted_between_the_page_s_reading_and_the_service_s_write(client, data_app, secretary, monkeypatch,
                                                                            url, data, given):
    """A colleague deletes the draft (another connection, committed) after this request read it and before its
    service writes: the service's row lock finds no row, and the page is the one a deletion made earlier gets
    (409, who and when, everything sent given back), not a 500; nothing is written."""
    from app.models import Account
    from working_groups import minutes as minutes_service
    from working_groups import minutes_views

    board = make_board(2)
    colleague = make_account(roles=(Role.SECRETARY,), email="other-secretary@example.be")
    colleague.display_name = "Chloé Dubois"
    minutes = make_minutes("draft", board=board, meeting_on=date(2026, 9, 10))
    mid, colleague_id = minutes.id, colleague.id
    db.session.commit()
    read = minutes_views._minutes

    def read_then_a_colleague_deletes(minutes_id, typed=None):
        found = read(minutes_id, typed)
        monkeypatch.setattr(minutes_views, "_minutes", read)  # once
        with data_app.app_context():  # its own session and connection
            minutes_service.discard(db.session.get(BoardMinutes, minutes_id),
                                    actor=db.session.get(Account, colleague_id))
            db.session.commit()
        return found

    monkeypatch.setattr(minutes_views, "_minutes", read_then_a_colleague_deletes)
    sign_in(client, secretary)
    refused = client.post(f"/board/minutes/{mid}/{url}", data=data)
    page = text_of(refused)
    assert refused.status_code == 409
    assert "While you were typing, Chloé Dubois deleted this draft (" in page and "): it no longer exists." in page
    assert _given_back(page) == given
    db.session.expire_all()
    assert db.session.get(BoardMinutes, mid) is None


def test_a_refusal_of_a_draft_still_in_draft_keeps_the_typing_in_its_form(client, secretary):
    """Nothing to give back when the form is still on the page (too many votes: said beside it)."""
    minutes = make_minutes("draft", board=make_board(2))
    sign_in(client, secretary)
    refused = client.post(f"/board/minutes/{minutes.id}/decisions",
                          data={"text": "Réparer le toit.", "votes_for": "3", "votes_against": "0",
                                "votes_abstain": "0"})
    assert refused.status_code == 422 and "Réparer le toit." in text_of(refused)
    assert "Your text, not saved" not in text_of(refused)


def test_a_board_member_cannot_write_minutes(client):
    board = make_board(1)
    minutes = make_minutes("draft", board=board)
    sign_in(client, board[0])
    assert client.get(f"/board/minutes/{minutes.id}").status_code == 200
    assert client.post(f"/board/minutes/{minutes.id}/items", data={"title": "X"}).status_code == 403
    assert client.post(f"/board/minutes/{minutes.id}/comments", data={"body": "Une coquille."}).status_code == 302


@needs_pdftotext
def test_minutes_and_synthesis_pdfs(client, app, secretary, tmp_path):
    board = make_board(2)
    minutes = make_minutes("published", board=board)
    sign_in(client, secretary)
    full = pdf_text(client.get(f"/board/minutes/{minutes.id}/minutes.pdf").data, tmp_path)
    assert "Le budget est approuvé." in full and "for the board only" in full
    reader = app.test_client()
    sign_in(reader, give_paid_share(make_member_obj()).account)
    assert "New: synthesis of the board meeting" in text_of(reader.get("/"))
    synthesis = pdf_text(reader.get(f"/minutes/{minutes.id}/synthesis.pdf?lang=nl").data, tmp_path)
    assert "Begroting van het jaar" in synthesis and "10 september 2026" in synthesis
    assert "Le budget est approuvé." not in synthesis
    assert "New: synthesis of the board meeting" not in text_of(reader.get("/"))  # read as a PDF: no longer news
    assert reader.get(f"/minutes/{minutes.id}/synthesis.pdf?lang=nl").status_code == 200  # read again: kept once


def test_members_read_the_day_the_board_meeting_approved_the_minutes(client, secretary):
    """Approved at the next board meeting, recorded by the secretary days later: the synthesis gives the
    meeting's day, as the board's page and the PDF do, not the day it was typed in."""
    from working_groups import minutes as minutes_service

    make_board(2)
    minutes = make_minutes("circulated")
    minutes_service.approve_at_meeting(minutes, date(2026, 10, 8), actor=secretary)
    minutes_service.publish(minutes)
    db.session.commit()
    sign_in(client, give_paid_share(make_member_obj()).account)
    page = text_of(client.get(f"/minutes/{minutes.id}"))
    assert "Minutes approved on 8 October 2026." in page
    assert f"{today().day} {today():%B} {today().year}" not in page


@needs_pdftotext
def test_a_long_unbroken_text_wraps_in_the_minutes_pdf(client, secretary, tmp_path):
    """A link or a word longer than the page is broken across lines, not cut at the page's edge."""
    from working_groups import minutes as minutes_service

    make_board(2)
    minutes = minutes_service.draft_minutes(date(2026, 9, 10), "Bruxelles")
    long_word = "https://example.be/" + "x" * 600
    minutes_service.add_item(minutes, "Lien", long_word)
    db.session.commit()
    sign_in(client, secretary)
    text = pdf_text(client.get(f"/board/minutes/{minutes.id}/minutes.pdf").data, tmp_path)
    assert "".join(text.split()).count("x" * 600) == 1  # every character printed, over several lines
    assert max(len(line) for line in text.splitlines()) < 200


def test_search_page(client, group):
    make_minutes("published", board=make_board(2))
    make_recommendation(group, "submitted", title="Budget participatif")
    anonymous = text_of(client.get("/search?q=budget"))
    assert "Budget participatif" in anonymous and "Synthesis of the board meeting" not in anonymous
    sign_in(client, give_paid_share(make_member_obj()).account)
    member = text_of(client.get("/search?q=budget"))
    assert "Budget participatif" in member and "Synthesis of the board meeting" in member


def test_search_names_a_second_meeting_of_the_day(client):
    """Two published syntheses of one day: the evening's says it was the day's second meeting, the later first."""
    board = make_board(2)
    make_minutes("published", board=board, meeting_on=date(2026, 9, 10))
    make_minutes("published", board=board, meeting_on=date(2026, 9, 10), sitting=2)
    sign_in(client, give_paid_share(make_member_obj()).account)
    page = text_of(client.get("/search?q=budget"))
    second = "Synthesis of the board meeting of 10 September 2026 (second meeting of the day)"
    assert page.count("Synthesis of the board meeting of 10 September 2026") == 2 and page.count(second) == 1
    assert page.index(second) < page.index("Synthesis of the board meeting of 10 September 2026 (English)")


def test_the_audit_log_names_the_group_by_its_title(client, group):
    make_volunteer(group)
    sign_in(client, make_account(roles=(Role.STAFF,), email="audit-staff@example.be"))
    log = text_of(client.get("/staff/audit"))
    assert "Working group: Ethics committee" in log and "Working group: ethics" not in log


def test_an_applicant_is_not_offered_to_join_and_is_refused_in_words(client, group):
    applicant = make_member_obj()  # applied, nothing paid: not a member of the cooperative yet
    sign_in(client, applicant.account)
    page = text_of(client.get("/groups/ethics"))
    assert "Join the group" not in page and "Only members of the cooperative can join a working group." in page
    response = client.post("/groups/ethics/join", data={"motivation": "Je voudrais aider."})
    assert response.status_code == 403
    assert "Only members of the cooperative can join a working group." in text_of(response)
    assert queries.active_members(group) == []


def test_a_synthesis_is_for_current_members_not_former_ones_nor_applicants(client, app, outbox):
    """Published, a synthesis is mailed to the members of the cooperative and read by them: not to a member
    who left, nor to an applicant whose shares are unpaid (who cannot read it either)."""
    from shares import register

    current = give_paid_share(make_member_obj())
    applicant = make_member_obj()
    former = give_paid_share(make_member_obj())
    register.resign(former, on=today())
    db.session.commit()
    minutes = make_minutes("published", board=make_board(2))  # the members told as it is published
    told_former = [m for m in outbox(former.email) if not m.dedupe_key.startswith("shares.exit:")]  # not their exit's
    assert [m.subject for m in outbox(current.email)] and not outbox(applicant.email) and not told_former
    for who, status in ((current, 200), (applicant, 403), (former, 403)):
        sign_in(client, who.account)
        assert ("New: synthesis" in text_of(client.get("/"))) is (status == 200)
        assert client.get(f"/minutes/{minutes.id}").status_code == status, who.email


def test_a_member_who_left_is_told_why_the_open_call_is_not_for_them(client, group):
    """An open call with no form and no word was a dead end: whoever may not join reads why, in their language."""
    from shares import register

    former = give_paid_share(make_member_obj(language="nl"))
    register.resign(former, on=today())
    db.session.commit()
    sign_in(client, former.account)
    client.post("/language", data={"language": "en"})
    page = text_of(client.get("/groups/ethics"))
    assert "Call for volunteers" in page and "Join the group" not in page
    assert "Only members of the cooperative can join a working group." in page
    client.post("/language", data={"language": "nl"})
    dutch = text_of(client.get("/groups/ethics"))
    assert "Alleen leden van de coöperatie kunnen bij een werkgroep aansluiten." in dutch
    sign_in(client, give_paid_share(make_member_obj()).account)
    client.post("/language", data={"language": "en"})
    page = text_of(client.get("/groups/ethics"))
    assert "Join the group" in page and "Only members of the cooperative can join" not in page


def test_a_role_holder_without_a_member_record_cannot_join(client, group):
    sign_in(client, make_account(roles=(Role.BOARD,)))
    assert client.post("/groups/ethics/join", data={}).status_code == 403


def test_a_group_member_sees_the_next_meeting_on_the_home_page(client, group):
    volunteer = make_volunteer(group)
    meeting = services.schedule_meeting(group, today() + timedelta(days=5), "Gent", "Ordre du jour",
                                        starts_at=time(18, 30))
    services.schedule_meeting(group, today() + timedelta(days=90), "Liège")
    db.session.commit()
    sign_in(client, volunteer.account)
    home = text_of(client.get("/"))
    assert home.count("Next meeting of your group Ethics committee") == 1 and "by " not in home.split("Ethics committee")[1][:80]
    assert f"/groups/ethics/meetings/{meeting.id}" in home and "18:30" in home
    page = text_of(client.get(f"/groups/ethics/meetings/{meeting.id}"))
    assert "From 18:30 · Gent" in page
    sign_in(client, give_paid_share(make_member_obj()).account)
    assert "Next meeting of your group" not in text_of(client.get("/"))


def test_a_meeting_held_or_begun_is_no_longer_the_next_one(client, group):
    from datetime import datetime

    from app.clock import BRUSSELS

    volunteer = make_volunteer(group)
    held = services.schedule_meeting(group, today(), "Bruxelles", "Déjà tenue")
    services.record_meeting(held, {volunteer.id: AttendanceStatus.PRESENT}, "Notes.")
    now = datetime.now(BRUSSELS)
    if now.hour >= 1:  # a meeting of today that began an hour ago (none before 1 a.m.)
        services.schedule_meeting(group, today(), "Gent", starts_at=(now - timedelta(hours=1)).time())
    coming = services.schedule_meeting(group, today() + timedelta(days=3), "Liège", starts_at=time(10, 0))
    db.session.commit()
    sign_in(client, volunteer.account)
    home = text_of(client.get("/"))
    assert home.count("Next meeting of your group Ethics committee") == 1
    assert f"/groups/ethics/meetings/{coming.id}" in home and f"/groups/ethics/meetings/{held.id}" not in home


def test_pages_do_not_query_per_row(client, group, query_counter):
    """The public list and the group page cost the same number of queries for 2 or 12 recommendations."""
    member = make_volunteer(group)
    sign_in(client, member.account)

    def counts():
        with query_counter() as listing:
            assert client.get("/recommendations/").status_code == 200
        with query_counter() as page:
            assert client.get("/groups/ethics").status_code == 200
        return listing.n, page.n

    for n in range(2):
        rec = make_recommendation(group, "answered", title=f"Recommandation {n}")
        services.add_progress(rec, services.IM.IN_PROGRESS, "En cours.")
        make_volunteer(group)
    db.session.commit()
    few = counts()
    for n in range(2, 12):
        rec = make_recommendation(group, "answered", title=f"Recommandation {n}")
        services.add_progress(rec, services.IM.IN_PROGRESS, "En cours.")
        make_volunteer(group)
    db.session.commit()
    assert counts() == few


def test_leaving_a_group_and_taking_minutes_back_ask_for_confirmation(client, app, group, secretary):
    volunteer = make_volunteer(group)
    sign_in(client, volunteer.account)
    assert client.post("/groups/ethics/leave").status_code == 400
    assert services.active_membership(group, volunteer) is not None
    assert client.post("/groups/ethics/leave", data={"confirm": "y"}).status_code == 302
    assert services.active_membership(group, volunteer) is None
    assert client.post("/groups/ethics/leave", data={"confirm": "y"}).status_code == 409
    board = make_board(2)
    minutes = make_minutes("circulated", board=board)
    from working_groups import minutes as minutes_service

    minutes_service.approve(minutes, board[0])
    db.session.commit()
    sec = app.test_client()
    sign_in(sec, secretary)
    assert sec.post(f"/board/minutes/{minutes.id}/withdraw").status_code == 400
    assert sec.post(f"/board/minutes/{minutes.id}/withdraw", data={"withdraw-confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert minutes.status is MinutesStatus.DRAFT and minutes.approvals == []


def test_done_and_abandoned_need_the_confirmation_box(client, group, secretary):
    rec = make_recommendation(group, "answered")
    sign_in(client, secretary)
    data = {"status": "done", "note": "Comité élu.", "noted_on": "2019-06-18"}
    refused = client.post(f"/recommendations/{rec.id}/progress", data=data)
    assert refused.status_code == 400 and "Tick the box to confirm." in text_of(refused)
    assert client.post(f"/recommendations/{rec.id}/progress",
                       data=data | {"status": "in_progress"}).status_code == 302
    assert client.post(f"/recommendations/{rec.id}/progress", data=data | {"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).implementation is services.IM.DONE


def test_the_secretary_s_and_the_board_s_home_pages(client, app, group, secretary):
    make_recommendation(group, "submitted")
    board = make_board(2)
    make_minutes("circulated", board=board)
    sign_in(client, secretary)
    home = text_of(client.get("/"))
    assert "Recommendations waiting for the board&#39;s answer" in home
    assert "Board minutes in draft or waiting for approval" in home
    member_of_board = app.test_client()
    sign_in(member_of_board, board[0])
    assert "Read and approve the minutes of the board meeting of 10 September 2026" in text_of(member_of_board.get("/"))
    # once approved, or for someone who did not attend, nothing to approve
    minutes = db.session.scalar(db.select(BoardMinutes))
    db.session.add(MinutesApproval(minutes_id=minutes.id, account_id=board[0].id))
    db.session.commit()
    assert "Read and approve the minutes" not in text_of(member_of_board.get("/"))
    absent = app.test_client()
    sign_in(absent, make_account(roles=(Role.BOARD,)))
    assert "Read and approve the minutes" not in text_of(absent.get("/"))


def test_a_draft_s_items_and_decisions_can_be_removed_until_circulated(client, secretary):
    board = make_board(2)
    minutes = make_minutes("draft", board=board)
    from working_groups import minutes as minutes_service

    minutes_service.add_item(minutes, "Divers")
    db.session.commit()
    first, second = minutes.items
    sign_in(client, secretary)
    assert client.post(f"/board/minutes/{minutes.id}/items/{first.id}/remove").status_code == 302
    db.session.expire_all()
    assert [(i.position, i.title) for i in minutes.items] == [(1, "Divers")]
    decision = minutes.decisions[0]
    assert client.post(f"/board/minutes/{minutes.id}/circulate").status_code == 302
    refused = client.post(f"/board/minutes/{minutes.id}/decisions/{decision.id}/remove")
    assert refused.status_code == 409
    db.session.expire_all()
    assert len(minutes.decisions) == 1
    other = make_minutes("draft", board=board, meeting_on=date(2026, 10, 1))
    assert client.post(f"/board/minutes/{other.id}/decisions/{decision.id}/remove").status_code == 404


def test_each_step_of_a_recommendation_is_dated_after_the_one_before_and_said_beside_its_date(client, group, secretary):
    """Submitted before its adoption, answered before its submission, a progress note before the answer
    or still to come: refused beside the date field, in words, nothing saved."""
    facilitator = make_volunteer(group, GroupRole.FACILITATOR)
    adopted = make_recommendation(group, "adopted")  # adopted at the meeting of 8 March 2018
    sign_in(client, facilitator.account)
    early = client.post(f"/groups/{group.slug}/submit", data={"submitted_on": "2018-03-01", "confirm": "y"})
    assert early.status_code == 422 and "before the meeting that adopted them, on 8 March 2018" in text_of(early)
    assert 'id="submitted_on-error"' in text_of(early)
    to_come = client.post(f"/groups/{group.slug}/submit",
                          data={"submitted_on": (today() + timedelta(days=1)).isoformat(), "confirm": "y"})
    assert to_come.status_code == 422 and "This date is still to come" in text_of(to_come)
    db.session.refresh(adopted)
    assert adopted.status.value == "adopted"

    submitted = make_recommendation(group, "submitted", title="Un registre ouvert")  # submitted on 22 March 2018
    sign_in(client, secretary)
    answer = {"decision": "accepted", "reasoning": "Oui.", "answered_on": "2017-01-01", "confirm": "y"}
    before = client.post(f"/recommendations/{submitted.id}/answer", data=answer)
    assert before.status_code == 422 and "before the recommendation was submitted to it, on 22 March 2018" \
        in text_of(before)
    assert 'id="answered_on-error"' in text_of(before) and db.session.query(BoardAnswer).count() == 0

    answered = make_recommendation(group, "answered", title="Un comité")  # answered on 16 May 2018
    note = {"status": "in_progress", "note": "Le comité se réunit.", "noted_on": "2018-05-01"}
    early_note = client.post(f"/recommendations/{answered.id}/progress", data=note)
    assert early_note.status_code == 422 and "before the board&#39;s answer, on 16 May 2018" in text_of(early_note)
    late_note = client.post(f"/recommendations/{answered.id}/progress",
                            data=note | {"noted_on": (today() + timedelta(days=3)).isoformat()})
    assert late_note.status_code == 422 and 'id="noted_on-error"' in text_of(late_note)
    assert client.post(f"/recommendations/{answered.id}/progress",
                       data=note | {"noted_on": "2018-06-01"}).status_code == 302


def test_a_text_of_spaces_is_refused_beside_its_field_and_keeps_what_was_typed(client, group):
    member = make_volunteer(group)
    sign_in(client, member.account)
    response = client.post(f"/groups/{group.slug}/recommendations/new",
                           data={"title": "   ", "text": " \n ", "rationale": "Mon raisonnement"})
    page = text_of(response)
    assert response.status_code == 400 and "Enter a title." in page and "Write the recommendation." in page
    assert "Mon raisonnement" in page and 'tabindex="-1" autofocus' in page  # the summary takes the focus
    assert db.session.query(Recommendation).count() == 0


def test_minutes_record_a_meeting_held_and_go_to_the_board_after_a_confirmation(client, secretary):
    make_board(2)
    sign_in(client, secretary)
    ahead = (today() + timedelta(days=30)).isoformat()
    refused = client.post("/board/minutes/new", data={"meeting_on": ahead, "place": "Gent"})
    assert refused.status_code == 422 and 'id="meeting_on-error"' in text_of(refused)
    assert "This date is still to come" in text_of(refused)
    minutes = make_minutes("draft")
    edit = client.post(f"/board/minutes/{minutes.id}/edit", data={"meeting_on": ahead, "place": "Gent"})
    assert edit.status_code == 422 and 'id="meeting_on-error"' in text_of(edit)
    page = text_of(client.get(f"/board/minutes/{minutes.id}"))
    circulate = page.split('id="circulate"')[1]
    assert "board members get an e-mail asking them to read, comment and approve the minutes of the meeting " \
           "of 10 September 2026" in circulate and "Yes, send the draft to the board" in circulate
    assert client.post(f"/board/minutes/{minutes.id}/circulate").status_code == 302
    twice = client.post(f"/board/minutes/{minutes.id}/circulate")  # a second tab
    assert twice.status_code == 409 and "This is done already: it is circulated to the board." in text_of(twice)


def test_adding_someone_already_in_the_group_or_no_longer_a_member_is_said_of_them_beside_the_number(
        client, group, secretary):
    from shares import register

    inside = make_volunteer(group, first_name="Marie", last_name="Dubois")
    left = make_member_obj(first_name="Jan", last_name="Peeters")
    register.resign(left)
    db.session.commit()
    sign_in(client, secretary)
    again = client.post(f"/groups/{group.slug}/people", data={"number": inside.number, "role": "member"})
    assert again.status_code == 409 and 'id="number-error"' in text_of(again)
    assert "Marie Dubois is already in this group." in text_of(again) and "You are already" not in text_of(again)
    gone = client.post(f"/groups/{group.slug}/people", data={"number": left.number, "role": "expert"})
    assert gone.status_code == 422 and "Jan Peeters is no longer a member of the cooperative" in text_of(gone)
    assert queries.group_by_slug(group.slug) and not any(m.member_id == left.id for m in group.memberships)


def test_a_meeting_page_lists_an_adopted_text_to_outsiders_only_once_it_is_submitted(client, group):
    """Adopted but not submitted, a recommendation stays within the group (permissions.can_read_recommendation):
    neither the group's page nor the meeting's name it to a member outside the group; once submitted, both do."""
    rec = make_recommendation(group, step="adopted", title="Un texte encore interne")
    outsider = give_paid_share(make_member_obj())
    db.session.commit()
    sign_in(client, outsider.account)
    meeting_page = f"/groups/ethics/meetings/{rec.adopted_meeting_id}"
    for page in (meeting_page, "/groups/ethics"):
        assert "Un texte encore interne" not in text_of(client.get(page)), page
    sign_in(client, make_volunteer(group).account)
    for page in (meeting_page, "/groups/ethics"):
        assert "Un texte encore interne" in text_of(client.get(page)), page  # the group's own members read it
    services.submit_recommendations(group, date(2018, 3, 22))
    db.session.commit()
    sign_in(client, outsider.account)
    for page in (meeting_page, "/groups/ethics"):
        assert "Un texte encore interne" in text_of(client.get(page)), page


def test_the_first_meeting_s_minutes_moved_away_from_a_second_are_refused_in_words(client, secretary):
    from working_groups import minutes as minutes_service

    board = make_board(2)
    first = make_minutes("draft", board=board, meeting_on=date(2026, 9, 10))
    minutes_service.draft_minutes(date(2026, 9, 10), sitting=2)
    db.session.commit()
    sign_in(client, secretary)
    refused = client.post(f"/board/minutes/{first.id}/edit",
                          data={"meeting_on": "2026-09-09", "sitting": "1", "place": "Gent", "summary": ""})
    assert refused.status_code == 422
    assert ("“The second meeting of the day” of 10 September 2026 has its minutes, which follow these: they cannot "
            "leave “The first (or only) meeting of the day”. Move or delete the minutes of the later meeting first."
            ) in text_of(refused)
    deleted = client.post(f"/board/minutes/{first.id}/discard", data={"discard-confirm": "y"})
    assert deleted.status_code == 422 and "Move or delete the minutes of the later meeting first." in text_of(deleted)
    db.session.expire_all()
    assert db.session.get(BoardMinutes, first.id).meeting_on == date(2026, 9, 10)


def test_a_conflict_on_the_minutes_page_is_said_once_at_the_top(client, secretary):
    """Refused because the minutes moved on (circulated in another tab): the sentence is said at the top of
    the page, not again in the closed confirmation box it came from."""
    minutes = make_minutes("circulated", board=make_board(2))
    sign_in(client, secretary)
    refused = client.post(f"/board/minutes/{minutes.id}/discard", data={"discard-confirm": "y"})
    page = text_of(refused)
    sentence = "Only a draft the board has not commented on can be deleted."
    assert refused.status_code == 409 and page.count(sentence) == 1
    assert f'<div class="error-summary" role="alert"><p>{sentence}</p></div>' in page
    assert '<details class="confirm" id="discard" open>' not in page


def test_a_progress_note_from_an_older_tab_is_refused_once(client, group, secretary):
    """A colleague moved the implementation on meanwhile: the form is still on the page, the refusal is
    said once, at the top."""
    rec = make_recommendation(group, "answered")
    services.add_progress(rec, services.IM.IN_PROGRESS, "En cours.")  # the colleague
    db.session.commit()
    sign_in(client, secretary)
    refused = client.post(f"/recommendations/{rec.id}/progress",
                          data={"status": "planned", "note": "Prévu.", "noted_on": today().isoformat()})
    page = text_of(refused)
    assert refused.status_code == 409
    assert page.count("Only an accepted recommendation has an implementation status, and it cannot go back.") == 1
    assert 'action="/recommendations/%d/progress"' % rec.id in page  # the form stays, without the sentence


def test_refusal_on_says_each_refusal_in_one_place(app):
    from working_groups.blueprint import refusal_on
    from working_groups.errors import AlreadyAnswered, EmptyText, MinutesExist
    from working_groups.forms import ApproveAtMeetingForm

    with app.test_request_context():
        for exc, top, beside, above in (
                (AlreadyAnswered(), True, False, False),  # a conflict: the top of the page only
                (EmptyText(), False, False, True),  # above the form
                (MinutesExist(date(2026, 9, 10), None, 1), False, True, False)):  # about the date: beside it
            form = ApproveAtMeetingForm(formdata=None)
            said = refusal_on(form, exc, "meeting_on")
            assert (said is not None, bool(form.meeting_on.errors), bool(form.form_errors)) == (top, beside, above)
