"""Secrets kept at rest encrypted (TOTP secrets): Fernet (AES-128-CBC + HMAC-SHA256).

The key is ``TOTP_ENCRYPTION_KEY`` from the configuration, or else derived from ``SECRET_KEY`` with
HKDF; either way a copy of the database alone does not give the secrets away."""
from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SealBroken(Exception):
    """A sealed value that the configured key does not open (the key changed, or the value was altered)."""


@lru_cache(maxsize=8)
def _fernet(material: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"une-voix sealed values",
               info=b"totp-secret").derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _key_material(config=None) -> str:
    config = config if config is not None else current_app.config
    material = config.get("TOTP_ENCRYPTION_KEY") or config.get("SECRET_KEY")
    if not material:
        raise RuntimeError("no key to seal secrets with: set UNEVOIX_TOTP_ENCRYPTION_KEY or SECRET_KEY")
    return str(material)


def seal(value: str, config=None) -> str:
    return _fernet(_key_material(config)).encrypt(value.encode()).decode("ascii")


def unseal(token: str, config=None) -> str:
    try:
        return _fernet(_key_material(config)).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise SealBroken() from exc
