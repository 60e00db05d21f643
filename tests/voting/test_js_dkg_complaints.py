"""The browser scrutineer and the command line tool agree on key-generation complaints (a
share that does not match, a share box that does not open): node makes byte-identical complaints, reads Python's, and its public share without the bad
dealer passes voting.record. Skipped only when node is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.voting.dishonest import bad_step1, unopenable_step1
from voting.crypto.dkg import keygen_step1, make_complaint, new_trustee_identity
from voting.crypto.election import Contest, Election, TrusteeInfo
from voting.record import RecordState, append_event, make_event, record_document

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = [pytest.mark.no_db, pytest.mark.skipif(NODE is None, reason="node is not installed")]


def test_js_and_python_complaints_agree(tmp_path: Path) -> None:
    privs, pubs = {}, []
    for i in range(1, 5):
        priv, pub = new_trustee_identity(f"t{i}", f"T{i}")
        privs[priv["id"]] = priv
        pubs.append(TrusteeInfo(**pub))
    election = Election("js-complaints", "Complaints", (Contest("r1", "resolution", ("yes", "no"), 1, 1),), tuple(pubs), 2)
    events: list = []
    append_event(events, "election", election.to_json())
    step1, states = [], {}
    for tid, priv in privs.items():
        if tid == "t3":
            data, states[tid] = bad_step1(election, priv, "t1")
        elif tid == "t4":
            data, states[tid] = unopenable_step1(election, priv, "t2")
        else:
            data, states[tid] = keygen_step1(election, priv)
        step1.append(data)
        append_event(events, "trustee_commitments", data)
    complaint = make_complaint(election, privs["t1"], step1[2])
    append_event(events, "trustee_complaint", complaint)
    unopenable = make_complaint(election, privs["t2"], step1[3])
    append_event(events, "trustee_complaint", unopenable)
    payload = {"definition": election.to_json(), "step1": step1, "python_complaint": complaint,
               "python_unopenable_complaint": unopenable,
               "t4_key": privs["t4"],
               "record": record_document(events),
               "t1": {"key": privs["t1"], "state": states["t1"]}, "t2": {"key": privs["t2"], "state": states["t2"]}}
    src, dst = tmp_path / "in.json", tmp_path / "out.json"
    src.write_text(json.dumps(payload), encoding="utf-8")
    env = dict(os.environ, UNEVOIX_COMPLAINTS_IN=str(src), UNEVOIX_COMPLAINTS_OUT=str(dst))
    proc = subprocess.run([NODE, "--test", "--test-reporter=tap", str(ROOT / "tests" / "js" / "dkg_complaints.test.mjs")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert sum(1 for line in proc.stdout.splitlines() if line.startswith("ok ")) == 3, proc.stdout[-2000:]
    out = json.loads(dst.read_text(encoding="utf-8"))
    state = RecordState()
    for e in events[:-2]:
        state.apply(e)
    state.apply(make_event(state.last, "trustee_complaint", out["complaint"]))  # the JS complaints, on the record
    state.apply(make_event(state.last, "trustee_complaint", out["unopenable_complaint"]))
    assert state.disqualified == {"t3": "t1", "t4": "t2"}
    state.apply(make_event(state.last, "trustee_share", out["t1_share"]))
    assert "t1" in state.shares
