"""Every route, with every role and an anonymous visitor: allowed, sent to sign in, or refused.

A route missing from ROUTES fails the test, so a new page cannot ship without its rule."""
from __future__ import annotations

import pytest

from app.models import Role
from tests.factories import make_account, make_member_obj, sign_in

ANYONE = "anyone"
SIGNED_IN = "signed-in"
MEMBER = "member"  # an account that is a member of the cooperative
PEOPLE = ["anonymous", "member", *[r.value for r in Role]]

# endpoint: (method, url template, who may)
ROUTES: dict[str, tuple[str, str, set[str] | str]] = {
    "static": ("GET", "/static/css/app.css", ANYONE),
    "core.home": ("GET", "/", ANYONE),
    "core.favicon": ("GET", "/favicon.ico", ANYONE),
    "core.set_language": ("POST", "/language", ANYONE),
    "core.audit_log": ("GET", "/staff/audit", {"staff"}),
    "core.outbox": ("GET", "/dev/outbox", set()),  # the demo only: see test_outbox_exists_in_demo_only
    "core.outbox_message": ("GET", "/dev/outbox/1", set()),
    "auth.login": ("GET", "/auth/login", ANYONE),
    "auth.link": ("GET", "/auth/link/sometoken", ANYONE),
    "auth.second_factor": ("GET", "/auth/second-factor", ANYONE),
    "auth.logout": ("POST", "/auth/logout", SIGNED_IN),
    "auth.password": ("GET", "/auth/password", SIGNED_IN),
    "shares.profile": ("GET", "/me", MEMBER),
    "shares.member_search": ("GET", "/staff/members?q=a", {"staff"}),
    "shares.member_detail": ("GET", "/staff/members/{member_id}", {"staff"}),
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "add the new routes to ROUTES"
    assert set(ROUTES) - endpoints == set()


def _account_for(person: str):
    if person == "member":
        return make_member_obj().account
    member = make_member_obj()  # people with roles are members too in this matrix
    return make_account(roles=(Role(person),), email=f"{person}-{member.id}@example.be")


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_access(app, person, endpoint):
    method, url, who = ROUTES[endpoint]
    target = make_member_obj()
    client = app.test_client()
    account = None if person == "anonymous" else _account_for(person)
    if account is not None:
        sign_in(client, account)
    response = client.open(url.format(member_id=target.id), method=method)
    response.close()
    is_member = person == "member"
    if who == ANYONE:
        allowed = True
    elif who == SIGNED_IN:
        allowed = account is not None
    elif who == MEMBER:
        allowed = is_member
    else:
        allowed = person in who
    if allowed:
        assert response.status_code < 400 or response.status_code == 400 and method == "POST", response.status_code
        if who != ANYONE:
            assert not (response.status_code == 302 and "/auth/login" in response.location)
    elif account is None:
        assert response.status_code == 302 and "/auth/login" in response.location or response.status_code == 403
    else:
        assert response.status_code in (403, 404), response.status_code


def test_outbox_exists_in_demo_only(app, client):
    assert client.get("/dev/outbox").status_code == 403
    app.config["DEMO"] = True
    try:
        assert client.get("/dev/outbox").status_code == 200
    finally:
        app.config["DEMO"] = False
