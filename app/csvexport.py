"""Every CSV the application writes goes through here, in the one format a Belgian spreadsheet opens
by a double-click: UTF-8 with a byte-order mark (without it Excel reads the file as Windows-1252 and
garbles every accent), cells separated by ``;`` (the list separator of French, Dutch and German
Windows: with ``,`` Excel puts each line in one column), and amounts with a decimal comma
(``30,00``: in those settings ``30.00`` is text, and ``1.50`` may become a date). LibreOffice asks
for the separator and reads the mark. A download streams inside the request's context.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe (the OWASP "CSV injection" advice), so that a member who calls themself ``=HYPERLINK(..)``
cannot make staff's spreadsheet run it. Numbers are written as numbers (a negative count stays
``-3000``, an amount ``-30,00``): only text is neutralised."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator

from flask import Response, stream_with_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = ";"
BYTE_ORDER_MARK = "\ufeff"


class Euros(int):
    """An amount in cents that a CSV cell writes as euros with a decimal comma (``-1234`` → ``-12,34``)."""

    def __str__(self) -> str:
        sign = "-" if self < 0 else ""
        return f"{sign}{abs(self) // 100},{abs(self) % 100:02d}"


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should show it: text starting like a formula gets a leading ``'``."""
    kind = type(value)
    if kind is str:  # the common case first: 36,000 rows x 18 cells
        return "'" + value if value[:1] in _STARTS else value
    if value is None:
        return ""
    if kind is bool:
        return str(value)
    if kind is Euros:
        return str(value)
    if isinstance(value, (int, float)):
        return value
    return safe_cell(str(value))


_STARTS = frozenset(FORMULA_STARTS)


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]], batch: int = 500) -> Iterator[str]:
    """CSV text in pieces of about ``batch`` rows: the byte-order mark and the header, then each row
    with safe cells."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, delimiter=SEPARATOR)
    writer.writerow([safe_cell(c) for c in header])
    for i, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(c) for c in row])
        if i % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def write_csv(fh, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> None:
    """Write safe CSV to an open text file (commands and jobs)."""
    for chunk in csv_lines(header, rows):
        fh.write(chunk)


def csv_response(filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Response:
    """A streamed CSV download. The rows are read while streaming, inside the request's app context
    (``stream_with_context``), so a generator that queries the database works."""
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response

