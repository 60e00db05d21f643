"""Encrypted, proven and signed ballots."""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Mapping

from voting.crypto.errors import CodedError

from .credential import credential_private_key, ed25519_verify, public_key_hex
from .election import Contest, Election
from .encoding import canonical_json, is_hex
from .group import IDENTITY, Element, GroupError, sum_elements
from .proofs import Rng, encrypt, prove_disjunctive, random_scalar, verify_disjunctive

CHOICE_DOMAIN = "unevoix/v1/choice-proof"
CONTEST_DOMAIN = "unevoix/v1/contest-proof"
SIGNATURE_PREFIX = b"unevoix/v1/ballot\x00"


class InvalidBallot(CodedError):
    """A ballot fails a check; ``code`` is a stable reason code."""


def _choice_stmt(fp: str, cred: str, contest: str, choice: str, y: str, alpha: str, beta: str) -> dict[str, Any]:
    return {
        "domain": CHOICE_DOMAIN,
        "election": fp,
        "credential": cred,
        "contest": contest,
        "choice": choice,
        "public_key": y,
        "alpha": alpha,
        "beta": beta,
        "values": [0, 1],
    }


def _contest_stmt(fp: str, cred: str, contest: Contest, y: str, alpha: str, beta: str) -> dict[str, Any]:
    return {
        "domain": CONTEST_DOMAIN,
        "election": fp,
        "credential": cred,
        "contest": contest.id,
        "choices": list(contest.choices),
        "public_key": y,
        "alpha": alpha,
        "beta": beta,
        "values": list(range(contest.min, contest.max + 1)),
    }


