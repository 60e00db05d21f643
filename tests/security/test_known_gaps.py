"""Attacks from issue 10 on other packages' routes, kept as regression tests: a scrutineer's upload
(voting) and a bank statement import (shares). Their fixes were made by those packages' engineers; each
test names the route and the input, and would fail again if the attack came back."""
from __future__ import annotations

import io
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from app.extensions import db as _db
from app.models import Role
from tests.factories import make_account, sign_in

ROOT = Path(__file__).resolve().parents[2]


def _statement_with_amount(amount: str) -> bytes:
    from app.clock import today
    from shares.camt_writer import Credit, write_camt053

    document = write_camt053("BE71096123456769", "GAP-1", 0, [Credit(1000, today(), "Payer", text="gift")]).decode()
    return document.replace('<Amt Ccy="EUR">10.00</Amt>', f'<Amt Ccy="EUR">{amount}</Amt>', 1).encode()


def test_scrutineer_upload_of_deeply_nested_json_is_a_400(make_app, db):
    from voting import services
    from voting.demo import definition, demo_contests, make_kits

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    scrutineer = make_account(roles=(Role.SCRUTINEER,), email="gap-scrutineer@example.be")
    services.create_election(definition("gap-keys", "Keys", demo_contests(2, 2), make_kits(2), 2),
                             {"t1": scrutineer}, slug="gap-keys")
    _db.session.commit()
    client = app.test_client()
    sign_in(client, scrutineer)
    response = client.post("/voting/gap-keys/scrutineer/t1/upload",
                           data={"file": (io.BytesIO(b"[" * 100_000), "deep.json")})
    assert response.status_code == 400


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1E+30"])
def test_statement_amounts_that_are_not_money_are_refused_with_the_line(make_app, db, amount):
    """shares.statement_import (POST /staff/payments/import): the statement is refused (422, the form
    again with the error naming the line), never a 500, and nothing of it is stored."""
    from sqlalchemy import func, select

    from shares.models import BankTransaction

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    staff = make_account(roles=(Role.STAFF,), email=f"gap-staff-{amount.lower()}@example.be")
    client = app.test_client()
    sign_in(client, staff)
    statement = _statement_with_amount(amount)
    line = next(n for n, text in enumerate(statement.decode().splitlines(), start=1) if f">{amount}<" in text)
    response = client.post("/staff/payments/import", data={"statement": (io.BytesIO(statement), "s.xml")})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f"Line {line}: “{amount}” is not an amount." in unescape(body)  # the amount and where it is
    assert _db.session.scalar(select(func.count()).select_from(BankTransaction)) == 0


def test_a_huge_exponent_in_a_statement_does_not_hang_the_parser(tmp_path):
    """A guard against a hang, not a speed target (that belongs in bench/): the amount is refused
    before any arithmetic on a million-digit number; the minute leaves room for a loaded machine."""
    path = tmp_path / "s.xml"
    path.write_bytes(_statement_with_amount("9E+999990"))
    code = ("import sys; from shares.camt import parse_camt053\n"
            "try:\n    parse_camt053(open(sys.argv[1], 'rb').read())\nexcept Exception:\n    pass\n")
    try:
        subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, timeout=60, check=True, capture_output=True)
    except subprocess.TimeoutExpired:
        pytest.fail("parsing one amount did not end within a minute")
