"""Homomorphic sums, threshold decryption of the totals, resolution outcomes and seats."""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, Mapping

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


def decrypt_counts(
    election: Election,
    sums: Sums,
    factors_by_index: Mapping[int, Mapping[str, Mapping[str, Mapping[str, Element]]]],
    limits: Mapping[str, int],
) -> dict[str, dict[str, dict[str, int]]]:
    """Combine >= k partial decryptions and take small discrete logs; counts per category."""
    if len(factors_by_index) < election.threshold:
        raise TallyError("not_enough_trustees", "fewer partial decryptions than the threshold")
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for cat in CATEGORIES:
        table = DlogTable(limits.get(cat, 0))
        counts[cat] = {}
        for c in election.contests:
            counts[cat][c.id] = {}
            for ch in c.choices:
                beta = Element.from_hex(sums[cat][c.id][ch]["beta"], allow_identity=True)
                m = combine(beta, {i: f[cat][c.id][ch] for i, f in factors_by_index.items()})
                value = table.lookup(m)
                if value is None:
                    raise TallyError("decryption_out_of_range", f"{cat}/{c.id}/{ch}: the total exceeds the electorate")
                counts[cat][c.id][ch] = value
    return counts


def _lot_key(fp: str, choice: str) -> str:
    return hashlib.sha256(f"{fp}:{choice}".encode()).hexdigest()


def board_outcome(election: Election, contest: Contest, totals: Mapping[str, int]) -> dict[str, Any]:
    order = list(contest.choices)
    if election.tie_rule == "lot":
        tiebreak = {ch: _lot_key(election.fingerprint, ch) for ch in order}
    else:
        tiebreak = {ch: format(i, "08d") for i, ch in enumerate(order)}
    ranked = sorted(order, key=lambda ch: (-totals[ch], tiebreak[ch]))
    ranking = []
    for ch in ranked:
        rank = 1 + sum(1 for other in order if totals[other] > totals[ch])
        ranking.append({"choice": ch, "votes": totals[ch], "rank": rank})
    groups: dict[int, list[str]] = {}
    for ch in ranked:
        groups.setdefault(totals[ch], []).append(ch)
    ties = [g for g in groups.values() if len(g) > 1]
    seats = contest.seats or 0
    eligible = [ch for ch in ranked if totals[ch] > 0]
    elected = eligible[:seats]
    decided = False
    if 0 < seats < len(eligible):
        decided = totals[eligible[seats - 1]] == totals[eligible[seats]]
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
    def tot(ch: str) -> int:
        return sum(per_cat[cat].get(ch, 0) for cat in CATEGORIES)

    yes, no = tot("yes"), tot("no")
    if contest.majority == "simple":
        adopted = yes > no
    elif contest.majority == "two_thirds":
        adopted = yes > 0 and 3 * yes >= 2 * (yes + no)
    elif contest.majority == "three_quarters":
        adopted = yes > 0 and 4 * yes >= 3 * (yes + no)
    else:  # each_category
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
        "adopted": adopted and quorum_met,
    }


def compute_result(
    election: Election,
    counts: Mapping[str, Mapping[str, Mapping[str, int]]],
    counted: Mapping[str, int],
    electorate: Mapping[str, int],
    trustees: list[str],
    tally_hash: str,
) -> dict[str, Any]:
    """The ``result`` event data, fully determined by its inputs (the verifier recomputes it)."""
    totals: dict[str, dict[str, dict[str, int]]] = {}
    outcomes: dict[str, Any] = {}
    turnout = sum(counted.values())
    for c in election.contests:
        totals[c.id] = {
            ch: {"A": counts["A"][c.id][ch], "B": counts["B"][c.id][ch], "total": counts["A"][c.id][ch] + counts["B"][c.id][ch]}
            for ch in c.choices
        }
        if c.kind == "board":
            outcomes[c.id] = board_outcome(election, c, {ch: v["total"] for ch, v in totals[c.id].items()})
        else:
            outcomes[c.id] = resolution_outcome(c, {cat: counts[cat][c.id] for cat in CATEGORIES}, turnout)
    return {
        "election": election.fingerprint,
        "tally": tally_hash,
        "trustees": trustees,
        "electorate": dict(electorate),
        "counted": dict(counted),
        "counts": totals,
        "outcomes": outcomes,
    }
