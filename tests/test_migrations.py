"""The migrations build the schema the models describe, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import contextlib
import tempfile
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.factories import DATABASE_URI, ON_POSTGRES


@contextlib.contextmanager
def empty_database():
    """A fresh, empty database of the same kind as the suite's."""
    if not ON_POSTGRES:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/migrations.db"
        return
    admin = sa.create_engine(DATABASE_URI, isolation_level="AUTOCOMMIT")
    name = "unevoix_migrations"
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(DATABASE_URI).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def migrated():
    with empty_database() as uri:
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri})
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def test_migrations_match_the_models(migrated):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_audit_log_is_append_only_in_the_database(migrated):
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO app_audit_entry (at, action, object_type) "
                             "VALUES (CURRENT_TIMESTAMP, 'test', 'system')"))
    for statement in ("UPDATE app_audit_entry SET action = 'forged'", "DELETE FROM app_audit_entry"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))


def test_downgrade_to_nothing_and_up_again(migrated):
    downgrade(revision="base")
    assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
    upgrade()
    assert "app_audit_entry" in sa.inspect(db.engine).get_table_names()


@pytest.mark.parametrize("table", ["shares_entry", "voting_board_event"])
def test_register_and_board_have_append_only_triggers(migrated, table):
    query = ("SELECT count(*) FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal" if ON_POSTGRES
             else "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text(query), {"t": table}).scalar() >= 1


def test_old_audit_action_names_are_renamed_and_given_back(migrated):
    """house0016a1b2 renames the actions written before module.noun.verb; the log stays append-only."""
    downgrade(revision="house0016a1b2-1")
    rows = {"auth.login": "app.session.sign_in", "register.transfer": "shares.register.transfer",
            "voting.partial_decryption": "voting.decryption.publish",
            "member_request.buy_shares": "shares.member_request.buy_shares",
            "candidates.application.submit": "candidates.application.submit"}  # already new: untouched
    with db.engine.begin() as conn:
        for old in rows:
            conn.execute(sa.text("INSERT INTO app_audit_entry (at, action, object_type, object_id) "
                                 "VALUES (CURRENT_TIMESTAMP, :a, 'system', '7')"), {"a": old})

    def actions():
        with db.engine.connect() as conn:
            return sorted(conn.execute(sa.text("SELECT action FROM app_audit_entry")).scalars())

    upgrade(revision="house0016a1b2")
    assert actions() == sorted(rows.values())
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE app_audit_entry SET action = 'forged'"))
    downgrade(revision="house0016a1b2-1")
    assert actions() == sorted(rows)


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite does not compress")
def test_ballots_and_running_sums_are_compressed_with_lz4(migrated):
    """vlz0017a1b2: the two big JSON columns written at every cast use lz4 (cheaper than pglz)."""
    query = ("SELECT attcompression FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attname = :c")

    def methods() -> list[str]:
        with db.engine.connect() as conn:
            return [conn.execute(sa.text(query), {"t": t, "c": c}).scalar()
                    for t, c in (("voting_board_event", "data"), ("voting_running_sum", "state"))]

    assert methods() == ["l", "l"]
    state = '{"sums": [%s]}' % ",".join(f'"{i:064x}"' for i in range(500))  # 33 kB, as a running sum
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO voting_election (slug, title, definition, state, require_login, created_at) "
                             "VALUES ('lz', 'lz', '{}', 'setup', false, CURRENT_TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO voting_running_sum (election_id, shard, state) "
                             "SELECT id, 0, CAST(:state AS json) FROM voting_election"), {"state": state})
        stored = conn.execute(sa.text("SELECT pg_column_compression(state) FROM voting_running_sum")).scalar()
    assert stored == "lz4"
    downgrade(revision="vlz0017a1b2-1")
    assert methods() == ["", ""]


