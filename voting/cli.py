"""``flask voting create|open|close|tally|result|export|credentials|status`` and the demo loader."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth.services import find_account
from app.clock import today
from app.uow import unit_of_work
from app.demo import register_demo_loader
from app.extensions import db
from voting import errors

voting_cli = AppGroup("voting", help="Verifiable elections: the public board, opening, closing, tally.")


def _election(slug: str):
    from voting.models import Election

    election = db.session.scalar(select(Election).where(Election.slug == slug))
    if election is None:
        raise click.ClickException(f"No election {slug!r}.")
    return election


def _fail(exc: errors.VotingError) -> click.ClickException:
    """The refusal as the command's error; the unit of work has already rolled everything back."""
    detail = f": {exc.detail}" if exc.detail else ""
    extra = f" Missing: {', '.join(exc.missing)}." if isinstance(exc, errors.NotEnoughTrustees) else ""
    return click.ClickException(f"refused ({exc.info.get('code', exc.code)}){detail}.{extra} Nothing was changed.")


@voting_cli.command("create")
@click.argument("definition", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Short name in URLs (default: the definition's id).")
@click.option("--trustee", "trustees", multiple=True, metavar="ID=EMAIL",
              help="The scrutineer account acting for trustee ID (repeat for each).")
@click.option("--no-login", is_flag=True, help="Accept ballots without sign-in (credential only).")
def create(definition: Path, slug: str | None, trustees: tuple[str, ...], no_login: bool) -> None:
    """Create an election from a unevoix/v1 DEFINITION (JSON). Trustees without keys register them later."""
    from voting import services

    doc = json.loads(definition.read_text(encoding="utf-8"))
    accounts = {}
    for item in trustees:
        tid, _, email = item.partition("=")
        account = find_account(email.strip())
        if account is None:
            raise click.ClickException(f"No account with e-mail {email!r} (trustee {tid}).")
        accounts[tid.strip()] = account
    try:
        with unit_of_work():
            election = services.create_election(doc, accounts, slug=slug, require_login=not no_login)
    except errors.VotingError as exc:
        raise _fail(exc) from None
    click.echo(f"Election {election.slug!r} created, state {election.state.value}"
               + (f", fingerprint {election.fingerprint}" if election.fingerprint else "") + ".")


def _simple(verb_name: str, done: str):
    def command(slug: str) -> None:
        from voting import services

        election = _election(slug)
        try:
            if verb_name == "close_election":
                services.refuse_if_chaired_by_assembly(election)
            with unit_of_work():
                getattr(services, verb_name)(election)
        except errors.VotingError as exc:
            raise _fail(exc) from None
        click.echo(done.format(slug=slug, state=election.state.value))
    return command


@voting_cli.command("open")
@click.argument("slug")
@click.option("--hold", "hold", multiple=True, metavar="CONTEST",
              help="A contest held back (repeat); the chair opens it later with open-item.")
def open_box(slug: str, hold: tuple[str, ...]) -> None:
    """Open the ballot box (with --hold, some contests held back: an item_hold event)."""
    from app.uow import unit_of_work
    from voting import services

    election = _election(slug)
    try:
        services.refuse_if_chaired_by_assembly(election)
        with unit_of_work():
            services.open_election(election, hold=list(hold))
    except errors.VotingError as exc:
        raise _fail(exc) from None
    click.echo(f"{slug}: the ballot box is open." + (f" Held back: {', '.join(hold)}." if hold else ""))


@voting_cli.command("open-item")
@click.argument("slug")
@click.argument("contests", nargs=-1, required=True)
def open_item(slug: str, contests: tuple[str, ...]) -> None:
    """Open the vote on one agenda item held back at the opening (its CONTESTS): ballots placed
    from now on count for them, none before (an item_open event)."""
    from app.uow import unit_of_work
    from voting import services

    election = _election(slug)
    try:
        services.refuse_if_chaired_by_assembly(election)  # its items too: the chair keeps the meeting's calendar
        with unit_of_work():
            row = services.open_item(election, list(contests))
    except errors.VotingError as exc:
        raise _fail(exc) from None
    click.echo(f"{slug}: the vote on {', '.join(row.data['contests'])} is open.")
voting_cli.command("close", help="Close the ballot box (safe to run twice: the second run refuses).")(
    click.argument("slug")(_simple("close_election", "{slug}: the ballot box is closed.")))
voting_cli.command("tally", help="Append the encrypted tally (after the close).")(click.argument("slug")(
    _simple("compute_tally", "{slug}: encrypted tally on the board; the scrutineers can decrypt.")))
voting_cli.command("result", help="Combine k partial decryptions and publish the result.")(click.argument("slug")(
    _simple("publish_result", "{slug}: result published.")))


@voting_cli.command("upload")
@click.argument("slug")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def upload(slug: str, files: tuple[Path, ...]) -> None:
    """Publish scrutineer files (keygen1, keygen2, sign-seal or decrypt output) received out of band."""
    from voting import services

    election = _election(slug)
    for path in files:
        try:
            with unit_of_work():  # one file, one commit: the files before a refused one stay published
                row = services.record_trustee_step(election, json.loads(path.read_text(encoding="utf-8")))
        except errors.VotingError as exc:
            raise _fail(exc) from None
        click.echo(f"{path.name}: {row.type} of {row.data.get('trustee')} on the board as event {row.seq}.")


@voting_cli.command("export")
@click.argument("slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export(slug: str, out: Path) -> None:
    """Write the election record (what `python -m voting.verify` checks) to OUT."""
    from voting import services

    election = _election(slug)
    if out.exists():
        raise click.ClickException(f"{out} exists; not overwritten.")
    with out.open("x", encoding="utf-8") as fh:
        for piece in services.export_record(election):
            fh.write(piece)
    click.echo(f"Record of {slug} written to {out}.")


def _write_letters(path: Path, letters: list[dict]) -> None:
    """The private credentials as printable letters (one page each, in the member's language, with
    a QR code of the link), written once (mode 0600); nothing of them stays in the database."""
    import base64
    import io
    import os

    import qrcode
    import qrcode.image.svg
    from flask import render_template
    from flask_babel import force_locale

    from shares.pdf import render_pdf
    from app.jobs import job_context

    pages = []
    with job_context():
        for letter in letters:
            svg = io.BytesIO()
            qrcode.make(letter["link"], image_factory=qrcode.image.svg.SvgPathImage).save(svg)
            qr = "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")
            with force_locale(letter["member"].language):
                pages.append(render_template("voting/pdf/credential_letter.html", qr=qr, **letter))
        html = render_template("voting/pdf/credential_letters.html", pages=pages, title=letters[0]["election_title"])
    data = render_pdf(html)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _delivery(letters_path: Path | None) -> list | None:
    """Where private credentials go: letters (a list the command prints), or mail (None)."""
    from flask import current_app

    if letters_path is not None:
        if letters_path.exists():
            raise click.ClickException(f"{letters_path} exists; credentials are never overwritten.")
        return []
    if not current_app.config.get("MAIL_SERVER") and not current_app.config.get("DEMO"):
        raise click.ClickException("No mail server is configured: give --letters FILE.pdf to print the credentials "
                                   "as letters. Nothing was changed.")
    return None


def _delivered(count: int, letters: list | None, letters_path: Path | None) -> str:
    from flask import current_app

    if letters is not None and letters_path is not None:
        if letters:
            _write_letters(letters_path, letters)
        return (f"{count} credential(s) issued and printed as letters in {letters_path} (keep this file safe, "
                f"print it, then delete it); the database keeps only the public parts.")
    if current_app.config.get("MAIL_SERVER"):
        return (f"{count} credential(s) issued and queued as mail; each mail's text is erased from the outbox "
                f"once sent; the database keeps only the public parts.")
    return (f"{count} credential(s) issued into the demo outbox (no mail server: the demo outbox stands in "
            f"for the members' mailboxes and keeps the mail).")


@voting_cli.command("credentials")
@click.argument("slug")
@click.option("--public-list", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Publish the public list written by `python -m voting.credentials` instead of generating.")
@click.option("--on", "on_date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Electorate date (default today).")
@click.option("--letters", "letters_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Print the private credentials as PDF letters in this new file instead of mailing them.")
def credentials(slug: str, public_list: Path | None, on_date, letters_path: Path | None) -> None:
    """Issue a credential to every member in good standing and mail it or print it as a letter (the
    app as credential authority: demo and small elections), or publish an outside authority's public list."""
    from voting import services

    election = _election(slug)
    try:
        if public_list is not None:
            doc = json.loads(public_list.read_text(encoding="utf-8"))
            with unit_of_work():
                row = services.publish_credentials(election, doc["credentials"])
            click.echo(f"{len(row.data['credentials'])} public credentials published (event {row.seq}).")
            return
        from shares.models import Member
        from shares.standing import members_in_good_standing

        letters = _delivery(letters_path)
        ids = members_in_good_standing((on_date.date() if on_date else today()))
        members = list(db.session.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.id))) if ids else []
        with unit_of_work():  # the letters are written before the commit: no credential is lost
            count = services.issue_credentials(election, members, letters=letters)
            message = _delivered(count, letters, letters_path)
    except errors.VotingError as exc:
        raise _fail(exc) from None
    click.echo(message)


def _member(member_id: int):
    from shares.models import Member

    member = db.session.get(Member, member_id)
    if member is None:
        raise click.ClickException(f"No member {member_id}.")
    return member


@voting_cli.command("revoke")
@click.argument("slug")
@click.option("--member", "member_id", type=int, help="Revoke this member's credential.")
@click.option("--credential", "public", help="Revoke this public credential (64 hex).")
def revoke(slug: str, member_id: int | None, public: str | None) -> None:
    """Revoke a credential (a `revocation` event on the board): it casts no more, its ballots no longer count."""
    from voting import services

    election = _election(slug)
    if (member_id is None) == (public is None):
        raise click.ClickException("Give either --member or --credential.")
    if member_id is not None:
        row = services.member_credential(election, _member(member_id).id)
        if row is None:
            raise click.ClickException(f"Member {member_id} holds no unrevoked credential for {slug}.")
        public = row.public
    try:
        with unit_of_work():
            credential = services.revoke_credential(election, public)
    except errors.VotingError as exc:
        raise _fail(exc) from None
    click.echo(f"{slug}: credential {credential.public[:16]}... revoked (event {credential.revoked_seq}); "
               f"its ballots no longer count.")


@voting_cli.command("reissue")
@click.argument("slug")
@click.option("--member", "member_id", type=int, required=True)
@click.option("--letters", "letters_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Print the new credential as a PDF letter in this new file instead of mailing it.")
def reissue(slug: str, member_id: int, letters_path: Path | None) -> None:
    """A member lost their credential: revoke it and issue a new one to the same voter (both on the board)."""
    from voting import services

    election = _election(slug)
    member = _member(member_id)
    letters = _delivery(letters_path)
    try:
        with unit_of_work():
            services.reissue_credential(election, member, letters=letters)
            message = _delivered(1, letters, letters_path)
    except errors.VotingError as exc:
        raise _fail(exc) from None
    click.echo(message)


@voting_cli.command("status")
@click.argument("slug", required=False)
def status(slug: str | None) -> None:
    """State, counts and who is missing (every election without SLUG)."""
    from voting import queries, services

    for election in ([_election(slug)] if slug else queries.elections()):
        counts = queries.board_counts(election)
        missing = services.missing_trustees(election)
        click.echo(f"{election.slug}: {election.state.value}; {counts['events']} events, "
                   f"{counts['credentials']} credentials, {counts['ballots']} ballots ({counts['counted']} counted), "
                   f"{counts['partial_decryptions']} partial decryption(s)"
                   + (f"; waiting for {', '.join(missing)}" if missing else ""))


@voting_cli.command("close-item")
@click.argument("slug")
@click.argument("contests", nargs=-1, required=True)
def close_item(slug: str, contests: tuple[str, ...]) -> None:
    """Close the vote on one agenda item (its CONTESTS): the ballots on the board now count for
    them, none after; the other contests stay open (an item_close event)."""
    from app.uow import unit_of_work
    from voting import services

    election = _election(slug)
    try:
        services.refuse_if_chaired_by_assembly(election)  # its items too: the chair keeps the meeting's calendar
        with unit_of_work():
            row = services.close_item(election, list(contests))
    except errors.VotingError as exc:
        raise _fail(exc) from None
    click.echo(f"{slug}: the vote on {', '.join(row.data['contests'])} is closed; "
               f"{row.data['counted']} ballot(s) count for it.")


def register_demo() -> None:
    from voting.demo import load_elections

    register_demo_loader(50, load_elections)
