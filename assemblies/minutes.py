"""The minutes (procès-verbal) of a general assembly.

The facts come from the record and are never typed again: who could vote and who took part, the
quorum, each resolution's count and outcome, the elected (assemblies.queries). The secretary writes
what only the meeting knows: who chaired it, who kept the minutes, the vote tellers, the opening,
what was said on each item, the closing. Once the meeting has begun a draft can be written; once the
results are published it can be signed, which freezes it and shows it to every member. Signed
minutes are never changed: a correction is added after them, dated and signed by who made it.

Services flush, never commit."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import utcnow
from app.forms import blank, differing, one_line
from app.extensions import db
from app.models import Account
from app.uow import savepoint
from assemblies import errors, queries
from assemblies.models import Assembly, AssemblyMinutes, ItemKind, MinutesCorrection, MinutesNote

# What must be written before the minutes can be signed (the form's field names).
REQUIRED = ("chair", "secretary")
NAMES = ("chair", "secretary", "tellers")  # kept on one line (``one_line``); the texts keep their lines


def _as_kept(name: str, value: str) -> str:
    return one_line(value) if name in NAMES else value.strip()


def minutes_of(assembly: Assembly) -> AssemblyMinutes | None:
    return db.session.scalar(select(AssemblyMinutes).where(AssemblyMinutes.assembly_id == assembly.id))


def meeting_begun(assembly: Assembly) -> bool:
    return assembly.starts_at <= utcnow()


def results_pending(assembly: Assembly) -> bool:
    """The agenda has a vote whose result is not published yet: the minutes would lack its outcome."""
    votes = any(item.kind is not ItemKind.INFORMATION for item in assembly.items)
    return votes and queries.results(assembly) is None


def start_minutes(assembly: Assembly, actor: Account | None = None) -> AssemblyMinutes:
    """The assembly's minutes, begun now if nobody began them (one per assembly: the database's)."""
    existing = minutes_of(assembly)
    if existing is not None:
        return existing
    if not meeting_begun(assembly):
        raise errors.MeetingNotBegun(assembly.starts_at)
    minutes = AssemblyMinutes(assembly_id=assembly.id, created_by_id=actor.id if actor else None)
    try:
        with savepoint():
            db.session.add(minutes)
            db.session.flush()
    except IntegrityError:  # a colleague began them at the same moment: theirs
        return minutes_of(assembly)
    audit.record("assemblies.minutes.create", minutes, actor=actor)  # the log names the minutes by their assembly
    return minutes


def _claim(minutes: AssemblyMinutes, seen_version: int) -> None:
    """Go on from the version the form was drawn from, once: a second tab, or a colleague who saved
    or signed in between, finds the version moved and is refused (MinutesChanged)."""
    moved = db.session.execute(update(AssemblyMinutes).where(AssemblyMinutes.id == minutes.id,
                                                             AssemblyMinutes.version == seen_version,
                                                             AssemblyMinutes.signed_at.is_(None))
                               .values(version=AssemblyMinutes.version + 1)
                               .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.refresh(minutes)
        if minutes.signed:
            raise errors.MinutesSigned()
        raise errors.MinutesChanged()
    db.session.refresh(minutes, ["version"])


def save_minutes(minutes: AssemblyMinutes, *, version: int, chair: str, secretary: str, tellers: str,
                 opening: str, closing: str, notes: Mapping[int, str], actor: Account | None = None) -> None:
    """The secretary's text, saved over the draft. ``notes``: agenda item id -> what was said."""
    items = {item.id for item in minutes.assembly.items}
    if set(notes) - items:
        raise errors.NotAnItemOfThisAssembly()
    _claim(minutes, version)
    fields = {"chair": chair, "secretary": secretary, "tellers": tellers, "opening": opening, "closing": closing}
    before = {name: getattr(minutes, name) for name in fields}
    for name, value in fields.items():
        setattr(minutes, name, _as_kept(name, value))
    kept = {note.item_id: note for note in minutes.notes}
    for item_id, text in notes.items():
        if item_id in kept:
            kept[item_id].text = text.strip()
        elif text.strip():
            minutes.notes.append(MinutesNote(item_id=item_id, text=text.strip()))
    db.session.flush()
    audit.record("assemblies.minutes.update", minutes, actor=actor,
                 before={name: value for name, value in before.items() if value != getattr(minutes, name)},
                 after={**{name: getattr(minutes, name) for name in fields if before[name] != getattr(minutes, name)},
                        "items_noted": sum(1 for note in minutes.notes if note.text)})


def missing(minutes: AssemblyMinutes) -> list[str]:
    """The required fields still empty, or holding nothing a reader would see (their form names)."""
    return [name for name in REQUIRED if blank(getattr(minutes, name))]


def sign_minutes(minutes: AssemblyMinutes, *, version: int, actor: Account | None = None) -> None:
    """Sign the minutes as they stand: frozen from now on, and shown to every member."""
    if minutes.signed:
        raise errors.MinutesSigned()
    if results_pending(minutes.assembly):
        raise errors.ResultsNotPublished()
    if missing(minutes):
        raise errors.MinutesIncomplete(*missing(minutes))
    _claim(minutes, version)
    minutes.signed_at = utcnow()
    minutes.signed_by_id = actor.id if actor else None
    db.session.flush()
    audit.record("assemblies.minutes.sign", minutes, actor=actor, after={"signed_at": minutes.signed_at})


def differences(minutes: AssemblyMinutes, *, chair: str, secretary: str, tellers: str, opening: str, closing: str,
                notes: Mapping[int, str]) -> dict[str, str]:
    """Where the saved text differs from the text given: field name (``note_<item id>`` for a note) -> the
    saved text."""
    text = {"chair": chair, "secretary": secretary, "tellers": tellers, "opening": opening, "closing": closing}
    typed = text | {f"note_{item_id}": note for item_id, note in notes.items()}
    saved = {name: getattr(minutes, name) for name in text} | {
        f"note_{item_id}": minutes.note(item_id) for item_id in notes}
    return {name: saved[name] for name in differing(saved, typed, _as_kept)}


def save_and_sign_minutes(minutes: AssemblyMinutes, *, version: int, chair: str, secretary: str, tellers: str,
                          opening: str, closing: str, notes: Mapping[int, str],
                          actor: Account | None = None) -> None:
    """Sign the minutes with the text the secretary's form holds: what was typed since the last save
    is saved first, then the minutes are signed. One transaction: a refusal (not complete, results
    not out, changed meanwhile) leaves neither done."""
    text = {"chair": chair, "secretary": secretary, "tellers": tellers, "opening": opening, "closing": closing}
    if differences(minutes, notes=notes, **text):
        save_minutes(minutes, version=version, notes=notes, actor=actor, **text)
        version = minutes.version
    sign_minutes(minutes, version=version, actor=actor)


def correct_minutes(minutes: AssemblyMinutes, text: str, actor: Account | None = None) -> MinutesCorrection:
    """Add a correction after signed minutes (their text stays as signed). The same text again (a form
    sent twice) is the correction already there."""
    if not minutes.signed:
        raise errors.MinutesNotSigned()
    already = next((c for c in minutes.corrections if c.text == text.strip()), None)
    if already is not None:
        return already
    correction = MinutesCorrection(text=text.strip(), made_at=utcnow(), made_by_id=actor.id if actor else None)
    minutes.corrections.append(correction)
    db.session.flush()
    audit.record("assemblies.minutes.correct", minutes, actor=actor, after={"correction": correction.text})
    return correction
