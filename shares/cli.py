"""Share register commands: ``flask shares import-statement FILE`` and the demo loaders."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.clock import today
from app.demo import register_demo_loader
from app.jobs import job_context
from app.uow import unit_of_work

shares_cli = AppGroup("shares", help="The share register: bank statements, renewal campaign.")


WHY_WORDS = {"overpaid": "overpaid, waiting for staff", "partial": "partial payment, waiting for staff",
             "bad_reference": "communication with wrong check digits", "unknown_reference": "unknown communication",
             "no_reference": "no structured communication", "cancelled": "request cancelled",
             "currency": "not in euros", "debit": "debits (money going out)"}
SKIP_WORDS = {"unknown_account": "not one of the cooperative's accounts", "no_account": "no account number",
              "batch": "a batch whose transactions do not add up to its entry",
              "invalid": "an invalid amount, date or entry"}


def describe_import(result) -> list[str]:
    record = result.statement_import
    if result.already_imported:
        lines = [f"Already imported on {record.imported_at:%Y-%m-%d %H:%M} UTC (import #{record.id}): "
                 "nothing changed."]
    else:
        lines = [f"Imported {record.statements_count} statement(s), {record.entries_count} entries: "
                 f"{result.new} new transaction(s), {result.duplicates} already known."]
        if result.counts.get("matched"):
            lines.append(f"  matched automatically: {result.counts['matched']}")
        for code, words in WHY_WORDS.items():
            if result.counts.get(code):
                lines.append(f"  in the queue, {words}: {result.counts[code]}")
    for statement in result.skipped:
        lines.append(f"  SKIPPED statement {statement['number']} ({statement['id'] or 'no id'}, account "
                     f"{statement['iban'] or 'none'}): {SKIP_WORDS.get(statement['skipped'], statement['skipped'])}"
                     + (f" - {statement['detail']}" if statement.get("detail") else ""))
    for statement in result.unbalanced:
        lines.append(f"  WARNING statement {statement['id']} ({statement['iban']}) does not balance: opening "
                     f"{statement['opening_cents']} + entries {statement['entries_cents']} != closing "
                     f"{statement['closing_cents']} (cents)")
    return lines


@shares_cli.command("import-statement")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_statement_command(path: Path) -> None:
    """Import a camt.053 bank statement and match its payments (idempotent). The statements of other
    accounts, or that cannot be read, are skipped and named; the others are imported."""
    from shares.bank import import_statement
    from shares.errors import StatementError


    try:
        with unit_of_work(), job_context():
            result = import_statement(path.read_bytes(), filename=path.name)
    except StatementError as exc:
        raise click.ClickException(f"{path.name}: refused ({SKIP_WORDS.get(exc.reason, exc.reason)}): "
                                   f"{exc.detail}. Nothing was imported.") from None
    for line in describe_import(result):
        click.echo(line)


@shares_cli.command("register-pdf")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date of the register (YYYY-MM-DD); today by default.")
@click.option("--language", default=None, help="fr, nl or en (default: the default language).")
def register_pdf_command(output: Path, on, language: str | None) -> None:
    """Write the share register as of a date to a PDF file (the legal register, all members)."""
    from flask import current_app
    from flask_babel import force_locale


    from shares.exports import write_register_pdf

    day = on.date() if on else today()
    with job_context(), force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]), \
            open(output, "wb") as fh:
        count = write_register_pdf(day, fh)
    click.echo(f"Register as of {day.isoformat()} ({count} members) written to {output}.")


@shares_cli.command("run-exports")
def run_exports_command() -> None:
    """Make the register files staff asked for that no web process has started (cron-safe); first mark
    failed the jobs whose worker stopped mid-run (no sign of life within SHARES_EXPORT_STALE_SECONDS)."""
    from shares.exports import fail_stalled, queued_exports, run_export

    with unit_of_work():
        stalled = fail_stalled()
    if stalled:
        click.echo(f"{len(stalled)} stalled register file job(s) marked as failed.")
    made = sum(1 for export_id in queued_exports() if run_export(export_id))
    click.echo(f"{made} register file(s) made.")


@shares_cli.command("record-lapses")
@click.argument("year", type=click.IntRange(2000, 2100))
def record_lapses_command(year: int) -> None:
    """Record as lapsed the members whose renewal for YEAR is unpaid after the grace period (cron-safe)."""

    from shares.renewal import record_lapses

    with unit_of_work():
        result = record_lapses(year)
    click.echo(f"Renewal {year}: {result.lapsed} member(s) recorded as lapsed"
               + (f", {result.already} already recorded by another run" if result.already else "") + ".")


def _add_renewal_command() -> None:
    from shares.renewal import renewal_campaign_command

    shares_cli.add_command(renewal_campaign_command)


_add_renewal_command()


def register_demo() -> None:
    from shares.demo import load_applications, load_members
    from shares.demo_documents import load_documents
    from shares.demo_register import load_register
    from shares.renewal import load_demo_renewals

    register_demo_loader(10, load_members)
    register_demo_loader(20, load_register)
    register_demo_loader(30, load_demo_renewals)
    register_demo_loader(35, load_applications)
    register_demo_loader(36, load_documents)
