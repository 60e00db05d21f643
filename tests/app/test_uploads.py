"""One check of an uploaded file serves every upload (working-group, assembly and cooperative documents):
a refusal says what was wrong with the file, in the reader's language."""
from __future__ import annotations

import pytest

from app import uploads
from app.errors import error_message

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def refusal(app, language, filename, data, allowed=uploads.PDF_ONLY):
    with app.test_request_context(headers={"Accept-Language": language}):
        with pytest.raises(uploads.BadFile) as refused:
            uploads.checked_upload(filename, data, allowed)
        return error_message(refused.value)


@pytest.mark.parametrize("filename, data, said", [
    ("accounts.docx", b"PK\x03\x04word", "This file is not a PDF: it is a Word document (.docx). Save or export it "
                                         "as PDF, then attach it."),
    ("Photo.JPG", b"\xff\xd8\xff", "This file is not a PDF: it is an image (.jpg)."),
    ("accounts.pages", PDF, "This file is not a PDF: its name ends in .pages."),
    ("accounts", PDF, "This file is not a PDF: its name does not say what kind of file it is."),
    ("accounts.pdf", b"PK\x03\x04word", "This file is not a PDF: its name ends in .pdf, but its content is not a PDF"),
    ("accounts.pdf", PDF[:-7], "This PDF is incomplete (cut short while it was saved or sent)"),
    ("accounts.pdf", b"", "This file is empty: open it on your device to check it, then attach it again."),
    ("accounts.exe", b"", "This file is empty"),
])
def test_a_refused_pdf_says_what_the_file_is(data_app, filename, data, said):
    assert said in refusal(data_app, "en", filename, data)


def test_a_document_of_another_accepted_kind_says_what_it_is_not(data_app):
    assert refusal(data_app, "en", "notes.xlsx", b"PK\x03\x04", tuple(uploads.TYPES)) == (
        "This file type is not accepted (it is an Excel spreadsheet (.xlsx)): send a PDF, an OpenDocument or Word "
        "file, a text file or an image.")
    assert refusal(data_app, "en", "notes.docx", PDF, tuple(uploads.TYPES)).startswith(
        "This file's content is not what its name says (a Word document)")
    assert refusal(data_app, "en", "notes.txt", b"\xff\xfe\x00", tuple(uploads.TYPES)).startswith(
        "This file's content is not what its name says (a text file)")


@pytest.mark.parametrize("language, said", [
    ("fr", "Ce fichier n'est pas un PDF\u00a0: c'est un document Word (.docx)."),
    ("nl", "Dit bestand is geen PDF: het is een Word-document (.docx)."),
])
def test_the_refusal_in_the_readers_language(data_app, language, said):
    assert said in refusal(data_app, language, "statuts.docx", b"PK\x03\x04")


def test_a_file_too_large_says_the_limit_in_megabytes(data_app):
    with data_app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(uploads.FileTooLarge) as refused:
            uploads.checked_upload("big.pdf", PDF + b"0" * uploads.MAX_BYTES, uploads.PDF_ONLY)
        assert error_message(refused.value) == "This file is too large: at most 10 MB."


def test_a_hostile_name_is_said_as_text(data_app):
    said = refusal(data_app, "en", "x.<script>alert(1)</script>", PDF)
    assert "its name ends in ." in said  # the page escapes it, as every value


def test_a_name_with_invisible_characters_is_read_as_it_shows(data_app):
    """A direction mark in the name would turn the refusal that quotes it around; a zero-width space after
    ".pdf" would make a genuine PDF read as another kind: the name is read as a reader sees it."""
    said = refusal(data_app, "en", "statuts.do\u202ecx", b"PK\x03\x04word")
    assert "\u202e" not in said and "it is a Word document (.docx)" in said
    assert uploads.checked_upload("statuts.pdf\u200b", PDF).filename == "statuts.pdf"
