"""The statement import speaks to staff in sentences: a refused file says why in the reader's language,
with the line, entry and amounts in euros staff need to find the spot, never the parser's English;
and nothing of a refused file is recorded."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry
from shares.camt_writer import Credit, write_camt053
from shares.models import BankStatementImport, BankTransaction
from shares.settings import setting
from tests.shares.test_camt import _batch

D = date(2024, 3, 4)
NBSP = "\u00a0"


def _good() -> bytes:
    return write_camt053(setting("COOP_IBAN"), "S-1", 0, [Credit(3000, D, "Someone")])


def _upload(client, data: bytes, language: str = "fr"):
    client.post("/language", data={"language": language, "next": "/"})
    response = client.post("/staff/payments/import", data={"statement": (io.BytesIO(data), "extrait.xml")},
                           content_type="multipart/form-data")
    # the test client spools a large body to a temporary file, which a refused (unread) request leaves open
    response.request.environ["wsgi.input"].close()
    text = re.sub(r"\s+", " ", response.get_data(as_text=True).replace(NBSP, " ").replace("&#39;", "'")
                  .replace("\u202f", " "))
    return response.status_code, text


def _nothing_recorded():
    for model in (BankStatementImport, BankTransaction):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "shares.statement.import")) == 0


@pytest.mark.parametrize("file, sentences, never", [
    (lambda: b"", ["Ce fichier est vide. Exportez à nouveau l'extrait depuis la banque."], []),
    (lambda: b"not xml at all", ["Ce fichier n'est pas du XML."], ["Start tag expected", "Détails"]),
    (lambda: b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
     ["Ce n'est pas un extrait de compte camt.053."], ["pain.001", "urn:iso", "Détails"]),
    (lambda: _good()[: len(_good()) // 2], ["Ce fichier est incomplet"], ["Premature end", "Détails"]),
    (lambda: _good().replace(b">30.00<", b">9E+999990<"),
     ["Cet extrait contient un montant, une date ou une écriture non valable.",
      "Ligne 2 : « 9E+999990 » n'est pas un montant."], ["amount '", "on line"]),
    (lambda: _good().replace(b">30.00<", b">30.005<"), ["Ligne 2 : le montant 30.005 compte des fractions de cent."], []),
    (lambda: _good().replace(b"<BookgDt><Dt>2024-03-04</Dt>", b"<BookgDt><Dt>2024-13-45</Dt>"),
     ["« 2024-13-45 » n'est pas une date."], []),
    (lambda: _batch([None, "10.00", "20.00"]),
     ["Extrait S-B, écriture 1 (ligne 2) : ses paiements font ensemble 30,00 €, mais l'écriture indique 40,00 €."],
     ["cents", "add up"]),
    (lambda: _batch([None, "10.00", None]), ["Extrait S-B, écriture 1 (ligne 2) : un paiement du lot n'a pas de montant."], []),
    (lambda: write_camt053("BE68539007547034", "S-2", 0, [Credit(3000, D, "Someone")]),
     ["Cet extrait concerne un compte qui n'est pas celui de la coopérative.",
      "Comptes dans ce fichier : BE68 5390 0754 7034."], []),
])
def test_a_refused_file_says_why_in_french_and_records_nothing(client, login_as, file, sentences, never):
    login_as("staff")
    status, text = _upload(client, file())
    assert status == 422
    for sentence in sentences:
        assert sentence in text
    for word in never:
        assert word not in text
    _nothing_recorded()


def test_a_skipped_statement_says_where_in_words(client, login_as):
    login_as("staff")
    good = write_camt053(setting("COOP_IBAN"), "GOOD", 0, [Credit(3000, D, "Someone")])
    bad = good.replace(b"<Id>GOOD</Id>", b"<Id>BAD</Id>").replace(b">30.00<", b">1,50<")
    stmt = bad[bad.index(b"<Stmt>"):bad.index(b"</Stmt>") + 7]
    status, text = _upload(client, good.replace(b"</Stmt>", b"</Stmt>" + stmt, 1))
    assert status == 200
    assert "n'est pas un montant." in text and "« 1,50 »" in text
    assert "amount '" not in text


def test_a_file_too_large_is_refused_with_its_limit_in_words(client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config["UPLOAD_LIMITS"], "shares.statement_import", 1024 * 1024)
    login_as("staff")
    status, text = _upload(client, _good() + b" " * (1024 * 1024))
    assert status == 413
    assert "Ce fichier est trop volumineux : on peut envoyer ici au plus 1 Mo." in text
    _nothing_recorded()


def test_the_same_refusal_in_dutch_and_english(client, login_as):
    login_as("staff")
    data = _batch([None, "10.00", "20.00"])
    status, text = _upload(client, data, "nl")
    assert status == 422 and "de betalingen samen zijn 30,00 €, maar de boeking vermeldt 40,00 €." in text
    status, text = _upload(client, data, "en")
    assert status == 422 and "its payments add up to 30.00 €, but the entry says 40.00 €." in text