def test_members_who_left_or_were_refused_no_longer_hold_their_number(migrated):
    """ident0021a1: holds_identity is cleared for a member with an exit no correction voids, and for an
    applicant refused; the partial unique indexes then keep one membership per number."""
    downgrade(revision="ident0021a1-1")
    insert = {
        "account": "INSERT INTO app_account (id, email, display_name, language, session_version, active, created_at) "
                   "VALUES (:id, :email, '', 'fr', 1, true, CURRENT_TIMESTAMP)",
        "member": "INSERT INTO shares_member (id, number, account_id, kind, street, postcode, city, country, category, "
                  "search_text, created_at, version, national_number) VALUES (:id, :id, :id, 'natural', '', '', '', "
                  "'BE', 'A', '', CURRENT_TIMESTAMP, 1, :nn)",
        "entry": "INSERT INTO shares_entry (id, member_id, kind, effective_on, shares, amount_cents, capital_cents, "
                 "paid_cents, note, recorded_at, corrects_id) VALUES (:id, :member, :kind, CURRENT_DATE, 0, 0, 0, 0, "
                 "'', CURRENT_TIMESTAMP, :corrects)",
        "request": "INSERT INTO shares_payment_request (id, member_id, purpose, shares, amount_cents, reference, status, "
                   "paid_cents, created_at) VALUES (:id, :id, 'membership', 1, 3000, :ref, 'open', 0, CURRENT_TIMESTAMP)",
        "application": "INSERT INTO shares_membership_application (id, member_id, shares, category, payment_request_id, "
                       "status, consented_at, created_at, decision_note) VALUES (:id, :id, 1, 'A', :id, :status, "
                       "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')",
    }
    # 1 resigned, 2 resigned and the resignation corrected, 3 excluded, 4 refused, 5 applying, 6 a member.
    with db.engine.begin() as conn:
        for i in range(1, 7):
            conn.execute(sa.text(insert["account"]), {"id": i, "email": f"m{i}@example.be"})
            conn.execute(sa.text(insert["member"]), {"id": i, "nn": f"8507300{i:02d}33"})
        for id_, member, kind, corrects in ((1, 1, "resignation", None), (2, 2, "resignation", None),
                                            (3, 2, "correction", 2), (4, 3, "exclusion", None)):
            conn.execute(sa.text(insert["entry"]), {"id": id_, "member": member, "kind": kind, "corrects": corrects})
        for i, status in ((4, "refused"), (5, "awaiting_payment")):
            conn.execute(sa.text(insert["request"]), {"id": i, "ref": f"00000000{i:04d}"})
            conn.execute(sa.text(insert["application"]), {"id": i, "status": status})
    upgrade(revision="ident0021a1")
    with db.engine.connect() as conn:
        held = dict(conn.execute(sa.text("SELECT id, holds_identity FROM shares_member")).all())
    assert {i for i, holds in held.items() if holds} == {2, 5, 6}
    with db.engine.begin() as conn:  # a former member's number is free; a held one is not
        conn.execute(sa.text(insert["account"]), {"id": 7, "email": "m7@example.be"})
        conn.execute(sa.text(insert["member"]), {"id": 7, "nn": "850730001" + "33"})
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.text(insert["account"]), {"id": 8, "email": "m8@example.be"})
            conn.execute(sa.text(insert["member"]), {"id": 8, "nn": "850730006" + "33"})


def test_one_set_of_board_minutes_per_meeting(migrated, capfd):
    """wgminone0027a1: one first version of the minutes per meeting day (a correction is a new version of
    the same set); an upgrade over a day with two sets stops and names the day, changing nothing."""
    downgrade(revision="wgminone0027a1-1")
    insert = sa.text("INSERT INTO wg_minutes (id, meeting_on, place, version, status, summary, supersedes_id, "
                     "created_at) VALUES (:id, :day, '', :version, :status, '', :supersedes, CURRENT_TIMESTAMP)")
    rows = [(1, "2026-09-10", 1, "superseded", None), (2, "2026-09-10", 2, "approved", 1),
            (3, "2026-10-08", 1, "draft", None), (4, "2026-10-08", 1, "draft", None)]
    with db.engine.begin() as conn:
        for id_, day, version, status, supersedes in rows:
            conn.execute(insert, {"id": id_, "day": day, "version": version, "status": status,
                                  "supersedes": supersedes})
    with pytest.raises(SystemExit):  # Flask-Migrate logs the migration's error and exits
        upgrade(revision="wgminone0027a1")
    assert "several sets of minutes for the meeting of 2026-10-08 (2 sets)" in capfd.readouterr().err
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM wg_minutes WHERE id = 4"))
    upgrade(revision="wgminone0027a1")
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(insert, {"id": 5, "day": "2026-09-10", "version": 1, "status": "draft", "supersedes": None})
    with db.engine.begin() as conn:  # another day, and a correction of the same day, are welcome
        conn.execute(insert, {"id": 5, "day": "2026-11-12", "version": 1, "status": "draft", "supersedes": None})
        conn.execute(insert, {"id": 6, "day": "2026-10-08", "version": 2, "status": "draft", "supersedes": 3})


