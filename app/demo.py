"""The demo cooperative: ``flask demo`` runs every domain's loader in order, then prints logins.

A domain registers ``loader(ctx)`` with ``register_demo_loader(order, loader)``; loaders add rows
through the domain's own services and append what a newcomer needs to ``ctx.logins``."""
from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flask import current_app

from app.clock import utcnow
from app.extensions import db
from app.models import Account, AccountRole, Role
from app.uow import unit_of_work

DEMO_PASSWORD = "demo-password-2026"
_LOADERS: list[tuple[int, Callable]] = []


def files_folder() -> Path:
    """Where the demo writes the files it tells people to use (the bank statement, the scrutineers'
    key files): beside its SQLite database file, so that two demos never use each other's; else
    (PostgreSQL, a database in memory) in the instance folder."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent
    return Path(current_app.instance_path)


@dataclass
class DemoContext:
    members: int
    rng: random.Random
    logins: list[tuple[str, str]] = field(default_factory=list)  # (who, how to sign in)
    data: dict = field(default_factory=dict)  # what one loader leaves for the next


def register_demo_loader(order: int, loader: Callable[[DemoContext], None]) -> None:
    if (order, loader) not in _LOADERS:
        _LOADERS.append((order, loader))


def run_loaders(ctx: DemoContext) -> None:
    for _order, loader in sorted(_LOADERS, key=lambda item: item[0]):
        with unit_of_work():  # one per loader: the next loader reads what this one committed
            loader(ctx)


def make_privileged_account(ctx: DemoContext, email: str, name: str, roles: list[Role],
                            account: Account | None = None) -> Account:
    """A demo account with roles: a known password and a TOTP secret (also printed)."""
    from app.auth.services import set_password

    account = account or Account(email=email, display_name=name, language=ctx.rng.choice(["fr", "nl", "fr"]))
    account.roles.extend(AccountRole(role=r) for r in roles)
    db.session.add(account)
    db.session.flush()
    set_password(account, DEMO_PASSWORD)
    # From the seeded generator, so the README can list the same secrets every time.
    secret = base64.b32encode(ctx.rng.randbytes(20)).decode()
    account.totp_secret, account.totp_confirmed_at = secret, utcnow()
    ctx.logins.append((f"{', '.join(r.value for r in roles)}: {account.email}",
                       f"password {DEMO_PASSWORD}, TOTP secret {secret} "
                       f"(or: flask --app wsgi accounts totp-code {account.email})"))
    return account
