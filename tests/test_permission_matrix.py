"""Every route, with every method it accepts, with every role and an anonymous visitor, CSRF on:
allowed, sent to sign in, or refused (403).

A route missing from ROUTES fails the test, so a new page cannot ship without its rule. The rule's
format: ``endpoint: (method, url template, who may)``, with an optional fourth element that states
why an allowed person may get a 4xx other than 403: ``{status: "reason"}`` for every method, or
``{"POST": {status: "reason"}}`` for one. An allowed person gets a 2xx or 3xx (not the sign-in page),
or one of those declared statuses; anything else fails, so a 4xx can no longer pass as "allowed"."""
from __future__ import annotations

from datetime import date

import pytest

from app import create_app
from app.extensions import db as _db
from app.models import Role
from tests.factories import DATABASE_URI, give_paid_share, make_account, make_member_obj, session_csrf_token, sign_in
from voting.demo import small_tallied_election

# Who may reach what is decided by the routes' predicates, which read roles and memberships with the same
# plain selects on both engines; the PostgreSQL side of every route (no 5xx for any person, a refusal
# writes nothing) is the fuzzer's (tests/security/test_fuzz_routes.py), and the objects built here by the
# services are proven on PostgreSQL by each package's own tests.
pytestmark = pytest.mark.sqlite_only(reason="access decisions do not depend on the database engine; "
                                            "the fuzzer and the packages' tests run every route on PostgreSQL")

ANYONE = "anyone"
SIGNED_IN = "signed-in"
MEMBER = "member"  # an account that is a member of the cooperative
# A member's route whose signed-out answer keeps what was typed for the sign-in (200, nothing shown).
MEMBER_KEEPS_TEXT = "member, signed out kept"
PEOPLE = ["anonymous", "member", *[r.value for r in Role]]
WG_VIEWERS = {"member", "board", "secretary", "staff"}
EMPTY_FORM = "the request carries no form data: its required fields are missing"

