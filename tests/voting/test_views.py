"""Pages and JSON of the board: who may see what, the cast endpoint's answers, scrutineer uploads,
officer buttons, the tracker search."""
from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, AccountRole, OutboxMessage, Role
from voting import services, texts
from voting.crypto.ballot import encrypt_ballot
from voting.crypto.credential import credential_public, generate_credential
from voting.crypto.dkg import keygen_step1
from voting.demo import definition, demo_contests, make_kits, partial_decryption, run_keygen, seal_signature
from voting.models import BoardEvent, CastBallot, ElectionState
from tests.factories import make_member_obj

PEOPLE = ["anonymous", "member", "staff", "officer", "scrutineer", "other-scrutineer"]


def account(role: Role, email: str) -> Account:
    acc = Account(email=email, display_name=email, language="en", roles=[AccountRole(role=role)])
    db.session.add(acc)
    db.session.commit()
    return acc


def open_election_world() -> dict:
    """An open election whose scrutineer t1 is scrutineer@..., and a member holding a credential."""
    scr = account(Role.SCRUTINEER, "scrutineer@example.be")
    other = account(Role.SCRUTINEER, "other-scrutineer@example.be")
    officer = account(Role.OFFICER, "officer@example.be")
    staff = account(Role.STAFF, "staff@example.be")
    member = make_member_obj()
    kits = make_kits(3)
    election = services.create_election(definition("ag-web", "Web assembly", demo_contests(3, 2), kits, 2, min_ballots=1),
                                        {"t1": scr}, slug="ag-web")
    run_keygen(election, kits)
    cred = generate_credential()
    extra = [generate_credential() for _ in range(2)]
    services.publish_credentials(election, [{"credential": credential_public(c), "category": "A",
                                             "voter": services.new_voter()} for c in [cred, *extra]],
                                 {credential_public(cred): member.id})
    services.open_election(election)
    db.session.commit()
    people = {"member": member.account, "staff": staff, "officer": officer, "scrutineer": scr,
              "other-scrutineer": other}
    return {"election": election, "kits": kits, "cred": cred, "extra": extra, "member": member, "people": people}


@pytest.fixture
def world():
    """``open_election_world()`` for a test that may change it."""
    return open_election_world()


def client_for(app, world, person):
    from tests.factories import sign_in

    client = app.test_client()
    if person != "anonymous":
        sign_in(client, world["people"][person])
    return client


def make_ballot(world, cred=None, selections=None):
    election = world["election"]
    el = services.crypto_election(election)
    sel = selections or {"accounts-2025": ["yes"], "discharge-board": ["no"], "statutes-art-12": ["abstain"]}
    return encrypt_ballot(el, election.public_key, cred or world["cred"], sel)


# -- who may see what: tests/voting/test_views_access.py; officers' pages here (closing writes) --

@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("method, url", [
    ("GET", "/voting/manage/"), ("GET", "/voting/manage/ag-web"), ("POST", "/voting/manage/ag-web/close")])
def test_officer_pages_only_for_officers(app, world, person, method, url):
    response = client_for(app, world, person).open(url, method=method)
    if person == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.location
    elif person == "officer":
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


def test_unknown_election_is_404(app, world):
    client = client_for(app, world, "officer")
    for url in ("/voting/nope/board", "/voting/nope/record.json", "/voting/manage/nope", "/voting/ag-web/tally.json"):
        assert client.get(url).status_code == 404
    assert client.post("/voting/manage/ag-web/explode").status_code == 404


# -- casting --------------------------------------------------------------------------------------

def test_cast_requires_login_when_the_election_says_so(app, world):
    response = client_for(app, world, "anonymous").post("/voting/ag-web/ballots", json=make_ballot(world))
    assert response.status_code == 403 and response.json["error"] == "login_required"
    assert "sign in" in response.json["message"]


