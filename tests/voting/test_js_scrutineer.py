"""The browser scrutineer (static/js/scrutineer/) against the Python reference (voting.crypto.dkg).

* Python -> JS: with fixed randomness (``deterministic_rng`` scalars and fixed
  X25519 ephemeral keys), Python makes trustee identities, step-1 data, step-2
  data and partial decryptions; ``tests/js/scrutineer_interop.test.mjs`` must
  reproduce each one byte for byte (same JSON, same Ed25519 signatures), decrypt
  Python's encrypted shares, accept Python's outputs and refuse tampered ones
  with Python's reason codes.
* JS -> Python: a whole 5-trustee, threshold-3 key generation where t1, t3 and
  t5 act in JavaScript (browser CSPRNG, reading the published record) and t2, t4
  with ``voting.crypto.dkg``; every JS output passes ``verify_step1`` /
  ``verify_partial_decryption``, the record replays through
  ``voting.record.RecordState``, the tally is decrypted by two JS trustees and
  one Python trustee (t2 and t5 absent) to the counts of the ballots cast, and
  ``voting.verify.verify_record`` accepts the whole record.

Skipped only when ``node`` is not installed.
"""

from __future__ import annotations

import copy
import io
import hashlib
import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from voting.crypto import dkg
from voting.crypto.ballot import encrypt_ballot
from voting.crypto.credential import credential_public, generate_credential
from voting.crypto.dkg import (
    TrusteeError,
    decrypt_share,
    joint_public_key,
    keygen_step1,
    keygen_step2,
    new_trustee_identity,
    partial_decrypt,
    verify_partial_decryption,
    verify_step1,
)
from voting.crypto.election import Contest, Election, TrusteeInfo
from voting.crypto.group import base_mul
from voting.crypto.proofs import deterministic_rng, encrypt
from voting.record import RecordState, append_event, record_document
from voting.verify import verify_record

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
JS_TEST = ROOT / "tests" / "js" / "scrutineer_interop.test.mjs"

pytestmark = [pytest.mark.no_db, pytest.mark.skipif(NODE is None, reason="node is not installed: the browser scrutineer test needs node >= 20")]

RAW = serialization.Encoding.Raw
PHASE_TESTS = {"vectors": 7, "identities": 1, "step1": 1, "step2": 1, "decrypt": 1}


