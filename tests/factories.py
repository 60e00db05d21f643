"""Factories and helpers shared by the tests. Imported once, as ``tests.factories``."""
from __future__ import annotations

import csv
import io
import itertools
import os
import re
import subprocess
import tempfile
from contextlib import contextmanager

from flask_login.utils import _create_identifier

from app.csvexport import BYTE_ORDER_MARK, SEPARATOR
from app.extensions import db as _db
from app.models import Account, AccountRole, Role
from shares.models import Category, MemberKind

# Kept in the environment so that every app a test run creates, and any subprocess, names the same database.
_TMP = os.environ.setdefault("UNEVOIX_TEST_TMP", tempfile.mkdtemp(prefix="unevoix-test-"))
DATABASE_URI = os.environ.get("UNEVOIX_SQLALCHEMY_DATABASE_URI") or f"sqlite:///{_TMP}/test.db"
ON_POSTGRES = DATABASE_URI.startswith("postgresql")

_counter = itertools.count(1)

# PostgreSQL: the sequences of each table (serial and identity columns), read once from the catalogue.
_SEQUENCES_OF_TABLE = """
SELECT t.relname, s.relname FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i') AND pg_table_is_visible(t.oid)"""
_sequences: dict[str, list[str]] | None = None


def empty_tables(conn, tables: list[str]) -> None:
    """Delete every row of ``tables`` (children first, as ``reversed(metadata.sorted_tables)`` gives them)
    and start their ids from 1 again, as a new database would.

    On PostgreSQL this is DELETE and a sequence restart in one round trip, not TRUNCATE: TRUNCATE makes
    new files for each table and its indexes, which costs about 0.1 s a test on tables of a few rows."""
    from sqlalchemy import text

    global _sequences
    if not tables:
        return
    if not ON_POSTGRES:
        for name in tables:  # SQLite gives the next id as the largest + 1: empty, it starts at 1 again
            conn.execute(text(f"DELETE FROM {name}"))
        return
    if _sequences is None:
        _sequences = {}
        for table, sequence in conn.execute(text(_SEQUENCES_OF_TABLE)):
            _sequences.setdefault(table, []).append(sequence)
    statements = [f'DELETE FROM "{name}"' for name in tables]
    statements += [f'ALTER SEQUENCE "{sequence}" RESTART' for name in tables for sequence in _sequences.get(name, [])]
    conn.exec_driver_sql("; ".join(statements))


_table_names: list[str] | None = None


def table_names() -> list[str]:
    """Every table, parents first (``metadata.sorted_tables``, which sorts the whole schema again at each
    reading: the fuzzer and the cleanup ask thousands of times), kept while the schema holds the same tables."""
    global _table_names
    if _table_names is None or len(_table_names) != len(_db.metadata.tables):
        _table_names = [t.name for t in _db.metadata.sorted_tables]
    return _table_names


def row_counts() -> dict[str, int]:
    """Rows in every table (and so audit rows), read on a fresh connection (no stale snapshot)."""
    from sqlalchemy import text

    tables = table_names()
    query = "SELECT " + ", ".join(f"(SELECT count(*) FROM {name})" for name in tables)
    with _db.engine.connect() as conn:
        return dict(zip(tables, conn.execute(text(query)).one()))


@contextmanager
def database_shared_by_module(data_app):
    """For a module's ``db`` fixture (scope="module") in place of the clean database per test of
    tests/conftest.py: one world built once for the module's tests, every table emptied at the end."""
    with data_app.app_context():
        yield _db
        _db.session.remove()
        with _db.engine.begin() as conn:
            empty_tables(conn, table_names()[::-1])


def make_account(roles: tuple[Role, ...] = (), email: str | None = None, language: str = "en",
                 password: str | None = None) -> Account:
    from app.auth.services import set_password

    account = Account(email=email or f"person{next(_counter)}@example.be", display_name="Test Person",
                      language=language, roles=[AccountRole(role=r) for r in roles])
    _db.session.add(account)
    _db.session.flush()
    if password:
        set_password(account, password)
    _db.session.commit()
    return account


def make_member_obj(category: Category | None = None, kind: MemberKind = MemberKind.NATURAL,
                    language: str = "en", email: str | None = None, **fields):
    from shares.services import create_member

    category = category or (Category.B if kind is MemberKind.LEGAL else Category.A)  # the statutes' rule
    n = next(_counter)
    defaults = ({"legal_name": f"ASBL Test {n}"} if kind is MemberKind.LEGAL
                else {"first_name": "Test", "last_name": f"Member{n}"})
    defaults |= {"street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles"}
    member = create_member(email=email or f"member{n}@example.be", kind=kind, category=category,
                           language=language, **(defaults | fields))
    _db.session.commit()
    return member


def give_paid_share(member, on=None):
    """One share subscribed and paid on ``on`` (default: 2 January of this year): a member of the
    cooperative in good standing, as the register says it (shares.standing)."""
    from datetime import date

    from app.clock import today
    from shares.models import EntryKind, ShareEntry

    on = on or date(today().year, 1, 2)
    _db.session.add(ShareEntry(member_id=member.id, kind=EntryKind.SUBSCRIPTION, effective_on=on, shares=1,
                               capital_cents=3000, amount_cents=3000, category=member.category))
    _db.session.add(ShareEntry(member_id=member.id, kind=EntryKind.PAYMENT, effective_on=on, paid_cents=3000,
                               amount_cents=3000))
    _db.session.commit()
    return member


def sign_in(client, account: Account) -> None:
    """Put ``account`` in the client's session as Flask-Login's strong protection expects."""
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = account.get_id()
        session["_fresh"] = True
        session["_id"] = identifier


def session_csrf_token(client) -> str:
    """The CSRF token every page would give this client (flask_wtf's ``generate_csrf`` on its session,
    which keeps the secret it draws), without asking for a page: the home page costs a request."""
    from flask.ctx import RequestContext
    from flask.testing import EnvironBuilder
    from flask_wtf.csrf import generate_csrf

    with client.session_transaction() as session:  # saved back to the client's cookie afterwards
        environ = EnvironBuilder(client.application, "/").get_environ()
        with RequestContext(client.application, environ, session=session):
            return generate_csrf()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def load_smallest_demo(app, monkeypatch, folder) -> None:
    """``flask demo --members 60``, the fewest it accepts, its files written to ``folder`` (not beside
    the test database)."""
    from assemblies import demo as assemblies_demo
    from shares import demo_register
    from voting import demo as voting_demo

    for module in (demo_register, voting_demo, assemblies_demo):
        monkeypatch.setattr(module, "files_folder", lambda: folder)
    loaded = app.test_cli_runner().invoke(args=["demo", "--members", "60"])
    assert loaded.exit_code == 0, (loaded.output, loaded.exception)


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a CSV the app wrote (app.csvexport: a byte-order mark, cells separated by ``;``)."""
    return list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK), newline=""), delimiter=SEPARATOR))


def register_version(html: str) -> str:
    """The member's register version a staff confirmation page carries (it goes ahead once)."""
    return re.search(r'name="register_version" value="(\d+)"', html).group(1)


def pdf_text(data: bytes, tmp_path, *, layout: bool = True) -> str:
    """A PDF's text as ``pdftotext`` reads it (``layout``: lines as laid out on the page)."""
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
