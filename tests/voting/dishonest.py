"""Dealers who deal a wrong share (to tests of key generation with complaints)."""

from __future__ import annotations

import os
from typing import Any, Mapping

from voting.crypto.dkg import encrypt_share, keygen_step1, sign_trustee_data
from voting.crypto.election import Election
from voting.crypto.group import ORDER


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
