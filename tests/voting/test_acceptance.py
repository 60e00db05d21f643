"""One acceptance rule for ballots: the server (cast_ballot on the database) and the record
(RecordState, so the verifier) accept exactly the same ballots, for the same reason.

Each attack of issue 9 ("Ballots you can trust") that concerns the ballot box is here as a
regression test: a valid ballot whose proof response repeats one on the board (the server used
to accept it and the record to refuse it, blocking the tally), a ciphertext reused by its own
credential (the other way round), revoke-and-reissue counting one member twice, a credential
key of small order, an identity election key, a foreign credential in a sign-in election."""
from __future__ import annotations

import copy
import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from voting import errors, services
from voting.crypto.ballot import SIGNATURE_PREFIX, encrypt_ballot, unsigned_ballot_hash
from voting.crypto.credential import credential_private_key, credential_public, generate_credential, public_key_hex
from voting.crypto.election import Contest
from voting.crypto.group import ORDER
from voting.crypto.proofs import random_scalar
from voting.demo import definition, make_kits, partial_decryption, run_keygen, seal_signature
from voting.models import BoardEvent
from voting.record import RecordError, RecordState, make_event, record_document
from voting.verify import verify_record

CONTESTS = [
    Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("board-a", "board", ("a1", "a2", "a3"), 0, 2, category="A", seats=2),
]
SELECTIONS = [{"r1": ["yes"], "board-a": ["a1"]}, {"r1": ["no"], "board-a": []},
              {"r1": ["abstain"], "board-a": ["a2", "a3"]}, {"r1": ["yes"], "board-a": ["a3"]}]


def resign(ballot, cred):
    key = credential_private_key(cred)
    out = {k: v for k, v in ballot.items() if k != "signature"}
    out["credential"] = public_key_hex(key)
    out["signature"] = key.sign(SIGNATURE_PREFIX + unsigned_ballot_hash(out)).hex()
    return out


def fresh(election, cred, sel=None, rng=None):
    el = services.crypto_election(election)
    return encrypt_ballot(el, election.public_key, cred, sel or random.choice(SELECTIONS), rng=rng)


def record_state(election) -> RecordState:
    """The board replayed with every rule and every proof: what the verifier applies."""
    state = RecordState()
    for event in services.iter_events(election):
        state.apply(event)
    return state


def record_verdict(election, ballot) -> str | None:
    """The record's verdict on appending this ballot: None (accepted) or the reason code."""
    state = record_state(election)
    try:
        data = state.ballot_event_data(ballot)
        state.apply(make_event(state.last, "ballot", data))
    except RecordError as exc:
        return exc.code
    return None


def server_verdict(election, ballot, member=None) -> str | None:
    try:
        services.cast_ballot(election, ballot, member)
    except errors.VotingError as exc:
        db.session.rollback()
        return exc.info.get("code", exc.code)
    db.session.commit()
    return None


@pytest.fixture
def box():
    kits = make_kits(3)
    election = services.create_election(definition("ag-accept", "Acceptance", CONTESTS, kits, 2, min_ballots=1),
                                        slug="ag-accept", require_login=False)
    run_keygen(election, kits)
    creds = [generate_credential() for _ in range(6)]
    services.publish_credentials(election, [{"credential": credential_public(c), "category": "AB"[i % 2],
                                             "voter": services.new_voter()} for i, c in enumerate(creds)])
    services.open_election(election)
    services.revoke_credential(election, credential_public(creds[5]))
    db.session.commit()
    for cred in creds[:3]:
        services.cast_ballot(election, fresh(election, cred))
        db.session.commit()
    return election, kits, creds


def board_ballots(election):
    return [row.data["ballot"] for row in db.session.scalars(
        select(BoardEvent).where(BoardEvent.election_id == election.id, BoardEvent.type == "ballot")
        .order_by(BoardEvent.seq))]


def response_reusing_rng(target_s: str, at: int = 4):
    """Draws random scalars, except the ``at``-th (1-based) which is ``target_s``: for a
    selected first choice the draws go r, w, c_0, s_0, so the 4th is the simulated branch's
    response, which the prover chooses freely."""
    count = {"n": 0}

    def draw():
        count["n"] += 1
        return int(target_s, 16) if count["n"] == at else random_scalar()
    return draw


# -- regressions ---------------------------------------------------------------------------------

def test_a_valid_ballot_repeating_a_proof_response_is_accepted_by_both(box):
    """The attack that blocked the tally: a voter picks the simulated branch's response equal to
    one on the board. The ballot is valid; the server and the record both accept it and the
    record still verifies (the credential in every statement makes copying proofs useless)."""
    election, _, creds = box
    victim = board_ballots(election)[0]
    target = victim["contests"][0]["choices"][0]["proof"][0]["s"]
    ballot = fresh(election, creds[3], {"r1": ["yes"], "board-a": []}, rng=response_reusing_rng(target))
    assert ballot["contests"][0]["choices"][0]["proof"][0]["s"] == target
    assert record_verdict(election, ballot) is None
    assert server_verdict(election, ballot) is None
    report = verify_record(record_document(list(services.iter_events(election))), workers=1, out=io.StringIO())
    assert report.ok, report.failure