def test_minutes_corrected_onto_another_day_free_the_old_one(migrated, capfd):
    """wgmoved0028a1: the index keeps one first version standing per day, so the superseded version of
    minutes corrected onto another day frees its day; a downgrade that could not keep the older index
    stops and names the day."""
    insert = sa.text("INSERT INTO wg_minutes (id, meeting_on, place, version, status, summary, supersedes_id, "
                     "created_at) VALUES (:id, :day, '', :version, :status, '', :supersedes, CURRENT_TIMESTAMP)")
    with db.engine.begin() as conn:
        for id_, day, version, status, supersedes in ((1, "2026-09-10", 1, "superseded", None),
                                                      (2, "2026-09-03", 2, "approved", 1),
                                                      (3, "2026-09-10", 1, "draft", None)):
            conn.execute(insert, {"id": id_, "day": day, "version": version, "status": status,
                                  "supersedes": supersedes})
    with pytest.raises(sa.exc.IntegrityError):  # one standing first version per day still
        with db.engine.begin() as conn:
            conn.execute(insert, {"id": 4, "day": "2026-09-10", "version": 1, "status": "draft", "supersedes": None})
    with pytest.raises(SystemExit):
        downgrade(revision="wgmoved0028a1-1")
    assert "the meeting of 2026-09-10 (2 first versions)" in capfd.readouterr().err
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM wg_minutes WHERE id = 3"))
    downgrade(revision="wgmoved0028a1-1")
    with pytest.raises(sa.exc.IntegrityError):  # the older index: the superseded version held the day
        with db.engine.begin() as conn:
            conn.execute(insert, {"id": 3, "day": "2026-09-10", "version": 1, "status": "draft", "supersedes": None})


def test_minutes_of_a_second_board_meeting_the_same_day(migrated, capfd):
    """wgsitting0030a1: minutes written before record the day's first meeting; a second meeting that day has
    its own set, and one meeting still has one; a downgrade over a day with minutes of two meetings stops
    and names the day."""
    downgrade(revision="wgsitting0030a1-1")
    before = sa.text("INSERT INTO wg_minutes (id, meeting_on, place, version, status, summary, created_at) "
                     "VALUES (1, '2026-09-10', '', 1, 'approved', '', CURRENT_TIMESTAMP)")
    with db.engine.begin() as conn:
        conn.execute(before)
    upgrade(revision="wgsitting0030a1")
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT sitting FROM wg_minutes WHERE id = 1")).scalar() == 1
    insert = sa.text("INSERT INTO wg_minutes (id, meeting_on, sitting, place, version, status, summary, "
                     "supersedes_id, created_at) VALUES (:id, '2026-09-10', :sitting, '', :version, 'draft', '', "
                     ":supersedes, CURRENT_TIMESTAMP)")
    with db.engine.begin() as conn:  # the evening's meeting, and a correction of the morning's
        conn.execute(insert, {"id": 2, "sitting": 2, "version": 1, "supersedes": None})
        conn.execute(insert, {"id": 3, "sitting": 1, "version": 2, "supersedes": 1})
    for sitting in (1, 2):  # the same meeting twice: refused
        with pytest.raises(sa.exc.IntegrityError):
            with db.engine.begin() as conn:
                conn.execute(insert, {"id": 4, "sitting": sitting, "version": 1, "supersedes": None})
    with pytest.raises(SystemExit):
        downgrade(revision="wgsitting0030a1-1")
    assert "minutes of several board meetings on one day (2026-09-10 (2 meetings))" in capfd.readouterr().err
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM wg_minutes WHERE id = 2"))
    downgrade(revision="wgsitting0030a1-1")
    with pytest.raises(sa.exc.IntegrityError):  # the older index: one set per day
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO wg_minutes (id, meeting_on, place, version, status, summary, "
                                 "created_at) VALUES (2, '2026-09-10', '', 1, 'draft', '', CURRENT_TIMESTAMP)"))


def test_a_correction_counts_as_its_set_when_the_sitting_is_downgraded(migrated, capfd):
    """wgsitting0030a1's downgrade: the older schema keeps one set of minutes per day, a correction being a
    version of the set it corrects. A day whose first meeting's minutes were corrected, or a day a correction
    moved minutes onto, with a second meeting's minutes besides, stops the downgrade, naming the day; one set
    with its correction (even one moving it to the day's second meeting) does not."""
    insert = sa.text("INSERT INTO wg_minutes (id, meeting_on, sitting, place, version, status, summary, "
                     "supersedes_id, created_at) VALUES (:id, :day, :sitting, '', :version, :status, '', :supersedes, "
                     "CURRENT_TIMESTAMP)")
    rows = [  # 10 September: the morning's minutes corrected and approved, the evening's besides
            (1, "2026-09-10", 1, 1, "superseded", None), (2, "2026-09-10", 1, 2, "approved", 1),
            (3, "2026-09-10", 2, 1, "draft", None),
            # 8 October: minutes of 1 October corrected onto the 8th's second meeting; the 8th's first meeting
            (4, "2026-10-01", 1, 1, "superseded", None), (5, "2026-10-08", 2, 2, "approved", 4),
            (6, "2026-10-08", 1, 1, "draft", None),
            # 12 November: one set, its correction (a draft still) moving it to the day's second meeting
            (7, "2026-11-12", 1, 1, "approved", None), (8, "2026-11-12", 2, 2, "draft", 7)]
    with db.engine.begin() as conn:
        for id_, day, sitting, version, status, supersedes in rows:
            conn.execute(insert, {"id": id_, "day": day, "sitting": sitting, "version": version, "status": status,
                                  "supersedes": supersedes})
    with pytest.raises(SystemExit):
        downgrade(revision="wgsitting0030a1-1")
    said = capfd.readouterr().err
    assert "minutes of several board meetings on one day (2026-09-10 (2 meetings), 2026-10-08 (2 meetings))" in said
    assert "2026-11-12" not in said
    with db.engine.begin() as conn:  # nothing was changed: the second meetings are still told apart
        assert conn.execute(sa.text("SELECT count(*) FROM wg_minutes WHERE sitting = 2")).scalar() == 3
        conn.execute(sa.text("DELETE FROM wg_minutes WHERE id IN (3, 6)"))
    downgrade(revision="wgsitting0030a1-1")