def unsigned_ballot_hash(ballot: Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical JSON of the ballot without its ``signature``."""
    return hashlib.sha256(canonical_json({k: v for k, v in ballot.items() if k != "signature"})).digest()


def ballot_tracker(ballot: Mapping[str, Any]) -> str:
    """The tracker shown to the voter: SHA-256 (hex) of the canonical signed ballot."""
    return hashlib.sha256(canonical_json(dict(ballot))).hexdigest()


def encrypt_ballot(
    election: Election,
    public_key: Element | str,
    credential: str,
    selections: Mapping[str, Iterable[str]],
    rng: Rng | None = None,
) -> dict[str, Any]:
    """Encrypt, prove and sign a ballot.

    ``selections`` maps contest id to the chosen choice ids (omitted contest =
    blank). Raises ``InvalidBallot("selection", ...)`` if a contest's selection
    count lies outside [min, max]: such a ballot is not provable.
    """
    draw = rng or random_scalar
    y = public_key if isinstance(public_key, Element) else Element.from_hex(public_key)
    y_hex = y.hex()
    key = credential_private_key(credential)
    cred = public_key_hex(key)
    fp = election.fingerprint
    unknown = set(selections) - {c.id for c in election.contests}
    if unknown:
        raise InvalidBallot("selection", f"unknown contest {sorted(unknown)[0]}")
    contests_out = []
    for contest in election.contests:
        chosen = set(selections.get(contest.id, ()))
        if chosen - set(contest.choices):
            raise InvalidBallot("selection", f"unknown choice in contest {contest.id}")
        if not contest.min <= len(chosen) <= contest.max:
            raise InvalidBallot("selection", f"contest {contest.id}: {len(chosen)} selections, allowed {contest.min}..{contest.max}")
        choices_out = []
        alphas, betas, r_total = [], [], 0
        for choice in contest.choices:
            v = 1 if choice in chosen else 0
            r = draw()
            alpha, beta = encrypt(y, v, r)
            a_hex, b_hex = alpha.hex(), beta.hex()
            stmt = _choice_stmt(fp, cred, contest.id, choice, y_hex, a_hex, b_hex)
            proof = prove_disjunctive(stmt, y, alpha, beta, [0, 1], v, r, draw)
            choices_out.append({"id": choice, "alpha": a_hex, "beta": b_hex, "proof": proof})
            alphas.append(alpha)
            betas.append(beta)
            r_total += r
        big_a, big_b = sum_elements(alphas), sum_elements(betas)
        stmt = _contest_stmt(fp, cred, contest, y_hex, big_a.hex(), big_b.hex())
        values = list(range(contest.min, contest.max + 1))
        proof = prove_disjunctive(stmt, y, big_a, big_b, values, len(chosen), r_total, draw)
        contests_out.append({"id": contest.id, "choices": choices_out, "proof": proof})
    ballot: dict[str, Any] = {"election": fp, "credential": cred, "contests": contests_out}
    ballot["signature"] = key.sign(SIGNATURE_PREFIX + unsigned_ballot_hash(ballot)).hex()
    return ballot


def check_ballot_shape(election: Election, ballot: Any) -> None:
    """Structure, fingerprint and identifiers, without any cryptography."""
    if not isinstance(ballot, dict) or set(ballot) != {"election", "credential", "contests", "signature"}:
        raise InvalidBallot("ballot_format", "a ballot has exactly election, credential, contests, signature")
    if ballot["election"] != election.fingerprint:
        raise InvalidBallot("wrong_election", "the ballot is for another election fingerprint")
    if not is_hex(ballot["credential"], 64) or not is_hex(ballot["signature"], 128):
        raise InvalidBallot("ballot_format", "credential or signature is not lowercase hex of the right length")
    contests = ballot["contests"]
    if not isinstance(contests, list) or len(contests) != len(election.contests):
        raise InvalidBallot("ballot_format", "the ballot must answer every contest, in order")
    for c_json, contest in zip(contests, election.contests):
        if not isinstance(c_json, dict) or set(c_json) != {"id", "choices", "proof"} or c_json["id"] != contest.id:
            raise InvalidBallot("ballot_format", f"contest {contest.id} malformed or out of order")
        chs = c_json["choices"]
        if not isinstance(chs, list) or len(chs) != len(contest.choices):
            raise InvalidBallot("ballot_format", f"contest {contest.id}: every choice, in order")
        for ch_json, choice in zip(chs, contest.choices):
            if not isinstance(ch_json, dict) or set(ch_json) != {"id", "alpha", "beta", "proof"} or ch_json["id"] != choice:
                raise InvalidBallot("ballot_format", f"contest {contest.id}: choice {choice} malformed or out of order")


def verify_ballot_signature(ballot: Mapping[str, Any]) -> None:
    if not ed25519_verify(ballot["credential"], ballot["signature"], SIGNATURE_PREFIX + unsigned_ballot_hash(ballot)):
        raise InvalidBallot("ballot_signature", "the signature does not match the ballot and its credential")


def parse_ciphertexts(election: Election, ballot: Mapping[str, Any]) -> list[list[tuple[Element, Element]]]:
    """Validated (alpha, beta) per contest and choice; neither may be the identity."""
    out = []
    try:
        for c_json in ballot["contests"]:
            out.append([
                (Element.from_hex(ch["alpha"]), Element.from_hex(ch["beta"])) for ch in c_json["choices"]
            ])
    except GroupError as exc:
        raise InvalidBallot("invalid_element", str(exc)) from exc
    return out


def verify_ballot_proofs(
    election: Election, y: Element, ballot: Mapping[str, Any], cts: list[list[tuple[Element, Element]]] | None = None
) -> None:
    fp, cred, y_hex = election.fingerprint, ballot["credential"], y.hex()
    cts = cts if cts is not None else parse_ciphertexts(election, ballot)
    for contest, c_json, pairs in zip(election.contests, ballot["contests"], cts):
        for choice, ch_json, (alpha, beta) in zip(contest.choices, c_json["choices"], pairs):
            stmt = _choice_stmt(fp, cred, contest.id, choice, y_hex, ch_json["alpha"], ch_json["beta"])
            if not verify_disjunctive(stmt, y, alpha, beta, [0, 1], ch_json["proof"]):
                raise InvalidBallot("choice_proof", f"contest {contest.id}, choice {choice}: the 0/1 proof fails")
        big_a = sum_elements(a for a, _ in pairs)
        big_b = sum_elements(b for _, b in pairs)
        stmt = _contest_stmt(fp, cred, contest, y_hex, big_a.hex(), big_b.hex())
        values = list(range(contest.min, contest.max + 1))
        if not verify_disjunctive(stmt, y, big_a, big_b, values, c_json["proof"]):
            raise InvalidBallot("contest_proof", f"contest {contest.id}: the selection-count proof fails")


def verify_ballot(
    election: Election,
    public_key: Element | str,
    ballot: Any,
    credential_public: str | None = None,
) -> None:
    """Check everything about one ballot; raise :class:`InvalidBallot` with a reason code.

    Codes: ballot_format, wrong_election, wrong_credential, ballot_signature,
    invalid_element, choice_proof, contest_proof. Whether the credential is on
    the list and the ballot is not a copy is the record's business.
    """
    y = public_key if isinstance(public_key, Element) else Element.from_hex(public_key)
    check_ballot_shape(election, ballot)
    if credential_public is not None and ballot["credential"] != credential_public:
        raise InvalidBallot("wrong_credential", "the ballot is signed by another credential")
    verify_ballot_signature(ballot)
    verify_ballot_proofs(election, y, ballot)


def ballot_alphas(ballot: Mapping[str, Any]) -> list[str]:
    """Every alpha (hex) of a well-formed ballot, for the copy check."""
    return [ch["alpha"] for c in ballot["contests"] for ch in c["choices"]]


__all__ = [
    "IDENTITY",
    "InvalidBallot",
    "ballot_alphas",
    "ballot_tracker",
    "check_ballot_shape",
    "encrypt_ballot",
    "parse_ciphertexts",
    "unsigned_ballot_hash",
    "verify_ballot",
    "verify_ballot_proofs",
    "verify_ballot_signature",
]
