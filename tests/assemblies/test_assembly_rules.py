"""The counting rules, table-driven: quorum, majorities (per category too), seats with ties."""
from __future__ import annotations

import pytest

from assemblies.rules import Tally, allocate_seats, balance, majority_met, quorum_needed, resolution_outcome

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize("electorate,percent,needed", [
    (400, 0, 0), (400, 10, 40), (401, 10, 41), (3, 50, 2), (0, 50, 0), (1000, 100, 1000),
])
def test_quorum_needed(electorate, percent, needed):
    assert quorum_needed(electorate, percent) == needed


@pytest.mark.parametrize("majority,yes,no,abstain,abst_count,met", [
    ("simple", 51, 49, 0, False, True),
    ("simple", 50, 50, 0, False, False),
    ("simple", 50, 40, 20, False, True),
    ("simple", 50, 40, 20, True, False),   # abstentions counted: 50 > 60 fails
    ("two_thirds", 66, 34, 0, False, False),
    ("two_thirds", 2, 1, 0, False, True),  # exactly two thirds
    ("two_thirds", 20, 10, 5, True, False),  # 3*20 >= 2*35 fails
    ("two_thirds", 0, 0, 10, False, False),  # nothing for: never adopted
    ("three_quarters", 3, 1, 0, False, True),
    ("three_quarters", 74, 26, 0, False, False),
    ("three_quarters", 75, 25, 9, False, True),
])
def test_majority_rules(majority, yes, no, abstain, abst_count, met):
    assert majority_met(majority, yes, no, abstain, abst_count) is met


def _outcome(a, b, majority="simple", participants=100, electorate=400, quorum=10, min_count=5, abst=False):
    return resolution_outcome({"A": Tally(*a), "B": Tally(*b)}, majority=majority, abstentions_count=abst,
                              participants=participants, electorate=electorate, quorum_percent=quorum,
                              min_count=min_count)


@pytest.mark.parametrize("a,b,majority,participants,adopted,quorum_met,withheld", [
    ((60, 30, 10), (5, 5, 0), "simple", 110, True, True, False),
    ((60, 30, 10), (5, 5, 0), "simple", 39, False, False, False),      # quorum 40 of 400 not reached
    ((60, 30, 10), (2, 8, 0), "each_category", 110, False, True, False),  # B says no
    ((60, 30, 10), (8, 2, 0), "each_category", 110, True, True, False),
    ((60, 30, 10), (1, 0, 0), "each_category", 110, False, True, True),   # B has 1 ballot: withheld
    ((1, 0, 0), (1, 0, 0), "simple", 110, False, True, True),            # 2 ballots of 400: withheld
    ((40, 30, 0), (10, 0, 0), "two_thirds", 110, False, True, False),    # 50 of 80: below two thirds
    ((50, 20, 0), (10, 0, 0), "two_thirds", 110, True, True, False),
])
def test_resolution_outcomes(a, b, majority, participants, adopted, quorum_met, withheld):
    o = _outcome(a, b, majority, participants)
    assert (o.adopted, o.quorum_met, o.withheld) == (adopted, quorum_met, withheld)
    assert o.total.yes == a[0] + b[0]


def test_two_ballots_out_of_400_are_never_adopted():
    o = _outcome((2, 0, 0), (0, 0, 0), participants=2)
    assert not o.adopted and not o.quorum_met and o.withheld


@pytest.mark.parametrize("votes,seats,rule,elected,tie", [
    ({"a": 5, "b": 4, "c": 3}, 2, "ballot_order", ["a", "b"], False),
    ({"a": 5, "b": 4, "c": 4}, 2, "ballot_order", ["a", "b"], True),   # b and c tie for the last seat
    ({"a": 5, "b": 4, "c": 4}, 3, "ballot_order", ["a", "b", "c"], False),  # both fit: no tie to decide
    ({"a": 0, "b": 0, "c": 2}, 2, "ballot_order", ["c"], False),        # nobody elected without a vote
    ({"a": 3, "b": 3, "c": 3}, 1, "ballot_order", ["a"], True),
])
def test_seats_by_quota(votes, seats, rule, elected, tie):
    out = allocate_seats(votes, list(votes), seats, tie_rule=rule)
    assert out.elected == elected
    assert out.tie_at_cutoff is tie
    tied = [r.choice for r in out.ranking if r.tied]
    assert bool(tied) is tie


