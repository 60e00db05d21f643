"""The scrutineer command with files: key generation, decryption with any k, missing trustees named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from voting.crypto.credential import generate_credential
from voting.crypto.dkg import new_trustee_identity
from voting.crypto.election import Contest, Election, TrusteeInfo
from voting.record import RecordError, RecordState, append_event, make_event, record_document
from voting.simulate import cast

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]


def trustee(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voting.trustee", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_record(path: Path, events: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps(record_document(events)), encoding="utf-8")


def test_trustee_workflow_with_files(tmp_path: Path) -> None:
    ids = ["t1", "t2", "t3"]
    for t in ids:
        ok(trustee("init", "--id", t, "--name", f"Scrutineer {t}", "--key", str(tmp_path / f"{t}.key"),
                   "--public", str(tmp_path / f"{t}.pub")))
    assert "signing_seed" in read(tmp_path / "t1.key") and "signing_seed" not in read(tmp_path / "t1.pub")
    contests = (Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
                Contest("board-b", "board", ("b1", "b2", "b3"), 0, 2, category="B", seats=1))
    election = Election("cli-1", "CLI", contests, tuple(TrusteeInfo(**read(tmp_path / f"{t}.pub")) for t in ids), 2,
                        min_ballots=1)
    (tmp_path / "election.json").write_text(json.dumps(election.to_json()), encoding="utf-8")

    for t in ids:
        ok(trustee("keygen1", "--election", str(tmp_path / "election.json"), "--key", str(tmp_path / f"{t}.key"),
                   "--state", str(tmp_path / f"{t}.state"), "--out", str(tmp_path / f"{t}.step1")))
    # Refuses to overwrite private state.
    again = trustee("keygen1", "--election", str(tmp_path / "election.json"), "--key", str(tmp_path / "t1.key"),
                    "--state", str(tmp_path / "t1.state"), "--out", str(tmp_path / "x"))
    assert again.returncode != 0 and "exists" in again.stderr

    events: list[dict[str, Any]] = []
    append_event(events, "election", election.to_json())
    for t in ids:
        append_event(events, "trustee_commitments", read(tmp_path / f"{t}.step1"))
    write_record(tmp_path / "record.json", events)
    # t1 and t2 read the others' commitments from the record, t3 from the files.
    for t in ("t1", "t2"):
        ok(trustee("keygen2", "--election", str(tmp_path / "election.json"), "--key", str(tmp_path / f"{t}.key"),
                   "--state", str(tmp_path / f"{t}.state"), "--record", str(tmp_path / "record.json"),
                   "--share", str(tmp_path / f"{t}.share"), "--out", str(tmp_path / f"{t}.step2")))
    ok(trustee("keygen2", "--election", str(tmp_path / "election.json"), "--key", str(tmp_path / "t3.key"),
               "--state", str(tmp_path / "t3.state"), "--commitments", *[str(tmp_path / f"{t}.step1") for t in ids],
               "--share", str(tmp_path / "t3.share"), "--out", str(tmp_path / "t3.step2")))
    # A tampered commitment file is refused and its dealer named.
    bad = read(tmp_path / "t2.step1")
    bad["commitments"][1] = bad["commitments"][0]
    (tmp_path / "bad.step1").write_text(json.dumps(bad), encoding="utf-8")
    proc = trustee("keygen2", "--election", str(tmp_path / "election.json"), "--key", str(tmp_path / "t3.key"),
                   "--state", str(tmp_path / "t3.state"), "--commitments", str(tmp_path / "t1.step1"),
                   str(tmp_path / "bad.step1"), str(tmp_path / "t3.step1"),
                   "--share", str(tmp_path / "t3.share2"), "--out", str(tmp_path / "t3.step2b"))
    assert proc.returncode == 1 and "trustee_signature" in proc.stderr and "t2" in proc.stderr

    for t in ids:
        append_event(events, "trustee_share", read(tmp_path / f"{t}.step2"))
    state = RecordState()
    for e in events:
        state.apply(e)
    from voting.crypto.dkg import joint_public_key

    y = joint_public_key(state.commitments[t] for t in ids)
    append_event(events, "election_key", {"election": election.fingerprint, "public_key": y.hex()})
    creds = [generate_credential() for _ in range(4)]
    from voting.crypto.credential import credential_public

    items = sorted(({"credential": credential_public(c), "category": "AABB"[i], "voter": f"{i:032x}"}
                    for i, c in enumerate(creds)),
                   key=lambda x: x["credential"])
    append_event(events, "credentials", {"election": election.fingerprint, "credentials": items})
    state = RecordState()
    for e in events:
        state.apply(e)
    state.apply(append_event(events, "open", state.open_data()))

    class Sim:  # the minimal surface simulate.cast needs
        pass

    sim = Sim()
    sim.election, sim.events, sim.ballots = election, events, []  # type: ignore[attr-defined]
    sels = [{"r1": ["yes"], "board-b": ["b1"]}, {"r1": ["yes"], "board-b": ["b2", "b1"]},
            {"r1": ["no"]}, {"r1": ["yes"], "board-b": ["b3"]}]
    for cred, sel in zip(creds, sels):
        cast(sim, state, cred, sel)  # type: ignore[arg-type]
    state.apply(append_event(events, "close", state.close_data()))
    write_record(tmp_path / "record.json", events)
    # The tally waits for k seal signatures; each scrutineer checks the closed board and signs.
    probe = RecordState()
    for e in events:
        probe.apply(e)
    with pytest.raises(RecordError) as refused:
        probe.apply(make_event(events[-1], "tally", probe.tally_data()))
    assert refused.value.code == "not_enough_seals"
    # t3 kept the one private file the browser scrutineer saves (key, state and share together): the
    # commands read the part they need from it.
    bundle = {"format": "unevoix/v1/trustee-private", "id": "t3", "election": election.fingerprint,
              "key": read(tmp_path / "t3.key"), "state": read(tmp_path / "t3.state"),
              "share": read(tmp_path / "t3.share")}
    (tmp_path / "t3.browser.json").write_text(json.dumps(bundle), encoding="utf-8")
    # A key of another election (a scrutineer with two) signs nothing: said, no file written.
    (tmp_path / "other.key").write_text(json.dumps(new_trustee_identity("t2", "T2")[0]), encoding="utf-8")
    wrong = trustee("sign-seal", "--record", str(tmp_path / "record.json"), "--key", str(tmp_path / "other.key"),
                    "--out", str(tmp_path / "t2.seal"))
    assert wrong.returncode != 0 and "does not belong to this election or to this scrutineer" in wrong.stderr
    assert not (tmp_path / "t2.seal").exists()
    for t, key in (("t1", "t1.key"), ("t3", "t3.browser.json")):
        proc = trustee("sign-seal", "--record", str(tmp_path / "record.json"), "--key", str(tmp_path / key),
                       "--out", str(tmp_path / f"{t}.seal"))
        ok(proc)
        assert "4 counted ballot(s) of 4 voter(s)" in proc.stdout and state.close_data_seen["head"] in proc.stdout
        assert "the count to compare is the hall's \"Voted\" figure" in proc.stdout  # not its "Taking part"
        state.apply(append_event(events, "seal_signature", read(tmp_path / f"{t}.seal")))
    state.apply(append_event(events, "tally", state.tally_data()))
    (tmp_path / "record.json").unlink()
    write_record(tmp_path / "record.json", events)

    # t2 decrypts; with one partial decryption the tally names who is missing.
    ok(trustee("decrypt", "--record", str(tmp_path / "record.json"), "--key", str(tmp_path / "t2.key"),
               "--share", str(tmp_path / "t2.share"), "--out", str(tmp_path / "t2.partial"), "--min-ballots", "1"))
    proc = trustee("tally", "--record", str(tmp_path / "record.json"), "--partials", str(tmp_path / "t2.partial"),
                   "--out", str(tmp_path / "result.json"))
    assert proc.returncode == 1 and "missing: t1, t3" in proc.stderr
    assert proc.stderr.splitlines()[0] == "cannot tally: Fewer scrutineers decrypted the tally than the number needed."
    proc = trustee("tally", "--lang", "nl", "--record", str(tmp_path / "record.json"), "--partials",
                   str(tmp_path / "t2.partial"), "--out", str(tmp_path / "result.json"))
    assert proc.stderr.splitlines() == [
        "kan niet tellen: Minder stemopnemers dan nodig hebben de telling ontsleuteld.",
        "  technisch detail (not_enough_trustees): 1 of 2 partial decryptions; missing: t1, t3"]
    # A share that is not mine is refused.
    proc = trustee("decrypt", "--record", str(tmp_path / "record.json"), "--key", str(tmp_path / "t3.key"),
                   "--share", str(tmp_path / "t2.share"), "--out", str(tmp_path / "t3.bad"), "--min-ballots", "1")
    assert proc.returncode == 1 and "state_mismatch" in proc.stderr
    proc = trustee("decrypt", "--record", str(tmp_path / "record.json"), "--key", str(tmp_path / "t3.key"), "--lang", "fr",
                   "--share", str(tmp_path / "t2.share"), "--out", str(tmp_path / "t3.bad"), "--min-ballots", "1")
    assert proc.returncode == 1 and proc.stderr.splitlines()[-2:] == [
        "erreur\u00a0: Un fichier privé donné n'appartient pas à cette élection ou à ce scrutateur.",
        "  détail technique (state_mismatch)\u00a0: the secret share belongs to another election or trustee"]
    ok(trustee("decrypt", "--record", str(tmp_path / "record.json"), "--key", str(tmp_path / "t3.browser.json"),
               "--share", str(tmp_path / "t3.browser.json"), "--out", str(tmp_path / "t3.partial"), "--min-ballots", "1"))
    ok(trustee("tally", "--record", str(tmp_path / "record.json"), "--partials", str(tmp_path / "t2.partial"),
               str(tmp_path / "t3.partial"), "--out", str(tmp_path / "result.json")))
    result = read(tmp_path / "result.json")
    assert result["trustees"] == ["t2", "t3"]
    assert result["counts"]["r1"]["yes"]["total"] == 3 and result["counts"]["r1"]["no"]["total"] == 1
    assert result["counts"]["board-b"]["b1"] == {"A": 2, "B": 0, "total": 2}
    assert result["outcomes"]["board-b"]["elected"] == ["b1"]

    # Publish and verify the whole record.
    append_event(events, "partial_decryption", read(tmp_path / "t2.partial"))
    append_event(events, "partial_decryption", read(tmp_path / "t3.partial"))
    append_event(events, "result", result)
    write_record(tmp_path / "final.json", events)
    proc = subprocess.run([sys.executable, "-m", "voting.verify", str(tmp_path / "final.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout
