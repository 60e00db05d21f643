"""Files people upload (working-group documents, assembly documents, the cooperative's statutes and
privacy notice): one check of what a file is, from its name and first bytes rather than the type the
browser claims, and one way to serve it back."""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import DomainError, register_messages

MEGABYTE = 1024 * 1024
# The one limit of an uploaded file: the service refuses more, the page says it and the browser checks it.
MAX_BYTES = 10 * MEGABYTE
# The request ceiling of an upload route (``app.web.allow_upload``): the file and the form around it,
# so that a file just over MAX_BYTES gets the service's sentence beside its field, the titles kept;
# beyond, the 413 page says MAX_BYTES (the route's ``file_bytes``) and how to go back to the form.
MAX_REQUEST_BYTES = MAX_BYTES + MEGABYTE


def megabytes(size: int) -> int:
    """A limit in megabytes as people count them (10 for MAX_BYTES), at least 1."""
    return max(1, size // MEGABYTE)


class LimitInMegabytes:
    """A limit in bytes (``limit()``) in megabytes, read when a sentence is filled in (``%(size)s``): a
    form's label, made once at import, still says the limit of the moment (a constant, or a setting)."""

    def __init__(self, limit: Callable[[], int]) -> None:
        self.limit = limit

    def __str__(self) -> str:
        return str(megabytes(self.limit()))


# The limit as labels, hints and refusals say it ("at most %(size)s MB", "Mo" in French).
MAX_MEGABYTES = LimitInMegabytes(lambda: MAX_BYTES)

# Accepted uploads: extension -> (content type, how the file starts).
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "txt": ("text/plain", ()),
}
PDF_ONLY = ("pdf",)
# Shown in the browser rather than downloaded: only these, and only after their first bytes were checked.
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg")


# What a file is, by the end of its name, as a refusal says it ("it is a Word document").
KIND_WORDS = {
    "pdf": _l("a PDF"), "doc": _l("a Word document"), "docx": _l("a Word document"),
    "odt": _l("an OpenDocument text"), "ods": _l("an OpenDocument spreadsheet"),
    "odp": _l("an OpenDocument presentation"), "xls": _l("an Excel spreadsheet"), "xlsx": _l("an Excel spreadsheet"),
    "ppt": _l("a PowerPoint presentation"), "pptx": _l("a PowerPoint presentation"), "rtf": _l("a text document"),
    "txt": _l("a text file"), "csv": _l("a spreadsheet in CSV"), "png": _l("an image"), "jpg": _l("an image"),
    "jpeg": _l("an image"), "gif": _l("an image"), "webp": _l("an image"), "heic": _l("an image"),
    "tif": _l("an image"), "tiff": _l("an image"), "bmp": _l("an image"), "svg": _l("an image"),
    "zip": _l("a compressed folder (ZIP)"), "htm": _l("a web page"), "html": _l("a web page"),
    "eml": _l("an e-mail"), "msg": _l("an e-mail"), "exe": _l("a program"),
}


class BadFile(DomainError):
    """Not one of the ``allowed`` kinds of file, or empty. ``extension``: the end of its name (lower case);
    ``content``: True when that name is accepted but what the file holds is not what it says (a file of
    another kind renamed), "incomplete" for a PDF cut short."""

    status = 422

    def __init__(self, allowed: tuple[str, ...] = tuple(TYPES), extension: str = "", content: bool | str = False):
        super().__init__(*allowed)
        self.allowed = allowed
        self.extension = extension
        self.content = content


class EmptyFile(BadFile):
    """A file with nothing in it (saved before it was written, or cut)."""


class FileTooLarge(DomainError):
    status = 413


def _what_it_is(extension: str) -> str:
    """The kind of a file by its name's end, in words; an end we have no words for, as it is written."""
    if extension in KIND_WORDS:
        return _("it is %(kind)s (.%(extension)s)", kind=KIND_WORDS[extension], extension=extension)
    if extension:
        return _("its name ends in .%(extension)s", extension=extension)
    return _("its name does not say what kind of file it is")


def _bad_file(exc: BadFile) -> str:
    pdf = exc.allowed == PDF_ONLY
    if exc.content == "incomplete":
        return _("This PDF is incomplete (cut short while it was saved or sent): save or export it again as PDF, "
                 "then attach it.")
    if exc.content and pdf:
        return _("This file is not a PDF: its name ends in .pdf, but its content is not a PDF (another kind of "
                 "file renamed?). Save or export it as PDF, then attach it.")
    if exc.content:
        return _("This file's content is not what its name says (%(kind)s): open it on your device to check it, "
                 "save it again, then attach it.", kind=KIND_WORDS.get(exc.extension, exc.extension))
    if pdf:
        return _("This file is not a PDF: %(what)s. Save or export it as PDF, then attach it.",
                 what=_what_it_is(exc.extension))
    return _("This file type is not accepted (%(what)s): send a PDF, an OpenDocument or Word file, a text file "
             "or an image.", what=_what_it_is(exc.extension))


register_messages({
    BadFile: _bad_file,
    EmptyFile: _l("This file is empty: open it on your device to check it, then attach it again."),
    FileTooLarge: _l("This file is too large: at most %(size)s MB.", size=MAX_MEGABYTES),
})


def size_check(max_bytes: int | None = None) -> dict[str, str]:
    """The attributes of a file input that ``static/js/uploads.js`` reads: the limit (MAX_BYTES unless
    said), and the sentence it says beside the field when a chosen file is larger (the file is then not sent)."""
    max_bytes = max_bytes or MAX_BYTES
    return {"data-max-bytes": str(max_bytes),
            "data-too-large": _("This file is too large: at most %(size)s MB.", size=megabytes(max_bytes))}


@dataclass(frozen=True)
class Upload:
    filename: str  # safe to store and to send back in a header: letters, digits, ". _ -" and spaces
    content_type: str
    data: bytes


def checked_upload(filename: str, data: bytes, allowed: tuple[str, ...] = tuple(TYPES)) -> Upload:
    """The file as we keep it, or ``BadFile`` (``EmptyFile``)/``FileTooLarge``."""
    if len(data) > MAX_BYTES:
        raise FileTooLarge()
    # What the name ends in, as a reader sees it: a direction mark or a zero-width space in it would turn
    # the refusal that quotes it around, or make ".pdf" not read as ".pdf".
    from app.forms import blank  # app.forms builds on app.web, which builds on this module

    seen = "".join(c for c in filename or "" if not blank(c))
    extension = seen.rsplit(".", 1)[-1].lower()[:12] if "." in seen else ""
    if not data:
        raise EmptyFile(allowed, extension)
    if extension not in allowed:
        raise BadFile(allowed, extension)
    content_type, magics = TYPES[extension]
    if magics and not any(data.startswith(m) for m in magics):
        raise BadFile(allowed, extension, content=True)
    if extension == "txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadFile(allowed, extension, content=True) from exc
    if extension == "pdf" and b"%%EOF" not in data[-1024:]:  # every complete PDF ends so: a cut or fake one does not
        raise BadFile(allowed, extension, content="incomplete")
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._- ")[-150:].strip() or f"document.{extension}"
    return Upload(safe_name, content_type, data)


def file_response(data: bytes, content_type: str, filename: str) -> Response:
    """A stored upload sent back: PDFs and images shown, the rest downloaded; never sniffed as HTML
    (and under the app's content security policy, which runs no script but ours)."""
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    # A header holds Latin-1 only: the name in ASCII, and in full as RFC 6266's filename* (as Flask's send_file).
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "document"
    return Response(data, mimetype=content_type, headers={
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff"})
