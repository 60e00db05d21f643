"""HTML to PDF with WeasyPrint (the register, certificates)."""
from __future__ import annotations

from flask import Response


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()


def pdf_response(data: bytes, filename: str, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})


def pdf_page(template: str, filename: str, inline: bool = False, **context) -> Response:
    """A template rendered as the PDF answering this request (its links and images resolved against the site)."""
    from flask import render_template, request

    return pdf_response(render_pdf(render_template(template, **context), base_url=request.url_root), filename, inline)


def register_pdf(on) -> bytes:
    """The legal register as of ``on`` as PDF bytes (see ``shares.exports``: drawn directly, about
    15 s for 36,000 members; the web asks a background job for it)."""
    import io

    from shares.exports import write_register_pdf

    out = io.BytesIO()
    write_register_pdf(on, out)
    return out.getvalue()
