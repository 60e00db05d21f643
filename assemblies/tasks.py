"""The member's home page: "Vote" while they have not voted, "Vote again" after; nothing while
another member holds their proxy (the holder has their voting link); for a proxy held, the vote
owed in the represented member's name until it is cast. The election officer's: the next step of
each assembly still to vote (the ballot to put on the public board, the convocations to send, the
vote to open, to chair on the meeting's day, to close past its announced close). The
preparers' (secretaries and officers): the electorate to freeze once the record date has come. The
door's, on the day of an assembly: welcoming members at check-in. The secretary's: the minutes of
an assembly held, until they are signed."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from app.clock import brussels_day, today, utcnow
from app.extensions import db
from app.registry import Task
from app.web import format_day
from assemblies import services
from assemblies.models import Assembly, AssemblyMinutes, Elector
from assemblies.permissions import can_check_in, can_prepare_assembly, can_run_vote, can_write_assembly_minutes
from shares.models import Member
from voting import queries as voting_queries
from voting import services as voting
from voting.models import Election, ElectionState
from voting.tasks import vote_task


def _title(assembly: Assembly) -> str:
    return assembly.text("title", str(get_locale() or "fr")[:2])


def vote_tasks(user):
    # Each open assembly's vote through the account's membership in its electorate (a former member who
    # applied again after the record date votes through the membership the record date found).
    rows = db.session.execute(
        select(Assembly, Election, Member).join(Election, Election.id == Assembly.election_id)
        .join(Elector, (Elector.assembly_id == Assembly.id) & Elector.removed_at.is_(None))
        .join(Member, (Member.id == Elector.member_id) & (Member.account_id == user.id))
        .where(Election.state == ElectionState.OPEN)).all()
    out = []
    for assembly, election, member in rows:
        if not voting.accepts_ballots(election):  # every item's vote closed: nothing left to vote on
            continue
        title = _title(assembly)
        if services.standing_proxy(assembly, member.id) is None:
            out.append(vote_task(title, election.slug, services.has_voted(assembly, member.id),
                                 due=brussels_day(assembly.voting_closes_at)))
        # A proxy held: the vote owed for the member who gave it (its link came in the mail "Proxy of ...").
        for proxy in services.proxies_held(assembly, member):
            if not services.has_voted(assembly, proxy.giver_id):
                out.append(Task(title=_("Vote in the name of %(name)s (their proxy): %(t)s", name=proxy.giver.name,
                                        t=title),
                                url=url_for("assemblies.show", slug=assembly.slug), urgency=11,
                                due=brussels_day(assembly.voting_closes_at), count=1))
    return out


def _notice_shortened() -> str:
    """What a step due by the last day of the notice means once that day has passed."""
    return ngettext("convened now, members get less than the statutes' notice of %(num)d day; sending the "
                    "convocations then asks why a shorter notice applies",
                    "convened now, members get less than the statutes' notice of %(num)d days; sending the "
                    "convocations then asks why a shorter notice applies", services.notice_days())


def preparer_tasks(user):
    """The secretary's and the officer's: an assembly to come whose record date has come, its
    electorate still to freeze (every later step waits for it), due by the last day of the notice."""
    if not can_prepare_assembly(user):
        return []
    rows = db.session.scalars(select(Assembly).where(Assembly.electorate_frozen_at.is_(None),
                                                     Assembly.starts_at > utcnow(), Assembly.record_date <= today())
                              .order_by(Assembly.starts_at)).all()
    return [Task(title=_("Freeze the electorate: %(t)s (record date %(d)s)", t=_title(assembly),
                         d=format_day(assembly.record_date, "long")),
                 url=url_for("assemblies.prepare", slug=assembly.slug, _anchor="electorate"), urgency=30,
                 due=services.last_convocation_day(assembly), late=_notice_shortened(), count=1)
            for assembly in rows]


def officer_tasks(user):
    """The officer's next step for each assembly with an electorate: the ballot to put on the board,
    the convocations to send, the vote to open once its key is made and its window has opened, the
    meeting's vote to chair on its day, and a vote still open past its announced close."""
    if not can_run_vote(user):
        return []
    now = utcnow()
    not_convened = (select(func.count()).select_from(Elector)
                    .where(Elector.assembly_id == Assembly.id, Elector.convoked_at.is_(None),
                           Elector.removed_at.is_(None)).scalar_subquery())
    rows = db.session.execute(
        select(Assembly, Election, not_convened).outerjoin(Election, Election.id == Assembly.election_id)
        .where(or_(Assembly.voting_closes_at > now, Election.state == ElectionState.OPEN),
               Assembly.electorate_frozen_at.is_not(None))
        .order_by(Assembly.voting_opens_at)).all()
    out = []
    for assembly, election, waiting in rows:
        title = _title(assembly)
        chair = url_for("assemblies.chair", slug=assembly.slug)
        state = election.state if election is not None else None
        if state is None:
            out.append(Task(title=_("Put the ballot on the public board: %(t)s", t=title), urgency=30,
                            url=url_for("assemblies.prepare", slug=assembly.slug, _anchor="vote"),
                            due=services.last_convocation_day(assembly), late=_notice_shortened(), count=1))
            continue
        if state in (ElectionState.KEYGEN, ElectionState.OPEN) and waiting:
            out.append(Task(title=ngettext("Send the convocations: %(t)s (%(num)d member waiting)",
                                           "Send the convocations: %(t)s (%(num)d members waiting)", waiting, t=title),
                            url=url_for("assemblies.roll", slug=assembly.slug), urgency=30,
                            due=services.last_convocation_day(assembly), late=_notice_shortened(), count=1))
        if (state is ElectionState.KEYGEN and services.vote_opening_refusal(assembly, now) is None
                and "open" in voting.officer_steps(election, voting_queries.step_counts(election))):
            out.append(Task(title=_("Open the vote: %(t)s", t=title), url=chair, urgency=25,
                            due=brussels_day(assembly.voting_opens_at), count=1))
        elif state is ElectionState.OPEN and now >= assembly.voting_closes_at:
            out.append(Task(title=_("Close the vote: %(t)s (the announced close has passed)", t=title), url=chair,
                            urgency=20, due=brussels_day(assembly.voting_closes_at), count=1))
        elif state is ElectionState.OPEN and brussels_day(assembly.starts_at) == today():
            out.append(Task(title=_("Chair the vote at today's meeting: %(t)s", t=title), url=chair, urgency=25,
                            due=today(), count=1))
    return out


