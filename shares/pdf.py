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


def register_pdf(on) -> bytes:
    """The legal register as of ``on``. Minutes for tens of thousands of members: for the full
    register use ``flask shares register-pdf``, which no web server timeout cuts short."""
    from flask import render_template

    from shares import register

    html = render_template("shares/register_pdf.html", rows=register.iter_register_rows(on), on=on,
                           totals=register.totals(on))
    return render_pdf(html)
