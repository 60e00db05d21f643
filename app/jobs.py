"""Work outside a web request (CLI commands, cron jobs) that still builds URLs and renders mail."""
from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import Iterator

from flask import current_app, has_request_context


def public_url(path: str = "/") -> str:
    """An absolute URL on the public site, for mail and printed letters."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


@contextmanager
def job_context() -> Iterator[None]:
    """Inside a request: nothing to do. Elsewhere: a request context on PUBLIC_URL, so ``url_for``
    gives public addresses and templates can render (in the default locale)."""
    context = nullcontext() if has_request_context() else current_app.test_request_context(
        "/", base_url=current_app.config["PUBLIC_URL"])
    with context:
        yield
