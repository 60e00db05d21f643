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
# A member's route whose signed-out answer keeps what was typed for the sign-in (200, nothing shown).
MEMBER_KEEPS_TEXT = "member, signed out kept"
PEOPLE = ["anonymous", "member", *[r.value for r in Role]]
WG_VIEWERS = {"member", "board", "secretary", "staff"}

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
    "shares.queue_item": ("GET", "/staff/payments/queue/999999", {"staff"}),  # 404 for staff: no such payment
    "shares.surplus_refund": ("POST", "/staff/payments/kept/999999/refund", {"staff"}),
    "shares.surplus_shares": ("POST", "/staff/payments/kept/999999/shares", {"staff"}),
    "shares.surplus_credit": ("POST", "/staff/payments/kept/999999/credit", {"staff"}),
    "shares.surplus_refunded": ("POST", "/staff/payments/kept/999999/refunded", {"staff"}),
    "shares.refund_list": ("GET", "/staff/payments/refunds", {"staff"}),
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
    # Working groups: members see them (and the board, the secretary, staff); the secretary manages;
    # group members' own verbs (drafting, documents) are tested in tests/working_groups: nobody here is in the group.
    "working_groups.groups_index": ("GET", "/groups/", WG_VIEWERS),
    "working_groups.group_new": ("GET", "/groups/new", {"secretary"}),
    "working_groups.group_show": ("GET", "/groups/ethics", WG_VIEWERS),
    "working_groups.group_join": ("POST", "/groups/ethics/join", MEMBER),
    "working_groups.group_leave": ("POST", "/groups/ethics/leave", MEMBER),  # 409: not in the group
    "working_groups.call_open": ("POST", "/groups/ethics/call/open", {"secretary"}),  # 409: already open
    "working_groups.call_close": ("POST", "/groups/ethics/call/close", {"secretary"}),
    "working_groups.add_person": ("POST", "/groups/ethics/people", {"secretary"}),  # 400: no number
    "working_groups.set_role": ("POST", "/groups/ethics/people/{membership_id}/role", {"secretary"}),
    "working_groups.meeting_new": ("GET", "/groups/ethics/meetings/new", {"secretary"}),
    "working_groups.meeting_show": ("GET", "/groups/ethics/meetings/{meeting_id}", WG_VIEWERS),
    "working_groups.meeting_record": ("POST", "/groups/ethics/meetings/{meeting_id}/record", {"secretary"}),
    "working_groups.meeting_adopt": ("POST", "/groups/ethics/meetings/{meeting_id}/adopt", {"secretary"}),
    "working_groups.document_upload": ("POST", "/groups/ethics/documents", set()),
    "working_groups.document_download": ("GET", "/groups/ethics/documents/{document_id}", WG_VIEWERS),
    "working_groups.recommendation_new": ("GET", "/groups/ethics/recommendations/new", set()),
    "working_groups.recommendation_edit": ("GET", "/recommendations/{draft_id}/edit", set()),
    "working_groups.recommendation_show": ("GET", "/recommendations/{rec_id}", ANYONE),
    "working_groups.recommendation_follow": ("POST", "/recommendations/{rec_id}/follow", SIGNED_IN),
    "working_groups.recommendation_unfollow": ("POST", "/recommendations/{rec_id}/unfollow", SIGNED_IN),
    # A group member cannot answer for the board: the board's secretary records its answers.
    "working_groups.recommendation_answer": ("POST", "/recommendations/{rec_id}/answer", {"secretary"}),
    "working_groups.recommendation_progress": ("POST", "/recommendations/{rec_id}/progress", {"secretary"}),
    "working_groups.group_submit": ("GET", "/groups/ethics/submit", {"secretary"}),
    "working_groups.group_booklet": ("GET", "/groups/ethics/booklet.pdf", ANYONE),
    "working_groups.recommendations_index": ("GET", "/recommendations/", ANYONE),
    "working_groups.board_recommendations": ("GET", "/board/recommendations", {"secretary"}),
    "working_groups.assembly_report": ("GET", "/board/recommendations/assembly?on=2018-06-19", {"secretary"}),
    "working_groups.search": ("GET", "/search?q=budget", ANYONE),
    # Full minutes, drafts included: the board and its secretary only. Members read published syntheses.
    "working_groups.minutes_index": ("GET", "/board/minutes/", {"board", "secretary"}),
    "working_groups.minutes_new": ("GET", "/board/minutes/new", {"secretary"}),
    "working_groups.minutes_show": ("GET", "/board/minutes/{minutes_id}", {"board", "secretary"}),
    "working_groups.minutes_edit": ("GET", "/board/minutes/{minutes_id}/edit", {"secretary"}),
    "working_groups.minutes_add_item": ("POST", "/board/minutes/{minutes_id}/items", {"secretary"}),
    "working_groups.minutes_add_decision": ("POST", "/board/minutes/{minutes_id}/decisions", {"secretary"}),
    "working_groups.minutes_remove_item": ("POST", "/board/minutes/{minutes_id}/items/{item_id}/remove",
                                           {"secretary"}),
    "working_groups.minutes_remove_decision": ("POST", "/board/minutes/{minutes_id}/decisions/{decision_id}/remove",
                                               {"secretary"}),
    "working_groups.minutes_circulate": ("POST", "/board/minutes/{minutes_id}/circulate", {"secretary"}),
    "working_groups.minutes_withdraw": ("POST", "/board/minutes/{minutes_id}/withdraw", {"secretary"}),  # 409
    "working_groups.minutes_comment": ("POST", "/board/minutes/{minutes_id}/comments", {"board", "secretary"}),
    "working_groups.minutes_approve": ("POST", "/board/minutes/{minutes_id}/approve", {"board"}),  # 400: unconfirmed
    "working_groups.minutes_approve_at_meeting": ("POST", "/board/minutes/{minutes_id}/approve-at-meeting",
                                                  {"secretary"}),
    "working_groups.minutes_correct": ("POST", "/board/minutes/{minutes_id}/correct", {"secretary"}),
    "working_groups.synthesis_edit": ("GET", "/board/minutes/{minutes_id}/synthesis/fr", {"secretary"}),
    "working_groups.minutes_publish": ("POST", "/board/minutes/{minutes_id}/publish", {"secretary"}),
    "working_groups.minutes_pdf": ("GET", "/board/minutes/{minutes_id}/minutes.pdf", {"board", "secretary"}),
    "working_groups.syntheses_index": ("GET", "/minutes/", WG_VIEWERS),
    "working_groups.synthesis_show": ("GET", "/minutes/{published_id}", WG_VIEWERS),
    "working_groups.synthesis_pdf": ("GET", "/minutes/{published_id}/synthesis.pdf", WG_VIEWERS),
    "candidates.index": ("GET", "/candidates/", ANYONE),
    "candidates.call_page": ("GET", "/candidates/{call}", ANYONE),
    "candidates.booklet": ("GET", "/candidates/{call}/booklet.pdf", ANYONE),  # 404: not published yet
    "candidates.photo": ("GET", "/candidates/photos/999999", ANYONE),  # 404: no such photo
    "candidates.my_applications": ("GET", "/candidates/me/", MEMBER),
    "candidates.application_form": ("GET", "/candidates/me/{call}/application", MEMBER),
    # Signed out, a post is kept and the sign-in returns to it (302 to the login page).
    "candidates.submit_application": ("POST", "/candidates/me/{call}/application/submit", MEMBER),
    "candidates.autosave": ("POST", "/candidates/me/{call}/autosave", MEMBER_KEEPS_TEXT),
    "candidates.restore_draft": ("GET", "/candidates/me/{call}/restore/not-a-token", MEMBER),
    "candidates.withdraw": ("GET", "/candidates/me/{call}/withdraw", MEMBER),  # 404: no application
    "candidates.manage_index": ("GET", "/candidates/manage/", {"secretary"}),
    "candidates.new_call": ("GET", "/candidates/manage/new", {"secretary"}),
    "candidates.edit_call": ("GET", "/candidates/manage/{call}/edit", {"secretary"}),
    "candidates.manage_call": ("GET", "/candidates/manage/{call}", {"secretary"}),
    "candidates.announce": ("GET", "/candidates/manage/{call}/announce", {"secretary"}),
    "candidates.publish": ("GET", "/candidates/manage/{call}/publish", {"secretary"}),
    "candidates.review": ("GET", "/candidates/manage/applications/999999", {"secretary"}),
    "candidates.accept": ("POST", "/candidates/manage/applications/999999/accept", {"secretary"}),
    "candidates.reject": ("POST", "/candidates/manage/applications/999999/reject", {"secretary"}),
    "candidates.ask_correction": ("POST", "/candidates/manage/applications/999999/correction", {"secretary"}),
    "candidates.ballot": ("GET", "/candidates/manage/{call}/ballot", {"secretary"}),
    "candidates.ballot_json": ("GET", "/candidates/manage/{call}/ballot.json", {"secretary"}),  # 422: no order yet
}


