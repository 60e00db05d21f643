"""Board candidates still on the ballot once the vote opened: one who withdrew their candidacy, one whose
membership lapsed, cannot take a seat, and the results (page, CSV, projector) say why and from which day,
in words; one who resigned and was admitted again (a new membership) is a member, and is not said to have
left without saying that they came back. The seats stay as the ballots gave them (docs/assemblies.md)."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from flask_babel import force_locale

from app.clock import today
from app.extensions import db
from app.web import format_day
from assemblies import queries
from assemblies.demo import cast_for, tally
from candidates import queries as candidacies
from candidates import services as candidacy
from candidates.models import Application, ApplicationStatus, Call
from shares import register
from shares.models import Category, PaymentPurpose
from shares.payments import create_payment_request
from shares.services import rejoin_member
from tests.assemblies.test_assembly_views import electors
from tests.factories import csv_rows, sign_in


def _text(html: str) -> str:
    return " ".join(unescape(re.sub("<[^>]+>", " ", html)).split())


def _day(day) -> str:
    with force_locale("en"):
        return format_day(day)


def _elected(world):
    """The vote counted: the category's first two elected candidates, linked to two members."""
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    group = next(r for r in queries.results(world.assembly) if r["kind"] == "board")["groups"][0]
    first, second = (group["by_choice"][ch] for ch in group["seat"].elected[:2])
    first.member_id, second.member_id = world.members[1].id, world.members[2].id
    db.session.commit()
    return first, second, group["seat"].elected


def _on_ballot(member, call_slug="board-ballot", assembly=None) -> Application:
    """``member``'s accepted candidacy, on the fixed ballot of a call (for ``assembly``) whose vote opened yesterday."""
    call = Call(slug=call_slug, title_fr="Appel", title_nl="Oproep", title_en="Call", opens_on=today() - timedelta(days=30),
                closes_on=today() - timedelta(days=5), vote_opens_on=today() - timedelta(days=1), seats_a=4, seats_b=2,
                ballot_fixed_at=None, assembly_id=assembly.id if assembly is not None else None)
    application = Application(call=call, member_id=member.id, status=ApplicationStatus.ACCEPTED,
                              published_name=member.name, category=Category.A, ballot_position=1, ballot_choice="a01")
    db.session.add(application)
    db.session.commit()
    return application


def _results(client, world):
    sign_in(client, world.members[0].account)
    page = _text(client.get(f"/assemblies/{world.assembly.slug}/results").get_data(as_text=True))
    rows = csv_rows(client.get(f"/assemblies/{world.assembly.slug}/results.csv").get_data(as_text=True))
    projector = _text(client.get(f"/assemblies/{world.assembly.slug}/projector").get_data(as_text=True))
    return page, {r[1]: r[5] for r in rows if r[1]}, projector


def test_a_candidate_who_withdrew_once_the_vote_opened_is_said_unable_to_take_the_seat(client, world):
    application = _on_ballot(world.members[1], assembly=world.assembly)
    candidacy.withdraw_application(application, actor=world.members[1].account)  # while the vote runs
    db.session.commit()
    withdrew, stays, elected_before = _elected(world)
    assert application.withdrawn_after_vote and application.ballot_choice == "a01"  # still on the ballot
    day = _day(today())

    page, outcome, projector = _results(client, world)
    said = f"{withdrew.name} withdrew their candidacy on {day}, once the vote had opened, and cannot take a seat."
    assert said in page and said in projector
    assert f"Elected · withdrew on {day}: cannot take a seat" in page
    assert "the seat they won is not taken by them" in page
    assert outcome[withdrew.name] == f"Elected; withdrew on {day}: cannot take a seat"
    assert outcome[stays.name] == "Elected"
    assert f"{stays.name} withdrew" not in page
    # The tally is the tally: the seats and their order stay as the ballots gave them.
    group = next(r for r in queries.results(world.assembly) if r["kind"] == "board")["groups"][0]
    assert group["seat"].elected == elected_before and group["seat"].seats == 4

    client.post("/language", data={"language": "fr"})
    french = _text(client.get(f"/assemblies/{world.assembly.slug}/results").get_data(as_text=True))
    assert "a retiré sa candidature le" in french


