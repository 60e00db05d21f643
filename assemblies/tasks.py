"""The member's home page: "Vote" while they have not voted, "Vote again" after; nothing while
another member holds their proxy (the holder has their voting link); for a proxy held, the vote
owed in the represented member's name until it is cast."""
from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.registry import Task
from assemblies import services
from assemblies.models import Assembly, Elector
from shares.queries import member_for_account
from voting import services as voting
from voting.models import Election, ElectionState


def vote_tasks(user):
    member = member_for_account(user.id)
    if member is None:
        return []
    rows = db.session.execute(
        select(Assembly, Election).join(Election, Election.id == Assembly.election_id)
        .join(Elector, (Elector.assembly_id == Assembly.id) & (Elector.member_id == member.id)
              & Elector.removed_at.is_(None))
        .where(Election.state == ElectionState.OPEN)).all()
    lang = str(get_locale() or "fr")[:2]
    out = []
    for assembly, election in rows:
        if not voting.accepts_ballots(election):  # every item's vote closed: nothing left to vote on
            continue
        title = assembly.text("title", lang)
        if services.standing_proxy(assembly, member.id) is None:
            voted = services.has_voted(assembly, member.id)
            out.append(Task(title=(_("Vote again: %(t)s", t=title) if voted else _("Vote: %(t)s", t=title)),
                            url=url_for("voting.vote", slug=election.slug), urgency=10 if not voted else 60,
                            due=assembly.voting_closes_at.date(), count=0 if voted else 1))
        # A proxy held: the vote owed for the member who gave it (its link came in the mail "Proxy of ...").
        for proxy in services.proxies_held(assembly, member):
            if not services.has_voted(assembly, proxy.giver_id):
                out.append(Task(title=_("Vote in the name of %(name)s (their proxy): %(t)s", name=proxy.giver.name,
                                        t=title),
                                url=url_for("assemblies.show", slug=assembly.slug), urgency=11,
                                due=assembly.voting_closes_at.date(), count=1))
    return out
