"""Words the application writes into the register itself (a correction's reason, a refund's note) are kept
in the cooperative's language, as the legal record is, and read in the reader's: the staff's page, the
member's own page and its PDF extract, the refund list and its CSV. What staff typed is shown as typed, and
rows stored before this (the same sentences, in whichever language) read the same way."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from shares import register
from shares.labels import PAYMENT_RETURNED, register_note, register_words
from shares.models import EntryKind, ShareEntry
from tests.factories import sign_in

IBAN = "BE62510007547061"


def _words(response) -> str:
    return " ".join(unescape(re.sub("<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def french_cooperative():
    current_app.config["BABEL_DEFAULT_LOCALE"] = "fr"
    yield
    current_app.config["BABEL_DEFAULT_LOCALE"] = "en"


def test_a_sentence_the_register_wrote_reads_in_each_language_and_staff_words_stay_as_typed(french_cooperative):
    with current_app.test_request_context():
        with force_locale("fr"):
            stored = register_words(PAYMENT_RETURNED)  # as a French cooperative keeps it
            assert stored == "Paiement renvoyé par la banque"
        with force_locale("en"):
            assert register_note(stored) == "Payment returned by the bank"
            assert register_note(f"{stored}: chèque sans provision") == "Payment returned by the bank: chèque sans provision"
            # An older row, typed with a plain space and another case, and a Dutch one, read the same.
            assert register_note("non payées : le sociétaire est parti") == "Not paid: the member left"
            assert register_note("Niet betaald: het lid is vertrokken") == "Not paid: the member left"
            assert register_note("Erreur de frappe : 3 parts, pas 30") == "Erreur de frappe : 3 parts, pas 30"
            assert register_note("Not paid") == "Not paid" and register_note(None) == register_note("") == ""
        with force_locale("nl"):
            assert register_note("Non payées\u00a0: le sociétaire est parti") == "Niet betaald: het lid is vertrokken"
        with pytest.raises(AssertionError):
            register_words("Typed by someone")  # only the sentences register_note can read back


def test_an_exit_s_correction_is_kept_in_french_and_read_in_english_and_dutch(
        client, login_as, make_member, make_staff, french_cooperative):
    member = make_member(iban=IBAN, language="nl")
    register.subscribe(member, 2, on=date(2024, 1, 1))  # never paid: the exit takes it back
    register.resign(member, on=date(2024, 2, 1), actor=make_staff())
    db.session.commit()
    correction = db.session.scalar(select(ShareEntry).where(ShareEntry.member_id == member.id,
                                                            ShareEntry.kind == EntryKind.CORRECTION))
    assert " ".join(correction.note.split()) == "Non payées : le sociétaire est parti"  # the legal record's language
    login_as("staff")
    staff_page = _words(client.get(f"/staff/members/{member.id}"))
    assert "Not paid: the member left" in staff_page and "Non payées" not in staff_page
    sign_in(client, member.account)
    own_page = _words(client.get("/me/shares"))
    assert "Niet betaald: het lid is vertrokken" in own_page and "Non payées" not in own_page


def test_a_note_typed_by_staff_is_shown_as_typed(client, login_as, make_member, make_staff):
    member = make_member(iban=IBAN)
    _entry, request = register.subscribe(member, 1, on=date(2024, 1, 1))
    register.record_payment(request, 3000, on=date(2024, 1, 5))
    db.session.commit()
    payment = db.session.scalar(select(ShareEntry).where(ShareEntry.kind == EntryKind.PAYMENT))
    register.correct(payment, reason="Paiement renvoyé par erreur", paid_cents=-1000, actor=make_staff())
    db.session.commit()
    login_as("staff")
    assert "Paiement renvoyé par erreur" in _words(client.get(f"/staff/members/{member.id}"))
