"""End to end through the board: one dishonest scrutineer and one malicious voter, and the
election still tallies and verifies.

The scrutineer t3 deals a wrong share to t1 and t4 a share box t2 cannot even open (each
recipient names its dealer with a complaint anyone can check; key generation goes on without
both polynomials); t2 then tries to accuse the honest t1 by the torsion attack (refused), and t3
uploads a forged partial decryption (refused, nothing recorded). The voter M copies another member's ciphertexts, replays their ballot, forges a
proof for an over-limit vote and signs with an unknown credential (each refused with its
reason, nothing recorded), then votes properly once. The honest scrutineers decrypt with the
command line tool, which verifies every ballot first; the independent verifier accepts the record.
"""
from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.voting.dishonest import bad_step1, torsion_complaint, unopenable_step1
from voting import errors, queries, services
from voting.crypto.ballot import SIGNATURE_PREFIX, encrypt_ballot, unsigned_ballot_hash
from voting.crypto.credential import credential_private_key, credential_public, generate_credential
from voting.crypto.dkg import bad_dealers, keygen_step1, keygen_step2, make_complaint, sign_trustee_data
from voting.crypto.election import Contest
from voting.demo import definition, make_kits, partial_decryption
from voting.models import BoardEvent, ElectionState
from voting.record import record_document
from voting.verify import verify_record

ROOT = Path(__file__).resolve().parents[2]
CONTESTS = [
    Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("board-a", "board", ("a1", "a2", "a3"), 0, 2, category="A", seats=2),
]


def board_size(election) -> int:
    return db.session.scalar(select(func.count(BoardEvent.id)).where(BoardEvent.election_id == election.id))


