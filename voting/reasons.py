"""One plain sentence per refusal code of the voting core: what is wrong, in words.

Every :class:`voting.crypto.errors.CodedError` (RecordError, TrusteeError, InvalidBallot,
TallyError) carries a stable machine ``code`` and an English technical ``message``. The command-line
tools (``python -m voting.verify``, ``python -m voting.trustee``) show the sentence below in the
user's language, then the technical detail, labelled; ``--json`` keeps the code.
tests/voting/test_cli_language.py reads every code raised in voting/ from the source and fails on one
without a sentence here.

Flask-free (the verifier's zipapp carries this module). The web pages word the same codes through
their own classes (voting/errors.py, voting/views.py MESSAGES): those sentences speak to the person
acting now ("The ballot box is closed: no more ballots are accepted."), these describe a record
someone checks afterwards ("A ballot was placed after the ballot box closed.").
"""
from __future__ import annotations



def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark for extraction only")
    """Marks a message for extraction (``make translations-update``); it is translated where shown."""
    return message

SENTENCES: dict[str, str] = {
    # -- the document and its chain of events
    "unreadable": N_("The record cannot be read: the file is missing, cut short or not valid JSON."),
    "record_format": N_("This file is not a Une Voix election record of this version."),
    "incomplete": N_("The record stops before the result."),
    "event_format": N_("An event of the record is not in the expected form."),
    "sequence": N_("The events are not numbered one after the other: an event was removed, added or moved."),
    "hash_link": N_("The chain of events is broken: an event does not point to the one before it, so an event "
                    "was removed, inserted or changed."),
    "event_hash": N_("An event was changed after it was written: its content no longer matches its hash."),
    "order": N_("An event comes at a point of the election where it is not allowed (too early, too late or twice)."),
    "wrong_election": N_("Data made for another election was found (its election fingerprint differs)."),
    # -- the scrutineers and the election key
    "duplicate_trustee": N_("A scrutineer published the same step twice."),
    "trustee_format": N_("A scrutineer's published data is not in the expected form."),
    "trustee_signature": N_("A scrutineer's signature does not match the data published in their name."),
    "trustee_proof": N_("A scrutineer's proof that they know their secret key does not hold."),
    "trustee_share": N_("A scrutineer's public key share does not follow from the key commitments on the record."),
    "unknown_trustee": N_("Data is signed in the name of someone who is not a scrutineer of this election."),
    "missing_trustee": N_("Not every scrutineer has published their key commitments yet."),
    "share_decryption": N_("A key share dealt to a scrutineer cannot be decrypted with that scrutineer's key."),
    "share_invalid": N_("A key share dealt by a scrutineer does not match that scrutineer's commitments."),
    "share_ephemeral": N_("An encrypted key share is not made with a valid encryption key."),
    "state_mismatch": N_("A private file given does not belong to this election or to this scrutineer."),
    "complaint_unfounded": N_("A scrutineer's complaint proves nothing against the scrutineer it names."),
    "election_key": N_("The election key is not the one the scrutineers' commitments make, or it hides nothing."),
    # -- voters and their credentials
    "credential_format": N_("The list of voting credentials is not in the expected form."),
    "credential_duplicate": N_("A voting credential is listed twice."),
    "voter_duplicate": N_("A voter holds more than one valid voting credential."),
    "credential_after_open": N_("A voting credential was added after the opening without replacing a revoked one."),
    "open_count": N_("The electorate announced does not match the list of voting credentials."),
    "revocation": N_("A voting credential is revoked twice."),
    "unknown_credential": N_("A ballot or a revocation names a voting credential that is not on the list."),
    "revoked_credential": N_("A ballot is signed with a voting credential that was revoked."),
    # -- ballots
    "ballot_before_open": N_("A ballot was placed before the ballot box opened."),
    "ballot_after_close": N_("A ballot was placed after the ballot box closed."),
    "ballot_format": N_("A ballot is not in the expected form."),
    "selection": N_("A ballot's choices break the rules of a question (an unknown choice, or too many or too few)."),
    "ballot_signature": N_("A ballot's signature does not match the ballot and its voting credential: the ballot "
                           "was changed or forged."),
    "wrong_credential": N_("A ballot is signed by another voting credential than the one it names."),
    "invalid_element": N_("A ballot or a published value holds a number that is not a valid encryption value."),
    "choice_proof": N_("A ballot's proof that each choice is a 0 or a 1 does not hold: it could count several votes."),
    "contest_proof": N_("A ballot's proof that it makes an allowed number of choices does not hold."),
    "ciphertext_reused": N_("A ballot reuses an encrypted choice that is already in it or in an earlier ballot of "
                            "the same voter."),
    "ballot_copied": N_("A ballot copies an encrypted choice from another voter's ballot."),
    "duplicate_ballot": N_("The same ballot is on the board twice."),
    "tracker": N_("A ballot's tracker does not match the ballot."),
    "supersession": N_("A new ballot does not name the earlier ballot of the same voter that it replaces."),
    # -- agenda items, close and seal
    "item_hold": N_("The agenda items held back at the opening are not named correctly."),
    "item_open": N_("An agenda item is opened that was not held back, or that is already open."),
    "item_close": N_("The close of an agenda item names its questions wrongly (unknown, already closed or not "
                     "open yet)."),
    "close_count": N_("A close of the ballot box or of an agenda item states other figures than the ballots on "
                      "the board."),
    "seal": N_("A scrutineer's seal does not match the closed ballot box (its count or its last event)."),
    "not_enough_seals": N_("Not enough scrutineers signed the seal of the closed ballot box."),
    # -- tally, decryption, result
    "tally_sum": N_("The encrypted tally is not the sum of the counted ballots."),
    "tally_count": N_("The tally counts other ballots than the last ballot of each voter."),
    "tally_decrypt": N_("The tally asks to decrypt other totals than the minimum count allows."),
    "decryption_format": N_("A scrutineer's partial decryption is not in the expected form, or is for another "
                            "tally."),
    "decryption_share": N_("A scrutineer's partial decryption uses another key share than the one from key "
                           "generation."),
    "decryption_proof": N_("A scrutineer's proof that they decrypted correctly does not hold."),
    "duplicate_decryption": N_("A scrutineer decrypted the tally twice."),
    "not_enough_trustees": N_("Fewer scrutineers decrypted the tally than the number needed."),
    "decryption_out_of_range": N_("A decrypted total is larger than the electorate: the decryption is wrong."),
    "result_count": N_("The figures of the published result differ from the decrypted tally."),
    "result_outcome": N_("The declared outcome of a question does not follow from its counts."),
    "result_seats": N_("The declared winners of a board election do not follow from the counts."),
    # -- the scrutineer tool's own refusal (the reason follows it)
    "refused": N_("The scrutineer tool refuses this step."),
}

UNKNOWN = N_("The check failed for a reason this version does not describe.")


def sentence(code: str) -> str:
    """The English sentence (a catalogue message id) for ``code``."""
    return SENTENCES.get(code, UNKNOWN)