def test_a_ciphertext_reused_by_its_own_credential_is_refused_by_both(box):
    """A revote re-using a ciphertext of the same credential's ballot (its proofs verify, the
    credential being the same): refused at cast time and by the record, with one code."""
    election, _, creds = box
    own = next(b for b in board_ballots(election) if b["credential"] == credential_public(creds[0]))
    ballot = fresh(election, creds[0])
    ballot["contests"][0] = copy.deepcopy(own["contests"][0])
    ballot = resign(ballot, creds[0])
    assert record_verdict(election, ballot) == "ciphertext_reused"
    assert server_verdict(election, ballot) == "ciphertext_reused"


def test_revoke_and_reissue_counts_the_member_once(box):
    """Revoking a credential that voted and issuing a new one to the same voter: the old ballot
    leaves the count, the new credential votes, the record verifies with each voter once."""
    election, kits, creds = box
    voter = db.session.scalar(select(services.Credential.voter).where(
        services.Credential.public == credential_public(creds[0])))
    services.revoke_credential(election, credential_public(creds[0]))
    replacement = generate_credential()
    services.publish_credentials(election, [{"credential": credential_public(replacement), "category": "A",
                                             "voter": voter}])
    db.session.commit()
    assert server_verdict(election, fresh(election, creds[0])) == "revoked_credential"
    assert server_verdict(election, fresh(election, replacement, SELECTIONS[1])) is None
    # A second unrevoked credential for the same voter is refused (one member, two votes).
    with pytest.raises(errors.InvalidCredentialList) as twice:
        services.publish_credentials(election, [{"credential": credential_public(generate_credential()),
                                                 "category": "A", "voter": voter}])
    assert twice.value.info["code"] == "voter_duplicate"
    db.session.rollback()
    # A brand-new voter cannot be added once the box is open.
    with pytest.raises(errors.CredentialAfterOpen):
        services.publish_credentials(election, [{"credential": credential_public(generate_credential()),
                                                 "category": "A", "voter": services.new_voter()}])
    db.session.rollback()
    services.close_election(election)
    for tid in ("t1", "t2"):
        services.record_trustee_step(election, seal_signature(election, kits[tid]))
    services.compute_tally(election)
    for tid in ("t1", "t2"):
        services.record_trustee_step(election, partial_decryption(election, kits[tid]))
    services.publish_result(election)
    db.session.commit()
    result = services.result(election)
    assert sum(result["counted"].values()) == 3  # creds[1], creds[2], the replacement
    assert result["counts"]["r1"]["no"]["total"] >= 1
    report = verify_record(record_document(list(services.iter_events(election))), workers=1, out=io.StringIO())
    assert report.ok, report.failure
    assert report.checked["revocations"] == 2 and report.checked["counted_ballots"] == 3
    # The running sums the server kept are the sums of the counted ballots, recomputed.
    state = record_state(election)
    assert state.tally_sums == state.counted_sums()


