"""``flask working-groups ...``: the assembly report, booklets, re-sending synthesis notices; the demo loader."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.demo import register_demo_loader
from app.extensions import db
from app.uow import unit_of_work

wg_cli = AppGroup("working-groups", help="Working groups, recommendations, board minutes.")


@wg_cli.command("answers-for-assembly")
@click.argument("held_on", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="The previous assembly's date.")
def answers_for_assembly_command(held_on, since) -> None:
    """List the board's answers to report at the assembly held on HELD_ON (YYYY-MM-DD)."""
    from working_groups.queries import answers_for_assembly

    answers = answers_for_assembly(held_on.date(), since=since.date() if since else None)
    for answer in answers:
        rec = answer.recommendation
        click.echo(f"{rec.group.slug}\t{rec.number}\t{answer.decision.value}\t{answer.answered_on}\t{rec.title}")
    click.echo(f"{len(answers)} answer(s).")


@wg_cli.command("booklet")
@click.argument("slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--language", default="fr", type=click.Choice(["fr", "nl", "en"]))
def booklet_command(slug: str, out: Path, language: str) -> None:
    """Write the PDF booklet of a group's recommendations to OUT."""
    from app.jobs import job_context
    from working_groups.pdf import booklet_pdf
    from working_groups.queries import group_by_slug

    group = group_by_slug(slug)
    if group is None:
        raise click.ClickException(f"no working group {slug!r}")
    with job_context():
        out.write_bytes(booklet_pdf(group, language))
    click.echo(f"Wrote {out}.")


@wg_cli.command("notify-synthesis")
@click.argument("minutes_id", type=int)
def notify_synthesis_command(minutes_id: int) -> None:
    """Queue the notice of a published synthesis for members not told yet (idempotent: one per member)."""
    from sqlalchemy.exc import IntegrityError

    from working_groups.minutes import notify_members
    from working_groups.models import BoardMinutes

    minutes = db.session.get(BoardMinutes, minutes_id)
    if minutes is None or minutes.published_at is None:
        raise click.ClickException("no published synthesis with this id")
    from sqlalchemy import select

    from app.models import OutboxMessage

    told = set(db.session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.dedupe_key.like(f"wg-synthesis-{minutes_id}-%"))))
    try:
        with unit_of_work():
            count = notify_members(minutes, skip=told)
    except IntegrityError as exc:  # a concurrent run told them first
        raise click.ClickException("another run is sending these notices; try again later") from exc
    click.echo(f"Queued {count} notice(s).")


def register_demo() -> None:
    from working_groups.demo import load_working_groups

    register_demo_loader(60, load_working_groups)

