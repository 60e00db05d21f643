"""The cooperative's documents: the public list (statutes, privacy notice, internal rules, with their
earlier versions), a file, and the staff page that adds a version."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import permission_required
from app.errors import DomainError, error_message
from app.uow import unit_of_work
from app import uploads
from app.uploads import file_response
from app.web import allow_upload, render
from shares import documents
from shares.errors import FutureDate
from shares.forms import ConfirmForm, CoopDocumentForm
from shares.models import CoopDocument
from shares.permissions import can_manage_documents
from shares.views.blueprint import bp, row_or_404


@bp.route("/documents/")
def documents_index():
    versions = documents.versions()
    return render("shares/documents.html", in_force=documents.in_force(str(get_locale()), versions),
                  versions=versions)


@bp.route("/documents/<int:document_id>/<path:filename>")
def document_file(document_id: int, filename: str):
    """The file name in the address is for the reader's download; the id decides."""
    document = row_or_404(CoopDocument, document_id)
    return file_response(document.data, "application/pdf", document.filename)


def _staff_page(form: CoopDocumentForm, status: int = 200):
    return render("shares/documents_manage.html", status=status, form=form, versions=documents.versions())


@bp.route("/staff/documents", methods=["GET", "POST"])
@allow_upload(uploads.MAX_REQUEST_BYTES, uploads.MAX_BYTES)
@permission_required(can_manage_documents)
def documents_manage():
    form = CoopDocumentForm()
    if not form.is_submitted():
        return _staff_page(form)
    if not form.validate():
        return _staff_page(form, 400)
    try:
        with unit_of_work():
            document = documents.add_version(form.document_kind(), form.language.data, form.adopted_on.data,
                                             form.file.data.filename or "", form.file.data.read(uploads.MAX_BYTES + 1),
                                             actor=current_user)
    except DomainError as exc:
        (form.adopted_on if isinstance(exc, FutureDate) else form.file).errors.append(error_message(exc))
        return _staff_page(form, exc.status)
    flash(_("The document is published: anyone can read it under “Statutes and documents”."), "success")
    return redirect(url_for("shares.documents_manage") + f"#document-{document.id}")


@bp.route("/staff/documents/<int:document_id>/withdraw", methods=["GET", "POST"])
@permission_required(can_manage_documents)
def document_withdraw(document_id: int):
    document = row_or_404(CoopDocument, document_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render("shares/document_withdraw.html", document=document, form=form,
                      status=400 if form.is_submitted() else 200)
    with unit_of_work():
        documents.withdraw(document, actor=current_user)
    flash(_("The document is withdrawn: nobody can read this version any more."), "success")
    return redirect(url_for("shares.documents_manage"))
