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


MAX_SAFE_INT = 2**53 - 1  # what a JavaScript number holds exactly
MAX_DEPTH = 16  # a ballot nests 6 levels deep, a tally 5


def _no_float(text: str) -> Any:
    raise EncodingError("numbers must be integers (no fractions or exponents)")


def _no_constant(text: str) -> Any:
    raise EncodingError(f"{text} is not JSON")


def _safe_int(text: str) -> int:
    if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_SAFE_INT:
        raise EncodingError("integer out of range")
    return int(text)


def _deeper_than(value: Any, max_depth: int) -> bool:
    """Whether a parsed JSON value nests more than ``max_depth`` arrays and objects (iterative)."""
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        children = node.values() if type(node) is dict else node
        if depth > max_depth:
            return True
        for child in children:
            t = type(child)
            if t is dict or t is list:
                push((child, depth + 1))
    return False


def strict_loads(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """JSON as the record means it: integers only (|n| < 2^53), no NaN or Infinity, no duplicate
    keys, at most ``max_depth`` levels of nesting. Raises EncodingError with the reason.

    (``true`` stays a boolean: every check of the record compares canonical encodings or types,
    so ``true`` is never taken for 1.)"""
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
    except UnicodeDecodeError as exc:
        raise EncodingError("not UTF-8") from exc

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            seen: set[str] = set()
            for k, _v in items:
                if k in seen:
                    raise EncodingError(f"duplicate key {k[:40]!r}")
                seen.add(k)
        return out

    too_deep = EncodingError(f"nested more than {max_depth} levels deep")
    try:
        value = json.loads(text, parse_float=_no_float, parse_int=_safe_int, parse_constant=_no_constant,
                           object_pairs_hook=pairs)
    except EncodingError:
        raise
    except RecursionError as exc:  # far deeper than allowed (the C parser's own bound)
        raise too_deep from exc
    except ValueError as exc:
        raise EncodingError(f"not JSON: {exc}") from exc
    if (type(value) is dict or type(value) is list) and _deeper_than(value, max_depth):
        raise too_deep
    return value


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values, types included (``True`` is not ``1``): equal canonical encodings."""
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
