"""``flask working-groups``: the assembly report, a booklet, re-sending synthesis notices (idempotent)."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from app.extensions import db
from app.models import OutboxMessage
from tests.factories import give_paid_share, make_member_obj
from tests.working_groups.conftest import make_board, make_group, make_minutes, make_recommendation


def test_answers_for_assembly_command(app):
    make_recommendation(make_group(), "answered")
    result = app.test_cli_runner().invoke(args=["working-groups", "answers-for-assembly", "2018-06-19"])
    assert result.exit_code == 0, result.output
    assert "ethics\t1\taccepted\t2018-05-16\tCréer un comité d'éthique indépendant" in result.output
    assert "1 answer(s)." in result.output
    result = app.test_cli_runner().invoke(args=["working-groups", "answers-for-assembly", "2018-01-01"])
    assert "0 answer(s)." in result.output


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext is needed")
def test_booklet_command(app, tmp_path):
    make_recommendation(make_group(), "submitted")
    out = tmp_path / "booklet.pdf"
    result = app.test_cli_runner().invoke(args=["working-groups", "booklet", "ethics", str(out), "--language", "nl"])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ethisch comité" in text and "Créer un comité" in text and "ingediend bij de raad" in text
    missing = app.test_cli_runner().invoke(args=["working-groups", "booklet", "nope", str(out)])
    assert missing.exit_code != 0 and "no working group" in missing.output


def test_notify_synthesis_tells_only_members_not_told_yet(app):
    first = give_paid_share(make_member_obj())
    minutes = make_minutes("published", board=make_board(2))
    assert db.session.query(OutboxMessage).filter_by(to_address=first.email).count() == 1
    newcomer = give_paid_share(make_member_obj(language="nl"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["working-groups", "notify-synthesis", str(minutes.id)])
    assert result.exit_code == 0 and "Queued 1 notice(s)." in result.output
    again = runner.invoke(args=["working-groups", "notify-synthesis", str(minutes.id)])
    assert "Queued 0 notice(s)." in again.output
    db.session.expire_all()
    assert db.session.query(OutboxMessage).filter_by(to_address=newcomer.email).one().language == "nl"
    draft = make_minutes("draft", board=make_board(1), meeting_on=date(2026, 10, 8))
    refused = runner.invoke(args=["working-groups", "notify-synthesis", str(draft.id)])
    assert refused.exit_code != 0
