"""The browser ballot (static/js/ballot/) against the Python reference (voting.crypto).

Both directions, on vectors made here by the Python side:

* Python -> JS: Python writes canonical-JSON cases, credentials and
  signatures, Fiat-Shamir challenges, deterministic-rng streams, Schnorr and
  Chaum-Pedersen proofs, and whole ballots made with
  ``deterministic_rng(seed)``; ``tests/js/interop.test.mjs`` (run by ``node --test tests/js/`` with
  ``UNEVOIX_INTEROP_IN`` pointing at the file) must reproduce every one byte for
  byte from the same randomness, accept every Python ballot, reject each
  tampered one with Python's reason code, and refuse unprovable selections.
* The same node run executes the whole JS suite (tests/js/), including the
  checks against the records committed in tests/voting/records/.
* JS -> Python: the same node run writes (``UNEVOIX_INTEROP_OUT``) ballots it
  encrypted with the browser CSPRNG, plus its deterministic re-creations;
  Python's ``verify_ballot`` must accept them, their trackers must agree, the
  deterministic ones must equal Python's, and a tampered JS ballot must fail.

Skipped only when ``node`` is not installed.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from voting.crypto.ballot import InvalidBallot, ballot_tracker, encrypt_ballot, verify_ballot
from voting.crypto.credential import (
    credential_private_key,
    credential_public,
    generate_credential,
    public_key_hex,
)
from voting.crypto.ballot import SIGNATURE_PREFIX, unsigned_ballot_hash
from voting.crypto.election import Contest, Election, TrusteeInfo
from voting.crypto.encoding import canonical_json
from voting.crypto.group import FIELD, IDENTITY_HEX, ORDER, Element, GroupError, base_mul, scalar_from_hex, scalar_hex
from voting.crypto.proofs import challenge, deterministic_rng, prove_dlog, prove_dlog_eq

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
JS_TESTS = ROOT / "tests" / "js"

pytestmark = [pytest.mark.no_db, pytest.mark.skipif(NODE is None, reason="node is not installed: the JS ballot interop test needs node >= 20")]


# --------------------------------------------------------------- elections


def reference_election() -> Election:
    """Board A at most 11 of 20, board B at most 7 of 12, five yes/no/abstain: 47 choices."""
    contests = [
        Contest(id="board-a", kind="board", choices=tuple(f"a{i:02d}" for i in range(1, 21)), min=0, max=11, category="A"),
        Contest(id="board-b", kind="board", choices=tuple(f"b{i:02d}" for i in range(1, 13)), min=0, max=7, category="B"),
    ]
    contests += [
        Contest(id=f"r{i}", kind="resolution", choices=("yes", "no", "abstain"), min=1, max=1,
                majority=("simple", "two_thirds", "three_quarters", "each_category", "simple")[i - 1])
        for i in range(1, 6)
    ]
    trustees = tuple(
        TrusteeInfo(id=f"t{i}", name=name, signing_key=f"{i:02x}" * 32, encryption_key=f"{i + 16:02x}" * 32)
        for i, name in enumerate(["Zoë Lambert", "Jürgen", "Ana-María", "李雷", "O'Brien \"Ted\""], start=1)
    )
    return Election(id="ag-2026", title="Assemblée générale 2026 — «vote» \u00e9\u2028\U0001f5f3",
                    contests=tuple(contests), trustees=trustees, threshold=3)


def edge_election() -> Election:
    """Ranges that do not start at 0, a single-value range, ballot_order vs lot."""
    contests = (
        Contest(id="pick2to3", kind="board", choices=("x1", "x2", "x3", "x4"), min=2, max=3, category="B", seats=2),
        Contest(id="none", kind="board", choices=("n1", "n2"), min=0, max=0, category="A", seats=1),
        Contest(id="yn", kind="resolution", choices=("yes", "no"), min=0, max=1, quorum=10),
        Contest(id="all", kind="board", choices=("k1", "k2"), min=2, max=2, category="A"),
    )
    trustees = (TrusteeInfo(id="solo", name="S", signing_key="ab" * 32, encryption_key="cd" * 32),)
    return Election(id="edge.1", title="edge", contests=contests, trustees=trustees, threshold=1, tie_rule="lot")


def _resign(ballot: dict[str, Any], credential: str) -> dict[str, Any]:
    key = credential_private_key(credential)
    ballot = dict(ballot)
    ballot.pop("signature", None)
    ballot["credential"] = public_key_hex(key)
    ballot["signature"] = key.sign(SIGNATURE_PREFIX + unsigned_ballot_hash(ballot)).hex()
    return ballot


def _flip(hex_text: str) -> str:
    return ("1" if hex_text[0] != "1" else "2") + hex_text[1:]


# ----------------------------------------------------------------- vectors


def _element_cases() -> list[dict[str, Any]]:
    """Encodings with Python's verdict, with and without allow_identity."""
    import hashlib

    texts = [IDENTITY_HEX, base_mul(1).hex(), base_mul(ORDER - 1).hex(), base_mul(2).hex().upper()]
    for prefix in ("02", "03"):
        texts += [prefix + format(x, "064x") for x in (0, 1, 7, FIELD - 1, FIELD, FIELD + 1, 2**256 - 1)]
        texts += [prefix + hashlib.sha256(bytes([i])).hexdigest() for i in range(12)]
    g = base_mul(1).hex()
    texts += ["04" + g[2:], "00" + g[2:], "01" + g[2:], "05" + g[2:], g[:-2], g + "00", "", "zz" * 33, "00" * 32 + "01"]
    out = []
    for text in texts:
        verdict = {}
        for allow in (False, True):
            try:
                verdict[str(allow)] = Element.from_hex(text, allow_identity=allow).hex()
            except GroupError:
                verdict[str(allow)] = None
        out.append({"hex": text, "strict": verdict["False"], "allow_identity": verdict["True"]})
    return out


