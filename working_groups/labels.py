"""Words for the states people see (never a raw value on a page, a PDF or a mail)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    # recommendations
    "draft": _l("draft"),
    "adopted": _l("adopted by the group"),
    "submitted": _l("submitted to the board"),
    "answered": _l("answered by the board"),
    "accepted": _l("accepted"),
    "amended": _l("accepted with amendments"),
    "postponed": _l("postponed"),
    "rejected": _l("rejected"),
    "planned": _l("planned"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    "abandoned": _l("abandoned"),
    # minutes
    "circulated": _l("circulated to the board"),
    "approved": _l("approved"),
    "superseded": _l("replaced by a corrected version"),
    "published": _l("published"),
    # calls, roles, attendance
    "open": _l("open"),
    "closed": _l("closed"),
    "facilitator": _l("facilitator"),
    "member": _l("group member"),
    "expert": _l("invited expert"),
    "present": _l("present"),
    "excused": _l("excused"),
    "absent": _l("absent"),
}


def status_label(value) -> str:
    key = getattr(value, "value", value)
    return str(LABELS.get(key, key))
