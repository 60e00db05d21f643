"""The append-only audit log, written in the same transaction as the change it records."""
from __future__ import annotations

import logging
import re
from typing import Any

from flask import has_request_context
from flask_login import current_user

from app.extensions import db
from app.models import Account, AuditEntry

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


def action_choices() -> list[tuple[str, str]]:
    """(filter prefix, words) for every worded action, in the reader's language and alphabetical order:
    the audit log's filter offers words, not codes."""
    choices = {(code[:-1] if code.endswith(".*") else code): str(label) for code, label in _ACTION_LABELS.items()}
    return sorted(choices.items(), key=lambda item: item[1].casefold())


def object_choices() -> list[tuple[str, str]]:
    """(object type, words) for every worded object type, alphabetical in the reader's language."""
    return sorted(((code, str(label)) for code, label in _OBJECT_LABELS.items()), key=lambda item: item[1].casefold())

