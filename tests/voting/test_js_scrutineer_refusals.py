"""The browser scrutineer's decryption guard (static/js/scrutineer/verifier.mjs) on the
records a dishonest server could hand it: the same cases as test_scrutineer_refusals.py.

Node verifies every ballot and re-adds the tally itself, refuses each record built to
reveal a vote, and on the honest board shows the figures, signs the seal and decrypts;
Python checks that seal signature and that partial decryption. Skipped only when ``node`` is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.voting.scrutineer_cases import write_cases
from voting.crypto.dkg import verify_partial_decryption, verify_trustee_signature
from voting.record import RecordState

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

pytestmark = [pytest.mark.no_db, pytest.mark.skipif(NODE is None, reason="node is not installed")]


def test_browser_scrutineer_refuses_what_the_command_line_refuses(tmp_path: Path) -> None:
    sim, paths = write_cases(tmp_path)
    env = dict(os.environ, UNEVOIX_REFUSALS_DIR=str(tmp_path))
    proc = subprocess.run([NODE, "--test", "--test-reporter=tap", str(ROOT / "tests" / "js" / "scrutineer_refusals.test.mjs")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert sum(1 for line in proc.stdout.splitlines() if line.startswith("ok ")) == 4, proc.stdout[-3000:]
    state = RecordState()
    for event in json.loads(paths["ok"].read_text(encoding="utf-8"))["events"]:
        state.apply(event)
    data = json.loads((tmp_path / "js-t1.partial.json").read_text(encoding="utf-8"))
    assert state.tally_sums is not None and state.tally_hash is not None
    verify_partial_decryption(sim.election, data, state.shares["t1"], state.tally_sums, state.tally_hash)
    seal = json.loads((tmp_path / "js-t1.seal.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in seal.items() if k != "signature"} == state.seal_data("t1")
    verify_trustee_signature(sim.election, "seal_signature", seal)
