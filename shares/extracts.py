"""A member's extract of the share register: every entry about them, as the register holds it.

A certificate says "in good standing this year" and needs it; an extract says what the register
holds (shares, capital, every dated entry) and is there for any member, paid up or not, who has
left or has lapsed: the proof a bank, a notary or the member themselves asks for. Members download
their own from "My shares"; staff download anyone's from the member's page."""
from __future__ import annotations

from datetime import date

from flask import Response, render_template
from flask_babel import gettext as _

from app.clock import today
from shares import register
from shares.certificates import coop_identity
from shares.models import Member
from shares.pdf import pdf_response, render_pdf


def render_extract_pdf(member: Member, on: date) -> bytes:
    """The extract as of ``on``, in the current language."""
    entries = [e for e in register.member_entries(member) if e.effective_on <= on]
    html = render_template("shares/register_extract_pdf.html", member=member, on=on, coop=coop_identity(),
                           holding=register.holding(member, on),
                           entries=entries, ahead=register.paid_ahead(entries))
    return render_pdf(html)


def extract_response(member: Member) -> Response:
    """Today's extract as a download (the member's own page and the staff's member page)."""
    on = today()
    return pdf_response(render_extract_pdf(member, on), filename(member, on))


def filename(member: Member, on: date) -> str:
    """In the reader's language, plain letters (no accent, no space)."""
    stem = _("register-extract")  # translated to plain letters and hyphens
    return f"{stem}-{member.number}-{on:%Y%m%d}.pdf"
