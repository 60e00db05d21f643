"""Voting credentials: a random base-58 string from which an Ed25519 key is derived.

Format: 18 base-58 data characters (104 random bits) followed by 2 check
characters, printed as four groups of five separated by ``-``, e.g.
``3mZ8q-Pw1Kd-...``. The check characters are the first two base-58 digits of
SHA-256("unevoix/v1/credential-check:" + data) taken mod 58^2, so a mistyped
credential is rejected before any key is derived.
"""

from __future__ import annotations

import hashlib
import secrets
from itertools import product

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .ed25519 import is_full_order_key
from .encoding import B58_ALPHABET, b58decode_int, b58encode_int, is_hex

DATA_CHARS = 18
CHECK_CHARS = 2
RANDOM_BYTES = 13  # 104 bits < 58^18
HKDF_SALT = b"unevoix/v1/credential"
HKDF_INFO = b"ed25519-seed"


class CredentialError(ValueError):
    pass


def _check_chars(data: str) -> str:
    digest = hashlib.sha256(b"unevoix/v1/credential-check:" + data.encode("ascii")).digest()
    return b58encode_int(int.from_bytes(digest, "big") % (58**CHECK_CHARS), CHECK_CHARS)


def generate_credential(entropy: bytes | None = None) -> str:
    raw = entropy if entropy is not None else secrets.token_bytes(RANDOM_BYTES)
    if len(raw) != RANDOM_BYTES:
        raise CredentialError("credential entropy must be 13 bytes")
    data = b58encode_int(int.from_bytes(raw, "big"), DATA_CHARS)
    full = data + _check_chars(data)
    return "-".join(full[i : i + 5] for i in range(0, len(full), 5))


def normalize_credential(text: str) -> str:
    """Strip separators and whitespace and check the check characters."""
    compact = "".join(ch for ch in text if ch not in "- \t\r\n")
    if len(compact) != DATA_CHARS + CHECK_CHARS or any(ch not in B58_ALPHABET for ch in compact):
        raise CredentialError("malformed credential")
    data, check = compact[:DATA_CHARS], compact[DATA_CHARS:]
    if _check_chars(data) != check:
        raise CredentialError("credential check characters do not match")
    return compact


def case_readings(text: str) -> list[str]:
    """Every valid credential that ``text`` can be once the case of its letters was lost (typed in
    capitals, or all in small letters, with or without the dashes): the compact readings whose check
    characters hold. Empty for anything that is not 20 base-58 letters and digits, whatever their case.
    At most 2^18 readings of the data are tried (well under a second); the check characters leave about
    one in 1,300, so a caller looks the few left up and accepts only one that names somebody."""
    compact = "".join(ch for ch in text if ch not in "- \t\r\n")
    if len(compact) != DATA_CHARS + CHECK_CHARS or not compact.isascii():
        return []
    choices = [[c for c in dict.fromkeys((ch.upper(), ch.lower())) if c in B58_ALPHABET] for ch in compact]
    if not all(choices):
        return []
    checks = {b58decode_int("".join(c)) for c in product(*choices[DATA_CHARS:])}
    prefix = hashlib.sha256(b"unevoix/v1/credential-check:")  # as _check_chars, its prefix hashed once
    found = []
    for letters in product(*choices[:DATA_CHARS]):
        data = "".join(letters)
        digest = prefix.copy()
        digest.update(data.encode("ascii"))
        value = int.from_bytes(digest.digest(), "big") % (58**CHECK_CHARS)
        if value in checks:
            found.append(data + b58encode_int(value, CHECK_CHARS))
    return found


def credential_private_key(credential: str) -> Ed25519PrivateKey:
    """Ed25519 key whose 32-byte seed is HKDF-SHA256(ikm=compact credential, salt, info)."""
    compact = normalize_credential(credential)
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO).derive(
        compact.encode("ascii")
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    ).hex()


def credential_public(credential: str) -> str:
    """The public credential: the 32-byte Ed25519 public key in lowercase hex."""
    return public_key_hex(credential_private_key(credential))


def ed25519_verify(public_hex: str, signature_hex: object, message: bytes) -> bool:
    """OpenSSL's Ed25519 verification (cofactorless, canonical R, S < L), and only under a key of
    full prime order (voting.crypto.ed25519): the same rule as ed25519Verify in
    static/js/ballot/credential.mjs, so the browser and the server accept the same signatures."""
    if not is_hex(public_hex, 64) or not is_hex(signature_hex, 128) or not is_full_order_key(public_hex):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(signature_hex), message  # type: ignore[arg-type]
        )
    except Exception:
        return False
    return True
