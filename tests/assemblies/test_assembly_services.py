"""Preparing, convening, proxies, check-in and results of an assembly, through the services."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.clock import utcnow
from app.errors import DomainError
from app.extensions import db
from app.models import AuditEntry
from assemblies import errors, queries, services
from assemblies.demo import cast_for, tally
from assemblies.models import Elector, Proxy, ProxySource
from voting import errors as verrors
from voting import services as voting
from voting.crypto.ballot import encrypt_ballot
from voting.models import Credential
from tests.assemblies.world import meeting_day
from tests.factories import ON_POSTGRES


def electors(w):
    return list(db.session.scalars(select(Elector).where(Elector.assembly_id == w.assembly.id).order_by(Elector.id)))


def test_the_electorate_is_the_members_in_good_standing_counted_per_category(world):
    assert services.electorate_counts(world.assembly) == {"A": 4, "B": 2, "total": 6}
    assert services.elector_for(world.assembly, world.outsider) is None
    with pytest.raises(errors.ElectorateFrozen):
        services.freeze_electorate(world.assembly)


def test_a_late_correction_is_audited(world):
    services.add_elector_late(world.assembly, world.outsider, "payment booked late", actor=world.officer)
    db.session.commit()
    assert services.electorate_counts(world.assembly)["total"] == 7
    row = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assemblies.electorate.add"))
    assert row is not None and "payment booked late" in json.dumps(row.after)
    with pytest.raises(errors.AlreadyElector):
        services.add_elector_late(world.assembly, world.outsider, "again")


def test_a_person_votes_through_one_membership_only(world):
    """A former member who applied again holds two member numbers on one account: the one in the
    electorate is the person's only vote; the other is added only once that one is removed."""
    from app.errors import error_message
    from shares.models import Category
    from shares.services import rejoin_member

    old = world.members[0]
    old_elector = services.elector_for(world.assembly, old)
    new = rejoin_member(old, Category.A)
    db.session.commit()
    with pytest.raises(errors.ElectorAsAnotherMembership) as refused:
        services.add_elector_late(world.assembly, new, "paid after the record date", actor=world.officer)
    db.session.rollback()
    with current_app.test_request_context():
        assert (f"is already in the electorate as member {old.number}, another membership of the same person: one "
                f"person, one vote.") in error_message(refused.value)
    assert services.electorate_counts(world.assembly)["total"] == 6
    services.remove_elector(world.assembly, old_elector, "left after the record date", actor=world.officer)
    services.add_elector_late(world.assembly, new, "the membership that votes", actor=world.officer)
    db.session.commit()
    assert services.electorate_counts(world.assembly)["total"] == 6


def test_a_person_who_came_back_with_another_address_votes_once(world):
    """One who left after the record date and joined again through the public form with another address
    is another account with the same national number: the late addition of that membership is refused
    while the first stands in the electorate."""
    from tests.factories import make_member_obj

    old = world.members[0]
    old.national_number, old.holds_identity = "85073003328", False  # their membership ended
    db.session.commit()
    again = make_member_obj(email="back-again@example.be", national_number="85073003328")
    assert again.account_id != old.account_id
    with pytest.raises(errors.ElectorAsAnotherMembership):
        services.add_elector_late(world.assembly, again, "paid after the record date", actor=world.officer)
    db.session.rollback()
    assert services.electorate_counts(world.assembly)["total"] == 6
    services.add_elector_late(world.assembly, world.outsider, "payment booked late", actor=world.officer)
    assert services.electorate_counts(world.assembly)["total"] == 7  # another person: added


def test_a_voter_added_late_while_the_vote_is_open_votes_and_the_record_follows(world):
    """A late correction while the vote is open: audited, an ``electorate_addition`` on the record
    (the electorate it makes included), the member gets a link and votes; the verifier agrees."""
    import io

    from voting.models import BoardEvent
    from voting.record import record_document
    from voting.verify import verify_record

    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    elector = services.add_elector_late(world.assembly, world.outsider, "payment booked late", actor=world.officer)
    db.session.commit()
    election = queries.election(world.assembly)
    event = db.session.scalar(select(BoardEvent).where(BoardEvent.election_id == election.id,
                                                       BoardEvent.type == "electorate_addition"))
    assert event is not None and sum(event.data["electorate"].values()) == 7
    assert elector.credential_public == event.data["credentials"][0]["credential"]
    assert "voting.electorate.add" in set(db.session.scalars(select(AuditEntry.action)))
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()
    result = voting.result(election)
    assert sum(result["electorate"].values()) == 7 and sum(result["counted"].values()) == 7
    report = verify_record(record_document(list(voting.iter_events(election))), workers=1, out=io.StringIO())
    assert report.ok and report.complete, report.failure


