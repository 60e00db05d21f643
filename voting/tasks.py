"""What elections ask of the signed-in person on the home page: a scrutineer's step to do, the
election officer's next step once the scrutineers have done theirs, and a member's vote
(``vote_task``, for an election of its own here and for an assembly's in assemblies.tasks)."""
from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Role
from app.registry import Task
from voting import queries, services, texts
from voting.models import Election, ElectionState, Trustee
from voting.permissions import can_manage_election

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


def officer_tasks(user) -> list[Task]:
    """The officer's step each election waits for (``services.officer_steps``, the management page's
    buttons): an election of its own to open, then after any close the encrypted tally and the result.
    Closing is left out: the officer chooses when (an assembly's vote: assemblies.tasks)."""
    if not can_manage_election(user):
        return []
    rows = db.session.scalars(select(Election).where(or_(  # an assembly's opening is its chair's (assemblies.tasks)
        Election.state == ElectionState.CLOSED,
        (Election.state == ElectionState.KEYGEN) & Election.assembly_id.is_(None))).order_by(Election.id))
    words = {"open": lambda t: _("Open the ballot box: %(t)s", t=t),
             "tally": lambda t: _("Compute the encrypted tally: %(t)s", t=t),
             "result": lambda t: _("Publish the result: %(t)s", t=t)}
    tasks = []
    for election in rows:
        title = texts.election_title(election, str(get_locale()))
        for step in sorted(services.officer_steps(election, queries.step_counts(election)) & set(words)):
            tasks.append(Task(title=words[step](title), url=url_for("voting.manage", slug=election.slug), count=1,
                              urgency=25))
    return tasks


def vote_task(title: str, slug: str, voted: bool, due: date | None = None) -> Task:
    """"Vote" while no ballot of the member counts (owed: in the badge), then "Vote again" (offered,
    not owed), for an election of its own here or an assembly's (assemblies.tasks)."""
    return Task(title=_("Vote again: %(t)s", t=title) if voted else _("Vote: %(t)s", t=title),
                url=url_for("voting.vote", slug=slug), urgency=60 if voted else 10, due=due, count=0 if voted else 1)


def voter_tasks(user) -> list[Task]:
    """The vote of each open election of its own that delivered the member a credential."""
    status = queries.voter_status(user.id)  # election id -> a ballot counts
    if not status:
        return []
    elections = db.session.scalars(select(Election).where(
        Election.id.in_(status), Election.assembly_id.is_(None), Election.state == ElectionState.OPEN))
    tasks = []
    for election in elections:
        if not services.accepts_ballots(election):
            continue
        tasks.append(vote_task(texts.election_title(election, str(get_locale())), election.slug,
                               status[election.id]))
    return tasks
