"""Share-register settings: read from the app config, with these defaults until app/config.py has them."""
from __future__ import annotations

from typing import Any

from flask import current_app

DEFAULTS: dict[str, Any] = {
    # The cooperative's bank account (demo values: a valid Belgian IBAN).
    "COOP_IBAN": "BE71096123456769",
    "COOP_BIC": "GKCCBEBB",
    # Nominal value of one share per category, in cents.
    "SHARE_PRICE_CENTS": {"A": 3000, "B": 3000},
    # Minimum number of shares a member of each category must keep.
    "CATEGORY_MIN_SHARES": {"A": 1, "B": 1},
    # Accounts whose statements may be imported; empty means COOP_IBAN only.
    "SHARES_BANK_ACCOUNTS": [],
}


def setting(key: str) -> Any:
    return current_app.config.get(key, DEFAULTS[key])


def share_price_cents(category) -> int:
    value = getattr(category, "value", category)
    return int(setting("SHARE_PRICE_CENTS").get(value, 3000))


def min_shares(category) -> int:
    value = getattr(category, "value", category)
    return int(setting("CATEGORY_MIN_SHARES").get(value, 1))


def bank_accounts() -> set[str]:
    accounts = set(setting("SHARES_BANK_ACCOUNTS") or []) | {setting("COOP_IBAN")}
    return {a.replace(" ", "").upper() for a in accounts}
