"""Homomorphic sums, threshold decryption of the totals, resolution outcomes and seats."""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Mapping, Sequence

from voting.crypto.errors import CodedError

from .dkg import DlogTable, combine
from .election import CATEGORIES, Contest, Election
from .group import Element, sum_elements

Sums = dict[str, dict[str, dict[str, dict[str, str]]]]


class TallyError(CodedError):
    """The tally or the result does not follow from the sums; ``code`` is stable."""


def flat_choices(election: Election) -> list[tuple[str, str]]:
    return [(c.id, ch) for c in election.contests for ch in c.choices]


def sum_ballots(election: Election, ballots: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, list[tuple[Element, Element]]]:
    """Per category, the (alpha, beta) sum of every choice in flat order. Input: (category, ballot)."""
    width = len(flat_choices(election))
    cols: dict[str, list[tuple[list[Element], list[Element]]]] = {
        cat: [([], []) for _ in range(width)] for cat in CATEGORIES
    }
    for cat, ballot in ballots:
        col = cols[cat]
        i = 0
        for c in ballot["contests"]:
            for ch in c["choices"]:
                col[i][0].append(Element.from_hex(ch["alpha"]))
                col[i][1].append(Element.from_hex(ch["beta"]))
                i += 1
    return {cat: [(sum_elements(a), sum_elements(b)) for a, b in col] for cat, col in cols.items()}


def add_flat_sums(
    parts: Iterable[Mapping[str, list[tuple[Element, Element]]]], width: int
) -> dict[str, list[tuple[Element, Element]]]:
    acc: dict[str, list[tuple[list[Element], list[Element]]]] = {cat: [([], []) for _ in range(width)] for cat in CATEGORIES}
    for part in parts:
        for cat, col in part.items():
            for i, (a, b) in enumerate(col):
                acc[cat][i][0].append(a)
                acc[cat][i][1].append(b)
    return {cat: [(sum_elements(a), sum_elements(b)) for a, b in col] for cat, col in acc.items()}


def sums_to_json(election: Election, flat: Mapping[str, list[tuple[Element, Element]]]) -> Sums:
    names = flat_choices(election)
    out: Sums = {}
    for cat in CATEGORIES:
        out[cat] = {c.id: {} for c in election.contests}
        for (cid, chid), (a, b) in zip(names, flat[cat]):
            out[cat][cid][chid] = {"alpha": a.hex(), "beta": b.hex()}
    return out


def published_groups(counted: Mapping[str, int], min_ballots: int) -> list[str]:
    """Which encrypted totals may be decrypted without showing fewer than ``min_ballots`` votes.

    Per category (``A``, ``B``) when every category has no ballot or at least ``min_ballots``;
    otherwise only the combined ``total`` when it has at least ``min_ballots``; otherwise nothing.
    (Publishing the total and one category would show the other category's votes.)"""
    if all(counted.get(cat, 0) == 0 or counted.get(cat, 0) >= min_ballots for cat in CATEGORIES):
        return list(CATEGORIES)
    if sum(counted.get(cat, 0) for cat in CATEGORIES) >= min_ballots:
        return ["total"]
    return []


def contest_groups(election: Election, counted: Mapping[str, Mapping[str, int]], min_ballots: int) -> dict[str, list[str]]:
    """Per contest, the groups :func:`published_groups` allows for that contest's counted ballots
    (``counted``: contest id -> ballots per category; contests closed item by item count apart)."""
    return {c.id: published_groups(counted[c.id], min_ballots) for c in election.contests}


def decrypt_sums(election: Election, sums: Sums, groups: Iterable[str] | Mapping[str, Iterable[str]]) -> Sums:
    """The ciphertexts the scrutineers decrypt: ``sums[cat]`` per category, or the sum of both
    categories for ``total``. ``groups``: the same groups for every contest, or per contest id
    (:func:`contest_groups`); a group no contest publishes is left out."""
    per_contest = ({c.id: list(groups[c.id]) for c in election.contests} if isinstance(groups, Mapping)
                   else {c.id: list(groups) for c in election.contests})
    out: Sums = {}
    for group in ("A", "B", "total"):
        contests = [c for c in election.contests if group in per_contest[c.id]]
        if not contests:
            continue
        out[group] = {}
        for c in contests:
            if group in CATEGORIES:
                out[group][c.id] = {ch: dict(ct) for ch, ct in sums[group][c.id].items()}
                continue
            out[group][c.id] = {}
            for ch in c.choices:
                a = sum_elements(Element.from_hex(sums[cat][c.id][ch]["alpha"], allow_identity=True) for cat in CATEGORIES)
                b = sum_elements(Element.from_hex(sums[cat][c.id][ch]["beta"], allow_identity=True) for cat in CATEGORIES)
                out[group][c.id][ch] = {"alpha": a.hex(), "beta": b.hex()}
    return out


