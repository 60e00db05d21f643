"""One Ed25519 rule for the server and the browser: keys of full prime order only, and OpenSSL's
cofactorless verification, which static/js/ballot/credential.mjs reproduces. Python makes the
vectors (tricky keys and signatures), node gives its verdicts, and both must agree."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from voting.crypto.credential import credential_private_key, ed25519_verify, generate_credential, public_key_hex
from voting.crypto.ed25519 import L, add_points, decode_point, encode_point, is_full_order_key

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
TORSION8 = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"


def _scalar(seed: bytes) -> int:
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return int.from_bytes(h, "little")


def vectors() -> dict:
    cred = generate_credential()
    key = credential_private_key(cred)
    pub = public_key_hex(key)
    seed = key.private_bytes_raw()
    msg = b"unevoix/v1/ballot\x00" + bytes(32)
    sig = key.sign(msg)
    r, s = sig[:32], int.from_bytes(sig[32:], "little")
    mixed = encode_point(add_points(decode_point(bytes.fromhex(pub)), decode_point(bytes.fromhex(TORSION8)))).hex()
    # R = identity, S = k*a: a valid signature by the key's owner with an unusual R.
    ident = bytes.fromhex("01" + "00" * 31)
    k = int.from_bytes(hashlib.sha512(ident + bytes.fromhex(pub) + msg).digest(), "little") % L
    keys = [pub, "01" + "00" * 31, "ec" + "ff" * 30 + "7f", "ed" + "ff" * 30 + "7f", TORSION8, mixed, pub.upper(), "00" * 32]
    signatures = [
        (pub, sig.hex(), msg),
        (pub, sig.hex(), msg + b"!"),
        (pub, (r + (s + L).to_bytes(32, "little")).hex(), msg),  # S not reduced
        ("01" + "00" * 31, ("01" + "00" * 31) + "00" * 32, msg),  # the identity-key forgery
        (pub, (ident + (k * _scalar(seed) % L).to_bytes(32, "little")).hex(), msg),
        (mixed, sig.hex(), msg),
    ]
    return {"keys": [{"key": k_} for k_ in keys],
            "signatures": [{"key": p, "signature": sg, "message": m.hex()} for p, sg, m in signatures]}


def python_verdicts(v: dict) -> dict:
    return {"keys": [is_full_order_key(k["key"]) for k in v["keys"]],
            "signatures": [ed25519_verify(x["key"], x["signature"], bytes.fromhex(x["message"])) for x in v["signatures"]]}


def test_python_rule_refuses_what_openssl_alone_would_accept():
    v = vectors()
    verdicts = python_verdicts(v)
    assert verdicts["keys"] == [True] + [False] * 7
    assert verdicts["signatures"] == [True, False, False, False, True, False]
    # OpenSSL alone accepts the identity-key forgery: the key rule is what stops it.
    forged = v["signatures"][3]
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(forged["key"])).verify(
            bytes.fromhex(forged["signature"]), bytes.fromhex(forged["message"]))
        openssl_accepts = True
    except Exception:
        openssl_accepts = False
    assert openssl_accepts


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_browser_gives_the_same_verdicts(tmp_path):
    v = vectors()
    path = tmp_path / "vectors.json"
    path.write_text(json.dumps(v))
    proc = subprocess.run([NODE, "--test", "tests/js/ed25519_rule.test.mjs"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "UNEVOIX_ED25519_VECTORS": str(path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads((tmp_path / "vectors.json.out").read_text()) == python_verdicts(v)