def _matrix_call() -> str:
    from datetime import timedelta

    from app.clock import today
    from candidates import services as candidate_services

    now = today()
    call = candidate_services.create_call(
        slug="matrix-call", title_fr="Appel", title_nl="Oproep", title_en="Call", opens_on=now - timedelta(days=1),
        closes_on=now + timedelta(days=10), vote_opens_on=now + timedelta(days=20), seats_a=2, seats_b=1,
        term_years=4, staff_in_category_b=True)
    candidate_services.announce_call(call)
    return call.slug


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
    ids = _working_group_objects() if endpoint.startswith("working_groups.") else {}
    call = None
    if "{call}" in url:
        call = _matrix_call()
        db.session.commit()
    client = app.test_client()
    account = None if person == "anonymous" else _account_for(person)
    if account is not None:
        sign_in(client, account)
    response = client.open(url.format(member_id=target.id, slug=slug, call=call, **ids), method=method)
    response.close()
    is_member = person == "member"
    if who == ANYONE:
        allowed = True
    elif who == SIGNED_IN:
        allowed = account is not None
    elif who in (MEMBER, MEMBER_KEEPS_TEXT):
        allowed = is_member
    else:
        allowed = person in who
    status = response.status_code
    if allowed:
        # Let in: the page, or the answer to a request without its data (400, 404, 409, 422), never a refusal.
        assert status < 500 and status not in (401, 403), status
        if who != ANYONE:
            assert not (status == 302 and "/auth/login" in response.location)
    elif account is None and who == MEMBER_KEEPS_TEXT:
        assert status == 200 and b"sign in" in response.data.lower(), status
    elif account is None:
        assert status == 302 and "/auth/login" in response.location or status in (401, 403), status
    else:
        assert status == 403, status


