"""At the door, the code printed on a convocation is read whatever case it was typed in: a reading
must pass the credential's check characters and be this assembly's one current code; anything else
is refused in words (never a 500)."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from assemblies import errors, services
from tests.assemblies.world import meeting_day
from tests.factories import sign_in
from voting.crypto.credential import (CredentialError, case_readings, credential_public, generate_credential,
                                      normalize_credential)


def printed_code(outbox, member) -> str:
    """The credential of the member's convocation, as printed: XXXXX-XXXXX-XXXXX-XXXXX."""
    return re.search(r"/vote#([1-9A-Za-z-]+):", outbox(member.email)[-1].body_text).group(1)


@pytest.fixture()
def convened(world):
    """Convened in time, and the meeting's day has come: the door is open."""
    services.convene(world.assembly)
    db.session.commit()
    meeting_day(world)
    return world


@pytest.mark.parametrize("typing", [
    str.upper, str.lower, str.swapcase,
    lambda c: c.upper().replace("-", ""),
    lambda c: c.upper().replace("-", " "),
    lambda c: "  " + c.lower().replace("-", " - ") + "\t",
])
def test_a_code_typed_in_another_case_names_its_member(convened, outbox, typing):
    member = convened.members[1]
    code = printed_code(outbox, member)
    assert services.member_for_code(convened.assembly, typing(code)).id == member.id
    assert services.check_in_code(convened.assembly, typing(code)).id == member.id


def test_the_case_readings_of_a_code_hold_it_and_only_codes_that_pass_their_check():
    for _ in range(20):
        code = generate_credential()
        readings = case_readings(code.upper())
        assert normalize_credential(code) in readings
        assert all(normalize_credential(r) == r for r in readings)  # each one passes its check characters
        assert len(readings) < 1000


def test_a_code_of_another_assembly_or_replaced_is_still_told_so_in_capitals(convened, outbox):
    member = convened.members[0]
    old = printed_code(outbox, member)
    services.resend_link(convened.assembly, services.elector_for(convened.assembly, member), actor=convened.officer)
    db.session.commit()
    with pytest.raises(errors.CodeReplaced):
        services.member_for_code(convened.assembly, old.upper())
    assert services.member_for_code(convened.assembly, printed_code(outbox, member).upper()).id == member.id


@pytest.mark.parametrize("text", [
    "", " ", "\u00a0", "-----", "A" * 20, "Z" * 20, "AAAAA-AAAAA-AAAAA-AAAAA", "1" * 20,
    "ÉÉÉÉÉ-ÉÉÉÉÉ-ÉÉÉÉÉ-ÉÉÉÉÉ", "ＡＢＣＤＥ-ＦＧＨＪＫ-ＬＭＮＰＱ-ＲＳＴＵＶ", "ß" * 20, "İ" * 20, "\x00" * 20,
    "0OIl0-OIl0O-Il0OI-l0OIl", "A" * 21, "A" * 19, "A" * 10_000, "é" * 10_000, "#" + "A" * 20,
    "https://x/voting/ga-test/vote#" + "A" * 20, "https://x/voting/ga-test/vote#" + "A" * 20 + ":" + "0" * 64,
])
def test_garbage_at_the_door_is_refused_in_words(convened, text):
    with pytest.raises(errors.AssemblyError) as refused:
        services.member_for_code(convened.assembly, text)
    assert isinstance(refused.value, (errors.UnreadableCode, errors.CodeOfAnotherAssembly, errors.UnknownCode,
                                    errors.UnknownMember))


def test_a_code_typed_in_capitals_is_checked_in_from_the_door_page(client, convened, outbox):
    member = convened.members[2]
    sign_in(client, convened.staff)
    door = "/assemblies/ga-test/checkin"
    assert client.get(door).status_code == 200
    answer = client.post(door, data={"number": printed_code(outbox, member).upper()})
    assert answer.status_code == 302
    assert f"{member.name} is checked in" in client.get(door).get_data(as_text=True)
    for text in ("A" * 20, "ÉÉÉÉÉ-ÉÉÉÉÉ-ÉÉÉÉÉ-ÉÉÉÉÉ", "é" * 10_000, ""):
        refused = client.post(door, data={"number": text})
        assert refused.status_code in (400, 404), text[:20]



def _code_whose_small_letters_pass_their_check() -> str:
    """A credential that, typed all in small letters, is another valid credential (about one in 1,300)."""
    while True:
        code = generate_credential()
        if code.lower() != code:
            try:
                normalize_credential(code.lower())
            except CredentialError:
                continue
            return code


def test_a_code_whose_small_letters_pass_their_check_still_names_its_member(world, outbox, monkeypatch):
    """Typed all in small letters, such a code reads as a valid credential that names nobody: its case
    readings must still find its member (the door said "unknown code" about once in 1,300)."""
    code = _code_whose_small_letters_pass_their_check()
    issued = iter([code])
    monkeypatch.setattr(services, "generate_credential", lambda real=services.generate_credential: next(issued, None)
                        or real())
    services.convene(world.assembly)
    db.session.commit()
    meeting_day(world)
    owner = next(m for m in world.members if normalize_credential(printed_code(outbox, m)) == normalize_credential(code))
    assert services.member_for_code(world.assembly, code.lower()).id == owner.id
    with pytest.raises(errors.UnknownCode):  # nobody's code, in small letters: unknown, as before
        services.member_for_code(world.assembly, _code_whose_small_letters_pass_their_check().lower())


def _link(outbox, member) -> str:
    return re.search(r"(https?://\S+/vote#[1-9A-Za-z-]+:[0-9a-f]{64})", outbox(member.email)[-1].body_text).group(1)


def _made_public(link: str) -> str:
    """The link as the check-in page's script sends it: its credential made public, the rest kept."""
    address, _, payload = link.rpartition("#")
    credential, _, fingerprint = payload.partition(":")
    return f"{address}#{credential_public(normalize_credential(credential))}:{fingerprint}"


def test_a_scanned_link_sent_with_its_public_credential_names_its_member_or_another_assembly(convened, outbox):
    member = convened.members[3]
    link = _made_public(_link(outbox, member))
    assert services.member_for_code(convened.assembly, link).id == member.id
    assert services.member_for_code(convened.assembly, link.rpartition("#")[2]).id == member.id
    fingerprint = link.rpartition(":")[2]
    with pytest.raises(errors.CodeOfAnotherAssembly):  # another election's fingerprint
        services.member_for_code(convened.assembly, link.replace(fingerprint, "ab" * 32))
    with pytest.raises(errors.CodeOfAnotherAssembly):  # another election's address
        services.member_for_code(convened.assembly, link.replace("/voting/ga-test/", "/voting/ga-2025/"))
    # The address and fingerprint are trusted for nothing else: a public credential of no elector of
    # this assembly, in a link dressed as this assembly's, names nobody.
    stranger = credential_public(generate_credential())
    with pytest.raises(errors.UnknownCode):
        services.member_for_code(convened.assembly, link.replace(link.rpartition("#")[2].partition(":")[0], stranger))