def _scalar_cases() -> list[dict[str, Any]]:
    out = []
    for text in ["00" * 32, format(ORDER - 1, "064x"), format(ORDER, "064x"), "ff" * 32, "AB" * 32, "01", "0" * 65]:
        try:
            value = scalar_hex(scalar_from_hex(text))
        except GroupError:
            value = None
        out.append({"hex": text, "value": value})
    return out


def make_vectors() -> tuple[dict[str, Any], list[tuple[Election, str]]]:
    elections = [(reference_election(), base_mul(0x5EC2E7).hex()), (edge_election(), base_mul(987654321987654321).hex())]
    creds = [generate_credential(bytes([i] * 13)) for i in range(4)] + [generate_credential(bytes(range(13)))]

    canonical_cases: list[Any] = [
        {},
        [],
        {"b": [1, "é\u0001\"", {"z": 1, "a": None}], "a": True, "\U0001f600": 1, "\uffff": 2},
        {"x": "a\\b\n\r\t\b\f\x7f/\u2028\x1f", "n": -5, "big": 2**53 - 1, "f": False},
        {"Zz": 1, "a": 2, "_": 3, "A": 4, "é": 5, "e\u0301": 6},
        elections[0][0].to_json(),
    ]
    vectors: dict[str, Any] = {
        "elements": _element_cases(),
        "scalars": _scalar_cases(),
        "canonical": [{"value": v, "hex": canonical_json(v).hex()} for v in canonical_cases],
        "credentials": [],
        "rng": [],
        "challenges": [],
        "dlog": [],
        "elections": [
            {"definition": el.to_json(), "fingerprint": el.fingerprint, "public_key": y} for el, y in elections
        ],
        "ballots": [],
        "tampered": [],
        "bad_selections": [],
        "js_requests": [],
        "identity_hex": IDENTITY_HEX,
    }
    for i, cred in enumerate(creds):
        key = credential_private_key(cred)
        msg = f"message {i} é".encode()
        vectors["credentials"].append({
            "entropy": (bytes([i] * 13) if i < 4 else bytes(range(13))).hex(),
            "credential": cred,
            "spaced": " " + cred.replace("-", " - ") + "\n",
            "public": credential_public(cred),
            "message": msg.hex(),
            "signature": key.sign(msg).hex(),
        })
    for seed in (b"", b"seed-1", bytes(range(40))):
        draw = deterministic_rng(seed)
        vectors["rng"].append({"seed": seed.hex(), "scalars": [scalar_hex(draw()) for _ in range(5)]})
    for i in range(4):
        stmt = {"domain": "unevoix/v1/test", "i": i, "commitments": [[base_mul(i + 1).hex(), IDENTITY_HEX]], "t": "ü"}
        vectors["challenges"].append({"stmt": stmt, "c": scalar_hex(challenge(stmt))})
    for i in range(3):
        x = 1000003 * (i + 7)
        h = base_mul(77 + i)
        seed = f"dlog-{i}".encode()
        stmt_eq = {"domain": "unevoix/v1/decryption-proof", "X": base_mul(x).hex(), "h": h.hex(), "d": (h * x).hex()}
        stmt_pk = {"domain": "unevoix/v1/trustee-pok", "X": base_mul(x).hex()}
        vectors["dlog"].append({
            "x": scalar_hex(x), "h": h.hex(), "seed": seed.hex(),
            "stmt_eq": stmt_eq, "proof_eq": prove_dlog_eq(stmt_eq, h, x, deterministic_rng(seed)),
            "stmt_pk": stmt_pk, "proof_pk": prove_dlog(stmt_pk, x, deterministic_rng(seed)),
        })

    ref_sel = [
        {"board-a": [f"a{i:02d}" for i in (1, 2, 3, 5, 8, 13, 14, 15, 17, 19, 20)],
         "board-b": [f"b{i:02d}" for i in (1, 2, 3, 4, 5, 6, 12)],
         "r1": ["yes"], "r2": ["no"], "r3": ["abstain"], "r4": ["yes"], "r5": ["no"]},
        {"r1": ["abstain"], "r2": ["abstain"], "r3": ["abstain"], "r4": ["abstain"], "r5": ["abstain"]},
        {"board-a": ["a07"], "board-b": ["b09", "b11"], "r1": ["no"], "r2": ["yes"], "r3": ["yes"], "r4": ["no"], "r5": ["yes"]},
    ]
    edge_sel = [
        {"pick2to3": ["x1", "x4"], "all": ["k1", "k2"]},
        {"pick2to3": ["x2", "x3", "x4"], "yn": ["no"], "all": ["k2", "k1"]},
    ]
    for idx, sels in ((0, ref_sel), (1, edge_sel)):
        el, y = elections[idx]
        for j, sel in enumerate(sels):
            cred = creds[(j + idx) % len(creds)]
            seed = f"ballot-{idx}-{j}".encode()
            ballot = encrypt_ballot(el, y, cred, sel, rng=deterministic_rng(seed))
            verify_ballot(el, y, ballot, credential_public(cred))
            vectors["ballots"].append({
                "election": idx, "credential": cred, "selections": sel, "seed": seed.hex(),
                "ballot": ballot, "tracker": ballot_tracker(ballot),
            })
            vectors["js_requests"].append({"election": idx, "credential": cred, "selections": sel})

    # Tampered ballots, each with the code Python's verify_ballot gives it.
    el, y = elections[0]
    base = vectors["ballots"][0]["ballot"]
    cred = vectors["ballots"][0]["credential"]
    other = creds[4]

    def tamper(name: str, b: dict[str, Any]) -> None:
        try:
            verify_ballot(el, y, b)
        except InvalidBallot as exc:
            vectors["tampered"].append({"election": 0, "name": name, "ballot": b, "code": exc.code})
            return
        raise AssertionError(f"tampered ballot {name} verifies in Python")

    b = copy.deepcopy(base)
    b["signature"] = _flip(b["signature"])
    tamper("signature flipped", b)
    b = copy.deepcopy(base)
    b["election"] = "0" * 64
    tamper("other election", b)
    b = copy.deepcopy(base)
    b["extra"] = 1
    tamper("extra member", b)
    b = copy.deepcopy(base)
    b["contests"] = b["contests"][::-1]
    tamper("contests reordered", b)
    b = copy.deepcopy(base)
    b["contests"][0]["choices"][3]["proof"][0]["c"] = _flip(b["contests"][0]["choices"][3]["proof"][0]["c"])
    tamper("choice proof changed, re-signed", _resign(b, cred))
    b = copy.deepcopy(base)
    b["contests"][1]["proof"][2]["s"] = _flip(b["contests"][1]["proof"][2]["s"])
    tamper("contest proof changed, re-signed", _resign(b, cred))
    b = copy.deepcopy(base)
    b["contests"][2]["choices"][0]["alpha"] = IDENTITY_HEX
    tamper("identity alpha, re-signed", _resign(b, cred))
    b = copy.deepcopy(base)
    b["contests"][2]["choices"][0]["beta"] = "02" + "00" * 31 + "05"
    tamper("beta off the curve, re-signed", _resign(b, cred))
    b = copy.deepcopy(base)
    b["contests"][2]["choices"][0]["proof"][0]["s"] = "ff" * 32
    tamper("scalar >= n, re-signed", _resign(b, cred))
    # ballot copying: another voter re-signs a copy of the whole ballot
    tamper("copied to another credential", _resign(copy.deepcopy(base), other))
    # swapping two choices' ciphertexts within a contest breaks their proofs
    b = copy.deepcopy(base)
    c0, c1 = b["contests"][0]["choices"][0], b["contests"][0]["choices"][1]
    for k in ("alpha", "beta", "proof"):
        c0[k], c1[k] = c1[k], c0[k]
    tamper("ciphertexts swapped, re-signed", _resign(b, cred))

    vectors["bad_selections"] = [
        {"election": 0, "selections": {"board-a": [f"a{i:02d}" for i in range(1, 13)]}},  # 12 > 11
        {"election": 0, "selections": {"r1": ["yes", "no"]}},
        {"election": 0, "selections": {"r1": []}},
        {"election": 0, "selections": {"nope": ["yes"]}},
        {"election": 0, "selections": {"r1": ["maybe"]}},
        {"election": 1, "selections": {"pick2to3": ["x1"], "all": ["k1", "k2"]}},
        {"election": 1, "selections": {"pick2to3": ["x1", "x2"], "none": ["n1"], "all": ["k1", "k2"]}},
    ]
    for bad in vectors["bad_selections"]:
        bel, by = elections[bad["election"]]
        with pytest.raises(InvalidBallot) as info:
            encrypt_ballot(bel, by, creds[0], bad["selections"], rng=deterministic_rng(b"x"))
        bad["code"] = info.value.code
    return vectors, elections


