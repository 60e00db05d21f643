"""Membership certificates: a PDF for the member, a public page that confirms one is genuine.

The verification token is stateless: the member's id, the year the certificate is valid for and the
category it states, signed with an HMAC under a key derived from ``CERTIFICATE_KEY`` (else the
app's ``SECRET_KEY``). Anyone holding the token learns what the certificate itself says (name,
member number, category, year) and nothing more; a forged or altered token is refused."""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template, url_for

from app.errors import DomainError
from app.extensions import db
from shares.models import Category, Member
from shares.standing import register_facts

_TAG_BYTES = 12


class CertificateUnavailable(DomainError):
    """The member is not in good standing: ``reasons`` holds the codes from ``shares.standing``."""

    def __init__(self, reasons: list[str]):
        super().__init__(*reasons)
        self.reasons = reasons


def _key() -> bytes:
    secret = current_app.config.get("CERTIFICATE_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(str(secret).encode(), b"une-voix membership certificate v1", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(member_id: int, year: int, category: Category) -> str:
    body = f"{member_id}.{year}.{category.value}"
    tag = hmac.new(_key(), body.encode(), hashlib.sha256).digest()[:_TAG_BYTES]
    return f"{body}.{_b64(tag)}"


@dataclass(frozen=True)
class Certificate:
    member: Member
    year: int
    category: Category
    token: str

    @property
    def verification_url(self) -> str:
        return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("shares.verify_certificate", token=self.token)


def read_token(token: str) -> Certificate | None:
    """The certificate a token stands for, or None when it is not one we signed."""
    try:
        member_id, year, category, tag = token.split(".")
        expected = hmac.new(_key(), f"{member_id}.{year}.{category}".encode(), hashlib.sha256).digest()[:_TAG_BYTES]
        if not hmac.compare_digest(_unb64(tag), expected):
            return None
        member = db.session.get(Member, int(member_id))
        return Certificate(member, int(year), Category(category), token) if member else None
    except (ValueError, TypeError):
        return None


def issue(member: Member, on: date) -> Certificate:
    """The certificate for ``on.year``: only for a member in good standing on that date."""
    facts = register_facts(on, [member.id])[member.id]
    if facts.reasons(on):
        raise CertificateUnavailable(facts.reasons(on))
    return Certificate(member, on.year, facts.category, make_token(member.id, on.year, facts.category))


def render_certificate_pdf(certificate: Certificate, holding_shares: int, issued_on: date) -> bytes:
    from app.qr import qr_png
    from shares.pdf import render_pdf

    qr = base64.b64encode(qr_png(certificate.verification_url, level="M", box_size=6)).decode()
    html = render_template("shares/me/certificate_pdf.html", certificate=certificate, member=certificate.member,
                           shares=holding_shares, issued_on=issued_on, qr_data_uri=f"data:image/png;base64,{qr}",
                           coop_name=current_app.config.get("COOP_NAME", ""))
    return render_pdf(html)
