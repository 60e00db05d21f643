"""Hostile input gets a clear 4xx, never a 500, a hang, or a half-saved change (issue 10)."""
from __future__ import annotations

import unicodedata

import pytest
from flask import Response, request
from sqlalchemy.exc import DataError

from app.errors import TextNotStorable, TextTooLong
from app.extensions import db as _db
from app.models import Account, AuditEntry
from app.uow import unit_of_work
from app.web import allow_upload
from tests.factories import make_account


@pytest.fixture
def probe_app(make_app):
    """The real app plus a few routes that store what they are sent, as any domain view would."""
    app = make_app(DEMO=True)

    @app.route("/_probe/name", methods=["POST"])
    def probe_name():
        with unit_of_work():
            _db.session.add(Account(email=f"probe{request.form.get('n', '')}@example.be",
                                    display_name=unicodedata.normalize("NFKC", request.form["name"])))
        return "stored"

    @app.route("/_probe/database-refuses", methods=["POST"])
    def probe_database_refuses():
        _db.session.add(Account(email="never@example.be", display_name="never"))
        _db.session.flush()
        raise DataError("INSERT ...", {}, Exception("value too long for type character varying(200)"))

    @app.route("/_probe/upload", methods=["POST"])
    @allow_upload(4 * 1024 * 1024)
    def probe_upload():
        return str(len(request.files["file"].read()))

    @app.route("/_probe/small", methods=["POST"])
    def probe_small():
        return str(len(request.get_data()))

    @app.route("/_probe/report.pdf")
    def probe_pdf():
        return Response(b"%PDF-1.7", mimetype="application/pdf")

    from app.extensions import csrf
    for view in (probe_name, probe_database_refuses, probe_upload, probe_small):
        csrf.exempt(view)
    return app


def _accounts() -> int:
    return _db.session.scalar(_db.select(_db.func.count()).select_from(Account))


def test_text_longer_than_its_column_is_a_400_and_nothing_is_stored(probe_app):
    client = probe_app.test_client()
    before = _accounts()
    response = client.post("/_probe/name", data={"name": "x" * 201})
    assert response.status_code == 400 and "too long" in response.text
    assert _accounts() == before
    assert client.post("/_probe/name", data={"name": "x" * 200, "n": "ok"}).status_code == 200
    assert _accounts() == before + 1


def test_text_that_grows_when_normalised_is_measured_after(probe_app):
    client = probe_app.test_client()
    before = _accounts()
    typed = "\ufdfa" * 15  # 15 characters typed, 270 once normalised (NFKC)
    assert len(typed) < 200 < len(unicodedata.normalize("NFKC", typed))
    assert client.post("/_probe/name", data={"name": typed}).status_code == 400
    assert _accounts() == before


def test_database_refusal_is_a_400_with_a_sentence_and_rolled_back(probe_app):
    client = probe_app.test_client()
    before = _accounts()
    response = client.post("/_probe/database-refuses")
    assert response.status_code == 400 and "cannot be stored" in response.text
    assert _accounts() == before


def test_the_flush_guard_names_the_column(db):
    db.session.add(Account(email="nul@example.be", display_name="a\x00b"))
    with pytest.raises(TextNotStorable):
        db.session.flush()
    db.session.rollback()
    db.session.add(Account(email="long@example.be", display_name="é" * 201))
    with pytest.raises(TextTooLong) as caught:
        db.session.flush()
    assert caught.value.length == 200 and caught.value.field == "display_name"
    db.session.rollback()


