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


def _refused(exc: DomainError) -> click.ClickException:
    """The refusal's sentence, worded as on the pages (in the default language: no request here)."""
    from app.jobs import job_context

    with job_context():
        return click.ClickException(error_message(exc))


def _assembly(slug: str):
    from assemblies.models import Assembly

    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == slug))
    if assembly is None:
        raise click.ClickException(f"No assembly {slug!r}.")
    return assembly


@assemblies_cli.command("convene")
@click.argument("slug")
@click.option("--short-notice", "short_notice", metavar="REASON", default=None,
              help="Send even though fewer days than the notice period remain before the assembly "
                   "(ASSEMBLY_NOTICE_DAYS, 15 by default), saying why (a second assembly, a board decision); "
                   "the reason goes to the audit log.")
def convene_command(slug: str, short_notice: str | None) -> None:
    """Send the convocation (agenda and personal voting link) to every elector not convened yet;
    refused past the notice period unless --short-notice says why."""
    from assemblies import services

    from assemblies.errors import NobodyToConvene

    try:
        with unit_of_work():
            sent = services.convene(_assembly(slug), short_notice=short_notice)
    except NobodyToConvene as exc:  # run again (cron): nothing left to do is no failure
        click.echo(_refused(exc).message)
        return
    except DomainError as exc:
        raise _refused(exc) from exc
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
        raise _refused(exc) from exc
    click.echo(f"Electorate: {counts['total']} (A {counts['A']}, B {counts['B']}).")


def register_demo() -> None:
    from assemblies.demo import load_assemblies

    register_demo_loader(70, load_assemblies)
