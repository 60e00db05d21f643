from __future__ import annotations

import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as std_iban

from app.extensions import db
from app.qr import qr_png
from shares import register
from shares.errors import InvalidReference
from shares.models import PaymentStatus
from shares.payments import epc_payload, parse_epc, request_payload
from shares.references import find_reference, format_reference, near_references, parse_reference, reference_for
from shares.register import record_payment
from shares.settings import setting
from shares.signals import payment_matched

EPC_IMAGES = sorted((Path(__file__).parent / "data" / "epc").glob("*.png"))  # see data/SOURCES.md


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=10**10 - 1))
def test_reference_check_digits(base):
    ref = reference_for(base)
    assert len(ref) == 12 and ref.isdigit()
    remainder = int(ref[:10]) % 97
    assert int(ref[10:]) == (remainder or 97)
    assert parse_reference(format_reference(ref)) == ref
    assert parse_reference(ref) == ref
    assert find_reference(f"paid {format_reference(ref)} thanks") == ref


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=10**10 - 1), st.integers(min_value=1, max_value=96))
def test_reference_with_wrong_check_is_refused(base, shift):
    ref = reference_for(base)
    wrong = ref[:10] + f"{(int(ref[10:]) + shift - 1) % 97 + 1:02d}"
    with pytest.raises(InvalidReference) as info:
        parse_reference(wrong)
    assert info.value.reason == "checksum"


def test_a_superscript_is_no_digit_of_a_communication():
    """"²" passes str.isdigit(): a payer's "50 m²" must not make eleven digits look like a communication."""
    from shares.references import reference_in_field, wrong_check_digits

    ref = reference_for(1234)
    assert wrong_check_digits(ref[:11] + "²") is False and reference_in_field(ref[:11] + "²") is None
    assert reference_in_field(format_reference(ref)) == ref


def test_reference_zero_remainder_gives_97():
    assert reference_for(97) == "000000009797"
    assert format_reference("000000009797") == "+++000/0000/09797+++"


@pytest.mark.parametrize("text,reason", [("+++123/4567/890+++", "length"), ("abc", "format"),
                                         ("+++010/8068/17180+++", "checksum")])
def test_reference_errors_are_named(text, reason):
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    assert info.value.reason == reason


@settings(deadline=None)
@given(st.from_regex(r"BE[0-9]{14}", fullmatch=True))
def test_payload_refuses_every_invalid_iban(candidate):
    if std_iban.is_valid(candidate):
        assert epc_payload(name="X", iban=candidate, bic=None, amount_cents=100).split("\n")[6] == candidate
    else:
        with pytest.raises(Exception):
            epc_payload(name="X", iban=candidate, bic=None, amount_cents=100)


def test_payload_follows_the_guideline():
    payload = epc_payload(name="Une Voix SCRL", iban="BE71 0961 2345 6769", bic="GKCCBEBB", amount_cents=3000,
                          reference="010806817183")
    lines = payload.split("\n")
    assert lines == ["BCD", "002", "1", "SCT", "GKCCBEBB", "Une Voix SCRL", "BE71096123456769", "EUR30", "",
                     "+++010/8068/17183+++"]
    assert not payload.endswith("\n") and len(payload.encode()) <= 331
    assert epc_payload(name="N", iban="BE71096123456769", bic="", amount_cents=1230).split("\n")[7] == "EUR12.3"
    assert epc_payload(name="N", iban="BE71096123456769", bic="", amount_cents=1205).split("\n")[7] == "EUR12.05"
    fields = parse_epc(payload)
    assert fields["amount_cents"] == 3000 and fields["remittance_reference"] == "+++010/8068/17183+++"
    assert fields["remittance_text"] == ""
    with pytest.raises(ValueError):
        epc_payload(name="N", iban="BE71096123456769", bic="", amount_cents=0)


def _zbar(png: bytes) -> bytes:
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png)
        f.flush()
        out = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", f.name], capture_output=True, check=True)
    return out.stdout


