"""Canonical JSON, hashing and base-58: the byte-exact encodings of the record.

Every hash in the election record is SHA-256 over canonical JSON (see
docs/election-record.md). Canonical JSON is UTF-8, keys sorted, no whitespace,
integers only (no floats), so the JavaScript port can reproduce it with a
sorted-key ``JSON.stringify``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

_HEX = re.compile(r"[0-9a-f]*")
B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class EncodingError(ValueError):
    pass


def _check(obj: Any) -> None:
    """Only str, int, bool, None, lists and str-keyed dicts: JSON without floats."""
    stack = [obj]
    pop, push = stack.pop, stack.extend
    while stack:
        o = pop()
        t = type(o)
        if t is str or t is int or t is bool or o is None:
            continue
        if t is dict:
            if not all(type(k) is str for k in o):
                raise EncodingError("object keys must be strings")
            push(o.values())
        elif t is list or t is tuple:
            push(o)
        elif t is float:
            raise EncodingError("floats are not allowed in canonical JSON")
        else:
            raise EncodingError(f"type {t.__name__} is not JSON")


def canonical_json(obj: Any, *, checked: bool = False) -> bytes:
    """Canonical JSON bytes; ``checked=True`` skips the type walk for objects built internally."""
    if not checked:
        _check(obj)
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values, types included (``True`` is not ``1``); floats are never equal."""
    try:
        return canonical_json(a) == canonical_json(b)
    except (EncodingError, TypeError, ValueError):
        return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_json(obj: Any) -> str:
    """SHA-256 (lowercase hex) of the canonical JSON of ``obj``."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def hash_json_bytes(obj: Any) -> bytes:
    return hashlib.sha256(canonical_json(obj)).digest()


def b58encode_int(value: int, length: int) -> str:
    """Fixed-length base-58 (Bitcoin alphabet) of a non-negative integer, most significant first."""
    out = []
    for _ in range(length):
        value, digit = divmod(value, 58)
        out.append(B58_ALPHABET[digit])
    if value:
        raise EncodingError("value too large for the requested length")
    return "".join(reversed(out))


def b58decode_int(text: str) -> int:
    value = 0
    for ch in text:
        digit = B58_ALPHABET.find(ch)
        if digit < 0:
            raise EncodingError(f"invalid base-58 character {ch!r}")
        value = value * 58 + digit
    return value


def is_hex(text: Any, length: int) -> bool:
    """True if ``text`` is exactly ``length`` lowercase hex characters."""
    return isinstance(text, str) and len(text) == length and _HEX.fullmatch(text) is not None