def test_the_meeting_of_the_day_is_checked_by_the_database(migrated, capfd):
    """wgsitck0031a1: minutes record the day's first to fourth meeting (ck_wg_minutes_sitting; two triggers
    on SQLite), the partial index of first versions unchanged; an upgrade over minutes saying another meeting
    stops, naming them; an upgrade of several revisions over minutes that other rows refer to goes through."""
    insert = sa.text("INSERT INTO wg_minutes (id, meeting_on, sitting, place, version, status, summary, "
                     "supersedes_id, created_at) VALUES (:id, '2026-09-10', :sitting, '', :version, :status, '', "
                     ":supersedes, CURRENT_TIMESTAMP)")
    for sitting in (0, 5, -1):
        with pytest.raises(sa.exc.IntegrityError):
            with db.engine.begin() as conn:
                conn.execute(insert, {"id": 1, "sitting": sitting, "version": 1, "status": "draft", "supersedes": None})
    with db.engine.begin() as conn:  # the fourth meeting; a correction of the first (the index still partial)
        conn.execute(insert, {"id": 1, "sitting": 1, "version": 1, "status": "approved", "supersedes": None})
        conn.execute(insert, {"id": 2, "sitting": 1, "version": 2, "status": "draft", "supersedes": 1})
        conn.execute(insert, {"id": 3, "sitting": 4, "version": 1, "status": "draft", "supersedes": None})
    with pytest.raises(sa.exc.IntegrityError):  # one set per meeting still
        with db.engine.begin() as conn:
            conn.execute(insert, {"id": 4, "sitting": 1, "version": 1, "status": "draft", "supersedes": None})
    with db.engine.begin() as conn:  # rows that refer to the minutes
        conn.execute(sa.text("INSERT INTO wg_minutes_item (id, minutes_id, position, title, discussion) "
                             "VALUES (1, 2, 1, 'Budget', '')"))
    downgrade(revision="wgsitck0031a1-1")
    with db.engine.begin() as conn:  # one set per day, as the revision before wgsitting0030a1 has it
        conn.execute(sa.text("DELETE FROM wg_minutes WHERE id = 3"))
    downgrade(revision="wgsitting0030a1-1")
    upgrade(revision="wgsitck0031a1")  # two revisions in one transaction, over rows that refer to the minutes
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE wg_minutes SET sitting = 5 WHERE id = 2"))
    with db.engine.begin() as conn:
        conn.execute(insert, {"id": 3, "sitting": 4, "version": 1, "status": "draft", "supersedes": None})
    downgrade(revision="wgsitck0031a1-1")
    with db.engine.begin() as conn:
        conn.execute(insert, {"id": 4, "sitting": 7, "version": 1, "status": "draft", "supersedes": None})
    with pytest.raises(SystemExit):
        upgrade(revision="wgsitck0031a1")
    assert "these minutes say otherwise: number 4 of 2026-09-10 (meeting 7)" in capfd.readouterr().err
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM wg_minutes WHERE id = 4"))
    upgrade(revision="wgsitck0031a1")
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT id, supersedes_id FROM wg_minutes ORDER BY id")).all() == [
            (1, None), (2, 1), (3, None)]
        assert conn.execute(sa.text("SELECT minutes_id FROM wg_minutes_item")).scalar() == 2
        if not ON_POSTGRES:
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_readmissions_kept_only_in_the_audit_are_kept_on_the_membership(migrated):
    """readmitold0033a1: a readmission staff gave on New member before readmit0032a1 is read back from the
    application's audit onto the excluded membership; a membership with one kept already keeps its own."""
    downgrade(revision="readmitold0033a1-1")
    audit = sa.table("app_audit_entry", sa.column("at"), sa.column("action"), sa.column("object_type"),
                     sa.column("object_id"), sa.column("after", sa.JSON))
    with db.engine.begin() as conn:
        _members(conn, (1, 2, 3), number=lambda i: 40 + i)
        conn.execute(sa.text("UPDATE shares_member SET readmitted_on = '2026-09-01', readmission_reference = 'CA-1' "
                             "WHERE id = 3"))
        now = datetime(2026, 10, 2, 9, 0)
        for after in ({"member": 50, "excluded": 41, "board_decision_on": "2026-10-01", "board_reference": "CA-7"},
                      {"member": 51, "excluded": 41, "board_decision_on": "2026-10-20", "board_reference": "CA-9"},
                      {"member": 52, "shares": 1},  # no readmission
                      {"member": 53, "excluded": 43, "board_decision_on": "2026-10-01", "board_reference": "CA-8"}):
            conn.execute(audit.insert().values(at=now, action="shares.application.submit",
                                               object_type="shares_membership_application", object_id="1", after=after))
    upgrade(revision="readmitold0033a1")
    with db.engine.connect() as conn:
        kept = {row.id: (str(row.readmitted_on)[:10] if row.readmitted_on else None, row.readmission_reference)
                for row in conn.execute(sa.text("SELECT id, readmitted_on, readmission_reference FROM shares_member"))}
    assert kept == {1: ("2026-10-01", "CA-7"), 2: (None, None), 3: ("2026-09-01", "CA-1")}


