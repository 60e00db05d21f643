"""No secret left at rest: after a complete election, a dump of the whole database holds no private
credential, no tracker in any mail, and no rows whose order pairs the voters' sequence with the
ballots' sequence. With no mail server, the credentials go to printable letters, not the database."""
from __future__ import annotations

import random
import re
import smtplib
import subprocess

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.mail import ERASED_ADDRESS, ERASED_BODY, deliver_pending
from app.models import AuditEntry, OutboxMessage
from voting import services
from voting.crypto.ballot import encrypt_ballot
from voting.crypto.election import Contest
from voting.demo import definition, make_kits, partial_decryption, run_keygen, seal_signature
from voting.models import BoardEvent, CastBallot, Credential

CONTESTS = [Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1)]
CREDENTIAL = re.compile(r"#([1-9A-HJ-NP-Za-km-z]{5}(?:-[1-9A-HJ-NP-Za-km-z]{5}){3})")


class FakeSMTP:
    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def dump() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order (what a dump of the database shows)."""
    out = {}
    for table in db.metadata.sorted_tables:
        pk = ", ".join(c.name for c in table.primary_key.columns) or "1"
        out[table.name] = [tuple(row) for row in db.session.execute(text(f"SELECT * FROM {table.name} ORDER BY {pk}"))]
    return out


def test_a_complete_election_leaves_no_secret_and_no_voting_order(make_member, data_app, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(data_app.config, "MAIL_SERVER", "smtp.example")
    members = [make_member() for _ in range(7)]
    kits = make_kits(3)
    election = services.create_election(definition("ag-dump", "Dump", CONTESTS, kits, 2, min_ballots=1),
                                        slug="ag-dump", require_login=True)
    run_keygen(election, kits)
    assert services.issue_credentials(election, members) == 7
    services.open_election(election)
    db.session.commit()
    assert deliver_pending() == 7
    private = {}
    for message in FakeSMTP.sent:
        private[message["To"]] = CREDENTIAL.search(message.get_content()).group(1)
    assert len(private) == 7

    order = list(members)
    random.Random(11).shuffle(order)
    el = services.crypto_election(election)
    trackers = []
    for member in order + order[:2]:  # two revotes
        ballot = encrypt_ballot(el, election.public_key, private[member.email], {"r1": [random.choice(["yes", "no"])]})
        trackers.append(services.cast_ballot(election, ballot, member).tracker)
        services.mail_tracker(election, trackers[-1], member)  # what the ballot view does
        db.session.commit()
    assert deliver_pending() == 9
    assert all(any(t in m.get_content() for m in FakeSMTP.sent) for t in trackers)  # the receipts went out
    services.close_election(election)
    for tid in ("t1", "t2"):
        services.record_trustee_step(election, seal_signature(election, kits[tid]))
    services.compute_tally(election)
    for tid in ("t2", "t3"):
        services.record_trustee_step(election, partial_decryption(election, kits[tid]))
    services.publish_result(election)
    db.session.commit()

    rows = dump()
    everything = repr(rows)
    for cred in private.values():
        assert cred not in everything and cred.replace("-", "") not in everything
    # No tracker in any mail, and no trace of whom a secret mail went to.
    outbox = db.session.scalars(select(OutboxMessage)).all()
    assert len(outbox) == 16
    for message in outbox:
        assert message.secret and message.body_text == ERASED_BODY and message.to_address == ERASED_ADDRESS
        assert not any(t in message.subject for t in trackers)
    assert not any(t in repr(rows["app_outbox_message"]) for t in trackers)
    # No table of "who voted" written in voting order; the audit log names no ballot.
    assert not any("roll" in name for name in rows)
    assert not any("ballot" in action for action in db.session.scalars(select(AuditEntry.action)))
    # The credential rows (the only rows naming members next to the ballot box) are in the order
    # of their public keys, not in the order members voted.
    voting_order = [m.id for m in order]
    by_pk = [c.member_id for c in db.session.scalars(select(Credential).order_by(Credential.id))]
    assert by_pk != voting_order and sorted(by_pk) == sorted(voting_order)
    publics = [c.public for c in db.session.scalars(select(Credential).order_by(Credential.id))]
    assert publics == sorted(publics)
    # The board itself and its index are the ballots' sequence, and nothing else is.
    assert [t for t in db.session.scalars(select(CastBallot.tracker).order_by(CastBallot.id))] == trackers
    assert db.session.scalar(select(BoardEvent.id).where(BoardEvent.type == "result")) is not None


def test_credentials_as_letters_when_no_mail_server(make_member, data_app, tmp_path, monkeypatch):
    members = [make_member() for _ in range(3)]
    kits = make_kits(2)
    election = services.create_election(definition("ag-letters", "Letters", CONTESTS, kits, 2), slug="ag-letters")
    run_keygen(election, kits)
    db.session.commit()
    import shares.standing

    monkeypatch.setattr(shares.standing, "members_in_good_standing", lambda on: {m.id for m in members})
    runner = data_app.test_cli_runner()
    refused = runner.invoke(args=["voting", "credentials", "ag-letters"])
    assert refused.exit_code != 0 and "give --letters" in refused.output
    letters = tmp_path / "letters.pdf"
    done = runner.invoke(args=["voting", "credentials", "ag-letters", "--letters", str(letters)])
    assert done.exit_code == 0, done.output
    assert "3 credential(s) issued and printed as letters" in done.output
    assert letters.stat().st_mode & 0o077 == 0
    textual = subprocess.run(["pdftotext", str(letters), "-"], capture_output=True, text=True, check=True).stdout
    creds = re.findall(r"\b[1-9A-HJ-NP-Za-km-z]{5}(?:-[1-9A-HJ-NP-Za-km-z]{5}){3}\b", textual)
    assert len(set(creds)) == 3
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage.id)) is None  # nothing queued
    everything = repr(dump())
    for cred in creds:
        assert cred not in everything and cred.replace("-", "") not in everything
    again = runner.invoke(args=["voting", "credentials", "ag-letters", "--letters", str(letters)])
    assert again.exit_code != 0 and "never overwritten" in again.output


@pytest.mark.parametrize("body, reason", [
    ('{"election": 1.5}', "integers"), ('{"a": NaN}', "NaN"), ('{"a": 1, "a": 2}', "duplicate"),
    ("[" * 40 + "]" * 40, "nested"), ('{"a": 123456789012345678901234567890}', "range"),
])
def test_json_endpoints_are_strict(client, body, reason):
    """400 with the reason on the ballot and scrutineer JSON endpoints; never a 500."""
    kits = make_kits(2)
    election = services.create_election(definition("ag-json", "Json", CONTESTS, kits, 2), slug="ag-json",
                                        require_login=False)
    run_keygen(election, kits)
    db.session.commit()
    response = client.post("/voting/ag-json/ballots", data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"] == "not_json" and reason in response.json["detail"]
