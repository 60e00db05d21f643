"""Share register commands: ``flask shares import-statement FILE`` and the demo loaders."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.clock import today
from app.demo import register_demo_loader
from app.extensions import db

shares_cli = AppGroup("shares", help="The share register: bank statements, renewal campaign.")


def describe_import(result) -> list[str]:
    record = result.statement_import
    if result.already_imported:
        return [f"Already imported on {record.imported_at:%Y-%m-%d %H:%M} UTC (import #{record.id}): nothing changed."]
    lines = [f"Imported {record.statements_count} statement(s), {record.entries_count} entries: "
             f"{result.new} new transaction(s), {result.duplicates} already known."]
    for status in ("matched", "partial", "overpaid", "unknown", "ignored"):
        if result.counts.get(status):
            lines.append(f"  {status}: {result.counts[status]}")
    for statement in result.unbalanced:
        lines.append(f"  WARNING statement {statement['id']} ({statement['iban']}) does not balance: opening "
                     f"{statement['opening_cents']} + entries {statement['entries_cents']} != closing "
                     f"{statement['closing_cents']} (cents)")
    return lines


@shares_cli.command("import-statement")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_statement_command(path: Path) -> None:
    """Import a camt.053 bank statement and match its payments (idempotent)."""
    from shares.bank import import_statement
    from shares.errors import StatementError

    try:
        result = import_statement(path.read_bytes(), filename=path.name)
    except StatementError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path.name}: refused ({exc.reason}): {exc.detail}. Nothing was imported.") from None
    db.session.commit()
    for line in describe_import(result):
        click.echo(line)


@shares_cli.command("register-pdf")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date of the register (YYYY-MM-DD); today by default.")
def register_pdf_command(output: Path, on) -> None:
    """Write the share register as of a date to a PDF file (the legal register, all members)."""
    from datetime import date

    from flask import current_app

    from shares.pdf import register_pdf

    day = on.date() if on else today()
    with current_app.test_request_context():  # templates build URLs and read the locale
        output.write_bytes(register_pdf(day))
    click.echo(f"Register as of {day.isoformat()} written to {output}.")


def _add_renewal_command() -> None:
    from shares.renewal import renewal_campaign_command

    shares_cli.add_command(renewal_campaign_command)


_add_renewal_command()


def register_demo() -> None:
    from shares.demo import load_members
    from shares.demo_register import load_register
    from shares.renewal import load_demo_renewals

    register_demo_loader(10, load_members)
    register_demo_loader(20, load_register)
    register_demo_loader(30, load_demo_renewals)
