"""Which Ed25519 public keys a credential (or a trustee) may be: points of full prime order.

``cryptography`` (OpenSSL) verifies signatures under any key that decodes, including the identity
``0100…00`` and the other small-order points, under which a "signature" can be forged without any
private key (for the identity, ``R = identity, S = 0`` verifies every message). A published key is
therefore accepted only when it is a canonical encoding of a point ``P`` on the curve with
``P != identity`` and ``[L]P = identity`` (``L`` the prime order of the base point): ``P`` then
has order exactly ``L``, like every key ``Ed25519PrivateKey`` derives. The JavaScript twin is
``isFullOrderKey`` in static/js/ballot/credential.mjs (same rule, same test vectors).

Pure Python, variable time (public keys only), about 1 ms a key.

The second half proves, for a key-generation complaint, that a revealed X25519 shared secret is
the true one (docs/election-record.md, 5.4a); the JavaScript twin is
static/js/scrutineer/x25519-proof.mjs (same rule, same test vectors in
tests/voting/fixtures/x25519_dh_vectors.json).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any, Mapping

from .encoding import canonical_json

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
D2 = 2 * D % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

_IDENTITY = (0, 1, 1, 0)


def _add(p1: tuple[int, int, int, int], p2: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * D2 * t2 % P
    d = z1 * 2 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return e * f % P, g * h % P, f * g % P, e * h % P


def _double(p1: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x1, y1, z1, _ = p1
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1) % P
    g = a - b
    f = c + g
    return e * f % P, g * h % P, f * g % P, e * h % P


def decode_point(raw: bytes) -> tuple[int, int, int, int] | None:
    """RFC 8032 section 5.1.3 decoding, strict: ``y < p``, on the curve, no ``x = 0`` with sign 1."""
    if len(raw) != 32:
        return None
    n = int.from_bytes(raw, "little")
    sign = n >> 255
    y = n & ((1 << 255) - 1)
    if y >= P:
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vx2 = v * x * x % P
    if vx2 == u:
        pass
    elif vx2 == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = P - x
    return x, y, 1, x * y % P


def _is_identity(pt: tuple[int, int, int, int]) -> bool:
    x, y, z, _ = pt
    return x % P == 0 and (y - z) % P == 0


def _mul(k: int, pt: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """[k]pt, double-and-add (variable time: the prover's secret scalar is used once per complaint)."""
    acc = _IDENTITY
    for bit in bin(k)[2:] if k > 0 else "":
        acc = _double(acc)
        if bit == "1":
            acc = _add(acc, pt)
    return acc


def _prime_order(pt: tuple[int, int, int, int] | None) -> bool:
    """``pt`` is not the identity and ``[L]pt`` is: its order is exactly L (no torsion part)."""
    return pt is not None and not _is_identity(pt) and _is_identity(_mul(L, pt))


@lru_cache(maxsize=1 << 17)
def _full_order(public_hex: str) -> bool:
    return _prime_order(decode_point(bytes.fromhex(public_hex)))


def is_full_order_key(public_hex: object) -> bool:
    """True if ``public_hex`` (64 lowercase hex) encodes an Ed25519 point of prime order L."""
    if not isinstance(public_hex, str) or len(public_hex) != 64:
        return False
    try:
        raw = bytes.fromhex(public_hex)
    except ValueError:
        return False
    if raw.hex() != public_hex:  # lowercase only
        return False
    return _full_order(public_hex)  # cached: a credential is checked once per process


def encode_point(pt: tuple[int, int, int, int]) -> bytes:
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def add_points(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    return _add(a, b)


def neg_point(pt: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x, y, z, t = pt
    return (-x) % P, y, z, (-t) % P


# -- proof that a revealed X25519 shared secret is the true one (docs/election-record.md, 5.4a) --
#
# X25519 works on Montgomery u-coordinates; the same points are Edwards points through the
# birational map y = (u - 1)/(u + 1), u = (1 + y)/(1 - y). A u-coordinate names a point up to its
# sign (x and -x); the "lift" of u is the one with x even. The recipient of a share box proves
# that shared_secret = X25519(a, ephemeral) where its published encryption_key = X25519(a, 9):
#
#   P = lift(encryption_key), E = lift(ephemeral), S = the published shared point,
#   u(S) = shared_secret and log_B(P) = log_E(S)   (Chaum-Pedersen, Fiat-Shamir).
#
# Cofactor: Curve25519 has order 8L. P, E and S must each have order exactly L; otherwise a
# prover could use a + kL (the same P when P has no torsion) and add a small-order point T to S,
# shifting u(S) to a false secret while the proof still holds with probability 1/8 per try:
# a made-up secret that opens nothing would then "prove" an honest dealer's box unopenable.
# In the prime-order group every point is a multiple of B, so the extracted witness w has
# w·B = P = ±a·B, hence w = ±a mod L and S = ±a·E: u(S) is what X25519 computes (the clamped a
# is a multiple of 8, which kills no torsion since E has none).

X25519_DH_DOMAIN = "unevoix/v1/x25519-dh-proof"
_NONCE_PREFIX = b"unevoix/v1/x25519-dh-nonce\x00"
BASE = decode_point(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))


def _inv(v: int) -> int:
    return pow(v, P - 2, P)


def lift_u(u_hex: object) -> tuple[int, int, int, int] | None:
    """The Edwards point with x even whose Montgomery u is ``u_hex`` (64 lowercase hex, little
    endian, canonical: u < p); None if there is none (u = -1, or u on the twist)."""
    if not isinstance(u_hex, str) or len(u_hex) != 64 or not _is_lower_hex(u_hex):
        return None
    u = int.from_bytes(bytes.fromhex(u_hex), "little")
    if u >= P or u == P - 1:
        return None
    y = (u - 1) * _inv(u + 1) % P
    return decode_point(y.to_bytes(32, "little"))  # sign bit 0: x even


def u_of(pt: tuple[int, int, int, int]) -> str:
    """The Montgomery u-coordinate of an Edwards point other than the identity, as X25519 writes it."""
    x, y, z, _ = pt
    return ((z + y) * _inv((z - y) % P) % P).to_bytes(32, "little").hex()


@lru_cache(maxsize=1 << 12)
def is_prime_order_u(u_hex: object) -> bool:
    """True if ``u_hex`` is a canonical u-coordinate of a point of order L (what an honest X25519
    public key always is: the clamped secret is a multiple of 8, the base point has order L)."""
    return _prime_order(lift_u(u_hex))


def _is_lower_hex(text: str) -> bool:
    return all(ch in "0123456789abcdef" for ch in text)


def _dh_challenge(stmt: Mapping[str, Any], r1: tuple[int, int, int, int], r2: tuple[int, int, int, int]) -> int:
    full = dict(stmt, commitments=[encode_point(r1).hex(), encode_point(r2).hex()])
    return int.from_bytes(hashlib.sha512(canonical_json(full, checked=True)).digest(), "little") % L


def _dh_stmt(context: Mapping[str, str], key_hex: str, eph_hex: str, shared_hex: str, point_hex: str) -> dict[str, Any]:
    return dict(context, domain=X25519_DH_DOMAIN, encryption_key=key_hex, ephemeral=eph_hex,
                shared_secret=shared_hex, shared_point=point_hex)


def prove_x25519_dh(context: Mapping[str, str], secret_hex: str, key_hex: str, eph_hex: str) -> tuple[str, dict[str, str]]:
    """(shared_secret, proof) for X25519(secret, ephemeral), by the holder of ``secret_hex`` (the
    raw X25519 private key whose public key is ``key_hex``). Deterministic: the nonce is derived
    from the secret and the whole statement, as in Ed25519, so Python and JavaScript agree byte
    for byte. Raises ValueError if the ephemeral is not of order L or the key is not the secret's."""
    raw = bytearray(bytes.fromhex(secret_hex))
    raw[0] &= 248  # X25519 clamping (RFC 7748, 5)
    raw[31] = (raw[31] & 127) | 64
    a = int.from_bytes(raw, "little")
    big_a = _mul(a, BASE)
    if u_of(big_a) != key_hex:
        raise ValueError("the encryption key is not this secret's")
    w = a % L if encode_point(big_a)[31] & 0x80 == 0 else (-a) % L  # w·B = lift(key): x even
    e = lift_u(eph_hex)
    if not _prime_order(e):
        raise ValueError("the ephemeral key is not a point of order L")
    s_pt = _mul(w, e)
    shared, point_hex = u_of(s_pt), encode_point(s_pt).hex()
    stmt = _dh_stmt(context, key_hex, eph_hex, shared, point_hex)
    r = int.from_bytes(hashlib.sha512(_NONCE_PREFIX + bytes(raw) + canonical_json(stmt, checked=True)).digest(),
                       "little") % L
    c = _dh_challenge(stmt, _mul(r, BASE), _mul(r, e))
    return shared, {"shared_point": point_hex, "c": format(c, "064x"), "s": format((r + c * w) % L, "064x")}


def verify_x25519_dh(context: Mapping[str, str], key_hex: str, eph_hex: str, shared_hex: str, proof: object) -> bool:
    """True if ``proof`` shows ``shared_hex`` = X25519(a, ``eph_hex``) for the ``a`` behind ``key_hex``."""
    if not isinstance(proof, dict) or set(proof) != {"shared_point", "c", "s"}:
        return False
    if not all(isinstance(v, str) and len(v) == 64 and _is_lower_hex(v) for v in proof.values()):
        return False
    c, s = int(proof["c"], 16), int(proof["s"], 16)
    if c >= L or s >= L:
        return False
    big_p, e = lift_u(key_hex), lift_u(eph_hex)
    s_pt = decode_point(bytes.fromhex(proof["shared_point"]))  # strict: one encoding per point
    if not (_prime_order(big_p) and _prime_order(e) and _prime_order(s_pt)):
        return False  # the cofactor trap, see above
    if u_of(s_pt) != shared_hex:
        return False
    r1 = _add(_mul(s, BASE), neg_point(_mul(c, big_p)))
    r2 = _add(_mul(s, e), neg_point(_mul(c, s_pt)))
    return c == _dh_challenge(_dh_stmt(context, key_hex, eph_hex, shared_hex, proof["shared_point"]), r1, r2)
