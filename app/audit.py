"""The append-only audit log, written in the same transaction as the change it records."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import load_only

from app.extensions import db
from app.i18n import colon, fr_spacing
from app.models import Account, AuditEntry
from app.web import euros, format_day, format_moment, reader_locale, whole_number

# Actions are named ``module.noun.verb`` (docs/architecture.md): who wrote it, the thing, what happened.
ACTION_NAME = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+$")


def record(action: str, obj: Any = None, *, before: dict | None = None, after: dict | None = None,
           actor: Account | None = None, object_type: str | None = None,
           object_id: str | int | None = None) -> AuditEntry:
    """Add an audit row to the session (flushed with the change, committed with it)."""
    if not ACTION_NAME.match(action):
        raise ValueError(f"audit action {action!r} is not named module.noun.verb")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "system"),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")) or None,
        before=_jsonable(before), after=_jsonable(after), actor_id=actor.id if actor else None,
    )
    db.session.add(entry)
    # Every state change also gets a log line, for the operator's log system, on the logger of the
    # module that made it (``shares.audit``, ``voting.audit``...), so that it can be filtered by module.
    logging.getLogger(f"{action.partition('.')[0]}.audit").info(
        "%s %s:%s by account %s", action, entry.object_type, entry.object_id or "-", entry.actor_id or "-")
    return entry


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _jsonable(values: dict | None) -> dict | None:
    if values is None:
        return None
    out = {}
    for key, value in values.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):  # enums
            value = value.value
        out[key] = value
    return out


# Words for audit actions: each module declares its own (``register_action_labels``); the audit log
# shows the words, never the code, and falls back to the code only for an action nobody worded.
_ACTION_LABELS: dict[str, Any] = {}


def register_action_labels(labels: dict[str, Any]) -> None:
    _ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    label = _ACTION_LABELS.get(action)
    if label is None:
        for prefix, words in _ACTION_LABELS.items():  # "shares.member_request.*" worded once
            if prefix.endswith(".*") and action.startswith(prefix[:-1]):
                label = words
                break
    return str(label) if label is not None else action


_OBJECT_LABELS: dict[str, Any] = {}


def register_object_labels(labels: dict[str, Any]) -> None:
    """Words for the audited objects' types (their table names): ``{"shares_member": _l("Member")}``."""
    _OBJECT_LABELS.update(labels)


def object_label(object_type: str) -> str:
    label = _OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


# object type -> how people tell its objects apart: names(ids) -> {id: words}, one query for a page
_OBJECT_NAMES: dict[str, Callable[[list[int]], Mapping[int, str]]] = {}


def register_object_names(object_type: str, names: Callable[[list[int]], Mapping[int, str]]) -> None:
    """How the audit log names objects of this type instead of their row id: ``names(ids)`` returns
    ``{id: "no. 42, Marie Dubois"}`` for a page of entries at once; an id it leaves out is an object
    since deleted (a discarded draft), and the page says so."""
    _OBJECT_NAMES[object_type] = names


def named_rows(model: Any, name: Callable[[Any, str], str], *columns: Any) -> Callable[[list[int]], dict[int, str]]:
    """A ``register_object_names`` function for a model: the page's rows in one query (only
    ``columns`` when given: a document's row carries its file), each named by ``name(row, language)``
    in the reader's language."""
    def names(ids: list[int]) -> dict[int, str]:
        language = reader_locale().language
        stmt = select(model).where(model.id.in_(ids))
        if columns:
            stmt = stmt.options(load_only(*columns))
        return {row.id: name(row, language) for row in db.session.scalars(stmt)}
    return names