def group_limits(counted: Mapping[str, int]) -> dict[str, int]:
    limits = {cat: counted.get(cat, 0) for cat in CATEGORIES}
    limits["total"] = sum(limits.values())
    return limits


def decrypt_counts(
    election: Election,
    sums: Sums,
    factors_by_index: Mapping[int, Mapping[str, Mapping[str, Mapping[str, Element]]]],
    limits: Mapping[str, int],
    contest_limits: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, dict[str, dict[str, int]]]:
    """Combine >= k partial decryptions and take small discrete logs; counts per decrypted group
    (the keys of ``sums``: categories, or ``total``) and contest (those the group holds).
    ``contest_limits``: per contest, its counted ballots per category (contests closed item by
    item), else ``limits`` for every contest."""
    if sums and len(factors_by_index) < election.threshold:
        raise TallyError("not_enough_trustees", "fewer partial decryptions than the threshold")
    per_contest = {c.id: group_limits(contest_limits[c.id] if contest_limits is not None else limits)
                   for c in election.contests}
    counts: dict[str, dict[str, dict[str, int]]] = {}
    tables: dict[int, DlogTable] = {}
    for group in sums:
        counts[group] = {}
        for c in election.contests:
            if c.id not in sums[group]:
                continue
            limit = per_contest[c.id].get(group, 0)
            table = tables.setdefault(limit, DlogTable(limit))
            counts[group][c.id] = {}
            for ch in c.choices:
                beta = Element.from_hex(sums[group][c.id][ch]["beta"], allow_identity=True)
                m = combine(beta, {i: f[group][c.id][ch] for i, f in factors_by_index.items()})
                value = table.lookup(m)
                if value is None:
                    raise TallyError("decryption_out_of_range", f"{group}/{c.id}/{ch}: the total exceeds the electorate")
                counts[group][c.id][ch] = value
    return counts


def _lot_key(fp: str, choice: str) -> str:
    return hashlib.sha256(f"{fp}:{choice}".encode()).hexdigest()


def seat_order(totals: Mapping[str, int], order: Sequence[str], seats: int, tie_rule: str,
               fingerprint: str) -> tuple[list[str], list[str], bool]:
    """The one seat rule, the record's and the assembly's results': the choices by votes, equal votes in
    the tie rule's order (``lot``: SHA-256 of fingerprint:choice; else the ballot's); the ``seats`` first
    with at least one vote are elected. Returns (ranked, elected, whether equal votes met across the last seat)."""
    if tie_rule == "lot":
        tiebreak = {ch: _lot_key(fingerprint, ch) for ch in order}
    else:
        tiebreak = {ch: format(i, "08d") for i, ch in enumerate(order)}
    ranked = sorted(order, key=lambda ch: (-totals.get(ch, 0), tiebreak[ch]))
    eligible = [ch for ch in ranked if totals.get(ch, 0) > 0]
    decided = 0 < seats < len(eligible) and totals[eligible[seats - 1]] == totals[eligible[seats]]
    return ranked, eligible[:seats], decided


def board_outcome(election: Election, contest: Contest, totals: Mapping[str, int]) -> dict[str, Any]:
    order = list(contest.choices)
    seats = contest.seats or 0
    ranked, elected, decided = seat_order(totals, order, seats, election.tie_rule, election.fingerprint)
    ranking = []
    for ch in ranked:
        rank = 1 + sum(1 for other in order if totals[other] > totals[ch])
        ranking.append({"choice": ch, "votes": totals[ch], "rank": rank})
    groups: dict[int, list[str]] = {}
    for ch in ranked:
        groups.setdefault(totals[ch], []).append(ch)
    ties = [g for g in groups.values() if len(g) > 1]
    return {
        "kind": "board",
        "category": contest.category,
        "seats": seats,
        "tie_rule": election.tie_rule,
        "ranking": ranking,
        "ties": ties,
        "elected": elected,
        "decided_by_tie_rule": decided,
    }