def test_lot_tie_is_recomputable_and_depends_on_the_fingerprint():
    votes = {"a": 3, "b": 3, "c": 3}
    one = allocate_seats(votes, list(votes), 1, tie_rule="lot", fingerprint="f" * 64)
    again = allocate_seats(votes, list(votes), 1, tie_rule="lot", fingerprint="f" * 64)
    assert one.elected == again.elected and one.tie_at_cutoff
    winners = {allocate_seats(votes, list(votes), 1, tie_rule="lot", fingerprint=str(i) * 64).elected[0]
               for i in range(10)}
    assert len(winners) > 1


def test_shared_rank_for_equal_votes_and_withheld_below_minimum():
    out = allocate_seats({"a": 2, "b": 2}, ["a", "b"], 1, ballots=3, min_count=5)
    assert [r.rank for r in out.ranking] == [1, 1]
    assert out.withheld


def test_balance_of_the_elected():
    assert balance(["woman", "man", "woman", "legal"]) == {"woman": 2, "man": 1, "other": 0, "legal": 1}


def test_only_the_total_published():
    o = resolution_outcome(None, total=Tally(6, 2, 1), majority="simple", abstentions_count=False, participants=9,
                           electorate=20, quorum_percent=10, min_count=5)
    assert o.adopted and not o.by_category and o.total.total == 9
    each = resolution_outcome(None, total=Tally(6, 2, 1), majority="each_category", abstentions_count=False,
                              participants=9, electorate=20, quorum_percent=10, min_count=5)
    assert each.withheld and not each.adopted  # a majority within each category cannot be shown
    nothing = resolution_outcome(None, total=None, majority="simple", abstentions_count=False, participants=3,
                                 electorate=20, quorum_percent=10, min_count=5)
    assert nothing.withheld and not nothing.adopted


def test_seats_without_a_candidate_with_votes_are_said_unfilled():
    """Four seats, one candidate with votes: one elected, three unfilled (the results say so)."""
    out = allocate_seats({"a1": 5, "a2": 0}, ["a1", "a2"], 4)
    assert out.elected == ["a1"] and out.unfilled == 3
    assert allocate_seats({"a1": 5, "a2": 3}, ["a1", "a2"], 1).unfilled == 0


@pytest.mark.parametrize("rule", ["ballot_order", "lot"])
def test_the_results_and_the_record_elect_by_one_rule_within_the_quotas(rule):
    """The statutes' 11 category-A and 7 category-B seats: 20 and 9 candidates with many equal votes. The
    assembly's results and the verifiable record (which every verifier recomputes) elect the same people in
    the same order, each category within its quota: one seat rule (``voting.crypto.tally.seat_order``)."""
    import random

    from voting.crypto.election import Contest, Election, TrusteeInfo
    from voting.crypto.tally import board_outcome

    rng = random.Random(7)
    for category, count, seats in (("A", 20, 11), ("B", 9, 7)):
        order = [f"{category.lower()}{i:02d}" for i in range(1, count + 1)]
        votes = {ch: rng.choice([0, 3, 5, 5, 8]) for ch in order}
        contest = Contest(f"board-{category.lower()}", "board", tuple(order), 0, seats, category=category, seats=seats)
        election = Election(id="e", title="t", trustees=(TrusteeInfo("t1", "T", "11" * 32, "22" * 32),), threshold=1,
                            contests=(contest,), tie_rule=rule)
        record = board_outcome(election, contest, votes)
        ours = allocate_seats(votes, order, seats, tie_rule=rule, fingerprint=election.fingerprint)
        assert ours.elected == record["elected"] and len(ours.elected) == min(seats, sum(1 for v in votes.values() if v))
        assert ours.tie_at_cutoff is record["decided_by_tie_rule"]
        assert [r.choice for r in ours.ranking] == [r["choice"] for r in record["ranking"]]
