"""What each refusal means, in the reader's language (services never word errors)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, pgettext

from sqlalchemy import select

from app.audit import (looked_up, named_rows, register_action_labels, register_field_labels, register_field_words,
                       register_object_labels, register_object_names, register_value_words)
from app.extensions import db
from assemblies import errors
from assemblies.services import standing_proxy
from assemblies.models import (AgendaItem, Assembly, AssemblyMinutes, Candidate, CheckIn, Document, Gender, Proxy,
                               ProxyEnding)
from app.web import format_day, format_moment, reader_locale, time_of_day, whole_number
from shares.labels import member_number_and_name
from voting.audit_labels import contest_words
from voting.models import Election

from assemblies.candidates_adapter import CallNotFound, CandidaciesUnavailable


# A candidate's gender is known: the French words agree with it ("candidate", "candidat"; the message's
# "woman" or "man" context); a legal person's, or one not said, take neutral words.

def candidate_twice_words(name: str, gender: Gender | None) -> str:
    if gender is Gender.WOMAN:
        return pgettext("woman", "%(name)s is already a candidate on this item: a ballot lists each person once.",
                        name=name)
    if gender is Gender.MAN:
        return pgettext("man", "%(name)s is already a candidate on this item: a ballot lists each person once.",
                        name=name)
    return _("%(name)s is already a candidate on this item: a ballot lists each person once.", name=name)


def candidate_removed_words(name: str, gender: Gender | None) -> str:
    if gender is Gender.WOMAN:
        return pgettext("woman", "%(name)s is no longer a candidate.", name=name)
    if gender is Gender.MAN:
        return pgettext("man", "%(name)s is no longer a candidate.", name=name)
    return _("%(name)s is no longer a candidate.", name=name)


def _door(sentence, naming):
    """A refusal's sentence, or ``naming(exc, name=..., number=...)`` when it was said at the door
    (errors.at_the_door) and names the member it is about."""
    def said(exc) -> str:
        member = getattr(exc, "member", None)
        return str(sentence if member is None else naming(exc, name=member.name, number=member.number))
    return said


def _proxy_ended(exc: errors.ProxyEnded) -> str:
    """How the proxy ended, as its row says: to its holder declining it, or at the door (naming the giver)."""
    declined = exc.how is ProxyEnding.DECLINED
    member = getattr(exc, "member", None)
    if member is None:
        return _("You have already declined this proxy.") if declined else \
            _("The member who gave you this proxy has already withdrawn it.")
    if declined:
        return _("The proxy of %(name)s (no. %(number)s) was already declined by its holder.", name=member.name,
                 number=member.number)
    return _("The proxy of %(name)s (no. %(number)s) was already withdrawn.", name=member.name, number=member.number)


# Which rule of the assembly's dates a form broke, said beside its field.
DATE_ORDER_WORDS = {
    "slug": _l("Use lowercase letters, digits and dashes."),
    "starts_at": _l("The meeting cannot start in the past."),
    "voting_closes_at": _l("The vote must close after it opens, and on the day of the meeting at the latest."),
    "record_date": _l("The record date cannot come after the day of the assembly."),
    "proxy_deadline": _l("The deadline for proxies cannot come after the vote closes."),
}

# What fixed a setting of the assembly (services.FIXED_BY), said beside the field that can no longer change.
LOCK_WORDS = {
    "electorate": _l("The electorate is frozen on this record date: it can no longer change."),
    "ballot": _l("The ballot is on the public board with this setting: it can no longer change."),
    "convocations": _l("The convocations were sent with this place: it can no longer change."),
    "proxies": _l("Members have given proxies under this rule: it can no longer change."),
}

# Why an assembly can no longer be deleted (services.deletion_refusal).
IN_USE_WORDS = {
    "ballot": _l("The ballot of this assembly is on the public board, and members may have received their "
                 "convocation: the assembly can no longer be deleted."),
    "proxies": _l("Members have given proxies for this assembly: it can no longer be deleted."),
    "checkins": _l("Members have been checked in at this assembly: it can no longer be deleted."),
    "minutes": _l("The minutes of this assembly are begun: it can no longer be deleted."),
}

# What the minutes need before they are signed (assemblies.minutes.REQUIRED), said beside each field.
MINUTES_REQUIRED_WORDS = {
    "chair": _l("Say who chaired the meeting."),
    "secretary": _l("Say who kept the minutes."),
}

# How ties between candidates are decided: the assembly form's choices and the audit log's words.
TIE_RULE_WORDS = {"ballot_order": _l("By the order of the ballot"), "lot": _l("By a lot anyone can recompute")}


def _day_and_time(instant) -> dict[str, str]:
    """An instant's day in words and its hour, in Brussels and the reader's language."""
    return {"date": format_day(instant, "long"), "time": time_of_day(instant)}


def _short_notice(exc: errors.ShortNotice) -> str:
    from app.web import format_day

    return str(_l("Convocations must reach members at least %(n)d days before the assembly: the last day to send "
                  "them was %(date)s. If a shorter notice applies (a second assembly, a board decision), confirm "
                  "it and say why.", n=exc.notice_days, date=format_day(exc.last_day, "long")))


def field_errors(exc: Exception) -> dict[str, str]:
    """The sentence for each field of the assembly form a refusal is about (none: it is the form's)."""
    if isinstance(exc, errors.InvalidDates):
        return {name: str(DATE_ORDER_WORDS[name]) for name in exc.fields}
    if isinstance(exc, errors.SettingsLocked):
        return {name: str(LOCK_WORDS[reason]) for name, reason in exc.fields.items()}
    return {}


MESSAGES = {
    CandidaciesUnavailable: _l("Board candidacies are not available in this installation: enter the candidates by hand."),
    CallNotFound: _l("There is no call for candidates with a fixed ballot by that name."),
    errors.DuplicateSlug: _l("An assembly with this short name already exists."),
    errors.InvalidDates: lambda exc: " ".join(field_errors(exc).values()),
    errors.SettingsLocked: lambda exc: " ".join(dict.fromkeys(field_errors(exc).values())),
    errors.AssemblyInUse: lambda exc: IN_USE_WORDS[exc.reason],
    errors.RecordDateToCome: lambda exc: _l("The record date (%(day)s) has not come yet: the electorate is who is in "
                                            "good standing on that day, so it is frozen on that day or after.",
                                            day=format_day(exc.record_date, "long")),
    errors.NoSeats: _l("A board election needs at least one seat, in category A or B."),
    errors.NoSeatInCategory: lambda exc: _l("This election has no seat in category %(c)s: a candidate of it could not "
                                            "be elected.", c=exc.category),
    errors.CandidateTwice: lambda exc: candidate_twice_words(exc.name, exc.gender),
    errors.ItemTwice: lambda exc: _l("“%(title)s” is already on the agenda: an item is listed once.",
                                     title=exc.title),
    errors.AgendaLocked: _l("The ballot is already on the public board: the agenda can no longer change."),
    errors.ElectorateFrozen: _l("The electorate is already frozen. Use a correction instead."),
    errors.ElectorateNotFrozen: _l("Freeze the electorate first."),
    errors.ElectorateSealed: _l("The vote is closed: the electorate can no longer be corrected. The results and the "
                                "minutes keep the figures of the close."),
    errors.EmptyElectorate: _l("No member is in good standing on the record date."),
    errors.NothingToVote: _l("The agenda has nothing to vote on yet."),
    errors.CandidatesMissing: lambda exc: _l("The board election “%(title)s” on the agenda has no candidates yet.",
                                             title=exc.item.text("title", reader_locale().language)),
    errors.NotEnoughScrutineers: _l("Choose the scrutineers, and a number that must decrypt together between one "
                                    "and their number."),
    errors.VoteNotPrepared: _l("The ballot of this assembly is not prepared yet."),
    # Arriving at the door, the member is in front of the staff: what they can do next is said too.
    errors.NotAnElector: _door(_l("This member is not in the electorate of this assembly."), lambda exc, **who: _l(
        "%(name)s (no. %(number)s) is not in the electorate of this assembly. They may attend without voting; if "
        "this is a mistake, the election officer can add them to the electorate (a late correction).", **who)
        if getattr(exc, "arriving", False) else _l("%(name)s (no. %(number)s) is not in the electorate of this "
                                                   "assembly.", **who)),
    errors.UnknownMember: _l("No member has this number."),
    errors.UnknownCode: _l("No member of this assembly has this code: type the member number."),
    errors.UnreadableCode: _l("This is neither a member number nor the code of a convocation: scan the QR code "
                              "again, or type the member number."),
    errors.CodeOfAnotherAssembly: _l("This code comes from the convocation to another assembly: type the member "
                                     "number."),
    errors.CodeReplaced: _l("This code was replaced by a newer link (a lost link or a proxy): type the member "
                            "number."),
    errors.AlreadyElector: _l("This member is already in the electorate."),
    errors.ElectorAsAnotherMembership: lambda exc: str(_l(
        "%(name)s is already in the electorate as member %(number)s, another membership of the same person: one "
        "person, one vote. Remove that membership from the electorate first if this one should vote instead.",
        name=exc.other.name, number=exc.other.number)),
    errors.AlreadyVoted: _door(_l("This member has already voted: their vote stays as it is."), lambda exc, **who: _l(
        "%(name)s (no. %(number)s) has already voted: their vote stays as it is.", **who)),
    errors.AlreadyCheckedIn: _door(_l("This member is already checked in."), lambda exc, **who: _l(
        "%(name)s (no. %(number)s) was already checked in at %(time)s.", time=time_of_day(exc.at), **who)),
    errors.ProxyToSelf: _door(_l("You cannot give your proxy to yourself."),
                              lambda exc, **who: _l("A member cannot hold their own proxy.")),
    errors.NoSuchHolder: _l("No member of this assembly's electorate has this number: check it with the member you "
                            "chose."),
    errors.ProxyDeadlinePassed: lambda exc: _l("Proxies could be given until %(moment)s: the deadline has passed.",
                                               moment=format_moment(exc.deadline, "long")),
    errors.ProxiesOver: _l("The vote is closed: proxies are over, none can be given, withdrawn or declined any "
                           "more."),
    errors.ProxyLimitReached: _door(_l("This member already holds as many proxies as the statutes allow."), lambda exc, **who: _l(
        "%(name)s (no. %(number)s) already holds as many proxies as the statutes allow.", **who)),
    errors.ProxyExists: _door(_l("A proxy already stands for this member."), lambda exc, **who: _l(
        "A proxy already stands for %(name)s (no. %(number)s).", **who)),
    errors.GiverPresent: _door(_l("This member is checked in: present, they vote themselves (a proxy is for a member "
                                  "who is absent)."), lambda exc, **who: _l(
        "%(name)s (no. %(number)s) is checked in: present, they vote themselves (a proxy is for a member who is "
        "absent).", **who)),
    errors.GiverHoldsProxies: _door(_l("This member holds the proxies of other members, so cannot give their own: a "
                                       "proxy is not passed on."), lambda exc, **who: _l(
        "%(name)s (no. %(number)s) holds the proxies of other members, so cannot give their own: a proxy is not "
        "passed on.", **who)),
    errors.HolderRepresented: _door(_l("This member has given their own proxy, so cannot hold another: a proxy is not "
                                       "passed on."), lambda exc, **who: _l(
        "%(name)s (no. %(number)s) has given their own proxy, so cannot hold another: a proxy is not passed on.",
        **who)),
    errors.NoProxy: _l("There is no proxy to withdraw."),
    errors.ProxyEnded: _proxy_ended,
    errors.NoProxyHeld: _l("You hold no such proxy."),
    errors.ResultsNotYetPublic: _l("The results of this assembly are not published yet: they appear here once its "
                                   "vote is closed and counted."),
    errors.MinutesNotPublished: _l("The minutes of this assembly are not published yet: members read them here once "
                                   "they are signed."),
    errors.ProxyUsed: _l("You have voted in their name: the proxy can no longer be declined. The member who gave it "
                         "can still withdraw it and vote themselves."),
    errors.NoCheckIn: _l("This check-in was already taken back."),
    errors.VotingClosed: _l("The vote is closed: no link can be issued any more."),
    errors.ElectorateClosed: _l("The vote is open: no new voter can be added any more."),
    errors.NoEmail: _l("This member has no e-mail address: print a letter instead."),
    errors.VoteNotOpen: _l("The vote is not open: the vote on an item can be opened or closed only while the vote is open."),
    errors.ItemVoteClosed: _l("The vote on this item is already closed."),
    errors.ItemVoteOpen: _l("The vote on this item is already open."),
    errors.ItemVoteNotOpenYet: _l("The vote on this item is not open yet: open it before closing it."),
    errors.NotAVotingItem: _l("There is no vote on this agenda item."),
    errors.MeetingNotBegun: lambda exc: _l("The minutes record a meeting that was held: they can be begun once it "
                                           "begins, on %(when)s.", when=format_moment(exc.starts_at, "long")),
    errors.MinutesSigned: _l("The minutes are signed: they can no longer change."),
    errors.MinutesNotSigned: _l("The minutes are not signed yet: change them in their form."),
    errors.MinutesChanged: _l("The minutes were saved in the meantime (in another tab, or by a colleague): "
                              "nothing of yours is saved yet."),
    errors.ResultsNotPublished: _l("The results of the vote are not published yet: the minutes can be signed once "
                                   "they are, so that they give every outcome."),
    errors.MinutesIncomplete: lambda exc: " ".join(str(MINUTES_REQUIRED_WORDS[name]) for name in exc.fields),
    errors.NotAnItemOfThisAssembly: _l("This item is not on the agenda of this assembly."),
    errors.CheckInNotOpen: lambda exc: _l("Check-in opens on %(date)s at %(time)s.", **_day_and_time(exc.opens_at)),
    errors.CheckInOver: _l("Check-in is over: the day of the meeting has ended, or the vote is closed."),
    errors.ShortNotice: _short_notice,
    errors.NobodyToConvene: lambda exc: ngettext(
        "Every member of the electorate has been sent their convocation (%(num)s member): nobody is left to send "
        "it to.", "Every member of the electorate has been sent their convocation (%(num)s members): nobody is left "
        "to send it to.", exc.convened),
    errors.ShortNoticeReasonMissing: _l("Say why a shorter notice applies: the audit log keeps the reason."),
    errors.VoteOpensLater: lambda exc: _l("Remote voting opens on %(date)s at %(time)s: the vote can be opened from "
                                          "then.", **_day_and_time(exc.opens_at)),
    errors.HeldItemBeforeMeeting: lambda exc: _l("The meeting starts on %(date)s at %(time)s: the vote on an item "
                                                 "held back can be opened from then.", **_day_and_time(exc.starts_at)),
    errors.MeetingNotStarted: lambda exc: _l("The meeting starts on %(date)s at %(time)s: the vote can be closed "
                                             "from then.", **_day_and_time(exc.starts_at)),
    errors.CannotMoveItem: _l("This item cannot move further: it is already at that end of the agenda."),
}


# Words for the audit log (app.audit): every action this package writes, and the objects it audits.
register_action_labels({
    "assemblies.assembly.create": _l("General assembly created"),
    "assemblies.assembly.update": _l("General assembly's settings changed"),
    "assemblies.assembly.delete": _l("General assembly deleted"),
    "assemblies.item.create": _l("Agenda item added"),
    "assemblies.item.delete": _l("Agenda item removed"),
    "assemblies.item.move": _l("Agenda item moved"),
    "assemblies.candidate.create": _l("Candidate added to the ballot"),
    "assemblies.candidate.delete": _l("Candidate removed from the ballot"),
    "assemblies.document.create": _l("Assembly document added"),
    "assemblies.electorate.freeze": _l("Electorate fixed"),
    "assemblies.electorate.add": _l("Member added to the electorate"),
    "assemblies.electorate.remove": _l("Member removed from the electorate"),
    "assemblies.convocation.issue": _l("Convocations sent"),
    "assemblies.convocation.resend": _l("Convocation sent again"),
    "assemblies.convocation.short_notice": _l("Convocations sent at shorter notice"),
    "assemblies.proxy.give": _l("Proxy given"),
    "assemblies.proxy.end": _l("Proxy ended"),
    "assemblies.proxy.decline": _l("Proxy declined by its holder"),
    "assemblies.checkin.create": _l("Arrival recorded at the door"),
    "assemblies.checkin.undo": _l("Arrival at the door taken back (a mistake)"),
    "assemblies.vote.prepare": _l("Assembly vote prepared"),
    "assemblies.vote.open": _l("Assembly vote opened"),
    "assemblies.vote.close": _l("Assembly vote closed"),
    "assemblies.item.close": _l("Vote on an agenda item closed"),
    "assemblies.item.open": _l("Vote on an agenda item opened"),
    "assemblies.minutes.create": _l("Assembly minutes begun"),
    "assemblies.minutes.update": _l("Assembly minutes saved"),
    "assemblies.minutes.sign": _l("Assembly minutes signed"),
    "assemblies.minutes.correct": _l("Correction added after signed assembly minutes"),
})
register_object_labels({
    "assembly_assembly": _l("General assembly"),
    "assembly_item": _l("Agenda item"),
    "assembly_candidate": _l("Candidate on the ballot"),
    "assembly_document": _l("Assembly document"),
    "assembly_proxy": _l("Proxy"),
    "assembly_checkin": _l("Arrival"),
    "assembly_minutes": _l("Minutes of the assembly"),
})

# The kinds of agenda item, for the item form and the audit log.
ITEM_KIND_WORDS = {"information": _l("Information (no vote)"), "resolution": _l("Resolution (yes, no, abstain)"),
                   "board": _l("Board election")}

# The fields the assemblies' audit entries record (app.audit), and the words for their codes.
register_field_labels({
    "assembly": _l("General assembly"), "bytes": _l("Size (bytes)"), "channel": _l("Sent"),
    "giver": _l("Member number of the member represented"), "holder": _l("Member number of the proxy holder"),
    "links_issued": _l("Links issued"), "name": _l("Name"), "position": _l("Position on the agenda"),
    "record_date": _l("Record date"), "source": _l("Proxy given"), "total": _l("Electors"),
    # The assembly's settings (with the words other packages give the same fields) and what its deletion took.
    "title_fr": _l("Title in French"), "title_nl": _l("Title in Dutch"), "title_en": _l("Title in English"),
    "starts_at": _l("Starting time"), "place": _l("Place"), "voting_opens_at": _l("Remote voting opens"),
    "voting_closes_at": _l("Voting closes"), "quorum_percent": _l("Quorum (percentage of the electorate taking part)"),
    "proxy_limit": _l("Proxies one member may hold"), "proxy_deadline": _l("Deadline for proxies"),
    "min_count": _l("Smallest count published (secrecy)"), "tie_rule": _l("How ties between candidates are decided"),
    "items": _l("Agenda items"), "documents": _l("Documents"), "electors": _l("Electors"),
    # The minutes (assemblies.minutes).
    "chair": _l("Chair of the meeting"), "secretary": _l("Secretary of the meeting"), "tellers": _l("Vote tellers"),
    "opening": _l("Opening"), "closing": _l("Closing"), "items_noted": _l("Agenda items with a note"),
    "signed_at": _l("Signed"), "correction": _l("Correction"),
    "last_day": _l("Last day to send the convocations"), "notice_days": _l("Days of notice required"),
})
register_value_words("assembly_assembly", {"channel": {"email": _l("by e-mail"), "letter": _l("by letter")},
                                           "tie_rule": TIE_RULE_WORDS})


def _assembly_titles(slugs) -> dict[str, str]:
    """Assemblies by the short names entries record: their titles in the reader's language."""
    language = reader_locale().language
    slugs = [slug for slug in slugs if isinstance(slug, str)]
    return {assembly.slug: assembly.text("title", language)
            for assembly in db.session.scalars(select(Assembly).where(Assembly.slug.in_(slugs)))} if slugs else {}


def _assembly_election(entry) -> Election | None:
    """The election holding the vote of the assembly (or agenda item) an entry is about."""
    row_id = whole_number(entry.object_id)
    model = {"assembly_assembly": Assembly, "assembly_item": AgendaItem}.get(entry.object_type)
    row = db.session.get(model, row_id) if model is not None and row_id is not None else None
    assembly = row.assembly if isinstance(row, AgendaItem) else row
    return db.session.get(Election, assembly.election_id) if assembly and assembly.election_id else None


register_field_words({"assembly": looked_up(_assembly_titles)})
register_value_words("assembly_assembly", {"contests": contest_words(_assembly_election)})
register_value_words("assembly_item", {"kind": ITEM_KIND_WORDS, "contests": contest_words(_assembly_election)})
register_value_words("assembly_proxy", {"source": {"online": _l("online"), "paper": _l("on paper")}})
register_object_names("assembly_assembly", named_rows(Assembly, lambda assembly, language: assembly.text("title",
                                                                                                      language)))
register_object_names("assembly_item", named_rows(AgendaItem, lambda item, language: item.text("title", language)))
register_object_names("assembly_candidate", named_rows(Candidate, lambda candidate, language: candidate.name))
register_object_names("assembly_proxy", named_rows(Proxy, lambda proxy, language: _(
    "from no. %(giver)s to no. %(holder)s", giver=proxy.giver.number, holder=proxy.holder.number)))
register_object_names("assembly_checkin", named_rows(CheckIn, lambda checkin, language: member_number_and_name(
    checkin.member)))
register_object_names("assembly_minutes", named_rows(
    AssemblyMinutes, lambda minutes, language: minutes.assembly.text("title", language)))
register_object_names("assembly_document", named_rows(
    Document, lambda document, language: document.text("title", language),
    Document.id, Document.title_fr, Document.title_nl, Document.title_en))


def proxy_given_words(member, election) -> str | None:
    """Why the member's own voting link no longer works, when they gave their proxy at this
    election's assembly (voting.texts.why_revoked, on their ballot page)."""
    assembly = db.session.get(Assembly, election.assembly_id) if election.assembly_id else None
    proxy = standing_proxy(assembly, member.id) if assembly is not None else None
    if proxy is None:
        return None
    return _("You gave your proxy to %(name)s, who votes in your name with a link of their own. To vote "
             "yourself, withdraw your proxy on the assembly's page: a new link then comes to you by mail.",
             name=proxy.holder.name)


def proxy_withdrawn_words(member, election, giver_id: int, revoked_at) -> str | None:
    """Why the link ``member`` received for the proxy of the member ``giver_id``, revoked at ``revoked_at``,
    no longer votes, when that member withdrew it (on their page, or at the door) or ``member`` declined it
    (voting.texts.why_held_revoked)."""
    if not election.assembly_id:
        return None
    ended = list(db.session.scalars(select(Proxy).where(
        Proxy.assembly_id == election.assembly_id, Proxy.giver_id == giver_id, Proxy.holder_id == member.id,
        Proxy.ended_at.is_not(None)).order_by(Proxy.ended_at.desc(), Proxy.id.desc())))
    # The proxy this link was issued for: the one that ended when the link was revoked (the same
    # transaction), not a later one between the same two members.
    proxy = min(ended, key=lambda p: abs(p.ended_at - revoked_at)) if ended and revoked_at else \
        (ended[0] if ended else None)
    if proxy is None or standing_proxy(db.session.get(Assembly, election.assembly_id), giver_id) is not None:
        return None  # none ended, or the giver gave a proxy again since: the link was replaced
    if proxy.ended_how is ProxyEnding.DECLINED:
        return _("You declined the proxy of %(name)s on %(when)s: this link no longer votes in their name, and they "
                 "vote themselves. To vote for yourself, use the link of your own convocation.",
                 name=proxy.giver.name, when=format_moment(proxy.ended_at, "long"))
    return _("%(name)s, who gave you their proxy, withdrew it on %(when)s: this link no longer votes in their name, "
             "and they vote themselves. A ballot you cast with it no longer counts for the items whose vote was "
             "still open then. To vote for yourself, use the link of your own convocation; if you think this is a "
             "mistake, ask %(name)s.", name=proxy.giver.name, when=format_moment(proxy.ended_at, "long"))


def no_email_words(giver) -> str:
    """Said to staff who withdraw the proxy of a member without an e-mail address: no mail reaches them."""
    return _("%(giver)s has no e-mail address: tell them yourself that their proxy is withdrawn. To vote, they need "
             "a voting link on paper, which an election officer prints (Roll and convocations, New link).",
             giver=giver.name)


def door_withdrawal_words(proxy: Proxy, link_sent: bool) -> str:
    """What withdrawing ``proxy`` at the door does, said in its confirmation: to the holder's link and the
    giver's (``link_sent``: the giver's convocation went out, to the holder), and what staff tell a giver
    without an e-mail address."""
    giver, holder, email = proxy.giver.name, proxy.holder.name, proxy.giver.email
    if link_sent and email:
        return _("%(giver)s votes themselves again: the link sent to %(holder)s stops working and %(giver)s "
                 "receives a new one by e-mail.", giver=giver, holder=holder)
    if email:
        return _("%(giver)s votes themselves again: the convocation, with their voting link, will go to them and "
                 "not to %(holder)s.", giver=giver, holder=holder)
    if link_sent:
        said = _("%(giver)s votes themselves again: the link sent to %(holder)s stops working.", giver=giver,
                 holder=holder)
    else:
        said = _("%(giver)s votes themselves again: %(holder)s will not receive their voting link.", giver=giver,
                 holder=holder)
    return f"{said} {no_email_words(proxy.giver)}"