def _members(conn, ids, number=lambda i: i) -> None:
    """Members ``ids`` (category A, each with the account of the same id, numbered ``number(id)``), in plain SQL:
    the models may be ahead of the revision."""
    for i in ids:
        conn.execute(sa.text("INSERT INTO app_account (id, email, display_name, language, session_version, "
                             "active, created_at) VALUES (:id, :email, '', 'fr', 1, true, CURRENT_TIMESTAMP)"),
                     {"id": i, "email": f"m{i}@example.be"})
        conn.execute(sa.text("INSERT INTO shares_member (id, number, account_id, kind, street, postcode, city, "
                             "country, category, search_text, created_at, version) VALUES (:id, :number, :id, "
                             "'natural', '', '', '', 'BE', 'A', '', CURRENT_TIMESTAMP, 1)"),
                     {"id": i, "number": number(i)})


def _a_member_with_a_renewal_request(conn) -> None:
    """Member 1 (account 1) and their renewal request 1, in plain SQL: the models may be ahead of the revision."""
    _members(conn, (1,))
    conn.execute(sa.text("INSERT INTO shares_payment_request (id, member_id, purpose, shares, amount_cents, reference, "
                         "status, paid_cents, created_at, year) VALUES (1, 1, 'renewal', 0, 2500, '000000000197', "
                         "'open', 0, CURRENT_TIMESTAMP, 2026)"))


def test_an_entry_voided_twice_stops_the_voids_upgrade(migrated, capfd):
    """voids0029a1: an upgrade over an entry voided twice (the index could not hold it) stops and names it."""
    downgrade(revision="voids0029a1-1")
    entry = sa.text("INSERT INTO shares_entry (id, member_id, kind, effective_on, shares, amount_cents, capital_cents, "
                    "paid_cents, note, recorded_at, corrects_id, payment_request_id) VALUES (:id, 1, :kind, "
                    "CURRENT_DATE, 0, :amount, 0, 0, '', CURRENT_TIMESTAMP, :corrects, :request)")
    with db.engine.begin() as conn:
        _a_member_with_a_renewal_request(conn)
        for id_, kind, amount, corrects, req in ((1, "lapse", 0, None, 1), (2, "correction", 0, 1, None),
                                                 (3, "correction", 0, 1, None)):
            conn.execute(entry, {"id": id_, "kind": kind, "amount": amount, "corrects": corrects, "request": req})
    with pytest.raises(SystemExit):
        upgrade(revision="voids0029a1")
    assert "the entries 1 (2 corrections) are voided more than once" in capfd.readouterr().err


def test_reinstatements_per_payment_entry_at_head(migrated, capfd):
    """voids0029a1: a reinstatement is unique per payment entry (a renewal paid again reinstates again), an
    entry is voided once; a downgrade over a request that reinstated twice stops and names it."""
    entry = sa.text("INSERT INTO shares_entry (id, member_id, kind, effective_on, shares, amount_cents, capital_cents, "
                    "paid_cents, note, recorded_at, corrects_id, payment_request_id, payment_entry_id) VALUES (:id, 1, "
                    ":kind, CURRENT_DATE, 0, :amount, 0, 0, '', CURRENT_TIMESTAMP, :corrects, 1, :paid_by)")
    rows = ((1, "lapse", 0, None, None), (2, "payment", 2500, None, None), (3, "reinstatement", 0, None, 2),
            (4, "correction", 0, 3, None), (5, "payment", 2500, None, None), (6, "reinstatement", 0, None, 5))
    with db.engine.begin() as conn:
        _a_member_with_a_renewal_request(conn)
        for id_, kind, amount, corrects, paid_by in rows:
            conn.execute(entry, {"id": id_, "kind": kind, "amount": amount, "corrects": corrects, "paid_by": paid_by})
    for id_, kind, corrects, paid_by in ((7, "reinstatement", None, 5), (7, "correction", 3, None)):
        with pytest.raises(sa.exc.IntegrityError):  # one reinstatement per payment; a reinstatement voided once
            with db.engine.begin() as conn:
                conn.execute(entry, {"id": id_, "kind": kind, "amount": 0, "corrects": corrects, "paid_by": paid_by})
    with pytest.raises(SystemExit):
        downgrade(revision="voids0029a1-1")
    assert "the renewal requests 1 (2 reinstatements) reinstated a member more than once" in capfd.readouterr().err


