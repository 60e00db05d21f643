"""voting.crypto.encoding.strict_loads: JSON as the record means it, at the cost of json.loads.

The nesting bound is checked on the parsed value (it was a regular-expression pass over the whole
text, 0.9 ms for a ballot); a nesting far beyond it is refused the same way, never a traceback."""
from __future__ import annotations

import json

import pytest

from voting.crypto.encoding import EncodingError, MAX_DEPTH, strict_loads

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize("depth", [1, 2, MAX_DEPTH])
def test_nesting_up_to_the_bound_is_read(depth):
    for open_, close in (("[", "]"), ('{"a":', "}")):
        text = open_ * depth + "1" + close * depth
        assert strict_loads(text) == json.loads(text)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100, 100_000])
def test_deeper_nesting_is_refused_with_the_reason(depth):
    for text in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth,
                 "[" * (depth - 1) + '{"a":"[]"}' + "]" * (depth - 1)):
        with pytest.raises(EncodingError, match="nested more than 16 levels"):
            strict_loads(text)


def test_brackets_inside_strings_do_not_count():
    text = "[" * MAX_DEPTH + json.dumps("[" * 50 + "{" * 50) + "]" * MAX_DEPTH
    assert strict_loads(text)[0] is not None


@pytest.mark.parametrize("text, reason", [
    ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ('{"b": {"a": 1, "c": 2, "a": 1}}', "duplicate key 'a'"),
    ("[1.0]", "integers"),
    ("[1e3]", "integers"),
    ("[NaN]", "NaN is not JSON"),
    ("[9007199254740992]", "out of range"),
    ("[1,", "not JSON"),
    (b"\xff", "not UTF-8"),
])
def test_what_the_record_does_not_mean_is_refused(text, reason):
    with pytest.raises(EncodingError, match=reason):
        strict_loads(text)


def test_true_stays_a_boolean():
    assert strict_loads('{"n": true, "m": 1}') == {"n": True, "m": 1}
    assert strict_loads('{"n": true}')["n"] is True
