"""The verifier CLI on the committed records: the valid one passes, each tampered copy fails with its code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "tests" / "voting" / "records"
EXPECTED: dict[str, str | None] = json.loads((RECORDS / "expected.json").read_text(encoding="utf-8"))

REQUIRED_TAMPERINGS = {
    "ballot_added", "ballot_removed", "ballot_replaced", "ballot_duplicated", "ballot_copied",
    "unknown_credential", "broken_hash_link", "wrong_partial_decryption", "wrong_total", "wrong_seats",
    "voter_twice", "credential_after_open", "revoked_ballot", "identity_credential", "seal_missing",
    "seal_wrong_head",
}


def run_verify(*args: str, key: Path | None = None) -> subprocess.CompletedProcess[str]:
    import os
    import tempfile

    env = dict(os.environ)
    env["UNEVOIX_VERIFY_KEY"] = str(key or Path(tempfile.gettempdir()) / f"unevoix-test-verify-{os.getuid()}.key")
    return subprocess.run(
        [sys.executable, "-m", "voting.verify", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


def test_every_required_tampering_is_present() -> None:
    names = {name.removesuffix(".json") for name in EXPECTED}
    assert REQUIRED_TAMPERINGS <= names
    assert EXPECTED["valid.json"] is None
    for name in EXPECTED:
        assert (RECORDS / name).is_file()


def test_valid_record_passes() -> None:
    proc = run_verify(str(RECORDS / "valid.json"), "--complete")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK: every check holds, result verified" in proc.stdout
    assert "checked ballots: 7" in proc.stdout
    assert "checked revocations: 1" in proc.stdout
    assert "checked seal signatures: 2" in proc.stdout
    assert "checked counted ballots: 5" in proc.stdout
    assert "checked superseded ballots: 1" in proc.stdout
    assert "checked partial decryptions: 2" in proc.stdout


@pytest.mark.parametrize("name", sorted(n for n, code in EXPECTED.items() if code is not None))
def test_tampered_record_fails_with_its_code(name: str) -> None:
    proc = run_verify(str(RECORDS / name), "--json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    fail_lines = [line for line in proc.stdout.splitlines() if line.startswith("FAIL ")]
    assert len(fail_lines) == 1, proc.stdout
    assert fail_lines[0].startswith("FAIL at event "), fail_lines[0]
    assert f"\n  technical detail ({EXPECTED[name]}): " in proc.stdout, proc.stdout
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["ok"] is False and report["code"] == EXPECTED[name]


def test_tampered_records_differ_from_valid_in_one_place() -> None:
    valid = json.loads((RECORDS / "valid.json").read_text(encoding="utf-8"))["events"]
    for name, code in EXPECTED.items():
        if code is None:
            continue
        events = json.loads((RECORDS / name).read_text(encoding="utf-8"))["events"]
        # The seal (close head, scrutineers' signatures over it) is re-made by make_records' reseal
        # so that the tampering itself is found: compare without it.
        unsealed = {"close": ("head",), "seal_signature": ("close", "head", "signature")}
        strip = lambda evs: [json.dumps({k: v for k, v in e["data"].items()  # noqa: E731
                                         if k not in unsealed.get(e["type"], ())}, sort_keys=True) for e in evs]
        a, b = strip(valid), strip(events)
        # Same data except in one event (inserted, removed or changed), hashes and seal aside.
        if len(a) == len(b):
            assert sum(x != y for x, y in zip(a, b)) <= 1, name
        else:
            assert abs(len(a) - len(b)) == 1, name


def test_unreadable_and_non_https_sources(tmp_path: Path) -> None:
    proc = run_verify(str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "FAIL: The record cannot be read" in proc.stdout and "technical detail (unreadable)" in proc.stdout
    proc = run_verify("http://example.invalid/record.json")
    assert proc.returncode == 2 and "https" in proc.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else", "events": []}', encoding="utf-8")
    proc = run_verify(str(bad))
    assert proc.returncode == 1 and "technical detail (record_format)" in proc.stdout


def test_incomplete_record_fails_unless_a_partial_check_is_asked(tmp_path: Path) -> None:
    doc = json.loads((RECORDS / "valid.json").read_text(encoding="utf-8"))
    types = [e["type"] for e in doc["events"]]
    doc["events"] = doc["events"][: types.index("close")]
    path = tmp_path / "open.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    proc = run_verify(str(path))
    assert proc.returncode == 1, proc.stdout
    fail = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert fail == ["FAIL: The record stops before the result."], proc.stdout
    still = proc.stdout.splitlines()[proc.stdout.splitlines().index(fail[0]) + 1]
    assert still.startswith("  still missing: "), proc.stdout
    for part in ("the close of the ballot box", "the encrypted tally", "partial decryptions (0 of the 2 needed)", "the result"):
        assert part in still
    proc = run_verify(str(path), "--partial")
    assert proc.returncode == 0 and "OK so far (partial check)" in proc.stdout and "the result" in proc.stdout
    # Only the result missing: named alone.
    doc = json.loads((RECORDS / "valid.json").read_text(encoding="utf-8"))
    doc["events"] = doc["events"][:-1]
    path.write_text(json.dumps(doc), encoding="utf-8")
    proc = run_verify(str(path))
    assert proc.returncode == 1 and "still missing: the result" in proc.stdout


def test_resume_skips_verified_ballots(tmp_path: Path) -> None:
    ckpt = tmp_path / "ckpt.txt"
    key = tmp_path / "my.key"
    first = run_verify(str(RECORDS / "valid.json"), "--resume", str(ckpt), key=key)
    assert first.returncode == 0, first.stdout
    assert "checked ballot signatures verified now: 7" in first.stdout
    assert len(ckpt.read_text().splitlines()) == 7
    assert key.stat().st_mode & 0o777 == 0o600
    second = run_verify(str(RECORDS / "valid.json"), "--resume", str(ckpt), key=key)
    assert second.returncode == 0, second.stdout
    assert "checked ballot signatures verified now: 0" in second.stdout
    # A checkpoint only skips ballots whose event hash it lists: a tampered record is still caught.
    third = run_verify(str(RECORDS / "ballot_replaced.json"), "--resume", str(ckpt), key=key)
    assert third.returncode == 1 and "technical detail (tally_sum)" in third.stdout


def test_forged_ballot_listed_in_a_checkpoint_is_still_verified(tmp_path: Path) -> None:
    """Attack: whoever hands out the record also hands out a checkpoint listing its forged ballot."""
    forged = json.loads((RECORDS / "ballot_forged.json").read_text(encoding="utf-8"))
    hashes = [e["hash"] for e in forged["events"] if e["type"] == "ballot"]
    ckpt = tmp_path / "ckpt.txt"
    # The old format (bare hashes) and lines with a made-up authenticator.
    ckpt.write_text("".join(h + "\n" for h in hashes) + "".join("ab" * 32 + " " + h + "\n" for h in hashes))
    proc = run_verify(str(RECORDS / "ballot_forged.json"), "--resume", str(ckpt), key=tmp_path / "mine.key")
    assert proc.returncode == 1 and "technical detail (ballot_signature)" in proc.stdout, proc.stdout
    assert f"{2 * len(hashes)} checkpoint lines did not authenticate" in proc.stdout
    # A genuine checkpoint made with someone else's key authenticates nothing either.
    other = tmp_path / "other.txt"
    assert run_verify(str(RECORDS / "valid.json"), "--resume", str(other), key=tmp_path / "theirs.key").returncode == 0
    proc = run_verify(str(RECORDS / "valid.json"), "--resume", str(other), key=tmp_path / "mine.key")
    assert proc.returncode == 0 and "checked ballot signatures verified now: 7" in proc.stdout


def test_json_types_are_strict(tmp_path: Path) -> None:
    """true is not 1, 1.0 is not 1, a repeated key is not a choice between two values."""
    from voting.record import rechain

    doc = json.loads((RECORDS / "valid.json").read_text(encoding="utf-8"))
    events = doc["events"]
    tally = next(i for i, e in enumerate(events) if e["type"] == "tally")
    assert events[tally]["data"]["counted"]["B"] == 1
    # The tally claims `true` category-B ballots (Python's True == 1): hash-consistent, still refused.
    bad = [dict(e) for e in events]
    bad[tally] = {**bad[tally], "data": {**bad[tally]["data"], "counted": {"A": 4, "B": True}}}
    path = tmp_path / "bool.json"
    path.write_text(json.dumps({"format": "unevoix/v1/record", "events": rechain(bad)}), encoding="utf-8")
    proc = run_verify(str(path))
    assert proc.returncode == 1 and f"FAIL at event {tally}: The tally counts other ballots" in proc.stdout
    assert "technical detail (tally_count)" in proc.stdout, proc.stdout
    text = (RECORDS / "valid.json").read_text(encoding="utf-8")
    for name, mutated in {
        "float": text.replace('"seq": 1,', '"seq": 1.0,', 1),
        "dup": text.replace('"seq": 1,', '"seq": 1, "seq": 1,', 1),
        "nan": text.replace('"seq": 1,', '"seq": NaN,', 1),
    }.items():
        assert mutated != text, name
        p = tmp_path / f"{name}.json"
        p.write_text(mutated, encoding="utf-8")
        proc = run_verify(str(p))
        assert proc.returncode == 2 and "FAIL: The record cannot be read" in proc.stdout and "technical detail (unreadable)" in proc.stdout, (name, proc.stdout)
    # seq true where 1 is due, rechained so every hash matches
    bad = [dict(e) for e in events]
    from voting.record import event_hash

    bad[1] = {**bad[1], "seq": True}
    bad[1]["hash"] = event_hash(bad[1])
    path.write_text(json.dumps({"format": "unevoix/v1/record", "events": bad}), encoding="utf-8")
    proc = run_verify(str(path))
    assert proc.returncode == 1 and "FAIL at event 1: " in proc.stdout and "technical detail (sequence)" in proc.stdout, proc.stdout


def test_verifier_does_not_import_flask() -> None:
    code = "import sys, voting.verify, voting.trustee, voting.credentials; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_https_record_is_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import urllib.request

    from voting import verify

    body = (RECORDS / "valid.json").read_bytes()
    seen: list[str] = []

    class Response(io.BytesIO):
        def __enter__(self) -> "Response":
            return self

        def __exit__(self, *exc: object) -> None:
            self.close()

    def fake_urlopen(url: str, timeout: float) -> Response:
        seen.append(url)
        return Response(body)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setenv("UNEVOIX_VERIFY_KEY", "/nonexistent/never-used.key")
    assert verify.main(["https://board.example/records/ag-2026.json", "--workers", "1"]) == 0
    assert seen == ["https://board.example/records/ag-2026.json"]


def _paths(obj: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, prefix + (i,))
    return out


_VALID_EVENTS = json.loads((RECORDS / "valid.json").read_text(encoding="utf-8"))["events"]
_LEAF_PATHS = [p for p in _paths(_VALID_EVENTS) if len(p) >= 3 and p[1] == "data"]


@settings(max_examples=400, deadline=None)
@given(
    where=st.sampled_from(_LEAF_PATHS),
    value=st.one_of(st.none(), st.integers(-2, 2**70), st.text(max_size=70), st.just([]), st.just({}),
                    st.sampled_from(["00" * 33, "ff" * 32, "02" + "00" * 32, "A"])),
)
def test_any_mutation_fails_cleanly_even_rechained(where: tuple, value: object) -> None:
    import copy as _copy
    import io

    from voting.record import rechain
    from voting.verify import verify_record

    events = _copy.deepcopy(_VALID_EVENTS)
    target = events
    for step in where[:-1]:
        target = target[step]
    if target[where[-1]] == value:
        return
    target[where[-1]] = value
    try:
        events = rechain(events)
    except ValueError:
        return  # not even hashable as canonical JSON (e.g. unknown type): the verifier's parser would refuse it
    report = verify_record({"format": "unevoix/v1/record", "events": events}, workers=1, out=io.StringIO())
    assert report.failure is not None, where
    # Named at an event: the changed one or, for facts used later (a credential category), where used.
    assert report.failure.seq is not None, (where, report.failure)


def test_identity_election_key_is_a_fail_line_not_a_traceback(tmp_path: Path) -> None:
    """Two colluding trustees pick opposite first coefficients: the joint key is the identity."""
    from voting.crypto.dkg import joint_public_key, keygen_step1, keygen_step2, new_trustee_identity
    from voting.crypto.election import Contest, Election, TrusteeInfo
    from voting.crypto.group import ORDER
    from voting.crypto.proofs import random_scalar
    from voting.record import RecordState, append_event, record_document

    privs, pubs = [], []
    for i in (1, 2):
        priv, pub = new_trustee_identity(f"t{i}", f"T{i}")
        privs.append(priv)
        pubs.append(TrusteeInfo(**pub))
    election = Election("id-key", "Identity", (Contest("r1", "resolution", ("yes", "no"), 1, 1),), tuple(pubs), 2)
    secret = random_scalar()

    def rng_with_first(first: int):  # noqa: ANN202
        values = [first]
        return lambda: values.pop() if values else random_scalar()

    events: list[dict] = []
    append_event(events, "election", election.to_json())
    step1, states = [], []
    for priv, a0 in zip(privs, (secret, ORDER - secret)):
        data, state = keygen_step1(election, priv, rng_with_first(a0))
        step1.append(data)
        states.append(state)
        append_event(events, "trustee_commitments", data)
    for priv, state in zip(privs, states):
        append_event(events, "trustee_share", keygen_step2(election, priv, state, step1)[0])
    st = RecordState()
    for e in events:
        st.apply(e)
    y = joint_public_key(st.commitments[t] for t in ("t1", "t2"))
    assert y.is_identity
    append_event(events, "election_key", {"election": election.fingerprint, "public_key": y.hex()})
    path = tmp_path / "identity.json"
    path.write_text(json.dumps(record_document(events)), encoding="utf-8")
    proc = run_verify(str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"FAIL at event {len(events) - 1}: The election key is not the one" in proc.stdout
    assert "technical detail (election_key): the election key is the identity element" in proc.stdout
