"""Which Ed25519 public keys a credential (or a trustee) may be: points of full prime order.

``cryptography`` (OpenSSL) verifies signatures under any key that decodes, including the identity
``0100…00`` and the other small-order points, under which a "signature" can be forged without any
private key (for the identity, ``R = identity, S = 0`` verifies every message). A published key is
therefore accepted only when it is a canonical encoding of a point ``P`` on the curve with
``P != identity`` and ``[L]P = identity`` (``L`` the prime order of the base point): ``P`` then
has order exactly ``L``, like every key ``Ed25519PrivateKey`` derives. The JavaScript twin is
``isFullOrderKey`` in static/js/ballot/credential.mjs (same rule, same test vectors).

Pure Python, variable time (public keys only), about 1 ms a key.
"""
from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=1 << 17)
def _full_order(public_hex: str) -> bool:
    raw = bytes.fromhex(public_hex)
    pt = decode_point(raw)
    if pt is None or _is_identity(pt):
        return False
    acc = _IDENTITY
    for bit in bin(L)[2:]:
        acc = _double(acc)
        if bit == "1":
            acc = _add(acc, pt)
    return _is_identity(acc)


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
