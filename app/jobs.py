"""Work outside a web request (CLI commands, cron jobs) that still builds URLs and renders mail."""
from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, Iterator

from flask import current_app, has_request_context

from app.extensions import db


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


def in_background(name: str, work: Callable[..., Any], *args: Any) -> None:
    """Run ``work(*args)`` in a thread of this process, with its own app context and session, so that
    a long job (a file of 36,000 members, a campaign's letters) never holds up a web request. Such a
    job must be safe to start again: a restart of the process stops it. With ``JOBS_INLINE`` (tests,
    whose in-memory database one thread owns) it runs now, in the caller's thread."""
    if current_app.config.get("JOBS_INLINE"):
        work(*args)
        return
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                work(*args)
            finally:
                db.session.remove()
    threading.Thread(target=run, name=name, daemon=True).start()
