"""Threshold key generation (joint Feldman / Pedersen DKG) and threshold decryption.

Each trustee i deals a random polynomial f_i of degree k-1, publishes Feldman
commitments C_ij = g^(a_ij) with a Schnorr proof of knowledge of a_i0, and
sends f_i(l) to trustee l encrypted under l's X25519 key. Trustee l checks
every share against the dealer's commitments; its secret share is
x_l = sum_i f_i(l), the joint key y = prod_i C_i0, and l's public share
Y_l = g^(x_l) = prod_i prod_j C_ij^(l^j), computable by anyone from the record.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from voting.crypto.errors import CodedError

from .credential import ed25519_verify
from .ed25519 import is_prime_order_u, prove_x25519_dh, verify_x25519_dh
from .election import Election
from .encoding import hash_json_bytes, is_hex
from .group import IDENTITY, ORDER, Element, GroupError, base_mul, scalar_hex, sum_elements
from .proofs import Rng, prove_dlog, prove_dlog_eq, random_scalar, verify_dlog, verify_dlog_eq

POK_DOMAIN = "unevoix/v1/trustee-pok"
DECRYPTION_DOMAIN = "unevoix/v1/decryption-proof"
TRUSTEE_SIG_PREFIX = b"unevoix/v1/trustee\x00"


class TrusteeError(CodedError):
    """A trustee's published data or private input is wrong; ``code`` is stable."""


# -- trustee identities and signatures --------------------------------------

def new_trustee_identity(trustee_id: str, name: str) -> tuple[dict[str, str], dict[str, str]]:
    """(private, public) trustee keys: Ed25519 for signing, X25519 for receiving shares."""
    sig = Ed25519PrivateKey.generate()
    enc = X25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    private = {
        "id": trustee_id,
        "signing_seed": sig.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()).hex(),
        "encryption_secret": enc.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()).hex(),
    }
    public = {
        "id": trustee_id,
        "name": name,
        "signing_key": sig.public_key().public_bytes(raw, serialization.PublicFormat.Raw).hex(),
        "encryption_key": enc.public_key().public_bytes(raw, serialization.PublicFormat.Raw).hex(),
    }
    return private, public


def trustee_message(event_type: str, data: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in data.items() if k != "signature"}
    return TRUSTEE_SIG_PREFIX + hash_json_bytes({"type": event_type, "data": body})


def sign_trustee_data(private: Mapping[str, str], event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private["signing_seed"]))
    return dict(data, signature=key.sign(trustee_message(event_type, data)).hex())


def verify_trustee_signature(election: Election, event_type: str, data: Mapping[str, Any]) -> None:
    try:
        info = election.trustees[election.trustee_index(data["trustee"]) - 1]
    except (KeyError, TypeError):
        raise TrusteeError("unknown_trustee", f"{data.get('trustee')!r} is not a trustee of this election")
    if not ed25519_verify(info.signing_key, data.get("signature"), trustee_message(event_type, data)):
        raise TrusteeError("trustee_signature", f"trustee {info.id}: the signature does not match")


# -- share encryption --------------------------------------------------------

def _share_key(shared: bytes, fp: str, dealer: str, recipient: str) -> bytes:
    info = f"unevoix/v1/share:{dealer}:{recipient}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(fp), info=info).derive(shared)


def encrypt_share(fp: str, dealer: str, recipient: str, recipient_key_hex: str, share: int) -> dict[str, str]:
    eph = X25519PrivateKey.generate()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(bytes.fromhex(recipient_key_hex)))
    ct = ChaCha20Poly1305(_share_key(shared, fp, dealer, recipient)).encrypt(
        bytes(12), share.to_bytes(32, "big"), f"{dealer}:{recipient}".encode()
    )
    eph_pub = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"ephemeral": eph_pub.hex(), "ciphertext": ct.hex()}


def decrypt_share(fp: str, dealer: str, recipient: str, encryption_secret_hex: str, box: Mapping[str, str]) -> int:
    try:
        priv = X25519PrivateKey.from_private_bytes(bytes.fromhex(encryption_secret_hex))
        shared = priv.exchange(X25519PublicKey.from_public_bytes(bytes.fromhex(box["ephemeral"])))
        plain = ChaCha20Poly1305(_share_key(shared, fp, dealer, recipient)).decrypt(
            bytes(12), bytes.fromhex(box["ciphertext"]), f"{dealer}:{recipient}".encode()
        )
    except Exception as exc:
        raise TrusteeError("share_decryption", f"share from {dealer} cannot be decrypted") from exc
    value = int.from_bytes(plain, "big")
    if value >= ORDER:
        raise TrusteeError("share_invalid", f"share from {dealer} is not a scalar")
    return value


