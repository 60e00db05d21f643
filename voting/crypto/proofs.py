"""Exponential ElGamal and Chaum-Pedersen proofs (Fiat-Shamir, SHA-256).

Proofs are kept in compact form: per branch a challenge ``c`` and a response
``s``; the verifier recomputes the commitments ``A = g^s * a^-c`` and
``B = y^s * (b/g^v)^-c`` and checks that the challenges sum to the hash of the
whole statement including those commitments. The statement object (the
``stmt`` dicts below) carries the domain tag, the election fingerprint, the
credential, the identifiers and every group element, see
docs/election-record.md, "Fiat-Shamir".
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, Callable, Sequence

from .encoding import canonical_json
from .group import (
    GENERATOR,
    IDENTITY,
    ORDER,
    Element,
    GroupError,
    base_mul,
    fixed_base_table,
    lincomb,
    scalar_from_hex,
    scalar_hex,
)

Rng = Callable[[], int]
NEG_G = -GENERATOR


def random_scalar() -> int:
    return secrets.randbelow(ORDER - 1) + 1


def deterministic_rng(seed: bytes) -> Rng:
    """Scalars SHA-256(seed || counter as 4-byte big-endian) mod n, skipping 0.

    For test vectors shared with the JavaScript port; never for real ballots.
    """
    counter = 0

    def draw() -> int:
        nonlocal counter
        while True:
            value = int.from_bytes(hashlib.sha256(seed + counter.to_bytes(4, "big")).digest(), "big") % ORDER
            counter += 1
            if value:
                return value

    return draw


def challenge(stmt: dict[str, Any]) -> int:
    """Fiat-Shamir challenge: SHA-256 of the canonical JSON statement, as a big-endian integer mod n."""
    return int.from_bytes(hashlib.sha256(canonical_json(stmt, checked=True)).digest(), "big") % ORDER


def encrypt(y: Element, value: int, r: int) -> tuple[Element, Element]:
    """Exponential ElGamal: (g^r, y^r * g^value)."""
    return base_mul(r), y * r + base_mul(value)


def _shifted(beta: Element, values: Sequence[int]) -> list[Element]:
    """beta / g^v for each v of a consecutive ascending range."""
    out = []
    cur = beta + (-base_mul(values[0])) if values[0] else beta
    for i, _v in enumerate(values):
        if i:
            cur = cur + NEG_G
        out.append(cur)
    return out


def prove_disjunctive(
    stmt: dict[str, Any],
    y: Element,
    alpha: Element,
    beta: Element,
    values: Sequence[int],
    real_value: int,
    r: int,
    rng: Rng,
) -> list[dict[str, str]]:
    """Prove that (alpha, beta) encrypts one of ``values`` (consecutive ascending) under y.

    Randomness is drawn in this order: w for the real branch, then c_j, s_j for
    every other branch in ascending order of value.
    """
    if real_value not in values:
        raise ValueError("the encrypted value is outside the provable range")
    shifted = _shifted(beta, values)
    real = values.index(real_value)
    w = rng()
    cs: list[int] = [0] * len(values)
    ss: list[int] = [0] * len(values)
    commitments: list[list[str]] = []
    for j in range(len(values)):
        if j == real:
            a_j, b_j = base_mul(w), y * w
        else:
            cs[j], ss[j] = rng(), rng()
            neg_c = ORDER - cs[j]
            a_j = base_mul(ss[j]) + alpha * neg_c
            b_j = y * ss[j] + shifted[j] * neg_c
        commitments.append([a_j.hex(), b_j.hex()])
    full = dict(stmt, commitments=commitments)
    c = challenge(full)
    cs[real] = (c - sum(cs)) % ORDER
    ss[real] = (w + cs[real] * r) % ORDER
    return [{"c": scalar_hex(cj), "s": scalar_hex(sj)} for cj, sj in zip(cs, ss)]


def verify_disjunctive(
    stmt: dict[str, Any],
    y: Element,
    alpha: Element,
    beta: Element,
    values: Sequence[int],
    proof: Any,
) -> bool:
    if not isinstance(proof, list) or len(proof) != len(values):
        return False
    try:
        pairs = [(scalar_from_hex(p["c"]), scalar_from_hex(p["s"])) for p in proof]
        if any(set(p) != {"c", "s"} for p in proof):
            return False
    except (GroupError, KeyError, TypeError):
        return False
    # A_j = g^s_j * alpha^-c_j and B_j = y^s_j * beta^-c_j * g^(v_j c_j), each as one
    # combine of fixed-base table points and one variable-base exponentiation.
    g_table, y_table = fixed_base_table(GENERATOR), fixed_base_table(y)
    commitments = []
    total = 0
    for (c_j, s_j), v in zip(pairs, values):
        neg_c = ORDER - c_j
        a_j = lincomb([(g_table, s_j)], [(alpha, neg_c)])
        b_j = lincomb([(y_table, s_j), (g_table, v * c_j)], [(beta, neg_c)])
        commitments.append([a_j.hex(), b_j.hex()])
        total += c_j
    return total % ORDER == challenge(dict(stmt, commitments=commitments))


def prove_dlog_eq(
    stmt: dict[str, Any], h: Element, x: int, rng: Rng
) -> dict[str, str]:
    """Chaum-Pedersen proof that log_g(g^x) = log_h(h^x); stmt must already hold both."""
    w = rng()
    commitments = [base_mul(w).hex(), (h * w).hex()]
    c = challenge(dict(stmt, commitments=commitments))
    return {"c": scalar_hex(c), "s": scalar_hex((w + c * x) % ORDER)}


def verify_dlog_eq(
    stmt: dict[str, Any], big_x: Element, h: Element, d: Element, proof: Any
) -> bool:
    """Check a proof that log_g(big_x) = log_h(d)."""
    try:
        if not isinstance(proof, dict) or set(proof) != {"c", "s"}:
            return False
        c, s = scalar_from_hex(proof["c"]), scalar_from_hex(proof["s"])
    except GroupError:
        return False
    neg_c = ORDER - c
    g_table = fixed_base_table(GENERATOR)
    a = lincomb([(g_table, s)], [(big_x, neg_c)])
    b = lincomb([], [(h, s), (d, neg_c)])
    return c == challenge(dict(stmt, commitments=[a.hex(), b.hex()]))


def prove_dlog(stmt: dict[str, Any], x: int, rng: Rng) -> dict[str, str]:
    """Schnorr proof of knowledge of x = log_g(X); stmt must already hold X."""
    w = rng()
    c = challenge(dict(stmt, commitment=base_mul(w).hex()))
    return {"c": scalar_hex(c), "s": scalar_hex((w + c * x) % ORDER)}


def verify_dlog(stmt: dict[str, Any], big_x: Element, proof: Any) -> bool:
    try:
        if not isinstance(proof, dict) or set(proof) != {"c", "s"}:
            return False
        c, s = scalar_from_hex(proof["c"]), scalar_from_hex(proof["s"])
    except GroupError:
        return False
    a = lincomb([(fixed_base_table(GENERATOR), s)], [(big_x, ORDER - c)])
    return c == challenge(dict(stmt, commitment=a.hex()))


__all__ = [
    "IDENTITY",
    "Rng",
    "challenge",
    "deterministic_rng",
    "encrypt",
    "prove_disjunctive",
    "prove_dlog",
    "prove_dlog_eq",
    "random_scalar",
    "verify_disjunctive",
    "verify_dlog",
    "verify_dlog_eq",
]
