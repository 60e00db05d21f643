"""The proof that a revealed X25519 shared secret is the true one (a key-generation complaint,
docs/election-record.md 5.4a): honest proofs verify; every forged field, non-canonical encoding,
identity or small-order point, and the torsion attack are refused. Python writes the vectors
(tests/voting/fixtures/x25519_dh_vectors.json, reproducible from fixed seeds); node's
static/js/scrutineer/x25519-proof.mjs makes the same honest proofs byte for byte and gives the
same verdicts on every vector."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from tests.voting.dishonest import IDENTITY, TORSION8, ground_torsion_proof, x25519_witness
from voting.crypto.ed25519 import (
    BASE,
    L,
    P,
    _add,
    _dh_challenge,
    _dh_stmt,
    _mul,
    decode_point,
    encode_point,
    lift_u,
    neg_point,
    prove_x25519_dh,
    u_of,
    verify_x25519_dh,
)

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "voting" / "fixtures" / "x25519_dh_vectors.json"
NODE = shutil.which("node")
CONTEXT = {"election": "ab" * 32, "trustee": "t2", "dealer": "t1"}


def _x25519(seed: str) -> tuple[str, str]:
    """(raw secret, public key) hex, from a fixed seed."""
    raw = hashlib.sha256(seed.encode()).digest()
    key = X25519PrivateKey.from_private_bytes(raw)
    return raw.hex(), key.public_key().public_bytes_raw().hex()


def _equations_hold(key_pt, e, shared_hex: str, proof: dict, key_hex: str, eph_hex: str) -> bool:
    """The Chaum-Pedersen equations alone, without any order check (what a careless verifier does)."""
    c, s = int(proof["c"], 16), int(proof["s"], 16)
    s_pt = decode_point(bytes.fromhex(proof["shared_point"]))
    r1 = _add(_mul(s, BASE), neg_point(_mul(c, key_pt)))
    r2 = _add(_mul(s, e), neg_point(_mul(c, s_pt)))
    stmt = _dh_stmt(CONTEXT, key_hex, eph_hex, shared_hex, proof["shared_point"])
    return c == _dh_challenge(stmt, r1, r2)


def _non_canonical_u(u_hex: str) -> str | None:
    u = int.from_bytes(bytes.fromhex(u_hex), "little")
    return (u + P).to_bytes(32, "little").hex() if u + P < 2**256 else None


def vectors() -> dict:
    secret, key = _x25519("recipient")
    eph_secret, eph = _x25519("dealer ephemeral")
    honest = []
    for i in range(3):
        sec_i, key_i = _x25519(f"recipient {i}")
        _, eph_i = _x25519(f"ephemeral {i}")
        shared, proof = prove_x25519_dh(CONTEXT, sec_i, key_i, eph_i)
        honest.append({"context": CONTEXT, "secret": sec_i, "encryption_key": key_i, "ephemeral": eph_i,
                       "shared_secret": shared, "proof": proof})
    shared, proof = prove_x25519_dh(CONTEXT, secret, key, eph)
    base = {"context": CONTEXT, "encryption_key": key, "ephemeral": eph, "shared_secret": shared, "proof": proof}
    w, e = x25519_witness(secret), lift_u(eph)
    s_pt = decode_point(bytes.fromhex(proof["shared_point"]))

    def forged(why: str, **changes) -> dict:
        out = dict(base, why=why)
        proof_changes = {k: changes.pop(k) for k in ("shared_point", "c", "s") if k in changes}
        out.update(dict(proof=dict(proof, **proof_changes)), **changes)
        return out

    bad = [
        forged("challenge changed", c=format((int(proof["c"], 16) + 1) % L, "064x")),
        forged("response changed", s=format((int(proof["s"], 16) + 1) % L, "064x")),
        forged("challenge not reduced", c=format(int(proof["c"], 16) + L, "064x")),
        forged("response not reduced", s=format(int(proof["s"], 16) + L, "064x")),
        forged("shared point negated (same u)", shared_point=encode_point(neg_point(s_pt)).hex()),
        forged("another shared secret", shared_secret=_x25519("made up")[1]),
        forged("another dealer in the statement", context=dict(CONTEXT, dealer="t3")),
        forged("another ephemeral", ephemeral=_x25519("other ephemeral")[1]),
        forged("another encryption key", encryption_key=_x25519("someone else")[1]),
        forged("uppercase hex", shared_secret=shared.upper()),
        forged("proof member missing", proof={"shared_point": proof["shared_point"], "c": proof["c"]}),
        forged("shared point is the identity", shared_point="01" + "00" * 31),
        forged("shared point of order 8", shared_point=encode_point(TORSION8).hex()),
        forged("ephemeral u = 0 (order 2)", ephemeral="00" * 32),
        forged("ephemeral u = 1 (order 4)", ephemeral="01" + "00" * 31),
        forged("ephemeral u = p - 1 (no Edwards point)", ephemeral=(P - 1).to_bytes(32, "little").hex()),
        forged("ephemeral u = p (not canonical)", ephemeral=P.to_bytes(32, "little").hex()),
    ]
    for field, value in (("shared_secret", shared), ("ephemeral", eph), ("encryption_key", key)):
        nc = _non_canonical_u(value)
        if nc is not None:
            bad.append(forged(f"{field} not canonical (u + p)", **{field: nc}))
    y = int.from_bytes(bytes.fromhex(proof["shared_point"]), "little") & ((1 << 255) - 1)
    if y + P < 2**255:
        sign = bytes.fromhex(proof["shared_point"])[31] & 0x80
        raw = bytearray((y + P).to_bytes(32, "little"))
        raw[31] |= sign
        bad.append(forged("shared point not canonical (y + p)", shared_point=raw.hex()))
    # The torsion attack: the same witness, S + T8 (its u is a made-up secret that opens nothing).
    attacked = _add(s_pt, TORSION8)
    fake_shared = u_of(attacked)
    tp = ground_torsion_proof(lambda sp: _dh_stmt(CONTEXT, key, eph, fake_shared, sp), w, e, IDENTITY, TORSION8)
    assert _equations_hold(lift_u(key), e, fake_shared, tp, key, eph), "the ground proof satisfies the equations"
    bad.append(dict(base, why="torsion attack: S + T8", shared_secret=fake_shared, proof=tp))
    # A recipient who published a key with a torsion part (a·B + T8): its lift is not of order L.
    mixed = _add(_mul(w, BASE), TORSION8)
    mixed_key = u_of(mixed)
    lifted = lift_u(mixed_key)  # ±(w·B + T8): the lift picks the sign with x even
    same = encode_point(lifted) == encode_point(mixed)
    w_used, t1 = (w, TORSION8) if same else ((-w) % L, neg_point(TORSION8))
    kp = ground_torsion_proof(lambda sp: _dh_stmt(CONTEXT, mixed_key, eph, u_of(decode_point(bytes.fromhex(sp))), sp),
                               w_used, e, t1, TORSION8)
    key_shared = u_of(decode_point(bytes.fromhex(kp["shared_point"])))
    assert _equations_hold(lifted, e, key_shared, kp, mixed_key, eph), "the ground proof satisfies the equations"
    bad.append(dict(base, why="torsion in the recipient's key", encryption_key=mixed_key, shared_secret=key_shared,
                    proof=kp))
    return {"honest": honest, "base": base, "forged": bad}


def test_the_fixture_is_what_the_code_makes() -> None:
    assert json.loads(FIXTURE.read_text()) == vectors(), "regenerate: python -m tests.voting.test_x25519_dh_proof"


def test_honest_proofs_verify_and_name_the_true_secret() -> None:
    for v in json.loads(FIXTURE.read_text())["honest"]:
        secret = X25519PrivateKey.from_private_bytes(bytes.fromhex(v["secret"]))
        assert v["shared_secret"] == secret.exchange(X25519PublicKey.from_public_bytes(bytes.fromhex(v["ephemeral"]))).hex()
        assert verify_x25519_dh(v["context"], v["encryption_key"], v["ephemeral"], v["shared_secret"], v["proof"])
        assert prove_x25519_dh(v["context"], v["secret"], v["encryption_key"], v["ephemeral"]) == (v["shared_secret"], v["proof"])


@pytest.mark.parametrize("index", range(len(json.loads(FIXTURE.read_text())["forged"])))
def test_every_forgery_is_refused(index: int) -> None:
    v = json.loads(FIXTURE.read_text())["forged"][index]
    assert not verify_x25519_dh(v["context"], v["encryption_key"], v["ephemeral"], v["shared_secret"], v["proof"]), v["why"]


def test_the_prover_refuses_a_small_order_ephemeral_or_another_key() -> None:
    secret, key = _x25519("recipient")
    with pytest.raises(ValueError):
        prove_x25519_dh(CONTEXT, secret, key, "00" * 32)
    with pytest.raises(ValueError):
        prove_x25519_dh(CONTEXT, secret, _x25519("someone else")[1], _x25519("dealer ephemeral")[1])


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_javascript_gives_the_same_proofs_and_verdicts() -> None:
    proc = subprocess.run([NODE, "--test", "--test-reporter=tap", str(ROOT / "tests" / "js" / "x25519_dh.test.mjs")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert sum(1 for line in proc.stdout.splitlines() if line.startswith("ok ")) == 2, proc.stdout[-2000:]


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(vectors(), indent=1, sort_keys=True) + "\n")
