"""The election definition and its fingerprint."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .encoding import hash_json, is_hex

VERSION = "unevoix/v1"
KINDS = ("resolution", "board")
MAJORITIES = ("simple", "two_thirds", "three_quarters", "each_category")
TIE_RULES = ("ballot_order", "lot")
CATEGORIES = ("A", "B")
_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class DefinitionError(ValueError):
    pass


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise DefinitionError(f"{what} must match [A-Za-z0-9_.-]{{1,64}}")
    return value


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DefinitionError(f"{what} must be a non-negative integer")
    return value


@dataclass(frozen=True)
class Contest:
    id: str
    kind: str  # "resolution" | "board"
    choices: tuple[str, ...]
    min: int
    max: int
    category: str | None = None  # board contests: the candidates' category, A or B
    seats: int | None = None  # board contests: quota (default 11 for A, 7 for B)
    majority: str = "simple"  # resolutions
    quorum: int = 0  # resolutions: minimum number of counted ballots

    def __post_init__(self) -> None:
        _check_id(self.id, "contest id")
        if self.kind not in KINDS:
            raise DefinitionError(f"contest {self.id}: unknown kind")
        if not self.choices or len(set(self.choices)) != len(self.choices):
            raise DefinitionError(f"contest {self.id}: choices must be non-empty and distinct")
        for ch in self.choices:
            _check_id(ch, "choice id")
        _int(self.min, "min")
        _int(self.max, "max")
        if not self.min <= self.max <= len(self.choices):
            raise DefinitionError(f"contest {self.id}: need 0 <= min <= max <= number of choices")
        if self.kind == "resolution":
            if "yes" not in self.choices or "no" not in self.choices:
                raise DefinitionError(f"contest {self.id}: a resolution has choices yes and no")
            if self.majority not in MAJORITIES:
                raise DefinitionError(f"contest {self.id}: unknown majority rule")
        else:
            if self.category not in CATEGORIES:
                raise DefinitionError(f"contest {self.id}: a board contest has category A or B")
            if self.seats is None:
                object.__setattr__(self, "seats", 11 if self.category == "A" else 7)
            _int(self.seats, "seats")
        _int(self.quorum, "quorum")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "choices": list(self.choices),
            "min": self.min,
            "max": self.max,
            "category": self.category,
            "seats": self.seats,
            "majority": self.majority if self.kind == "resolution" else None,
            "quorum": self.quorum,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Contest":
        return cls(
            id=d["id"],
            kind=d["kind"],
            choices=tuple(d["choices"]),
            min=d["min"],
            max=d["max"],
            category=d.get("category"),
            seats=d.get("seats"),
            majority=d.get("majority") or "simple",
            quorum=d.get("quorum", 0),
        )


@dataclass(frozen=True)
class TrusteeInfo:
    id: str
    name: str
    signing_key: str  # Ed25519 public key, 64 hex
    encryption_key: str  # X25519 public key, 64 hex

    def __post_init__(self) -> None:
        _check_id(self.id, "trustee id")
        if not is_hex(self.signing_key, 64) or not is_hex(self.encryption_key, 64):
            raise DefinitionError(f"trustee {self.id}: keys must be 64 lowercase hex")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "signing_key": self.signing_key,
            "encryption_key": self.encryption_key,
        }


@dataclass(frozen=True)
class Election:
    id: str
    title: str
    contests: tuple[Contest, ...]
    trustees: tuple[TrusteeInfo, ...]
    threshold: int
    tie_rule: str = "ballot_order"
    # A published count combines at least this many ballots (per category too); below it the
    # result withholds the numbers so that no single vote shows.
    min_ballots: int = 5
    _fp: list[str] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_id(self.id, "election id")
        if not self.contests or len({c.id for c in self.contests}) != len(self.contests):
            raise DefinitionError("contests must be non-empty with distinct ids")
        if len({t.id for t in self.trustees}) != len(self.trustees):
            raise DefinitionError("trustee ids must be distinct")
        if type(self.threshold) is not int or not 1 <= self.threshold <= len(self.trustees):
            raise DefinitionError("need 1 <= threshold <= number of trustees")
        if self.tie_rule not in TIE_RULES:
            raise DefinitionError("unknown tie rule")
        if not isinstance(self.min_ballots, int) or isinstance(self.min_ballots, bool) or not 1 <= self.min_ballots <= 1_000_000:
            raise DefinitionError("min_ballots must be an integer from 1 to 1,000,000")

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "id": self.id,
            "title": self.title,
            "contests": [c.to_json() for c in self.contests],
            "trustees": [t.to_json() for t in self.trustees],
            "threshold": self.threshold,
            "tie_rule": self.tie_rule,
            "min_ballots": self.min_ballots,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Election":
        if not isinstance(d, dict) or d.get("version") != VERSION:
            raise DefinitionError("not a unevoix/v1 election definition")
        return cls(
            id=d["id"],
            title=d["title"],
            contests=tuple(Contest.from_json(c) for c in d["contests"]),
            trustees=tuple(TrusteeInfo(**t) for t in d["trustees"]),
            threshold=d["threshold"],
            tie_rule=d.get("tie_rule", "ballot_order"),
            min_ballots=d.get("min_ballots", 5),
        )

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the canonical JSON of the definition."""
        if not self._fp:
            self._fp.append(hash_json(self.to_json()))
        return self._fp[0]

    def trustee_index(self, trustee_id: str) -> int:
        """1-based Shamir index of a trustee (its position in the definition)."""
        for i, t in enumerate(self.trustees):
            if t.id == trustee_id:
                return i + 1
        raise KeyError(trustee_id)

    def contest(self, contest_id: str) -> Contest:
        for c in self.contests:
            if c.id == contest_id:
                return c
        raise KeyError(contest_id)