def door_tasks(user):
    if not can_check_in(user):
        return []
    soon = db.session.scalars(select(Assembly).where(Assembly.election_id.is_not(None),
                                                     Assembly.voting_closes_at > utcnow())).all()
    return [Task(title=_("Welcome members at the door: %(t)s", t=_title(assembly)), urgency=20,
                 url=url_for("assemblies.checkin", slug=assembly.slug), due=today())
            for assembly in soon if brussels_day(assembly.starts_at) == today()
            and services.check_in_refusal(assembly) is None]  # the door open now (it opens hours before, closes with the vote)


def minutes_tasks(user):
    """The secretary's: the minutes of each assembly held this past year and not signed yet."""
    if not can_write_assembly_minutes(user):
        return []
    now = utcnow()
    rows = db.session.execute(
        select(Assembly, AssemblyMinutes.id).outerjoin(AssemblyMinutes, AssemblyMinutes.assembly_id == Assembly.id)
        .where(Assembly.starts_at <= now, Assembly.starts_at > now - timedelta(days=365),
               AssemblyMinutes.signed_at.is_(None))
        .order_by(Assembly.starts_at)).all()
    return [Task(title=(_("Finish and sign the minutes: %(t)s", t=_title(assembly)) if draft is not None
                        else _("Write the minutes: %(t)s", t=_title(assembly))),
                 url=url_for("assemblies.minutes", slug=assembly.slug), urgency=40, count=1)
            for assembly, draft in rows]