def test_cast_returns_the_tracker_and_mails_it(app, world, outbox):
    client = client_for(app, world, "member")
    response = client.post("/voting/ag-web/ballots", json=make_ballot(world))
    assert response.status_code == 201
    tracker = response.json["tracker"]
    assert [m for m in outbox(world["member"].email) if tracker in m.body_text]
    # the tracker search finds it, as an htmx partial and as a page
    partial = client.get(f"/voting/ag-web/board?q={tracker[:10]}", headers={"HX-Request": "true",
                                                                           "HX-Target": "tracker-results"})
    body = partial.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="tracker-results"') and tracker in body and "it counts" in body
    assert partial.headers["Vary"] == "HX-Request" or "HX-Request" in partial.headers["Vary"]
    page = client.get(f"/voting/ag-web/board?q={tracker}").get_data(as_text=True)
    assert "<h1>" in page and tracker in page
    # each ballot found links, in words, to the board's page of events that lists it
    seq = db.session.scalar(select(CastBallot.seq).where(CastBallot.tracker == tracker))
    link = re.search(r'<a href="(/voting/ag-web/board\?page=(\d+)#event-(\d+))">See it among the events of the board'
                     r'</a>', body)
    assert link and (int(link[2]), int(link[3])) == (1, seq)
    assert f'<tr id="event-{seq}">' in client.get(link[1]).get_data(as_text=True)
    # a revote supersedes it
    second = client.post("/voting/ag-web/ballots", json=make_ballot(world, selections={
        "accounts-2025": ["no"], "discharge-board": ["no"], "statutes-art-12": ["no"]}))
    assert second.status_code == 201
    body = client.get(f"/voting/ag-web/board?q={tracker}").get_data(as_text=True)
    assert "Superseded by a later ballot" in body


@pytest.mark.parametrize("tamper, status, code", [
    (lambda b: b.update(election="0" * 64), 422, "wrong_election"),
    (lambda b: b.update(credential=credential_public(generate_credential())), 403, "unknown_credential"),
    (lambda b: b["contests"][0]["choices"][0].update(alpha="02" + "ff" * 32), 400, "invalid_element"),
    (lambda b: b.update(signature="11" * 64), 400, "ballot_signature"),
    (lambda b: b.pop("contests"), 400, "ballot_format"),
])
def test_cast_refusals_have_a_reason_and_a_status(app, world, tamper, status, code):
    ballot = make_ballot(world)
    tamper(ballot)
    response = client_for(app, world, "member").post("/voting/ag-web/ballots", json=ballot)
    assert response.status_code == status, response.json
    assert response.json["error"] == code and response.json["message"]
    assert db.session.scalar(select(func.count(BoardEvent.id)).where(BoardEvent.type == "ballot")) == 0


def test_cast_copy_duplicate_and_after_close(app, world):
    client = client_for(app, world, "member")
    ballot = make_ballot(world)
    first = client.post("/voting/ag-web/ballots", json=ballot)
    assert first.status_code == 201
    # The very same ballot again (a retry after a lost answer): idempotent, same tracker, counted once.
    again = client.post("/voting/ag-web/ballots", json=ballot)
    assert again.status_code == 200 and again.json["tracker"] == first.json["tracker"] and again.json["already"]
    assert db.session.scalar(select(func.count(BoardEvent.id)).where(BoardEvent.type == "ballot")) == 1
    assert client.post("/voting/ag-web/ballots", data="not json",
                       content_type="application/json").status_code == 400
    services.revoke_credential(world["election"], credential_public(world["extra"][1]))
    db.session.commit()
    revoked = client.post("/voting/ag-web/ballots", json=make_ballot(world, world["extra"][1]))
    assert revoked.status_code == 403 and revoked.json["error"] == "revoked_credential"
    officer = client_for(app, world, "officer")
    assert officer.post("/voting/manage/ag-web/close").status_code == 302
    late = client.post("/voting/ag-web/ballots", json=make_ballot(world, world["extra"][0]))
    assert late.status_code == 409 and late.json["error"] == "ballot_after_close"


