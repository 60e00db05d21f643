"""A second review of the assembly day: the officer's steps due by the last day of the notice,
names typed twice with other spaces, direction marks in signed text, an invisible place, charts under
their category, Dutch wording, an agenda item added twice, and a vote closed early."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from app.clock import BRUSSELS, today
from app.extensions import db
from assemblies import rules, services, tasks
from assemblies.models import ItemKind


def test_the_officer_steps_before_the_convocations_are_due_by_the_last_day_of_the_notice(app, world):
    """The ballot on the board and the convocations are due by the last convocation day (CSA art. 6:70),
    not by the opening of the remote vote, days later."""
    starts = datetime.combine(today() + timedelta(days=30), time(14), tzinfo=BRUSSELS)
    waits = services.create_assembly(slug="ga-waits", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=starts,
                                     place="Namur", voting_opens_at=starts - timedelta(days=10),
                                     voting_closes_at=starts + timedelta(hours=4), record_date=world.record)
    services.add_item(waits, kind=ItemKind.RESOLUTION, titles={"fr": "Comptes", "nl": "Rekeningen", "en": "Accounts"})
    services.freeze_electorate(waits)
    db.session.commit()
    with app.test_request_context():
        due = {t.title.split(":")[0]: t.due for t in tasks.officer_tasks(world.officer)}
    last = rules.last_convocation_day(starts, 15)
    assert last == today() + timedelta(days=15)
    assert due["Put the ballot on the public board"] == last
    assert due["Send the convocations"] == rules.last_convocation_day(world.assembly.starts_at, 15)
    assert services.last_convocation_day(waits) == last