def test_the_definition_speaks_three_languages_and_locks_the_agenda(world):
    election = queries.election(world.assembly)
    texts = election.definition["texts"]
    for contest in election.definition["contests"]:
        t = texts["contests"][contest["id"]]
        for lang in ("fr", "nl", "en"):
            assert t["title"][lang] and not re.fullmatch(r"[a-z0-9_-]+", t["title"][lang])
            for choice in contest["choices"]:
                assert t["choices"][choice][lang]
    assert texts["contests"]["item2"]["choices"]["yes"]["nl"] == "Ja"
    assert texts["title"]["nl"].startswith("Algemene vergadering")
    with pytest.raises(errors.AgendaLocked):
        services.add_item(world.assembly, kind=world.assembly.items[0].kind, titles={"fr": "x", "nl": "x", "en": "x"})


def test_convocation_mails_a_link_with_credential_and_fingerprint_once(world, outbox):
    assert services.convene(world.assembly) == 6
    db.session.commit()
    with pytest.raises(errors.NobodyToConvene):  # nothing sent twice
        services.convene(world.assembly)
    db.session.rollback()
    fingerprint = queries.election(world.assembly).fingerprint
    mails = outbox(world.members[0].email)
    assert len(mails) == 1
    assert f":{fingerprint}" in mails[0].body_text and "/voting/ga-test/vote#" in mails[0].body_text
    assert "Approval of the annual accounts" in mails[0].body_text


def test_a_french_convocation_puts_its_no_break_space_before_the_agenda_s_colon(world, outbox):
    world.members[0].account.language = "fr"
    services.convene(world.assembly)
    db.session.commit()
    body = outbox(world.members[0].email)[0].body_text
    assert "Ordre du jour\u00a0:\n1. " in body and "Ordre du jour:" not in body


def test_resending_a_link_revokes_the_old_credential(world, outbox):
    services.convene(world.assembly)
    elector = electors(world)[0]
    old = elector.credential_public
    services.resend_link(world.assembly, elector, actor=world.officer)
    db.session.commit()
    assert elector.credential_public != old and elector.links_issued == 2
    assert db.session.scalar(select(Credential).where(Credential.public == old)).revoked_at is not None
    assert len(outbox(elector.member.email)) == 2  # the first elector by id: not always the first member made


def test_proxy_rules(world, outbox):
    m = world.members
    services.convene(world.assembly)
    with pytest.raises(errors.ProxyToSelf):
        services.give_proxy(world.assembly, m[0], m[0])
    with pytest.raises(errors.NotAnElector):
        services.give_proxy(world.assembly, m[0], world.outsider)
    services.give_proxy(world.assembly, m[0], m[1])
    db.session.commit()
    # The holder received the represented member's new link; the member's old one is revoked.
    proxy_mail = [x for x in outbox(m[1].email) if "has given you their proxy" in x.body_text]
    assert [x.subject for x in proxy_mail] == [f"Proxy of {m[0].name}: General assembly 2026"]
    assert f"can vote in the name of {m[0].name}" in proxy_mail[0].body_text
    assert "in your name" not in proxy_mail[0].body_text.replace("vote in their name", "")
    with pytest.raises(errors.ProxyLimitReached):  # default: one proxy per holder
        services.give_proxy(world.assembly, m[2], m[1])
    with pytest.raises(errors.ProxyExists):
        services.give_proxy(world.assembly, m[0], m[3])
    world.assembly.proxy_deadline = utcnow() - timedelta(minutes=1)
    with pytest.raises(errors.ProxyDeadlinePassed):
        services.give_proxy(world.assembly, m[4], m[5], source=ProxySource.PAPER)
    # The member takes the vote back: a new link for them, none for the holder, who is told.
    holders_before = len(outbox(m[1].email))
    services.end_proxy(world.assembly, m[0])
    db.session.commit()
    assert services.standing_proxy(world.assembly, m[0].id) is None
    assert len(outbox(m[0].email)) == 2
    told = outbox(m[1].email)[holders_before:]
    assert [x.subject for x in told] == [f"{m[0].name} has withdrawn their proxy: General assembly 2026"]
    assert "no longer works" in told[0].body_text and "/vote#" not in told[0].body_text