def run_node(tmp_path: Path, payload: dict[str, Any]) -> Any:
    """Run the JS side on ``payload``; return what it wrote (phases that produce output)."""
    src, dst = tmp_path / f"in-{payload['phase']}.json", tmp_path / f"out-{payload['phase']}.json"
    src.write_text(json.dumps(payload), encoding="utf-8")
    env = dict(os.environ, UNEVOIX_SCRUTINEER_IN=str(src), UNEVOIX_SCRUTINEER_OUT=str(dst))
    proc = subprocess.run([NODE, "--test", "--test-reporter=tap", str(JS_TEST)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    # every test of the phase ran and passed (the file registers only the driven phase's tests)
    ran = [line for line in proc.stdout.splitlines() if line.startswith("ok ") and f" - {payload['phase']}" in line]
    assert len(ran) == PHASE_TESTS[payload["phase"]], proc.stdout[-3000:]
    return json.loads(dst.read_text(encoding="utf-8")) if dst.exists() else None


def seeded_identity(tid: str, name: str) -> tuple[dict[str, str], dict[str, str]]:
    seed = hashlib.sha256(f"sig:{tid}".encode()).digest()
    enc = hashlib.sha256(f"enc:{tid}".encode()).digest()
    sig_key = Ed25519PrivateKey.from_private_bytes(seed)
    enc_key = X25519PrivateKey.from_private_bytes(enc)
    private = {"id": tid, "signing_seed": seed.hex(), "encryption_secret": enc.hex()}
    public = {"id": tid, "name": name,
              "signing_key": sig_key.public_key().public_bytes(RAW, serialization.PublicFormat.Raw).hex(),
              "encryption_key": enc_key.public_key().public_bytes(RAW, serialization.PublicFormat.Raw).hex()}
    return private, public


def contests() -> tuple[Contest, ...]:
    return (
        Contest(id="r1", kind="resolution", choices=("yes", "no", "abstain"), min=1, max=1),
        Contest(id="board-a", kind="board", choices=("a01", "a02", "a03", "a04"), min=0, max=2, category="A", seats=2),
    )


def make_election(publics: list[dict[str, str]], threshold: int = 3) -> Election:
    return Election(id="ag-scrutineer", title="AG « scrutins » 2026", contests=contests(),
                    trustees=tuple(TrusteeInfo(**p) for p in publics), threshold=threshold)


class FixedEphemerals:
    """Stands in for X25519PrivateKey in voting.crypto.dkg: generate() hands out fixed keys."""

    def __init__(self, secrets: list[bytes]) -> None:
        self._it = iter(secrets)

    def generate(self) -> X25519PrivateKey:
        return X25519PrivateKey.from_private_bytes(next(self._it))

    @staticmethod
    def from_private_bytes(data: bytes) -> X25519PrivateKey:
        return X25519PrivateKey.from_private_bytes(data)


# ------------------------------------------------------------------ Python -> JS


def test_js_reproduces_python_trustee_steps(tmp_path, monkeypatch):
    ids = [f"t{i}" for i in range(1, 6)]
    pairs = [seeded_identity(tid, name) for tid, name in zip(ids, ["Zoë", "Jürgen", "李雷", "O'Brien \"Ted\"", "Ana-María"])]
    privates = {p["id"]: p for p, _ in pairs}
    election = make_election([pub for _, pub in pairs])
    fp = election.fingerprint

    step1, states = [], {}
    for tid in ids:
        seed = hashlib.sha256(f"step1:{tid}".encode()).digest()
        ephemerals = [hashlib.sha256(f"eph:{tid}:{j}".encode()).digest() for j in range(len(ids) - 1)]
        monkeypatch.setattr(dkg, "X25519PrivateKey", FixedEphemerals(ephemerals))
        data, state = keygen_step1(election, privates[tid], deterministic_rng(seed))
        monkeypatch.undo()
        states[tid] = state
        step1.append({"private": privates[tid], "seed": seed.hex(), "ephemerals": [e.hex() for e in ephemerals],
                      "data": data, "state": state})
    step1_data = [v["data"] for v in step1]

    share_cases = []
    eph_by = {v["private"]["id"]: v["ephemerals"] for v in step1}
    for dealer in ("t1", "t4"):
        others = [t for t in ids if t != dealer]
        for j, recipient in enumerate(others):
            box = next(v["data"] for v in step1 if v["private"]["id"] == dealer)["shares"][recipient]
            value = decrypt_share(fp, dealer, recipient, privates[recipient]["encryption_secret"], box)
            share_cases.append({"dealer": dealer, "recipient": recipient, "secret": privates[recipient]["encryption_secret"],
                                "recipient_key": election.trustees[election.trustee_index(recipient) - 1].encryption_key,
                                "box": box, "share": f"{value:064x}", "ephemeral": eph_by[dealer][j]})

    step2, secrets = [], {}
    for tid in ids:
        data, secret = keygen_step2(election, privates[tid], states[tid], step1_data)
        secrets[tid] = secret
        step2.append({"private": privates[tid], "state": states[tid], "data": data, "secret": secret})

    # an encrypted tally: small counts under the joint key, one choice with no ballot (identity)
    rec = RecordState()
    for e in _events(election, step1_data, [v["data"] for v in step2]):
        rec.apply(e)
    y = joint_public_key(rec.commitments[t] for t in ids)
    rnd = random.Random(5)
    sums: dict[str, Any] = {}
    for cat in ("A", "B"):
        sums[cat] = {}
        for c in election.contests:
            sums[cat][c.id] = {}
            for ch in c.choices:
                if cat == "B" and ch == "a04":
                    sums[cat][c.id][ch] = {"alpha": "00" * 33, "beta": "00" * 33}
                    continue
                a, b = encrypt(y, rnd.randrange(0, 9), rnd.randrange(1, 2**200))
                sums[cat][c.id][ch] = {"alpha": a.hex(), "beta": b.hex()}
    tally_hash = hashlib.sha256(b"tally").hexdigest()
    decrypt = []
    for tid in ("t2", "t5"):
        seed = hashlib.sha256(f"dec:{tid}".encode()).digest()
        data = partial_decrypt(election, privates[tid], secrets[tid]["share"], sums, tally_hash, deterministic_rng(seed))
        decrypt.append({"private": privates[tid], "share": secrets[tid]["share"], "sums": sums, "tally_hash": tally_hash,
                        "seed": seed.hex(), "data": data, "public_share": rec.shares[tid].hex()})

    tampered = []
    bad = copy.deepcopy(step1_data[0])
    bad["commitments"][1] = step1_data[1]["commitments"][1]
    tampered.append({"kind": "step1", "what": "commitment replaced", "data": bad, "code": "trustee_signature"})
    bad = copy.deepcopy(step1_data[0])
    bad["trustee"] = "nobody"
    tampered.append({"kind": "step1", "what": "unknown trustee", "data": bad, "code": "unknown_trustee"})
    resigned = dict(step1_data[0], proof=step1_data[1]["proof"])
    resigned = dkg.sign_trustee_data(privates["t1"], "trustee_commitments", resigned)
    tampered.append({"kind": "step1", "what": "proof of another trustee, re-signed", "data": resigned, "code": "trustee_proof"})
    resigned = dict(step1_data[0], shares={k: v for k, v in step1_data[0]["shares"].items() if k != "t5"})
    resigned = dkg.sign_trustee_data(privates["t1"], "trustee_commitments", resigned)
    tampered.append({"kind": "step1", "what": "a share missing, re-signed", "data": resigned, "code": "trustee_format"})
    d = copy.deepcopy(decrypt[0]["data"])
    d["factors"]["A"]["r1"]["yes"]["proof"] = d["factors"]["A"]["r1"]["no"]["proof"]
    d = dkg.sign_trustee_data(privates["t2"], "partial_decryption", d)
    tampered.append({"kind": "decrypt", "what": "proof moved to another choice", "data": d, "code": "decryption_proof",
                     "public_share": rec.shares["t2"].hex(), "sums": sums, "tally_hash": tally_hash})
    tampered.append({"kind": "decrypt", "what": "another tally", "data": decrypt[0]["data"], "code": "decryption_format",
                     "public_share": rec.shares["t2"].hex(), "sums": sums, "tally_hash": "ab" * 32})
    tampered.append({"kind": "decrypt", "what": "another trustee's share", "data": decrypt[0]["data"],
                     "code": "decryption_share", "public_share": rec.shares["t3"].hex(), "sums": sums,
                     "tally_hash": tally_hash})
    # every tampered case is refused by Python with the same code
    for t in tampered:
        with pytest.raises(TrusteeError) as exc:
            if t["kind"] == "step1":
                verify_step1(election, t["data"])
            else:
                from voting.crypto.group import Element

                verify_partial_decryption(election, t["data"], Element.from_hex(t["public_share"]), t["sums"], t["tally_hash"])
        assert exc.value.code == t["code"], t["what"]

    aead = []
    for n in (0, 1, 32, 64, 65, 200):
        key = hashlib.sha256(f"k{n}".encode()).digest()
        nonce = hashlib.sha256(f"n{n}".encode()).digest()[:12]
        aad = hashlib.sha256(f"a{n}".encode()).digest()[: n % 17]
        plain = (hashlib.sha256(f"p{n}".encode()).digest() * 8)[:n]
        aead.append({"key": key.hex(), "nonce": nonce.hex(), "aad": aad.hex(), "plaintext": plain.hex(),
                     "sealed": ChaCha20Poly1305(key).encrypt(nonce, plain, aad).hex()})

    run_node(tmp_path, {
        "phase": "vectors", "election": election.to_json(), "fingerprint": fp,
        "identities": [{"private": p, "public": pub} for p, pub in pairs],
        "step1": step1, "shares": share_cases, "step2": step2, "decrypt": decrypt, "tampered": tampered, "aead": aead,
    })


def _events(election: Election, step1: list[dict[str, Any]], step2: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    append_event(events, "election", election.to_json())
    for d in step1:
        append_event(events, "trustee_commitments", d)
    for d in step2:
        append_event(events, "trustee_share", d)
    return events


# ------------------------------------------------------------------ JS -> Python


def test_mixed_js_and_python_trustees_run_an_election(tmp_path):
    ids = [f"t{i}" for i in range(1, 6)]
    js_ids = ["t1", "t3", "t5"]
    py_ids = ["t2", "t4"]

    js = run_node(tmp_path, {"phase": "identities", "trustees": [{"id": t, "name": f"Scrutineer {t}"} for t in js_ids]})
    privates: dict[str, dict[str, str]] = {}
    publics: dict[str, dict[str, str]] = {}
    for tid in js_ids:
        priv, pub = js[tid]["private"], js[tid]["public"]
        # the public half follows from the private file, as Python computes it
        sig = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(priv["signing_seed"]))
        enc = X25519PrivateKey.from_private_bytes(bytes.fromhex(priv["encryption_secret"]))
        assert pub["signing_key"] == sig.public_key().public_bytes(RAW, serialization.PublicFormat.Raw).hex()
        assert pub["encryption_key"] == enc.public_key().public_bytes(RAW, serialization.PublicFormat.Raw).hex()
        assert set(priv) == {"id", "signing_seed", "encryption_secret"} and set(pub) == {"id", "name", "signing_key", "encryption_key"}
        privates[tid], publics[tid] = priv, pub
    for tid in py_ids:
        privates[tid], publics[tid] = new_trustee_identity(tid, f"Scrutineer {tid}")
    election = make_election([publics[t] for t in ids])
    events: list[dict[str, Any]] = []
    state = RecordState()
    state.apply(append_event(events, "election", election.to_json()))

    # step 1: JS and Python dealers interleaved on the record
    js1 = run_node(tmp_path, {"phase": "step1", "election": election.to_json(),
                              "privates": {t: privates[t] for t in js_ids}})
    states: dict[str, Any] = {}
    for tid in ids:
        if tid in js_ids:
            data, states[tid] = js1[tid]["data"], js1[tid]["state"]
            assert len(verify_step1(election, data)) == 3
        else:
            data, states[tid] = keygen_step1(election, privates[tid])
        state.apply(append_event(events, "trustee_commitments", data))

    # step 2: the JS trustees read the published record; a Python trustee checks JS dealers' shares
    js2 = run_node(tmp_path, {"phase": "step2", "record": record_document(events),
                              "privates": {t: privates[t] for t in js_ids}, "states": {t: states[t] for t in js_ids}})
    step1 = [e["data"] for e in events if e["type"] == "trustee_commitments"]
    secrets: dict[str, Any] = {}
    for tid in ids:
        if tid in js_ids:
            data, secrets[tid] = js2[tid]["data"], js2[tid]["secret"]
        else:
            data, secrets[tid] = keygen_step2(election, privates[tid], states[tid], step1)
        state.apply(append_event(events, "trustee_share", data))
        assert base_mul(int(secrets[tid]["share"], 16)) == state.shares[tid]
    y = joint_public_key(state.commitments[t] for t in ids)
    state.apply(append_event(events, "election_key", {"election": election.fingerprint, "public_key": y.hex()}))

    # voting: 6 credentials (4 A, 2 B), one revote
    creds = [generate_credential() for _ in range(6)]
    cats = ["A", "A", "A", "A", "B", "B"]
    items = sorted(({"credential": credential_public(c), "category": k} for c, k in zip(creds, cats)),
                   key=lambda x: x["credential"])
    state.apply(append_event(events, "credentials", {"election": election.fingerprint, "credentials": items}))
    votes = [
        {"r1": ["yes"], "board-a": ["a01", "a02"]},
        {"r1": ["no"], "board-a": ["a01"]},
        {"r1": ["yes"], "board-a": []},
        {"r1": ["abstain"], "board-a": ["a03", "a01"]},
        {"r1": ["yes"], "board-a": ["a02"]},
        {"r1": ["no"], "board-a": ["a04", "a02"]},
    ]
    for cred, sel in zip(creds, votes):
        state.apply(append_event(events, "ballot", state.ballot_event_data(encrypt_ballot(election, y, cred, sel))))
    votes[1] = {"r1": ["yes"], "board-a": ["a04"]}  # credential 1 changes its vote: the last ballot counts
    state.apply(append_event(events, "ballot", state.ballot_event_data(encrypt_ballot(election, y, creds[1], votes[1]))))
    state.apply(append_event(events, "close", state.close_data()))
    state.apply(append_event(events, "tally", state.tally_data()))

    # decryption: t3 and t1 in JS, then t4 in Python; t2 and t5 absent
    js3 = run_node(tmp_path, {"phase": "decrypt", "record": record_document(events),
                              "privates": {t: privates[t] for t in ("t3", "t1")},
                              "secrets": {t: secrets[t] for t in ("t3", "t1")}})
    for tid in ("t3", "t1"):
        verify_partial_decryption(election, js3[tid], state.shares[tid], state.tally_sums, state.tally_hash)
        state.apply(append_event(events, "partial_decryption", js3[tid]))
    assert state.missing_trustees() == ["t2", "t4", "t5"]
    state.apply(append_event(events, "partial_decryption",
                             partial_decrypt(election, privates["t4"], secrets["t4"]["share"], state.tally_sums,
                                             state.tally_hash)))
    result = state.result_data()
    state.apply(append_event(events, "result", result))

    expected: dict[str, dict[str, int]] = {c.id: {ch: 0 for ch in c.choices} for c in election.contests}
    for sel in votes:
        for cid, chosen in sel.items():
            for ch in chosen:
                expected[cid][ch] += 1
    got = {cid: {ch: v["total"] for ch, v in per.items()} for cid, per in result["counts"].items()}
    assert got == expected
    assert result["trustees"] == ["t1", "t3", "t4"]
    assert result["counts"]["r1"]["yes"] == {"A": 3, "B": 1, "total": 4}

    out = io.StringIO()
    report = verify_record(record_document(events), workers=1, out=out)
    assert report.failure is None, out.getvalue()
    assert report.complete
