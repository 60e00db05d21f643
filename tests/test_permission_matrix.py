"""Every route, with every role and an anonymous visitor: allowed, sent to sign in, or refused.

A route missing from ROUTES fails the test, so a new page cannot ship without its rule."""
from __future__ import annotations

import pytest

from app.models import Role
from tests.factories import make_account, make_member_obj, sign_in
from voting.demo import small_tallied_election

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
    "shares.my_shares": ("GET", "/me/shares", MEMBER),
    "shares.my_payments": ("GET", "/me/payments", MEMBER),
    "shares.my_certificate": ("GET", "/me/certificate.pdf", MEMBER),  # 409: this member holds no share yet
    "shares.buy_shares": ("GET", "/me/shares/buy", MEMBER),
    "shares.request_category_change": ("GET", "/me/category", MEMBER),
    "shares.request_resignation": ("GET", "/me/resign", MEMBER),
    "shares.renewal_status": ("GET", "/me/renewal/status", MEMBER),
    "shares.verify_certificate": ("GET", "/certificates/not-a-token", ANYONE),  # 404: a made-up token
    "shares.member_search": ("GET", "/staff/members?q=a", {"staff"}),
    "shares.member_detail": ("GET", "/staff/members/{member_id}", {"staff"}),
    "shares.member_action": ("POST", "/staff/members/{member_id}/register/subscribe", {"staff"}),
    "shares.register_page": ("GET", "/staff/register", {"staff"}),
    "shares.statement_import": ("GET", "/staff/payments/import", {"staff"}),
    "shares.payment_queue": ("GET", "/staff/payments/queue", {"staff"}),
    "shares.resolve_payment": ("POST", "/staff/payments/queue/999999", {"staff"}),
    "shares.staff_requests": ("GET", "/staff/requests", {"staff"}),
    "shares.decide_request": ("POST", "/staff/requests/999999/approve", {"staff"}),
    "shares.staff_renewal": ("GET", "/staff/renewal", {"staff"}),
    "shares.staff_dashboard": ("GET", "/staff/dashboard", {"staff"}),
    "shares.apply": ("GET", "/join", ANYONE),
    "shares.application_received": ("GET", "/join/received", ANYONE),  # 302 to the form without an application
    "shares.staff_applications": ("GET", "/staff/applications", {"staff"}),
    "shares.decide_application": ("POST", "/staff/applications/999999/admit", {"staff"}),  # 404
    "shares.staff_new_member": ("GET", "/staff/members/new", {"staff"}),
    "shares.edit_contact": ("GET", "/staff/members/{member_id}/contact", {"staff"}),
    "shares.send_sign_in_link": ("POST", "/staff/members/{member_id}/sign-in-link", {"staff"}),
    "shares.cancel_request": ("GET", "/staff/payment-requests/999999/cancel", {"staff"}),  # 404
    "shares.record_lapses": ("POST", "/staff/renewal/2026/lapses", {"staff"}),
    "shares.request_register_export": ("POST", "/staff/register/exports", {"staff"}),  # 400: no date
    "shares.register_export": ("GET", "/staff/register/exports/999999", {"staff"}),  # 404
    "shares.download_register_export": ("GET", "/staff/register/exports/999999/download", {"staff"}),
    "voting.index": ("GET", "/voting/", ANYONE),
    "voting.board": ("GET", "/voting/{slug}/board", ANYONE),
    "voting.record": ("GET", "/voting/{slug}/record.json", ANYONE),
    "voting.election_json": ("GET", "/voting/{slug}/election.json", ANYONE),
    "voting.commitments_json": ("GET", "/voting/{slug}/commitments.json", ANYONE),
    "voting.tally_json": ("GET", "/voting/{slug}/tally.json", ANYONE),
    "voting.vote": ("GET", "/voting/{slug}/vote", ANYONE),
    "voting.cast": ("POST", "/voting/{slug}/ballots", ANYONE),  # the credential decides: 400 on no ballot
    "voting.manage_index": ("GET", "/voting/manage/", {"officer"}),
    "voting.manage": ("GET", "/voting/manage/{slug}", {"officer"}),
    "voting.manage_action": ("POST", "/voting/manage/{slug}/close", {"officer"}),  # 409: already tallied
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


def _account_for(person: str):
    if person == "member":
        return make_member_obj().account
    member = make_member_obj()  # people with roles are members too in this matrix
    return make_account(roles=(Role(person),), email=f"{person}-{member.id}@example.be")


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_access(app, db, person, endpoint):
    method, url, who = ROUTES[endpoint]
    target = make_member_obj()
    slug = None
    if "{slug}" in url:
        slug = small_tallied_election("matrix").election.slug
        db.session.commit()
    client = app.test_client()
    account = None if person == "anonymous" else _account_for(person)
    if account is not None:
        sign_in(client, account)
    response = client.open(url.format(member_id=target.id, slug=slug), method=method)
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
    status = response.status_code
    if allowed:
        # Let in: the page, or the answer to a request without its data (400, 404, 409, 422), never a refusal.
        assert status < 500 and status not in (401, 403), status
        if who != ANYONE:
            assert not (status == 302 and "/auth/login" in response.location)
    elif account is None:
        assert status == 302 and "/auth/login" in response.location or status in (401, 403), status
    else:
        assert status == 403, status


def test_outbox_exists_in_demo_only(app, client):
    assert client.get("/dev/outbox").status_code == 403
    app.config["DEMO"] = True
    try:
        assert client.get("/dev/outbox").status_code == 200
    finally:
        app.config["DEMO"] = False
