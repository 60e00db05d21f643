"""The board through the services: a whole election, every refusal, supersession, k of n."""
from __future__ import annotations

import copy
import io
import random
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AuditEntry, OutboxMessage
from shares.models import Category
from voting import errors, queries, services
from voting.crypto.ballot import encrypt_ballot
from voting.crypto.credential import credential_public, generate_credential
from voting.crypto.election import Contest
from voting.demo import definition, make_kits, partial_decryption, run_keygen, seal_signature
from voting.models import BallotCiphertext, BoardEvent, CastBallot, Credential, ElectionState, RunningSum
from voting.record import record_document
from voting.verify import verify_record

from tests.factories import ON_POSTGRES

CONTESTS = [
    Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("board-a", "board", ("a1", "a2", "a3"), 0, 2, category="A", seats=2),
]


def new_election(slug="ag-test", trustees=5, threshold=3, require_login=False, min_ballots=1):
    kits = make_kits(trustees)
    election = services.create_election(definition(slug, "Test assembly", CONTESTS, kits, threshold,
                                                    min_ballots=min_ballots), slug=slug,
                                        require_login=require_login)
    run_keygen(election, kits)
    db.session.commit()
    return election, kits


def with_credentials(election, members=None, n=6):
    creds = [generate_credential() for _ in range(n)]
    cats = ["A" if i % 3 else "B" for i in range(n)]
    delivered = {credential_public(c): m.id for c, m in zip(creds, members or [])}
    services.publish_credentials(election, [{"credential": credential_public(c), "category": cat,
                                             "voter": services.new_voter()} for c, cat in zip(creds, cats)], delivered)
    db.session.commit()
    return creds


def seal(election, kits, who=None):
    """The first k scrutineers (or ``who``) sign the seal of the closed board."""
    for tid in who or list(kits)[: services.crypto_election(election).threshold]:
        services.record_trustee_step(election, seal_signature(election, kits[tid]))


def ballot_for(election, cred, selections=None):
    el = services.crypto_election(election)
    return encrypt_ballot(el, election.public_key, cred, selections or {"r1": ["yes"], "board-a": ["a1"]})


def record_of(election):
    return record_document(list(services.iter_events(election)))


def test_whole_election_with_revotes_and_one_trustee_absent(make_member):
    members = [make_member() for _ in range(6)]
    election, kits = new_election()
    assert election.state is ElectionState.KEYGEN and election.public_key
    creds = with_credentials(election, members)
    services.open_election(election)
    db.session.commit()
    rnd = random.Random(5)
    final = {}
    for cred, member in zip(creds[:5], members):
        sel = {"r1": [rnd.choice(["yes", "no", "abstain"])], "board-a": rnd.sample(["a1", "a2", "a3"], rnd.randint(0, 2))}
        services.cast_ballot(election, ballot_for(election, cred, sel), member)
        final[cred] = sel
        db.session.commit()
    # two revotes: the last ballot counts, the first stays on the board, superseded
    for cred, member in ((creds[0], members[0]), (creds[2], members[2])):
        sel = {"r1": ["no"], "board-a": ["a3"]}
        tracker = services.cast_ballot(election, ballot_for(election, cred, sel), member).tracker
        final[cred] = sel
        db.session.commit()
    assert db.session.scalar(select(CastBallot.superseded_by_tracker).where(
        CastBallot.seq == db.session.scalar(select(func.min(CastBallot.seq))))) is not None
    assert queries.board_counts(election)["roll"] == 5  # once per member, revote or not
    assert tracker in {t for t in db.session.scalars(select(CastBallot.tracker))}

    services.close_election(election)
    db.session.commit()
    with pytest.raises(errors.NotEnoughSeals):
        services.compute_tally(election)
    db.session.rollback()
    seal(election, kits, ["t2", "t3", "t5"])
    services.compute_tally(election)
    db.session.commit()
    # fewer than k: the service names who is missing
    services.record_trustee_step(election, partial_decryption(election, kits["t5"]))
    with pytest.raises(errors.NotEnoughTrustees) as info:
        services.publish_result(election)
    assert info.value.missing == ["t1", "t2", "t3", "t4"]
    for tid in ("t1", "t4"):  # t2 and t3 absent
        services.record_trustee_step(election, partial_decryption(election, kits[tid]))
    services.publish_result(election)
    db.session.commit()
    assert election.state is ElectionState.TALLIED

    report = verify_record(record_of(election), workers=1, out=io.StringIO())
    assert report.ok, report.failure
    assert report.complete and report.checked["ballots"] == 7 and report.checked["superseded_ballots"] == 2
    res = services.result(election)
    expected_yes = sum(1 for s in final.values() if s["r1"] == ["yes"])
    assert res["counts"]["r1"]["yes"]["total"] == expected_yes
    assert res["counts"]["board-a"]["a3"]["total"] == sum(1 for s in final.values() if "a3" in s["board-a"])
    assert res["trustees"] == ["t1", "t4", "t5"]
    # every state change left an audit row; no audit row names a ballot
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"voting.election.create", "voting.definition.publish", "voting.trustee.commit",
            "voting.trustee.share", "voting.election.key", "voting.credentials.publish", "voting.election.open",
            "voting.election.close", "voting.tally.compute", "voting.decryption.publish",
            "voting.result.publish"} <= actions