def _working_group_objects() -> dict[str, int]:
    """A group "ethics" with a volunteer, a meeting, a document, a draft and a submitted recommendation;
    draft minutes (unpublished) and published minutes."""
    from working_groups import services
    from tests.working_groups.conftest import make_board, make_group, make_minutes, make_recommendation

    group = make_group("ethics")
    member = make_member_obj()
    membership = services.join_group(group, member)
    document = services.add_document(group, "Mandat", "mandat.txt", b"Mandat\n")
    draft = make_recommendation(group, "draft", title="Brouillon")
    rec = make_recommendation(group, "submitted")
    board = make_board(2)
    published = make_minutes("published", board=board)
    minutes = make_minutes("draft", board=board)
    return {"membership_id": membership.id, "meeting_id": rec.adopted_meeting_id, "document_id": document.id,
            "draft_id": draft.id, "rec_id": rec.id, "minutes_id": minutes.id, "published_id": published.id,
            "item_id": minutes.items[0].id, "decision_id": minutes.decisions[0].id}


def test_a_member_cannot_see_unpublished_minutes(app):
    ids = _working_group_objects()
    client = app.test_client()
    sign_in(client, make_member_obj().account)
    assert client.get(f"/board/minutes/{ids['minutes_id']}").status_code == 403
    assert client.get(f"/minutes/{ids['minutes_id']}").status_code == 404  # not published: not there for members
    assert client.get(f"/minutes/{ids['published_id']}").status_code == 200


def test_a_group_member_cannot_answer_for_the_board(app, db):
    from working_groups.models import BoardAnswer, GroupMembership, GroupRole

    ids = _working_group_objects()
    facilitator = db.session.get(GroupMembership, ids["membership_id"])
    facilitator.role = GroupRole.FACILITATOR
    db.session.commit()
    client = app.test_client()
    sign_in(client, facilitator.member.account)
    response = client.post(f"/recommendations/{ids['rec_id']}/answer", data={
        "decision": "accepted", "reasoning": "Oui", "answered_on": "2018-05-16", "confirm": "y"})
    assert response.status_code == 403 and db.session.query(BoardAnswer).count() == 0


def test_outbox_exists_in_demo_only(app, client):
    assert client.get("/dev/outbox").status_code == 403
    app.config["DEMO"] = True
    try:
        assert client.get("/dev/outbox").status_code == 200
    finally:
        app.config["DEMO"] = False
