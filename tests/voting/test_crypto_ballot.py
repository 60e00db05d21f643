"""ElGamal, the 0/1 and range proofs, credentials and whole ballots."""

from __future__ import annotations

import copy
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.crypto.ballot import (
    SIGNATURE_PREFIX,
    InvalidBallot,
    ballot_tracker,
    encrypt_ballot,
    unsigned_ballot_hash,
    verify_ballot,
)
from voting.crypto.credential import (
    CredentialError,
    credential_private_key,
    credential_public,
    generate_credential,
    normalize_credential,
    public_key_hex,
)
from voting.crypto.election import Contest, DefinitionError, Election, TrusteeInfo
from voting.crypto.group import GENERATOR, IDENTITY, ORDER, Element, base_mul, scalar_hex
from voting.crypto.proofs import (
    challenge,
    deterministic_rng,
    encrypt,
    prove_disjunctive,
    verify_disjunctive,
)

pytestmark = pytest.mark.no_db

SECRET = 0xC0FFEE1234567
Y = base_mul(SECRET)
TRUSTEES = (TrusteeInfo("t1", "One", "11" * 32, "22" * 32),)


def small_election(election_id: str = "e1", twin: bool = False) -> Election:
    contests = [
        Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
        Contest("board-a", "board", ("a1", "a2", "a3", "a4"), 0, 2, category="A", seats=2),
    ]
    if twin:
        contests.append(Contest("board-a2", "board", ("a1", "a2", "a3", "a4"), 0, 2, category="A", seats=2))
    return Election(election_id, "Test", tuple(contests), TRUSTEES, 1)


CRED = generate_credential(bytes(range(13)))
CRED2 = generate_credential(bytes(range(1, 14)))


def decrypt(alpha: Element, beta: Element) -> Element:
    return beta - alpha * SECRET


def resign(ballot: dict[str, Any], credential: str) -> dict[str, Any]:
    key = credential_private_key(credential)
    out = {k: v for k, v in ballot.items() if k != "signature"}
    out["credential"] = public_key_hex(key)
    out["signature"] = key.sign(SIGNATURE_PREFIX + unsigned_ballot_hash(out)).hex()
    return out


# -- ElGamal -------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(v1=st.integers(0, 1), v2=st.integers(0, 1), r1=st.integers(1, ORDER - 1), r2=st.integers(1, ORDER - 1))
def test_exponential_elgamal_is_homomorphic(v1: int, v2: int, r1: int, r2: int) -> None:
    a1, b1 = encrypt(Y, v1, r1)
    a2, b2 = encrypt(Y, v2, r2)
    assert decrypt(a1, b1) == base_mul(v1)
    assert decrypt(a1 + a2, b1 + b2) == base_mul(v1 + v2)


def test_zero_votes_sum_to_identity_plaintext() -> None:
    a, b = encrypt(Y, 0, 5)
    assert decrypt(a, b).is_identity


# -- disjunctive proofs ------------------------------------------------------------

STMT = {"domain": "unevoix/v1/test", "election": "e", "credential": "c"}


@settings(max_examples=25, deadline=None)
@given(lo=st.integers(0, 3), width=st.integers(0, 4), data=st.data())
def test_honest_range_proofs_verify_and_out_of_range_is_unprovable(lo: int, width: int, data: st.DataObject) -> None:
    values = list(range(lo, lo + width + 1))
    v = data.draw(st.sampled_from(values))
    r = data.draw(st.integers(1, ORDER - 1))
    a, b = encrypt(Y, v, r)
    stmt = dict(STMT, alpha=a.hex(), beta=b.hex(), values=values)
    proof = prove_disjunctive(stmt, Y, a, b, values, v, r, deterministic_rng(b"t"))
    assert verify_disjunctive(stmt, Y, a, b, values, proof)
    # The same proof claims nothing about another ciphertext or range.
    a2, b2 = encrypt(Y, v, r + 1)
    assert not verify_disjunctive(stmt, Y, a2, b2, values, proof)
    if width:
        assert not verify_disjunctive(stmt, Y, a, b, values[:-1], proof[:-1])
    with pytest.raises(ValueError):
        prove_disjunctive(stmt, Y, a, b, values, lo + width + 1, r, deterministic_rng(b"t"))


def test_value_outside_range_cannot_be_proven_by_lying_about_it() -> None:
    """Encrypt 2, claim it is 0 or 1 with the witness for 1: the proof must fail."""
    r = 12345
    a, b = encrypt(Y, 2, r)
    stmt = dict(STMT, alpha=a.hex(), beta=b.hex(), values=[0, 1])
    for claimed in (0, 1):
        proof = prove_disjunctive(stmt, Y, a, b, [0, 1], claimed, r, deterministic_rng(b"x"))
        assert not verify_disjunctive(stmt, Y, a, b, [0, 1], proof)


def test_challenge_hashes_the_whole_statement() -> None:
    base = dict(STMT, alpha=GENERATOR.hex(), commitments=[[GENERATOR.hex(), IDENTITY.hex()]])
    c0 = challenge(base)
    for key in base:
        changed = dict(base)
        changed[key] = "x" if isinstance(base[key], str) else [["y"]]
        assert challenge(changed) != c0, key


