"""The cooperative's documents: its statutes, privacy notice and internal rules, one PDF per version and
language, uploaded by staff, public to anyone (the join form asks applicants to have read them).

Services flush, never commit (docs/architecture.md)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import defer

from app import audit
from app.clock import today
from app.errors import Conflict
from app.extensions import db
from app.models import Account
from app.uow import savepoint
from app.uploads import PDF_ONLY, checked_upload
from shares.errors import FutureDate
from shares.models import CoopDocument, DocumentKind


@dataclass(frozen=True)
class InForce:
    """The version in force of one document for a reader: in their language when it exists, else in
    another (``document.language`` says which); ``languages``: those this version exists in."""

    document: CoopDocument
    languages: tuple[str, ...]


def add_version(kind: DocumentKind, language: str, adopted_on: date, filename: str, data: bytes,
                actor: Account | None = None) -> CoopDocument:
    """A new version, or the file of the same document, language and date replaced."""
    if language not in current_app.config["LANGUAGES"]:
        raise ValueError(f"unknown language {language!r}")  # the form offers the three only
    if adopted_on > today():
        raise FutureDate()
    upload = checked_upload(filename, data, PDF_ONLY)
    document = db.session.scalar(select(CoopDocument).where(
        CoopDocument.kind == kind, CoopDocument.language == language, CoopDocument.adopted_on == adopted_on))
    replaced = document is not None
    # Two people publishing the same document, language and date at once: the second is told to reload.
    with savepoint(conflict=Conflict):
        if document is None:
            document = CoopDocument(kind=kind, language=language, adopted_on=adopted_on)
            db.session.add(document)
        document.filename, document.size, document.data = upload.filename, len(upload.data), upload.data
        document.uploaded_by_id = actor.id if actor else None
        db.session.flush()
    audit.record("shares.document.replace" if replaced else "shares.document.upload", document, actor=actor,
                 after={"kind": kind.value, "language": language, "adopted_on": adopted_on,
                        "filename": upload.filename, "size": len(upload.data)})
    return document


def withdraw(document: CoopDocument, actor: Account | None = None) -> None:
    """Take a version down (a file published by mistake); the audit log keeps what it was."""
    audit.record("shares.document.withdraw", document, actor=actor,
                 before={"kind": document.kind.value, "language": document.language,
                         "adopted_on": document.adopted_on, "filename": document.filename})
    db.session.delete(document)
    db.session.flush()


def versions() -> dict[DocumentKind, list[CoopDocument]]:
    """Every version of every document, newest first (without the files)."""
    rows = db.session.scalars(select(CoopDocument).options(defer(CoopDocument.data))
                              .order_by(CoopDocument.adopted_on.desc(), CoopDocument.id.desc()))
    out: dict[DocumentKind, list[CoopDocument]] = {kind: [] for kind in DocumentKind}
    for row in rows:
        out[row.kind].append(row)
    return out


def in_force(language: str, all_versions: dict[DocumentKind, list[CoopDocument]] | None = None,
             on: date | None = None) -> dict[DocumentKind, InForce]:
    """For each document that exists: the version in force on ``on`` (today), in ``language`` if it
    exists in it, else in the first of the cooperative's languages that has it (of ``all_versions``
    when the caller read them already)."""
    on = on or today()
    order = [language, *(lang for lang in current_app.config["LANGUAGES"] if lang != language)]
    out: dict[DocumentKind, InForce] = {}
    for kind, rows in (all_versions or versions()).items():
        current = [row for row in rows if row.adopted_on <= on]
        if not current:
            continue
        latest = current[0].adopted_on
        by_language = {row.language: row for row in current if row.adopted_on == latest}
        chosen = next(by_language[lang] for lang in order if lang in by_language)
        out[kind] = InForce(chosen, tuple(lang for lang in current_app.config["LANGUAGES"] if lang in by_language))
    return out
