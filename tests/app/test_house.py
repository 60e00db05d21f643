"""The shared toolkit: public URL, logging with request ids, the unit of work, the error registry,
the navigation and home-task registry."""
from __future__ import annotations

import logging

import pytest
from flask_babel import lazy_gettext as _l

from app import create_app
from app.errors import Conflict, DomainError, error_message, register_messages
from app.models import Account
from app.registry import Task, task_count
from app.uow import savepoint, unit_of_work
from tests.factories import DATABASE_URI


def test_production_refuses_to_start_without_a_public_url(monkeypatch):
    monkeypatch.setenv("UNEVOIX_ENV", "production")
    monkeypatch.setenv("UNEVOIX_SECRET_KEY", "7d2f9a4c1e8b3d6f0a5c2e9b4d7f1a3c6e8b0d2f4a6c8e1b3d5f7a9c2e4b6d8f")
    monkeypatch.delenv("UNEVOIX_PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})


def test_mail_links_follow_the_public_url(make_app, make_member, outbox):
    other = make_app(PUBLIC_URL="http://127.0.0.1:8000")
    make_member(email="port@example.be")
    other.test_client().post("/auth/login", data={"email": "port@example.be"})
    body = outbox("port@example.be")[-1].body_text
    assert "http://127.0.0.1:8000/auth/" in body


def test_each_request_has_an_id_in_its_log_lines_and_its_answer(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/no-such-page", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "abc-123"
    refused = [r for r in caplog.records if "refused GET /no-such-page: 404" in r.getMessage()]
    assert refused and refused[0].request_id == "abc-123"


def test_a_hostile_request_id_is_replaced(client):
    response = client.get("/", headers={"X-Request-ID": "x" * 65})
    assert response.headers["X-Request-ID"] != "x" * 65
    assert len(response.headers["X-Request-ID"]) == 16


def test_an_audited_change_is_logged_by_its_module(db, caplog):
    from app import audit

    with caplog.at_level(logging.INFO):
        audit.record("app.test.done", object_type="thing", object_id=7)
        audit.record("shares.test.done", object_type="thing", object_id=8)
    lines = {r.name: r.getMessage() for r in caplog.records if ".test.done" in r.getMessage()}
    assert lines == {"app.audit": "app.test.done thing:7 by account -", "shares.audit": "shares.test.done thing:8 by account -"}


class _Refused(DomainError):
    pass


class _Taken(Conflict):
    pass


def test_the_error_registry_words_an_error_by_its_nearest_class(app):
    register_messages({_Refused: _l("Refused for a reason."), _Taken: lambda exc: f"Taken: {exc.args[0]}"})

    class Unregistered(Conflict):
        pass
    with app.test_request_context():
        assert error_message(_Refused()) == "Refused for a reason."
        assert error_message(_Taken("seat 3")) == "Taken: seat 3"
        assert error_message(Unregistered()) == "Someone changed this at the same time. Reload the page and try again."


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(db):
    with unit_of_work():
        db.session.add(Account(email="kept@example.be", display_name="Kept"))
    with pytest.raises(RuntimeError):
        with unit_of_work():
            db.session.add(Account(email="lost@example.be", display_name="Lost"))
            db.session.flush()
            raise RuntimeError("boom")
    emails = set(db.session.scalars(db.select(Account.email)))
    assert "kept@example.be" in emails and "lost@example.be" not in emails


def test_savepoint_turns_a_unique_violation_into_the_named_conflict(db):
    with unit_of_work():
        db.session.add(Account(email="once@example.be", display_name="Once"))
    with unit_of_work():
        db.session.add(Account(email="outer@example.be", display_name="Outer"))
        with pytest.raises(_Taken):
            with savepoint(_Taken):
                db.session.add(Account(email="once@example.be", display_name="Twice"))
    # The outer work survived the refused insert.
    assert db.session.scalar(db.select(Account).filter_by(email="outer@example.be")) is not None


def test_the_badge_counts_tasks_by_their_count():
    tasks = [Task("a", "/a", count=3), Task("b", "/b"), Task("c", "/c", count=0)]
    assert task_count(tasks) == 4


def test_only_the_home_page_and_the_badge_ask_the_task_providers(client, login_as, monkeypatch):
    from app import registry

    asked = []
    monkeypatch.setattr(registry, "_TASK_PROVIDERS",
                        [*registry._TASK_PROVIDERS, lambda user: asked.append(user.id) or []])
    hx = {"HX-Request": "true"}
    assert client.get("/tasks/badge", headers=hx).status_code == 204  # a visitor: nothing to count
    account = login_as("member")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "menu-badge" not in missing.get_data(as_text=True)
    assert client.get("/me/shares").status_code == 200
    assert asked == []  # neither the error page nor an ordinary page ran them
    assert client.get("/tasks/badge", headers=hx).status_code == 200
    assert asked == [account.id]
    typed = client.get("/tasks/badge")  # outside htmx: the list on the home page
    assert typed.status_code == 302 and typed.headers["Location"] == "/"
    assert asked == [account.id]
    client.get("/")
    assert asked == [account.id, account.id]


def test_navigation_shows_what_the_person_may_use(client, login_as):
    login_as("staff")
    page = client.get("/").get_data(as_text=True)
    for label in ("Members", "Register", "Payments", "Audit log", "Elections"):
        assert f">{label}</a>" in page
    assert ">My shares</a>" not in page


@pytest.mark.no_db
def test_no_hand_written_commit_outside_the_unit_of_work():
    """Views and commands commit through app.uow. A batch job, demo loader or bench that commits on
    purpose says why on the same line (listed in docs/architecture.md); anything else fails here."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\.session\.(commit|rollback)\(\)")
    bare = []
    for path in sorted(root.glob("**/*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "tests/", "migrations/", "node_modules/")) or relative == "app/uow.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line) and "#" not in line.split(pattern.search(line).group(0), 1)[1]:
                bare.append(f"{relative}:{number}: {line.strip()}")
    assert not bare, "use app.uow.unit_of_work() (or say why on the line):\n" + "\n".join(bare)


def test_forms_take_length_and_number_range_from_app_forms():
    """wtforms' own write "20000" in a refusal; app.forms' write the number as the reader's language does."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"from wtforms\.validators import[^\n]*\b(Length|NumberRange)\b|validators\.(Length|NumberRange)\(")
    found = [path.relative_to(root).as_posix() for path in sorted(root.glob("**/*.py"))
             if not path.relative_to(root).as_posix().startswith((".venv/", "node_modules/"))
             and path.relative_to(root).as_posix() != "app/forms.py" and pattern.search(path.read_text(encoding="utf-8"))]
    assert not found, "import Length and NumberRange from app.forms:\n" + "\n".join(found)


def test_every_form_derives_from_app_forms_form(app):
    """app.forms.Form refuses a JSON body that is no object of strings (400) and says which field held a
    NUL character: a form deriving from FlaskForm itself would do neither."""
    from flask_wtf import FlaskForm

    from app.forms import Form

    assert FlaskForm.__subclasses__() == [Form]