# -- credentials -----------------------------------------------------------------

def test_credential_format_and_derivation() -> None:
    cred = generate_credential()
    groups = cred.split("-")
    assert len(groups) == 4 and all(len(g) == 5 for g in groups)
    assert credential_public(cred) == credential_public(" " + cred.replace("-", " ") + "\n")
    assert credential_public(cred.replace("-", "")) == credential_public(cred)
    assert len(credential_public(cred)) == 64
    assert credential_public(CRED) != credential_public(CRED2)
    # Deterministic: the same string always gives the same key.
    assert credential_public(generate_credential(bytes(range(13)))) == credential_public(CRED)


def test_credential_typo_is_detected() -> None:
    compact = normalize_credential(CRED)
    tried = accepted = 0
    for i in range(len(compact)):
        for repl in ("1", "z", "K"):
            if compact[i] == repl:
                continue
            tried += 1
            try:
                normalize_credential(compact[:i] + repl + compact[i + 1 :])
                accepted += 1
            except CredentialError:
                pass
    # Two check characters: a typo slips through with probability 1/3364.
    assert tried > 50 and accepted <= 1
    with pytest.raises(CredentialError):
        normalize_credential("short")
    with pytest.raises(CredentialError):
        normalize_credential(CRED.replace(CRED[0], "0"))


# -- whole ballots -----------------------------------------------------------------

def test_honest_ballot_verifies_and_decrypts() -> None:
    el = small_election()
    sel = {"r1": ["no"], "board-a": ["a2", "a4"]}
    ballot = encrypt_ballot(el, Y, CRED, sel)
    verify_ballot(el, Y, ballot, credential_public(CRED))
    plain = {
        c["id"]: [ch["id"] for ch in c["choices"]
                  if decrypt(Element.from_hex(ch["alpha"]), Element.from_hex(ch["beta"])) == GENERATOR]
        for c in ballot["contests"]
    }
    assert plain == sel
    assert ballot_tracker(ballot) != ballot_tracker(encrypt_ballot(el, Y, CRED, sel))


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_every_allowed_selection_verifies(data: st.DataObject) -> None:
    el = small_election()
    sel = {
        "r1": [data.draw(st.sampled_from(["yes", "no", "abstain"]))],
        "board-a": data.draw(st.lists(st.sampled_from(["a1", "a2", "a3", "a4"]), max_size=2, unique=True)),
    }
    verify_ballot(el, Y, encrypt_ballot(el, Y, CRED, sel))


@pytest.mark.parametrize(
    "sel",
    [
        {"r1": ["yes"], "board-a": ["a1", "a2", "a3"]},  # one selection too many
        {"r1": ["yes", "no"]},
        {"r1": []},
        {"board-a": ["a1"]},  # r1 left blank but min = 1
        {"r1": ["maybe"]},
        {"nope": ["yes"], "r1": ["yes"]},
    ],
)
def test_disallowed_selections_are_refused(sel: dict[str, list[str]]) -> None:
    with pytest.raises(InvalidBallot) as info:
        encrypt_ballot(small_election(), Y, CRED, sel)
    assert info.value.code == "selection"


def test_over_selection_cannot_be_smuggled_in() -> None:
    """Swap a 0 for a properly proven 1: every 0/1 proof holds but the count proof fails."""
    el = small_election()
    honest = encrypt_ballot(el, Y, CRED, {"r1": ["yes"], "board-a": ["a1", "a2"]})
    other = encrypt_ballot(el, Y, CRED, {"r1": ["yes"], "board-a": ["a3"]})
    forged = copy.deepcopy(honest)
    forged["contests"][1]["choices"][2] = other["contests"][1]["choices"][2]  # a3 = 1, now 3 selected
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(el, Y, resign(forged, CRED))
    assert info.value.code == "contest_proof"
    voted_no = encrypt_ballot(el, Y, CRED, {"r1": ["no"]})
    forged = copy.deepcopy(honest)
    forged["contests"][0]["choices"][1] = voted_no["contests"][0]["choices"][1]  # yes and no both 1
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(el, Y, resign(forged, CRED))
    assert info.value.code == "contest_proof"


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))
    elif isinstance(obj, str):
        yield path, obj


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


def _alter(text: str) -> str:
    if len(text) == 64:  # a scalar: add one
        return scalar_hex(int(text, 16) + 1)
    if len(text) == 66:  # an element: multiply by g
        return (Element.from_hex(text) + GENERATOR).hex()
    return text + "x"


