"""The fast group (libsecp256k1) against published vectors and against the slow pure-Python one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.crypto.encoding import EncodingError, b58decode_int, b58encode_int, canonical_json, hash_json
from voting.crypto.group import (
    FIELD,
    GENERATOR,
    GX,
    GY,
    IDENTITY,
    IDENTITY_HEX,
    ORDER,
    Element,
    GroupError,
    base_mul,
    scalar_from_hex,
    scalar_hex,
    sum_elements,
)
from voting.crypto.slowgroup import SLOW_GENERATOR, SLOW_IDENTITY, SlowElement, slow_base_mul

pytestmark = pytest.mark.no_db

# k*G on secp256k1: published test vectors (SEC 2 base point; multiples as listed
# e.g. in Chuck Batson's secp256k1 test vectors), affine x, y in hex.
KNOWN = [
    (1, "79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798",
        "483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8"),
    (2, "C6047F9441ED7D6D3045406E95C07CD85C778E4B8CEF3CA7ABAC09B95C709EE5",
        "1AE168FEA63DC339A3C58419466CEAEEF7F632653266D0E1236431A950CFE52A"),
    (3, "F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9",
        "388F7B0F632DE8140FE337E62A37F3566500A99934C2231B6CB9FD7584B8E672"),
    (20, "4CE119C96E2FA357200B559B2F7DD5A5F02D5290AFF74B03F3E471B273211C97",
        "12BA26DCB10EC1625DA61FA10A844C676162948271D96967450288EE9233DC3A"),
    (112233445566778899, "A90CC3D3F3E146DAADFC74CA1372207CB4B725AE708CEF713A98EDD73D99EF29",
        "5A79D6B289610C68BC3B47F3D72F9788A26A06868B4D8E433E1E2AD76FB7DC76"),
    (ORDER - 1, "79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798",
        "B7C52588D95C3B9AA25B0403F1EEF75702E84BB7597AABE663B82F6F04EF2777"),
]


def compressed(x_hex: str, y_hex: str) -> str:
    y = int(y_hex, 16)
    return ("03" if y & 1 else "02") + x_hex.lower()


@pytest.mark.parametrize(("k", "x", "y"), KNOWN)
def test_known_multiples_of_the_generator(k: int, x: str, y: str) -> None:
    assert base_mul(k).hex() == compressed(x, y)
    assert (GENERATOR * k).hex() == compressed(x, y)
    assert slow_base_mul(k).hex() == compressed(x, y)
    # The point is on the curve y^2 = x^3 + 7.
    xi, yi = int(x, 16), int(y, 16)
    assert (yi * yi - xi**3 - 7) % FIELD == 0


def test_generator_and_order() -> None:
    assert GENERATOR.hex() == compressed(format(GX, "064x"), format(GY, "064x"))
    assert base_mul(ORDER).is_identity
    assert (GENERATOR * ORDER).is_identity
    assert (SLOW_GENERATOR * ORDER).is_identity
    assert base_mul(ORDER - 1) + GENERATOR == IDENTITY


def test_identity_is_33_zero_bytes() -> None:
    assert IDENTITY_HEX == "00" * 33
    assert IDENTITY.hex() == IDENTITY_HEX
    assert Element.from_hex(IDENTITY_HEX, allow_identity=True).is_identity
    with pytest.raises(GroupError):
        Element.from_hex(IDENTITY_HEX)
    assert (GENERATOR - GENERATOR).hex() == IDENTITY_HEX
    assert IDENTITY + GENERATOR == GENERATOR
    assert (IDENTITY * 5).is_identity and (GENERATOR * 0).is_identity
    assert sum_elements([GENERATOR, -GENERATOR]).is_identity
    assert sum_elements([GENERATOR, -GENERATOR, GENERATOR]) == GENERATOR
    assert sum_elements([]).is_identity


@pytest.mark.parametrize(
    "text",
    [
        GENERATOR.hex().upper(),  # uppercase
        "04" + format(GX, "064x"),  # wrong prefix
        "02" + format(FIELD + 1, "064x")[-64:],  # x >= p (x = 1 after reduction would be valid)
        "02" + "00" * 31 + "05",  # x = 5: not on the curve (5^3 + 7 = 132 is a non-residue mod p)
        "02" + format(GX, "064x")[:-1],  # too short
        " " + GENERATOR.hex()[1:],
        "0" * 64 + "0g",
        None,
        123,
    ],
)
def test_invalid_elements_rejected(text: object) -> None:
    with pytest.raises(GroupError):
        Element.from_hex(text, allow_identity=True)


def test_uncompressed_encoding_rejected() -> None:
    raw = bytes([4]) + GX.to_bytes(32, "big") + GY.to_bytes(32, "big")
    with pytest.raises(GroupError):
        Element.from_bytes(raw)


def test_scalars() -> None:
    assert scalar_from_hex(scalar_hex(5)) == 5
    assert scalar_hex(ORDER + 3) == scalar_hex(3)
    for bad in (format(ORDER, "064x"), "f" * 64, "0" * 63, "0" * 62 + "_1", "0" * 63 + "A", 7):
        with pytest.raises(GroupError):
            scalar_from_hex(bad)


scalars = st.integers(min_value=0, max_value=ORDER - 1)
special = st.sampled_from([0, 1, 2, ORDER - 1, ORDER - 2, ORDER // 2, 2**128])
any_scalar = st.one_of(scalars, special)


@settings(max_examples=60, deadline=None)
@given(a=any_scalar, b=any_scalar, k=any_scalar)
def test_fast_and_slow_agree(a: int, b: int, k: int) -> None:
    fa, fb = base_mul(a), base_mul(b)
    sa, sb = slow_base_mul(a), slow_base_mul(b)
    assert fa.hex() == sa.hex()
    assert (fa + fb).hex() == (sa + sb).hex() == base_mul(a + b).hex()
    assert (fa - fb).hex() == (sa - sb).hex()
    assert (fa * k).hex() == (sa * k).hex() == base_mul(a * k).hex()
    assert (-fa).hex() == (-sa).hex()
    assert (fa + fa).hex() == (sa + sa).hex()
    # Round trips through both parsers.
    enc = fa.hex()
    allow = a == 0
    assert Element.from_hex(enc, allow_identity=True) == fa
    assert SlowElement.from_hex(enc, allow_identity=True) == sa
    if not allow:
        assert Element.from_hex(enc).hex() == enc


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=33, max_size=33))
def test_parsers_agree_on_arbitrary_bytes(data: bytes) -> None:
    def parse(cls: type) -> str | None:
        try:
            return cls.from_bytes(data, allow_identity=True).hex()
        except GroupError:
            return None

    assert parse(Element) == parse(SlowElement)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=2**256 - 1))
def test_parsers_agree_on_prefixed_x(x: int) -> None:
    for prefix in (2, 3):
        data = bytes([prefix]) + x.to_bytes(32, "big")
        try:
            fast = Element.from_bytes(data).hex()
        except GroupError:
            fast = None
        try:
            slow = SlowElement.from_bytes(data).hex()
        except GroupError:
            slow = None
        assert fast == slow


def test_slow_identity_rules() -> None:
    assert SLOW_IDENTITY.hex() == IDENTITY_HEX
    assert (SLOW_GENERATOR - SLOW_GENERATOR).is_identity
    with pytest.raises(GroupError):
        SlowElement.from_hex(IDENTITY_HEX)


def test_canonical_json() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    assert canonical_json({"z": {"y": 1, "x": 2}}) == b'{"z":{"x":2,"y":1}}'
    with pytest.raises(EncodingError):
        canonical_json({"a": 1.5})
    with pytest.raises(EncodingError):
        canonical_json({1: 2})
    assert hash_json({}) == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


@given(st.integers(min_value=0, max_value=58**18 - 1))
def test_base58_round_trip(value: int) -> None:
    text = b58encode_int(value, 18)
    assert len(text) == 18 and b58decode_int(text) == value


def test_base58_known() -> None:
    assert b58encode_int(0, 3) == "111"
    assert b58encode_int(57, 1) == "z"
    assert b58encode_int(58, 2) == "21"
    with pytest.raises(EncodingError):
        b58encode_int(58, 1)
    with pytest.raises(EncodingError):
        b58decode_int("0OIl")


@settings(max_examples=40, deadline=None)
@given(a=any_scalar, b=any_scalar, c=any_scalar, p=st.integers(1, ORDER - 1))
def test_fixed_base_tables_and_lincomb_agree_with_slow_group(a: int, b: int, c: int, p: int) -> None:
    from voting.crypto.group import fixed_base_table, lincomb

    point = base_mul(p)
    g_table, p_table = fixed_base_table(GENERATOR), fixed_base_table(point)
    slow_p = slow_base_mul(p)
    expected = (SLOW_GENERATOR * a + slow_p * b + SLOW_GENERATOR * c).hex()
    assert lincomb([(g_table, a), (p_table, b)], [(GENERATOR, c)]).hex() == expected
    assert lincomb([(g_table, a)], [(point, b), (GENERATOR, c)]).hex() == expected
    # Cancelling terms give the identity, not an error.
    assert lincomb([(g_table, a)], [(GENERATOR, ORDER - a)]).is_identity
    assert lincomb([], []).is_identity
    assert lincomb([], [(IDENTITY, a)]).is_identity
