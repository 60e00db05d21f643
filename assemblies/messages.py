"""What each refusal means, in the reader's language (services never word errors)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.audit import (named_rows, register_action_labels, register_field_labels, register_object_labels,
                       register_object_names, register_value_words)
from assemblies import errors
from assemblies.models import AgendaItem, Assembly, Candidate, CheckIn, Document, Proxy
from shares.labels import member_number_and_name

from assemblies.candidates_adapter import CallNotFound, CandidaciesUnavailable

# Which rule of the assembly's dates a form broke, said beside its field.
DATE_ORDER_WORDS = {
    "slug": _l("Use lowercase letters, digits and dashes."),
    "voting_closes_at": _l("The vote must close after it opens."),
    "record_date": _l("The record date cannot come after the day of the assembly."),
    "proxy_deadline": _l("The deadline for proxies cannot come after the vote closes."),
}

MESSAGES = {
    CandidaciesUnavailable: _l("Board candidacies are not available in this installation: enter the candidates by hand."),
    CallNotFound: _l("There is no call for candidates with a fixed ballot by that name."),
    errors.DuplicateSlug: _l("An assembly with this short name already exists."),
    errors.InvalidDates: lambda exc: DATE_ORDER_WORDS[exc.field],
    errors.AgendaLocked: _l("The ballot is already on the public board: the agenda can no longer change."),
    errors.ElectorateFrozen: _l("The electorate is already frozen. Use a correction instead."),
    errors.ElectorateNotFrozen: _l("Freeze the electorate first."),
    errors.EmptyElectorate: _l("No member is in good standing on the record date."),
    errors.NothingToVote: _l("The agenda has nothing to vote on yet."),
    errors.CandidatesMissing: _l("A board election on the agenda has no candidates yet."),
    errors.NotEnoughScrutineers: _l("Choose the scrutineers, and a number that must decrypt together between one "
                                    "and their number."),
    errors.VoteNotPrepared: _l("The ballot of this assembly is not prepared yet."),
    errors.NotAnElector: _l("This member is not in the electorate of this assembly."),
    errors.UnknownMember: _l("No member has this number."),
    errors.UnknownCode: _l("No member of this assembly has this code: type the member number."),
    errors.UnreadableCode: _l("This is neither a member number nor the code of a convocation: scan the QR code "
                              "again, or type the member number."),
    errors.CodeOfAnotherAssembly: _l("This code comes from the convocation to another assembly: type the member "
                                     "number."),
    errors.CodeReplaced: _l("This code was replaced by a newer link (a lost link or a proxy): type the member "
                            "number."),
    errors.AlreadyElector: _l("This member is already in the electorate."),
    errors.AlreadyVoted: _l("This member has already voted: their vote stays as it is."),
    errors.AlreadyCheckedIn: _l("This member is already checked in."),
    errors.ProxyToSelf: _l("A member cannot hold their own proxy."),
    errors.ProxyDeadlinePassed: _l("The deadline for proxies has passed."),
    errors.ProxyLimitReached: _l("This member already holds as many proxies as the statutes allow."),
    errors.ProxyExists: _l("A proxy already stands for this member."),
    errors.NoProxy: _l("There is no proxy to withdraw."),
    errors.VotingClosed: _l("The vote is closed: no link can be issued any more."),
    errors.ElectorateClosed: _l("The vote is open: no new voter can be added any more."),
    errors.NoEmail: _l("This member has no e-mail address: print a letter instead."),
    errors.VoteNotOpen: _l("The vote is not open: the vote on an item can be opened or closed only while the vote is open."),
    errors.ItemVoteClosed: _l("The vote on this item is already closed."),
    errors.ItemVoteOpen: _l("The vote on this item is already open."),
    errors.ItemVoteNotOpenYet: _l("The vote on this item is not open yet: open it before closing it."),
    errors.NotAVotingItem: _l("There is no vote on this agenda item."),
}


# Words for the audit log (app.audit): every action this package writes, and the objects it audits.
register_action_labels({
    "assemblies.assembly.create": _l("General assembly created"),
    "assemblies.item.create": _l("Agenda item added"),
    "assemblies.item.delete": _l("Agenda item removed"),
    "assemblies.candidate.create": _l("Candidate added to the ballot"),
    "assemblies.document.create": _l("Assembly document added"),
    "assemblies.electorate.freeze": _l("Electorate fixed"),
    "assemblies.electorate.add": _l("Member added to the electorate"),
    "assemblies.electorate.remove": _l("Member removed from the electorate"),
    "assemblies.convocation.issue": _l("Convocations sent"),
    "assemblies.convocation.resend": _l("Convocation sent again"),
    "assemblies.proxy.give": _l("Proxy given"),
    "assemblies.proxy.end": _l("Proxy ended"),
    "assemblies.checkin.create": _l("Arrival recorded at the door"),
    "assemblies.vote.prepare": _l("Assembly vote prepared"),
    "assemblies.vote.open": _l("Assembly vote opened"),
    "assemblies.vote.close": _l("Assembly vote closed"),
    "assemblies.item.close": _l("Vote on an agenda item closed"),
    "assemblies.item.open": _l("Vote on an agenda item opened"),
})
register_object_labels({
    "assembly_assembly": _l("General assembly"),
    "assembly_item": _l("Agenda item"),
    "assembly_candidate": _l("Candidate on the ballot"),
    "assembly_document": _l("Assembly document"),
    "assembly_proxy": _l("Proxy"),
    "assembly_checkin": _l("Arrival"),
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
})
register_value_words("assembly_assembly", {"channel": {"email": _l("by e-mail"), "letter": _l("by letter")}})
register_value_words("assembly_item", {"kind": ITEM_KIND_WORDS})
register_value_words("assembly_proxy", {"source": {"online": _l("online"), "paper": _l("on paper")}})
register_object_names("assembly_assembly", named_rows(Assembly, lambda assembly, language: assembly.text("title",
                                                                                                      language)))
register_object_names("assembly_item", named_rows(AgendaItem, lambda item, language: item.text("title", language)))
register_object_names("assembly_candidate", named_rows(Candidate, lambda candidate, language: candidate.name))
register_object_names("assembly_proxy", named_rows(Proxy, lambda proxy, language: _(
    "from no. %(giver)s to no. %(holder)s", giver=proxy.giver.number, holder=proxy.holder.number)))
register_object_names("assembly_checkin", named_rows(CheckIn, lambda checkin, language: member_number_and_name(
    checkin.member)))
register_object_names("assembly_document", named_rows(
    Document, lambda document, language: document.text("title", language),
    Document.id, Document.title_fr, Document.title_nl, Document.title_en))