def test_the_board_replays_its_own_trustee_steps_without_checking_their_proofs_again(monkeypatch):
    """Each scrutineer step costs what it adds: replaying the board's rows (checked when appended)
    re-checks no trustee signature or proof; the step being appended still is checked in full."""
    import voting.record as record

    election, kits = new_election(trustees=3, threshold=2)
    creds = with_credentials(election, n=3)
    services.open_election(election)
    for cred in creds:
        services.cast_ballot(election, ballot_for(election, cred))
    services.close_election(election)
    seal(election, kits, ["t1", "t2"])
    services.compute_tally(election)
    services.record_trustee_step(election, partial_decryption(election, kits["t1"]))
    db.session.commit()

    def refuse(*args, **kwargs):
        raise AssertionError("a row of the board was checked again")

    for name in ("verify_step1", "verify_trustee_signature", "verify_partial_decryption"):
        monkeypatch.setattr(record, name, refuse)
    state = services.board_state(election)
    assert set(state.decryptions) == {"t1"} and state.public_key is not None
    with pytest.raises(AssertionError, match="checked again"):  # the new step is checked
        services.record_trustee_step(election, partial_decryption(election, kits["t2"]))


@pytest.fixture
def open_election():
    election, kits = new_election(require_login=False)
    creds = with_credentials(election)
    services.open_election(election)
    db.session.commit()
    return election, kits, creds


def test_copied_ciphertext_refused_by_the_database(open_election):
    election, _, creds = open_election
    first = ballot_for(election, creds[0])
    services.cast_ballot(election, first)
    db.session.commit()
    # another credential's ballot re-using the first ballot's ciphertext cannot be proven for the
    # copier, so the service refuses on the proof; the database would refuse it regardless:
    db.session.add(BallotCiphertext(election_id=election.id, alpha=first["contests"][0]["choices"][0]["alpha"],
                                    credential_id=db.session.scalar(select(Credential.id).where(
                                        Credential.public == credential_public(creds[1])))))
    with pytest.raises(Exception) as info:
        db.session.flush()
    assert "UNIQUE" in str(info.value).upper() or "unique" in str(info.value)
    db.session.rollback()


def test_copied_ballot_from_another_credential_refused(open_election, monkeypatch):
    election, _, creds = open_election
    first = ballot_for(election, creds[0])
    services.cast_ballot(election, first)
    db.session.commit()
    copy_ = copy.deepcopy(ballot_for(election, creds[1]))
    copy_["contests"][0] = copy.deepcopy(first["contests"][0])  # lift a whole contest with its proofs
    # The acceptance rule checks the board before the crypto: the copy is named as such.
    with pytest.raises(errors.CopiedBallot):
        services.cast_ballot(election, copy_)
    db.session.rollback()
    assert db.session.scalar(select(func.count(CastBallot.id))) == 1


def test_identical_resubmission_and_reused_ciphertext(open_election):
    election, _, creds = open_election
    ballot = ballot_for(election, creds[0])
    services.cast_ballot(election, ballot)
    db.session.commit()
    with pytest.raises(errors.DuplicateBallot):
        services.cast_ballot(election, copy.deepcopy(ballot))
    db.session.rollback()
    assert db.session.scalar(select(func.count(BoardEvent.id)).where(BoardEvent.type == "ballot")) == 1


def _resign(ballot, cred):
    from voting.crypto.ballot import SIGNATURE_PREFIX, unsigned_ballot_hash
    from voting.crypto.credential import credential_private_key

    ballot["signature"] = credential_private_key(cred).sign(SIGNATURE_PREFIX + unsigned_ballot_hash(ballot)).hex()
    return ballot


