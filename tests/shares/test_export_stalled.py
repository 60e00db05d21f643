"""A register file job whose worker stopped mid-run (a restart) does not stay "running" forever: once it
has given no sign of life for SHARES_EXPORT_STALE_SECONDS it is marked failed, staff read why and start
a new one."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from app.clock import utcnow
from app.extensions import db
from app.models import AuditEntry
from shares import exports, register
from shares.models import ExportStatus, RegisterExport


def _running(started_minutes_ago: int, beat_minutes_ago: int | None) -> RegisterExport:
    """A job as a worker left it when its process died: running, its last beat some time ago."""
    export = RegisterExport(as_of=date(2024, 6, 1), format="pdf", language="en", status=ExportStatus.RUNNING,
                            total_rows=10, done_rows=3, started_at=utcnow() - timedelta(minutes=started_minutes_ago),
                            heartbeat_at=(utcnow() - timedelta(minutes=beat_minutes_ago))
                            if beat_minutes_ago is not None else None)
    db.session.add(export)
    db.session.commit()
    return export


def test_a_job_without_sign_of_life_is_marked_failed_once(app):
    dead = _running(30, 25)
    beating = _running(30, 1)  # a long job that still progresses is left alone
    old_without_beat = _running(20, None)
    queued = RegisterExport(as_of=date(2024, 6, 1), format="csv", language="en",
                            created_at=utcnow() - timedelta(minutes=15))
    db.session.add(queued)
    db.session.commit()
    assert sorted(exports.fail_stalled()) == sorted([dead.id, old_without_beat.id, queued.id])
    db.session.commit()
    for export in (dead, old_without_beat, queued):
        db.session.refresh(export)
        assert export.status is ExportStatus.FAILED and export.error == RegisterExport.STALLED
    db.session.refresh(beating)
    assert beating.status is ExportStatus.RUNNING
    assert exports.fail_stalled() == []  # nothing twice
    assert len(list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "shares.register_export.stalled")))) == 3


def test_a_stalled_job_that_finishes_late_stays_failed(app, make_member):
    member = make_member()
    register.subscribe(member, 1, on=date(2024, 1, 1))
    db.session.commit()
    export = exports.request_export(date(2024, 6, 1), "csv", actor=None, language="en")
    db.session.commit()
    # The job is claimed, then (as if its worker froze) marked stalled before it writes its result.
    original = exports.register_csv_rows

    def frozen(on, rows=None):
        db.session.execute(update(RegisterExport).where(RegisterExport.id == export.id)
                           .values(status=ExportStatus.FAILED, error=RegisterExport.STALLED))
        db.session.commit()
        yield from original(on, rows)

    exports.register_csv_rows = frozen
    try:
        exports.run_export(export.id)
    finally:
        exports.register_csv_rows = original
    db.session.refresh(export)
    assert export.status is ExportStatus.FAILED and export.error == RegisterExport.STALLED
    assert not exports.export_path(export).exists()


def test_staff_see_why_and_start_a_new_one(client, login_as):
    login_as("staff")
    dead = _running(30, 25)
    page = client.get(f"/staff/register/exports/{dead.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "stopped giving signs of life for more than 10 minutes" in html and "Make the file again" in html
    assert 'http-equiv="refresh"' not in html  # no longer polls
    again = client.post("/staff/register/exports", data={"on": "2024-06-01", "format": "pdf"})
    assert again.status_code == 302
    new = db.session.scalar(select(RegisterExport).order_by(RegisterExport.id.desc()))
    assert new.id != dead.id and new.status is ExportStatus.DONE  # made inline in tests


def test_the_cron_command_marks_stalled_jobs(app):
    dead = _running(30, 25)
    result = app.test_cli_runner().invoke(args=["shares", "run-exports"])
    assert result.exit_code == 0 and "1 stalled register file job(s) marked as failed." in result.output
    db.session.refresh(dead)
    assert dead.status is ExportStatus.FAILED