def object_names(entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """(object type, object id) -> the object's name, for every entry of a page whose type has names."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        object_id = whole_number(entry.object_id)
        if entry.object_type in _OBJECT_NAMES and object_id is not None:
            wanted.setdefault(entry.object_type, set()).add(object_id)
    return {(object_type, str(object_id)): name for object_type, ids in wanted.items()
            for object_id, name in _OBJECT_NAMES[object_type](sorted(ids)).items()}


def action_choices() -> list[tuple[str, str]]:
    """(filter prefix, words) for every worded action, in the reader's language and alphabetical order:
    the audit log's filter offers words, not codes."""
    choices = {(code[:-1] if code.endswith(".*") else code): str(label) for code, label in _ACTION_LABELS.items()}
    return sorted(choices.items(), key=lambda item: item[1].casefold())


def object_choices() -> list[tuple[str, str]]:
    """(object type, words) for every worded object type, alphabetical in the reader's language."""
    return sorted(((code, str(label)) for code, label in _OBJECT_LABELS.items()), key=lambda item: item[1].casefold())


# -- the change an entry records, in words ----------------------------------------------------
# Each module words the fields its entries record (``register_field_labels``) and, per object type,
# the fields whose values are codes (``register_value_words``): the audit log shows "Status: draft →
# submitted to the board", never the JSON it stores.

_FIELD_LABELS: dict[str, Any] = {}
# A field's words: a mapping of its codes, or a function ``words(value, entry)`` of its whole value
# (a list, a count) and of the entry it is in (a scrutineer's code is named by the entry's election).
ValueWords = Mapping[Any, Any] | Callable[[Any, AuditEntry], str]
_VALUE_WORDS: dict[tuple[str, str], ValueWords] = {}  # (object type, field)
_FIELD_WORDS: dict[str, ValueWords] = {}  # a field that reads the same in every object type's entries


def register_field_labels(labels: dict[str, Any]) -> None:
    """Words for the fields audit entries record, shared by all object types: ``{"status": _l("Status")}``."""
    _FIELD_LABELS.update(labels)


def register_value_words(object_type: str, words: dict[str, ValueWords]) -> None:
    """Words for the codes an object type's fields hold: ``{"status": {"paid": _l("Paid")}}``, or a
    function ``words(value, entry)`` given the field's whole value (a list, a count) that returns its text."""
    _VALUE_WORDS.update({(object_type, field): value_words for field, value_words in words.items()})


def register_field_words(words: dict[str, ValueWords]) -> None:
    """Words for a field whatever the object type (a national number, an IBAN, an assembly's short name):
    used where the object type has none of its own (``register_value_words``)."""
    _FIELD_WORDS.update(words)


def each(words: Callable[[Any, AuditEntry], str]) -> Callable[[Any, AuditEntry], str]:
    """Words for one value (an account number) that read a list of them item by item."""
    def words_of(value: Any, entry: AuditEntry) -> str:
        if isinstance(value, list):
            return ", ".join(NOTHING if item is None else words_of(item, entry) for item in value)
        return words(value, entry)
    return words_of


def _reference(value: Any) -> bool:
    """A value that can name a row: a short name or an id (``True`` is not one, though it equals 1)."""
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def looked_up(lookup: Callable[[set], Mapping[Any, str]]) -> Callable[[Any, AuditEntry], str]:
    """Words for a field holding a reference to a row (an assembly's or an election's short name, an
    account's id): ``lookup(values)`` gives ``{value: words}`` for a set of values in one query. The audit
    log asks it once per page for all its entries' values (``look_up``); a value outside a page, alone."""
    def words(value: Any, entry: AuditEntry) -> str:
        if not _reference(value):
            return str(value)
        known = getattr(entry, "_looked_up", {}).get(words)
        if known is None:
            known = lookup({value})
        return str(known.get(value, value))
    words.lookup = lookup  # type: ignore[attr-defined]
    return words


def look_up(entries: list[AuditEntry]) -> None:
    """The words of every ``looked_up`` field of a page's entries, in one query per kind of reference,
    kept on the entries for ``change_lines``."""
    wanted: dict[Callable, set] = {}
    for entry in entries:
        for values in (entry.before or {}, entry.after or {}):
            for field, value in values.items():
                words = _words_for(entry.object_type, field)
                if hasattr(words, "lookup") and _reference(value):
                    wanted.setdefault(words, set()).add(value)
    page = {words: words.lookup(values) for words, values in wanted.items()}
    for entry in entries:
        entry._looked_up = page


def _words_for(object_type: str, field: str) -> ValueWords | None:
    words = _VALUE_WORDS.get((object_type, field))
    return words if words is not None else _FIELD_WORDS.get(field)


@dataclass(frozen=True)
class ChangeLine:
    """One field of an entry: its words, and its value before and after in words (None: not recorded)."""

    field: str
    before: str | None
    after: str | None


def change_lines(entry: AuditEntry) -> list[ChangeLine]:
    """What the entry records, field by field, in the reader's language (the fields written after
    the change first, in their order, then those only known before)."""
    before, after = entry.before or {}, entry.after or {}
    # A field only written after, and empty (no bank transaction, no note), says nothing; nor does one
    # written before and after with the same value (a form saved with its language unchanged).
    fields = [f for f in after if (before[f] != after[f] if f in before else after[f] not in (None, "", []))]
    fields += [f for f in before if f not in after]
    return [ChangeLine(str(_FIELD_LABELS.get(f, f)),
                       value_text(entry, f, before[f]) if f in before else None,
                       value_text(entry, f, after[f]) if f in after else None) for f in fields]


def unworded(entry: AuditEntry) -> set[str]:
    """The entry's fields without words, and its coded values without words (``field=value``):
    what the audit log would show as codes. Tests call it on every entry the code writes."""
    missing = set()
    for values in (entry.before or {}, entry.after or {}):
        for field, value in values.items():
            if field not in _FIELD_LABELS:
                missing.add(field)
            words = _words_for(entry.object_type, field)
            if isinstance(words, Mapping):
                missing.update(f"{field}={v}" for v in (value if isinstance(value, list) else [value])
                               if v not in (None, "") and v not in words)
    return missing


# The fields several modules record, worded once here; each module words its own.
register_field_labels({
    "A": _l("Category A"), "B": _l("Category B"), "category": _l("Category"), "count": _l("Number"),
    "contests": _l("Questions on the ballot"), "counted": _l("Ballots counted"), "election": _l("Election"),
    "filename": _l("File name"), "held": _l("Held back"), "item": _l("Item"), "kind": _l("Kind"),
    "language": _l("Language"), "member": _l("Member number"), "members": _l("Member numbers"),
    "method": _l("Method"), "note": _l("Note"), "number": _l("Number"), "reason": _l("Reason"),
    "seq": _l("Event number on the board"), "slug": _l("Short name (in addresses)"), "status": _l("Status"),
    "threshold": _l("Scrutineers needed"), "title": _l("Title"),
})


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DIGEST = re.compile(r"^[0-9a-f]{32,}$")  # hashes, keys, credentials: their start is enough to tell them apart
NOTHING = "\u2014"  # an em dash: no value


def value_text(entry: AuditEntry, field: str, value: Any) -> str:
    """One recorded value of ``entry`` for people: words for codes, euros for cents, dates in the
    reader's language, yes or no, lists joined; a long hexadecimal digest cut to its start. A value
    its words cannot read (not of the type they expect: the log keeps what was written years ago) is
    shown as the rest are."""
    words = _words_for(entry.object_type, field)
    if callable(words) and value is not None:
        try:
            return str(words(value, entry))
        except (TypeError, ValueError, LookupError, AttributeError):
            words = None
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value_text(entry, field, item) for item in value)
    if isinstance(value, dict):  # per category: {"A": 14, "B": 0}
        return fr_spacing("; ").join(f"{_FIELD_LABELS.get(key, key)}{colon()}{value_text(entry, field, item)}"
                                     for key, item in value.items())
    if isinstance(words, Mapping):
        try:
            return str(words.get(value, value))
        except TypeError:  # a value no code can be (unhashable)
            pass
    if field.endswith("_cents") and isinstance(value, int):
        return euros(value)
    if isinstance(value, str):
        try:
            if _ISO_DAY.match(value):
                return format_day(date.fromisoformat(value), "medium")
            if _ISO_MOMENT.match(value):
                return format_moment(datetime.fromisoformat(value))
        except ValueError:  # looked like a date, is not one: as it was written
            return value
        if _DIGEST.match(value):
            return value[:12] + "\u2026"
    return str(value)