@pytest.mark.parametrize("race", ["same_ballot", "reused_ciphertext"])
def test_a_ballot_landing_between_the_first_look_and_the_lock_is_still_refused(open_election, race):
    """Under the board's lock the cast leaves the tracker and alpha look-ups to the UNIQUE
    constraints (they ran before the lock). A ballot that lands in between collides there, and
    the append is rebuilt with every look-up: the rule names the refusal, nothing is recorded."""
    election, _, creds = open_election
    first = ballot_for(election, creds[0])
    if race == "same_ballot":
        second, expected = copy.deepcopy(first), errors.DuplicateBallot
    else:  # the same credential's revote re-using one encryption of its first ballot (proofs hold)
        second = ballot_for(election, creds[0], {"r1": ["no"], "board-a": ["a2"]})
        second["contests"][0] = copy.deepcopy(first["contests"][0])
        second, expected = _resign(second, creds[0]), errors.ReusedCiphertext
    landed = []

    def lands_meanwhile(tracker):  # runs after the first look at the board, before the lock
        landed.append(services.cast_ballot(election, first))

    with pytest.raises(expected):
        services.cast_ballot(election, second, before_lock=lands_meanwhile)
    assert landed
    db.session.rollback()
    assert db.session.scalar(select(func.count(CastBallot.id))) == 0
    # and without the race, the first ballot then the second: the same refusal, from the look-ups
    services.cast_ballot(election, first)
    db.session.commit()
    with pytest.raises(expected):
        services.cast_ballot(election, second)
    db.session.rollback()
    assert db.session.scalar(select(func.count(CastBallot.id))) == 1


@pytest.mark.parametrize("tamper, error", [
    (lambda b: b.update(credential=credential_public(generate_credential())), errors.UnknownCredential),
    (lambda b: b.update(election="0" * 64), errors.WrongFingerprint),
    (lambda b: b["contests"][0]["choices"][0].update(alpha="02" + "ff" * 32), errors.InvalidGroupElement),
    (lambda b: b.update(signature="00" * 64), errors.InvalidSignature),
    (lambda b: b.pop("signature"), errors.MalformedBallot),
])
def test_refusals_record_nothing(open_election, tamper, error):
    election, _, creds = open_election
    ballot = ballot_for(election, creds[0])
    tamper(ballot)
    before = db.session.scalar(select(func.count(BoardEvent.id)))
    with pytest.raises(error):
        services.cast_ballot(election, ballot)
    db.session.rollback()
    assert db.session.scalar(select(func.count(BoardEvent.id))) == before


def test_failed_proof_is_refused(open_election):
    election, _, creds = open_election
    # a ballot for a valid credential re-signed after its proof was altered
    from voting.crypto.ballot import SIGNATURE_PREFIX, unsigned_ballot_hash
    from voting.crypto.credential import credential_private_key

    ballot = ballot_for(election, creds[0])
    proof = ballot["contests"][0]["choices"][0]["proof"][0]
    proof["s"] = format((int(proof["s"], 16) + 1) % (2**255), "064x")
    ballot["signature"] = credential_private_key(creds[0]).sign(SIGNATURE_PREFIX + unsigned_ballot_hash(ballot)).hex()
    with pytest.raises(errors.InvalidProof):
        services.cast_ballot(election, ballot)


def test_revoked_credential_and_login_required(make_member):
    election, _ = new_election(require_login=True)
    creds = with_credentials(election)
    services.open_election(election)
    db.session.commit()
    with pytest.raises(errors.LoginRequired):
        services.cast_ballot(election, ballot_for(election, creds[0]))
    services.revoke_credential(election, credential_public(creds[1]))
    db.session.commit()
    with pytest.raises(errors.RevokedCredential):
        services.cast_ballot(election, ballot_for(election, creds[1]), make_member())


def test_ballot_after_close_and_before_open(make_member):
    election, kits = new_election()
    creds = with_credentials(election)
    with pytest.raises(errors.BallotBoxNotOpen):
        services.cast_ballot(election, ballot_for(election, creds[0]))
    services.open_election(election)
    services.close_election(election)
    db.session.commit()
    with pytest.raises(errors.BallotAfterClose):
        services.cast_ballot(election, ballot_for(election, creds[0]))
    with pytest.raises(errors.WrongState):
        services.close_election(election)
    # the record of an election closed with no ballot still verifies, with an empty tally
    seal(election, kits)
    services.compute_tally(election)
    db.session.commit()
    assert verify_record(record_of(election), workers=1, out=io.StringIO()).ok