def test_an_account_with_several_memberships_one_after_the_other(migrated, capfd):
    """rejoin0031a1: the member table is rebuilt with its rows and every reference to them (SQLite's copy
    included); an account may then hold a membership that follows an earlier one, one following each; a
    downgrade over such an account stops and says it."""
    downgrade(revision="rejoin0031a1-1")
    with db.engine.begin() as conn:
        _a_member_with_a_renewal_request(conn)
    upgrade(revision="rejoin0031a1")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT number, account_id FROM shares_member")).all() == [(1, 1)]
        assert conn.execute(sa.text("SELECT member_id FROM shares_payment_request")).scalar() == 1
    again = sa.text("INSERT INTO shares_member (id, number, account_id, kind, street, postcode, city, country, "
                    "category, search_text, created_at, version, earlier_member_id) VALUES (:id, :id, 1, 'natural', "
                    "'', '', '', 'BE', 'A', '', CURRENT_TIMESTAMP, 1, 1)")
    with db.engine.begin() as conn:
        conn.execute(again, {"id": 2})
    with pytest.raises(sa.exc.IntegrityError):  # one membership follows each
        with db.engine.begin() as conn:
            conn.execute(again, {"id": 3})
    with pytest.raises(SystemExit):
        downgrade(revision="rejoin0031a1-1")
    assert "1 membership(s) follow an earlier one of the same account" in capfd.readouterr().err
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM shares_member WHERE id = 2"))
    downgrade(revision="rejoin0031a1-1")
    with pytest.raises(sa.exc.IntegrityError):  # the older constraint: one member row per account
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO shares_member (id, number, account_id, kind, street, postcode, city, "
                                 "country, category, search_text, created_at, version) VALUES (2, 2, 1, 'natural', "
                                 "'', '', '', 'BE', 'A', '', CURRENT_TIMESTAMP, 1)"))
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT member_id FROM shares_payment_request")).scalar() == 1


def test_an_agenda_item_listed_twice_is_renamed_by_the_title_upgrade(migrated, capfd):
    """agendatitle0035a1: an item's French title once per agenda; an upgrade over an agenda that lists one
    twice (the double click it guards against) keeps every item, numbers the later copies in each language
    whose title clashes, says so, and then the database refuses a copy."""
    downgrade(revision="agendatitle0035a1-1")
    item = sa.text("INSERT INTO assembly_item (id, assembly_id, position, kind, title_fr, title_nl, title_en, "
                   "body_fr, body_nl, body_en, majority, abstentions_count, seats_a, seats_b) VALUES (:id, :assembly, "
                   ":position, 'resolution', :fr, :nl, :en, '', '', '', 'simple', false, 0, 0)")
    assembly = sa.text(
        "INSERT INTO assembly_assembly (id, slug, title_fr, title_nl, title_en, starts_at, place, voting_opens_at, "
        "voting_closes_at, record_date, quorum_percent, proxy_limit, min_count, tie_rule, created_at) VALUES (:id, "
        ":slug, 'AG', 'AV', 'GA', CURRENT_TIMESTAMP, 'Namur', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_DATE, "
        "0, 1, 5, 'lot', CURRENT_TIMESTAMP)")
    long_title = "B" * 300
    with db.engine.begin() as conn:
        conn.execute(assembly, {"id": 1, "slug": "ag"})
        conn.execute(assembly, {"id": 2, "slug": "ag-2"})
        for id_, assembly_id, position, fr, nl, en in [
                (1, 1, 1, "Comptes", "Rekeningen", "Accounts"),
                (2, 1, 3, "Comptes", "Rekeningen", "Accounts (draft)"),  # the later one, by the agenda's order
                (3, 1, 2, "Comptes (2)", "Jaarrekening", "Accounts"),  # an item already so named keeps its title
                (4, 1, 4, "Comptes", "Rekeningen", "Accounts"),
                (5, 1, 5, long_title, "Lang", "Long"),
                (6, 1, 6, long_title, "Lang", "Long"),
                (7, 2, 1, "Comptes", "Rekeningen", "Accounts")]:  # another agenda: untouched
            conn.execute(item, {"id": id_, "assembly": assembly_id, "position": position, "fr": fr, "nl": nl, "en": en})
    upgrade(revision="agendatitle0035a1")
    with db.engine.connect() as conn:
        titles = {row[0]: tuple(row[1:]) for row in conn.execute(sa.text(
            "SELECT id, title_fr, title_nl, title_en FROM assembly_item ORDER BY id"))}
    assert titles == {
        1: ("Comptes", "Rekeningen", "Accounts"),
        2: ("Comptes (3)", "Rekeningen (2)", "Accounts (draft)"),
        3: ("Comptes (2)", "Jaarrekening", "Accounts (2)"),
        4: ("Comptes (4)", "Rekeningen (3)", "Accounts (3)"),
        5: (long_title, "Lang", "Long"),
        6: ("B" * 296 + " (2)", "Lang (2)", "Long (2)"),
        7: ("Comptes", "Rekeningen", "Accounts")}
    said = capfd.readouterr().err
    assert "Agenda of assembly 1: item 2 repeated a title, renamed fr 'Comptes' to 'Comptes (3)'; " \
           "nl 'Rekeningen' to 'Rekeningen (2)'" in said
    assert "item 7" not in said
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(item, {"id": 8, "assembly": 1, "position": 8, "fr": "Comptes", "nl": "X", "en": "X"})
    downgrade(revision="agendatitle0035a1-1")
    upgrade()