# -- complaints: a dealer whose share is wrong ---------------------------------------
#
# The recipient publishes the X25519 secret it shares with that one box (the box's
# ephemeral key is fresh for each share, so it opens nothing else) with a proof that
# it is the true one: shared_secret = X25519(a, ephemeral) for the a behind the
# recipient's published encryption key (voting.crypto.ed25519.prove_x25519_dh).
# Anyone then derives the box key and opens the box. An honest dealer's box opens
# under the true secret, so a box that does not open proves the dealer at fault; a
# box that opens proves it at fault when the share does not match the dealer's
# commitments. Key generation then continues without that dealer's polynomial.

def _open_with_shared(fp: str, dealer: str, recipient: str, shared: bytes, box: Mapping[str, str]) -> int | None:
    """The share in ``box`` opened with the revealed secret; None if it does not open."""
    try:
        plain = ChaCha20Poly1305(_share_key(shared, fp, dealer, recipient)).decrypt(
            bytes(12), bytes.fromhex(box["ciphertext"]), f"{dealer}:{recipient}".encode()
        )
    except Exception:
        return None
    return int.from_bytes(plain, "big")


def _complaint_context(fp: str, recipient: str, dealer: str) -> dict[str, str]:
    return {"election": fp, "trustee": recipient, "dealer": dealer}


def make_complaint(election: Election, private: Mapping[str, str], dealer_data: Mapping[str, Any]) -> dict[str, Any]:
    """My signed complaint against the dealer of ``dealer_data`` (its share to me is wrong)."""
    me, dealer = private["id"], dealer_data["trustee"]
    box = dealer_data["shares"][me]
    my_key = election.trustees[election.trustee_index(me) - 1].encryption_key
    try:
        shared, proof = prove_x25519_dh(_complaint_context(election.fingerprint, me, dealer),
                                        private["encryption_secret"], my_key, box["ephemeral"])
    except ValueError as exc:
        raise TrusteeError("state_mismatch", f"cannot prove the secret of the share from {dealer}: {exc}") from exc
    data = {"election": election.fingerprint, "trustee": me, "dealer": dealer, "shared_secret": shared,
            "proof": proof}
    verify_complaint(election, dealer_data, data, signed=False)  # never accuse an honest dealer
    return sign_trustee_data(private, "trustee_complaint", data)


def verify_complaint(election: Election, dealer_data: Mapping[str, Any], data: Mapping[str, Any], *,
                     signed: bool = True) -> None:
    """Raise TrusteeError unless ``data`` proves that ``dealer_data``'s share to the complainer is wrong:
    the revealed secret is proven true and the box does not open, or opens to a share that does not
    match the dealer's commitments."""
    keys = {"election", "trustee", "dealer", "shared_secret", "proof"} | ({"signature"} if signed else set())
    if not isinstance(data, dict) or set(data) != keys or not is_hex(data.get("shared_secret"), 64):
        raise TrusteeError("trustee_format",
                           "a complaint has exactly election, trustee, dealer, shared_secret, proof, signature")
    if signed:
        verify_trustee_signature(election, "trustee_complaint", data)
    if data["election"] != election.fingerprint:
        raise TrusteeError("wrong_election", "complaint for another election")
    me, dealer = data["trustee"], data["dealer"]
    if dealer == me or dealer != dealer_data["trustee"]:
        raise TrusteeError("trustee_format", "a trustee complains about another trustee's commitments")
    box = dealer_data["shares"][me]
    my_key = election.trustees[election.trustee_index(me) - 1].encryption_key
    if not verify_x25519_dh(_complaint_context(election.fingerprint, me, dealer), my_key, box["ephemeral"],
                            data["shared_secret"], data["proof"]):
        raise TrusteeError("complaint_unfounded", f"{me} does not prove the secret it reveals for the share from {dealer}")
    share = _open_with_shared(election.fingerprint, dealer, me, bytes.fromhex(data["shared_secret"]), box)
    if share is None:
        return  # the true secret does not open the box: the dealer did not encrypt a share to me
    commitments = [Element.from_hex(c) for c in dealer_data["commitments"]]
    if share < ORDER and base_mul(share) == commitment_eval(commitments, election.trustee_index(me)):
        raise TrusteeError("complaint_unfounded", f"the share from {dealer} to {me} matches its commitments")