def test_open_needs_credentials_and_key():
    kits = make_kits(3)
    draft = definition("ag-draft", "Draft", CONTESTS, kits, 2)
    draft["trustees"][2] = {"id": "t3", "name": "Scrutineer 3", "signing_key": "", "encryption_key": ""}
    election = services.create_election(draft)
    assert election.state is ElectionState.SETUP and election.fingerprint is None
    assert services.missing_trustees(election) == ["t3"]
    with pytest.raises(errors.WrongState):
        services.open_election(election)
    t3 = election.trustees[2]
    with pytest.raises(errors.InvalidTrusteeData):
        services.register_trustee_keys(election, t3, {"id": "t2", **{k: kits["t3"].public[k] for k in ("signing_key", "encryption_key")}})
    services.register_trustee_keys(election, t3, kits["t3"].public)
    assert election.state is ElectionState.KEYGEN and election.fingerprint
    with pytest.raises(errors.WrongState):
        services.open_election(election)  # no key yet
    run_keygen(election, kits)
    with pytest.raises(errors.NoCredentials):
        services.open_election(election)


def test_trustee_steps_are_checked_against_the_record():
    kits = make_kits(3)
    election = services.create_election(definition("ag-k", "K", CONTESTS, kits, 2))
    el = services.crypto_election(election)
    from voting.crypto.dkg import keygen_step1

    data, _ = keygen_step1(el, kits["t1"].private)
    forged = dict(data, commitments=list(reversed(data["commitments"])))
    with pytest.raises(errors.InvalidTrusteeSignature):
        services.record_trustee_step(election, forged)
    services.record_trustee_step(election, data)
    with pytest.raises(errors.AlreadyPublished):
        services.record_trustee_step(election, data)
    with pytest.raises(errors.NotATrustee):
        services.record_trustee_step(election, keygen_step1(el, kits["t2"].private)[0], election.trustees[0])
    assert services.missing_trustees(election) == ["t2", "t3"]


def test_append_retries_when_its_seq_was_taken(open_election, monkeypatch):
    """An append that read a last event another append has since followed collides on the unique
    (election, seq), rolls back its savepoint and is rebuilt on the new last event."""
    election, _, creds = open_election
    stale = services._last_event(election)
    services.cast_ballot(election, ballot_for(election, creds[0]))  # the rival append takes stale.seq + 1
    db.session.commit()
    real_last = services._last_event
    calls = {"n": 0}

    def racing_last(el):
        calls["n"] += 1
        return stale if calls["n"] == 1 else real_last(el)

    monkeypatch.setattr(services, "_last_event", racing_last)
    tracker = services.cast_ballot(election, ballot_for(election, creds[1])).tracker
    db.session.commit()
    assert calls["n"] == 2
    seqs = list(db.session.scalars(select(BoardEvent.seq).where(BoardEvent.election_id == election.id)
                                   .order_by(BoardEvent.seq)))
    assert seqs == list(range(len(seqs)))
    assert db.session.scalar(select(CastBallot.seq).where(CastBallot.tracker == tracker)) == seqs[-1] == stale["seq"] + 2
    assert verify_record(record_of(election), workers=1, out=io.StringIO()).ok


def test_the_database_refuses_a_second_event_with_the_same_seq(open_election):
    election, _, _ = open_election
    last = services._last_event(election)
    for _ in range(2):
        db.session.add(BoardEvent(election_id=election.id, seq=last["seq"] + 1, type="close", prev=last["hash"],
                                  hash=f"{_:064x}", data={}))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite admits one writer at a time: no concurrent appends to race")
def test_concurrent_casts_from_separate_sessions(open_election, data_app):
    """Ballots cast at once from several sessions (threads) all land, in one unbroken chain."""
    election, _, creds = open_election
    ballots = [ballot_for(election, c) for c in creds]
    slug = election.slug
    db.session.commit()
    results, failures = [], []
    barrier = threading.Barrier(len(ballots))

    def worker(ballot):
        with data_app.app_context():
            from voting.models import Election as ElectionRow

            el = db.session.scalar(select(ElectionRow).where(ElectionRow.slug == slug))
            barrier.wait()
            try:
                results.append(services.cast_ballot(el, ballot))
                db.session.commit()
            except Exception as exc:  # pragma: no cover - reported below
                db.session.rollback()
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(b,)) for b in ballots]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures and len(results) == len(ballots)
    db.session.expire_all()
    report = verify_record(record_of(election), workers=1, out=io.StringIO())
    assert report.ok, report.failure
    assert report.checked["ballots"] == len(ballots)


