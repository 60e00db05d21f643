"""Core commands: the demo loader, account administration, mail delivery."""
from __future__ import annotations

import logging
import random

import click
import pyotp
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.auth.services import find_account
from app.demo import DemoContext, run_loaders
from app.extensions import db
from app.mail import deliver_pending
from app.models import Account, AccountRole, Role
from app.uow import unit_of_work


@click.command("demo")
# Fewer members cannot fill what the demo shows: four working groups of volunteers, a board of 18 seats.
@click.option("--members", default=400, show_default=True, type=click.IntRange(min=60),
              help="How many members to create (at least 60).")
@click.option("--seed", default=2017, show_default=True, help="Random seed, for a repeatable demo.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has accounts.")
@with_appcontext
def demo_command(members: int, seed: int, if_empty: bool) -> None:
    """Load a believable demo cooperative and print the demo logins."""
    from flask import current_app

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("The demo never runs in production: it prints known passwords and TOTP secrets.")
    if db.session.scalar(select(Account.id).limit(1)) is not None:
        if if_empty:
            click.echo("The database already holds data: demo not loaded.")
            return
        raise click.ClickException("The database is not empty; the demo loads into an empty database only.")
    ctx = DemoContext(members=members, rng=random.Random(seed))
    # Thousands of audit lines (one per row the demo adds) would bury its progress and the logins
    # printed at the end; they are in the audit log. Warnings still show.
    logging.disable(logging.INFO)
    try:
        run_loaders(ctx)
    finally:
        logging.disable(logging.NOTSET)
    click.echo("\nDemo logins (sign in at /auth/login; mail waits at /dev/outbox):")
    for who, how in ctx.logins:
        click.echo(f"  {who}\n      {how}")


accounts_cli = AppGroup("accounts", help="Accounts and roles.")


@accounts_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def grant_role(email: str, role: str) -> None:
    """Give ROLE to the account EMAIL (it must then sign in with a password and a code)."""
    from app import audit

    account = find_account(email)
    if account is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    if Role(role) not in account.role_names:
        with unit_of_work():
            account.roles.append(AccountRole(role=Role(role)))
            audit.record("app.role.grant", account, after={"role": role})
    click.echo(f"{email} has the role {role}.")


@accounts_cli.command("totp-code")
@click.argument("email")
def totp_code(email: str) -> None:
    """Print the current TOTP code of an account (for the demo, instead of a phone)."""
    account = find_account(email)
    if account is None or not account.totp_secret:
        raise click.ClickException(f"No enrolled account with e-mail {email}.")
    click.echo(pyotp.TOTP(account.totp_secret).now())


mail_cli = AppGroup("mail", help="Outbound mail.")


@mail_cli.command("deliver")
def deliver() -> None:
    """Send the queued mail through SMTP (run by cron; safe to run twice)."""
    click.echo(f"{deliver_pending()} message(s) sent.")