# endpoint: (method, url template, who may[, {status or method: reason}])
ROUTES: dict[str, tuple] = {
    "static": ("GET", "/static/css/app.css", ANYONE),
    "core.home": ("GET", "/", ANYONE),
    "core.favicon": ("GET", "/favicon.ico", ANYONE),
    "core.task_badge": ("GET", "/tasks/badge", ANYONE),  # outside htmx: a redirect to the home page's list
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
    "shares.profile": ("GET", "/me", MEMBER, {"POST": {400: EMPTY_FORM}}),
    "shares.change_email": ("GET", "/me/email", MEMBER, {"POST": {400: EMPTY_FORM}}),
    "shares.confirm_email_change": ("GET", "/me/email/confirm/not-a-link", MEMBER_KEEPS_TEXT, {400: "a made-up link"}),
    "shares.my_shares": ("GET", "/me/shares", MEMBER),
    "shares.my_payments": ("GET", "/me/payments", MEMBER),
    "shares.my_register_extract": ("GET", "/me/register-extract.pdf", MEMBER),
    "shares.my_earlier_register_extract": ("GET", "/me/register-extract/999999.pdf", MEMBER,
        {404: "no membership 999999 of this account"}),
    "shares.my_certificate": ("GET", "/me/certificate.pdf", MEMBER,
        {409: "this member holds no share yet: no certificate to issue"}),
    "shares.buy_shares": ("GET", "/me/shares/buy", MEMBER,
        {"POST": {400: EMPTY_FORM}}),
    "shares.request_category_change": ("GET", "/me/category", MEMBER,
        {"POST": {400: EMPTY_FORM}}),
    "shares.request_resignation": ("GET", "/me/resign", MEMBER,
        {"POST": {400: EMPTY_FORM}}),
    "shares.cancel_my_purchase": ("GET", "/me/payments/999999/cancel", MEMBER, {404: "no payment request 999999"}),
    "shares.withdraw_request": ("POST", "/me/requests/999999/withdraw", MEMBER, {404: "no member request 999999"}),
    "shares.apply_again": ("GET", "/me/application/new", MEMBER,
        {"POST": {409: "a member (no application of theirs ended) has nothing to apply for again"}}),
    "shares.withdraw_application": ("POST", "/me/application/withdraw", MEMBER,
        {404: "a member has no application to withdraw"}),
    "shares.renewal_status": ("GET", "/me/renewal/status", MEMBER),
    "shares.verify_certificate": ("GET", "/certificates/not-a-token", ANYONE,
        {404: "a made-up certificate token"}),
    "shares.member_search": ("GET", "/staff/members?q=a", {"staff"}),
    "shares.member_detail": ("GET", "/staff/members/{member_id}", {"staff"}),
    "shares.documents_index": ("GET", "/documents/", ANYONE),
    "shares.document_file": ("GET", "/documents/{document}/statuts.pdf", ANYONE),
    "shares.documents_manage": ("GET", "/staff/documents", {"staff"}, {"POST": {400: EMPTY_FORM}}),
    "shares.document_withdraw": ("GET", "/staff/documents/{document}/withdraw", {"staff"}),
    "shares.member_register_extract": ("GET", "/staff/members/{member_id}/register-extract.pdf", {"staff"}),
    "shares.member_certificate": ("GET", "/staff/members/{member_id}/certificate.pdf", {"staff"},
        {409: "this member holds no share yet: no certificate to issue"}),
    "shares.member_action": ("POST", "/staff/members/{member_id}/register/subscribe", {"staff"},
        {400: EMPTY_FORM}),
    "shares.register_page": ("GET", "/staff/register", {"staff"}),
    "shares.statement_import": ("GET", "/staff/payments/import", {"staff"},
        {"POST": {400: "no statement file in the form"}}),
    "shares.payment_queue": ("GET", "/staff/payments/queue", {"staff"}),
    "shares.resolve_payment": ("POST", "/staff/payments/queue/999999", {"staff"},
        {404: "no bank transaction 999999"}),
    "shares.queue_item": ("GET", "/staff/payments/queue/999999", {"staff"},
        {404: "no bank transaction 999999"}),  # 404 for staff: no such payment
    "shares.surplus_refund": ("POST", "/staff/payments/kept/999999/refund", {"staff"},
        {404: "no money kept 999999"}),
    "shares.surplus_shares": ("POST", "/staff/payments/kept/999999/shares", {"staff"},
        {404: "no money kept 999999"}),
    "shares.surplus_credit": ("POST", "/staff/payments/kept/999999/credit", {"staff"},
        {404: "no money kept 999999"}),
    "shares.surplus_refunded": ("POST", "/staff/payments/kept/999999/refunded", {"staff"},
        {404: "no money kept 999999"}),
    "shares.shortfall_keep_due": ("POST", "/staff/payments/short/999999/keep", {"staff"},
        {404: "no partial payment 999999"}),
    "shares.shortfall_fewer_shares": ("POST", "/staff/payments/short/999999/fewer", {"staff"},
        {404: "no partial payment 999999"}),
    "shares.refund_list": ("GET", "/staff/payments/refunds", {"staff"}),
    "shares.refund_call_off": ("POST", "/staff/payments/refunds/999999/call-off", {"staff"},
        {404: "no refund 999999"}),
    "shares.staff_requests": ("GET", "/staff/requests", {"staff"}),
    "shares.decide_request": ("POST", "/staff/requests/999999/approve", {"staff"},
        {404: "no member request 999999"}),
    "shares.staff_renewal": ("GET", "/staff/renewal", {"staff"}),
    "shares.staff_dashboard": ("GET", "/staff/dashboard", {"staff"}),
    "shares.apply": ("GET", "/join", ANYONE, {"POST": {400: EMPTY_FORM}}),
    "shares.application_received": ("GET", "/join/received", ANYONE),  # 302 to the form before one is sent
    "shares.staff_applications": ("GET", "/staff/applications", {"staff"}),
    "shares.decide_application": ("POST", "/staff/applications/999999/admit", {"staff"},
        {404: "no application 999999"}),
    "shares.staff_new_member": ("GET", "/staff/members/new", {"staff"}, {"POST": {400: EMPTY_FORM}}),
    "shares.edit_contact": ("GET", "/staff/members/{member_id}/contact", {"staff"}, {"POST": {400: EMPTY_FORM}}),
    "shares.correct_identity": ("GET", "/staff/members/{member_id}/identity", {"staff"}, {"POST": {400: EMPTY_FORM}}),
    "shares.send_sign_in_link": ("POST", "/staff/members/{member_id}/sign-in-link", {"staff"}),
    "shares.cancel_request": ("GET", "/staff/payment-requests/999999/cancel", {"staff"},
        {404: "no payment request 999999"}),
    "shares.payment_received": ("GET", "/staff/payment-requests/999999/received", {"staff"},
        {404: "no payment request 999999"}),
    "shares.record_lapses": ("POST", "/staff/renewal/2026/lapses", {"staff"}),
    "shares.send_renewal_letters": ("POST", "/staff/renewal/2026/letters", {"staff"}),
    "shares.request_register_export": ("POST", "/staff/register/exports", {"staff"},
        {400: "no date and no format in the form"}),
    "shares.register_export": ("GET", "/staff/register/exports/999999", {"staff"},
        {404: "no register file 999999"}),
    "shares.download_register_export": ("GET", "/staff/register/exports/999999/download", {"staff"},
        {404: "no register file 999999"}),
    "voting.index": ("GET", "/voting/", ANYONE),
    "voting.board": ("GET", "/voting/{slug}/board", ANYONE),
    "voting.progress": ("GET", "/voting/{slug}/progress", ANYONE),
    "voting.record": ("GET", "/voting/{slug}/record.json", ANYONE),
    "voting.verifier_download": ("GET", "/voting/une-voix-verify.pyz", ANYONE),
    "voting.election_json": ("GET", "/voting/{slug}/election.json", ANYONE),
    "voting.commitments_json": ("GET", "/voting/{slug}/commitments.json", ANYONE),
    "voting.tally_json": ("GET", "/voting/{slug}/tally.json", ANYONE),
    "voting.seal_json": ("GET", "/voting/{slug}/seal.json", ANYONE),
    "voting.vote": ("GET", "/voting/{slug}/vote", ANYONE),
    "voting.credential_use": ("GET", "/voting/{slug}/credentials/" + "0" * 64, ANYONE,
        {404: "no credential of the election has this public part"}),
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
    # Assemblies: a member cannot open votes, an officer cannot vote on behalf of anyone (no member
    # account: tests/assemblies/test_views.py), a scrutineer cannot see who voted (the roll).
    "assemblies.index": ("GET", "/assemblies/", SIGNED_IN),
    "assemblies.show": ("GET", "/assemblies/{assembly}", SIGNED_IN),
    "assemblies.document": ("GET", "/assemblies/{assembly}/documents/999999", SIGNED_IN,
        {404: "no document 999999"}),
    "assemblies.new": ("GET", "/assemblies/new", {"secretary", "officer"},
        {"POST": {400: EMPTY_FORM}}),
    "assemblies.prepare": ("GET", "/assemblies/{assembly}/prepare", {"secretary", "officer"}),
    "assemblies.edit": ("GET", "/assemblies/{assembly}/edit", {"secretary", "officer"},
        {"POST": {400: EMPTY_FORM}}),
    "assemblies.delete": ("POST", "/assemblies/{assembly}/delete", {"secretary", "officer"}),  # asks to confirm
    "assemblies.add_item": ("POST", "/assemblies/{assembly}/items", {"secretary", "officer"},
        {400: EMPTY_FORM}),
    "assemblies.remove_item": ("POST", "/assemblies/{assembly}/items/999999/delete", {"secretary", "officer"},
        {404: "no agenda item 999999"}),
    "assemblies.move_item": ("POST", "/assemblies/{assembly}/items/999999/move", {"secretary", "officer"},
        {404: "no agenda item 999999"}),
    "assemblies.add_candidate": ("POST", "/assemblies/{assembly}/items/999999/candidates", {"secretary", "officer"},
        {404: "no agenda item 999999"}),
    "assemblies.remove_candidate": ("POST", "/assemblies/{assembly}/items/999999/candidates/999999/delete",
                                    {"secretary", "officer"},
        {404: "no agenda item 999999"}),
    "assemblies.import_candidates": ("POST", "/assemblies/{assembly}/items/999999/import-candidates",
                                     {"secretary", "officer"},
        {404: "no agenda item 999999"}),
    "assemblies.add_document": ("POST", "/assemblies/{assembly}/documents", {"secretary", "officer"},
        {400: EMPTY_FORM}),
    "assemblies.freeze": ("POST", "/assemblies/{assembly}/electorate/freeze", {"secretary", "officer"},
        {409: "the electorate is frozen already, by the person who tried it before"}),
    "assemblies.add_elector": ("POST", "/assemblies/{assembly}/electorate/add", {"secretary", "officer"},
        {400: EMPTY_FORM}),
    "assemblies.remove_elector": ("POST", "/assemblies/{assembly}/electorate/999999/remove",
                                  {"secretary", "officer"},
        {404: "no elector 999999"}),
    "assemblies.prepare_vote": ("POST", "/assemblies/{assembly}/vote/prepare", {"officer"},
        {400: EMPTY_FORM}),
    "assemblies.roll": ("GET", "/assemblies/{assembly}/roll", {"officer"}),
    "assemblies.convene": ("POST", "/assemblies/{assembly}/convene", {"officer"},
        {422: "no vote is prepared yet: there is no credential to send"}),
    "assemblies.resend": ("POST", "/assemblies/{assembly}/roll/999999/resend", {"officer"},
        {404: "no elector 999999"}),
    "assemblies.letter": ("POST", "/assemblies/{assembly}/roll/999999/letter", {"officer"},
        {404: "no elector 999999"}),
    "assemblies.give_proxy": ("POST", "/assemblies/{assembly}/proxy", MEMBER,
        {400: EMPTY_FORM}),
    "assemblies.end_proxy": ("POST", "/assemblies/{assembly}/proxy/end", MEMBER,
        {404: "the member has given no proxy"}),
    "assemblies.decline_proxy": ("POST", "/assemblies/{assembly}/proxies/999999/decline", MEMBER,
        {404: "the member holds no proxy 999999"}),
    "assemblies.paper_proxy": ("POST", "/assemblies/{assembly}/proxies/paper", {"staff", "officer"},
        {400: EMPTY_FORM}),
    "assemblies.end_proxy_at_door": ("POST", "/assemblies/{assembly}/proxies/999999/end", {"staff", "officer"},
        {404: "no proxy 999999"}),
    "assemblies.checkin": ("GET", "/assemblies/{assembly}/checkin", {"staff", "officer"},
        {"POST": {400: EMPTY_FORM}}),
    "assemblies.undo_checkin": ("POST", "/assemblies/{assembly}/checkin/999999/undo", {"staff", "officer"},
        {422: "the door is not open (the check-in's own page says why)"}),
    "assemblies.chair": ("GET", "/assemblies/{assembly}/chair", {"officer"}),
    "assemblies.open_vote": ("POST", "/assemblies/{assembly}/chair/open", {"officer"},
        {422: "no vote is prepared for this assembly"}),
    "assemblies.close_vote": ("POST", "/assemblies/{assembly}/chair/close", {"officer"},
        {422: "no vote is prepared for this assembly"}),
    "assemblies.close_item": ("GET", "/assemblies/{assembly}/chair/items/999999/close", {"officer"},
        {404: "no agenda item 999999"}),
    "assemblies.open_item": ("GET", "/assemblies/{assembly}/chair/items/999999/open", {"officer"},
        {404: "no agenda item 999999"}),
    "assemblies.projector": ("GET", "/assemblies/{assembly}/projector", ANYONE),
    "assemblies.projector_item": ("GET", "/assemblies/{assembly}/projector/items/999999", ANYONE,
        {404: "no agenda item 999999"}),
    "assemblies.results": ("GET", "/assemblies/{assembly}/results", SIGNED_IN,
        {404: "no result yet: the vote was not tallied"}),  # 404 before the result
    "assemblies.results_csv": ("GET", "/assemblies/{assembly}/results.csv", SIGNED_IN,
        {404: "no result yet: the vote was not tallied"}),
    "assemblies.results_pdf": ("GET", "/assemblies/{assembly}/results.pdf", SIGNED_IN,
        {404: "no result yet: the vote was not tallied"}),
    "assemblies.minutes": ("GET", "/assemblies/{assembly}/minutes", SIGNED_IN,
        {404: "no signed minutes: a draft is shown to the secretaries only"}),
    "assemblies.minutes_pdf": ("GET", "/assemblies/{assembly}/minutes.pdf", SIGNED_IN,
        {404: "no minutes begun"}),
    "assemblies.minutes_begin": ("POST", "/assemblies/{assembly}/minutes/begin", {"secretary"},
        {409: "the meeting has not begun: minutes record a meeting that was held"}),
    "assemblies.minutes_save": ("POST", "/assemblies/{assembly}/minutes", {"secretary"},
        {404: "no minutes begun"}),
    "assemblies.minutes_sign": ("POST", "/assemblies/{assembly}/minutes/sign", {"secretary"},
        {404: "no minutes begun"}),
    "assemblies.minutes_correct": ("POST", "/assemblies/{assembly}/minutes/corrections", {"secretary"},
        {404: "no minutes begun"}),
    # Working groups: members see them (and the board, the secretary, staff); the secretary manages;
    # group members' own verbs (drafting, documents) are tested in tests/working_groups: nobody here is in the group.
    "working_groups.groups_index": ("GET", "/groups/", WG_VIEWERS),
    "working_groups.group_new": ("GET", "/groups/new", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "working_groups.group_show": ("GET", "/groups/ethics", WG_VIEWERS),
    "working_groups.group_join": ("POST", "/groups/ethics/join", MEMBER),
    "working_groups.group_leave": ("POST", "/groups/ethics/leave", MEMBER,
        {409: "this member is not in the group"}),  # 409: not in the group
    "working_groups.call_open": ("POST", "/groups/ethics/call/open", {"secretary"},
        {409: "the group's call is already open"}),  # 409: already open
    "working_groups.call_close": ("POST", "/groups/ethics/call/close", {"secretary"}),
    "working_groups.add_person": ("POST", "/groups/ethics/people", {"secretary"},
        {400: "no member number in the form"}),  # 400: no number
    "working_groups.set_role": ("POST", "/groups/ethics/people/{membership_id}/role", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.meeting_new": ("GET", "/groups/ethics/meetings/new", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "working_groups.meeting_show": ("GET", "/groups/ethics/meetings/{meeting_id}", WG_VIEWERS),
    "working_groups.meeting_record": ("POST", "/groups/ethics/meetings/{meeting_id}/record", {"secretary"}),
    "working_groups.meeting_adopt": ("POST", "/groups/ethics/meetings/{meeting_id}/adopt", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.document_upload": ("POST", "/groups/ethics/documents", set()),
    "working_groups.document_download": ("GET", "/groups/ethics/documents/{document_id}", WG_VIEWERS),
    "working_groups.recommendation_new": ("GET", "/groups/ethics/recommendations/new", set()),
    "working_groups.recommendation_edit": ("GET", "/recommendations/{draft_id}/edit", set()),
    "working_groups.recommendation_show": ("GET", "/recommendations/{rec_id}", ANYONE),
    "working_groups.recommendation_follow": ("POST", "/recommendations/{rec_id}/follow", SIGNED_IN),
    "working_groups.recommendation_unfollow": ("POST", "/recommendations/{rec_id}/unfollow", SIGNED_IN),
    # A group member cannot answer for the board: the board's secretary records its answers.
    "working_groups.recommendation_answer": ("POST", "/recommendations/{rec_id}/answer", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.recommendation_progress": ("POST", "/recommendations/{rec_id}/progress", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.group_submit": ("GET", "/groups/ethics/submit", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "working_groups.group_booklet": ("GET", "/groups/ethics/booklet.pdf", ANYONE),
    "working_groups.recommendations_index": ("GET", "/recommendations/", ANYONE),
    "working_groups.board_recommendations": ("GET", "/board/recommendations", {"secretary"}),
    "working_groups.assembly_report": ("GET", "/board/recommendations/assembly?on=2018-06-19", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "working_groups.search": ("GET", "/search?q=budget", ANYONE),
    # Full minutes, drafts included: the board and its secretary only. Members read published syntheses.
    "working_groups.minutes_index": ("GET", "/board/minutes/", {"board", "secretary"}),
    "working_groups.minutes_new": ("GET", "/board/minutes/new", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "working_groups.minutes_show": ("GET", "/board/minutes/{minutes_id}", {"board", "secretary"}),
    "working_groups.minutes_edit": ("GET", "/board/minutes/{minutes_id}/edit", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "working_groups.minutes_add_item": ("POST", "/board/minutes/{minutes_id}/items", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.minutes_add_decision": ("POST", "/board/minutes/{minutes_id}/decisions", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.minutes_remove_item": ("POST", "/board/minutes/{minutes_id}/items/{item_id}/remove",
                                           {"secretary"}),
    "working_groups.minutes_remove_decision": ("POST", "/board/minutes/{minutes_id}/decisions/{decision_id}/remove",
                                               {"secretary"}),
    "working_groups.minutes_circulate": ("POST", "/board/minutes/{minutes_id}/circulate", {"secretary"}),
    "working_groups.minutes_withdraw": ("POST", "/board/minutes/{minutes_id}/withdraw", {"secretary"},
        {400: EMPTY_FORM}),  # 409
    "working_groups.minutes_discard": ("POST", "/board/minutes/{minutes_id}/discard", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.minutes_comment": ("POST", "/board/minutes/{minutes_id}/comments", {"board", "secretary"},
        {400: EMPTY_FORM}),
    "working_groups.minutes_approve": ("POST", "/board/minutes/{minutes_id}/approve", {"board"},
        {400: "the approval is not confirmed (the form is empty)"}),  # 400: unconfirmed
    "working_groups.minutes_approve_at_meeting": ("POST", "/board/minutes/{minutes_id}/approve-at-meeting",
                                                  {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.minutes_correct": ("POST", "/board/minutes/{minutes_id}/correct", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.synthesis_edit": ("GET", "/board/minutes/{minutes_id}/synthesis/fr", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "working_groups.minutes_publish": ("POST", "/board/minutes/{minutes_id}/publish", {"secretary"},
        {400: EMPTY_FORM}),
    "working_groups.minutes_pdf": ("GET", "/board/minutes/{minutes_id}/minutes.pdf", {"board", "secretary"}),
    "working_groups.syntheses_index": ("GET", "/minutes/", WG_VIEWERS),
    "working_groups.synthesis_show": ("GET", "/minutes/{published_id}", WG_VIEWERS),
    "working_groups.synthesis_pdf": ("GET", "/minutes/{published_id}/synthesis.pdf", WG_VIEWERS),
    "candidates.index": ("GET", "/candidates/", ANYONE),
    "candidates.call_page": ("GET", "/candidates/{call}", ANYONE),
    "candidates.booklet": ("GET", "/candidates/{call}/booklet.pdf", ANYONE,
        {404: "the call's booklet is not published yet"}),  # 404: not published yet
    "candidates.photo": ("GET", "/candidates/photos/999999", ANYONE,
        {404: "no photo 999999"}),  # 404: no such photo
    "candidates.my_applications": ("GET", "/candidates/me/", MEMBER),
    "candidates.application_form": ("GET", "/candidates/me/{call}/application", MEMBER,
        {"POST": {400: EMPTY_FORM}}),
    # Signed out, a post is given back on a 401 page (nothing stored) with a link to sign in again.
    "candidates.submit_application": ("POST", "/candidates/me/{call}/application/submit", MEMBER,
        {400: EMPTY_FORM}),
    "candidates.autosave": ("POST", "/candidates/me/{call}/autosave", MEMBER_KEEPS_TEXT,
        {400: EMPTY_FORM}),
    "candidates.withdraw": ("GET", "/candidates/me/{call}/withdraw", MEMBER,
        {404: "this member has no application to withdraw"}),  # 404: no application
    "candidates.manage_index": ("GET", "/candidates/manage/", {"secretary"}),
    "candidates.new_call": ("GET", "/candidates/manage/new", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "candidates.edit_call": ("GET", "/candidates/manage/{call}/edit", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "candidates.manage_call": ("GET", "/candidates/manage/{call}", {"secretary"}),
    "candidates.announce": ("GET", "/candidates/manage/{call}/announce", {"secretary"}),
    "candidates.publish": ("GET", "/candidates/manage/{call}/publish", {"secretary"}),
    "candidates.review": ("GET", "/candidates/manage/applications/999999", {"secretary"},
        {404: "no application 999999"}),
    "candidates.accept": ("POST", "/candidates/manage/applications/999999/accept", {"secretary"},
        {404: "no application 999999"}),
    "candidates.reject": ("POST", "/candidates/manage/applications/999999/reject", {"secretary"},
        {404: "no application 999999"}),
    "candidates.ask_correction": ("POST", "/candidates/manage/applications/999999/correction", {"secretary"},
        {404: "no application 999999"}),
    "candidates.ballot": ("GET", "/candidates/manage/{call}/ballot", {"secretary"},
        {"POST": {400: EMPTY_FORM}}),
    "candidates.ballot_json": ("GET", "/candidates/manage/{call}/ballot.json", {"secretary"},
        {422: "the ballot order is not drawn yet"}),  # 422: no order yet
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


def _matrix_assembly():
    from datetime import date, datetime, timezone

    from assemblies import services

    when = datetime(2026, 6, 20, 12, tzinfo=timezone.utc)
    return services.create_assembly(slug="matrix-ga", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=when,
                                    place="Brussels", voting_opens_at=when, voting_closes_at=when.replace(hour=18),
                                    record_date=date(2026, 6, 1))


def _matrix_document() -> int:
    from datetime import date

    from shares import documents
    from shares.models import DocumentKind

    return documents.add_version(DocumentKind.STATUTES, "fr", date(2024, 6, 20), "statuts.pdf", b"%PDF-1.4 x\n%%EOF").id


def _account_for(person: str):
    if person == "member":  # a member of the cooperative: a share paid
        return give_paid_share(make_member_obj()).account
    member = make_member_obj()  # people with roles are members too in this matrix
    return make_account(roles=(Role(person),), email=f"{person}-{member.id}@example.be")


@pytest.fixture(scope="module")
def csrf_app():
    """The app as deployed on this point: CSRF protection on."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URI, "WTF_CSRF_ENABLED": True})
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


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
    if who in (MEMBER, MEMBER_KEEPS_TEXT):
        return person == "member"
    return person in who


def _signed_in_client(app, account):
    client = app.test_client()
    if account is not None:
        sign_in(client, account)
    return client, session_csrf_token(client)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_access(csrf_app, db, endpoint):
    """Every person in turn on the same objects, built once per route (a tallied election takes a
    second); every failure is listed, naming the person and the method."""
    declared_method, url, who = ROUTES[endpoint][:3]
    target = make_member_obj()
    slug = None
    if "{slug}" in url:
        slug = small_tallied_election("matrix").election.slug
        db.session.commit()
    assembly = None
    if "{assembly}" in url:
        assembly = _matrix_assembly().slug
        db.session.commit()
    ids = _working_group_objects() if endpoint.startswith("working_groups.") else {}
    call = None
    if "{call}" in url:
        call = _matrix_call()
        db.session.commit()
    document = None
    if "{document}" in url:
        document = _matrix_document()
        db.session.commit()
    url = url.format(member_id=target.id, slug=slug, assembly=assembly, call=call, document=document, **ids)
    methods = _methods(csrf_app, endpoint)
    assert declared_method in methods, f"{endpoint} does not accept {declared_method}"
    failures = [failure for person in PEOPLE for failure in _check_person(csrf_app, db, endpoint, person, url, methods)]
    assert not failures, "\n".join(failures)


def _check_person(app, db, endpoint: str, person: str, url: str, methods: list[str]) -> list[str]:
    """What is wrong with the answers ``person`` gets for every method of the route."""
    who = ROUTES[endpoint][2]
    account = None if person == "anonymous" else _account_for(person)
    client, token = _signed_in_client(app, account)
    allowed = _allowed(who, person, account)
    failures = []
    for method in methods:
        data = {"csrf_token": token} if method != "GET" else None
        response = client.open(url, method=method, data=data, headers={"X-CSRFToken": token})
        body = response.get_data()
        response.close()
        status, location = response.status_code, response.headers.get("Location", "")
        to_login = status == 302 and "/auth/login" in location
        label = f"{method} {endpoint} as {person}: {status}"
        if allowed:
            reasons = _reasons(ROUTES[endpoint], method)
            if not (status < 400 or status in reasons):
                failures.append(f"{label} (declare the reason in ROUTES if it is right)")
            elif status == 403 or (who != ANYONE and to_login):
                failures.append(label)
        elif account is None and who == MEMBER_KEEPS_TEXT:
            if not (status == 200 and b"sign in" in body.lower()):
                failures.append(label)
        elif account is None:
            if not (to_login or status in (401, 403)):
                failures.append(label)
        elif status != 403:
            failures.append(label)
        if method != "GET":  # an action may have been done (a sign-out): the next method starts afresh
            if account is not None:
                db.session.refresh(account)
            client, token = _signed_in_client(app, account)
    return failures


def _working_group_objects() -> dict[str, int]:
    """A group "ethics" with a volunteer, a meeting, a document, a draft and a submitted recommendation;
    draft minutes (unpublished) and published minutes."""
    from tests.working_groups.conftest import make_board, make_group, make_minutes, make_recommendation
    from working_groups import services
    from working_groups.models import GroupRole

    group = make_group("ethics")
    member = make_member_obj()
    membership = services.add_to_group(group, member, GroupRole.MEMBER)
    document = services.add_document(group, "Mandat", "mandat.txt", b"Mandat\n")
    draft = make_recommendation(group, "draft", title="Brouillon")
    rec = make_recommendation(group, "submitted")
    board = make_board(2)
    published = make_minutes("published", board=board, meeting_on=date(2026, 9, 10))
    minutes = make_minutes("draft", board=board, meeting_on=date(2026, 10, 8))  # another meeting: one set each
    return {"membership_id": membership.id, "meeting_id": rec.adopted_meeting_id, "document_id": document.id,
            "draft_id": draft.id, "rec_id": rec.id, "minutes_id": minutes.id, "published_id": published.id,
            "item_id": minutes.items[0].id, "decision_id": minutes.decisions[0].id}


def test_a_member_cannot_see_unpublished_minutes(app):
    ids = _working_group_objects()
    client = app.test_client()
    sign_in(client, give_paid_share(make_member_obj()).account)
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


def test_the_demo_outbox_finds_mail_by_part_of_the_address(app, client):
    """The filter was an exact match behind an e-mail field: typing a name did nothing, or found nothing."""
    from app.models import OutboxMessage

    for address in ("marie.dubois@example.be", "jan.peeters@example.be"):
        _db.session.add(OutboxMessage(to_address=address, language="en", subject="Hello", body_text="Hello"))
    _db.session.commit()
    app.config["DEMO"] = True
    try:
        page = client.get("/dev/outbox?to=Dubois").get_data(as_text=True)
        assert "marie.dubois@example.be" in page and "jan.peeters@example.be" not in page
        assert 'type="search"' in page
        assert "No messages." in client.get("/dev/outbox?to=%25").get_data(as_text=True)  # a wildcard is a character
    finally:
        app.config["DEMO"] = False
