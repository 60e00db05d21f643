"""Membership certificates: a PDF for the member, a public page that confirms one is genuine.

Issuing a certificate stores what it certifies (``CertificateIssue``: name, member number,
category, shares, year, date) under a random token; the public check page shows that snapshot,
so a member who later edits their name cannot change what an issued certificate says. A token
that is not ours is simply not found."""
from __future__ import annotations

import base64
import re
import secrets
from datetime import date

from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import today
from app.errors import DomainError
from app.extensions import db
from app.jobs import job_context
from app.mail import attachment_renderer
from app.web import euros, format_day
from shares.labels import category_words
from shares.models import CertificateIssue, Member
from shares.register import Holding, holding
from shares.standing import register_facts

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")  # certificates issued before 29 November 2026 may hold - and _
# New codes: 32 letters and digits that cannot be mistaken for one another (no 0, O, I, l), about 187 bits,
# and no hyphen, at which the address printed under the QR code would break as if it were a word's.
_TOKEN_LETTERS = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _new_token() -> str:
    return "".join(secrets.choice(_TOKEN_LETTERS) for _ in range(32))


class CertificateUnavailable(DomainError):
    """The member is not in good standing: ``reasons`` holds the codes from ``shares.standing``."""

    status = 409

    def __init__(self, reasons: list[str]):
        super().__init__(*reasons)
        self.reasons = reasons


def coop_identity() -> dict[str, str]:
    """The cooperative as a certificate names it, in the current language: legal name and form
    (the SC / CV of the 2019 Code), registered office, enterprise number."""
    cfg = current_app.config
    form = cfg.get("COOP_LEGAL_FORM", "SC")
    language = str(get_locale() or "fr")
    if form == "SC":  # the abbreviation of the 2019 Code differs by language
        form = {"nl": "CV", "fr": "SC"}.get(language, "SC")
    name = cfg.get("COOP_NAME", "")
    enterprise = cfg.get("COOP_ENTERPRISE_NUMBER", "")
    return {
        "name": f"{name} {form}".strip(),
        "form": _("cooperative company (SC/CV) under the Belgian Code of companies and associations of 2019"),
        "office": _("Registered office: %(office)s", office=cfg["COOP_REGISTERED_OFFICE"])
        if cfg.get("COOP_REGISTERED_OFFICE") else "",
        "enterprise": _("Enterprise number %(number)s", number=enterprise) if enterprise else "",
    }


def issue(member: Member, on: date, shares: int) -> CertificateIssue:
    """The certificate for ``on.year``: only for a member in good standing on that date. The same
    facts issued again the same year reuse the stored certificate (and its token)."""
    facts = register_facts(on, [member.id])[member.id]
    if facts.reasons(on):
        raise CertificateUnavailable(facts.reasons(on))
    existing = db.session.scalar(select(CertificateIssue).where(
        CertificateIssue.member_id == member.id, CertificateIssue.year == on.year,
        CertificateIssue.name == member.name, CertificateIssue.category == facts.category,
        CertificateIssue.shares == shares, CertificateIssue.capital_cents == facts.capital_cents,
        CertificateIssue.paid_cents == facts.paid_cents).order_by(CertificateIssue.id.desc()).limit(1))
    if existing is not None:
        return existing
    certificate = CertificateIssue(token=_new_token(), member_id=member.id, year=on.year,
                                   name=member.name[:200], number=member.number, category=facts.category,
                                   shares=shares, capital_cents=facts.capital_cents, paid_cents=facts.paid_cents,
                                   issued_on=on)
    db.session.add(certificate)
    db.session.flush()
    return certificate


def statements(certificate: CertificateIssue) -> list[tuple[str, str]]:
    """What a certificate states, as (label, value) in the current language: the PDF and the public
    check page say the same. Shares subscribed but not yet paid up are held (the register's figure),
    so the capital line says how much of it is paid up."""
    lines = [(_("Name"), certificate.name), (_("Member number"), str(certificate.number)),
             (_("Category"), category_words(certificate.category)), (_("Shares held"), str(certificate.shares))]
    if certificate.capital_cents is not None and certificate.paid_cents is not None:
        capital = euros(certificate.capital_cents)
        lines.append((_("Capital subscribed"), _("%(capital)s, paid up in full", capital=capital)
                      if certificate.paid_cents >= certificate.capital_cents else
                      _("%(capital)s, of which %(paid)s paid up", capital=capital, paid=euros(certificate.paid_cents))))
    return lines + [(_("Valid for"), str(certificate.year)), (_("Issued on"), format_day(certificate.issued_on, "long"))]


def holding_now(certificate: CertificateIssue) -> Holding | None:
    """The certified member's holding today: the public check says, beside what was certified, for whoever
    relies on the certificate, that they left since, or that paid-up capital was taken back since (a payment
    the bank returned, a correction)."""
    member = db.session.get(Member, certificate.member_id)
    return holding(member) if member is not None else None


def read_token(token: str) -> CertificateIssue | None:
    """The certificate a token stands for, as issued; None when we issued none with it."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return db.session.scalar(select(CertificateIssue).where(CertificateIssue.token == token))


def verification_url(certificate: CertificateIssue) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("shares.verify_certificate",
                                                                  token=certificate.token)


def filename(certificate: CertificateIssue) -> str:
    """The PDF's file name in the reader's language, in plain letters (no accent, no space)."""
    stem = _("membership-certificate")  # translated to plain letters and hyphens
    return f"{stem}-{certificate.number}-{certificate.year}.pdf"


def render_certificate_pdf(certificate: CertificateIssue, language: str | None = None) -> bytes:
    """The PDF in ``language`` (else the current one): dates and words in that language."""
    from app.qr import qr_png
    from shares.pdf import render_pdf

    with job_context(), force_locale(language or str(get_locale() or "fr")):
        url = verification_url(certificate)
        qr = base64.b64encode(qr_png(url, level="M", box_size=6)).decode()
        html = render_template("shares/me/certificate_pdf.html", certificate=certificate, coop=coop_identity(),
                               lines=statements(certificate),
                               verification_url=url, qr_data_uri=f"data:image/png;base64,{qr}")
    return render_pdf(html)


def as_of_now(certificate: CertificateIssue) -> CertificateIssue:
    """``certificate`` with the register's figures of now, within its year: issued again if one changed since
    it was stored (a bank statement that paid the renewal, then further down the member's last shares),
    the same one if none did; as it was issued once the year is over or the member no longer in good standing."""
    on = today()
    member = certificate.member
    if on.year != certificate.year or member is None:
        return certificate
    try:
        return issue(member, on, holding(member, on).shares)
    except CertificateUnavailable:
        return certificate


@attachment_renderer("shares.certificate")
def certificate_attachment(arg: str) -> bytes:
    """Made when the mail is sent, in its member's language: the certificate ``arg`` (its id) as the register
    stands then (``as_of_now``), so the figures are those after the whole transaction that queued the mail."""
    certificate = db.session.get(CertificateIssue, int(arg))
    if certificate is None:
        raise LookupError(f"certificate {arg} not found")
    return render_certificate_pdf(as_of_now(certificate), certificate.member.language)
