"""The prime-order group: secp256k1 through libsecp256k1 (coincurve).

secp256k1 has cofactor 1, so every point that parses as a valid compressed
point is in the prime-order group. libsecp256k1 cannot represent the point at
infinity, so :class:`Element` wraps an optional ``coincurve.PublicKey`` where
``None`` is the identity. The identity is encoded as 33 zero bytes (66 ``0``
hex characters); every other element as its 33-byte SEC1 compressed form.

Notation: the protocol is written multiplicatively (``g^x``, ``a*b``); this
module uses Python operators ``a + b`` (group operation), ``a * k`` (power),
``-a`` (inverse) to stay close to the curve arithmetic.
"""

from __future__ import annotations

import re
from typing import Iterable

from coincurve import PublicKey
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

_HEX66 = re.compile(r"[0-9a-f]{66}")
_HEX64 = re.compile(r"[0-9a-f]{64}")

# Group order n and field prime p of secp256k1 (SEC 2, section 2.4.1).
ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
FIELD = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

ELEMENT_HEX_LEN = 66
SCALAR_HEX_LEN = 64
IDENTITY_HEX = "00" * 33
_IDENTITY_BYTES = bytes(33)


class GroupError(ValueError):
    """A received group element or scalar is not valid."""


class Element:
    """A point of secp256k1; ``Element(None)`` is the identity."""

    __slots__ = ("_pk", "_raw")

    def __init__(self, pk: PublicKey | None, raw: bytes | None = None) -> None:
        self._pk = pk
        self._raw = raw

    # -- encoding ---------------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes, *, allow_identity: bool = False) -> "Element":
        if len(data) != 33:
            raise GroupError("element must be 33 bytes")
        if data == _IDENTITY_BYTES:
            if not allow_identity:
                raise GroupError("identity element not allowed here")
            return IDENTITY
        if data[0] not in (2, 3):
            raise GroupError("element must be in compressed form")
        try:
            pk = PublicKey(data)
        except Exception as exc:  # coincurve raises ValueError for off-curve points
            raise GroupError("element is not on the curve") from exc
        # Canonical: x must be < p (libsecp256k1 rejects x >= p already); the
        # re-serialisation must give back the same bytes.
        if pk.format(compressed=True) != data:
            raise GroupError("non-canonical element encoding")
        return cls(pk, data)

    @classmethod
    def from_hex(cls, text: object, *, allow_identity: bool = False) -> "Element":
        if not isinstance(text, str) or not _HEX66.fullmatch(text):
            raise GroupError("element must be 66 lowercase hex characters")
        try:
            data = bytes.fromhex(text)
        except ValueError as exc:
            raise GroupError("element is not hex") from exc
        return cls.from_bytes(data, allow_identity=allow_identity)

    def to_bytes(self) -> bytes:
        if self._raw is None:
            self._raw = _IDENTITY_BYTES if self._pk is None else self._pk.format(compressed=True)
        return self._raw

    def hex(self) -> str:
        return self.to_bytes().hex()

    @property
    def is_identity(self) -> bool:
        return self._pk is None

    # -- arithmetic -------------------------------------------------------
    def __add__(self, other: "Element") -> "Element":
        if self._pk is None:
            return other
        if other._pk is None:
            return self
        try:
            return Element(PublicKey.combine_keys([self._pk, other._pk]))
        except ValueError:
            return IDENTITY  # P + (-P)

    def __neg__(self) -> "Element":
        if self._pk is None:
            return self
        raw = self.to_bytes()
        return Element(PublicKey(bytes([raw[0] ^ 1]) + raw[1:]))

    def __sub__(self, other: "Element") -> "Element":
        return self + (-other)

    def __mul__(self, k: int) -> "Element":
        k %= ORDER
        if k == 0 or self._pk is None:
            return IDENTITY
        return Element(self._pk.multiply(k.to_bytes(32, "big")))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Element):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"Element({self.hex()})"

    # Elements are immutable: copying returns the same object; pickling goes through the encoding.
    def __copy__(self) -> "Element":
        return self

    def __deepcopy__(self, memo: object) -> "Element":
        return self

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        return (_from_trusted_bytes, (self.to_bytes(),))


