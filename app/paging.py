"""Pages of a long list for staff: the page number read from the address without ever failing, and
the page's place in the whole list (``Page``), which the one pager of ``_macros.html`` shows.

A page number is a hint, not an input to refuse: ``?page=abc`` or ``?page=-1`` gives the first page,
``?page=999999`` the last one. The rows are counted once (``total``), so whatever the page shows
beside them (counts, totals) comes from the whole list, never from the page's rows."""
from __future__ import annotations

from dataclasses import dataclass

MAX_DIGITS = 9  # more digits than any list has pages: read as "the last page"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, always within 1..pages
    size: int  # rows per page
    total: int  # rows in the whole list

    @property
    def pages(self) -> int:
        return max((self.total - 1) // self.size + 1, 1)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The position of the page's first row in the whole list (1-based; 0 when the list is empty)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)


def requested_page(raw: str | None) -> int:
    """The page the address asks for: a positive whole number, else 1; a huge one stays huge."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1  # "abc", "-1", "2.5", "": the first page
    return int(raw) if len(raw) <= MAX_DIGITS else 10**MAX_DIGITS


def page_of(total: int, size: int, raw: str | None) -> Page:
    """The page of a list of ``total`` rows that ``raw`` (``request.args.get("page")``) asks for,
    brought back within the list: below the first page is the first, beyond the last is the last."""
    pages = Page(number=1, size=size, total=total).pages
    return Page(number=min(max(requested_page(raw), 1), pages), size=size, total=total)