def test_dishonest_scrutineer_and_malicious_voter_still_tally_and_verify(tmp_path: Path) -> None:
    kits = make_kits(4)
    election = services.create_election(definition("ag-adversaries", "Adversaries", CONTESTS, kits, 2),
                                        slug="ag-adversaries", require_login=False)
    el = services.crypto_election(election)

    # -- key generation: t3 deals t1 a wrong share, t4 deals t2 a box that does not open --------
    for tid, kit in kits.items():
        if tid == "t3":
            data, kit.state = bad_step1(el, kit.private, "t1")
        elif tid == "t4":
            data, kit.state = unopenable_step1(el, kit.private, "t2")
        else:
            data, kit.state = keygen_step1(el, kit.private)
        services.record_trustee_step(election, data)
    step1 = queries.event_data(election, "trustee_commitments")
    data, kits["t4"].secret = keygen_step2(el, kits["t4"].private, kits["t4"].state, step1)
    services.record_trustee_step(election, data)  # t4 is quick: its share still counts t3 and t4
    assert bad_dealers(el, kits["t1"].private, step1) == ["t3"]
    assert bad_dealers(el, kits["t2"].private, step1) == ["t4"]
    services.record_trustee_step(election, make_complaint(el, kits["t1"].private, step1[2]))
    services.record_trustee_step(election, make_complaint(el, kits["t2"].private, step1[3]))
    db.session.commit()
    # False complaints against the honest t1 (a made-up secret, the torsion attack) are refused and change nothing.
    before = board_size(election)
    made_up = sign_trustee_data(kits["t2"].private, "trustee_complaint", {
        "election": el.fingerprint, "trustee": "t2", "dealer": "t1", "shared_secret": "33" * 32})
    for forged, refusal in ((made_up, errors.InvalidTrusteeData),  # no proof at all: malformed
                            (torsion_complaint(el, kits["t2"].private, step1[0]), errors.ComplaintUnfounded)):
        with pytest.raises(refusal):
            services.record_trustee_step(election, forged)
        db.session.rollback()
    assert board_size(election) == before
    assert services.missing_trustees(election) == ["t1", "t2", "t3", "t4"]  # every share again, without t3, t4
    for tid, kit in kits.items():
        data, kit.secret = keygen_step2(el, kit.private, kit.state, step1, ["t3", "t4"])
        services.record_trustee_step(election, data)
    db.session.commit()
    assert election.public_key is not None

    # -- voting: M tries everything, then votes once ----------------------------------------------
    creds = [generate_credential() for _ in range(7)]
    services.publish_credentials(election, [{"credential": credential_public(c), "category": "A",
                                             "voter": services.new_voter()} for c in creds])
    services.open_election(election)
    db.session.commit()
    honest, mallory = creds[:6], creds[6]
    votes = ["yes", "no", "yes", "abstain", "yes", "yes"]
    cast = []
    for cred, vote in zip(honest, votes):
        ballot = encrypt_ballot(el, election.public_key, cred, {"r1": [vote], "board-a": ["a1"]})
        services.cast_ballot(election, ballot)
        cast.append(ballot)
        db.session.commit()
    victim = cast[0]
    before = board_size(election)
    attempts = []
    # (1) the victim's ciphertexts and proofs under M's credential, re-signed
    copied = copy.deepcopy(victim)
    copied["credential"] = credential_public(mallory)
    copied["signature"] = credential_private_key(mallory).sign(SIGNATURE_PREFIX + unsigned_ballot_hash(copied)).hex()
    attempts.append(copied)
    # (2) the victim's ballot replayed as it is
    attempts.append(copy.deepcopy(victim))
    # (3) an over-limit vote (yes and no) with a made-up proof
    over = encrypt_ballot(el, election.public_key, mallory, {"r1": ["yes"], "board-a": ["a1", "a2"]})
    no = encrypt_ballot(el, election.public_key, mallory, {"r1": ["no"]})
    over["contests"][0]["choices"][1] = no["contests"][0]["choices"][1]
    over["signature"] = credential_private_key(mallory).sign(SIGNATURE_PREFIX + unsigned_ballot_hash(over)).hex()
    attempts.append(over)
    # (4) a credential nobody issued
    attempts.append(encrypt_ballot(el, election.public_key, generate_credential(), {"r1": ["no"]}))
    for ballot in attempts:
        with pytest.raises(errors.VotingError) as refused:
            services.cast_ballot(election, ballot)
        db.session.rollback()
        assert refused.value.code, "a clear reason"
    assert board_size(election) == before
    services.cast_ballot(election, encrypt_ballot(el, election.public_key, mallory, {"r1": ["no"]}))
    db.session.commit()

    # -- tally: t3 forges a partial decryption; t1 and t4 decrypt with the command line tool ------
    services.close_election(election)
    db.session.commit()
    # The scrutineers seal the closed board (t3 too: its seal is as good as anyone's).
    record = tmp_path / "record.json"
    record.write_text(json.dumps(record_document(list(services.iter_events(election)))))
    for tid in ("t1", "t3"):
        (tmp_path / f"{tid}.key").write_text(json.dumps(kits[tid].private))
        proc = subprocess.run([sys.executable, "-m", "voting.trustee", "sign-seal", "--record", str(record), "--key",
                               str(tmp_path / f"{tid}.key"), "--out", str(tmp_path / f"{tid}.seal"), "--workers", "1"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        services.record_trustee_step(election, json.loads((tmp_path / f"{tid}.seal").read_text()))
    services.compute_tally(election)
    db.session.commit()
    bad = partial_decryption(election, kits["t3"])
    body = {k: v for k, v in bad.items() if k != "signature"}
    first = body["factors"]["A"]["r1"]["yes"]
    first["factor"] = first["factor"][:2] + ("0" if first["factor"][2] != "0" else "1") + first["factor"][3:]
    with pytest.raises(errors.VotingError):
        services.record_trustee_step(election, sign_trustee_data(kits["t3"].private, "partial_decryption", body))
    db.session.rollback()
    record.write_text(json.dumps(record_document(list(services.iter_events(election)))))
    for tid in ("t1", "t4"):
        (tmp_path / f"{tid}.key").write_text(json.dumps(kits[tid].private))
        (tmp_path / f"{tid}.share").write_text(json.dumps(kits[tid].secret))
        proc = subprocess.run([sys.executable, "-m", "voting.trustee", "decrypt", "--record", str(record), "--key",
                               str(tmp_path / f"{tid}.key"), "--share", str(tmp_path / f"{tid}.share"), "--out",
                               str(tmp_path / f"{tid}.partial"), "--workers", "1", "--expect-count", "7"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "decrypting the tally of 7 counted ballots (A 7, B 0)" in proc.stdout
        services.record_trustee_step(election, json.loads((tmp_path / f"{tid}.partial").read_text()))
    services.publish_result(election)
    db.session.commit()
    assert election.state is ElectionState.TALLIED
    result = services.result(election)
    assert {ch: v["total"] for ch, v in result["counts"]["r1"].items()} == {"yes": 4, "no": 2, "abstain": 1}
    assert result["counts"]["board-a"]["a1"]["total"] == 6
    report = verify_record(record_document(list(services.iter_events(election))), workers=1, out=io.StringIO())
    assert report.ok and report.complete, report.failure