# -------------------------------------------------------------------- run


@pytest.fixture(scope="module")
def interop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("js_interop")
    vectors, elections = make_vectors()
    vin, vout = tmp / "vectors.json", tmp / "js_out.json"
    vin.write_text(json.dumps(vectors, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        # the whole JS suite, so the stand-alone JS tests run under pytest too
        [NODE, "--test", "--test-reporter=tap", str(JS_TESTS)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "UNEVOIX_INTEROP_IN": str(vin), "UNEVOIX_INTEROP_OUT": str(vout)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return {"proc": proc, "vectors": vectors, "elections": elections, "out": vout}


def _tap_count(output: str, what: str) -> int:
    m = re.search(rf"^# {what} (\d+)$", output, re.MULTILINE)
    return int(m.group(1)) if m else -1


def test_js_reproduces_and_checks_python_vectors(interop: dict[str, Any]) -> None:
    proc = interop["proc"]
    report = proc.stdout[-6000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, report
    assert _tap_count(proc.stdout, "fail") == 0, report
    assert _tap_count(proc.stdout, "pass") >= 30, report
    # only the tests on committed records may skip (if those files go away)
    skipped = re.findall(r"^\s*ok \d+ - (.*) # SKIP", proc.stdout, re.MULTILINE)
    assert all("record" in name or ".json" in name for name in skipped), skipped


def test_python_verifies_js_ballots(interop: dict[str, Any]) -> None:
    assert interop["proc"].returncode == 0, interop["proc"].stdout[-4000:]
    out = json.loads(interop["out"].read_text(encoding="utf-8"))
    elections = interop["elections"]
    requests = interop["vectors"]["js_requests"]
    assert len(out["random"]) == len(requests) > 0
    seen_alphas: set[str] = set()
    for req, made in zip(requests, out["random"]):
        el, y = elections[req["election"]]
        ballot = made["ballot"]
        verify_ballot(el, y, ballot, credential_public(req["credential"]))
        assert ballot_tracker(ballot) == made["tracker"]
        assert canonical_json(ballot).decode("utf-8") == made["canonical"]
        alphas = {ch["alpha"] for c in ballot["contests"] for ch in c["choices"]}
        assert not alphas & seen_alphas, "the browser CSPRNG repeated a nonce"
        seen_alphas |= alphas
        bad = copy.deepcopy(ballot)
        bad["contests"][-1]["choices"][0]["proof"][1]["c"] = _flip(bad["contests"][-1]["choices"][0]["proof"][1]["c"])
        with pytest.raises(InvalidBallot) as info:
            verify_ballot(el, y, bad)
        assert info.value.code == "ballot_signature"
        with pytest.raises(InvalidBallot) as info:
            verify_ballot(el, y, _resign(bad, req["credential"]))
        assert info.value.code == "choice_proof"


def test_js_deterministic_ballots_equal_python(interop: dict[str, Any]) -> None:
    assert interop["proc"].returncode == 0, interop["proc"].stdout[-4000:]
    out = json.loads(interop["out"].read_text(encoding="utf-8"))
    expected = interop["vectors"]["ballots"]
    assert len(out["deterministic"]) == len(expected)
    for exp, made in zip(expected, out["deterministic"]):
        assert canonical_json(made["ballot"]) == canonical_json(exp["ballot"])
        assert made["tracker"] == exp["tracker"]
        el, y = interop["elections"][exp["election"]]
        verify_ballot(el, y, made["ballot"])


def test_vendored_noble_matches_pinned_version() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["@noble/curves"]
    vendored = json.loads((ROOT / "static" / "vendor" / "noble" / "VERSIONS.json").read_text())
    assert vendored["packages"]["@noble/curves"] == pinned
    for rel in vendored["files"]:
        text = (ROOT / "static" / "vendor" / "noble" / rel).read_text(encoding="utf-8")
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("*", "//", "/*")))
        assert "from '@noble/" not in code and 'from "@noble/' not in code, rel
    for pkg in ("curves", "hashes"):
        assert (ROOT / "static" / "vendor" / "noble" / pkg / "LICENSE").is_file()
