"""Every route, with every method it accepts, with every role and an anonymous visitor, CSRF on:
allowed, sent to sign in, or refused (403).

A route missing from ROUTES fails the test, so a new page cannot ship without its rule. The rule's
format: ``endpoint: (method, url template, who may)``, with an optional fourth element that states
why an allowed person may get a 4xx other than 403: ``{status: "reason"}`` for every method, or
``{"POST": {status: "reason"}}`` for one. An allowed person gets a 2xx or 3xx (not the sign-in page),
or one of those declared statuses; anything else fails, so a 4xx can no longer pass as "allowed"."""
from __future__ import annotations

import re

import pytest

from app import create_app
from app.extensions import db as _db
from app.models import Role
from tests.factories import DATABASE_URI, make_account, make_member_obj, sign_in
from voting.demo import small_tallied_election

ANYONE = "anyone"
SIGNED_IN = "signed-in"
MEMBER = "member"  # an account that is a member of the cooperative
PEOPLE = ["anonymous", "member", *[r.value for r in Role]]
EMPTY_FORM = "the request carries no form data: its required fields are missing"

# endpoint: (method, url template, who may[, {status or method: reason}])
ROUTES: dict[str, tuple] = {
    "static": ("GET", "/static/css/app.css", ANYONE),
    "core.home": ("GET", "/", ANYONE),
    "core.favicon": ("GET", "/favicon.ico", ANYONE),
    "core.set_language": ("POST", "/language", ANYONE,
        {"POST": {400: "no language chosen in the form"}}),
    "core.audit_log": ("GET", "/staff/audit", {"staff"}),
    "core.outbox": ("GET", "/dev/outbox", set()),  # the demo only: see test_outbox_exists_in_demo_only
    "core.outbox_message": ("GET", "/dev/outbox/1", set()),
    "auth.login": ("GET", "/auth/login", ANYONE,
        {"POST": {400: EMPTY_FORM}}),
    "auth.link": ("GET", "/auth/link/sometoken", ANYONE,
        {"POST": {400: "a made-up sign-in token"}}),
    "auth.second_factor": ("GET", "/auth/second-factor", ANYONE),
    "auth.logout": ("POST", "/auth/logout", SIGNED_IN),
    "auth.password": ("GET", "/auth/password", SIGNED_IN),
    "auth.password_link": ("POST", "/auth/password/link", SIGNED_IN),
    "shares.profile": ("GET", "/me", MEMBER),
    "shares.my_shares": ("GET", "/me/shares", MEMBER),
    "shares.my_payments": ("GET", "/me/payments", MEMBER),
    "shares.my_certificate": ("GET", "/me/certificate.pdf", MEMBER,
        {409: "this member holds no share yet: no certificate to issue"}),
    "shares.buy_shares": ("GET", "/me/shares/buy", MEMBER,
        {"POST": {400: EMPTY_FORM}}),
    "shares.request_category_change": ("GET", "/me/category", MEMBER,
        {"POST": {400: EMPTY_FORM}}),
    "shares.request_resignation": ("GET", "/me/resign", MEMBER,
        {"POST": {400: EMPTY_FORM}}),
    "shares.renewal_status": ("GET", "/me/renewal/status", MEMBER),
    "shares.verify_certificate": ("GET", "/certificates/not-a-token", ANYONE,
        {404: "a made-up certificate token"}),
    "shares.member_search": ("GET", "/staff/members?q=a", {"staff"}),
    "shares.member_detail": ("GET", "/staff/members/{member_id}", {"staff"}),
    "shares.member_action": ("POST", "/staff/members/{member_id}/register/subscribe", {"staff"},
        {400: EMPTY_FORM}),
    "shares.register_page": ("GET", "/staff/register", {"staff"}),
    "shares.statement_import": ("GET", "/staff/payments/import", {"staff"},
        {"POST": {400: "no statement file in the form"}}),
    "shares.payment_queue": ("GET", "/staff/payments/queue", {"staff"}),
    "shares.resolve_payment": ("POST", "/staff/payments/queue/999999", {"staff"},
        {404: "no bank transaction 999999"}),
    "shares.staff_requests": ("GET", "/staff/requests", {"staff"}),
    "shares.decide_request": ("POST", "/staff/requests/999999/approve", {"staff"},
        {404: "no member request 999999"}),
    "shares.staff_renewal": ("GET", "/staff/renewal", {"staff"}),
    "shares.staff_dashboard": ("GET", "/staff/dashboard", {"staff"}),
    "voting.index": ("GET", "/voting/", ANYONE),
    "voting.board": ("GET", "/voting/{slug}/board", ANYONE),
    "voting.record": ("GET", "/voting/{slug}/record.json", ANYONE),
    "voting.election_json": ("GET", "/voting/{slug}/election.json", ANYONE),
    "voting.commitments_json": ("GET", "/voting/{slug}/commitments.json", ANYONE),
    "voting.tally_json": ("GET", "/voting/{slug}/tally.json", ANYONE),
    "voting.vote": ("GET", "/voting/{slug}/vote", ANYONE),
    "voting.cast": ("POST", "/voting/{slug}/ballots", ANYONE,
        {400: "no ballot in the request"}),  # the credential decides: 400 on no ballot
    "voting.manage_index": ("GET", "/voting/manage/", {"officer"}),
    "voting.manage": ("GET", "/voting/manage/{slug}", {"officer"}),
    "voting.manage_action": ("POST", "/voting/manage/{slug}/close", {"officer"},
        {409: "the election is already tallied: it cannot close again"}),
    # Only the scrutineer linked to one of the election's trustees (tests/voting/test_views.py): nobody here.
    "voting.scrutineer": ("GET", "/voting/{slug}/scrutineer", set()),
    "voting.scrutineer_upload": ("POST", "/voting/{slug}/scrutineer/t1/upload", set()),
    "voting.trustee_keys": ("POST", "/voting/{slug}/trustees/t1/keys", set()),
    "voting.trustee_step": ("POST", "/voting/{slug}/trustees/t1/steps", set()),
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "add the new routes to ROUTES"
    assert set(ROUTES) - endpoints == set()


@pytest.fixture(scope="module")
def csrf_app():
    """The app as deployed on this point: CSRF protection on."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI, "WTF_CSRF_ENABLED": True})
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _account_for(person: str):
    if person == "member":
        return make_member_obj().account
    member = make_member_obj()  # people with roles are members too in this matrix
    return make_account(roles=(Role(person),), email=f"{person}-{member.id}@example.be")


def _methods(app, endpoint: str) -> list[str]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _reasons(rule: tuple, method: str) -> dict[int, str]:
    declared = rule[3] if len(rule) > 3 else {}
    return {**{k: v for k, v in declared.items() if isinstance(k, int)}, **declared.get(method, {})}


def _allowed(who, person: str, account) -> bool:
    if who == ANYONE:
        return True
    if who == SIGNED_IN:
        return account is not None
    if who == MEMBER:
        return person == "member"
    return person in who


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_access(csrf_app, db, person, endpoint):
    declared_method, url, who = ROUTES[endpoint][:3]
    target = make_member_obj()
    slug = None
    if "{slug}" in url:
        slug = small_tallied_election("matrix").election.slug
        db.session.commit()
    client = csrf_app.test_client()
    account = None if person == "anonymous" else _account_for(person)
    if account is not None:
        sign_in(client, account)
    home = client.get("/")
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home.text).group(1)
    home.close()
    allowed = _allowed(who, person, account)
    methods = _methods(csrf_app, endpoint)
    assert declared_method in methods, f"{endpoint} does not accept {declared_method}"
    for method in methods:
        data = {"csrf_token": token} if method != "GET" else None
        response = client.open(url.format(member_id=target.id, slug=slug), method=method, data=data,
                               headers={"X-CSRFToken": token})
        response.close()
        status, location = response.status_code, response.headers.get("Location", "")
        to_login = status == 302 and "/auth/login" in location
        label = f"{method} {endpoint} as {person}: {status}"
        if allowed:
            reasons = _reasons(ROUTES[endpoint], method)
            assert status < 400 or status in reasons, f"{label} (declare the reason in ROUTES if it is right)"
            assert status != 403, label
            if who != ANYONE:
                assert not to_login, label
        elif account is None:
            assert to_login or status in (401, 403), label
        else:
            assert status == 403, label
        if method != "GET":  # an action may have been done (a sign-out): the next method starts afresh
            client = csrf_app.test_client()
            if account is not None:
                db.session.refresh(account)
                sign_in(client, account)
            home = client.get("/")
            token = re.search(r'"X-CSRFToken": "([^"]+)"', home.text).group(1)
            home.close()


def test_outbox_exists_in_demo_only(app, client):
    assert client.get("/dev/outbox").status_code == 403
    app.config["DEMO"] = True
    try:
        assert client.get("/dev/outbox").status_code == 200
    finally:
        app.config["DEMO"] = False