IDENTITY = Element(None, _IDENTITY_BYTES)


def _from_trusted_bytes(data: bytes) -> Element:
    return Element.from_bytes(data, allow_identity=True)


def base_mul(k: int) -> Element:
    """g^k using libsecp256k1's precomputed generator table."""
    k %= ORDER
    if k == 0:
        return IDENTITY
    return Element(PublicKey.from_valid_secret(k.to_bytes(32, "big")))


GENERATOR = base_mul(1)


def double_mul(s: int, p: Element, c: int) -> Element:
    """g^s * p^c (one fixed-base and one variable-base exponentiation)."""
    return base_mul(s) + p * c


def sum_elements(items: Iterable[Element]) -> Element:
    pks = [e._pk for e in items if e._pk is not None]
    if not pks:
        return IDENTITY
    if len(pks) == 1:
        return Element(pks[0])
    try:
        return Element(PublicKey.combine_keys(pks))
    except ValueError:
        # The total is the identity, or an intermediate sum was; fold pairwise.
        acc = IDENTITY
        for pk in pks:
            acc = acc + Element(pk)
        return acc


def scalar_from_hex(text: object) -> int:
    """Parse a scalar: 64 lowercase hex characters, value < n."""
    if not isinstance(text, str) or not _HEX64.fullmatch(text):
        raise GroupError("scalar must be 64 lowercase hex characters")
    try:
        value = int(text, 16)
    except ValueError as exc:
        raise GroupError("scalar is not hex") from exc
    if value >= ORDER:
        raise GroupError("scalar not reduced modulo the group order")
    return value


def scalar_hex(value: int) -> str:
    return format(value % ORDER, "064x")


# -- variable-time fast paths, for PUBLIC scalars only (verification) -----------

_CTX = GLOBAL_CONTEXT.ctx


class FixedBaseTable:
    """Multiples d * 256^i * P (i < 32, 0 < d < 256) of a fixed point P.

    P^k then costs one libsecp256k1 ``pubkey_combine`` of at most 32 table
    points (mixed additions) instead of a full constant-time scalar
    multiplication. Lookups depend on the scalar: use only for public scalars.
    """

    __slots__ = ("rows", "_msb_first")

    def __init__(self, base: Element) -> None:
        if base.is_identity:
            raise GroupError("no table for the identity")
        rows: list[list[object]] = []
        step = base
        for _ in range(32):
            row: list[object] = [None]
            acc = step
            for _d in range(1, 256):
                row.append(acc._pk.public_key)  # type: ignore[union-attr]
                acc = acc + step
            rows.append(row)
            step = acc
        self.rows = rows
        self._msb_first = rows[::-1]

    def points(self, k: int) -> list[object]:
        return [row[d] for row, d in zip(self._msb_first, (k % ORDER).to_bytes(32, "big")) if d]


_TABLES: dict[bytes, FixedBaseTable] = {}


def fixed_base_table(base: Element) -> FixedBaseTable:
    """A cached table for ``base`` (the generator and the election key, typically)."""
    key = base.to_bytes()
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= 8:
            _TABLES.pop(next(iter(_TABLES)))
        table = _TABLES[key] = FixedBaseTable(base)
    return table


def lincomb(fixed: list[tuple[FixedBaseTable, int]], variable: list[tuple[Element, int]]) -> Element:
    """prod T_i^(a_i) * prod P_j^(b_j) in one combine; variable time, public scalars only."""
    pts: list[object] = []
    for table, k in fixed:
        pts += table.points(k)
    for point, k in variable:
        k %= ORDER
        if k and point._pk is not None:
            out = ffi.new("secp256k1_pubkey *", point._pk.public_key[0])
            lib.secp256k1_ec_pubkey_tweak_mul(_CTX, out, k.to_bytes(32, "big"))
            pts.append(out)
    if not pts:
        return IDENTITY
    out = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_ec_pubkey_combine(_CTX, out, pts, len(pts)):
        return IDENTITY
    return Element(PublicKey(out))
