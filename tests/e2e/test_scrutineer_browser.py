"""A scrutineer in Chromium does key generation from the browser (static/js/scrutineer/page.mjs):
signs in with password and code, creates their keys in the page, saves the private file and
publishes the public keys; deals their shares (step 1); comes back later, loads the saved private
file and checks the shares dealt to them (step 2). What the browser posted is checked by the same
Python code as the command line tool's files, and the two other scrutineers act with Python.
The page is scanned with axe-core at each stage."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Role
from tests.factories import make_account
from voting import queries, services
from voting.crypto.dkg import keygen_step1, keygen_step2, verify_step1
from voting.crypto.election import Contest
from voting.demo import definition, make_kits
from voting.models import BoardEvent, ElectionState
from voting.record import record_document, replay
from tests.e2e.conftest import assert_fits_phone, sign_in_with_password_and_code

CONTESTS = [
    Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("board-a", "board", ("a1", "a2", "a3"), 0, 2, category="A", seats=2),
]
PAGE_SCRIPT = "/static/js/scrutineer/page.mjs"


def scrutineer_account(email):
    account = make_account(roles=(Role.SCRUTINEER,), email=email)
    db.session.commit()
    return account


def open_scrutineer_page(page, live_server, slug):
    page.goto(live_server.path(f"/voting/{slug}/scrutineer"))
    assert page.locator(f'script[type=module][src$="{PAGE_SCRIPT}"]').count() == 1  # no inline script
    widget = page.locator(".scrutineer-browser")
    expect(widget.get_by_role("status")).to_be_attached()
    return widget


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught exceptions of the page (a CSP violation shows up here)."""
    errors = []
    page.on("console", lambda msg: errors.append(f"{msg.text} @ {msg.location}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def board_types(election):
    db.session.expire_all()
    return [row.type for row in db.session.scalars(db.select(BoardEvent).where(BoardEvent.election_id == election.id)
                                                   .order_by(BoardEvent.seq))]


def test_scrutineer_generates_the_key_from_the_browser(page, live_server, accessible, tmp_path, console_errors):
    account = scrutineer_account("scrutineer@example.be")
    kits = make_kits(3)
    draft = definition("ag-browser", "General assembly", CONTESTS, kits, 2)
    draft["trustees"][0] = {"id": "t1", "name": "Scrutineer 1", "signing_key": "", "encryption_key": ""}
    election = services.create_election(draft, trustees={"t1": account}, slug="ag-browser")
    db.session.commit()
    assert election.state is ElectionState.SETUP

    sign_in_with_password_and_code(page, live_server, account)

    # 1. keys made in the browser; the public half is published only after the private file is saved
    widget = open_scrutineer_page(page, live_server, "ag-browser")
    accessible(page)
    widget.get_by_role("button", name="Create my keys in this browser").click()
    publish = widget.get_by_role("button", name="Publish my public keys")
    expect(publish).to_be_disabled()
    with page.expect_download() as dl:
        widget.get_by_role("button", name="Save my private file").click()
    key_file = tmp_path / dl.value.suggested_filename
    assert key_file.name == "ag-browser-scrutineer-t1-key.private.json"  # named after the election from the first file
    dl.value.save_as(key_file)
    saved = json.loads(key_file.read_text())
    assert saved["format"] == "unevoix/v1/trustee-private" and set(saved["key"]) == {"id", "signing_seed", "encryption_secret"}
    expect(widget.get_by_role("status")).to_contain_text("Private file saved")
    with page.expect_request(lambda r: r.method == "POST") as posted:
        publish.click()
    body = posted.value.post_data_json
    assert set(body) == {"id", "name", "signing_key", "encryption_key"}  # nothing secret is posted
    assert saved["key"]["signing_seed"] not in posted.value.post_data
    assert posted.value.headers.get("x-csrftoken")
    expect(widget.get_by_role("status")).to_have_text("Published on the board.")
    # the page's own parts follow without a reload: the state, and the step to do now
    expect(page.locator("#scrutineer-state")).to_contain_text("Key generation")
    expect(page.locator("#steps-1")).to_contain_text("Step to do: key generation, step 1")
    db.session.expire_all()
    assert election.state is ElectionState.KEYGEN
    el = services.crypto_election(election)
    assert el.trustees[0].signing_key == body["signing_key"]

    # 2. step 1 in the same page (the keys are still in memory)
    run = widget.get_by_role("button", name="Deal my shares (key generation, step 1)")
    run.click()
    with page.expect_download() as dl:
        widget.get_by_role("button", name="Save my private file").click()
    state_file = tmp_path / dl.value.suggested_filename
    assert state_file.name == "ag-browser-scrutineer-t1-state.private.json"
    dl.value.save_as(state_file)
    assert json.loads(state_file.read_text())["state"]["election"] == election.fingerprint
    widget.get_by_role("button", name="Publish").click()
    expect(widget.get_by_role("status")).to_have_text("Published on the board.")
    accessible(page)
    assert board_types(election) == ["election", "trustee_commitments"]
    mine = queries.event_data(election, "trustee_commitments")[0]
    assert mine["trustee"] == "t1" and len(verify_step1(el, mine)) == 2

    # the other scrutineers deal with the command-line code
    expect(page.locator("#steps-1")).to_contain_text("Step 1 published. Waiting for the other scrutineers")
    for tid in ("t2", "t3"):
        data, kits[tid].state = keygen_step1(el, kits[tid].private)
        services.record_trustee_step(election, data)
    db.session.commit()
    # the others' steps reach the open page too (its live part asks again), and the browser tool
    expect(page.locator("#steps-1")).to_contain_text("Step to do: key generation, step 2")
    expect(widget.get_by_role("button", name="Check the shares dealt to me (key generation, step 2)")).to_be_visible()

    # 3. later: a fresh page, the private file loaded back, step 2
    widget = open_scrutineer_page(page, live_server, "ag-browser")
    run = widget.get_by_role("button", name="Check the shares dealt to me (key generation, step 2)")
    run.click()
    expect(widget.get_by_role("status")).to_have_text("Load your private file first.")
    widget.get_by_label("Load my private file").set_input_files(str(state_file))
    expect(widget.get_by_role("status")).to_contain_text("Private file loaded")
    run.click()
    expect(widget.get_by_role("status")).to_contain_text("Every share dealt to you was checked")
    with page.expect_download() as dl:
        widget.get_by_role("button", name="Save my private file").click()
    share_file = tmp_path / dl.value.suggested_filename
    assert share_file.name == "ag-browser-scrutineer-t1-share.private.json"
    dl.value.save_as(share_file)
    widget.get_by_role("button", name="Publish").click()
    expect(widget.get_by_role("status")).to_have_text("Published on the board.")
    accessible(page)

    step1 = queries.event_data(election, "trustee_commitments")
    for tid in ("t2", "t3"):
        data, kits[tid].secret = keygen_step2(el, kits[tid].private, kits[tid].state, step1)
        services.record_trustee_step(election, data)
    db.session.commit()
    db.session.expire_all()
    assert board_types(election) == ["election"] + ["trustee_commitments"] * 3 + ["trustee_share"] * 3 + ["election_key"]
    state = replay(list(services.iter_events(election)))
    share = json.loads(share_file.read_text())["share"]
    from voting.crypto.group import base_mul

    assert base_mul(int(share["share"], 16)) == state.shares["t1"]
    assert election.public_key == state.public_key.hex()
    assert record_document(list(services.iter_events(election)))["events"][-1]["type"] == "election_key"
    assert console_errors == []


def test_scrutineer_decrypts_the_tally_from_the_browser_with_cli_files(page, live_server, sign_in, accessible, tmp_path,
                                                                    console_errors):
    """Keys and share made with the command line tool; the seal and the decryption from the browser."""
    from voting.crypto.ballot import encrypt_ballot
    from voting.crypto.credential import credential_public, generate_credential
    from voting.demo import partial_decryption, run_keygen, seal_signature

    account = scrutineer_account("teller@example.be")
    kits = make_kits(3)
    election = services.create_election(definition("ag-decrypt", "Assembly", CONTESTS, kits, 2),
                                        trustees={"t2": account}, slug="ag-decrypt", require_login=False)
    run_keygen(election, kits)
    creds = [generate_credential() for _ in range(6)]
    services.publish_credentials(election, [{"credential": credential_public(c), "category": cat,
                                             "voter": services.new_voter()} for c, cat in zip(creds, "AAAAAA")])
    services.open_election(election)
    el = services.crypto_election(election)
    votes = [["yes"], ["no"], ["yes"], ["abstain"], ["yes"]]
    for cred, vote in zip(creds, votes):
        services.cast_ballot(election, encrypt_ballot(el, election.public_key, cred, {"r1": vote, "board-a": ["a2"]}))
    services.close_election(election)
    services.record_trustee_step(election, seal_signature(election, kits["t3"]))
    db.session.commit()
    key_file, share_file = tmp_path / "t2.key.json", tmp_path / "t2.share.json"
    key_file.write_text(json.dumps(kits["t2"].private))  # exactly what `voting.trustee init` / `keygen2` write
    share_file.write_text(json.dumps(kits["t2"].secret))

    sign_in(page, live_server, account)
    page.set_viewport_size({"width": 360, "height": 740})
    widget = open_scrutineer_page(page, live_server, "ag-decrypt")
    accessible(page)
    assert_fits_phone(page)
    # The seal: every ballot of the closed board checked, what it fixes shown, then signed and published.
    widget.get_by_label("Load my private file").set_input_files([str(key_file)])
    widget.get_by_role("button", name="Check the closed board and sign its seal").click()
    close = next(e for e in services.iter_events(election) if e["type"] == "close")
    expect(widget.get_by_role("status")).to_contain_text("fixes 5 counted ballots of 6 voters (turnout 5 / 6 (83.3%))")
    expect(widget.get_by_role("status")).to_contain_text(f"board head {close['data']['head']}. Compare the figures "
                                                         "the tool shows with the ones the election officer announces.")
    widget.get_by_role("button", name="These are the announced figures: sign the seal").click()
    expect(widget.get_by_role("status")).to_have_text("Your seal signature is ready to publish.")
    with page.expect_request(lambda r: r.method == "POST") as posted:
        widget.get_by_role("button", name="Publish").click()
    assert set(posted.value.post_data_json) == {"election", "trustee", "close", "counted", "head", "signature"}
    expect(widget.get_by_role("status")).to_have_text("Published on the board.")
    db.session.expire_all()
    assert sorted(services.seal_progress(election)) == ["t2", "t3"]
    services.compute_tally(election)  # k = 2 seals: the browser's and t3's
    services.record_trustee_step(election, partial_decryption(election, kits["t3"]))
    db.session.commit()

    widget = open_scrutineer_page(page, live_server, "ag-decrypt")
    widget.get_by_label("Load my private file").set_input_files([str(key_file), str(share_file)])
    expect(widget.get_by_role("status")).to_contain_text("Private file loaded")
    widget.get_by_role("button", name="Decrypt my part of the tally").click()
    # Every ballot checked in Web Workers, the tally re-added; the figures shown before anything is decrypted.
    expect(widget.get_by_role("status")).to_contain_text("You are about to decrypt the tally of 5 counted ballots "
                                                         "(category A: 5, category B: 0); turnout 5 / 6 (83.3%)")
    expect(widget.get_by_role("status")).to_contain_text(f"board head {close['prev']}. Compare the figures")
    accessible(page)
    widget.get_by_role("button", name="These are the announced figures: decrypt my part").click()
    expect(widget.get_by_role("status")).to_have_text("Your partial decryption is ready to publish.")
    with page.expect_request(lambda r: r.method == "POST") as posted:
        widget.get_by_role("button", name="Publish").click()
    assert set(posted.value.post_data_json) == {"election", "trustee", "tally", "public_share", "factors", "signature"}
    assert kits["t2"].secret["share"] not in posted.value.post_data
    expect(widget.get_by_role("status")).to_have_text("Published on the board.")
    accessible(page)

    db.session.expire_all()
    services.publish_result(election)
    db.session.commit()
    result = services.result(election)
    assert result["trustees"] == ["t2", "t3"]
    assert {ch: v["total"] for ch, v in result["counts"]["r1"].items()} == {"yes": 3, "no": 1, "abstain": 1}
    assert result["counts"]["board-a"]["a2"]["total"] == 5
    assert console_errors == []


def _closed_election_with(slug, votes, kits, account):
    """An election of this app whose board is closed and tallied after these ballots (category A)."""
    from voting.crypto.ballot import encrypt_ballot
    from voting.crypto.credential import credential_public, generate_credential
    from voting.demo import run_keygen

    election = services.create_election(definition(slug, "Assembly", CONTESTS, kits, 2),
                                        trustees={"t2": account}, slug=slug, require_login=False)
    run_keygen(election, kits)
    creds = [generate_credential() for _ in range(6)]
    services.publish_credentials(election, [{"credential": credential_public(c), "category": "A",
                                             "voter": services.new_voter()} for c in creds])
    services.open_election(election)
    el = services.crypto_election(election)
    for cred, vote in zip(creds, votes):
        services.cast_ballot(election, encrypt_ballot(el, election.public_key, cred, {"r1": vote}))
    return election


def _close_seal_tally(election, kits):
    from voting.demo import seal_signature

    services.close_election(election)
    for tid in ("t1", "t3"):
        services.record_trustee_step(election, seal_signature(election, kits[tid]))
    return services.compute_tally(election)


def test_the_browser_scrutineer_refuses_to_decrypt_a_vote(page, live_server, sign_in, accessible, tmp_path,
                                                         console_errors):
    """Attacks: a board holding one member's ballot; a tally the server made up from one member's
    ciphertexts (its sums, or only the totals to decrypt); a board the server calls closed without
    a close event. The page checks every ballot itself and refuses each, saying why; nothing is posted."""
    from voting.crypto.tally import decrypt_sums, published_groups
    from voting.record import event_hash

    account = scrutineer_account("refuser@example.be")
    kits = make_kits(3)
    one = _closed_election_with("ag-one", [["yes"]], kits, account)
    _close_seal_tally(one, kits)
    votes = [["yes"], ["no"], ["no"], ["abstain"], ["no"]]
    for slug, what in (("ag-made-up", "sums"), ("ag-made-up-decrypt", "decrypt")):
        made_up = _closed_election_with(slug, votes, kits, account)
        tally = _close_seal_tally(made_up, kits)
        el = services.crypto_election(made_up)
        victim = next(e for e in services.iter_events(made_up) if e["type"] == "ballot")["data"]["ballot"]
        forged = json.loads(json.dumps(tally.data[what]))
        for ch in victim["contests"][0]["choices"]:
            forged["A"]["r1"][ch["id"]] = {"alpha": ch["alpha"], "beta": ch["beta"]}
        data = {**tally.data, what: forged}
        if what == "sums":  # the totals to decrypt follow the made-up sums, as the rule asks
            data["decrypt"] = decrypt_sums(el, forged, published_groups(data["counted"], el.min_ballots))
        tally.data = data
        tally.hash = event_hash({"seq": tally.seq, "type": "tally", "prev": tally.prev, "data": tally.data})
    unsealed = _closed_election_with("ag-unsealed", [["yes"]] * 5, kits, account)
    unsealed.state = ElectionState.CLOSED  # the server says closed; the board has no close event
    db.session.commit()
    key_file, share_file = tmp_path / "t2.key.json", tmp_path / "t2.share.json"
    key_file.write_text(json.dumps(kits["t2"].private))
    share_file.write_text(json.dumps(kits["t2"].secret))

    sign_in(page, live_server, account)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/scrutineer" in r.url else None)
    for slug, message in [
        ("ag-one", "Every count is withheld (fewer than 5 ballots): there is nothing to decrypt."),
        ("ag-made-up", "The published record does not verify: tally_sum"),
    ]:
        widget = open_scrutineer_page(page, live_server, slug)
        widget.get_by_label("Load my private file").set_input_files([str(key_file), str(share_file)])
        expect(widget.get_by_role("status")).to_contain_text("Private file loaded")
        widget.get_by_role("button", name="Decrypt my part of the tally").click()
        expect(widget.get_by_role("status")).to_contain_text(message)
        expect(widget.get_by_role("button", name="These are the announced figures: decrypt my part")).to_have_count(0)
        accessible(page)
    # Totals to decrypt that do not follow from the sums: the page's first reading of the record refuses it.
    widget = open_scrutineer_page(page, live_server, "ag-made-up-decrypt")
    expect(widget.get_by_role("status")).to_contain_text("The published record does not verify: tally_decrypt")
    expect(widget.get_by_role("button", name="Decrypt my part of the tally")).to_have_count(0)
    # No close event (whatever the server says): no tally, so no decryption is even offered.
    widget = open_scrutineer_page(page, live_server, "ag-unsealed")
    expect(widget.get_by_role("status")).to_have_text("Nothing to do in this browser at this stage.")
    expect(widget.get_by_role("button", name="Decrypt my part of the tally")).to_have_count(0)
    assert posts == []
    assert console_errors == []