def test_a_cast_takes_a_free_running_sum_shard_when_its_own_is_held(open_election, data_app):
    """Two worker processes' threads can have the same shard number: a cast whose shard another
    transaction holds adds to a free shard instead of waiting for that transaction to end."""
    if not ON_POSTGRES:
        pytest.skip("needs concurrent writers (PostgreSQL)")
    election, _, creds = open_election
    shards = select(RunningSum.shard).where(RunningSum.election_id == election.id)
    assert sorted(db.session.scalars(shards)) == list(range(16))  # made by the opening
    own, election_id = services._shard(), election.id
    ballot = ballot_for(election, creds[0])
    db.session.commit()
    holding, release, done = threading.Event(), threading.Event(), []

    def holder():  # another process's thread with this thread's shard number, mid-cast
        with data_app.app_context():
            db.session.execute(select(RunningSum.id).where(RunningSum.election_id == election_id,
                                                           RunningSum.shard == own).with_for_update())
            holding.set()
            done.append("released" if release.wait(30) else "timed out")  # a waiting cast would time it out
            db.session.rollback()
            db.session.remove()

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(10)
    services.cast_ballot(election, ballot)
    db.session.commit()
    release.set()
    thread.join(40)
    assert done == ["released"]
    counted = {row.shard: row.state["counted"] for row in db.session.scalars(
        select(RunningSum).where(RunningSum.election_id == election_id))}
    assert sum(sum(c.values()) for c in counted.values()) == 1 and sum(counted[own].values()) == 0
    assert verify_record(record_of(election), workers=1, out=io.StringIO()).ok


def test_the_copy_look_up_probes_one_index_entry_per_alpha_whatever_the_statistics(open_election):
    """The alphas of a ballot are looked up one unique-index probe each, even when the table's
    statistics were taken before the board filled (as at the opening): never every ciphertext of
    the election, which at 36,000 ballots would be 1.7 million rows read at every cast."""
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL's planner")
    election, _, creds = open_election
    credential_id = db.session.scalar(select(Credential.id).where(Credential.election_id == election.id))
    db.session.execute(text("ANALYZE voting_credential"))
    db.session.execute(text("ANALYZE voting_ballot_ciphertext"))  # statistics of a board still empty
    db.session.execute(text(
        "INSERT INTO voting_ballot_ciphertext (election_id, alpha, credential_id) "
        "SELECT :election, lpad(to_hex(i), 66, '0'), :credential FROM generate_series(1, 5000) AS i"),
        {"election": election.id, "credential": credential_id})
    alphas = [f"{i:066x}" for i in range(4990, 5037)]  # 47 alphas, 11 of them on the board
    assert len(services.DbBoard(election).alpha_owners(tuple(alphas))) == 1
    plan = db.session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + services._ALPHA_OWNERS_PG.text),
                              {"alphas": alphas, "election": election.id}).scalar()

    def reads(node):  # every node that reads voting_ballot_ciphertext
        own = [node] if node.get("Relation Name") == "voting_ballot_ciphertext" else []
        return own + [n for child in node.get("Plans", []) for n in reads(child)]

    # One probe of the unique index per alpha (a join instead read all 5,000 rows, then hashed them).
    assert [(n["Node Type"], n.get("Index Name"), n["Actual Loops"]) for n in reads(plan[0]["Plan"])] == [
        ("Index Scan", "uq_voting_ballot_ciphertext_election_id_alpha", 47)]


def test_close_waits_for_a_cast_in_flight(open_election, data_app):
    """A cast holding the board lock and a close: the close event comes after the ballot, never before."""
    if not ON_POSTGRES:
        pytest.skip("needs concurrent writers (PostgreSQL)")
    election, _, creds = open_election
    slug = election.slug
    ballot = ballot_for(election, creds[0])
    db.session.commit()
    started, done = threading.Event(), []

    def closer():
        with data_app.app_context():
            from voting.models import Election as ElectionRow

            started.wait(10)
            el = db.session.scalar(select(ElectionRow).where(ElectionRow.slug == slug))
            try:
                services.close_election(el)
                db.session.commit()
                done.append("closed")
            except errors.VotingError as exc:
                db.session.rollback()
                done.append(type(exc).__name__)
            finally:
                db.session.remove()

    thread = threading.Thread(target=closer)
    thread.start()
    services.cast_ballot(election, ballot)  # holds the election row lock until commit
    started.set()
    thread.join(0.5)
    assert thread.is_alive()  # the close is waiting for the cast
    db.session.commit()
    thread.join(30)
    assert done == ["closed"]
    db.session.expire_all()
    types = list(db.session.scalars(select(BoardEvent.type).where(BoardEvent.election_id == election.id)
                                    .order_by(BoardEvent.seq)))
    assert types[-2:] == ["ballot", "close"]
    assert verify_record(record_of(election), workers=1, out=io.StringIO()).ok


