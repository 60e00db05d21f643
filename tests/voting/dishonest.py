"""A dealer who deals a wrong share (to tests of key generation with complaints)."""

from __future__ import annotations

from typing import Any, Mapping

from voting.crypto.dkg import encrypt_share, keygen_step1, sign_trustee_data
from voting.crypto.election import Election
from voting.crypto.group import ORDER


def bad_step1(election: Election, private: Mapping[str, str], victim: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Step 1 whose share to ``victim`` is off by one (well encrypted and signed: only the check finds it)."""
    data, state = keygen_step1(election, private)
    coeffs = [int(a, 16) for a in state["coefficients"]]
    index = election.trustee_index(victim)
    value = sum(a * pow(index, j, ORDER) for j, a in enumerate(coeffs)) % ORDER
    victim_key = election.trustees[index - 1].encryption_key
    body = {k: v for k, v in data.items() if k != "signature"}
    body["shares"] = {**body["shares"], victim: encrypt_share(election.fingerprint, private["id"], victim, victim_key,
                                                              (value + 1) % ORDER)}
    return sign_trustee_data(private, "trustee_commitments", body), state