@pytest.mark.parametrize("name", ["Une Voix SCRL", "Coopérative Une Voix – Lefèvre"])
def test_qr_decodes_to_the_payload(name):
    payload = epc_payload(name=name, iban="BE71096123456769", bic="GKCCBEBB", amount_cents=12345,
                          reference=reference_for(1234567890))
    decoded = _zbar(qr_png(payload, level="M"))
    assert decoded.rstrip(b"\n").decode("utf-8") == payload


def _scanned(path) -> bytes:
    """zbar ends its output with a line feed of its own; the payload itself ends without one."""
    raw = _zbar(Path(path).read_bytes())
    return raw[:-1] if raw.endswith(b"\n") else raw


def test_the_reference_images_are_in_the_repository():
    assert len(EPC_IMAGES) == 11 and all(p.is_relative_to(Path(__file__).parent) for p in EPC_IMAGES)


@pytest.mark.parametrize("path", EPC_IMAGES, ids=lambda p: p.name)
def test_reference_images_parse(path):
    fields = parse_epc(_scanned(path))
    assert fields["service_tag"] == "BCD" and fields["identification"] == "SCT"
    assert fields["amount_cents"] > 0 and fields["iban"]
    # Our builder, given the same values, writes the same structure (version, lines, amount).
    if std_iban.is_valid(fields["iban"]) and fields["remittance_text"] == "" and fields["version"] == "002":
        rebuilt = parse_epc(epc_payload(name=fields["name"], iban=fields["iban"], bic=fields["bic"],
                                        amount_cents=fields["amount_cents"]))
        assert rebuilt["amount"] == fields["amount"] and rebuilt["iban"] == fields["iban"]


def test_reference_images_amounts():
    fields = parse_epc(_scanned(EPC_IMAGES[0]))
    assert fields["amount"] == "EUR12.3" and fields["amount_cents"] == 1230
    ours = epc_payload(name="Franz", iban="DE71110220330123456789", bic="BHBLDEHHXXX", amount_cents=1230,
                       purpose="GDDS", text="x")
    assert ours.split("\n")[7] == fields["amount"]


def test_request_payload_uses_config(make_member):
    _, request = register.subscribe(make_member(), 2, on=date(2023, 1, 1))
    fields = parse_epc(request_payload(request))
    assert fields["iban"] == setting("COOP_IBAN")
    assert fields["amount_cents"] == 6000
    assert fields["remittance_reference"] == request.formatted_reference


def test_record_payment_updates_request_keeps_the_surplus_and_signals(make_member):
    _, request = register.subscribe(make_member(), 2, on=date(2023, 1, 1))
    seen = []

    def listener(sender, **kw):
        seen.append((sender.id, kw["amount_cents"], kw["applied_cents"]))
    payment_matched.connect(listener)
    try:
        record_payment(request, 2000, on=date(2023, 1, 2))
        assert request.status is PaymentStatus.PARTIALLY_PAID and request.due_cents == 4000
        applied = record_payment(request, 5000, on=date(2023, 1, 3))
    finally:
        payment_matched.disconnect(listener)
    db.session.commit()
    assert request.status is PaymentStatus.PAID and applied.excess_cents == 1000
    assert request.paid_cents == 6000  # never more than asked: the rest is kept apart
    assert applied.entry.paid_cents == applied.entry.amount_cents == 4000
    assert applied.surplus.amount_cents == 1000 and applied.surplus.decision is None
    assert seen == [(request.id, 2000, 2000), (request.id, 5000, 4000)]
    # A payment of a request already paid is all surplus, and no register entry.
    again = record_payment(request, 3000, on=date(2023, 1, 4))
    assert again.entry is None and again.surplus.amount_cents == 3000 and request.paid_cents == 6000


# ---------------------------------------------------------------------------------------------
# EPC069-12: the builder writes only what the guideline allows, the reader accepts nothing else
# ---------------------------------------------------------------------------------------------

