"""The credential authority command."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voting.credentials import ElectorateError, issue_credentials, read_electorate
from voting.crypto.credential import credential_public, normalize_credential

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voting.credentials", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture()
def electorate(tmp_path: Path) -> Path:
    path = tmp_path / "electorate.csv"
    path.write_text("member_id,category\nm1,A\nm2,b\nm3,A\n\nm4,B\n", encoding="utf-8")
    return path


def test_writes_public_and_private_lists_to_different_places(tmp_path: Path, electorate: Path) -> None:
    (tmp_path / "pub").mkdir()
    (tmp_path / "priv").mkdir()
    pub, priv = tmp_path / "pub" / "credentials.json", tmp_path / "priv" / "credentials.csv"
    proc = run(str(electorate), "--public", str(pub), "--private", str(priv), "--election", "ab" * 32)
    assert proc.returncode == 0, proc.stderr
    assert "4 credentials issued (A: 2, B: 2)" in proc.stdout
    public = json.loads(pub.read_text(encoding="utf-8"))
    assert public["election"] == "ab" * 32
    items = public["credentials"]
    assert [i["credential"] for i in items] == sorted(i["credential"] for i in items)
    assert "m1" not in pub.read_text()
    with priv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["member_id"] for r in rows] == ["m1", "m2", "m3", "m4"]
    assert {(credential_public(r["credential"]), r["category"], r["voter"]) for r in rows} == {
        (i["credential"], i["category"], i["voter"]) for i in items
    }
    for r in rows:
        normalize_credential(r["credential"])
    assert os.stat(priv).st_mode & 0o077 == 0
    # Never overwritten.
    again = run(str(electorate), "--public", str(pub), "--private", str(tmp_path / "priv" / "other.csv"))
    assert again.returncode == 2 and "exists" in again.stderr


def test_refuses_the_same_place_unless_demo(tmp_path: Path, electorate: Path) -> None:
    pub, priv = tmp_path / "public.json", tmp_path / "private.csv"
    proc = run(str(electorate), "--public", str(pub), "--private", str(priv))
    assert proc.returncode == 2 and "different places" in proc.stderr
    assert not pub.exists() and not priv.exists()
    proc = run(str(electorate), "--public", str(pub), "--private", str(pub), "--demo-same-place")
    assert proc.returncode == 2 and not pub.exists()
    proc = run(str(electorate), "--public", str(pub), "--private", str(priv), "--demo-same-place")
    assert proc.returncode == 0 and pub.exists() and priv.exists()


def test_electorate_validation() -> None:
    read = read_electorate(["m1,A", "m2,B", "m3,A," + "ab" * 16])
    assert [(m, c) for m, c, _ in read] == [("m1", "A"), ("m2", "B"), ("m3", "A")]
    # Every member a fresh 128-bit voter pseudonym, unless one is given (a reissue keeps it).
    assert len({v for _, _, v in read}) == 3 and read[2][2] == "ab" * 16
    for bad in (["m1,A", "m1,B"], ["m1,C"], ["m1"], [",A"], ["m1,A,nothex"]):
        with pytest.raises(ElectorateError):
            read_electorate(bad)
    public, private = issue_credentials([("m1", "A"), ("m2", "B")])
    assert "election" not in public
    assert len({p[3] for p in private}) == 2 and len({p[2] for p in private}) == 2
    assert {i["voter"] for i in public["credentials"]} == {p[2] for p in private}


def test_speaks_the_officers_language(tmp_path: Path, electorate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """French with --lang, Dutch from LANG, and a refused electorate named by its line in French."""
    (tmp_path / "pub").mkdir()
    (tmp_path / "priv").mkdir()
    pub, priv = tmp_path / "pub" / "credentials.json", tmp_path / "priv" / "credentials.csv"
    proc = run(str(electorate), "--public", str(pub), "--private", str(priv), "--lang", "fr")
    assert proc.returncode == 0, proc.stderr
    assert "4 codes de vote délivrés (A\u00a0: 2, B\u00a0: 2)" in proc.stdout
    again = run(str(electorate), "--public", str(pub), "--private", str(priv), "--lang", "fr")
    assert again.returncode == 2 and "refusé" in again.stderr and "jamais écrasés" in again.stderr
    twice = tmp_path / "twice.csv"
    twice.write_text("m1,A\nm2,B\nm1,A\n", encoding="utf-8")
    monkeypatch.setenv("LANG", "nl_BE.UTF-8")
    proc = run(str(twice), "--public", str(tmp_path / "pub" / "b.json"), "--private", str(tmp_path / "priv" / "b.csv"))
    assert proc.returncode == 2
    assert "regel 3: lid m1 staat er twee keer in" in proc.stderr
    assert not (tmp_path / "pub" / "b.json").exists()
    proc = run(str(twice), "--help")
    assert "Geeft één stemcode per lid" in proc.stdout