def resolution_outcome(
    contest: Contest, per_cat: Mapping[str, Mapping[str, int]], turnout: int
) -> dict[str, Any]:
    """``per_cat``: counts per category (``A``, ``B``) or only ``total`` when the categories are withheld."""
    def tot(ch: str) -> int:
        if "total" in per_cat:
            return per_cat["total"].get(ch, 0)
        return sum(per_cat[cat].get(ch, 0) for cat in CATEGORIES)

    yes, no = tot("yes"), tot("no")
    adopted: bool | None
    if contest.majority == "simple":
        adopted = yes > no
    elif contest.majority == "two_thirds":
        adopted = yes > 0 and 3 * yes >= 2 * (yes + no)
    elif contest.majority == "three_quarters":
        adopted = yes > 0 and 4 * yes >= 3 * (yes + no)
    elif "total" in per_cat:  # each_category, but the categories' counts are withheld
        adopted = None
    else:
        adopted = all(per_cat[cat]["yes"] > per_cat[cat]["no"] for cat in CATEGORIES)
    quorum_met = turnout >= contest.quorum
    return {
        "kind": "resolution",
        "yes": yes,
        "no": no,
        "abstain": tot("abstain") if "abstain" in contest.choices else None,
        "turnout": turnout,
        "quorum": contest.quorum,
        "quorum_met": quorum_met,
        "majority": contest.majority,
        "adopted": None if adopted is None else (adopted and quorum_met),
        "withheld": False,
    }


def withheld_outcome(election: Election, contest: Contest, turnout: int) -> dict[str, Any]:
    """Too few ballots to publish any count: the outcome says so and nothing else."""
    if contest.kind == "board":
        return {"kind": "board", "category": contest.category, "seats": contest.seats or 0,
                "tie_rule": election.tie_rule, "ranking": [], "ties": [], "elected": [],
                "decided_by_tie_rule": False, "withheld": True}
    return {"kind": "resolution", "yes": None, "no": None, "abstain": None, "turnout": turnout,
            "quorum": contest.quorum, "quorum_met": turnout >= contest.quorum, "majority": contest.majority,
            "adopted": None, "withheld": True}


def compute_result(
    election: Election,
    counts: Mapping[str, Mapping[str, Mapping[str, int]]],
    counted: Mapping[str, int],
    electorate: Mapping[str, int],
    trustees: list[str],
    tally_hash: str,
    contest_counted: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, Any]:
    """The ``result`` event data, fully determined by its inputs (the verifier recomputes it).

    ``counts`` holds the decrypted groups: ``A`` and ``B``, or only ``total``, or nothing (every
    count withheld, see :func:`published_groups`), per contest; withheld numbers are ``null``.
    ``contest_counted``: per contest, its counted ballots per category when the contests were
    closed item by item (the tally's ``contest_counted``), else ``counted`` for every contest."""
    totals: dict[str, dict[str, dict[str, int | None]]] = {}
    outcomes: dict[str, Any] = {}
    for c in election.contests:
        turnout = sum((contest_counted[c.id] if contest_counted is not None else counted).values())
        mine = {g: counts[g][c.id] for g in counts if c.id in counts[g]}
        totals[c.id] = {}
        for ch in c.choices:
            if all(cat in mine for cat in CATEGORIES):
                a, b = mine["A"][ch], mine["B"][ch]
                totals[c.id][ch] = {"A": a, "B": b, "total": a + b}
            elif "total" in mine:
                totals[c.id][ch] = {"A": None, "B": None, "total": mine["total"][ch]}
            else:
                totals[c.id][ch] = {"A": None, "B": None, "total": None}
        if not mine:
            outcomes[c.id] = withheld_outcome(election, c, turnout)
        elif c.kind == "board":
            outcome = board_outcome(election, c, {ch: v["total"] for ch, v in totals[c.id].items()})
            outcome["withheld"] = False
            outcomes[c.id] = outcome
        else:
            outcomes[c.id] = resolution_outcome(c, mine, turnout)
    return {
        "election": election.fingerprint,
        "tally": tally_hash,
        "trustees": trustees,
        "electorate": dict(electorate),
        "counted": dict(counted),
        "min_ballots": election.min_ballots,
        "published": [g for g in ("A", "B", "total") if g in counts] if counts else [],
        "counts": totals,
        "outcomes": outcomes,
    }
