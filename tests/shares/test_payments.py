from __future__ import annotations

import glob
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
from shares.payments import (apply_payment, epc_payload, find_reference, format_reference, parse_epc,
                             parse_reference, reference_for, request_payload)
from shares.settings import setting
from shares.signals import payment_matched

EPC_IMAGES = sorted(glob.glob("/work/shared/conformance/epc/images/*.png"))


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


@pytest.mark.parametrize("path", EPC_IMAGES, ids=lambda p: p.rsplit("/", 1)[-1])
def test_reference_images_parse(path):
    raw = _zbar(Path(path).read_bytes()).rstrip(b"\n")
    fields = parse_epc(raw.decode("utf-8", errors="replace"))
    assert fields["service_tag"] == "BCD" and fields["identification"] == "SCT"
    assert fields["amount_cents"] > 0 and fields["iban"]
    # Our builder, given the same values, writes the same structure (version, lines, amount).
    if std_iban.is_valid(fields["iban"]) and fields["remittance_text"] == "" and fields["version"] == "002":
        rebuilt = parse_epc(epc_payload(name=fields["name"], iban=fields["iban"], bic=fields["bic"],
                                        amount_cents=fields["amount_cents"]))
        assert rebuilt["amount"] == fields["amount"] and rebuilt["iban"] == fields["iban"]


def test_reference_images_amounts():
    fields = parse_epc(_zbar(Path(EPC_IMAGES[0]).read_bytes()).decode("utf-8", errors="replace"))
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


def test_apply_payment_updates_request_and_signals(make_member):
    _, request = register.subscribe(make_member(), 2, on=date(2023, 1, 1))
    seen = []

    def listener(sender, **kw):
        seen.append((sender.id, kw["amount_cents"]))
    payment_matched.connect(listener)
    try:
        apply_payment(request, 2000, on=date(2023, 1, 2))
        assert request.status is PaymentStatus.PARTIALLY_PAID and request.due_cents == 4000
        applied = apply_payment(request, 5000, on=date(2023, 1, 3))
    finally:
        payment_matched.disconnect(listener)
    db.session.commit()
    assert request.status is PaymentStatus.PAID and applied.excess_cents == 1000
    assert applied.entry.paid_cents == 4000
    assert seen == [(request.id, 2000), (request.id, 5000)]
