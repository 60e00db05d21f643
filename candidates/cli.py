"""``flask candidates announce|ballot|mandate|withdraw-former-members``: what cron or an operator runs, idempotent."""
from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.demo import register_demo_loader
from app.errors import DomainError, error_message
from app.extensions import db
from app.uow import unit_of_work

candidates_cli = AppGroup("candidates", help="Calls for candidates: announcements, ballot, board mandates.")


def _call(slug: str):
    from candidates.queries import call_by_slug

    call = call_by_slug(slug)
    if call is None:
        raise click.ClickException(f"no call {slug!r}")
    return call


@candidates_cli.command("announce")
@click.argument("slug")
def announce_command(slug: str) -> None:
    """Mail the call to every member in good standing who was not told yet (safe to run twice)."""
    from candidates.services import announce_call

    call = _call(slug)
    try:
        with unit_of_work():
            queued = announce_call(call)
    except DomainError as exc:
        raise click.ClickException(error_message(exc)) from None
    click.echo(f"{queued} message(s) queued for call {slug}.")


@candidates_cli.command("ballot")
@click.argument("slug")
def ballot_command(slug: str) -> None:
    """Print the call's ballot contests (``ballot_choices``) as JSON."""
    from candidates.services import ballot_choices

    try:
        click.echo(json.dumps(ballot_choices(_call(slug)), indent=1, ensure_ascii=False))
    except DomainError as exc:
        raise click.ClickException(error_message(exc)) from None


@candidates_cli.command("mandate")
@click.argument("member_number", type=int)
@click.option("--category", type=click.Choice(["A", "B"]), required=True)
@click.option("--from", "starts", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--to", "ends", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
def mandate_command(member_number: int, category: str, starts: datetime, ends: datetime) -> None:
    """Record a board seat held before the software (members whose term runs cannot apply)."""
    from app import audit
    from candidates.models import Mandate
    from shares.models import Category, Member

    member = db.session.scalar(select(Member).where(Member.number == member_number))
    if member is None:
        raise click.ClickException(f"no member number {member_number}")
    if starts.date() >= ends.date():
        raise click.ClickException("the term must end after it starts")
    with unit_of_work():
        mandate = Mandate(member_id=member.id, category=Category(category), starts_on=starts.date(), ends_on=ends.date())
        db.session.add(mandate)
        db.session.flush()
        audit.record("candidates.mandate.record", mandate, after={"member": member.number, "category": category,
                                                                  "starts_on": starts.date(), "ends_on": ends.date()})
    click.echo(f"Mandate recorded for member {member_number} ({category}) until {ends.date().isoformat()}.")


@candidates_cli.command("withdraw-former-members")
def withdraw_former_members_command() -> None:
    """Withdraw the open candidacies of members who left before an exit withdrew them (safe to run twice)."""
    from candidates.services import withdraw_former_members

    with unit_of_work():
        withdrawn = withdraw_former_members()
        lines = [f"  member {a.member.number}, call {a.call.slug}: membership ended on {a.membership_ended_on.isoformat()}"
                 for a in withdrawn]
    click.echo("\n".join([f"{len(withdrawn)} application(s) withdrawn.", *lines]))


def register_demo() -> None:
    from candidates.demo import load_candidates

    register_demo_loader(45, load_candidates)
