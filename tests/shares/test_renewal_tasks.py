"""Staff's home page says when the renewal campaign has letters to send today and memberships to record as
lapsed, counted as the campaign page counts them, and leads there."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.clock import BRUSSELS, today
from app.extensions import db
from app.models import Role
from shares import renewal
from tests.factories import sign_in

THIS_YEAR = today().year
LAST_YEAR = THIS_YEAR - 1


def test_letters_due_today_are_a_task_until_they_are_sent(client, member_with_shares, make_staff):
    for _ in range(3):
        member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1))
    member_with_shares(1, on=date(THIS_YEAR, 1, 2))  # joined this year: no letter
    sign_in(client, make_staff())
    home = client.get("/").get_data(as_text=True)
    assert f'<a href="/staff/renewal?year={THIS_YEAR}#letters">3 renewal letters to send</a>' in home
    assert "Send 3 letters" in client.get(f"/staff/renewal?year={THIS_YEAR}").get_data(as_text=True)
    # Counting the letters reads the whole register: the badge every page asks for leaves them out.
    badge = client.get("/tasks/badge", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert ">3<" not in badge
    assert client.post(f"/staff/renewal/{THIS_YEAR}/letters").status_code == 302  # sent inline in tests
    assert "renewal letter" not in client.get("/").get_data(as_text=True)


def test_one_letter_is_said_in_the_singular(client, member_with_shares, make_staff):
    member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1))
    sign_in(client, make_staff())
    assert ">1 renewal letter to send</a>" in client.get("/").get_data(as_text=True)


def unpaid_after_reminders(member_with_shares, n=2):
    """Last year's campaign sent its request and both reminders, ``n`` members paid nothing, and the grace
    period is over: their memberships are to be recorded as lapsed."""
    members = [member_with_shares(1, on=date(LAST_YEAR - 2, 3, 1)) for _ in range(n)]
    start = datetime(LAST_YEAR, 1, 8, 8, tzinfo=BRUSSELS)
    for days in (0, 21, 42):
        renewal.run_campaign(LAST_YEAR, now=start + timedelta(days=days))
    db.session.commit()
    return members


def test_lapses_due_are_a_task_until_they_are_recorded(client, member_with_shares, make_staff):
    unpaid_after_reminders(member_with_shares)
    sign_in(client, make_staff())
    home = client.get("/").get_data(as_text=True)
    assert (f'<a href="/staff/renewal?year={LAST_YEAR}#lapsed">2 memberships to record as lapsed '
            f'(renewal {LAST_YEAR})</a>') in home
    assert "Record 2 members as lapsed" in client.get(f"/staff/renewal?year={LAST_YEAR}").get_data(as_text=True)
    assert client.post(f"/staff/renewal/{LAST_YEAR}/lapses").status_code == 302
    assert "to record as lapsed" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.BOARD, Role.SECRETARY, Role.OFFICER, Role.SCRUTINEER])
def test_who_may_not_run_the_campaign_is_not_asked_to(client, member_with_shares, login_as, role):
    unpaid_after_reminders(member_with_shares)  # lapses due last year, letters due this year
    login_as(role)
    home = client.get("/").get_data(as_text=True)
    assert "renewal letter" not in home and "to record as lapsed" not in home and "/staff/renewal" not in home


@pytest.mark.parametrize("language, letters, lapses", [
    ("fr", "2 lettres de renouvellement à envoyer",
     f"2 sociétaires à inscrire comme déchu·es (renouvellement {LAST_YEAR})"),
    ("nl", "2 hernieuwingsbrieven te versturen",
     f"2 lidmaatschappen als vervallen in te schrijven (hernieuwing {LAST_YEAR})"),
])
def test_the_tasks_in_french_and_dutch(client, member_with_shares, make_staff, language, letters, lapses):
    unpaid_after_reminders(member_with_shares)  # the same two owe this year's renewal: a letter each
    sign_in(client, make_staff(language=language))
    home = client.get("/").get_data(as_text=True)
    assert f">{letters}</a>" in home and f">{lapses}</a>" in home