def test_a_withdrawal_in_another_call_says_nothing_of_this_ballot(world):
    """Only this assembly's call counts: a candidacy withdrawn from an earlier year's call (linked to no
    assembly, or to another), the candidate on this ballot by hand or through this assembly's call."""
    withdrew, _, _ = _elected(world)
    old = _on_ballot(world.members[1], call_slug="board-old")
    old.call.opens_on, old.call.closes_on = today() - timedelta(days=400), today() - timedelta(days=380)
    old.call.vote_opens_on = today() - timedelta(days=370)
    old.status, old.withdrawn_after_vote = ApplicationStatus.WITHDRAWN, True
    old.withdrawn_at = old.created_at
    db.session.commit()
    assert candidacies.withdrawn_on_ballot([world.members[1].id], world.assembly.id) == {}
    assert withdrew.id not in queries.candidates_standing(world.assembly)
    _on_ballot(world.members[1], assembly=world.assembly)
    assert candidacies.withdrawn_on_ballot([world.members[1].id], world.assembly.id) == {}
    assert withdrew.id not in queries.candidates_standing(world.assembly)


def test_a_lapsed_candidate_cannot_take_a_seat_while_the_lapse_lasts(client, world):
    lapsed, _, _ = _elected(world)
    member = world.members[1]
    fee = create_payment_request(member, PaymentPurpose.RENEWAL, 2500, year=today().year)
    db.session.flush()
    register.lapse(member, fee, on=today())
    db.session.commit()
    day = _day(today())

    page, outcome, _ = _results(client, world)
    assert (f"The membership of {lapsed.name} lapsed on {day} (the renewal is not paid): they cannot take a seat "
            "while the lapse lasts.") in page
    assert outcome[lapsed.name] == f"Elected; membership lapsed on {day}: cannot take a seat while the lapse lasts"


def test_a_candidate_who_resigned_and_was_admitted_again_is_not_said_to_have_left(client, world):
    came_back, left, _ = _elected(world)
    person, other = world.members[1], world.members[2]
    register.resign(person, on=today())
    register.resign(other, on=today())
    new = rejoin_member(person, Category.A)
    request = create_payment_request(new, PaymentPurpose.SUBSCRIPTION, 3000)
    db.session.flush()
    register.admit(new, 1, Category.A, request, on=today())
    db.session.commit()
    day = _day(today())

    page, outcome, _ = _results(client, world)
    assert (f"{came_back.name} left the cooperative on {day} and was admitted again on {day}: they are a member."
            in page)
    assert f"{came_back.name} left the cooperative on {day} and cannot take a seat." not in page
    assert outcome[came_back.name] == f"Elected; left on {day}, admitted again on {day}"
    # The other one left for good: said as before.
    assert f"{left.name} left the cooperative on {day} and cannot take a seat." in page
    assert outcome[left.name] == f"Elected; left the cooperative on {day}: cannot take a seat"

    sign_in(client, world.secretary)
    prepare = _text(client.get(f"/assemblies/{world.assembly.slug}/prepare").get_data(as_text=True))
    said = f"{came_back.name} left the cooperative on {day} and was admitted again on {day}: they are a member."
    assert said in prepare and f"{said} The ballot no longer changes" not in prepare
    assert f"{left.name} left the cooperative on {day} and cannot take a seat. The ballot no longer changes" in prepare

    # The candidacy's own page judges by the person's membership too.
    application = _on_ballot(person)
    assert candidacies.left_on_ballot(application) is None
    assert candidacies.left_on_ballot(_on_ballot(other, call_slug="board-other")) == today()


def _came_back(person, *, left, admitted):
    """``person`` resigned on ``left`` and their new membership was admitted on ``admitted``: it."""
    register.resign(person, on=left)
    new = rejoin_member(person, Category.A)
    request = create_payment_request(new, PaymentPurpose.SUBSCRIPTION, 3000)
    db.session.flush()
    register.admit(new, 1, Category.A, request, on=admitted)
    return new