def test_cast_needs_the_csrf_header_when_csrf_is_on(app, world, make_app):
    strict = make_app(WTF_CSRF_ENABLED=True)
    from tests.factories import sign_in

    client = strict.test_client()
    sign_in(client, world["people"]["member"])
    ballot = make_ballot(world)
    assert client.post("/voting/ag-web/ballots", json=ballot).status_code == 400
    html = client.get("/voting/ag-web/board").get_data(as_text=True)
    token = html.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    response = client.post("/voting/ag-web/ballots", json=ballot, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    with strict.app_context():
        db.session.remove()
        db.engine.dispose()


# -- scrutineers and officers ---------------------------------------------------------------------

def test_scrutineer_uploads_keygen_and_decryption(app, world, make_member):
    # a second election in key generation, t1 acted for by the scrutineer account
    kits = make_kits(2)
    election = services.create_election(definition("ag-keys", "Keys", demo_contests(2, 2), kits, 2),
                                        {"t1": world["people"]["scrutineer"]}, slug="ag-keys")
    db.session.commit()
    client = client_for(app, world, "scrutineer")
    page = client.get("/voting/ag-keys/scrutineer").get_data(as_text=True)
    assert "key generation, step 1" in page
    el = services.crypto_election(election)
    step1, _ = keygen_step1(el, kits["t1"].private)
    # the JSON endpoint takes what the CLI writes; a file signed for t2 is refused for t1
    wrong = client.post("/voting/ag-keys/trustees/t1/steps", json=keygen_step1(el, kits["t2"].private)[0])
    assert wrong.status_code == 403 and wrong.json["error"] == "not_a_trustee"
    forged = dict(step1, commitments=list(reversed(step1["commitments"])))
    bad = client.post("/voting/ag-keys/trustees/t1/steps", json=forged)
    assert bad.status_code == 400 and bad.json["error"] == "trustee_signature"
    ok = client.post("/voting/ag-keys/scrutineer/t1/upload",
                     data={"file": (io.BytesIO(json.dumps(step1).encode()), "t1.step1.json")})
    assert ok.status_code == 302
    again = client.post("/voting/ag-keys/scrutineer/t1/upload",
                        data={"file": (io.BytesIO(json.dumps(step1).encode()), "t1.step1.json")})
    assert again.status_code == 409 and "already been published" in again.get_data(as_text=True)
    garbage = client.post("/voting/ag-keys/scrutineer/t1/upload", data={"file": (io.BytesIO(b"\xff"), "x.json")})
    assert garbage.status_code == 400 and "not JSON" in garbage.get_data(as_text=True)
    # A private file (the key, the key-generation state) is never taken: said as such, nothing recorded.
    events = db.session.scalar(db.select(db.func.count()).select_from(BoardEvent))
    for private in (kits["t1"].private, keygen_step1(el, kits["t1"].private)[1]):
        refused = client.post("/voting/ag-keys/scrutineer/t1/upload",
                              data={"file": (io.BytesIO(json.dumps(private).encode()), "t1.key.json")})
        assert refused.status_code == 400 and "This is one of your private files" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(BoardEvent)) == events
    assert 'data-private-message="This is one of your private files' in client.get("/voting/ag-keys/scrutineer").text
    # Another election's file, or one signed with another key, is said as such (not as a ballot's signature).
    for data, status, words in ((dict(step1, election="0" * 64), 422, "This file was made for another election"),
                                (forged, 400, "The file's signature is not this scrutineer's key")):
        answer = client.post("/voting/ag-keys/scrutineer/t1/upload",
                             data={"file": (io.BytesIO(json.dumps(data).encode()), "t1.step1.json")})
        assert answer.status_code == status and words in answer.get_data(as_text=True).replace("&#39;", "'")
    assert "Waiting for the other scrutineers" in client.get("/voting/ag-keys/scrutineer").get_data(as_text=True)


