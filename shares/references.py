"""Belgian structured communications (OGM/VCS): 10 digits and 2 check digits (mod 97, 97 for 0).

Making, reading, writing and finding them in free text. Kept apart from ``shares.payments`` so that
``shares.models`` can write a request's communication without importing the services."""
from __future__ import annotations

import re
import secrets

from stdnum.be import ogm_vcs
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from shares.errors import InvalidReference


def reference_for(base: int) -> str:
    """The 12-digit communication for a 10-digit base number (1 <= base < 10**10)."""
    if not 0 < base < 10**10:
        raise ValueError("base out of range")
    digits = f"{base:010d}"
    return digits + ogm_vcs.calc_check_digits(digits)


def parse_reference(text: str) -> str:
    """Staff- or bank-typed communication to its 12 compact digits; InvalidReference(reason) if not."""
    if len(text) > 40:  # python-stdnum would read thousands of digits as an int
        raise InvalidReference("length")
    try:
        return ogm_vcs.validate(text.strip().replace("*", "+").replace(".", "/").replace("-", "/"))
    except InvalidChecksum:
        raise InvalidReference("checksum") from None
    except InvalidLength:
        raise InvalidReference("length") from None
    except ValidationError:
        raise InvalidReference("format") from None


def format_reference(reference: str) -> str:
    return f"+++{ogm_vcs.format(reference)}+++"


# Digits as a communication has them (str.isdigit is also true for "²", as in a payer's "50 m²").
_DIGITS = frozenset("0123456789")

# A communication inside free text: 12 digits as 3/4/5, the groups apart by a slash, a dot or a dash (as
# ``parse_reference`` reads them) or spaces, optionally between +++ or ***, never a piece of a longer run of
# digits (an account number, an invoice number) - hence the digit boundaries.
_IN_TEXT = re.compile(r"(?<![\d/])(?:\+\+\+|\*\*\*)?\s*(\d{3})\s*[/.-]?\s*(\d{4})\s*[/.-]?\s*(\d{5})"
                      r"(?![\d/])", re.ASCII)
# What looks like a communication to a person (separators or markers), valid or not: the same separator twice.
_LOOKALIKE = re.compile(r"(?:\+\+\+|\*\*\*)\s*\d{3}\s*[/.-]?\s*\d{4}\s*[/.-]?\s*\d{5}\s*(?:\+\+\+|\*\*\*)"
                        r"|(?<![\d/])\d{3}\s*([/.-])\s*\d{4}\s*\1\s*\d{5}(?![\d/])", re.ASCII)


def find_reference(text: str | None) -> str | None:
    """A valid structured communication inside free text (banks sometimes put it there)."""
    if not text:
        return None
    for match in _IN_TEXT.finditer(text):
        candidate = "".join(match.groups())
        if ogm_vcs.is_valid(candidate):
            return candidate
    return None


def reference_in_field(text: str | None) -> str | None:
    """A valid communication in a field meant for one (a statement's structured reference), however its
    digits are grouped: found in it as in free text, or its only digits when they are 12 and valid."""
    found = find_reference(text)
    if found or not text:
        return found
    digits = "".join(c for c in text if c in _DIGITS)
    return digits if len(digits) == 12 and ogm_vcs.is_valid(digits) else None


def wrong_check_digits(text: str | None) -> bool:
    """Whether ``text`` holds a communication's 12 digits whose check digits are wrong (a typing slip),
    as opposed to something that is no Belgian communication at all (a creditor reference, a word)."""
    digits = "".join(c for c in text or "" if c in _DIGITS)
    return len(digits) == 12 and not ogm_vcs.is_valid(digits)


def reference_lookalike(text: str | None) -> str | None:
    """What the payer typed as a structured communication when its check digits are wrong, as typed."""
    if not text:
        return None
    for match in _LOOKALIKE.finditer(text):
        digits = "".join(c for c in match.group(0) if c in _DIGITS)
        if not ogm_vcs.is_valid(digits):
            return match.group(0).strip()[:40]
    return None


def near_references(reference: str) -> list[str]:
    """Valid communications one typing slip away from ``reference`` (one digit wrong, or two neighbours
    swapped), for suggesting the request a payer probably meant."""
    digits = "".join(c for c in reference if c in _DIGITS)
    if len(digits) != 12:
        return []
    out: set[str] = set()
    for i in range(12):
        for d in "0123456789":
            if d != digits[i]:
                out.add(digits[:i] + d + digits[i + 1:])
        if i < 11 and digits[i] != digits[i + 1]:
            out.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    return sorted(c for c in out if ogm_vcs.is_valid(c))


def random_reference() -> str:
    return reference_for(secrets.randbelow(10**10 - 1) + 1)
