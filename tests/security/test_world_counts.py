"""The fuzzer's "a refusal changes nothing" check counts the rows again after anything that may write."""
from __future__ import annotations

from app.extensions import db as _db
from app.models import Account
from tests.factories import make_account
from tests.security.world import World


def test_the_counts_are_taken_again_after_any_statement_that_may_write():
    world = World(app=None)
    first = world.counts()
    assert world.counts() is first  # nothing ran since: the same counts, not asked again
    _db.session.scalar(_db.select(Account).limit(1))
    assert world.counts() is first  # a SELECT changes nothing
    account = make_account()
    grown = world.counts()
    assert grown != first and sum(grown) == sum(first) + 1
    _db.session.delete(account)
    _db.session.commit()
    assert world.counts() == first