def test_small_order_credential_keys_are_refused():
    kits = make_kits(3)
    election = services.create_election(definition("ag-keys", "Keys", CONTESTS, kits, 2), slug="ag-keys")
    run_keygen(election, kits)
    db.session.commit()
    from voting.crypto.ed25519 import add_points, decode_point, encode_point, is_full_order_key

    good = credential_public(generate_credential())
    # Order 8 torsion point: adding it to a good key gives a mixed-order key OpenSSL still accepts.
    torsion = decode_point(bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"))
    mixed = encode_point(add_points(decode_point(bytes.fromhex(good)), torsion)).hex()
    identity = "01" + "00" * 31
    assert is_full_order_key(good) and not is_full_order_key(mixed) and not is_full_order_key(identity)
    for bad in (identity, mixed, "ec" + "ff" * 30 + "7f"):
        with pytest.raises(errors.InvalidCredentialList) as refused:
            services.publish_credentials(election, [{"credential": bad, "category": "A",
                                                     "voter": services.new_voter()}])
        assert refused.value.info["code"] == "credential_format"
        db.session.rollback()


def test_the_identity_election_key_fails_with_a_fail_line_not_a_traceback():
    """Two dishonest dealers whose secrets cancel out: the election key would be the identity
    (every ballot readable). The record refuses it and the verifier says FAIL."""
    from voting.crypto.dkg import joint_public_key, keygen_step1, keygen_step2, new_trustee_identity
    from voting.crypto.election import Election, TrusteeInfo
    from voting.record import append_event

    privs = [new_trustee_identity(f"t{i}", f"T{i}") for i in (1, 2)]
    el = Election("ag-id", "Identity", tuple(CONTESTS), tuple(TrusteeInfo(**p[1]) for p in privs), 1)
    secret = random_scalar()
    step1 = [keygen_step1(el, privs[0][0], rng=iter([secret, random_scalar()]).__next__),
             keygen_step1(el, privs[1][0], rng=iter([ORDER - secret, random_scalar()]).__next__)]
    events: list = []
    append_event(events, "election", el.to_json())
    for data, _ in step1:
        append_event(events, "trustee_commitments", data)
    for (priv, _), (_, state) in zip(privs, step1):
        append_event(events, "trustee_share", keygen_step2(el, priv, state, [d for d, _ in step1])[0])
    replayed = RecordState()
    for e in events:
        replayed.apply(e)
    y = joint_public_key(replayed.commitments[t.id] for t in el.trustees)
    assert y.is_identity
    append_event(events, "election_key", {"election": el.fingerprint, "public_key": "00" * 33})
    report = verify_record(record_document(events), workers=1, out=io.StringIO())
    assert report.failure is not None and report.failure.code == "election_key"
    assert report.failure.seq == 5
    assert report.failure.line().startswith("FAIL at event 5: The election key is not the one")


def test_a_sign_in_election_takes_only_the_members_own_credential(make_member):
    """Today any member's session with anyone's credential link was enough; now the ballot must
    carry the credential delivered to the signed-in member (voting.permissions.may_cast_for)."""
    kits = make_kits(3)
    election = services.create_election(definition("ag-own", "Own", CONTESTS, kits, 2, min_ballots=1),
                                        slug="ag-own", require_login=True)
    run_keygen(election, kits)
    alice, bob = make_member(), make_member()
    cred_a, cred_b = generate_credential(), generate_credential()
    services.publish_credentials(election, [{"credential": credential_public(c), "category": "A",
                                             "voter": services.new_voter()} for c in (cred_a, cred_b)],
                                 {credential_public(cred_a): alice.id, credential_public(cred_b): bob.id})
    services.open_election(election)
    db.session.commit()
    assert server_verdict(election, fresh(election, cred_b), alice) == "not_your_credential"
    assert server_verdict(election, fresh(election, cred_a), alice) is None
    from voting import queries

    assert queries.has_voted(election, alice.id) and not queries.has_voted(election, bob.id)


def test_counts_below_the_minimum_are_withheld(make_member, client):
    """Fewer than min_ballots in a category: only the total is decrypted; fewer in all: nothing."""
    for voters, expected in ((3, []), (6, ["total"])):
        kits = make_kits(3)
        slug = f"ag-min-{voters}"
        election = services.create_election(definition(slug, "Min", CONTESTS, kits, 2), slug=slug,
                                            require_login=False)
        assert election.definition["min_ballots"] == 5  # VOTING_MIN_BALLOTS, the default
        run_keygen(election, kits)
        creds = [generate_credential() for _ in range(voters)]
        cats = ["A"] * (voters - 1) + ["B"]
        services.publish_credentials(election, [{"credential": credential_public(c), "category": k,
                                                 "voter": services.new_voter()} for c, k in zip(creds, cats)])
        services.open_election(election)
        for cred in creds:
            services.cast_ballot(election, fresh(election, cred, SELECTIONS[0]))
        services.close_election(election)
        for tid in ("t1", "t3"):
            services.record_trustee_step(election, seal_signature(election, kits[tid]))
        tally = services.compute_tally(election)
        assert sorted(tally.data["decrypt"]) == expected
        if expected:
            for tid in ("t1", "t2"):
                services.record_trustee_step(election, partial_decryption(election, kits[tid]))
        services.publish_result(election)
        db.session.commit()
        result = services.result(election)
        assert result["published"] == expected
        yes = result["counts"]["r1"]["yes"]
        assert yes["A"] is None and yes["B"] is None
        assert yes["total"] == (voters if expected else None)
        assert result["outcomes"]["r1"]["withheld"] is (not expected)
        report = verify_record(record_document(list(services.iter_events(election))), workers=1, out=io.StringIO())
        assert report.ok and report.complete, report.failure
        page = client.get(f"/voting/{slug}/board").get_data(as_text=True)
        if expected:
            assert "only the totals of both categories are published" in page
        else:
            assert "no count is published" in page and "Not published: too few ballots." in page


# -- the property ---------------------------------------------------------------------------------

def _flip(ballot, rnd):
    """Change one character of one string value somewhere in the ballot."""
    paths = []

    def walk(obj, path):
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, path + (k,))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, path + (i,))
        elif isinstance(obj, str) and obj:
            paths.append(path)
    walk(ballot, ())
    path = rnd.choice(paths)
    target = ballot
    for key in path[:-1]:
        target = target[key]
    value = target[path[-1]]
    i = rnd.randrange(len(value))
    target[path[-1]] = value[:i] + ("0" if value[i] != "0" else "1") + value[i + 1:]
    return ballot


