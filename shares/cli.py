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


def describe_import(result) -> list[str]:
    """The import's result as the web page says it (shares.labels.statement_report), one line each."""
    from shares.labels import statement_report

    report = statement_report(result)
    lines = list(report.summary)
    lines += [f"  - {line}" for line in report.outcomes]
    if report.waiting:
        lines.append(f"  - {report.waiting_title}")
        lines += [f"      - {why}: {n}" for why, n in report.waiting]
    if report.skipped:
        lines.append(report.skipped_title)
        lines += [f"  - {line}" + (f" {where}" if where else "") for line, where in report.skipped]
    lines += [f"! {line}" for line in report.warnings]
    return lines


LANGUAGE = click.option("--language", type=click.Choice(["fr", "nl", "en"]), default=None,
                        help="The language of what it says (default: the default language).")


@shares_cli.command("import-statement")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@LANGUAGE
def import_statement_command(path: Path, language: str | None) -> None:
    """Import a camt.053 bank statement and match its payments (idempotent). The statements of other
    accounts, or that cannot be read, are skipped and named; the others are imported. It says what it
    did in the words of the staff's import page."""
    from flask import current_app
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from app.errors import error_message
    from shares.bank import import_statement
    from shares.errors import StatementError
    from shares.labels import statement_problem

    with job_context(), force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            with unit_of_work():
                result = import_statement(path.read_bytes(), filename=path.name)
        except StatementError as exc:
            raise click.ClickException(" ".join(filter(None, [
                f"{path.name}:", error_message(exc), statement_problem(exc.reason, exc.facts),
                _("Nothing was imported.")]))) from None
        for line in describe_import(result):
            click.echo(line)


@shares_cli.command("register-pdf")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date of the register (YYYY-MM-DD); today by default.")
@LANGUAGE
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
