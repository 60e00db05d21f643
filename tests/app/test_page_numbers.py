"""A page number is read from the address without ever failing: below the first is the first, beyond the
last is the last, anything else the first; the page knows its place in the whole list."""
from __future__ import annotations

import pytest

from app.paging import page_of, requested_page


@pytest.mark.parametrize("raw,number", [(None, 1), ("", 1), ("abc", 1), ("-1", 1), ("0", 1), ("2.5", 1),
                                        ("٣", 1), (" 2 ", 2), ("3", 3), ("4", 4), ("999999", 4),
                                        ("9" * 5000, 4)])
def test_a_page_number_is_brought_back_within_the_list(raw, number):
    page = page_of(80, 25, raw)
    assert (page.number, page.pages) == (number, 4)


def test_a_page_knows_its_rows_in_the_whole_list():
    second, last = page_of(80, 25, "2"), page_of(80, 25, "4")
    assert (second.offset, second.first, second.last, second.total) == (25, 26, 50, 80)
    assert (last.offset, last.first, last.last) == (75, 76, 80)
    empty = page_of(0, 25, "7")
    assert (empty.number, empty.pages, empty.first, empty.last) == (1, 1, 0, 0)
    assert requested_page("12") == 12