ATTACKS = ["fresh", "copy_choice", "copy_contest", "copy_whole", "replay", "reuse_response", "reuse_own",
           "flip", "flip_resign", "revoked", "stranger", "swap_credential"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attack=st.sampled_from(ATTACKS), seed=st.integers(0, 2**32 - 1))
def test_the_server_and_the_record_accept_exactly_the_same_ballots(box, attack, seed):
    """For ballots built adversarially from what is on the board, the server's verdict (cast_ballot
    on the database) equals the record's (RecordState with every proof), reason code included;
    whatever the server accepts leaves a board the verifier accepts."""
    election, _, creds = box
    rnd = random.Random(seed)
    on_board = board_ballots(election)
    other = rnd.choice(on_board)
    voter = rnd.choice(creds[:5])
    ballot = fresh(election, voter)
    if attack == "copy_choice":
        ci = rnd.randrange(len(CONTESTS))
        chi = rnd.randrange(len(CONTESTS[ci].choices))
        ballot["contests"][ci]["choices"][chi] = copy.deepcopy(other["contests"][ci]["choices"][chi])
        ballot = resign(ballot, voter)
    elif attack == "copy_contest":
        ci = rnd.randrange(len(CONTESTS))
        ballot["contests"][ci] = copy.deepcopy(other["contests"][ci])
        ballot = resign(ballot, voter)
    elif attack == "copy_whole":
        ballot = resign(copy.deepcopy(other), voter)
    elif attack == "replay":
        ballot = copy.deepcopy(other)
    elif attack == "reuse_response":
        target = other["contests"][0]["choices"][0]["proof"][rnd.randrange(2)]["s"]
        ballot = fresh(election, voter, {"r1": ["yes"], "board-a": []}, rng=response_reusing_rng(target))
    elif attack == "reuse_own":
        own = [b for b in on_board if b["credential"] == credential_public(voter)]
        if own:
            ci = rnd.randrange(len(CONTESTS))
            ballot["contests"][ci] = copy.deepcopy(rnd.choice(own)["contests"][ci])
            ballot = resign(ballot, voter)
    elif attack == "flip":
        ballot = _flip(ballot, rnd)
    elif attack == "flip_resign":
        ballot = resign(_flip(ballot, rnd), voter)
    elif attack == "revoked":
        ballot = fresh(election, creds[5])
    elif attack == "stranger":
        ballot = fresh(election, generate_credential())
    elif attack == "swap_credential":
        ballot = dict(ballot, credential=credential_public(rnd.choice(creds[:5])))
    expected = record_verdict(election, ballot)
    got = server_verdict(election, ballot)
    assert got == expected, (attack, got, expected)
    if got is None:
        report = verify_record(record_document(list(services.iter_events(election))), workers=1, out=io.StringIO())
        assert report.ok, (attack, report.failure)
    else:
        assert got in errors_codes()


def errors_codes() -> set[str]:
    return {"ballot_format", "wrong_election", "invalid_element", "ciphertext_reused", "ballot_before_open",
            "ballot_after_close", "unknown_credential", "revoked_credential", "duplicate_ballot", "ballot_copied",
            "ballot_signature", "choice_proof", "contest_proof"}


def test_the_owner_is_told_when_another_account_tries_their_credential(app, make_member, outbox):
    """Through the ballot endpoint: refused (403 not_your_credential), nothing on the board, and
    the member the credential was sent to gets a mail saying so."""
    from tests.factories import sign_in

    kits = make_kits(3)
    election = services.create_election(definition("ag-told", "Told", CONTESTS, kits, 2, min_ballots=1),
                                        slug="ag-told", require_login=True)
    run_keygen(election, kits)
    alice, bob = make_member(email="alice@example.be"), make_member(email="bob@example.be")
    cred_a = generate_credential()
    services.publish_credentials(election, [{"credential": credential_public(cred_a), "category": "A",
                                             "voter": services.new_voter()}], {credential_public(cred_a): alice.id})
    services.open_election(election)
    db.session.commit()
    client = app.test_client()
    sign_in(client, bob.account)
    response = client.post("/voting/ag-told/ballots", json=fresh(election, cred_a))
    assert response.status_code == 403 and response.json["error"] == "not_your_credential"
    assert db.session.scalar(select(BoardEvent.id).where(BoardEvent.type == "ballot")) is None
    warned = outbox(to="alice@example.be")
    assert len(warned) == 1 and "tried to vote with your credential" in warned[0].subject
    assert outbox(to="bob@example.be") == []
