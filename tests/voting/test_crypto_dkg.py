"""Distributed key generation, threshold decryption, the tally and seats."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from voting.crypto.dkg import (
    DlogTable,
    TrusteeError,
    commitment_eval,
    joint_public_key,
    keygen_step1,
    keygen_step2,
    lagrange_at_zero,
    new_trustee_identity,
    partial_decrypt,
    sign_trustee_data,
    verify_partial_decryption,
    verify_step1,
)
from voting.crypto.election import Contest, Election, TrusteeInfo
from voting.crypto.group import GENERATOR, ORDER, Element, base_mul
from voting.crypto.proofs import encrypt
from voting.crypto.tally import board_outcome, combine, resolution_outcome

pytestmark = pytest.mark.no_db


def make_trustees(n: int, k: int) -> tuple[Election, dict[str, dict[str, str]]]:
    privs, pubs = {}, []
    for i in range(1, n + 1):
        priv, pub = new_trustee_identity(f"t{i}", f"T{i}")
        privs[priv["id"]] = priv
        pubs.append(TrusteeInfo(**pub))
    contests = (Contest("r1", "resolution", ("yes", "no"), 1, 1),)
    return Election("dkg", "DKG", contests, tuple(pubs), k), privs


@pytest.fixture(scope="module")
def dkg() -> dict[str, Any]:
    el, privs = make_trustees(5, 3)
    step1, states = [], {}
    for tid, priv in privs.items():
        data, state = keygen_step1(el, priv)
        step1.append(data)
        states[tid] = state
    publics, secrets = {}, {}
    for tid, priv in privs.items():
        publics[tid], secrets[tid] = keygen_step2(el, priv, states[tid], step1)
    commitments = {d["trustee"]: verify_step1(el, d) for d in step1}
    y = joint_public_key(commitments[t.id] for t in el.trustees)
    return {"el": el, "privs": privs, "step1": step1, "states": states, "publics": publics,
            "secrets": secrets, "commitments": commitments, "y": y}


def test_shares_interpolate_to_the_joint_secret(dkg: dict[str, Any]) -> None:
    el, secrets, y = dkg["el"], dkg["secrets"], dkg["y"]
    shares = {el.trustee_index(t): int(s["share"], 16) for t, s in secrets.items()}
    results = set()
    for subset in itertools.combinations(sorted(shares), 3):
        lam = lagrange_at_zero(list(subset))
        x = sum(lam[i] * shares[i] for i in subset) % ORDER
        results.add(x)
        assert base_mul(x) == y
    assert len(results) == 1
    # Two shares are not enough: they interpolate to something else.
    lam = lagrange_at_zero([1, 2])
    assert base_mul(sum(lam[i] * shares[i] for i in (1, 2)) % ORDER) != y


def test_public_shares_follow_from_commitments(dkg: dict[str, Any]) -> None:
    el = dkg["el"]
    for tid, pub in dkg["publics"].items():
        idx = el.trustee_index(tid)
        expected = Element(None)
        for cs in dkg["commitments"].values():
            expected = expected + commitment_eval(cs, idx)
        assert pub["public_share"] == expected.hex() == base_mul(int(dkg["secrets"][tid]["share"], 16)).hex()


def test_threshold_decryption_with_any_k(dkg: dict[str, Any]) -> None:
    el, y = dkg["el"], dkg["y"]
    alpha, beta = Element(None), Element(None)
    for i, v in enumerate([1, 0, 1, 1, 0, 1, 1]):
        a, b = encrypt(y, v, 1000 + i)
        alpha, beta = alpha + a, beta + b
    sums = {"A": {"r1": {"yes": {"alpha": alpha.hex(), "beta": beta.hex()}, "no": {"alpha": alpha.hex(), "beta": beta.hex()}}}}
    partials = {}
    for tid, priv in dkg["privs"].items():
        data = partial_decrypt(el, priv, dkg["secrets"][tid]["share"], sums, "ab" * 32)
        share = Element.from_hex(dkg["publics"][tid]["public_share"])
        partials[el.trustee_index(tid)] = verify_partial_decryption(el, data, share, sums, "ab" * 32)
    table = DlogTable(10)
    for subset in itertools.combinations(sorted(partials), 3):
        m = combine(beta, {i: partials[i]["A"]["r1"]["yes"] for i in subset})
        assert table.lookup(m) == 5
    m = combine(beta, {i: partials[i]["A"]["r1"]["yes"] for i in (1, 2)})
    assert table.lookup(m) is None


def test_partial_decryption_tampering_is_caught(dkg: dict[str, Any]) -> None:
    el, y = dkg["el"], dkg["y"]
    a, b = encrypt(y, 1, 77)
    zero = Element(None).hex()
    sums = {"A": {"r1": {"yes": {"alpha": a.hex(), "beta": b.hex()}, "no": {"alpha": zero, "beta": zero}}}}
    priv, share_hex = dkg["privs"]["t2"], dkg["secrets"]["t2"]["share"]
    share = Element.from_hex(dkg["publics"]["t2"]["public_share"])
    good = partial_decrypt(el, priv, share_hex, sums, "cd" * 32)
    verify_partial_decryption(el, good, share, sums, "cd" * 32)  # the identity total decrypts too
    bad = copy.deepcopy(good)
    bad["factors"]["A"]["r1"]["yes"]["factor"] = (Element.from_hex(good["factors"]["A"]["r1"]["yes"]["factor"]) + GENERATOR).hex()
    with pytest.raises(TrusteeError) as info:
        verify_partial_decryption(el, bad, share, sums, "cd" * 32)
    assert info.value.code == "trustee_signature"
    with pytest.raises(TrusteeError) as info:
        verify_partial_decryption(el, sign_trustee_data(priv, "partial_decryption", bad), share, sums, "cd" * 32)
    assert info.value.code == "decryption_proof"
    with pytest.raises(TrusteeError) as info:
        verify_partial_decryption(el, good, share, sums, "ef" * 32)
    assert info.value.code == "decryption_format"
    # Signed by another trustee's key: refused.
    with pytest.raises(TrusteeError) as info:
        verify_partial_decryption(el, sign_trustee_data(dkg["privs"]["t3"], "partial_decryption", good), share, sums, "cd" * 32)
    assert info.value.code == "trustee_signature"


def test_bad_dealer_is_named(dkg: dict[str, Any]) -> None:
    el, privs = dkg["el"], dkg["privs"]
    step1 = copy.deepcopy(dkg["step1"])
    # t1 sends t2 a share for another polynomial: encrypt a wrong value, re-sign.
    from voting.crypto.dkg import encrypt_share

    t2 = el.trustees[1]
    step1[0]["shares"]["t2"] = encrypt_share(el.fingerprint, "t1", "t2", t2.encryption_key, 12345)
    step1[0] = sign_trustee_data(privs["t1"], "trustee_commitments", step1[0])
    with pytest.raises(TrusteeError) as info:
        keygen_step2(el, privs["t2"], dkg["states"]["t2"], step1)
    assert info.value.code == "share_invalid" and "t1" in info.value.message
    # The others are unaffected.
    keygen_step2(el, privs["t3"], dkg["states"]["t3"], step1)
    # Missing dealer is named.
    with pytest.raises(TrusteeError) as info:
        keygen_step2(el, privs["t3"], dkg["states"]["t3"], dkg["step1"][:4])
    assert info.value.code == "missing_trustee" and "t5" in info.value.message


def test_step1_proof_and_signature_checked(dkg: dict[str, Any]) -> None:
    el, privs = dkg["el"], dkg["privs"]
    data = copy.deepcopy(dkg["step1"][2])
    data["commitments"][0] = base_mul(42).hex()
    with pytest.raises(TrusteeError) as info:
        verify_step1(el, data)
    assert info.value.code == "trustee_signature"
    with pytest.raises(TrusteeError) as info:
        verify_step1(el, sign_trustee_data(privs["t3"], "trustee_commitments", data))
    assert info.value.code == "trustee_proof"
    # A dealer re-using another's commitments and proof (rogue copy) fails: the proof binds the trustee id.
    copied = dict(copy.deepcopy(dkg["step1"][0]), trustee="t3")
    copied["shares"] = copy.deepcopy(dkg["step1"][2]["shares"])
    with pytest.raises(TrusteeError) as info:
        verify_step1(el, sign_trustee_data(privs["t3"], "trustee_commitments", copied))
    assert info.value.code == "trustee_proof"


def test_seats_with_ties_and_rules() -> None:
    base = dict(id="e", title="t", trustees=(TrusteeInfo("t1", "T", "11" * 32, "22" * 32),), threshold=1)
    contest = Contest("board-b", "board", ("b1", "b2", "b3", "b4", "b5"), 0, 2, category="B", seats=2)
    votes = {"b1": 5, "b2": 3, "b3": 7, "b4": 3, "b5": 0}
    el = Election(contests=(contest,), tie_rule="ballot_order", **base)
    out = board_outcome(el, contest, votes)
    assert out["elected"] == ["b3", "b1"] and not out["decided_by_tie_rule"]
    assert out["ties"] == [["b2", "b4"]]
    assert [r["rank"] for r in out["ranking"]] == [1, 2, 3, 3, 5]
    votes = {"b1": 5, "b2": 3, "b3": 3, "b4": 3, "b5": 0}
    out = board_outcome(el, contest, votes)
    assert out["elected"] == ["b1", "b2"] and out["decided_by_tie_rule"]
    assert out["ties"] == [["b2", "b3", "b4"]]
    el_lot = Election(contests=(contest,), tie_rule="lot", **base)
    out_lot = board_outcome(el_lot, contest, votes)
    assert out_lot["tie_rule"] == "lot" and out_lot["elected"][0] == "b1" and out_lot["decided_by_tie_rule"]
    import hashlib

    first = min(("b2", "b3", "b4"), key=lambda c: hashlib.sha256(f"{el_lot.fingerprint}:{c}".encode()).hexdigest())
    assert out_lot["elected"][1] == first
    # Zero votes never elects.
    out = board_outcome(el, contest, {"b1": 1, "b2": 0, "b3": 0, "b4": 0, "b5": 0})
    assert out["elected"] == ["b1"]


@pytest.mark.parametrize(
    ("majority", "per_cat", "adopted"),
    [
        ("simple", {"A": {"yes": 5, "no": 4, "abstain": 9}, "B": {"yes": 0, "no": 0, "abstain": 0}}, True),
        ("simple", {"A": {"yes": 4, "no": 4, "abstain": 0}, "B": {"yes": 0, "no": 0, "abstain": 0}}, False),
        ("two_thirds", {"A": {"yes": 6, "no": 3, "abstain": 0}, "B": {"yes": 0, "no": 0, "abstain": 0}}, True),
        ("two_thirds", {"A": {"yes": 5, "no": 3, "abstain": 0}, "B": {"yes": 0, "no": 0, "abstain": 0}}, False),
        ("three_quarters", {"A": {"yes": 6, "no": 2, "abstain": 0}, "B": {"yes": 0, "no": 0, "abstain": 0}}, True),
        ("three_quarters", {"A": {"yes": 5, "no": 2, "abstain": 0}, "B": {"yes": 0, "no": 0, "abstain": 0}}, False),
        ("each_category", {"A": {"yes": 9, "no": 1, "abstain": 0}, "B": {"yes": 1, "no": 2, "abstain": 0}}, False),
        ("each_category", {"A": {"yes": 9, "no": 1, "abstain": 0}, "B": {"yes": 2, "no": 1, "abstain": 0}}, True),
    ],
)
def test_majorities(majority: str, per_cat: dict[str, dict[str, int]], adopted: bool) -> None:
    contest = Contest("r", "resolution", ("yes", "no", "abstain"), 1, 1, majority=majority)
    assert resolution_outcome(contest, per_cat, 20)["adopted"] is adopted


def test_quorum() -> None:
    contest = Contest("r", "resolution", ("yes", "no"), 1, 1, quorum=10)
    per_cat = {"A": {"yes": 5, "no": 1}, "B": {"yes": 0, "no": 0}}
    assert resolution_outcome(contest, per_cat, 9)["adopted"] is False
    assert resolution_outcome(contest, per_cat, 10)["adopted"] is True
