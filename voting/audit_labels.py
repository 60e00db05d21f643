"""Words for the audit log: every action the voting package writes, and the objects it audits.

Imported by ``voting.init_app`` only (the verifier and the trustee tools never import it)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import (looked_up, named_rows, register_action_labels, register_field_labels, register_field_words,
                       register_object_labels, register_object_names, register_value_words)
from app.extensions import db
from app.web import reader_locale, whole_number
from voting.models import Election, Trustee
from voting.texts import STATE_WORDS, contest_title, election_title, trustee_names

# voting.item.close: written once the vote can be closed item by item (issue 13).
register_action_labels({
    "voting.election.create": _l("Election created"),
    "voting.definition.publish": _l("Election definition published on the board"),
    "voting.trustee.register_keys": _l("Scrutineer's keys registered"),
    "voting.trustee.commit": _l("Scrutineer's key generation, first step"),
    "voting.trustee.share": _l("Scrutineer's key generation, second step"),
    "voting.trustee.complain": _l("Scrutineer's complaint against another's share"),
    "voting.election.key": _l("Election key published"),
    "voting.credentials.publish": _l("Voting credentials published"),
    "voting.electorate.add": _l("Voters added while the vote is open"),
    "voting.credential.revoke": _l("Voting credential revoked"),
    "voting.credential.reissue": _l("Voting credential issued again"),
    "voting.election.open": _l("Ballot box opened"),
    "voting.election.close": _l("Ballot box closed"),
    "voting.item.close": _l("Vote on an item closed"),
    "voting.item.open": _l("Vote on an item opened"),
    "voting.seal.sign": _l("Closed board sealed by a scrutineer"),
    "voting.tally.compute": _l("Encrypted tally computed"),
    "voting.decryption.publish": _l("Scrutineer's partial decryption published"),
    "voting.result.publish": _l("Election result published"),
})
register_object_labels({
    "voting_election": _l("Election"),
    "voting_trustee": _l("Scrutineer"),
})

# The fields its audit entries record, and the words for their codes.
register_field_labels({
    "ballots": _l("Ballots on the board"), "credential": _l("Voting credential"),
    "dealer": _l("Scrutineer complained about"), "decrypt": _l("Counts to decrypt"),
    "fingerprint": _l("Fingerprint of the definition"), "head": _l("Head of the board"), "public_key": _l("Election key"),
    "require_login": _l("Sign-in required"), "state": _l("State"), "trustee": _l("Scrutineer"),
    "trustees": _l("Scrutineers"),
})
register_value_words("voting_election", {
    "state": STATE_WORDS, "decrypt": {"total": _l("all voters"), "A": _l("Category A"), "B": _l("Category B")}})
register_object_names("voting_election", named_rows(Election, election_title))
register_object_names("voting_trustee", named_rows(Trustee, lambda trustee, language: trustee.name))


def _elections_named(slugs) -> dict[str, str]:
    """Elections by their short names (a scrutineer's entry, an assembly's, a call's record one): their titles."""
    language = reader_locale().language
    slugs = [slug for slug in slugs if isinstance(slug, str)]
    return {election.slug: election_title(election, language)
            for election in db.session.scalars(select(Election).where(Election.slug.in_(slugs)))} if slugs else {}


def _entry_election(entry) -> Election | None:
    """The election an entry of the voting package is about: the election itself, or a scrutineer's."""
    row_id = whole_number(entry.object_id)
    if row_id is None:
        return None
    if entry.object_type == "voting_election":
        return db.session.get(Election, row_id)
    trustee = db.session.get(Trustee, row_id) if entry.object_type == "voting_trustee" else None
    return trustee.election if trustee is not None else None


def _codes_named(value, names: dict[str, str]) -> str:
    """One code or a list of codes, each by its name (a code the election does not know stays as it is)."""
    codes = value if isinstance(value, list) else [value]
    return ", ".join(names.get(code, str(code)) if isinstance(code, str) else str(code) for code in codes)


def scrutineer_words(election_of):
    """Audit words for a field holding scrutineers' codes ("t1"): their names in the election that
    ``election_of(entry)`` finds."""
    def words(value, entry) -> str:
        election = election_of(entry)
        names = trustee_names(election.definition, reader_locale().language) if election is not None else {}
        return _codes_named(value, names)
    return words


def contest_words(election_of):
    """Audit words for a field holding contests' codes ("item2", "board-a"): their titles in the
    election that ``election_of(entry)`` finds."""
    def words(value, entry) -> str:
        election = election_of(entry)
        if election is None:
            return _codes_named(value, {})
        language = reader_locale().language
        return _codes_named(value, {contest["id"]: contest_title(election.definition, contest["id"], language)
                                    for contest in election.definition.get("contests", [])})
    return words


_SCRUTINEERS = scrutineer_words(_entry_election)
_ELECTION_NAMED = looked_up(_elections_named)
register_field_words({"election": _ELECTION_NAMED, "election_slug": _ELECTION_NAMED})
register_value_words("voting_election", {"trustee": _SCRUTINEERS, "dealer": _SCRUTINEERS, "trustees": _SCRUTINEERS,
                                         "contests": contest_words(_entry_election)})
register_value_words("voting_trustee", {"trustee": _SCRUTINEERS})
