"""``flask assemblies convene SLUG`` (idempotent: cron may run it twice) and the demo loader."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.demo import register_demo_loader
from app.errors import DomainError, error_message
from app.extensions import db
from app.uow import unit_of_work

assemblies_cli = AppGroup("assemblies", help="General assemblies: convocations, electorate.")


def _assembly(slug: str):
    from assemblies.models import Assembly

    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == slug))
    if assembly is None:
        raise click.ClickException(f"No assembly {slug!r}.")
    return assembly


@assemblies_cli.command("convene")
@click.argument("slug")
def convene_command(slug: str) -> None:
    """Send the convocation (agenda and personal voting link) to every elector not convened yet."""
    from assemblies import services

    try:
        with unit_of_work():
            sent = services.convene(_assembly(slug))
    except DomainError as exc:
        raise click.ClickException(error_message(exc)) from exc
    click.echo(f"{sent} convocations queued.")


@assemblies_cli.command("freeze")
@click.argument("slug")
def freeze_command(slug: str) -> None:
    """Freeze the electorate (members in good standing on the record date)."""
    from assemblies import services

    try:
        with unit_of_work():
            counts = services.freeze_electorate(_assembly(slug))
    except DomainError as exc:
        raise click.ClickException(error_message(exc)) from exc
    click.echo(f"Electorate: {counts['total']} (A {counts['A']}, B {counts['B']}).")


def register_demo() -> None:
    from assemblies.demo import load_assemblies

    register_demo_loader(70, load_assemblies)