def test_officer_runs_close_tally_result_and_sees_who_is_missing(app, world, client):
    officer = client_for(app, world, "officer")
    member = client_for(app, world, "member")
    assert member.post("/voting/ag-web/ballots", json=make_ballot(world)).status_code == 201
    page = officer.get("/voting/manage/ag-web").get_data(as_text=True)
    # Each step asks first: the summary says what, a second button does it, after saying what follows.
    assert re.search(r"<summary>Close the ballot box</summary>\s*<form[^>]*/voting/manage/ag-web/close", page)
    assert "every ballot received before now is counted, none after." in page and "Yes, close the ballot box" in page
    assert '<button type="button" disabled>Publish the result</button>' in page  # not yet: no confirmation to open
    assert officer.post("/voting/manage/ag-web/close").status_code == 302
    again = officer.post("/voting/manage/ag-web/close")  # confirmed again from another tab: said in words
    assert again.status_code == 409 and "The vote is already closed." in again.get_data(as_text=True)
    board = client.get("/voting/ag-web/board").get_data(as_text=True)
    for words in ("The ballot box opens", "A ballot", "The ballot box closes"):  # events in words, not types
        assert f"<td>{words}" in board
    assert "<td>open" not in board and "<td>ballot" not in board
    early = officer.post("/voting/manage/ag-web/result")
    assert early.status_code == 409
    unsealed = officer.post("/voting/manage/ag-web/tally")
    assert unsealed.status_code == 422 and "signed the seal" in unsealed.get_data(as_text=True), unsealed.get_data(as_text=True)[-1500:]
    election = world["election"]
    db.session.refresh(election)
    # t1 signs the seal through the JSON endpoint, as the browser would; t2 with the command-line tool
    scr = client_for(app, world, "scrutineer")
    seal = scr.get("/voting/ag-web/seal.json").json
    assert seal["counted"] == 1 and seal["signed"] == [] and seal["threshold"] == 2
    from voting.crypto.dkg import sign_trustee_data

    body = {k: seal[k] for k in ("election", "close", "counted", "head")}
    signed = sign_trustee_data(world["kits"]["t1"].private, "seal_signature", {**body, "trustee": "t1"})
    posted = scr.post("/voting/ag-web/trustees/t1/steps", json=signed)
    assert posted.status_code == 201 and posted.json["type"] == "seal_signature"
    assert scr.post("/voting/ag-web/trustees/t1/steps", json=signed).status_code == 409  # once
    assert services.missing_trustees(election) == ["t2", "t3"]
    services.record_trustee_step(election, seal_signature(election, world["kits"]["t2"]))
    db.session.commit()
    # k = 2 signatures are enough: nobody is waited for any more (t3 is not asked to sign).
    assert services.missing_trustees(election) == []
    assert "Waiting for these scrutineers" not in officer.get("/voting/manage/ag-web").get_data(as_text=True)
    assert officer.post("/voting/manage/ag-web/tally").status_code == 302
    services.record_trustee_step(election, partial_decryption(election, world["kits"]["t2"]))
    db.session.commit()
    short = officer.post("/voting/manage/ag-web/result")
    assert short.status_code == 422
    assert "Missing scrutineers: Scrutineer 1, Scrutineer 3." in short.get_data(as_text=True)  # names, not ids
    # t1 decrypts from the scrutineer page's JSON endpoint, as the browser would
    tally = scr.get("/voting/ag-web/tally.json").json
    assert tally["hash"] == services.tally_event(election).hash
    posted = scr.post("/voting/ag-web/trustees/t1/steps", json=partial_decryption(election, world["kits"]["t1"]))
    assert posted.status_code == 201 and posted.json["type"] == "partial_decryption"
    assert officer.post("/voting/manage/ag-web/result").status_code == 302
    db.session.refresh(election)
    assert election.state is ElectionState.TALLIED
    board = client_for(app, world, "anonymous").get("/voting/ag-web/board").get_data(as_text=True)
    assert "Decrypted by the scrutineers: Scrutineer 1, Scrutineer 2." in board  # names, not ids


def test_board_pages_and_queries_stay_constant(app, world, query_counter):
    client = client_for(app, world, "member")
    for i in range(3):
        assert client.post("/voting/ag-web/ballots", json=make_ballot(world)).status_code == 201
    with query_counter() as few:
        client.get("/voting/ag-web/board")
    for i in range(4):
        client.post("/voting/ag-web/ballots", json=make_ballot(world))
    with query_counter() as more:
        html = client.get("/voting/ag-web/board").get_data(as_text=True)
    assert more.n == few.n
    assert "superseded" in html
    assert db.session.scalar(select(func.count(OutboxMessage.id))) >= 4


