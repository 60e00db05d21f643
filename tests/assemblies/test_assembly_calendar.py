"""The assembly keeps to its calendar: the door on the meeting's day only, convocations with the legal
notice (or a shorter one confirmed, on the record), the chair's vote opened with the remote window and
closed once the meeting has started. Each refusal in words, with its status, and nothing changed."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import func, select

from app.clock import BRUSSELS, utcnow
from app.extensions import db
from app.models import AuditEntry, OutboxMessage
from assemblies import errors, queries, rules, services
from assemblies.models import CheckIn, Elector
from tests.assemblies.world import meeting_day
from tests.factories import sign_in
from voting import services as voting_services
from voting.models import ElectionState


def _post(client, url, page, data=None):
    assert client.get(page).status_code == 200
    return client.post(url, data=data or {})


def _checkins() -> int:
    return db.session.scalar(select(func.count(CheckIn.id)))


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# -- the rules, at their edges ---------------------------------------------------------------------

def test_the_door_opens_three_hours_before_and_closes_at_the_end_of_the_meeting_s_day():
    starts = datetime(2026, 6, 20, 14, tzinfo=BRUSSELS)
    opens, closes = rules.check_in_window(starts)
    assert opens == datetime(2026, 6, 20, 11, tzinfo=BRUSSELS) and rules.CHECK_IN_OPENS_BEFORE == timedelta(hours=3)
    assert closes == datetime(2026, 6, 21, 0, tzinfo=BRUSSELS)
    # A meeting at 01:30 in Brussels (23:30 UTC the day before in winter): its day is Brussels', not UTC's.
    late = datetime(2026, 1, 10, 0, 30, tzinfo=timezone.utc)
    assert rules.check_in_window(late)[1] == datetime(2026, 1, 11, 0, tzinfo=BRUSSELS)


def test_the_last_day_to_convene_leaves_the_notice_days_before_the_meeting_s_day():
    assert rules.last_convocation_day(datetime(2026, 6, 20, 14, tzinfo=BRUSSELS), 15) == date(2026, 6, 5)
    assert rules.last_convocation_day(datetime(2026, 6, 19, 23, 30, tzinfo=timezone.utc), 15) == date(2026, 6, 5)


def test_each_refusal_is_said_at_its_edge(world):
    a = world.assembly
    opens, closes = rules.check_in_window(a.starts_at)
    assert isinstance(services.check_in_refusal(a, opens - timedelta(seconds=1)), errors.CheckInNotOpen)
    assert services.check_in_refusal(a, opens) is None
    assert services.check_in_refusal(a, closes - timedelta(seconds=1)) is None
    assert isinstance(services.check_in_refusal(a, closes), errors.CheckInOver)
    assert isinstance(services.vote_opening_refusal(a, a.voting_opens_at - timedelta(seconds=1)), errors.VoteOpensLater)
    assert services.vote_opening_refusal(a, a.voting_opens_at) is None
    assert isinstance(services.vote_closing_refusal(a, a.starts_at - timedelta(seconds=1)), errors.MeetingNotStarted)
    assert services.vote_closing_refusal(a, a.starts_at) is None
    last = rules.last_convocation_day(a.starts_at, 15)
    assert services.convocation_refusal(a, datetime.combine(last, datetime.min.time(), BRUSSELS).replace(hour=23)) is None
    late = services.convocation_refusal(a, datetime.combine(last + timedelta(days=1), datetime.min.time(), BRUSSELS))
    assert isinstance(late, errors.ShortNotice) and (late.last_day, late.notice_days) == (last, 15)


# -- 1. the door -----------------------------------------------------------------------------------

def test_the_door_refuses_members_days_before_the_meeting_and_nothing_is_recorded(world):
    services.convene(world.assembly)
    db.session.commit()
    with pytest.raises(errors.CheckInNotOpen) as refused:
        services.check_in(world.assembly, world.members[0])
    assert refused.value.opens_at == world.assembly.starts_at - rules.CHECK_IN_OPENS_BEFORE
    with pytest.raises(errors.CheckInNotOpen):  # by code too, whatever was typed
        services.check_in_code(world.assembly, "garbage")
    db.session.rollback()
    assert _checkins() == 0


def test_the_door_closes_once_the_chair_closed_the_vote(world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    meeting_day(world)
    services.check_in(world.assembly, world.members[0])
    services.close_vote(world.assembly)
    db.session.commit()
    with pytest.raises(errors.CheckInOver):
        services.check_in(world.assembly, world.members[1])
    db.session.rollback()
    assert queries.turnout(world.assembly).present["total"] == 1


def test_the_door_page_says_when_it_opens_in_words_in_the_reader_s_language(client, world):
    sign_in(client, world.staff)
    opens = (world.assembly.starts_at - rules.CHECK_IN_OPENS_BEFORE).astimezone(BRUSSELS)
    page = unescape(client.get("/assemblies/ga-test/checkin").get_data(as_text=True))
    day = f"{opens.day} {opens:%B} {opens.year}"
    assert f"Check-in opens on {day} at {opens:%H:%M}." in page
    assert 'id="checkin-form"' not in page and "checkin.mjs" not in page  # no form that could only be refused
    assert "Record a paper proxy" in page  # paper proxies are recorded before the day too
    refused = _post(client, "/assemblies/ga-test/checkin", "/assemblies/ga-test/checkin",
                    {"number": str(world.members[0].number)})
    text = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and f"Check-in opens on {day} at {opens:%H:%M}." in text
    assert 'role="alert"' in text and _checkins() == 0
    for language, words in (("fr", "L'accueil ouvre le "), ("nl", "Het onthaal opent op ")):
        client.post("/language", data={"language": language})
        said = unescape(client.get("/assemblies/ga-test/checkin").get_data(as_text=True))
        assert f"{words}{opens.day} " in said and f"{opens:%H:%M}." in said, language


def test_on_the_meeting_s_day_the_door_page_offers_the_form_and_checks_in(client, world):
    meeting_day(world, started=False)  # the meeting starts in an hour: the door is open
    sign_in(client, world.staff)
    page = client.get("/assemblies/ga-test/checkin").get_data(as_text=True)
    assert 'id="checkin-form"' in page and "Check-in opens" not in page
    ok = _post(client, "/assemblies/ga-test/checkin", "/assemblies/ga-test/checkin",
               {"number": str(world.members[0].number)})
    assert ok.status_code == 302 and _checkins() == 1


# -- 2. the notice period --------------------------------------------------------------------------

def _late(world) -> None:
    """The meeting in ten days: the fifteen days of notice are past."""
    world.assembly.starts_at = utcnow() + timedelta(days=10)
    world.assembly.voting_closes_at = world.assembly.starts_at + timedelta(hours=4)
    db.session.commit()


def test_convocations_later_than_the_notice_period_are_refused_naming_the_last_day(world, outbox):
    _late(world)
    with pytest.raises(errors.ShortNotice) as refused:
        services.convene(world.assembly)
    assert refused.value.last_day == rules.last_convocation_day(world.assembly.starts_at, 15)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Elector.id)).where(Elector.convoked_at.is_not(None))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    with pytest.raises(errors.ShortNoticeReasonMissing):  # a shorter notice says why
        services.convene(world.assembly, short_notice="  ")
    db.session.rollback()
    assert services.convene(world.assembly, short_notice="Second assembly", actor=world.officer) == 6
    db.session.commit()
    [entry] = _audit("assemblies.convocation.short_notice")
    assert entry.actor_id == world.officer.id and entry.after["reason"] == "Second assembly"
    assert entry.after["last_day"] == refused.value.last_day.isoformat() and entry.after["count"] == 6
    with pytest.raises(errors.NobodyToConvene) as nobody:  # again: nobody left, said in words
        services.convene(world.assembly)
    assert nobody.value.convened == 6


def test_a_lost_link_is_not_a_convocation_and_stays_allowed(world, outbox):
    services.convene(world.assembly)
    _late(world)
    elector = services.elector_for(world.assembly, world.members[0])
    services.resend_link(world.assembly, elector, actor=world.officer)
    db.session.commit()
    assert elector.links_issued == 2


def test_the_notice_days_are_a_setting(world, data_app):
    data_app.config["ASSEMBLY_NOTICE_DAYS"] = 25
    try:
        with pytest.raises(errors.ShortNotice) as refused:  # the meeting is 20 days ahead
            services.convene(world.assembly)
        assert refused.value.notice_days == 25
    finally:
        data_app.config["ASSEMBLY_NOTICE_DAYS"] = 15
    db.session.rollback()


def test_the_cli_refuses_a_late_convocation_unless_told_why(world, data_app):
    _late(world)
    runner = data_app.test_cli_runner()
    refused = runner.invoke(args=["assemblies", "convene", "ga-test"])
    assert refused.exit_code != 0 and "the last day to send them was" in refused.output
    sent = runner.invoke(args=["assemblies", "convene", "ga-test", "--short-notice", "Board decision of 2 May"])
    assert sent.exit_code == 0 and "6 convocations queued." in sent.output
    db.session.expire_all()
    assert [e.after["reason"] for e in _audit("assemblies.convocation.short_notice")] == ["Board decision of 2 May"]


def test_the_roll_asks_for_the_shorter_notice_before_sending(client, world, outbox):
    _late(world)
    sign_in(client, world.officer)
    roll = unescape(client.get("/assemblies/ga-test/roll").get_data(as_text=True))
    last = rules.last_convocation_day(world.assembly.starts_at, 15)
    assert f"the last day to send them was {last.day} {last:%B} {last.year}" in roll
    assert 'name="short_notice"' in roll and 'name="reason"' in roll
    plain = _post(client, "/assemblies/ga-test/convene", "/assemblies/ga-test/roll")
    assert plain.status_code == 422 and "the last day to send them was" in unescape(plain.get_data(as_text=True))
    blank = _post(client, "/assemblies/ga-test/convene", "/assemblies/ga-test/roll", {"short_notice": "y", "reason": " "})
    text = unescape(blank.get_data(as_text=True))
    assert blank.status_code == 400 and 'id="reason-error">Say why a shorter notice applies' in text
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0 and _audit("assemblies.convocation.issue") == []
    ok = _post(client, "/assemblies/ga-test/convene", "/assemblies/ga-test/roll",
               {"short_notice": "y", "reason": "Second assembly"})
    assert ok.status_code == 302 and len(outbox(world.members[0].email)) == 1
    [entry] = _audit("assemblies.convocation.short_notice")
    assert entry.actor_id == world.officer.id and entry.after["reason"] == "Second assembly"
    after = client.get("/assemblies/ga-test/roll").get_data(as_text=True)  # nobody waits: nothing to confirm
    assert 'name="short_notice"' not in after and "the last day to send them was" not in after


def test_with_everyone_convened_the_roll_says_so_and_offers_no_button(client, world, data_app, outbox):
    sign_in(client, world.officer)
    assert "Yes, send the convocations" in client.get("/assemblies/ga-test/roll").get_data(as_text=True)
    assert _post(client, "/assemblies/ga-test/convene", "/assemblies/ga-test/roll").status_code == 302
    mails = db.session.scalar(select(func.count(OutboxMessage.id)))
    said = ("Every member of the electorate has been sent their convocation (6 members): nobody is left to send it "
            "to.")
    roll = unescape(client.get("/assemblies/ga-test/roll").get_data(as_text=True))
    assert said in roll and "Yes, send the convocations" not in roll and "Send the convocations" not in roll
    again = client.post("/assemblies/ga-test/convene")  # a second tab's button
    assert again.status_code == 409 and said in unescape(again.get_data(as_text=True))
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == mails  # nothing sent again
    assert len(_audit("assemblies.convocation.issue")) <= 1
    world.officer.language = "nl"
    db.session.commit()
    roll = unescape(client.get("/assemblies/ga-test/roll").get_data(as_text=True))
    assert "Elk lid van het kiezerskorps heeft zijn oproeping ontvangen (6 leden)" in roll
    # The command, run again by cron, says it and succeeds.
    again = data_app.test_cli_runner().invoke(args=["assemblies", "convene", "ga-test"])
    assert again.exit_code == 0 and "nobody is left to send it to" in again.output


def test_in_time_the_roll_sends_without_asking(client, world, outbox):
    sign_in(client, world.officer)
    roll = client.get("/assemblies/ga-test/roll").get_data(as_text=True)
    assert 'name="short_notice"' not in roll
    assert _post(client, "/assemblies/ga-test/convene", "/assemblies/ga-test/roll").status_code == 302
    assert len(outbox(world.members[0].email)) == 1 and _audit("assemblies.convocation.short_notice") == []


# -- 3. the chair ----------------------------------------------------------------------------------

def test_the_vote_opens_no_sooner_than_the_remote_window(client, world):
    services.convene(world.assembly)
    world.assembly.voting_opens_at = utcnow() + timedelta(days=2)
    db.session.commit()
    with pytest.raises(errors.VoteOpensLater):
        services.open_vote(world.assembly)
    db.session.rollback()
    sign_in(client, world.officer)
    chair = unescape(client.get("/assemblies/ga-test/chair").get_data(as_text=True))
    when = world.assembly.voting_opens_at.astimezone(BRUSSELS)
    sentence = f"Remote voting opens on {when.day} {when:%B} {when.year} at {when:%H:%M}: the vote can be opened from then."
    assert sentence in chair and "Yes, open the vote" not in chair  # no button that can only fail
    refused = _post(client, "/assemblies/ga-test/chair/open", "/assemblies/ga-test/chair")
    assert refused.status_code == 422 and sentence in unescape(refused.get_data(as_text=True))
    assert queries.election(world.assembly).state is ElectionState.KEYGEN


def test_the_vote_closes_no_sooner_than_the_meeting_starts_and_early_after_it_with_a_word(client, world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    with pytest.raises(errors.MeetingNotStarted):
        services.close_vote(world.assembly)
    db.session.rollback()
    sign_in(client, world.officer)
    chair = unescape(client.get("/assemblies/ga-test/chair").get_data(as_text=True))
    when = world.assembly.starts_at.astimezone(BRUSSELS)
    sentence = f"The meeting starts on {when.day} {when:%B} {when.year} at {when:%H:%M}: the vote can be closed from then."
    assert sentence in chair and "Yes, close the vote" not in chair
    refused = _post(client, "/assemblies/ga-test/chair/close", "/assemblies/ga-test/chair")
    assert refused.status_code == 422 and sentence in unescape(refused.get_data(as_text=True))
    assert queries.election(world.assembly).state is ElectionState.OPEN
    meeting_day(world)  # the meeting has started; remote voting was announced until the end of the day
    chair = unescape(client.get("/assemblies/ga-test/chair").get_data(as_text=True))
    assert "Yes, close the vote" in chair and "closing now ends it early" in chair
    assert _post(client, "/assemblies/ga-test/chair/close", "/assemblies/ga-test/chair").status_code == 302
    assert queries.election(world.assembly).state is ElectionState.CLOSED
    assert [e.actor_id for e in _audit("assemblies.vote.close")] == [world.officer.id]


def test_an_item_s_vote_closes_no_sooner_than_the_meeting_starts(client, world):
    """As the whole vote: members decide at the meeting, so no item's vote closes before it starts."""
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    item = next(i for i in world.assembly.items if i.kind.value != "information")
    with pytest.raises(errors.MeetingNotStarted):
        services.close_item(world.assembly, item)
    db.session.rollback()
    sign_in(client, world.officer)
    url = f"/assemblies/ga-test/chair/items/{item.id}/close"
    chair = unescape(client.get("/assemblies/ga-test/chair").get_data(as_text=True))
    when = world.assembly.starts_at.astimezone(BRUSSELS)
    sentence = f"The meeting starts on {when.day} {when:%B} {when.year} at {when:%H:%M}: the vote can be closed from then."
    assert sentence in chair and url not in chair  # no button that can only fail
    confirm = unescape(client.get(url).get_data(as_text=True))
    assert sentence in confirm and "Yes, close the vote on this item" not in confirm
    refused = client.post(url)
    assert refused.status_code == 422 and sentence in unescape(refused.get_data(as_text=True))
    assert _audit("assemblies.item.close") == []
    meeting_day(world)
    assert url in client.get("/assemblies/ga-test/chair").get_data(as_text=True)
    assert _post(client, url, url).status_code == 302
    assert len(_audit("assemblies.item.close")) == 1