def bad_dealers(election: Election, private: Mapping[str, str], step1: Iterable[Mapping[str, Any]],
                excluded: Iterable[str] = ()) -> list[str]:
    """The dealers whose share to me does not open, or opens and does not match their commitments."""
    me = private["id"]
    out = []
    for data in step1:
        dealer = data["trustee"]
        if dealer == me or dealer in set(excluded):
            continue
        try:
            share = decrypt_share(election.fingerprint, dealer, me, private["encryption_secret"], data["shares"][me])
        except TrusteeError:
            out.append(dealer)  # does not open, or not a scalar: a complaint proves either
            continue
        commitments = [Element.from_hex(c) for c in data["commitments"]]
        if base_mul(share) != commitment_eval(commitments, election.trustee_index(me)):
            out.append(dealer)
    return out


# -- key generation ----------------------------------------------------------

def _pok_stmt(fp: str, trustee: str, commitments: list[str]) -> dict[str, Any]:
    return {"domain": POK_DOMAIN, "election": fp, "trustee": trustee, "feldman": commitments}


def keygen_step1(
    election: Election, private: Mapping[str, str], rng: Rng | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Deal a polynomial: (signed public data for the record, private state to keep)."""
    draw = rng or random_scalar
    me = private["id"]
    fp = election.fingerprint
    coeffs = [draw() for _ in range(election.threshold)]
    commitments = [base_mul(a).hex() for a in coeffs]
    proof = prove_dlog(dict(_pok_stmt(fp, me, commitments), public=commitments[0]), coeffs[0], draw)
    shares = {}
    for idx, t in enumerate(election.trustees, start=1):
        if t.id != me:
            shares[t.id] = encrypt_share(fp, me, t.id, t.encryption_key, _eval(coeffs, idx))
    data = {"election": fp, "trustee": me, "commitments": commitments, "proof": proof, "shares": shares}
    state = {"id": me, "election": fp, "coefficients": [scalar_hex(a) for a in coeffs]}
    return sign_trustee_data(private, "trustee_commitments", data), state


def _eval(coeffs: list[int], x: int) -> int:
    acc = 0
    for a in reversed(coeffs):
        acc = (acc * x + a) % ORDER
    return acc


def verify_step1(election: Election, data: Mapping[str, Any]) -> list[Element]:
    """Check a dealer's published data; return its commitments."""
    if not isinstance(data, dict) or set(data) != {"election", "trustee", "commitments", "proof", "shares", "signature"}:
        raise TrusteeError("trustee_format", "trustee commitments malformed")
    verify_trustee_signature(election, "trustee_commitments", data)
    if data["election"] != election.fingerprint:
        raise TrusteeError("wrong_election", "trustee data for another election")
    cs = data["commitments"]
    if not isinstance(cs, list) or len(cs) != election.threshold:
        raise TrusteeError("trustee_format", f"trustee {data['trustee']}: need {election.threshold} commitments")
    try:
        elems = [Element.from_hex(c) for c in cs]
    except GroupError as exc:
        raise TrusteeError("invalid_element", f"trustee {data['trustee']}: {exc}") from exc
    stmt = dict(_pok_stmt(election.fingerprint, data["trustee"], cs), public=cs[0])
    if not verify_dlog(stmt, elems[0], data["proof"]):
        raise TrusteeError("trustee_proof", f"trustee {data['trustee']}: proof of knowledge fails")
    others = {t.id for t in election.trustees} - {data["trustee"]}
    if not isinstance(data["shares"], dict) or set(data["shares"]) != others:
        raise TrusteeError("trustee_format", f"trustee {data['trustee']}: one encrypted share per other trustee")
    for box in data["shares"].values():
        if not isinstance(box, dict) or set(box) != {"ephemeral", "ciphertext"} or not is_hex(box["ephemeral"], 64) \
                or not is_hex(box["ciphertext"], 96):
            raise TrusteeError("trustee_format", f"trustee {data['trustee']}: malformed encrypted share")
        # An honest ephemeral key always has order L; any other would let the recipient neither
        # open the box nor prove its secret (5.4a), so it is refused at the door.
        if not is_prime_order_u(box["ephemeral"]):
            raise TrusteeError("share_ephemeral",
                               f"trustee {data['trustee']}: an encrypted share's ephemeral key is not a valid X25519 key")
    return elems


def commitment_eval(commitments: list[Element], index: int) -> Element:
    """prod_j C_j^(index^j) = g^(f(index))."""
    acc = IDENTITY
    power = 1
    for c in commitments:
        acc = acc + c * power
        power = power * index % ORDER
    return acc


def keygen_step2(
    election: Election,
    private: Mapping[str, str],
    state: Mapping[str, Any],
    step1: Iterable[Mapping[str, Any]],
    disqualified: Iterable[str] = (),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check every qualified dealer's share to me; (signed public share data, private combined share).

    ``disqualified``: dealers a complaint on the record proved at fault; their polynomials are left out."""
    me = private["id"]
    my_index = election.trustee_index(me)
    fp = election.fingerprint
    by_dealer = {d["trustee"]: d for d in step1}
    missing = [t.id for t in election.trustees if t.id not in by_dealer]
    if missing:
        raise TrusteeError("missing_trustee", f"no commitments yet from: {', '.join(missing)}")
    out = set(disqualified)
    qualified = [t for t in election.trustees if t.id not in out]
    total = 0
    for t in qualified:
        data = by_dealer[t.id]
        commitments = verify_step1(election, data)
        if t.id == me:
            coeffs = [int(a, 16) for a in state["coefficients"]]
            if [base_mul(a).hex() for a in coeffs] != data["commitments"]:
                raise TrusteeError("state_mismatch", "my published commitments do not match my private state")
            share = _eval(coeffs, my_index)
        else:
            share = decrypt_share(fp, t.id, me, private["encryption_secret"], data["shares"][me])
            if base_mul(share) != commitment_eval(commitments, my_index):
                raise TrusteeError("share_invalid", f"the share from {t.id} does not match its commitments")
        total = (total + share) % ORDER
    data = {
        "election": fp,
        "trustee": me,
        "public_share": base_mul(total).hex(),
        "dealers": {t.id: hash_json_bytes(dict(by_dealer[t.id])).hex() for t in qualified},
    }
    secret = {"id": me, "election": fp, "share": scalar_hex(total)}
    return sign_trustee_data(private, "trustee_share", data), secret


def joint_public_key(all_commitments: Iterable[list[Element]]) -> Element:
    return sum_elements(cs[0] for cs in all_commitments)


def public_share(election: Election, all_commitments: Mapping[str, list[Element]], trustee_id: str) -> Element:
    index = election.trustee_index(trustee_id)
    return sum_elements(commitment_eval(cs, index) for cs in all_commitments.values())


# -- threshold decryption ----------------------------------------------------

def _dec_stmt(fp: str, trustee: str, y_i: str, cat: str, contest: str, choice: str, alpha: str, d: str) -> dict[str, Any]:
    return {
        "domain": DECRYPTION_DOMAIN,
        "election": fp,
        "trustee": trustee,
        "public_share": y_i,
        "category": cat,
        "contest": contest,
        "choice": choice,
        "alpha": alpha,
        "factor": d,
    }


def partial_decrypt(
    election: Election,
    private: Mapping[str, str],
    share_hex: str,
    sums: Mapping[str, Mapping[str, Mapping[str, Mapping[str, str]]]],
    tally_hash: str,
    rng: Rng | None = None,
) -> dict[str, Any]:
    """Signed partial decryption of every encrypted total, each with a Chaum-Pedersen proof."""
    draw = rng or random_scalar
    x = int(share_hex, 16)
    me = private["id"]
    fp = election.fingerprint
    y_i = base_mul(x).hex()
    factors: dict[str, Any] = {}
    for cat, per_contest in sums.items():
        factors[cat] = {}
        for cid, per_choice in per_contest.items():
            factors[cat][cid] = {}
            for chid, ct in per_choice.items():
                alpha = Element.from_hex(ct["alpha"], allow_identity=True)
                d = (alpha * x).hex()
                stmt = _dec_stmt(fp, me, y_i, cat, cid, chid, ct["alpha"], d)
                factors[cat][cid][chid] = {"factor": d, "proof": prove_dlog_eq(stmt, alpha, x, draw)}
    data = {"election": fp, "trustee": me, "tally": tally_hash, "public_share": y_i, "factors": factors}
    return sign_trustee_data(private, "partial_decryption", data)


def verify_partial_decryption(
    election: Election,
    data: Mapping[str, Any],
    expected_share: Element,
    sums: Mapping[str, Mapping[str, Mapping[str, Mapping[str, str]]]],
    tally_hash: str,
) -> dict[str, dict[str, dict[str, Element]]]:
    """Check signature and every proof; return the decryption factors."""
    if not isinstance(data, dict) or set(data) != {"election", "trustee", "tally", "public_share", "factors", "signature"}:
        raise TrusteeError("decryption_format", "partial decryption malformed")
    verify_trustee_signature(election, "partial_decryption", data)
    who = data["trustee"]
    if data["election"] != election.fingerprint or data["tally"] != tally_hash:
        raise TrusteeError("decryption_format", f"trustee {who}: partial decryption of another tally")
    if data["public_share"] != expected_share.hex():
        raise TrusteeError("decryption_share", f"trustee {who}: public share differs from the key generation")
    factors = data["factors"]
    out: dict[str, dict[str, dict[str, Element]]] = {}
    if not isinstance(factors, dict) or set(factors) != set(sums):
        raise TrusteeError("decryption_format", f"trustee {who}: factors do not cover the tally")
    for cat, per_contest in sums.items():
        out[cat] = {}
        if not isinstance(factors[cat], dict) or set(factors[cat]) != set(per_contest):
            raise TrusteeError("decryption_format", f"trustee {who}: factors do not cover the tally")
        for cid, per_choice in per_contest.items():
            out[cat][cid] = {}
            got = factors[cat][cid]
            if not isinstance(got, dict) or set(got) != set(per_choice):
                raise TrusteeError("decryption_format", f"trustee {who}: factors do not cover the tally")
            for chid, ct in per_choice.items():
                item = got[chid]
                if not isinstance(item, dict) or set(item) != {"factor", "proof"}:
                    raise TrusteeError("decryption_format", f"trustee {who}: malformed factor")
                alpha = Element.from_hex(ct["alpha"], allow_identity=True)
                try:
                    d = Element.from_hex(item["factor"], allow_identity=alpha.is_identity)
                except GroupError as exc:
                    raise TrusteeError("invalid_element", f"trustee {who}: {exc}") from exc
                if alpha.is_identity and not d.is_identity:
                    raise TrusteeError("decryption_proof", f"trustee {who}: {cat}/{cid}/{chid} factor of the identity")
                stmt = _dec_stmt(election.fingerprint, who, data["public_share"], cat, cid, chid, ct["alpha"], item["factor"])
                if not verify_dlog_eq(stmt, expected_share, alpha, d, item["proof"]):
                    raise TrusteeError("decryption_proof", f"trustee {who}: proof fails for {cat}/{cid}/{chid}")
                out[cat][cid][chid] = d
    return out


def decryption_factors(data: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Element]]]:
    """The factors of a partial decryption already checked by :func:`verify_partial_decryption` (a
    board replaying its own rows), read without checking their proofs again."""
    return {cat: {cid: {chid: Element.from_hex(item["factor"], allow_identity=True)
                        for chid, item in per_choice.items()}
                  for cid, per_choice in per_contest.items()}
            for cat, per_contest in data["factors"].items()}


def lagrange_at_zero(indices: list[int]) -> dict[int, int]:
    coeffs = {}
    for i in indices:
        num, den = 1, 1
        for j in indices:
            if j != i:
                num = num * j % ORDER
                den = den * (j - i) % ORDER
        coeffs[i] = num * pow(den, -1, ORDER) % ORDER
    return coeffs


def combine(beta: Element, factors: Mapping[int, Element]) -> Element:
    """g^m = beta / prod_i d_i^(lambda_i) for a set of at least k trustee indices."""
    lam = lagrange_at_zero(sorted(factors))
    return beta - sum_elements(d * lam[i] for i, d in factors.items())


class DlogTable:
    """Discrete logarithms of g^0 .. g^limit by table lookup."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._table: dict[bytes, int] = {IDENTITY.to_bytes(): 0}
        acc = IDENTITY
        g = base_mul(1)
        for m in range(1, limit + 1):
            acc = acc + g
            self._table[acc.to_bytes()] = m

    def lookup(self, element: Element) -> int | None:
        return self._table.get(element.to_bytes())