def test_scrutineer_uploads_a_complaint_against_a_bad_dealer(app, world):
    """The complaint `keygen2` writes goes through the same endpoint and form; a false one is a 400
    with a sentence, and changes nothing."""
    from tests.voting.dishonest import bad_step1
    from voting.crypto.dkg import make_complaint, sign_trustee_data
    from voting.crypto.ed25519 import prove_x25519_dh

    kits = make_kits(3)
    election = services.create_election(definition("ag-complaint", "Complaint", demo_contests(2, 2), kits, 2),
                                        {"t1": world["people"]["scrutineer"]}, slug="ag-complaint")
    el = services.crypto_election(election)
    step1 = []
    for tid, kit in kits.items():
        data, kit.state = bad_step1(el, kit.private, "t1") if tid == "t2" else keygen_step1(el, kit.private)
        services.record_trustee_step(election, data)
        step1.append(data)
    db.session.commit()
    client = client_for(app, world, "scrutineer")
    # t1's true, proven secret of the honest t3's box: it opens and matches, so it proves nothing.
    context = {"election": el.fingerprint, "trustee": "t1", "dealer": "t3"}
    shared, proof = prove_x25519_dh(context, kits["t1"].private["encryption_secret"], el.trustees[0].encryption_key,
                                    step1[2]["shares"]["t1"]["ephemeral"])
    false = sign_trustee_data(kits["t1"].private, "trustee_complaint", dict(context, shared_secret=shared, proof=proof))
    refused = client.post("/voting/ag-complaint/trustees/t1/steps", json=false)
    assert refused.status_code == 400 and refused.json["error"] == "complaint_unfounded"
    assert refused.json["message"].startswith("This complaint proves nothing against the scrutineer it names")
    complaint = make_complaint(el, kits["t1"].private, step1[1])
    ok = client.post("/voting/ag-complaint/scrutineer/t1/upload",
                     data={"file": (io.BytesIO(json.dumps(complaint).encode()), "t1.step2.json.complaint-t2.json")})
    assert ok.status_code == 302
    types = [e["type"] for e in services.iter_events(election)]
    assert types.count("trustee_complaint") == 1
    assert services.missing_trustees(election) == ["t1", "t2", "t3"]
    page = client.get("/voting/ag-complaint/scrutineer").get_data(as_text=True)
    names = texts.trustee_names(election.definition, "en")  # people, not ids: "Scrutineer Anne Dupont..."
    assert names["t2"] != "t2"
    assert f"Scrutineer {names['t2']} is left out of the key: {names['t1']} proved that a share it dealt was wrong." in page
    assert "Step to do: key generation, step 2" in page


def test_the_demo_elections_show_words_not_identifiers(app):
    """The standalone demo elections (ag-2025, ag-2026) carry their words in three languages: the
    ballot, the board's result and the mails name contests and candidates, never a01 or board-a."""
    from flask_babel import force_locale

    from voting.demo import demo_definition, demo_contests, make_kits

    kits = make_kits(3)
    for contests in (demo_contests(), demo_contests(10, 6)):
        definition = demo_definition("ag-words", 2026, contests, kits)
        for language, title in (("fr", "Vote en ligne 2026"), ("nl", "Online stemming 2026"),
                                ("en", "Online vote 2026")):
            with app.test_request_context(), force_locale(language):
                view = texts.ballot_view(definition, language)
            assert view["title"] == title
            for contest in view["contests"]:
                assert contest["title"] != contest["id"]
                assert all(choice["label"] != choice["id"] for choice in contest["choices"])


def test_an_election_of_its_own_asks_its_voter_on_the_home_page(app, world):
    """Not an assembly's: "Vote" on the member's home page while no ballot of theirs counts, then
    "Vote again" (offered, not counted as owed); nothing for someone without a credential."""
    member = client_for(app, world, "member")
    home = member.get("/").get_data(as_text=True)
    assert "Vote: Web assembly" in home and 'href="/voting/ag-web/vote"' in home
    assert member.post("/voting/ag-web/ballots", json=make_ballot(world)).status_code == 201
    home = member.get("/").get_data(as_text=True)
    assert "Vote again: Web assembly" in home and "Vote: Web assembly" not in home
    assert "Web assembly" not in client_for(app, world, "staff").get("/").get_data(as_text=True)


