"""Attack: a dishonest server hands ``python -m voting.trustee decrypt`` a record built to reveal one vote.

The tool verifies every counted ballot and recomputes the tally itself, and decrypts
only a closed board's tally that combines at least the minimum number of ballots in
every published count; it shows the count, the turnout and the head it decrypts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.voting.scrutineer_cases import write_cases

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    directory = tmp_path_factory.mktemp("refusals")
    _, paths = write_cases(directory)
    return directory, paths


def decrypt(directory: Path, record: Path, out: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voting.trustee", "decrypt", "--record", str(record), "--key", str(directory / "t1.key"),
         "--share", str(directory / "t1.share"), "--out", str(directory / out), "--workers", "1", *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_an_honest_board_is_decrypted_with_its_figures_shown(cases: tuple[Path, dict[str, Path]]) -> None:
    directory, paths = cases
    proc = decrypt(directory, paths["ok"], "ok.partial")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    events = json.loads(paths["ok"].read_text(encoding="utf-8"))["events"]
    close = next(e for e in events if e["type"] == "close")
    assert "decrypting the tally of 6 counted ballots (A 6, B 0)" in proc.stdout
    assert "turnout 6 of 8 (75.0%)" in proc.stdout
    assert f"board head {close['prev']}" in proc.stdout and events[-1]["hash"] in proc.stdout
    data = json.loads((directory / "ok.partial").read_text(encoding="utf-8"))
    assert data["trustee"] == "t1" and data["tally"] == events[-1]["hash"]


@pytest.mark.parametrize(("case", "reason"), [
    ("refuse_one_ballot", "every count is withheld (fewer than 5 ballots): nothing to decrypt"),
    ("refuse_made_up_tally", "technical detail (tally_sum)"),
    ("refuse_made_up_decrypt", "technical detail (tally_decrypt)"),
    ("refuse_made_up_ballot", "technical detail (choice_proof)"),
    ("refuse_unclosed", "the ballot box is not closed"),
    ("refuse_unsealed", "the board is not sealed: 1 of the 2 scrutineers needed signed the seal (missing: t2, t3)"),
    ("refuse_low_minimum", "publishes counts of as few as 1 ballots; at least 5 are needed"),
])
def test_a_record_built_to_reveal_a_vote_is_refused(cases: tuple[Path, dict[str, Path]], case: str, reason: str) -> None:
    directory, paths = cases
    proc = decrypt(directory, paths[case], f"{case}.partial")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "refused" in proc.stderr and reason in proc.stderr, proc.stderr
    assert not (directory / f"{case}.partial").exists()


def test_the_count_announced_in_the_hall_must_match(cases: tuple[Path, dict[str, Path]]) -> None:
    directory, paths = cases
    proc = decrypt(directory, paths["ok"], "ok-expect.partial", "--expect-count", "7")
    assert proc.returncode == 1 and "counts 6 ballots, not the 7 announced" in proc.stderr
    proc = decrypt(directory, paths["ok"], "ok-expect.partial", "--expect-count", "6")
    assert proc.returncode == 0, proc.stderr


def test_a_small_category_is_decrypted_only_within_the_total(cases: tuple[Path, dict[str, Path]]) -> None:
    directory, paths = cases
    proc = decrypt(directory, paths["total_only"], "total.partial")
    assert proc.returncode == 0, proc.stderr
    assert "decrypting the tally of 6 counted ballots (A 5, B 1)" in proc.stdout
    data = json.loads((directory / "total.partial").read_text(encoding="utf-8"))
    assert set(data["factors"]) == {"total"}, "only the total of both categories is decrypted"


def test_the_minimum_is_configurable(cases: tuple[Path, dict[str, Path]]) -> None:
    directory, paths = cases
    proc = decrypt(directory, paths["refuse_low_minimum"], "low.partial", "--min-ballots", "1")
    assert "publishes counts of as few" not in proc.stderr


def test_the_scrutineer_reads_refusals_and_figures_in_their_language(cases: tuple[Path, dict[str, Path]],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """voting.cli_i18n: --lang fr, or LANG=nl_BE; the technical detail stays English, labelled with its code."""
    directory, paths = cases
    proc = decrypt(directory, paths["refuse_unsealed"], "fr-unsealed.partial", "--lang", "fr")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("refusé\u00a0: le tableau n'est pas scellé\u00a0: 1 des 2 scrutateurs requis ont signé le scellé "
            "(manquent\u00a0: t2, t3)") in proc.stderr.splitlines()
    proc = decrypt(directory, paths["refuse_made_up_tally"], "fr-made-up.partial", "--lang", "fr")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    refused = lines.index("refusé\u00a0: le registre ne se vérifie pas.")
    assert lines[refused + 1].startswith("FAIL à l'événement ")
    assert lines[refused + 1].endswith("\u00a0: Le décompte chiffré n'est pas la somme des bulletins comptés.")
    assert lines[refused + 2] == "  détail technique (tally_sum)\u00a0: the encrypted tally is not the sum of the counted ballots"
    proc = decrypt(directory, paths["ok"], "fr-ok.partial", "--lang", "fr")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "scrutateur t1\u00a0: déchiffrement du décompte de 6 bulletins comptés (A 6, B 0)" in proc.stdout
    assert "participation 6 sur 8 (75,0\u202f%)" in proc.stdout  # the sign never starts a line
    assert "comparez ces chiffres avec ceux annoncés dans la salle avant de publier" in proc.stdout
    monkeypatch.setenv("LANG", "nl_BE.UTF-8")
    proc = decrypt(directory, paths["refuse_one_ballot"], "nl-one.partial")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("geweigerd: alle cijfers worden achtergehouden (minder dan 5 stembiljetten): niets te ontsleutelen"
            in proc.stderr.splitlines())
    for name in ("fr-unsealed", "fr-made-up", "nl-one"):
        assert not (directory / f"{name}.partial").exists()