def test_how_a_proxy_ended_is_read_back_from_the_audit_onto_the_proxy(migrated, capfd):
    """proxyend0036a1: a proxy ended before keeps how (withdrawn by its giver, declined by its holder) and by
    whom, from its audit entry; one without an entry counts as withdrawn and is named; a standing proxy keeps
    none; then the database refuses an ended proxy without how, and a standing one with it."""
    downgrade(revision="proxyend0036a1-1")
    with db.engine.begin() as conn:
        _members(conn, (1, 2, 3))
        conn.execute(sa.text(
            "INSERT INTO assembly_assembly (id, slug, title_fr, title_nl, title_en, starts_at, place, voting_opens_at, "
            "voting_closes_at, record_date, quorum_percent, proxy_limit, min_count, tie_rule, created_at) VALUES (1, "
            "'ag', 'AG', 'AV', 'GA', CURRENT_TIMESTAMP, 'Namur', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_DATE, "
            "0, 1, 5, 'lot', CURRENT_TIMESTAMP)"))
        for id_, giver, holder, ended in ((1, 1, 2, True), (2, 1, 3, True), (3, 2, 3, True), (4, 1, 2, False)):
            conn.execute(sa.text("INSERT INTO assembly_proxy (id, assembly_id, giver_id, holder_id, active_giver, "
                                 "source, created_at, ended_at) VALUES (:id, 1, :giver, :holder, :active, 'online', "
                                 "CURRENT_TIMESTAMP, :ended)"),
                         {"id": id_, "giver": giver, "holder": holder, "active": None if ended else giver,
                          "ended": datetime(2026, 11, 20, 10, id_) if ended else None})
        at = datetime(2026, 11, 20, 10, 0)
        for object_id, action, actor in (("1", "assemblies.proxy.give", 1), ("1", "assemblies.proxy.decline", 2),
                                         ("2", "assemblies.proxy.end", 1), ("4", "assemblies.proxy.give", 1)):
            conn.execute(sa.text("INSERT INTO app_audit_entry (at, actor_id, action, object_type, object_id) "
                                 "VALUES (:at, :actor, :action, 'assembly_proxy', :id)"),
                         {"at": at, "actor": actor, "action": action, "id": object_id})
    upgrade(revision="proxyend0036a1")
    with db.engine.connect() as conn:
        kept = {row[0]: tuple(row[1:]) for row in conn.execute(sa.text(
            "SELECT id, ended_how, ended_by_id FROM assembly_proxy ORDER BY id"))}
    assert kept == {1: ("declined", 2), 2: ("withdrawn", 1), 3: ("withdrawn", None), 4: (None, None)}
    assert "Proxies ended without an audit entry, kept as withdrawn: 3" in capfd.readouterr().err
    for statement in ("UPDATE assembly_proxy SET ended_how = NULL WHERE id = 1",
                      "UPDATE assembly_proxy SET ended_how = 'withdrawn' WHERE id = 4"):
        with pytest.raises(sa.exc.IntegrityError):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))
    downgrade(revision="proxyend0036a1-1")
    assert "ended_how" not in {c["name"] for c in sa.inspect(db.engine).get_columns("assembly_proxy")}


