"""`flask voting ...` with scrutineers using `python -m voting.trustee` files and an outside
credential authority (`python -m voting.credentials`), verified by `python -m voting.verify`."""
from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Account, AccountRole, OutboxMessage, Role
from voting import credentials as authority
from voting import trustee as trustee_tool
from voting.crypto.ballot import encrypt_ballot
from voting.demo import demo_contests
from voting.models import Election, ElectionState

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(data_app):
    runner = data_app.test_cli_runner()

    def invoke(*args, ok=True):
        result = runner.invoke(args=["voting", *[str(a) for a in args]])
        if ok:
            assert result.exit_code == 0, result.output
        return result
    return invoke


def tool(args) -> int:
    return trustee_tool.main([str(a) for a in args])


def election(slug) -> Election:
    db.session.rollback()
    return db.session.scalar(select(Election).where(Election.slug == slug))


def scrutineer(email):
    account = Account(email=email, display_name=email, roles=[AccountRole(role=Role.SCRUTINEER)])
    db.session.add(account)
    db.session.commit()
    return account


def test_a_whole_election_from_the_command_line(run, tmp_path, make_member):
    keep = tmp_path / "scrutineers"  # what each scrutineer keeps at home
    keep.mkdir()
    ids = ["t1", "t2", "t3"]
    for tid in ids:
        scrutineer(f"{tid}@example.be")
        assert tool(["init", "--id", tid, "--name", f"Scrutineer {tid}", "--key", keep / f"{tid}.key",
                                  "--public", tmp_path / f"{tid}.public.json"]) == 0
    definition = {"version": "unevoix/v1", "id": "ag-cli", "title": "CLI assembly",
                  "contests": [c.to_json() for c in demo_contests(4, 3)],
                  "trustees": [json.loads((tmp_path / f"{t}.public.json").read_text()) for t in ids],
                  "threshold": 2, "tie_rule": "ballot_order", "min_ballots": 1}
    (tmp_path / "definition.json").write_text(json.dumps(definition))
    # An outside credential authority hands the server public credentials only, with no member
    # attached: the election is credential-only (--no-login).
    out = run("create", tmp_path / "definition.json", "--no-login",
              *[x for t in ids for x in ("--trustee", f"{t}={t}@example.be")])
    assert "state keygen" in out.output
    assert [t.account.email for t in election("ag-cli").trustees] == ["t1@example.be", "t2@example.be", "t3@example.be"]

    run("export", "ag-cli", tmp_path / "r0.json")
    for tid in ids:
        assert tool(["keygen1", "--election", tmp_path / "r0.json", "--key", keep / f"{tid}.key",
                                  "--state", keep / f"{tid}.state", "--out", tmp_path / f"{tid}.step1.json"]) == 0
    run("upload", "ag-cli", *[tmp_path / f"{t}.step1.json" for t in ids])
    assert "waiting for t1, t2, t3" in run("status", "ag-cli").output  # step 2 now
    run("export", "ag-cli", tmp_path / "r1.json")
    for tid in ids:
        assert tool(["keygen2", "--election", tmp_path / "r1.json", "--record", tmp_path / "r1.json",
                                  "--key", keep / f"{tid}.key", "--state", keep / f"{tid}.state",
                                  "--share", keep / f"{tid}.share", "--out", tmp_path / f"{tid}.step2.json"]) == 0
    run("upload", "ag-cli", *[tmp_path / f"{t}.step2.json" for t in ids])
    assert election("ag-cli").public_key

    # an outside credential authority: the server only ever sees the public list
    members = [make_member() for _ in range(5)]
    (tmp_path / "electorate.csv").write_text("".join(f"{m.id},{m.category.value}\n" for m in members))
    (tmp_path / "authority").mkdir()
    assert authority.main([str(tmp_path / "electorate.csv"), "--public", str(tmp_path / "public.json"),
                           "--private", str(tmp_path / "authority" / "private.csv")]) == 0
    assert "5 public credentials published" in run("credentials", "ag-cli", "--public-list", tmp_path / "public.json").output
    run("open", "ag-cli")
    with (tmp_path / "authority" / "private.csv").open() as fh:
        private = [row["credential"] for row in csv.DictReader(fh)]
    from voting import services

    el = election("ag-cli")
    crypto = services.crypto_election(el)
    rnd = random.Random(3)
    for cred in private[:4]:
        sel = {c.id: rnd.sample(list(c.choices), rnd.randint(c.min, c.max)) for c in crypto.contests}
        services.cast_ballot(el, encrypt_ballot(crypto, el.public_key, cred, sel))
        db.session.commit()
    run("close", "ag-cli")
    assert "refused (already_closed)" in run("close", "ag-cli", ok=False).output  # twice: refused, nothing changes
    assert "refused (not_enough_seals)" in run("tally", "ag-cli", ok=False).output
    run("export", "ag-cli", tmp_path / "closed.json")
    for tid in ("t2", "t3"):  # each scrutineer checks the closed board and signs its seal
        assert tool(["sign-seal", "--record", tmp_path / "closed.json", "--key", keep / f"{tid}.key",
                     "--out", tmp_path / f"{tid}.seal.json", "--workers", "1"]) == 0
    run("upload", "ag-cli", tmp_path / "t2.seal.json", tmp_path / "t3.seal.json")
    run("tally", "ag-cli")
    run("export", "ag-cli", tmp_path / "r2.json")
    assert tool(["decrypt", "--record", tmp_path / "r2.json", "--key", keep / "t3.key", "--share",
                              keep / "t3.share", "--out", tmp_path / "t3.dec.json", "--workers", "1", "--min-ballots", "1"]) == 0
    run("upload", "ag-cli", tmp_path / "t3.dec.json")
    refused = run("result", "ag-cli", ok=False)
    assert refused.exit_code != 0 and "Missing: t1, t2" in refused.output
    assert tool(["decrypt", "--record", tmp_path / "r2.json", "--key", keep / "t1.key", "--share",
                              keep / "t1.share", "--out", tmp_path / "t1.dec.json", "--workers", "1", "--min-ballots", "1"]) == 0
    run("upload", "ag-cli", tmp_path / "t1.dec.json")
    run("result", "ag-cli")
    assert election("ag-cli").state is ElectionState.TALLIED
    run("export", "ag-cli", tmp_path / "final.json")
    assert "exists" in run("export", "ag-cli", tmp_path / "final.json", ok=False).output
    done = subprocess.run([sys.executable, "-m", "voting.verify", str(tmp_path / "final.json"), "--complete"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert "checked ballots: 4" in done.stdout


def test_create_refuses_a_bad_definition_and_unknown_accounts(run, tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"version": "unevoix/v1", "id": "x", "title": "x", "contests": [],
                                                   "trustees": [], "threshold": 1}))
    result = run("create", tmp_path / "bad.json", ok=False)
    assert result.exit_code != 0 and "invalid_definition" in result.output
    assert db.session.scalar(select(Election.id)) is None
    good = {"version": "unevoix/v1", "id": "y", "title": "y", "contests": [c.to_json() for c in demo_contests(2, 2)],
            "trustees": [{"id": "t1", "name": "T", "signing_key": "", "encryption_key": ""}], "threshold": 1}
    (tmp_path / "good.json").write_text(json.dumps(good))
    assert "No account" in run("create", tmp_path / "good.json", "--trustee", "t1=nobody@example.be", ok=False).output
    assert "state setup" in run("create", tmp_path / "good.json").output


