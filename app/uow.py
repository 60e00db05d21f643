"""One unit of work per request or command: commit once on success, roll back on any error.

Services only flush; the caller wraps its service calls in ``unit_of_work()`` so a multi-row change
lands whole or not at all."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError
from app.extensions import db


@contextmanager
def unit_of_work() -> Iterator[None]:
    from app.errors import TextNotStorable
    from app.web import unsaid_nul

    try:
        yield
        if unsaid_nul():
            raise TextNotStorable()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def savepoint(conflict: type[DomainError] | DomainError | None = None) -> Iterator[None]:
    """Run a conflict-prone insert in a savepoint. A unique or check constraint that refuses it rolls
    back only the savepoint and becomes ``conflict`` (a DomainError), so the outer transaction lives on.
    Without ``conflict`` the IntegrityError is re-raised after the savepoint is undone."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as exc:
        if conflict is None:
            raise
        raise (conflict() if isinstance(conflict, type) else conflict) from exc


@contextmanager
def dry_run() -> Iterator[None]:
    """Run the block in a savepoint and always undo it: a confirmation page is offered only for what
    the services would accept, judged by the same rules (a refusal propagates as raised)."""
    nested = db.session.begin_nested()
    try:
        yield
    finally:
        if nested.is_active:
            nested.rollback()


def lock_row(row) -> bool:
    """Take ``row``'s lock for this transaction, then read it afresh; False if the row is gone (deleted
    meanwhile). The lock is a write that changes nothing (the row's ``version`` set to itself): PostgreSQL
    locks the row; SQLite, which has no row locks and ignores FOR UPDATE, gives this transaction its one
    writer's lock. Either way another request's write to it (a deletion included) waits for this one, and
    checks made after the lock see what the other did."""
    db.session.flush()
    table = type(row).__table__
    taken = db.session.execute(update(table).where(table.c.id == row.id).values(version=table.c.version)
                               .execution_options(synchronize_session=False)).rowcount == 1
    if taken:
        db.session.refresh(row)
    return taken