def test_a_member_no_credential_was_sent_to_is_told_so_instead_of_a_ballot(app, world):
    from tests.factories import make_member_obj, sign_in

    outsider = make_member_obj()
    client = app.test_client()
    sign_in(client, outsider.account)
    page = client.get("/voting/ag-web/vote").get_data(as_text=True)
    assert "You are not among the voters of this election" in page and 'id="ballot-form"' not in page
    voter = client_for(app, world, "member").get("/voting/ag-web/vote").get_data(as_text=True)
    assert 'id="ballot-form"' in voter and "not among the voters" not in voter


def test_an_election_whose_key_is_on_the_board_reads_ready_to_open(app):
    from voting.demo import definition, make_kits, run_keygen
    from voting.simulate import reference_contests

    kits = make_kits(3)
    election = services.create_election(definition("ag-ready", "Ready", reference_contests(), kits, 2), slug="ag-ready")
    db.session.commit()
    board = app.test_client().get("/voting/ag-ready/board").get_data(as_text=True)
    assert "Key generation" in board or "Waiting for the scrutineers" in board
    run_keygen(election, kits)
    db.session.commit()
    assert "Ready to open" in app.test_client().get("/voting/ag-ready/board").get_data(as_text=True)


def test_a_vote_of_its_own_tells_its_scrutineers_no_hall(app, world):
    """An election that is no assembly's had no hall: its scrutineers compare with the officer's figures."""
    services.close_election(world["election"])
    db.session.commit()
    page = client_for(app, world, "scrutineer").get("/voting/ag-web/scrutineer").get_data(as_text=True)
    assert "This vote had no hall" in page and "announced in the hall" not in page
    assert "the hall&#39;s" not in page and "the ones the election officer announces." in page
    # The step and the browser tool's summaries say it in the same words.
    assert page.count("Compare the figures the tool shows with the ones the election officer announces.") == 2


def test_the_officer_home_page_asks_to_open_an_election_of_its_own_once_it_can_be(app):
    """Before the key, the scrutineers' turn, and without credentials nobody could vote: nothing for
    the officer; then the box to open, as the management page offers it."""
    from tests.factories import sign_in

    scr = account(Role.SCRUTINEER, "scrutineer@example.be")
    officer = account(Role.OFFICER, "officer@example.be")
    kits = make_kits(2)
    election = services.create_election(definition("own-vote", "Own vote", demo_contests(2, 1), kits, 2,
                                                    min_ballots=1), {"t1": scr}, slug="own-vote")
    db.session.commit()
    client = app.test_client()
    sign_in(client, officer)
    assert "Open the ballot box" not in client.get("/").get_data(as_text=True)
    run_keygen(election, kits)
    db.session.commit()
    assert "Open the ballot box" not in client.get("/").get_data(as_text=True)
    services.publish_credentials(election, [{"credential": credential_public(generate_credential()), "category": "A",
                                             "voter": services.new_voter()}], {})
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "Open the ballot box: Own vote" in home and 'href="/voting/manage/own-vote"' in home
    assert "Yes, open the ballot box" in client.get("/voting/manage/own-vote").get_data(as_text=True)
    services.open_election(election)
    db.session.commit()
    assert "Open the ballot box" not in client.get("/").get_data(as_text=True)


def test_the_board_says_how_many_credentials_were_revoked_and_the_ballot_page_where_a_credential_is(app, world):
    """So that the board's figure can be matched with the electorate; an election of its own has no convocation."""
    election = world["election"]
    services.revoke_credential(election, credential_public(world["extra"][0]))
    db.session.commit()
    anonymous = app.test_client()
    board = anonymous.get("/voting/ag-web/board").get_data(as_text=True)
    assert "<dt>Voting credentials</dt><dd>3 (1 revoked, 2 valid)" in " ".join(board.split())
    anonymous.post("/language", data={"language": "fr"})
    board = anonymous.get("/voting/ag-web/board").get_data(as_text=True)
    assert "3 (1 révoqué, 2 valables)" in board  # each count agrees with its own number
    vote = client_for(app, world, "member").get("/voting/ag-web/vote").get_data(as_text=True)
    assert "It is in the mail that announced this vote" in vote and "in your convocation" not in vote
