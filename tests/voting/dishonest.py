"""Dealers who deal a wrong share (to tests of key generation with complaints)."""

from __future__ import annotations

import os
from typing import Any, Mapping

from voting.crypto.dkg import encrypt_share, keygen_step1, sign_trustee_data
from voting.crypto.ed25519 import (
    BASE, L, _add, _dh_challenge, _dh_stmt, _mul, decode_point, encode_point, lift_u, neg_point, u_of,
)
from voting.crypto.election import Election
from voting.crypto.group import ORDER

TORSION8 = decode_point(bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"))
IDENTITY = (0, 1, 1, 0)


def _with_box(private: Mapping[str, str], data: Mapping[str, Any], victim: str, box: dict[str, str]) -> dict[str, Any]:
    body = {k: v for k, v in data.items() if k != "signature"}
    body["shares"] = {**body["shares"], victim: box}
    return sign_trustee_data(private, "trustee_commitments", body)


def bad_step1(election: Election, private: Mapping[str, str], victim: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Step 1 whose share to ``victim`` is off by one (well encrypted and signed: only the check finds it)."""
    data, state = keygen_step1(election, private)
    coeffs = [int(a, 16) for a in state["coefficients"]]
    index = election.trustee_index(victim)
    value = sum(a * pow(index, j, ORDER) for j, a in enumerate(coeffs)) % ORDER
    victim_key = election.trustees[index - 1].encryption_key
    box = encrypt_share(election.fingerprint, private["id"], victim, victim_key, (value + 1) % ORDER)
    return _with_box(private, data, victim, box), state


def unopenable_step1(election: Election, private: Mapping[str, str], victim: str,
                     how: str = "garbage") -> tuple[dict[str, Any], dict[str, Any]]:
    """Step 1 whose box to ``victim`` does not open under the victim's key, signed like an honest one.

    ``how``: "garbage" (a valid ephemeral key, random ciphertext), "wrong_key" (the right share sealed
    to another trustee's key) or "swapped" (the box to another trustee, under the victim's name)."""
    data, state = keygen_step1(election, private)
    others = [t for t in election.trustees if t.id not in (victim, private["id"])]
    box = dict(data["shares"][victim])
    if how == "garbage":
        box["ciphertext"] = os.urandom(48).hex()
    elif how == "wrong_key":
        coeffs = [int(a, 16) for a in state["coefficients"]]
        index = election.trustee_index(victim)
        value = sum(a * pow(index, j, ORDER) for j, a in enumerate(coeffs)) % ORDER
        box = encrypt_share(election.fingerprint, private["id"], victim, others[0].encryption_key, value)
    elif how == "swapped":
        box = dict(data["shares"][others[0].id])
    else:
        raise ValueError(how)
    return _with_box(private, data, victim, box), state


def x25519_witness(secret_hex: str) -> int:
    """w with w·B = lift(the X25519 public key of ``secret_hex``), as the honest prover uses it."""
    raw = bytearray(bytes.fromhex(secret_hex))
    raw[0] &= 248
    raw[31] = (raw[31] & 127) | 64
    a = int.from_bytes(raw, "little")
    return a % L if encode_point(_mul(a, BASE))[31] & 0x80 == 0 else (-a) % L


def ground_torsion_proof(stmt_of, w: int, e, t1, t2) -> dict[str, str]:
    """A proof for P = w·B + t1, S = w·E + t2 (t1, t2 of order dividing 8) that satisfies the
    Chaum-Pedersen equations: guess c mod 8 before hashing and retry until the guess holds (1 in 8).
    Only the order-L checks of voting.crypto.ed25519.verify_x25519_dh stop it."""
    s_pt = _add(_mul(w, e), t2)
    stmt = stmt_of(encode_point(s_pt).hex())
    for r in range(1, 1000):
        for g in range(8):
            r1 = _add(_mul(r, BASE), neg_point(_mul(g, t1)))
            r2 = _add(_mul(r, e), neg_point(_mul(g, t2)))
            c = _dh_challenge(stmt, r1, r2)
            if c % 8 == g:
                return {"shared_point": encode_point(s_pt).hex(), "c": format(c, "064x"),
                        "s": format((r + c * w) % L, "064x")}
    raise AssertionError("no ground proof")


def torsion_complaint(election: Election, private: Mapping[str, str], dealer_data: Mapping[str, Any]) -> dict[str, Any]:
    """A false complaint against an honest dealer by the torsion attack: the recipient's true
    witness, S + T8 (whose u is a made-up secret that opens nothing) and a proof ground to satisfy
    the equations. Signed by the recipient: only the order-L check of S refuses it."""
    me, dealer = private["id"], dealer_data["trustee"]
    key = election.trustees[election.trustee_index(me) - 1].encryption_key
    eph = dealer_data["shares"][me]["ephemeral"]
    w, e = x25519_witness(private["encryption_secret"]), lift_u(eph)
    fake = u_of(_add(_mul(w, e), TORSION8))
    context = {"election": election.fingerprint, "trustee": me, "dealer": dealer}
    proof = ground_torsion_proof(lambda sp: _dh_stmt(context, key, eph, fake, sp), w, e, IDENTITY, TORSION8)
    return sign_trustee_data(private, "trustee_complaint", dict(context, shared_secret=fake, proof=proof))