def test_a_proxy_is_not_passed_on_and_a_member_present_votes_themselves(world, outbox):
    """A member either represents others or is represented (as in OpenSlides' vote delegation), and
    a member checked in at the door is present: a proxy is for a member who is absent."""
    m = world.members
    world.assembly.proxy_limit = 3
    services.convene(world.assembly)
    services.give_proxy(world.assembly, m[0], m[1])
    db.session.commit()
    with pytest.raises(errors.GiverHoldsProxies) as refused:  # the holder passes no vote on, theirs included
        services.give_proxy(world.assembly, m[1], m[2])
    assert refused.value.who == "giver"
    with pytest.raises(errors.HolderRepresented) as refused:  # nor does a represented member hold one
        services.give_proxy(world.assembly, m[3], m[0])
    assert refused.value.who == "holder"
    meeting_day(world)
    services.check_in(world.assembly, m[4])
    with pytest.raises(errors.GiverPresent) as refused:
        services.give_proxy(world.assembly, m[4], m[2], source=ProxySource.PAPER)
    assert refused.value.who == "giver"
    services.give_proxy(world.assembly, m[3], m[4])  # present, they may hold a proxy
    services.end_proxy(world.assembly, m[0])  # taken back: the former holder may now give theirs
    services.give_proxy(world.assembly, m[1], m[2])
    db.session.commit()
    assert {(p.giver_id, p.holder_id) for p in db.session.scalars(select(Proxy).where(
        Proxy.active_giver.is_not(None)))} == {(m[3].id, m[4].id), (m[1].id, m[2].id)}


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite serialises writers on the whole file: only PostgreSQL shows two "
                                            "proxies given in two transactions at the same moment")
def test_two_proxies_given_at_the_same_moment_cannot_make_a_chain(world, outbox):
    """A gives to B while B gives to C: the assembly's lock orders them, and the second sees the first."""
    import threading

    from flask import current_app

    m = world.members
    world.assembly.proxy_limit = 3
    services.convene(world.assembly)
    db.session.commit()
    served, barrier, outcomes = current_app._get_current_object(), threading.Barrier(2), {}
    assembly_id, ids = world.assembly.id, {"a": m[0].id, "b": m[1].id, "c": m[2].id}

    def give(name, giver, holder):
        with served.app_context():
            from assemblies.models import Assembly
            from shares.models import Member

            try:
                assembly = db.session.get(Assembly, assembly_id)
                pair = db.session.get(Member, ids[giver]), db.session.get(Member, ids[holder])
                barrier.wait(timeout=10)
                services.give_proxy(assembly, *pair)
                db.session.commit()
                outcomes[name] = "given"
            except DomainError as exc:
                db.session.rollback()
                outcomes[name] = type(exc).__name__
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcomes[name] = repr(exc)[:200]
            finally:
                db.session.remove()

    threads = [threading.Thread(target=give, args=("a to b", "a", "b")),
               threading.Thread(target=give, args=("b to c", "b", "c"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) in (["GiverHoldsProxies", "given"], ["HolderRepresented", "given"]), outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Proxy.id)).where(Proxy.active_giver.is_not(None))) == 1


def credential_in(mail) -> str:
    return re.search(r"/vote#([1-9A-Za-z-]+):", mail.body_text).group(1)


def test_the_holder_votes_with_the_represented_members_credential_and_the_roll_marks_that_member(world, outbox):
    m = world.members
    services.convene(world.assembly)
    services.give_proxy(world.assembly, m[0], m[1])
    services.open_vote(world.assembly)
    db.session.commit()
    election = queries.election(world.assembly)
    el = voting.crypto_election(election)
    sel = {c.id: (["yes"] if c.kind == "resolution" else []) for c in el.contests}
    holders_mail = [x for x in outbox(m[1].email) if "has given you their proxy" in x.body_text][0]
    old_link = outbox(m[0].email)[0]
    with pytest.raises(verrors.RevokedCredential):  # the represented member's first link no longer works
        voting.cast_ballot(election, encrypt_ballot(el, election.public_key, credential_in(old_link), sel), m[0])
    db.session.rollback()
    voting.cast_ballot(election, encrypt_ballot(el, election.public_key, credential_in(holders_mail), sel), m[1])
    voting.cast_ballot(election, encrypt_ballot(el, election.public_key, credential_in(outbox(m[1].email)[0]), sel), m[1])
    db.session.commit()
    t = queries.turnout(world.assembly)
    assert t.voted["total"] == 2 and t.represented["total"] == 1
    rolled = {r["member"].id for r in queries.roll(world.assembly)[0] if r["voted"]}
    assert rolled == {m[0].id, m[1].id}  # the holder voted for two
    # Someone else's credential: refused (sign-in binding), nothing recorded.
    with pytest.raises(verrors.NotYourCredential):
        voting.cast_ballot(election, encrypt_ballot(el, election.public_key, credential_in(holders_mail), sel), m[2])
    db.session.rollback()
    # The member takes the proxy back and votes themselves: the holder's ballot for them stops counting.
    services.end_proxy(world.assembly, m[0])
    db.session.commit()
    assert queries.turnout(world.assembly).voted["total"] == 1
    new_link = [x for x in outbox(m[0].email)][-1]
    voting.cast_ballot(election, encrypt_ballot(el, election.public_key, credential_in(new_link), sel), m[0])
    db.session.commit()
    with pytest.raises(verrors.NotYourCredential):  # the former holder cannot vote for them any more
        voting.cast_ballot(election, encrypt_ballot(el, election.public_key, credential_in(new_link), sel), m[1])
    db.session.rollback()
    assert queries.turnout(world.assembly).voted["total"] == 2


