"""The verifiable-ballot core: pure functions, no Flask, no database (see docs/election-record.md)."""

from voting.crypto.ballot import InvalidBallot, ballot_tracker, encrypt_ballot, verify_ballot
from voting.crypto.credential import (
    CredentialError,
    credential_public,
    generate_credential,
    normalize_credential,
)
from voting.crypto.election import Contest, DefinitionError, Election, TrusteeInfo
from voting.crypto.group import IDENTITY_HEX, Element, GroupError
from voting.crypto.proofs import deterministic_rng

__all__ = [
    "Contest",
    "CredentialError",
    "DefinitionError",
    "Election",
    "Element",
    "GroupError",
    "IDENTITY_HEX",
    "InvalidBallot",
    "TrusteeInfo",
    "ballot_tracker",
    "credential_public",
    "deterministic_rng",
    "encrypt_ballot",
    "generate_credential",
    "normalize_credential",
    "verify_ballot",
]
