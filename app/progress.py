"""Progress for long commands: a bar with count and ETA in a terminal, plain lines under cron."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

import click

T = TypeVar("T")


def progress(items: Iterable[T], length: int, label: str, every_seconds: float = 10.0) -> Iterator[T]:
    if sys.stdout.isatty():
        with click.progressbar(items, length=length, label=label, show_pos=True, show_eta=True) as bar:
            yield from bar
        return
    started = last = time.monotonic()
    done = 0
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= every_seconds or done == length:
            rate = done / max(now - started, 1e-9)
            remaining = (length - done) / rate if rate else 0
            click.echo(f"{label}: {done}/{length} ({100 * done // max(length, 1)}%), about {remaining:.0f}s left")
            last = now
