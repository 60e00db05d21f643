"""The cooperative's documents: staff publish a PDF per version and language, anyone reads the version
in force (in their language when it exists), the join form links them; bad files, future dates and
other people's attempts are refused in words, with nothing saved."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.clock import today
from app.extensions import db
from app.models import AuditEntry
from shares import documents
from shares.models import CoopDocument, DocumentKind
from tests.factories import sign_in

PDF = b"%PDF-1.4 statuts coordonnes\n%%EOF\n"


def publish(client, kind="statutes", language="fr", adopted_on=None, data=PDF, filename="statuts.pdf"):
    return client.post("/staff/documents", data={
        "kind": kind, "language": language, "adopted_on": (adopted_on or date(2024, 6, 20)).isoformat(),
        "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(CoopDocument))


@pytest.fixture
def staff_client(app, make_staff):
    client = app.test_client()
    sign_in(client, make_staff())
    return client


def test_staff_publish_statutes_that_anyone_reads_and_the_join_form_links(staff_client, app):
    assert staff_client.get("/staff/documents").status_code == 200
    response = publish(staff_client)
    assert response.status_code == 302
    [document] = db.session.scalars(select(CoopDocument)).all()
    assert (document.kind, document.language, document.size) == (DocumentKind.STATUTES, "fr", len(PDF))

    visitor = app.test_client()
    page = visitor.get("/documents/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    link = f"/documents/{document.id}/statuts.pdf"
    assert "Statuts (PDF)" in page and link in page and "En vigueur depuis le 20 juin 2024." in page
    served = visitor.get(link)
    assert served.data == PDF and served.mimetype == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    join = visitor.get("/join", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert link in join
    assert "/documents/" in visitor.get("/").get_data(as_text=True)  # the footer, on every page


def test_a_reader_gets_their_language_else_another_and_earlier_versions_stay(staff_client, app):
    publish(staff_client, adopted_on=date(2017, 1, 10), filename="statuts-2017.pdf")
    publish(staff_client, language="nl", adopted_on=date(2017, 1, 10), filename="statuten-2017.pdf")
    publish(staff_client, adopted_on=date(2024, 6, 20), filename="statuts-2024.pdf")
    in_force = documents.in_force("nl")[DocumentKind.STATUTES]
    # The 2024 statutes exist in French only: a Dutch reader gets them, not the Dutch text of 2017.
    assert (in_force.document.filename, in_force.document.language, in_force.languages) == ("statuts-2024.pdf", "fr", ("fr",))
    page = app.test_client().get("/documents/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Not available in your language: this is the version in French." in page
    assert "Statutes (PDF, in French)" in app.test_client().get("/join", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "2 earlier versions" in page and "Adopted on 10 January 2017, in Dutch" in page


def test_the_same_date_again_replaces_the_file_and_a_version_can_be_withdrawn(staff_client):
    publish(staff_client, data=PDF)
    publish(staff_client, data=PDF + b" corrected")
    [document] = db.session.scalars(select(CoopDocument)).all()
    assert document.data == PDF + b" corrected"
    confirm = staff_client.get(f"/staff/documents/{document.id}/withdraw")
    assert confirm.status_code == 200 and "This cannot be undone" in confirm.get_data(as_text=True)
    assert staff_client.post(f"/staff/documents/{document.id}/withdraw", data={"confirmed": "1"}).status_code == 302
    assert count() == 0
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "shares_coop_document")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["shares.document.upload", "shares.document.replace", "shares.document.withdraw"]
    audit_page = staff_client.get("/staff/audit").get_data(as_text=True)
    assert "Cooperative document withdrawn" in audit_page and ">shares.document" not in audit_page


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"data": b"<html><script>alert(1)</script>", "filename": "statuts.pdf"}, 422,
     "This file is not a PDF: its name ends in .pdf, but its content is not a PDF (another kind of file renamed?)."),
    ({"data": PDF, "filename": "statuts.exe"}, 422, "This file is not a PDF: it is a program (.exe)."),
    ({"data": PDF, "filename": "statuts.docx"}, 422, "This file is not a PDF: it is a Word document (.docx)."),
    ({"data": PDF, "filename": "statuts.xyz"}, 422, "This file is not a PDF: its name ends in .xyz."),
    ({"data": PDF, "filename": "statuts"}, 422, "This file is not a PDF: its name does not say what kind of file it is."),
    ({"data": b"", "filename": "statuts.pdf"}, 422, "This file is empty"),
    ({"data": b"", "filename": "statuts.docx"}, 422, "This file is empty"),  # empty first, whatever its name
    ({"data": b"%PDF-1.4\n<script>", "filename": "statuts.pdf"}, 422, "This PDF is incomplete"),  # no end
    ({"data": PDF[:-8], "filename": "statuts.pdf"}, 422, "This PDF is incomplete"),  # cut short in the upload
    ({"data": PDF, "filename": ""}, 400, "Choose the file to upload."),
    ({"adopted_on": today() + timedelta(days=1)}, 422, "The date cannot be in the future."),
    ({"kind": "minutes"}, 400, "Not a valid choice."),
    ({"language": "de"}, 400, "Not a valid choice."),
])
def test_bad_input_is_refused_in_words_and_nothing_is_saved(staff_client, fields, status, words):
    response = publish(staff_client, **fields)
    assert response.status_code == status, response.status_code
    assert words in response.get_data(as_text=True)
    assert count() == 0


def test_a_bad_date_is_refused(staff_client):
    response = staff_client.post("/staff/documents", data={
        "kind": "statutes", "language": "fr", "adopted_on": "20-06-2024", "file": (io.BytesIO(PDF), "s.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and "Not a valid date value." in response.get_data(as_text=True)
    assert count() == 0


def test_only_staff_publish_or_withdraw(client, login_as, staff_client):
    publish(staff_client)
    document_id = db.session.scalar(select(CoopDocument.id))
    assert client.get("/staff/documents").status_code == 302  # sign in first
    login_as("member")
    assert publish(client).status_code == 403
    assert client.post(f"/staff/documents/{document_id}/withdraw", data={"confirmed": "1"}).status_code == 403
    assert count() == 1


@pytest.mark.parametrize("path", ["/documents/999/x.pdf", "/documents/0/x.pdf",
                                  "/documents/99999999999999999999/x.pdf", "/staff/documents/999/withdraw"])
def test_unknown_documents_are_not_found(staff_client, path):
    assert staff_client.get(path).status_code == 404


def test_the_demo_publishes_statutes_in_two_languages_and_a_privacy_notice_in_three(app):
    import random

    from app.demo import DemoContext
    from shares.demo_documents import load_documents

    load_documents(DemoContext(members=0, rng=random.Random(1)))
    db.session.commit()
    in_force = documents.in_force("en")
    assert in_force[DocumentKind.STATUTES].document.adopted_on == date(2023, 6, 20)
    assert in_force[DocumentKind.STATUTES].languages == ("fr", "nl")
    assert in_force[DocumentKind.PRIVACY_NOTICE].languages == ("fr", "nl", "en")
    assert all(row.data.startswith(b"%PDF-") for row in db.session.scalars(select(CoopDocument)))


def test_two_people_publishing_the_same_version_at_once_get_a_conflict_not_an_error(app, monkeypatch):
    from app.errors import Conflict

    documents.add_version(DocumentKind.STATUTES, "fr", date(2024, 6, 20), "a.pdf", PDF)
    db.session.commit()
    # The other person's row lands between this one's look-up and its insert.
    monkeypatch.setattr(documents.db.session, "scalar", lambda *a, **k: None)
    with pytest.raises(Conflict):
        documents.add_version(DocumentKind.STATUTES, "fr", date(2024, 6, 20), "b.pdf", PDF)
    monkeypatch.undo()
    db.session.rollback()
    assert [d.filename for d in db.session.scalars(select(CoopDocument))] == ["a.pdf"]


def _unspaced(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize("language, label, refusal", [
    ("en", "File (PDF, at most 3 MB)", "This file is too large: at most 3 MB."),
    ("fr", "Fichier (PDF, 3 Mo au plus)", "Ce fichier est trop volumineux : 3 Mo au plus."),
    ("nl", "Bestand (PDF, hoogstens 3 MB)", "Dit bestand is te groot: hoogstens 3 MB."),
])
def test_the_upload_limit_is_said_from_its_one_constant(app, make_staff, monkeypatch, language, label, refusal):
    """The label, the browser's check and the refusal all follow ``app.uploads.MAX_BYTES``, in the
    reader's unit: lowered to 3 MB, every one of them says 3."""
    from html import unescape

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from app import uploads

    monkeypatch.setattr(uploads, "MAX_BYTES", 3 * uploads.MEGABYTE)
    client = app.test_client()
    sign_in(client, make_staff(language=language))
    page = _unspaced(unescape(client.get("/staff/documents").get_data(as_text=True)))
    assert label in page and "10 M" not in page
    assert f'data-max-bytes="{3 * uploads.MEGABYTE}"' in page and f'data-too-large="{refusal}"' in page
    # Encoded in memory: the test client would spool a body this size to a file it does not close.
    boundary, body = encode_multipart({"kind": "statutes", "language": "fr", "adopted_on": "2024-06-20", "file": FileStorage(
        io.BytesIO(b"%PDF-1.4 " + b"0" * (3 * uploads.MEGABYTE) + b"\n%%EOF"), "statuts.pdf")})
    refused = client.post("/staff/documents", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert refused.status_code == 413
    assert refusal in _unspaced(unescape(refused.get_data(as_text=True)))
    assert count() == 0


@pytest.mark.parametrize("data", [
    {"kind": "statutes", "language": "fr", "adopted_on": "2024-06-20", "file": "statuts.pdf"},  # text, not a file
    {"kind": "bogus", "language": "fr", "adopted_on": "2024-06-20"},
    {"kind": "statutes", "language": "xx" * 5000, "adopted_on": "2024-06-20"},
    {"kind": "statutes", "language": "fr", "adopted_on": "20 juin\u200b"},
    {"kind": ["statutes", "privacy"], "language": "fr", "adopted_on": "99999-99-99"},
])
def test_garbage_for_a_document_is_refused_in_words(staff_client, data):
    """Wrong types, huge or invisible values: a 400 with the form and its sentences, never a 500, nothing kept."""
    refused = staff_client.post("/staff/documents", data=data)
    assert refused.status_code == 400
    assert 'class="error"' in refused.get_data(as_text=True)
    assert count() == 0
