"""Key generation survives a bad scrutineer: a dealer whose encrypted share does not match its
commitments is named by the recipient with a complaint anyone can check (a board event), and key
generation completes without that dealer instead of stalling."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.voting.dishonest import bad_step1, torsion_complaint, unopenable_step1
from voting.crypto.dkg import (
    TrusteeError,
    bad_dealers,
    keygen_step1,
    keygen_step2,
    make_complaint,
    new_trustee_identity,
    sign_trustee_data,
    verify_step1,
)
from voting.crypto.ed25519 import prove_x25519_dh
from voting.crypto.election import Contest, Election, TrusteeInfo
from voting.record import RecordError, RecordState, append_event, make_event, record_document
from voting.simulate import Simulation, add_credentials, cast, finish
from voting.verify import verify_record

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
CONTESTS = (Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),)


def trustees(n: int = 4, threshold: int = 2):
    privs, pubs = {}, []
    for i in range(1, n + 1):
        priv, pub = new_trustee_identity(f"t{i}", f"T{i}")
        privs[priv["id"]] = priv
        pubs.append(TrusteeInfo(**pub))
    return Election("complaints", "Complaints", CONTESTS, tuple(pubs), threshold), privs


def replay(events):
    state = RecordState()
    for e in events:
        state.apply(e)
    return state


def deal_step1(election, privs, dishonest):
    """A new board and every trustee's step 1: those in ``dishonest`` deal with their own function
    (``(election, private) -> (data, state)``), the others honestly. ``(events, step1, states)``."""
    events: list = []
    append_event(events, "election", election.to_json())
    step1, states = [], {}
    for tid, priv in privs.items():
        data, states[tid] = dishonest[tid](election, priv) if tid in dishonest else keygen_step1(election, priv)
        step1.append(data)
        append_event(events, "trustee_commitments", data)
    return events, step1, states


@pytest.fixture()
def dealt():
    """t3 deals t1 a wrong share; t2 already published its public share (counting t3)."""
    election, privs = trustees()
    events, step1, states = deal_step1(election, privs, {"t3": lambda e, p: bad_step1(e, p, "t1")})
    t2_share, _ = keygen_step2(election, privs["t2"], states["t2"], step1)
    append_event(events, "trustee_share", t2_share)
    return election, privs, states, step1, events


def test_the_recipient_names_the_bad_dealer_and_key_generation_goes_on_without_it(dealt) -> None:
    election, privs, states, step1, events = dealt
    with pytest.raises(TrusteeError) as exc:
        keygen_step2(election, privs["t1"], states["t1"], step1)
    assert exc.value.code == "share_invalid" and "t3" in exc.value.message
    assert bad_dealers(election, privs["t1"], step1) == ["t3"]
    assert bad_dealers(election, privs["t2"], step1) == []
    complaint = make_complaint(election, privs["t1"], step1[2])
    state = replay(events)
    assert "t2" in state.shares
    state.apply(append_event(events, "trustee_complaint", complaint))
    assert state.disqualified == {"t3": "t1"} and state.qualified() == ["t1", "t2", "t4"]
    assert state.shares == {}, "t2's share counted t3: every trustee publishes again"
    # t2's old share cannot be published again; every trustee (t3 too: it still holds a share) redoes step 2.
    with pytest.raises(RecordError) as stale:
        state.apply(make_event(state.last, "trustee_share", t2_share_of(election, privs, states, step1, [])))
    assert stale.value.code == "trustee_share"
    secrets = {}
    for tid, priv in privs.items():
        data, secrets[tid] = keygen_step2(election, priv, states[tid], step1, ["t3"])
        state.apply(append_event(events, "trustee_share", data))
    state.apply(append_event(events, "election_key", state.election_key_data()))
    # The key leaves t3's polynomial out; an election on it tallies with t3 among the decryptors.
    y = state.public_key
    assert y is not None and y == state.commitments["t1"][0] + state.commitments["t2"][0] + state.commitments["t4"][0]
    sim = Simulation(election, events, privs, secrets, {})
    creds = add_credentials(sim, ["A"] * 5)
    state = replay(events)
    for cred, vote in zip(creds, ["yes", "no", "yes", "abstain", "yes"]):
        cast(sim, state, cred, {"r1": [vote]})
    finish(sim, state, decrypting=["t3", "t4"])
    assert state.result is not None and state.result["counts"]["r1"]["yes"]["total"] == 3
    report = verify_record(record_document(events), workers=1, out=io.StringIO())
    assert report.ok and report.complete, report.failure


def t2_share_of(election, privs, states, step1, disqualified):
    return keygen_step2(election, privs["t2"], states["t2"], step1, disqualified)[0]


def test_a_false_complaint_is_refused(dealt) -> None:
    election, privs, states, step1, events = dealt
    # The tool never accuses an honest dealer...
    with pytest.raises(TrusteeError) as exc:
        make_complaint(election, privs["t2"], step1[0])
    assert exc.value.code == "complaint_unfounded"
    state = replay(events)

    def refused(signer: str, data: dict) -> str:
        forged = sign_trustee_data(privs[signer], "trustee_complaint", data)
        with pytest.raises(RecordError) as err:
            copy.deepcopy(state).apply(make_event(state.last, "trustee_complaint", forged))
        return err.value.code

    valid = {k: v for k, v in make_complaint(election, privs["t1"], step1[2]).items() if k != "signature"}
    # ...a valid complaint re-aimed at an honest dealer, or with a made-up secret, proves nothing...
    assert refused("t1", dict(valid, dealer="t4")) == "complaint_unfounded"
    assert refused("t1", dict(valid, shared_secret="11" * 32)) == "complaint_unfounded"
    assert refused("t1", dict(valid, dealer="t1")) == "trustee_format"
    # ...and the true, proven secret of an honest dealer's box opens it to a share that matches.
    context = {"election": election.fingerprint, "trustee": "t2", "dealer": "t4"}
    shared, proof = prove_x25519_dh(context, privs["t2"]["encryption_secret"], election.trustees[1].encryption_key,
                                    step1[3]["shares"]["t2"]["ephemeral"])
    assert refused("t2", dict(context, shared_secret=shared, proof=proof)) == "complaint_unfounded"
    # Without a proof: malformed.
    assert refused("t2", dict(context, shared_secret=shared)) == "trustee_format"
    # Unsigned by the complainer: refused too.
    complaint = make_complaint(election, privs["t1"], step1[2])
    complaint["trustee"] = "t2"
    with pytest.raises(RecordError) as err:
        replay(events).apply(make_event(events[-1], "trustee_complaint", complaint))
    assert err.value.code == "trustee_signature"


def test_too_many_bad_dealers_say_key_generation_must_restart() -> None:
    election, privs = trustees(3, 2)
    events, step1, states = deal_step1(election, privs,
                                       {t: lambda e, p: bad_step1(e, p, "t1") for t in privs if t != "t1"})
    state = replay(events)
    state.apply(append_event(events, "trustee_complaint", make_complaint(election, privs["t1"], step1[1])))
    state.apply(append_event(events, "trustee_complaint", make_complaint(election, privs["t1"], step1[2])))
    for tid, priv in privs.items():
        state.apply(append_event(events, "trustee_share", keygen_step2(election, priv, states[tid], step1, ["t2", "t3"])[0]))
    with pytest.raises(RecordError) as exc:
        state.apply(make_event(state.last, "election_key", state.election_key_data()))
    assert exc.value.code == "order" and "restart with replacement scrutineers" in exc.value.message


def test_the_command_line_tool_writes_the_complaint_then_goes_on(dealt, tmp_path: Path) -> None:
    election, privs, states, step1, events = dealt
    (tmp_path / "t1.key").write_text(json.dumps(privs["t1"]))
    (tmp_path / "t1.state").write_text(json.dumps(states["t1"]))
    (tmp_path / "record.json").write_text(json.dumps(record_document(events)))

    def keygen2(out: str, *extra: str):
        return subprocess.run(
            [sys.executable, "-m", "voting.trustee", "keygen2", "--election", str(tmp_path / "record.json"), "--key",
             str(tmp_path / "t1.key"), "--state", str(tmp_path / "t1.state"), "--record", str(tmp_path / "record.json"),
             "--share", str(tmp_path / f"{out}.share"), "--out", str(tmp_path / f"{out}.json"), *extra],
            cwd=ROOT, capture_output=True, text=True, timeout=120)

    # The scrutineer's own language (voting.cli_i18n): the complaint message in French.
    proc = keygen2("first-fr", "--lang", "fr")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "scrutateur t1\u00a0: la part remise par t3 est fausse" in proc.stdout
    assert "Publiez " + str(tmp_path / "first-fr.json.complaint-t3.json") in proc.stdout
    proc = keygen2("first")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "the share dealt by t3 is wrong" in proc.stdout
    complaint = json.loads((tmp_path / "first.json.complaint-t3.json").read_text())
    assert not (tmp_path / "first.share").exists()
    append_event(events, "trustee_complaint", complaint)
    (tmp_path / "record.json").write_text(json.dumps(record_document(events)))
    proc = keygen2("second")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "left out after a complaint: t3" in proc.stdout
    proc = keygen2("second-nl", "--lang", "nl")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "uitgesloten na een klacht: t3" in proc.stdout
    state = replay(events)
    state.apply(make_event(state.last, "trustee_share", json.loads((tmp_path / "second.json").read_text())))
    assert "t1" in state.shares


@pytest.mark.parametrize("how", ["garbage", "wrong_key", "swapped"])
def test_a_share_box_that_does_not_open_is_proven_and_the_dealer_left_out(how: str) -> None:
    """The recipient cannot open t4's box: its complaint reveals the true secret with a proof, anyone
    sees that the box does not open under it, and key generation completes without t4."""
    election, privs = trustees()
    events, step1, states = deal_step1(election, privs, {"t4": lambda e, p: unopenable_step1(e, p, "t2", how)})
    with pytest.raises(TrusteeError) as exc:
        keygen_step2(election, privs["t2"], states["t2"], step1)
    assert exc.value.code == "share_decryption"
    assert bad_dealers(election, privs["t2"], step1) == ["t4"]
    assert bad_dealers(election, privs["t1"], step1) == []
    complaint = make_complaint(election, privs["t2"], step1[3])
    assert set(complaint) == {"election", "trustee", "dealer", "shared_secret", "proof", "signature"}
    state = replay(events)
    state.apply(append_event(events, "trustee_complaint", complaint))
    assert state.disqualified == {"t4": "t2"} and state.qualified() == ["t1", "t2", "t3"]
    secrets = {}
    for tid, priv in privs.items():
        data, secrets[tid] = keygen_step2(election, priv, states[tid], step1, ["t4"])
        state.apply(append_event(events, "trustee_share", data))
    state.apply(append_event(events, "election_key", state.election_key_data()))
    if how != "garbage":
        return  # one full election is enough: the key above is what the tally uses
    sim = Simulation(election, events, privs, secrets, {})
    creds = add_credentials(sim, ["A"] * 5)
    state = replay(events)
    for cred, vote in zip(creds, ["yes", "no", "no", "abstain", "no"]):
        cast(sim, state, cred, {"r1": [vote]})
    finish(sim, state, decrypting=["t2", "t4"])  # t4 is left out of the key, not of the decryption
    assert state.result is not None and state.result["counts"]["r1"]["no"]["total"] == 3
    report = verify_record(record_document(events), workers=1, out=io.StringIO())
    assert report.ok and report.complete, report.failure


def test_a_forged_proof_never_disqualifies_an_honest_dealer(dealt) -> None:
    """t2 claims it cannot open the honest t4's box: a made-up secret with a proof lifted from
    another box, a proof whose fields are altered, and the torsion attack (the true witness,
    S + T8, a proof ground to satisfy the equations) are all refused; t4 stays qualified."""
    election, privs, states, step1, events = dealt
    state = replay(events)
    honest_t4 = step1[3]
    attacks = [torsion_complaint(election, privs["t2"], honest_t4)]
    # A true proof for another box (t1's to t2), presented for t4's box.
    context = {"election": election.fingerprint, "trustee": "t2", "dealer": "t1"}
    shared, proof = prove_x25519_dh(context, privs["t2"]["encryption_secret"], election.trustees[1].encryption_key,
                                    step1[0]["shares"]["t2"]["ephemeral"])
    attacks.append(sign_trustee_data(privs["t2"], "trustee_complaint",
                                     dict(context, dealer="t4", shared_secret=shared, proof=proof)))
    # The true secret of t4's box, its proof with one field altered each time.
    context = dict(context, dealer="t4")
    shared, proof = prove_x25519_dh(context, privs["t2"]["encryption_secret"], election.trustees[1].encryption_key,
                                    honest_t4["shares"]["t2"]["ephemeral"])
    for field in ("c", "s", "shared_point"):
        flipped = dict(proof, **{field: proof[field][:-1] + ("0" if proof[field][-1] != "0" else "1")})
        attacks.append(sign_trustee_data(privs["t2"], "trustee_complaint",
                                         dict(context, shared_secret="55" * 32, proof=flipped)))
    for forged in attacks:
        with pytest.raises(RecordError) as refused:
            copy.deepcopy(state).apply(make_event(state.last, "trustee_complaint", forged))
        assert refused.value.code == "complaint_unfounded", refused.value
    assert state.disqualified == {} and "t4" in state.qualified()


def test_an_ephemeral_key_not_of_prime_order_is_refused_at_step_1() -> None:
    """An honest X25519 ephemeral key has order L; a small-order or twist one (which the recipient
    could neither open nor prove) makes the dealer's step 1 refused, by the record and the tool."""
    election, privs = trustees()
    data, _ = keygen_step1(election, privs["t1"])
    body = {k: v for k, v in data.items() if k != "signature"}
    for bad in ("00" * 32, "01" + "00" * 31, "ec" + "ff" * 30 + "7f"):
        body["shares"] = {**data["shares"], "t2": {**data["shares"]["t2"], "ephemeral": bad}}
        with pytest.raises(TrusteeError) as exc:
            verify_step1(election, sign_trustee_data(privs["t1"], "trustee_commitments", body))
        assert exc.value.code == "share_ephemeral"


def test_the_command_line_tool_proves_a_box_that_does_not_open(tmp_path: Path) -> None:
    election, privs = trustees()
    events, step1, states = deal_step1(election, privs, {"t2": lambda e, p: unopenable_step1(e, p, "t1")})
    (tmp_path / "t1.key").write_text(json.dumps(privs["t1"]))
    (tmp_path / "t1.state").write_text(json.dumps(states["t1"]))
    (tmp_path / "record.json").write_text(json.dumps(record_document(events)))
    proc = subprocess.run(
        [sys.executable, "-m", "voting.trustee", "keygen2", "--election", str(tmp_path / "record.json"), "--key",
         str(tmp_path / "t1.key"), "--state", str(tmp_path / "t1.state"), "--record", str(tmp_path / "record.json"),
         "--share", str(tmp_path / "t1.share"), "--out", str(tmp_path / "t1.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "the share dealt by t2 is wrong (it cannot be decrypted with your key" in proc.stdout
    complaint = json.loads((tmp_path / "t1.json.complaint-t2.json").read_text())
    state = replay(events)
    state.apply(make_event(state.last, "trustee_complaint", complaint))
    assert state.disqualified == {"t2": "t1"}
