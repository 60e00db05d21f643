"""The server closes the vote item by item: frozen sums, refusals, the record verifies."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from voting import errors, services
from voting.demo import partial_decryption
from voting.models import BoardEvent
from voting.verify import verify_record

from tests.factories import ON_POSTGRES
from tests.voting.test_services import ballot_for, new_election, record_of, seal, with_credentials


@pytest.fixture
def box():
    election, kits = new_election(require_login=False, min_ballots=1)
    creds = with_credentials(election)
    services.open_election(election)
    db.session.commit()
    return election, kits, creds


def finish(election, kits):
    services.close_election(election)
    seal(election, kits)
    services.compute_tally(election)
    for tid in list(kits)[:3]:
        services.record_trustee_step(election, partial_decryption(election, kits[tid]))
    services.publish_result(election)
    db.session.commit()
    return services.result(election)


def test_close_an_item_then_revote_revoke_and_vote_late(box):
    election, kits, creds = box
    services.cast_ballot(election, ballot_for(election, creds[0], {"r1": ["yes"], "board-a": ["a1"]}))
    services.cast_ballot(election, ballot_for(election, creds[1], {"r1": ["yes"], "board-a": ["a2"]}))
    db.session.commit()
    services.close_item(election, ["r1"])
    db.session.commit()
    assert services.closed_contests(election) == {"r1"}
    # after r1's close: a revote, a first ballot and a revocation change the board contest only
    services.cast_ballot(election, ballot_for(election, creds[0], {"r1": ["no"], "board-a": ["a3"]}))
    services.cast_ballot(election, ballot_for(election, creds[2], {"r1": ["no"], "board-a": ["a3"]}))
    services.revoke_credential(election, services.credential_public(creds[1]))
    db.session.commit()
    with pytest.raises(errors.ItemAlreadyClosed):
        services.close_item(election, ["r1"])
    db.session.rollback()
    with pytest.raises(errors.UnknownContest):
        services.close_item(election, ["nope"])
    db.session.rollback()
    res = finish(election, kits)
    assert res["counts"]["r1"]["yes"]["total"] == 2 and res["counts"]["r1"]["no"]["total"] == 0
    assert res["outcomes"]["r1"]["turnout"] == 2
    assert res["counts"]["board-a"]["a3"]["total"] == 2 and res["counts"]["board-a"]["a2"]["total"] == 0
    report = verify_record(record_of(election), workers=1, out=io.StringIO())
    assert report.ok and report.complete, report.failure
    assert "voting.item.close" in set(db.session.scalars(select(AuditEntry.action)))


def test_every_item_closed_refuses_ballots_and_the_close_still_counts(box):
    election, kits, creds = box
    services.cast_ballot(election, ballot_for(election, creds[0]))
    db.session.commit()
    services.close_item(election, ["r1"])
    services.close_item(election, ["board-a"])
    db.session.commit()
    with pytest.raises(errors.BallotAfterClose):
        services.cast_ballot(election, ballot_for(election, creds[1]))
    db.session.rollback()
    res = finish(election, kits)
    assert res["counts"]["r1"]["yes"]["total"] == 1
    assert verify_record(record_of(election), workers=1, out=io.StringIO()).ok


def test_an_item_closes_only_while_the_box_is_open(box):
    election, kits, creds = box
    services.close_election(election)
    db.session.commit()
    with pytest.raises(errors.WrongState):
        services.close_item(election, ["r1"])


def test_an_item_close_waits_for_a_cast_in_flight(box, data_app):
    """A ballot acknowledged before the item's close counts for it; the close comes after it."""
    if not ON_POSTGRES:
        pytest.skip("needs concurrent writers (PostgreSQL)")
    election, kits, creds = box
    slug = election.slug
    ballot = ballot_for(election, creds[0], {"r1": ["yes"], "board-a": []})
    db.session.commit()
    started, done = threading.Event(), []

    def closer():
        with data_app.app_context():
            from voting.models import Election as ElectionRow

            started.wait(10)
            el = db.session.scalar(select(ElectionRow).where(ElectionRow.slug == slug))
            try:
                services.close_item(el, ["r1"])
                db.session.commit()
                done.append("closed")
            finally:
                db.session.remove()

    thread = threading.Thread(target=closer)
    thread.start()
    services.cast_ballot(election, ballot)  # holds the election row lock until commit
    started.set()
    thread.join(0.5)
    assert thread.is_alive()
    db.session.commit()
    thread.join(30)
    assert done == ["closed"]
    db.session.expire_all()
    types = list(db.session.scalars(select(BoardEvent.type).where(BoardEvent.election_id == election.id)
                                    .order_by(BoardEvent.seq)))
    assert types[-2:] == ["ballot", "item_close"]
    res = finish(election, kits)
    assert res["counts"]["r1"]["yes"]["total"] == 1
    assert verify_record(record_of(election), workers=1, out=io.StringIO()).ok


def test_close_item_from_the_command_line(box, data_app):
    election, kits, creds = box
    services.cast_ballot(election, ballot_for(election, creds[0]))
    db.session.commit()
    runner = data_app.test_cli_runner()
    result = runner.invoke(args=["voting", "close-item", election.slug, "r1"])
    assert result.exit_code == 0, result.output
    assert "the vote on r1 is closed; 1 ballot(s) count for it" in result.output
    again = runner.invoke(args=["voting", "close-item", election.slug, "r1"])
    assert again.exit_code != 0
    unknown = runner.invoke(args=["voting", "close-item", election.slug, "nope"])
    assert unknown.exit_code != 0
    db.session.expire_all()
    assert services.closed_contests(election) == {"r1"}
