"""The verifier a member downloads: one file, no Flask, run from anywhere."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voting.verifier_file import build

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "tests" / "voting" / "records"

pytestmark = pytest.mark.no_db


@pytest.fixture(scope="module")
def verifier(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("dist") / "une-voix-verify.pyz")


def _run(verifier: Path, record: Path, cwd: Path) -> subprocess.CompletedProcess:
    # -I: isolated, so nothing of the checkout is importable; only the file itself runs.
    return subprocess.run([sys.executable, "-I", str(verifier), str(record)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_the_single_file_verifier_accepts_a_valid_record_from_anywhere(verifier, tmp_path):
    done = _run(verifier, RECORDS / "valid.json", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout


def test_the_single_file_verifier_refuses_a_tampered_record(verifier, tmp_path):
    done = _run(verifier, RECORDS / "wrong_tally.json", tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "une-voix-verify"
    assert script.exists(), "pip install -e . installs the une-voix-verify command"
