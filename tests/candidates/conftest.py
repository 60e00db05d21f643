"""Fixtures for candidacies: members in good standing today, an open call, a real small image."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from app.clock import today
from app.extensions import db
from app.models import Role
from shares import register
from shares.models import Category, MemberKind
from tests.factories import make_account, make_member_obj


def png_bytes(size=(40, 50), colour=(120, 30, 90), fmt="PNG", exif: bytes | None = None) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def make_standing_member(category: Category = Category.A, kind: MemberKind = MemberKind.NATURAL,
                         language: str = "en", paid: bool = True, **fields):
    """A member who joined (and paid) earlier this year: in good standing."""
    from shares.register import record_payment

    member = make_member_obj(category=category, kind=kind, language=language, **fields)
    joined = max(date(today().year, 1, 1), today() - timedelta(days=20))  # this year: counts as renewed
    _entry, request = register.subscribe(member, 1, on=joined)
    if paid:
        record_payment(request, request.amount_cents, on=joined)
    db.session.commit()
    return member


@pytest.fixture
def standing_member():
    return make_standing_member


@pytest.fixture
def secretary():
    return make_account(roles=(Role.SECRETARY,))


def call_values(**overrides) -> dict:
    now = today()
    values = dict(slug="board-test", title_fr="Appel", title_nl="Oproep", title_en="Call",
                  text_fr="Texte", text_nl="Tekst", text_en="Text", opens_on=now - timedelta(days=5),
                  closes_on=now + timedelta(days=20), vote_opens_on=now + timedelta(days=30),
                  seats_a=3, seats_b=2, term_years=4, staff_in_category_b=True)
    values.update(overrides)
    return values


@pytest.fixture
def open_call(secretary):
    """``open_call(**overrides)``: a created and announced call (announcement mails queued)."""
    from candidates import services

    def make(**overrides):
        call = services.create_call(actor=secretary, **call_values(**overrides))
        services.announce_call(call, actor=secretary)
        db.session.commit()
        return call
    return make


def full_fields(**overrides) -> dict:
    fields = {"language": "fr", "published_name": "Camille Dubois", "biography": "Formatrice depuis 2015.",
              "motivation": "Porter la voix des membres.", "skills": ["finance", "it"], "skills_other": "",
              "vision": "Une coopérative transparente.", "gender": "woman", "no_conflict": True,
              "consent_publication": True}
    fields.update(overrides)
    return fields


@pytest.fixture
def apply():
    """``apply(call, member, submit=True, **fields)``: a complete application (with a photo)."""
    from candidates import services

    def make(call, member, submit=True, **overrides):
        application = services.save_application(call, member, full_fields(**overrides), photo=png_bytes(),
                                                actor=member.account)
        if submit:
            services.submit_application(application, actor=member.account)
        db.session.commit()
        return application
    return make
