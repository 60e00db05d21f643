"""The record both agenda-item tests build (docs/election-record.md 5.8a, 5.8b): two resolutions
and a board contest, four voters (two of each category), the box open."""
from __future__ import annotations

from typing import Any

from voting.crypto.election import Contest
from voting.record import RecordState
from voting.simulate import add_credentials, hold_items, open_box, setup_election

CONTESTS = (
    Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("r2", "resolution", ("yes", "no", "abstain"), 1, 1),
    Contest("board-a", "board", ("a01", "a02", "a03"), 0, 2, category="A"),
)


def yes_no(r1: str, r2: str, board: list[str] | None = None) -> dict[str, list[str]]:
    return {"r1": [r1], "r2": [r2], "board-a": board or []}


def opened(held: list[str] | None = None):
    """``(sim, state, credentials)`` once the box is open, with the contests ``held`` back."""
    sim = setup_election(CONTESTS, trustees=3, threshold=2, min_ballots=1)
    creds = add_credentials(sim, ["A", "A", "B", "B"])
    state = RecordState()
    for e in sim.events:
        state.apply(e)
    open_box(sim, state)
    if held:
        hold_items(sim, state, held)
    return sim, state, creds


def outcome(state: RecordState, contest: str) -> dict[str, Any]:
    assert state.result is not None
    return state.result["counts"][contest]
