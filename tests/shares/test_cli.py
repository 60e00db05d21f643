from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from shares import register
from shares.camt_writer import Credit, write_camt053
from shares.models import BankTransaction, PaymentStatus
from shares.settings import setting


def test_import_statement_command_is_idempotent(app, make_member, tmp_path):
    _, request = register.subscribe(make_member(), 1, on=date(2024, 1, 1))
    db.session.commit()
    path = tmp_path / "statement.xml"
    path.write_bytes(write_camt053(setting("COOP_IBAN"), "S1", 100, [
        Credit(3000, date(2024, 1, 3), "X", reference=request.reference), Credit(99, date(2024, 1, 3), "Y")],
        closing_cents=5))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["shares", "import-statement", str(path)])
    assert first.exit_code == 0, first.output
    # The staff's import page's words, the amounts in euros.
    assert first.output.splitlines()[:3] == [
        "1 statement imported. 2 new transactions recorded.", "New transactions: 30.99 € in, 0.00 € out.",
        "  - 1 payment paid its request automatically."]
    assert "  - 1 payment waits in the queue for staff:" in first.output
    assert "Statement S1 does not balance: opening 1.00 € plus entries 30.99 € is not the closing balance 0.05 €" in first.output
    second = runner.invoke(args=["shares", "import-statement", str(path), "--language", "fr"])
    assert second.exit_code == 0 and "Cet extrait a déjà été importé le" in second.output and "Rien n'a changé." in second.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BankTransaction)) == 2
    assert request.status is PaymentStatus.PAID


def test_import_statement_command_refuses_bad_file(app, tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(b"<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt>")
    result = app.test_cli_runner().invoke(args=["shares", "import-statement", str(path)])
    assert result.exit_code != 0 and "This file is incomplete (cut short)." in result.output
    assert "Nothing was imported." in result.output
    french = app.test_cli_runner().invoke(args=["shares", "import-statement", str(path), "--language", "fr"])
    assert french.exit_code != 0 and "Rien n'a été importé." in french.output and "Nothing" not in french.output
    assert db.session.scalar(select(func.count()).select_from(BankTransaction)) == 0


def test_demo_register_loader(app):
    import random

    from app.demo import DemoContext
    from shares.bank import import_statement
    from shares.demo import load_members
    from shares.demo_register import build_history, demo_statement

    ctx = DemoContext(members=40, rng=random.Random(7))
    load_members(ctx)
    today = clock.today()
    open_requests = build_history(ctx, ctx.data["members"], today)
    db.session.commit()
    result = import_statement(demo_statement(open_requests, today, ctx.rng))
    assert len(open_requests) == 5 and not result.unbalanced
    # 0 partial, 1 overpaid, 2 named but without communication, 3 unpaid, 4 a typing slip; a stranger; a debit.
    assert result.counts == {"partial": 1, "overpaid": 1, "no_reference": 2, "bad_reference": 1, "debit": 1}


def test_register_pdf_command_writes_the_register_as_of_a_date(app, make_member, tmp_path):
    import subprocess

    member = make_member(last_name="Vandenbroucke")
    register.subscribe(member, 2, on=date(2024, 1, 1))
    db.session.commit()
    path = tmp_path / "register.pdf"
    result = app.test_cli_runner().invoke(args=["shares", "register-pdf", str(path), "--on", "2024-06-30"])
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Vandenbroucke" in text and re.search(r"\b1 ?/ ?1\b", text) and "{nb}" not in text
    # Counts in their plural forms: one member, two shares (it said "1 members").
    assert "Category A: 1 member, 2 shares, capital subscribed 60.00 €, paid 0.00 €" in " ".join(text.split())
    # In French, the heading too; an address wider than its column is cut onto lines, not run over the next.
    member.street = "Rue" + "x" * 150
    db.session.commit()
    french = tmp_path / "fr.pdf"
    app.test_cli_runner().invoke(args=["shares", "register-pdf", str(french), "--on", "2024-06-30", "--language", "fr"])
    layout = subprocess.run(["pdftotext", "-layout", str(french), "-"], capture_output=True, text=True, check=True).stdout
    assert "Registre des parts au 30 juin 2024" in layout and "Share register" not in layout
    assert re.search(r"Catégorie A\s*:\s*1 sociétaire, 2 parts, capital souscrit", layout)
    assert max(len(line) for line in layout.splitlines() if "xxxx" in line) < 200
    before = tmp_path / "before.pdf"
    app.test_cli_runner().invoke(args=["shares", "register-pdf", str(before), "--on", "2023-12-31"])
    text = subprocess.run(["pdftotext", str(before), "-"], capture_output=True, text=True, check=True).stdout
    assert "Vandenbroucke" not in text


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_register_pdf_headings_are_never_cut_mid_word(app, make_member, tmp_path, language):
    """A heading word too wide for its column (Dutch "Hernieuwingsbijdragen") is hyphenated where the
    language allows ("Hernieuwings-" / "bijdragen"), never cut without a hyphen ("Aandele" / "n")."""
    import subprocess

    from flask_babel import force_locale

    from shares.exports import register_pdf_heading

    register.subscribe(make_member(), 2, on=date(2024, 1, 1))
    db.session.commit()
    path = tmp_path / "register.pdf"
    result = app.test_cli_runner().invoke(args=["shares", "register-pdf", str(path), "--on", "2024-06-30",
                                                "--language", language])
    assert result.exit_code == 0, result.output
    with app.test_request_context(), force_locale(language):
        words = [word for text in register_pdf_heading() for word in text.split()]
    text = subprocess.run(["pdftotext", "-raw", "-l", "1", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    # The lines between the title and the first category's totals: the headings.
    lines = text.splitlines()[1:]
    printed = " ".join(lines[:next(k for k, line in enumerate(lines) if line.startswith(("Categor", "Catégor")))]).split()
    whole = [w for w in printed if not w.endswith("-")]
    heads = [w[:-1] for w in printed if w.endswith("-")]
    for word in words:
        assert word in whole or any(word.startswith(head) and word[len(head):] in whole for head in heads), \
            (word, printed)
    if language == "nl":
        assert "Hernieuwings-" in printed and "bijdragen" in printed and "Aandelen" in printed


def test_import_statement_command_names_the_statements_it_skipped(app, tmp_path, monkeypatch):
    from pathlib import Path

    belfius = Path(__file__).parent / "data" / "camt" / "be-belfius-lino-COD_20150907_O25MMF107I.xml"
    from flask import current_app

    for each in {app, current_app._get_current_object()}:  # the command runs in the test's app context
        monkeypatch.setitem(each.config, "SHARES_BANK_ACCOUNTS", ["BE83540256917919"])
    result = app.test_cli_runner().invoke(args=["shares", "import-statement", str(belfius)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 statement imported.")
    assert "62 statements skipped" in result.output
    assert "  - Statement 1 (152500000475073/000001-000001), without an account number: the statement does not say " \
           "which account it is for." in result.output
    assert "  - Statement 2 (152500000475073/000001-000002), account AL73 5528 9158 3236 7873 8469 0218: not one of the" \
           " cooperative's accounts." in result.output
    assert result.output.count("  - Statement ") == 62
    other = app.test_cli_runner().invoke(args=["shares", "import-statement", str(
        Path(__file__).parent / "data" / "camt" / "be-tryton-camt.053.001.02.xml")])
    assert other.exit_code != 0 and "an account that is not the cooperative's" in other.output
    assert "BE55 4429 6884 7144" in other.output and "Nothing was imported." in other.output