def test_builder_strips_line_breaks_caps_fields_and_upper_cases_the_bic():
    payload = epc_payload(name="Une Voix\nSC\r\n" + "x" * 100, iban="be71 0961 2345 6769", bic=" gkccbebb ",
                          amount_cents=3000, text="line one\nline two\u2028three" + "y" * 200,
                          purpose="GDDS\nX", information="info\n" + "z" * 50)
    lines = payload.split("\n")
    assert len(lines) == 12 and "\r" not in payload
    assert lines[4] == "GKCCBEBB" and lines[6] == "BE71096123456769"
    assert lines[5].startswith("Une Voix SC x") and len(lines[5]) == 70
    assert lines[8] == "GDDS" and lines[10].startswith("line one line two three") and len(lines[10]) == 140
    assert lines[11] == "info " + "z" * 50
    assert parse_epc(payload)["bic"] == "GKCCBEBB"
    short = epc_payload(name="N", iban="BE71096123456769", bic="", amount_cents=100, information="i\r\n" * 100)
    assert short.split("\n")[-1] == ("i " * 35)[:70].rstrip()
    with pytest.raises(ValueError):
        epc_payload(name="X", iban="BE71096123456769", bic="not a bic!", amount_cents=100)
    with pytest.raises(ValueError):
        epc_payload(name="\n \r", iban="BE71096123456769", bic="", amount_cents=100)


@settings(deadline=None, max_examples=200)
@given(st.text(max_size=200), st.text(max_size=300), st.text(max_size=100))
def test_builder_output_is_always_readable_or_refused(name, text, information):
    try:
        payload = epc_payload(name=name, iban="BE71096123456769", bic="GKCCBEBB", amount_cents=1234, text=text,
                              information=information)
    except ValueError:
        return  # an empty name, or over 331 bytes: refused, never written
    fields = parse_epc(payload)
    assert fields["amount_cents"] == 1234 and "\n" not in fields["name"] + fields["remittance_text"]


VALID = "BCD\n002\n1\nSCT\nGKCCBEBB\nUne Voix\nBE71096123456769\nEUR30"


@pytest.mark.parametrize("payload,why", [
    (VALID + "\n", "separator"),
    (VALID.replace("\n", "\r\n", 2), "mixed"),
    (VALID.replace("\n", "\r"), "carriage return"),
    ("BCD\n002\n1\nSEPA\nGKCCBEBB\nUne Voix\nBE71096123456769\nEUR30", "not an EPC"),
    (VALID.replace("GKCCBEBB", "GKCCBEBBXXXX"), "bic"),
    (VALID.replace("GKCCBEBB", "gkcc"), "BIC"),
    (VALID.replace("Une Voix", "N" * 71), "name"),
    (VALID.replace("Une Voix", ""), "name"),
    (VALID.replace("BE71096123456769", "BE71 0961 2345 6769"), "IBAN"),
    (VALID.replace("EUR30", "EUR0"), "amount"),
    (VALID.replace("EUR30", "EUR1000000000"), "amount"),
    (VALID.replace("EUR30", "EUR30.001"), "amount"),
    (VALID.replace("EUR30", "EUR 30"), "amount"),
    (VALID.replace("EUR30", "EUR١٢"), "amount"),
    (VALID + "\nGDDSX", "purpose"),
    (VALID + "\n\n" + "R" * 36, "remittance_reference"),
    (VALID + "\n\n\n" + "t" * 141, "remittance_text"),
    (VALID + "\n\n+++010/8068/17183+++\ntext", "both"),
    (VALID + "\n\n\n\n" + "i" * 71, "information"),
    (VALID.replace("\n1\n", "\n9\n"), "character set"),
    (VALID.replace("002", "001").replace("GKCCBEBB", ""), "001"),
    (VALID + "\n\n\n" + "é" * 140, "331"),
])
def test_reader_is_as_strict_as_the_guideline(payload, why):
    with pytest.raises(ValueError) as info:
        parse_epc(payload)
    assert why.lower() in str(info.value).lower()


def test_near_references_are_valid_and_one_slip_away():
    ref = reference_for(1234567890)
    near = near_references(ref[:3] + "9" + ref[4:])
    assert ref in near and all(parse_reference(n) == n for n in near)
    assert near_references("12") == []
