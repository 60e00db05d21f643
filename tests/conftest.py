"""Shared fixtures: the app on SQLite or (with UNEVOIX_SQLALCHEMY_DATABASE_URI) PostgreSQL,
a clean database per test, signed-in clients, factories, captured mail, a query counter."""
from __future__ import annotations

import itertools
import os
import re
import tempfile

import pytest
from flask_login.utils import _create_identifier
from sqlalchemy import event, text

os.environ["UNEVOIX_ENV"] = "testing"

from app import create_app  # noqa: E402
from app.extensions import db as _db  # noqa: E402
from app.models import Account, AccountRole, OutboxMessage, Role  # noqa: E402
from shares.models import Category, MemberKind  # noqa: E402

_TMP = tempfile.mkdtemp(prefix="unevoix-test-")
DATABASE_URI = os.environ.get("UNEVOIX_SQLALCHEMY_DATABASE_URI") or f"sqlite:///{_TMP}/test.db"
ON_POSTGRES = DATABASE_URI.startswith("postgresql")


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


@pytest.fixture(autouse=True)
def db(data_app):
    """A clean database for every test, and an application context around it."""
    with data_app.app_context():
        yield _db
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
            if ON_POSTGRES:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def client(app):
    return app.test_client()


_counter = itertools.count(1)


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


def make_member_obj(category: Category = Category.A, kind: MemberKind = MemberKind.NATURAL,
                    language: str = "en", email: str | None = None, **fields):
    from shares.services import create_member

    n = next(_counter)
    defaults = ({"legal_name": f"ASBL Test {n}"} if kind is MemberKind.LEGAL
                else {"first_name": "Test", "last_name": f"Member{n}"})
    defaults |= {"street": "Rue Haute 1", "postcode": "1000", "city": "Bruxelles"}
    member = create_member(email=email or f"member{n}@example.be", kind=kind, category=category,
                           language=language, **(defaults | fields))
    _db.session.commit()
    return member


@pytest.fixture
def make_member():
    return make_member_obj


@pytest.fixture
def make_staff():
    return lambda **kw: make_account(roles=(Role.STAFF,), **kw)


def sign_in(client, account: Account) -> None:
    """Put ``account`` in the client's session as Flask-Login's strong protection expects."""
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = account.get_id()
        session["_fresh"] = True
        session["_id"] = identifier


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


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)