def test_a_candidate_admitted_again_whose_new_membership_lapsed_is_said_lapsed_with_its_day(client, world):
    """The standing follows the person's latest membership: admitted again, then its renewal unpaid."""
    came_back, _, _ = _elected(world)
    left, admitted, lapsed = today() - timedelta(days=20), today() - timedelta(days=10), today() - timedelta(days=2)
    new = _came_back(world.members[1], left=left, admitted=admitted)
    fee = create_payment_request(new, PaymentPurpose.RENEWAL, 2500, year=today().year)
    db.session.flush()
    register.lapse(new, fee, on=lapsed)
    db.session.commit()

    page, outcome, projector = _results(client, world)
    said = (f"The membership of {came_back.name} lapsed on {_day(lapsed)} (the renewal is not paid): they cannot "
            "take a seat while the lapse lasts.")
    assert said in page and said in projector
    assert "they are a member" not in page
    assert outcome[came_back.name] == (f"Elected; membership lapsed on {_day(lapsed)}: cannot take a seat while "
                                       "the lapse lasts")
    sign_in(client, world.secretary)
    assert said in _text(client.get(f"/assemblies/{world.assembly.slug}/prepare").get_data(as_text=True))
    # Before the lapse, they had come back: judged on a day, the standing is that day's.
    earlier = queries.candidates_standing(world.assembly, on=lapsed - timedelta(days=1))[came_back.id]
    assert (earlier.reason, earlier.on, earlier.again_on) == ("rejoined", left, admitted)


def test_a_candidate_admitted_again_who_left_again_is_said_to_have_left_on_the_later_day(client, world):
    came_back, _, _ = _elected(world)
    person = world.members[1]
    first, admitted, again = today() - timedelta(days=20), today() - timedelta(days=10), today() - timedelta(days=3)
    new = _came_back(person, left=first, admitted=admitted)
    register.resign(new, on=again)
    db.session.commit()

    page, outcome, _ = _results(client, world)
    assert f"{came_back.name} left the cooperative on {_day(again)} and cannot take a seat." in page
    assert _day(first) not in page and "they are a member" not in page
    assert outcome[came_back.name] == f"Elected; left the cooperative on {_day(again)}: cannot take a seat"
    # The candidacy's own page says the later day too.
    assert candidacies.left_on_ballot(_on_ballot(person)) == again
    # A third membership applied for, not admitted: still gone, from the later day.
    rejoin_member(new, Category.A)
    db.session.commit()
    standing = queries.candidates_standing(world.assembly)[came_back.id]
    assert (standing.reason, standing.on) == ("left", again)


def test_an_applicant_not_admitted_yet_has_not_come_back(world):
    """Applying again is not being admitted: until the new membership's admission, they left."""
    came_back, _, _ = _elected(world)
    person = world.members[1]
    register.resign(person, on=today())
    rejoin_member(person, Category.A)
    db.session.commit()
    standing = queries.candidates_standing(world.assembly)[came_back.id]
    assert standing.reason == "left" and not standing.seated
    assert register.comebacks([person.id]) == {}


def test_signed_minutes_say_who_can_take_a_seat_as_it_stood_when_they_were_signed(client, world):
    """Signed minutes do not change after: a lapse recorded after the signing shows on the results, not in them."""
    from sqlalchemy import select

    from app.clock import utcnow
    from assemblies import minutes as minutes_service
    from assemblies.models import AssemblyMinutes

    lapsed, _, _ = _elected(world)
    world.assembly.starts_at = utcnow() - timedelta(hours=1)  # the meeting was held
    db.session.commit()
    sign_in(client, world.secretary)
    assert client.post(f"/assemblies/{world.assembly.slug}/minutes/begin").status_code == 302
    minutes = db.session.scalar(select(AssemblyMinutes))
    minutes_service.save_and_sign_minutes(minutes, version=minutes.version, chair="Anne", secretary="Bruno",
                                          tellers="", opening="", closing="", notes={})
    minutes.signed_at = utcnow() - timedelta(days=1)
    fee = create_payment_request(world.members[1], PaymentPurpose.RENEWAL, 2500, year=today().year)
    db.session.flush()
    register.lapse(world.members[1], fee, on=today())
    db.session.commit()

    said = f"The membership of {lapsed.name} lapsed on"
    signed = _text(client.get(f"/assemblies/{world.assembly.slug}/minutes").get_data(as_text=True))
    assert lapsed.name in signed and said not in signed
    assert said in _results(client, world)[0]
