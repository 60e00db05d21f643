"""The record the database holds is exactly what the independent verifier accepts."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from app.extensions import db
from voting import services
from voting.crypto.ballot import encrypt_ballot
from voting.demo import definition, demo_contests, make_kits, partial_decryption, random_selections, run_keygen, seal_signature

ROOT = Path(__file__).resolve().parents[2]


def run_election(make_member, voters=12, revotes=4, decrypting=("t3", "t1", "t5")):
    members = [make_member() for _ in range(voters)]
    kits = make_kits(5)
    election = services.create_election(definition("ag-export", "Export", demo_contests(), kits, 3, min_ballots=1), slug="ag-export")
    run_keygen(election, kits)
    from voting.crypto.credential import credential_public, generate_credential

    creds = {m.id: generate_credential() for m in members}
    services.publish_credentials(election, [{"credential": credential_public(c), "category": m.category.value,
                                             "voter": services.new_voter()} for m in members for c in [creds[m.id]]],
                                 {credential_public(creds[m.id]): m.id for m in members})
    services.open_election(election)
    db.session.commit()
    rnd = random.Random(7)
    el = services.crypto_election(election)
    for member in members + rnd.sample(members, revotes):
        services.cast_ballot(election, encrypt_ballot(el, election.public_key, creds[member.id],
                                                      random_selections(el, rnd)), member)
        db.session.commit()
    services.close_election(election)
    for tid in ("t1", "t2", "t3"):
        services.record_trustee_step(election, seal_signature(election, kits[tid]))
    services.compute_tally(election)
    for tid in decrypting:
        services.record_trustee_step(election, partial_decryption(election, kits[tid]))
    services.publish_result(election)
    db.session.commit()
    return election


def verify_cli(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voting.verify", str(path), "--workers", "2", "--complete"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_exported_record_verifies_with_the_independent_verifier(make_member, client, tmp_path):
    election = run_election(make_member)
    response = client.get(f"/voting/{election.slug}/record.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.is_streamed
    path = tmp_path / "record.json"
    path.write_bytes(response.get_data())
    done = verify_cli(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checked ballots: 16" in done.stdout
    assert "checked superseded ballots: 4" in done.stdout
    assert "checked partial decryptions: 3" in done.stdout
    assert "OK: every check holds, result verified" in done.stdout


def test_a_tampered_export_fails_the_verifier(make_member, client, tmp_path):
    election = run_election(make_member, voters=4, revotes=1)
    doc = json.loads(client.get(f"/voting/{election.slug}/record.json").get_data())
    ballots = [e for e in doc["events"] if e["type"] == "ballot"]
    ballots[1]["data"]["ballot"]["contests"][0]["choices"] = list(reversed(ballots[1]["data"]["ballot"]["contests"][0]["choices"]))
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(doc))
    done = verify_cli(path)
    assert done.returncode == 1
    assert "FAIL" in done.stdout


def test_open_board_exports_a_verifiable_partial_record(make_member, client, tmp_path):
    members = [make_member() for _ in range(3)]
    kits = make_kits(3)
    election = services.create_election(definition("ag-open", "Open", demo_contests(), kits, 2, min_ballots=1), slug="ag-open")
    run_keygen(election, kits)
    services.issue_credentials(election, members)
    services.open_election(election)
    db.session.commit()
    path = tmp_path / "open.json"
    path.write_bytes(client.get("/voting/ag-open/record.json").get_data())
    done = subprocess.run([sys.executable, "-m", "voting.verify", str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "FAIL: The record stops before the result." in done.stdout and "the close of the ballot box" in done.stdout
    done = subprocess.run([sys.executable, "-m", "voting.verify", str(path), "--partial"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert "OK so far (partial check)" in done.stdout


def test_small_tallied_election_helper_makes_a_complete_verifiable_record(client, tmp_path):
    from voting.demo import small_tallied_election

    small_tallied_election("ag-small")
    db.session.commit()
    path = tmp_path / "small.json"
    path.write_bytes(client.get("/voting/ag-small/record.json").get_data())
    done = verify_cli(path)
    assert done.returncode == 0, done.stdout
    assert client.get("/voting/ag-small/tally.json").status_code == 200


def test_the_board_offers_the_verifier_as_one_file_and_the_commands_to_run_it(app, client, tmp_path, monkeypatch):
    """What a member reads on the board, in their language, is enough: the file it links to checks
    the record at the URL the page gives, from a folder with nothing of this project (python -I)."""
    from voting.demo import small_tallied_election

    small_tallied_election("ag-small")
    db.session.commit()
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))  # where the app keeps the file it serves
    with client.session_transaction() as session:
        session["language"] = "fr"
    page = client.get("/voting/ag-small/board").get_data(as_text=True)
    assert "Télécharger le vérificateur (une-voix-verify.pyz)" in page and "python -m voting.verify" not in page
    assert "python3 -m pip install cryptography coincurve" in page
    # Served over plain http (the demo), the verifier would refuse the address: the saved file's name.
    assert "python3 une-voix-verify.pyz --lang fr ag-small-record.json" in page
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://vote.example.coop")
    page = client.get("/voting/ag-small/board").get_data(as_text=True)
    assert "python3 une-voix-verify.pyz --lang fr https://vote.example.coop/voting/ag-small/record.json" in page

    with client.get("/voting/une-voix-verify.pyz") as download:  # a file response: closed once read
        assert download.status_code == 200
        assert download.headers["Content-Disposition"] == "attachment; filename=une-voix-verify.pyz"
        verifier = download.get_data()
    home = tmp_path / "home"
    home.mkdir()
    (home / "une-voix-verify.pyz").write_bytes(verifier)
    (home / "ag-small-record.json").write_bytes(client.get("/voting/ag-small/record.json").get_data())
    done = subprocess.run([sys.executable, "-I", "une-voix-verify.pyz", "--lang", "fr", "ag-small-record.json"], cwd=home,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout
    # Built once per version of its sources: the second download is the same file, not a new build.
    with client.get("/voting/une-voix-verify.pyz") as again:
        assert again.get_data() == verifier
    assert len(list((tmp_path / "instance").glob("une-voix-verify-*.pyz"))) == 1