def test_an_assembly_s_election_is_not_opened_or_closed_from_the_officer_s_page_or_command(client, world, data_app):
    """The chair's console keeps the meeting's calendar: the election officer's page and the voting
    command would skip it, so they refuse an assembly's election, in words, and change nothing."""
    from voting.models import ElectionState

    election = queries.election(world.assembly)
    sign_in(client, world.officer)
    page = client.get(f"/voting/manage/{election.slug}").get_data(as_text=True)
    assert "it is opened and closed from the assembly's chair's console" in page
    assert f"/voting/manage/{election.slug}/open" not in page  # no button that can only fail
    refused = client.post(f"/voting/manage/{election.slug}/open")
    assert refused.status_code == 409
    assert "it is opened and closed from the assembly's chair's console" in refused.get_data(as_text=True)
    result = data_app.test_cli_runner().invoke(args=["voting", "open", election.slug])
    assert result.exit_code != 0 and "chaired_by_assembly" in result.output
    db.session.expire_all()
    assert queries.election(world.assembly).state is ElectionState.KEYGEN
    # Nor its items, once the chair opened the vote (before the meeting: an item could close early).
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    contest = election.definition["contests"][0]["id"]
    for verb in ("close-item", "open-item"):
        result = data_app.test_cli_runner().invoke(args=["voting", verb, election.slug, contest])
        assert result.exit_code != 0 and "chaired_by_assembly" in result.output, result.output
    assert _audit("assemblies.item.close") == [] and voting_services.closed_contests(election) == set()