def test_issue_credentials_mails_the_private_part_and_keeps_only_the_public(make_member):
    members = [make_member(category=Category.A), make_member(category=Category.B)]
    election, _ = new_election()
    assert services.issue_credentials(election, members, base_url="https://vote.example") == 2
    assert services.issue_credentials(election, members) == 0  # once per member
    db.session.commit()
    mails = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [m.to_address for m in mails] == [m.email for m in members]
    link = next(line for line in mails[0].body_text.splitlines() if line.startswith("https://vote.example/voting/"))
    cred = link.split("#", 1)[1]
    rows = list(db.session.scalars(select(Credential).order_by(Credential.id)))
    assert {r.public for r in rows} >= {credential_public(cred)}
    assert {(r.member_id, r.category) for r in rows} == {(members[0].id, "A"), (members[1].id, "B")}
    # nothing but the outbox holds the private credential
    for row in db.session.scalars(select(BoardEvent)):
        assert cred not in str(row.data) and cred.replace("-", "") not in str(row.data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2**70) | st.text(max_size=70)
    | st.sampled_from(["00" * 33, "02" + "ff" * 32, "0" * 64, "A" * 66]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_altered_ballot_is_refused_with_a_named_reason(open_election, data):
    """Replace any part of a valid ballot by any JSON value: a VotingError (never a crash), nothing recorded."""
    election, _, creds = open_election
    ballot = _VALID.setdefault(election.fingerprint, ballot_for(election, creds[0]))
    paths = [p for p in _paths(ballot) if p]
    path = data.draw(st.sampled_from(paths))
    value = data.draw(json_values)
    altered = copy.deepcopy(ballot)
    target = altered
    for key in path[:-1]:
        target = target[key]
    if target[path[-1]] == value:
        return
    target[path[-1]] = value
    before = db.session.scalar(select(func.count(BoardEvent.id)))
    with pytest.raises(errors.VotingError):
        services.cast_ballot(election, altered)
    db.session.rollback()
    assert db.session.scalar(select(func.count(BoardEvent.id))) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=json_values)
def test_any_json_is_refused_not_crashed(open_election, garbage):
    election, _, _ = open_election
    with pytest.raises(errors.VotingError):
        services.cast_ballot(election, garbage)
    db.session.rollback()


_VALID: dict = {}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_altered_scrutineer_file_is_refused_with_a_named_reason(data):
    """Steps 1 and 2 and a partial decryption, any part replaced: refused (a VotingError), never a crash."""
    if "kg" not in _VALID:
        kits = make_kits(2)
        election = services.create_election(definition("ag-h", "H", CONTESTS, kits, 2), slug="ag-h")
        el = services.crypto_election(election)
        from voting.crypto.dkg import keygen_step1, keygen_step2

        s1 = {t: keygen_step1(el, k.private) for t, k in kits.items()}
        s2, _ = keygen_step2(el, kits["t1"].private, s1["t1"][1], [d for d, _ in s1.values()])
        _VALID["kg"] = (definition("ag-h", "H", CONTESTS, kits, 2), s1["t1"][0], s2, s1["t2"][0])
        db.session.rollback()
    doc, step1, step2, other1 = _VALID["kg"]
    try:
        _alter_and_refuse(data, doc, step1, step2, other1)
    finally:
        db.session.rollback()


def _alter_and_refuse(data, doc, step1, step2, other1):
    election = services.create_election(doc, slug="ag-h")
    original = data.draw(st.sampled_from([step1, step2]))
    if original is step2:
        services.record_trustee_step(election, step1)
        services.record_trustee_step(election, other1)
    paths = [p for p in _paths(original) if p]
    path = data.draw(st.sampled_from(paths))
    value = data.draw(json_values)
    altered = copy.deepcopy(original)
    target = altered
    for key in path[:-1]:
        target = target[key]
    if target[path[-1]] == value:
        return
    target[path[-1]] = value
    with pytest.raises(errors.VotingError):
        services.record_trustee_step(election, altered)