def test_bodies_above_the_limit_are_refused_with_a_413_page(probe_app, client):
    big = b"x" * (probe_app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/auth/login", data=big, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "too large" in response.text
    json_bomb = client.post("/voting/some-election/ballots", data=b"[" * 2_000_000, content_type="application/json")
    assert json_bomb.status_code == 413
    probe = probe_app.test_client()
    assert probe.post("/_probe/small", data=big, content_type="application/octet-stream").status_code == 413


def _multipart(content: bytes) -> bytes:
    return (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.xml\"\r\n"
            b"Content-Type: text/xml\r\n\r\n" + content + b"\r\n--XyZ--\r\n")


def test_a_route_may_allow_a_larger_upload(probe_app):
    client = probe_app.test_client()
    two_mb = b"<x/>" * (512 * 1024)
    ok = client.post("/_probe/upload", data=_multipart(two_mb), content_type="multipart/form-data; boundary=XyZ")
    assert ok.status_code == 200 and ok.text == str(len(two_mb))
    too_big = client.post("/_probe/upload", data=_multipart(two_mb * 3),
                          content_type="multipart/form-data; boundary=XyZ")
    assert too_big.status_code == 413


@pytest.mark.parametrize("path", ["/voting/a%00b/board", "/staff/members/1%00", "/auth/link/abc%00def",
                                  "/%00", "/static/css/app.css%00.txt"])
def test_nul_byte_in_a_path_is_a_400(client, login_as, path):
    login_as("staff")
    assert client.get(path).status_code == 400


def test_nul_byte_in_a_form_key_or_query_is_a_400(client):
    assert client.post("/auth/login", data={"email\x00": "a@example.be"}).status_code == 400
    assert client.get("/auth/login?next=%00").status_code == 400


@pytest.mark.parametrize("path,status", [
    ("/dev/outbox/99999999999", 404), ("/dev/outbox/2147483648", 404), ("/dev/outbox/-1", 404),
    ("/staff/audit?before_id=99999999999999999999", 400), ("/staff/audit?before_id=abc", 400),
    ("/staff/audit?before_id=-5", 400), ("/staff/audit?before_id=12", 200),
])
def test_numbers_in_addresses_are_bounded(probe_app, path, status):
    from tests.factories import sign_in
    from app.models import Role

    client = probe_app.test_client()
    sign_in(client, make_account(roles=(Role.STAFF,)))
    assert client.get(path).status_code == status


def test_personal_pages_and_files_are_not_stored_by_caches(probe_app, client, login_as):
    assert "no-store" not in client.get("/auth/login").headers.get("Cache-Control", "")
    login_as("member")
    for path in ("/", "/me", "/auth/password"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "Cookie" in response.headers["Vary"]
    assert probe_app.test_client().get("/_probe/report.pdf").headers["Cache-Control"] == "no-store"


def test_refusals_write_no_audit_row(probe_app):
    client = probe_app.test_client()
    before = _db.session.scalar(_db.select(_db.func.count()).select_from(AuditEntry))
    client.post("/_probe/name", data={"name": "x" * 500})
    assert _db.session.scalar(_db.select(_db.func.count()).select_from(AuditEntry)) == before


def test_named_upload_routes_take_larger_files(client, login_as, app):
    """UPLOAD_LIMITS raises the ceiling for the statement import only: 2 MB there is read, elsewhere 413."""
    login_as("staff")
    two_mb = _multipart(b"<x/>" * (512 * 1024)).replace(b'name="file"', b'name="statement"')
    imported = client.post("/staff/payments/import", data=two_mb, content_type="multipart/form-data; boundary=XyZ")
    assert imported.status_code != 413
    elsewhere = client.post("/staff/requests/1/approve", data=two_mb, content_type="multipart/form-data; boundary=XyZ")
    assert elsewhere.status_code == 413
    assert app.config["UPLOAD_LIMITS"]["shares.statement_import"] > 2 * 1024 * 1024


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "abc", "2147483648", "1.5", "0"])
def test_page_numbers_on_the_public_board_are_bounded(client, db, page):
    from voting.demo import small_tallied_election

    slug = small_tallied_election("pages").election.slug
    db.session.commit()
    assert client.get(f"/voting/{slug}/board?page={page}").status_code == 400
    assert client.get(f"/voting/{slug}/board?page=2").status_code == 200
