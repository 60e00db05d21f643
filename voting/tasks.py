"""What elections ask of the signed-in person on the home page: a scrutineer's step to do."""
from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Role
from app.registry import Task
from voting import services, texts
from voting.models import Election, ElectionState, Trustee

# The states in which an election waits for its scrutineers (keys, key generation, decryption).
_WAITING = (ElectionState.SETUP, ElectionState.KEYGEN, ElectionState.CLOSED)


def scrutineer_tasks(user) -> list[Task]:
    if not user.has_role(Role.SCRUTINEER):
        return []
    rows = db.session.execute(
        select(Election, Trustee.trustee_id).join(Trustee, Trustee.election_id == Election.id)
        .where(Trustee.account_id == user.id, Election.state.in_(_WAITING))).all()
    tasks = []
    for election, trustee_id in rows:
        if trustee_id in services.missing_trustees(election):
            title = texts.election_title(election, str(get_locale()))
            tasks.append(Task(title=_("Your step as scrutineer of “%(election)s”", election=title),
                              url=url_for("voting.scrutineer", slug=election.slug), count=1, urgency=5))
    return tasks
