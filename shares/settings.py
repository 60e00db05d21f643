"""Share-register settings, read from the app config (defaults in app/config.py)."""
from __future__ import annotations

from typing import Any

from flask import current_app


def setting(key: str) -> Any:
    return current_app.config[key]


def share_price_cents(category) -> int:
    value = getattr(category, "value", category)
    return int(setting("SHARE_PRICE_CENTS").get(value, 3000))


def min_shares(category) -> int:
    value = getattr(category, "value", category)
    return int(setting("CATEGORY_MIN_SHARES").get(value, 1))


def bank_accounts() -> set[str]:
    accounts = set(setting("SHARES_BANK_ACCOUNTS") or []) | {setting("COOP_IBAN")}
    return {a.replace(" ", "").upper() for a in accounts}