def test_any_altered_field_fails_even_when_re_signed() -> None:
    el = small_election()
    ballot = encrypt_ballot(el, Y, CRED, {"r1": ["abstain"], "board-a": ["a3"]})
    leaves = [(p, v) for p, v in _leaves(ballot) if p[0] == "contests"]
    assert len(leaves) > 40
    for path, value in leaves:
        bad = copy.deepcopy(ballot)
        _set(bad, path, _alter(value))
        with pytest.raises(InvalidBallot) as info:
            verify_ballot(el, Y, bad)
        assert info.value.code in ("ballot_signature", "ballot_format"), path
        with pytest.raises(InvalidBallot) as info:
            verify_ballot(el, Y, resign(bad, CRED))
        assert info.value.code in ("choice_proof", "contest_proof", "ballot_format", "invalid_element"), path
    # Signature and top-level fields.
    for key in ("signature", "credential", "election"):
        bad = copy.deepcopy(ballot)
        bad[key] = _alter(bad[key]) if key != "election" else "0" * 64
        with pytest.raises(InvalidBallot):
            verify_ballot(el, Y, bad)


def test_proofs_do_not_move_to_another_election_credential_contest_or_choice() -> None:
    el = small_election(twin=True)
    sel = {"r1": ["yes"], "board-a": ["a1"], "board-a2": ["a2"]}
    ballot = encrypt_ballot(el, Y, CRED, sel)
    verify_ballot(el, Y, ballot)

    # Another election with the same shape.
    other_el = small_election("e2", twin=True)
    moved = resign(dict(copy.deepcopy(ballot), election=other_el.fingerprint), CRED)
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(other_el, Y, moved)
    assert info.value.code == "choice_proof"

    # Another credential (ballot copying).
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(el, Y, resign(copy.deepcopy(ballot), CRED2))
    assert info.value.code == "choice_proof"

    # Another contest: swap the two identical board contests' contents.
    moved = copy.deepcopy(ballot)
    c1, c2 = moved["contests"][1], moved["contests"][2]
    c1["choices"], c2["choices"] = c2["choices"], c1["choices"]
    c1["proof"], c2["proof"] = c2["proof"], c1["proof"]
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(el, Y, resign(moved, CRED))
    assert info.value.code == "choice_proof"

    # Another choice within a contest.
    moved = copy.deepcopy(ballot)
    chs = moved["contests"][1]["choices"]
    for k in ("alpha", "beta", "proof"):
        chs[0][k], chs[3][k] = chs[3][k], chs[0][k]
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(el, Y, resign(moved, CRED))
    assert info.value.code == "choice_proof"

    # Another public key.
    with pytest.raises(InvalidBallot):
        verify_ballot(el, base_mul(SECRET + 1), ballot)


def test_wrong_credential_and_shape() -> None:
    el = small_election()
    ballot = encrypt_ballot(el, Y, CRED, {"r1": ["yes"]})
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(el, Y, ballot, credential_public(CRED2))
    assert info.value.code == "wrong_credential"
    for mutate in (
        lambda b: b.pop("signature"),
        lambda b: b.update(extra=1),
        lambda b: b["contests"].reverse(),
        lambda b: b["contests"][0]["choices"].pop(),
        lambda b: b["contests"][0].update(id="zz"),
    ):
        bad = copy.deepcopy(ballot)
        mutate(bad)
        with pytest.raises(InvalidBallot) as info:
            verify_ballot(el, Y, bad)
        assert info.value.code == "ballot_format"


def test_identity_and_invalid_elements_refused() -> None:
    el = small_election()
    ballot = encrypt_ballot(el, Y, CRED, {"r1": ["yes"]})
    for bad_value in (IDENTITY.hex(), "02" + "00" * 31 + "05", GENERATOR.hex().upper()):
        bad = copy.deepcopy(ballot)
        bad["contests"][0]["choices"][0]["alpha"] = bad_value
        with pytest.raises(InvalidBallot) as info:
            verify_ballot(el, Y, resign(bad, CRED))
        assert info.value.code == "invalid_element"


def test_deterministic_rng_reproduces_ballots() -> None:
    el = small_election()
    sel = {"r1": ["no"], "board-a": ["a4"]}
    b1 = encrypt_ballot(el, Y, CRED, sel, rng=deterministic_rng(b"seed"))
    b2 = encrypt_ballot(el, Y, CRED, sel, rng=deterministic_rng(b"seed"))
    b3 = encrypt_ballot(el, Y, CRED, sel, rng=deterministic_rng(b"other"))
    assert b1 == b2 and b1 != b3
    verify_ballot(el, Y, b1)


def test_definition_rules_and_fingerprint() -> None:
    el = small_election()
    assert Election.from_json(el.to_json()) == el
    assert el.fingerprint == small_election().fingerprint != small_election("e2").fingerprint
    assert Contest("b", "board", ("x",), 0, 1, category="A").seats == 11
    assert Contest("b", "board", ("x",), 0, 1, category="B").seats == 7
    for bad in (
        lambda: Contest("r", "resolution", ("yes", "no"), 2, 1),
        lambda: Contest("r", "resolution", ("oui", "non"), 1, 1),
        lambda: Contest("b", "board", ("x", "x"), 0, 1, category="A"),
        lambda: Contest("b", "board", ("x",), 0, 1, category="C"),
        lambda: Contest("b c", "board", ("x",), 0, 1, category="A"),
        lambda: Election("e", "t", (), TRUSTEES, 1),
        lambda: Election("e", "t", el.contests, TRUSTEES, 2),
    ):
        with pytest.raises(DefinitionError):
            bad()
