"""A slow pure-Python secp256k1 (Jacobian coordinates), for differential tests only.

Same encodings as :mod:`voting.crypto.group`: compressed SEC1 points, the
identity as 33 zero bytes.
"""

from __future__ import annotations

from .group import FIELD as P, GX, GY, ORDER, GroupError

B = 7
_Jac = tuple[int, int, int]
_INF: _Jac = (1, 1, 0)


def _jdouble(pt: _Jac) -> _Jac:
    x, y, z = pt
    if z == 0 or y == 0:
        return _INF
    ysq = y * y % P
    s = 4 * x * ysq % P
    m = 3 * x * x % P  # a = 0
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * ysq * ysq) % P
    nz = 2 * y * z % P
    return (nx, ny, nz)


def _jadd(p1: _Jac, p2: _Jac) -> _Jac:
    if p1[2] == 0:
        return p2
    if p2[2] == 0:
        return p1
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    z1s, z2s = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2s % P, x2 * z1s % P
    s1, s2 = y1 * z2s * z2 % P, y2 * z1s * z1 % P
    if u1 == u2:
        if s1 != s2:
            return _INF
        return _jdouble(p1)
    h = (u2 - u1) % P
    r = (s2 - s1) % P
    h2 = h * h % P
    h3 = h * h2 % P
    u1h2 = u1 * h2 % P
    nx = (r * r - h3 - 2 * u1h2) % P
    ny = (r * (u1h2 - nx) - s1 * h3) % P
    nz = h * z1 * z2 % P
    return (nx, ny, nz)


def _to_affine(pt: _Jac) -> tuple[int, int] | None:
    x, y, z = pt
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return (x * zi2 % P, y * zi2 * zi % P)


class SlowElement:
    __slots__ = ("xy",)

    def __init__(self, xy: tuple[int, int] | None) -> None:
        self.xy = xy

    @classmethod
    def from_bytes(cls, data: bytes, *, allow_identity: bool = False) -> "SlowElement":
        if len(data) != 33:
            raise GroupError("element must be 33 bytes")
        if data == bytes(33):
            if not allow_identity:
                raise GroupError("identity element not allowed here")
            return cls(None)
        if data[0] not in (2, 3):
            raise GroupError("element must be in compressed form")
        x = int.from_bytes(data[1:], "big")
        if x >= P:
            raise GroupError("non-canonical element encoding")
        rhs = (x * x * x + B) % P
        y = pow(rhs, (P + 1) // 4, P)
        if y * y % P != rhs:
            raise GroupError("element is not on the curve")
        if (y & 1) != (data[0] & 1):
            y = P - y
        return cls((x, y))

    @classmethod
    def from_hex(cls, text: str, *, allow_identity: bool = False) -> "SlowElement":
        if len(text) != 66 or text != text.lower():
            raise GroupError("element must be 66 lowercase hex characters")
        return cls.from_bytes(bytes.fromhex(text), allow_identity=allow_identity)

    def to_bytes(self) -> bytes:
        if self.xy is None:
            return bytes(33)
        x, y = self.xy
        return bytes([2 | (y & 1)]) + x.to_bytes(32, "big")

    def hex(self) -> str:
        return self.to_bytes().hex()

    @property
    def is_identity(self) -> bool:
        return self.xy is None

    def _jac(self) -> _Jac:
        return _INF if self.xy is None else (self.xy[0], self.xy[1], 1)

    def __add__(self, other: "SlowElement") -> "SlowElement":
        return SlowElement(_to_affine(_jadd(self._jac(), other._jac())))

    def __neg__(self) -> "SlowElement":
        if self.xy is None:
            return self
        return SlowElement((self.xy[0], (P - self.xy[1]) % P))

    def __sub__(self, other: "SlowElement") -> "SlowElement":
        return self + (-other)

    def __mul__(self, k: int) -> "SlowElement":
        k %= ORDER
        acc = _INF
        addend = self._jac()
        while k:
            if k & 1:
                acc = _jadd(acc, addend)
            addend = _jdouble(addend)
            k >>= 1
        return SlowElement(_to_affine(acc))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SlowElement) and self.xy == other.xy

    def __hash__(self) -> int:
        return hash(self.xy)


SLOW_GENERATOR = SlowElement((GX, GY))
SLOW_IDENTITY = SlowElement(None)


def slow_base_mul(k: int) -> SlowElement:
    return SLOW_GENERATOR * k