def test_turnout_over_time_counts_each_member_once_and_ends_at_the_voted_figure(world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    voters = electors(world)[:3]
    cast_for(world.assembly, voters, world.rng)
    # A new link for the first voter (the old credential, with its ballot, revoked), who votes again.
    cast_for(world.assembly, voters[:1], world.rng)
    db.session.commit()
    points = queries.turnout_over_time(world.assembly)
    assert len(points) == 12 and [n for _, n in points] == sorted(n for _, n in points)
    assert points[-1][1] == queries.turnout(world.assembly).voted["total"] == 3


def test_check_in_once_and_only_electors(world):
    meeting_day(world)
    services.check_in(world.assembly, world.members[0])
    db.session.commit()
    with pytest.raises(errors.AlreadyCheckedIn):
        services.check_in(world.assembly, world.members[0])
    with pytest.raises(errors.NotAnElector):
        services.check_in(world.assembly, world.outsider)
    assert queries.turnout(world.assembly).present == {"A": 1, "B": 0, "total": 1}


def test_check_in_by_the_public_credential_of_the_scanned_code(world):
    services.convene(world.assembly)
    elector = electors(world)[2]
    assert services.member_for_code(world.assembly, elector.credential_public).id == elector.member_id
    assert services.member_for_code(world.assembly, str(elector.member.number)).id == elector.member_id
    with pytest.raises(errors.UnknownMember):
        services.member_for_code(world.assembly, "f" * 64)


def test_full_vote_results_in_words_with_quorum_and_majority(world):
    cast_for(world.assembly, electors(world), world.rng)
    tally(world.assembly, world.kits)
    db.session.commit()
    res = queries.results(world.assembly)
    resolutions = [r for r in res if r["kind"] == "resolution"]
    assert len(resolutions) == 3
    for r in resolutions:
        o = r["outcome"]
        assert o.total.total == 6 and o.quorum_met  # 6 of 6 took part, quorum 10 %
        assert o.adopted == (o.majority_met and not o.withheld)
    board = [r for r in res if r["kind"] == "board"][0]
    assert {g["category"] for g in board["groups"]} == {"A", "B"}
    group_a = board["groups"][0]
    assert len(group_a["seat"].elected) <= 4
    assert sum(group_a["balance"].values()) == len(group_a["seat"].elected)


def test_the_results_and_the_minutes_count_the_quorum_on_the_same_electorate(world):
    """The assembly's electors, those without a voting link too (they come to the hall): the results
    once took the record's voters instead, and the minutes and the results gave two quorums."""
    from assemblies import rules
    from assemblies.models import Elector
    from shares.models import Category

    world.assembly.quorum_percent = 50
    cast_for(world.assembly, electors(world), world.rng)
    voters = len(electors(world))
    db.session.add(Elector(assembly_id=world.assembly.id, member_id=world.outsider.id, category=Category.A))
    db.session.flush()
    tally(world.assembly, world.kits)
    db.session.commit()
    electorate = queries.turnout(world.assembly).electorate["total"]
    assert electorate == voters + 1
    quorum = rules.quorum_needed(electorate, 50)
    assert quorum != rules.quorum_needed(voters, 50)  # the record's voters would give another quorum
    for row in (r for r in queries.results(world.assembly) if r["kind"] == "resolution"):
        assert row["outcome"].quorum == quorum


def test_a_vote_after_close_is_refused_and_nothing_counts_twice(world):
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    meeting_day(world)
    services.close_vote(world.assembly)
    db.session.commit()
    with pytest.raises(errors.VotingClosed):
        services.resend_link(world.assembly, electors(world)[0])


def test_the_audit_log_names_the_assembly_s_objects(world, data_app):
    """The audit log's object column (app.audit.object_names): the assembly and its items by title,
    a proxy by its two member numbers, an arrival by the member; never a row id."""
    from app import audit

    m = world.members
    services.convene(world.assembly)
    services.give_proxy(world.assembly, m[0], m[1])
    meeting_day(world)
    services.check_in(world.assembly, m[2])
    db.session.commit()
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type.like("assembly_%"))))
    with data_app.app_context(), data_app.test_request_context(headers={"Accept-Language": "en"}):
        names = audit.object_names(entries)
    named = {entry.object_type for entry in entries if (entry.object_type, entry.object_id) in names}
    assert {"assembly_assembly", "assembly_item", "assembly_proxy", "assembly_checkin"} <= named
    assert f"from no. {m[0].number} to no. {m[1].number}" in names.values()
    assert f"no. {m[2].number}, {m[2].name}" in names.values()
    assert world.assembly.title_en in names.values()