def test_calls_imported_before_the_import_linked_them_get_their_assembly(migrated, capfd):
    """callassembly0036a1: a call whose ballot was imported into a board item before the import set
    Call.assembly_id gets it, where the import reads back without a guess (the item's member-linked
    candidates are the call's, added once its ballot was fixed, and from no other call); the rest stays
    empty and is logged."""
    downgrade(revision="callassembly0036a1-1")
    audit = sa.table("app_audit_entry", sa.column("at", sa.DateTime), sa.column("action"), sa.column("object_type"),
                     sa.column("object_id"))
    assembly = sa.text(
        "INSERT INTO assembly_assembly (id, slug, title_fr, title_nl, title_en, starts_at, place, voting_opens_at, "
        "voting_closes_at, record_date, quorum_percent, proxy_limit, min_count, tie_rule, created_at) VALUES (:id, "
        ":slug, 'AG', 'AV', 'GA', CURRENT_TIMESTAMP, 'Namur', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_DATE, "
        "0, 1, 5, 'lot', CURRENT_TIMESTAMP)")
    item = sa.text("INSERT INTO assembly_item (id, assembly_id, position, kind, title_fr, title_nl, title_en, body_fr, "
                   "body_nl, body_en, majority, abstentions_count, seats_a, seats_b) VALUES (:id, :id, 1, 'board', "
                   "'CA', 'RvB', 'Board', '', '', '', 'simple', false, 4, 2)")
    call = sa.text(
        "INSERT INTO candidates_call (id, slug, title_fr, title_nl, title_en, text_fr, text_nl, text_en, opens_on, "
        "closes_on, vote_opens_on, seats_a, seats_b, term_years, created_at, ballot_fixed_at, assembly_id) VALUES "
        "(:id, :slug, 'Appel', 'Oproep', 'Call', '', '', '', '2025-01-01', '2025-02-01', '2025-06-01', 4, 2, 4, "
        "CURRENT_TIMESTAMP, :fixed, :assembly)")
    application = sa.text(
        "INSERT INTO candidates_application (call_id, member_id, status, language, published_name, "
        "representative_name, biography, motivation, skills, skills_other, vision, created_at, updated_at, "
        "decision_reason, correction_note, "
        "version) VALUES (:call, :member, 'accepted', 'fr', 'X', '', '', '', '[]', '', '', CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP, '', '', 1)")
    candidate = sa.text("INSERT INTO assembly_candidate (id, item_id, category, position, name, gender, member_id) "
                        "VALUES (:id, :item, 'A', :id, :name, 'other', :member)")
    with db.engine.begin() as conn:
        _members(conn, range(1, 6))
        for id_ in (1, 2, 3, 4, 6):
            conn.execute(assembly, {"id": id_, "slug": f"ag-{id_}"})
            conn.execute(item, {"id": id_})
        calls = {  # id: (slug, ballot fixed, assembly, members)
            1: ("board-2025", datetime(2025, 3, 1), None, (1, 2, 3)),
            2: ("board-2026", datetime(2026, 3, 1), None, (1, 4)),
            3: ("board-made-for", datetime(2026, 4, 1), 3, (5,)),  # made for assembly 3: kept
            4: ("board-twin-a", datetime(2026, 5, 1), None, (5,)),
            5: ("board-twin-b", datetime(2026, 5, 1), None, (5,)),
            6: ("board-never", datetime(2026, 5, 1), None, (2,)),  # never imported
            7: ("board-open", None, None, (1,))}  # no ballot fixed: nothing imported
        for id_, (slug, fixed, assembly_id, members) in calls.items():
            conn.execute(call, {"id": id_, "slug": slug, "fixed": fixed, "assembly": assembly_id})
            for member in members:
                conn.execute(application, {"call": id_, "member": member})
        candidates = [  # (id, item, member, added)
            (1, 1, 1, datetime(2025, 3, 10)), (2, 1, 2, datetime(2025, 3, 10)), (3, 1, 3, datetime(2025, 3, 10)),
            (4, 1, None, datetime(2025, 3, 11)),  # typed in by hand
            (5, 2, 1, datetime(2026, 3, 10)), (6, 2, 4, datetime(2026, 3, 10)),
            (7, 6, 4, datetime(2026, 2, 1)),  # added before call 2's ballot was fixed: not from it
            (8, 4, 5, datetime(2026, 6, 1)),  # from call 3, 4 or 5: no telling
            (9, 3, None, datetime(2026, 6, 1))]
        for id_, item_id, member, added in candidates:
            conn.execute(candidate, {"id": id_, "item": item_id, "name": f"Candidate {id_}", "member": member})
            conn.execute(audit.insert().values(at=added, action="assemblies.candidate.create",
                                               object_type="assembly_candidate", object_id=str(id_)))
    upgrade(revision="callassembly0036a1")
    with db.engine.connect() as conn:
        linked = dict(conn.execute(sa.text("SELECT id, assembly_id FROM candidates_call")).all())
    assert linked == {1: 1, 2: 2, 3: 3, 4: None, 5: None, 6: None, 7: None}
    said = capfd.readouterr().err
    assert "Call 1 (board-2025): its ballot was imported into assembly 1; linked to it" in said
    assert "Call 2 (board-2026): its ballot was imported into assembly 2; linked to it" in said
    assert "Call 4 (board-twin-a) left without an assembly: the ballot of assembly 4 may also have come from " \
           "call(s) 3, 5" in said
    assert "board-never" not in said
    downgrade(revision="callassembly0036a1-1")
    upgrade()
