"""Web plumbing: security headers, CSRF, cookies, htmx session expiry, redirects, bad input."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import create_app
from app.web import safe_next
from tests.factories import DATABASE_URI, csrf_token, load_smallest_demo


def test_security_headers_and_strict_csp(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script(client):
    page = client.get("/auth/login").text
    assert "<script>" not in page and "onclick" not in page


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_forms_are_refused_without_csrf_token(csrf_app, make_member):
    make_member(email="csrf@example.be")
    client = csrf_app.test_client()
    refused = client.post("/auth/login", data={"email": "csrf@example.be"})
    assert refused.status_code == 400
    assert "form expired" in refused.text
    token = csrf_token(client.get("/auth/login").text)
    assert client.post("/auth/login", data={"email": "csrf@example.be", "csrf_token": token}).status_code == 200


def test_htmx_sends_the_csrf_token_from_body(client):
    page = client.get("/")
    assert '<body hx-headers=\'{"X-CSRFToken": "' in page.text


def test_session_cookie_flags(client, make_member, outbox):
    make_member(email="cookie@example.be")
    response = client.post("/auth/login", data={"email": "cookie@example.be"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_need_a_secret(monkeypatch):
    monkeypatch.setenv("UNEVOIX_ENV", "production")
    monkeypatch.setenv("UNEVOIX_PUBLIC_URL", "https://vote.example.coop")
    monkeypatch.delenv("UNEVOIX_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})
    monkeypatch.setenv("UNEVOIX_SECRET_KEY", "3f1c9a0e7b5d2c4e8f6a1b3d5c7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e")
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_expired_session_htmx_request_gets_hx_redirect(client):
    response = client.get("/staff/members?q=a", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/auth/login")


@pytest.mark.parametrize("target,expected", [
    ("/me", "/me"), ("https://evil.example/", "/"), ("//evil.example", "/"), ("javascript:alert(1)", "/"),
    (None, "/"), ("me", "/"), ("/me\r\nSet-Cookie: x=1", "/"), ("/me\n", "/"), ("/\\evil.example", "/"),
    ("/groups/éthique?q=a b", "/groups/éthique?q=a b"),
])
def test_safe_next(target, expected):
    assert safe_next(target, "/") == expected


def test_nul_bytes_in_input_are_refused(client, login_as):
    login_as("staff")
    assert client.get("/staff/members?q=a%00b").status_code == 400
    client.post("/auth/logout")
    # A NUL in a value (a paste) gives the form back, the sentence beside the field; in a name, a bare 400.
    refused = client.post("/auth/login", data={"email": "a\x00@example.be"})
    assert refused.status_code == 400 and "This text held an invisible character" in refused.get_data(as_text=True)
    assert client.post("/auth/login", data={"email\x00": "a@example.be"}).status_code == 400


def test_a_nul_no_form_spoke_of_is_never_committed(app):
    """A view reading a posted value itself gets it without the NUL; its commit is refused (400)."""
    from flask import request

    from app.errors import TextNotStorable
    from app.extensions import db
    from app.models import Account
    from app.uow import unit_of_work
    from app.web import _take_nul_out
    from tests.factories import make_account

    account = make_account()
    db.session.commit()
    with app.test_request_context("/", method="POST", data={"name": "Ann\x00Aa"}):
        _take_nul_out()
        assert request.form["name"] == "AnnAa"
        with pytest.raises(TextNotStorable), unit_of_work():
            db.session.get(Account, account.id).display_name = request.form["name"]
    db.session.expire_all()
    assert db.session.get(Account, account.id).display_name != "AnnAa"


def test_unknown_member_is_404_and_translated(client, login_as):
    login_as("staff")
    assert client.get("/staff/members/999999").status_code == 404
    client.post("/language", data={"language": "nl"})
    assert "Pagina niet gevonden" in client.get("/staff/members/999999").text


def test_secret_mail_is_erased_once_sent(app, db, make_member, monkeypatch):
    """A sign-in link must not stay readable in the database after it is delivered."""
    import smtplib

    from app.mail import ERASED_BODY, deliver_pending
    from app.models import OutboxMessage

    sent = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            sent.append(message)

    make_member(email="secret@example.be")
    app.test_client().post("/auth/login", data={"email": "secret@example.be"})
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    from flask import current_app
    monkeypatch.setitem(current_app.config, "MAIL_SERVER", "smtp.example")
    assert deliver_pending() == 1
    assert "/auth/link/" in sent[0].get_content()
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.sent_at is not None and message.body_text == ERASED_BODY


def test_live_parts_poll_at_the_configured_pace_and_a_part_left_out_keeps_its_default(make_app):
    from app.web import poll_every

    with make_app().test_request_context():
        assert poll_every("renewal_status") == "every 10s" and poll_every("projector_tally") == "every 15s"
    with make_app(POLL_SECONDS={"projector_vote": 5}).test_request_context():
        assert poll_every("projector_vote") == "every 5s" and poll_every("renewal_status") == "every 10s"


def test_a_visitor_finds_how_to_become_a_member_on_the_home_page(client):
    page = client.get("/").text
    assert 'href="/join"' in page and "Become a member" in page and 'href="/auth/login"' in page


def test_french_writes_the_first_of_a_month_as_an_ordinal(app):
    from datetime import date, datetime, timezone

    from flask_babel import force_locale

    from app.web import format_day, format_moment

    with app.test_request_context("/"), force_locale("fr"):
        assert format_day(date(2026, 12, 1)) == "1er décembre 2026" and format_day(date(2026, 12, 11)) == "11 décembre 2026"
        assert format_day(date(2026, 12, 1), "short") == "01/12/2026"
        assert format_moment(datetime(2026, 12, 1, 13, tzinfo=timezone.utc), "long").startswith("1er décembre 2026")
    with app.test_request_context("/"), force_locale("nl"):
        assert format_day(date(2026, 12, 1)) == "1 december 2026"


def test_error_messages_are_text_even_when_a_message_is_lazy(app):
    """A lazy message (flask-babel's) tells Jinja it is safe HTML: joined as is, one carrying typed text
    would reach the page unescaped. Every error goes through the ``messages`` filter: plain text."""
    from flask import render_template_string
    from flask_babel import lazy_gettext

    lazy = lazy_gettext("Not %(what)s.", what="<img src=x onerror=alert(1)>")
    with app.test_request_context():
        field = render_template_string('{% from "_macros.html" import field %}{{ field(f) }}', f=_field_with(lazy))
        summary = render_template_string('{% from "_macros.html" import form_errors %}{{ form_errors(f) }}',
                                         f=_form_with(lazy))
    for html in (field, summary):
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def _form():
    from wtforms import Form, StringField

    class One(Form):
        name = StringField("Name")
    return One()


def _field_with(message):
    form = _form()
    form.name.errors = [message]
    return form.name


def _form_with(message):
    form = _form()
    form.form_errors.append(message)  # a service's refusal, said above the form
    return form


def test_the_demo_asks_for_enough_members_and_keeps_its_output_to_progress_and_logins(app, db, monkeypatch, caplog):
    """Too few members to fill four working groups and a board is said before anything is loaded; a
    demo that loads prints its progress and the logins, not one audit line per row it adds."""
    import logging

    from app import cli
    from app.models import Account

    runner = app.test_cli_runner()
    small = runner.invoke(args=["demo", "--members", "20"])
    assert small.exit_code == 2 and "20 is not in the range x>=60" in small.output
    assert db.session.scalar(db.select(Account.id).limit(1)) is None

    def loaders(ctx):
        logging.getLogger("shares.audit").info("shares.member.create shares_member:1")
        logging.getLogger("shares.demo").warning("a warning still shows")
        ctx.logins.append(("member", "marie.dubois@example.be"))

    monkeypatch.setattr(cli, "run_loaders", loaders)
    with caplog.at_level(logging.INFO):
        loaded = runner.invoke(args=["demo", "--members", "60"])
    assert loaded.exit_code == 0 and "marie.dubois@example.be" in loaded.output
    assert [r.getMessage() for r in caplog.records] == ["a warning still shows"]
    assert logging.getLogger("shares.audit").isEnabledFor(logging.INFO)  # as before, once the demo is loaded


def test_the_smallest_demo_loads_whole(app, db, monkeypatch, tmp_path):
    """``flask demo --members 60``, the fewest it accepts, loads every part: it once stopped half-built
    when a working group got fewer than two volunteers (only members who paid their share volunteer)."""
    from sqlalchemy import func

    from assemblies.models import Assembly
    from working_groups.models import GroupMembership, WorkingGroup

    load_smallest_demo(app, monkeypatch, tmp_path)
    sizes = db.session.execute(db.select(WorkingGroup.slug, func.count(GroupMembership.id))
                               .join(GroupMembership, GroupMembership.group_id == WorkingGroup.id)
                               .group_by(WorkingGroup.slug)).all()
    assert len(sizes) == 4 and all(count >= 3 for _slug, count in sizes), sizes
    assert db.session.scalar(db.select(func.count(Assembly.id))) == 2  # the last loaders ran
    # The past assembly's history is believable: everyone on its roll was convened, in time (its signed
    # minutes say fifteen days ahead), not on the day the demo was loaded; candidates' genders follow
    # their first names.
    from app.clock import brussels_day
    from assemblies.models import Elector
    from candidates.models import Application
    from shares.demo import WOMEN

    past = db.session.scalar(db.select(Assembly).order_by(Assembly.starts_at).limit(1))
    roll = db.session.scalars(db.select(Elector).where(Elector.assembly_id == past.id)).all()
    assert roll and all(e.convoked_at is not None and e.convocation_channel is not None for e in roll)
    assert max(brussels_day(e.convoked_at) for e in roll) <= brussels_day(past.starts_at) - timedelta(days=15)
    said = [(a.member.first_name, a.gender.value) for a in db.session.scalars(db.select(Application))
            if a.gender is not None and a.member.first_name]
    assert said and all((gender == "woman") == (first in WOMEN) for first, gender in said), said


def test_a_record_cannot_take_a_short_name_another_page_s_address_uses(app, db):
    """``/groups/new`` is the form that creates a group: a group named "new" could never be opened.
    The reserved names come from the routes themselves, wherever a package puts the short name."""
    from app.errors import ReservedName
    from app.web import reserved_names
    from voting import services as voting
    from voting.demo import definition, make_kits
    from voting.simulate import reference_contests
    from working_groups import services as groups

    with app.test_request_context():
        assert reserved_names("working_groups") == {"new"} and reserved_names("assemblies") == {"new"}
        assert {"me", "manage", "photos", "new"} <= reserved_names("candidates")
        assert "manage" in reserved_names("voting")
        with pytest.raises(ReservedName):
            groups.create_group(slug="new", name={"fr": "Nouveau"}, mandate_text={"fr": "Mandat"},
                                mandate_decided_on=date(2017, 6, 1))
        with pytest.raises(ReservedName):
            voting.create_election(definition("manage", "Manage", reference_contests(), make_kits(3), 2), slug="manage")


def test_a_script_s_request_is_refused_in_json_the_page_can_show(app, db, make_app):
    """A ballot posted once the session is gone, or a .json that does not exist: the answer is JSON
    with the sentence (the ballot page showed "the network did not answer" for an HTML page)."""
    client = app.test_client()
    missing = client.get("/voting/nope/election.json", headers={"Accept-Language": "fr"})
    assert missing.status_code == 404 and missing.json == {"error": "not_found", "message": "Il n'y a rien à cette adresse."}
    assert client.get("/no-such-page").content_type.startswith("text/html")
    guarded = make_app(WTF_CSRF_ENABLED=True).test_client()
    expired = guarded.post("/voting/nope/ballots", json={"election": "x"})
    assert expired.status_code == 400 and expired.json["message"] == "Your form expired. Please reload the page and try again."
