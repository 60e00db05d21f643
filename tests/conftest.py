"""Shared fixtures: the app on SQLite or (with UNEVOIX_SQLALCHEMY_DATABASE_URI) PostgreSQL,
a clean database per test, signed-in clients, factories, captured mail, a query counter."""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import settings
from sqlalchemy import event
from sqlalchemy.engine import Engine

os.environ["UNEVOIX_ENV"] = "testing"

from app import audit, create_app  # noqa: E402
from app.extensions import db as _db  # noqa: E402
from app.extensions import limiter  # noqa: E402
from app.models import Account, OutboxMessage, Role  # noqa: E402
from tests.factories import (  # noqa: E402,F401  (re-exported for older imports)
    DATABASE_URI, ON_POSTGRES, csrf_token, empty_tables, make_account, make_member_obj, sign_in, table_names)

# Property tests check what a function answers, never how fast: Hypothesis's default deadline (200 ms an
# example) failed them on a machine busy with other test runs.
settings.register_profile("unevoix", deadline=None)
settings.load_profile("unevoix")




@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py marks its tests
def pytest_collection_modifyitems(config, items):
    """A test run on one database only says why (docs/architecture.md, "Tests"). The browser tests
    come last: in `make test` the other run has ended by then, and the browser, the live server
    and the test share the two cores where a test alone would leave one idle."""
    for item in items:
        for mark in item.iter_markers("sqlite_only"):
            if not mark.kwargs.get("reason"):
                raise pytest.UsageError(f"{item.nodeid}: sqlite_only needs reason=\"...\" (why PostgreSQL adds nothing)")
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def app():
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI, "SERVER_NAME": None})
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def data_app(app):
    """A second app on the same database for the test's own reads and writes.

    Tests run inside its application context; requests made with ``client`` then push the
    served app's own context, so nothing (``g``, the session, the locale) leaks between a test
    and the requests it makes, as between a browser and a real server."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})
    yield other
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def make_app():
    """``make_app(**config)``: another app on the test database; its connections close after the test."""
    made = []

    def make(**config):
        made.append(create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI, **config}))
        return made[-1]
    yield make
    for other in made:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


# Tables inserted into since the last cleanup, seen on every engine (the test's own, the served app's,
# extra apps'), so that the cleanup after a test empties only those.
_written: set[str] = set()
_INSERT = re.compile(r'^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+"?(\w+)"?', re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute")
def _note_written_table(conn, cursor, statement, parameters, context, executemany):
    if match := _INSERT.match(statement):
        _written.add(match.group(1))


def _quiet_limiter() -> None:
    """The rate limiter is one object for every app of the process, and each new app (a test's own,
    production settings) switches it on or off for all: after a test it is off again, as the testing
    settings say, and its counts are emptied, so that no test runs into another's limits."""
    limiter.enabled = False
    if limiter._storage is not None:  # ``limiter.storage`` asserts, and an empty memory storage is falsy
        limiter._storage.reset()


@pytest.fixture(autouse=True)
def audit_in_words(monkeypatch):
    """Every audit entry the code writes has words for its fields and coded values (app.audit
    ``register_field_labels``, ``register_value_words``): the audit log never shows a code. The
    tests' own made-up actions (``tests.*``) are left alone."""
    real = audit.record

    def record(action, *args, **kwargs):
        entry = real(action, *args, **kwargs)
        missing = set() if action.startswith("tests.") else audit.unworded(entry)
        assert not missing, f"{action}: no words for {sorted(missing)} (app.audit)"
        return entry
    monkeypatch.setattr(audit, "record", record)


@pytest.fixture(autouse=True)
def db(request, data_app):
    """An application context around every test, and afterwards a clean database: the tables
    written to are emptied (the others are still empty). Tests marked ``no_db`` prove something
    without a database (crypto, the verifier, the catalogues): they must not write, and the
    PostgreSQL run leaves them out (``-m "not no_db"``)."""
    no_db = request.node.get_closest_marker("no_db") is not None
    already = set(_written)
    with data_app.app_context():
        yield _db
        _db.session.remove()
        _quiet_limiter()
        if no_db:
            assert _written <= already, f"a test marked no_db wrote to {sorted(_written - already)}"
        tables = [name for name in reversed(table_names()) if name in _written]
        _written.clear()
        if tables:
            with _db.engine.begin() as conn:
                empty_tables(conn, tables)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_member():
    return make_member_obj


@pytest.fixture
def make_staff():
    return lambda **kw: make_account(roles=(Role.STAFF,), **kw)


@pytest.fixture
def login_as(client):
    """``login_as("member")`` or ``login_as(Role.STAFF)`` or ``login_as(account)``: returns the account."""
    def login(who="member", **kwargs):
        if isinstance(who, Account):
            account = who
        elif who == "member":
            account = make_member_obj(**kwargs).account
        else:
            account = make_account(roles=(Role(who),), **kwargs)
        sign_in(client, account)
        return account
    return login


@pytest.fixture
def outbox():
    """The mail queued so far (nothing is ever sent in tests: no MAIL_SERVER)."""
    def messages(to: str | None = None) -> list[OutboxMessage]:
        query = _db.select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.to_address == to)
        return list(_db.session.scalars(query))
    return messages


@pytest.fixture
def query_counter(app):
    """``with query_counter() as count: ...; count.n`` is the number of SQL statements run."""
    class Counter:
        n = 0

    def counting():
        counter = Counter()

        def before(*args, **kwargs):
            counter.n += 1

        with app.app_context():
            engine = _db.engine  # the served app's engine, where requests run their queries

        class Context:
            def __enter__(self):
                event.listen(engine, "before_cursor_execute", before)
                return counter

            def __exit__(self, *exc):
                event.remove(engine, "before_cursor_execute", before)
        return Context()
    return counting