def test_credentials_command_issues_and_mails_to_members_in_good_standing(run, make_member, monkeypatch, data_app):
    from voting import services
    from voting.demo import definition, make_kits, run_keygen

    members = [make_member() for _ in range(3)]
    kits = make_kits(2)
    el = services.create_election(definition("ag-mail", "Mail", demo_contests(2, 2), kits, 2), slug="ag-mail")
    run_keygen(el, kits)
    db.session.commit()
    import shares.standing

    monkeypatch.setattr(shares.standing, "members_in_good_standing", lambda on: {members[0].id, members[2].id})
    # No mail server: the command refuses to leave credentials in the outbox and asks for letters.
    assert "give --letters" in run("credentials", "ag-mail", ok=False).output
    monkeypatch.setitem(data_app.config, "MAIL_SERVER", "smtp.example")
    out = run("credentials", "ag-mail").output
    assert "2 credential(s) issued and queued as mail" in out and "erased from the outbox once sent" in out
    assert "0 credential(s) issued" in run("credentials", "ag-mail").output  # idempotent
    db.session.rollback()
    mails = list(db.session.scalars(select(OutboxMessage)))
    assert sorted(m.to_address for m in mails) == sorted([members[0].email, members[2].email])
    assert all("/voting/ag-mail/vote#" in m.body_text for m in mails)
