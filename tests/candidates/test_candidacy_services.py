"""The application's life: draft, submit, edit, withdraw (versions kept), review with mails, the ballot."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.clock import today
from app.extensions import db
from app.models import AuditEntry, OutboxMessage
from candidates import errors, services
from candidates.models import Application, ApplicationStatus, ApplicationVersion, BallotOrder
from shares.models import Category, MemberKind
from tests.candidates.conftest import full_fields, png_bytes


def AFTER(call):
    """The day after the closing date: when the ballot is fixed."""
    return call.closes_on + timedelta(days=1)


def versions(application):
    return list(db.session.scalars(select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
                                   .order_by(ApplicationVersion.number)))


def test_announcement_tells_members_in_good_standing_once_in_their_language(secretary, standing_member, make_member):
    fr = standing_member(language="fr")
    nl = standing_member(language="nl")
    lapsed = standing_member(paid=False)
    call = services.create_call(actor=secretary, **__import__("tests.candidates.conftest", fromlist=["x"]).call_values(
        title_fr="Appel au conseil", title_nl="Oproep voor de raad"))
    before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0  # the members' payment receipts
    assert services.announce_call(call, actor=secretary) == 2
    assert services.announce_call(call, actor=secretary) == 0  # run twice: nobody told twice
    db.session.commit()
    announced = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)))
    mails = {m.to_address: m for m in announced}
    assert len(announced) == 2 and set(mails) == {fr.email, nl.email}
    assert "Appel au conseil" in mails[fr.email].subject and mails[fr.email].language == "fr"
    assert "Oproep voor de raad" in mails[nl.email].subject
    assert lapsed.email not in mails


def test_draft_submit_edit_withdraw_keeps_every_version(open_call, standing_member):
    call = open_call()
    member = standing_member()
    draft = services.save_application(call, member, {"biography": "Premier jet"}, actor=member.account)
    assert draft.status is ApplicationStatus.DRAFT and draft.biography == "Premier jet"
    with pytest.raises(errors.IncompleteApplication) as caught:
        services.submit_application(draft, actor=member.account)
    assert {"motivation", "vision", "photo", "no_conflict", "consent_publication"} <= set(caught.value.missing)
    services.save_application(call, member, full_fields(biography="Deuxième jet"), photo=png_bytes(), actor=member.account)
    services.submit_application(draft, actor=member.account)
    assert draft.status is ApplicationStatus.SUBMITTED and draft.category is Category.A
    services.save_application(call, member, full_fields(vision="Une vision revue"), actor=member.account)
    assert draft.status is ApplicationStatus.SUBMITTED
    services.withdraw_application(draft, actor=member.account)
    db.session.commit()
    rows = versions(draft)
    assert [v.event for v in rows] == ["created", "saved", "submitted", "saved", "withdrawn"]
    assert [v.number for v in rows] == [1, 2, 3, 4, 5]
    assert rows[0].data["biography"] == "Premier jet" and rows[1].data["biography"] == "Deuxième jet"
    assert rows[3].data["vision"] == "Une vision revue" and rows[2].data["vision"] != "Une vision revue"
    assert rows[0].photo_id is None and rows[1].photo_id is not None
    assert draft.status is ApplicationStatus.WITHDRAWN
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"candidates.application.save", "candidates.application.submit", "candidates.application.withdraw"} <= actions
    with pytest.raises(errors.WrongStatus):
        services.save_application(call, member, full_fields(), actor=member.account)


def test_after_closing_nothing_can_be_made_or_changed(open_call, standing_member, apply):
    call = open_call()
    member = standing_member()
    application = apply(call, member, submit=False)
    other = standing_member()
    call.closes_on = today() - timedelta(days=1)
    call.opens_on = today() - timedelta(days=10)
    db.session.commit()
    with pytest.raises(errors.CallClosed):
        services.save_application(call, other, full_fields(), actor=other.account)
    with pytest.raises(errors.CallClosed):
        services.save_application(call, member, full_fields(vision="late"), actor=member.account)
    with pytest.raises(errors.CallClosed):
        services.submit_application(application, actor=member.account)


def test_before_announcement_the_call_is_not_open(secretary, standing_member):
    from tests.candidates.conftest import call_values

    call = services.create_call(actor=secretary, **call_values())
    member = standing_member()
    with pytest.raises(errors.CallNotOpen):
        services.save_application(call, member, full_fields(), actor=member.account)


def test_one_application_per_member_and_call_is_a_database_rule(open_call, standing_member, apply):
    call = open_call()
    member = standing_member()
    apply(call, member)
    db.session.add(Application(call_id=call.id, member_id=member.id, skills=[]))
    with pytest.raises(Exception) as caught:
        db.session.flush()
    assert "unique" in str(caught.value).lower()
    db.session.rollback()


def test_review_accept_reject_correction_mail_the_candidate(open_call, standing_member, apply, secretary, outbox):
    call = open_call()
    a, b, c = (standing_member(language=lang) for lang in ("fr", "nl", "en"))
    app_a, app_b, app_c = apply(call, a), apply(call, b), apply(call, c)
    services.accept_application(app_a, actor=secretary)
    with pytest.raises(errors.ReasonRequired):
        services.reject_application(app_b, "   ", actor=secretary)
    services.reject_application(app_b, "Les statuts exigent un an d'ancienneté.", actor=secretary)
    services.request_correction(app_c, "Please add a photo showing your face.", actor=secretary)
    db.session.commit()
    assert app_a.status is ApplicationStatus.ACCEPTED
    assert app_b.status is ApplicationStatus.REJECTED and app_b.decision_reason.startswith("Les statuts")
    rejected_mail = outbox(b.email)[-1]
    assert "Les statuts exigent un an d'ancienneté." in rejected_mail.body_text and rejected_mail.language == "nl"
    assert "Please add a photo" in outbox(c.email)[-1].body_text
    assert outbox(a.email)[-1].language == "fr"
    # The candidate corrects and sends again after the closing date: allowed for a correction.
    call.closes_on = today() - timedelta(days=1)
    call.opens_on = today() - timedelta(days=9)
    db.session.commit()
    services.save_application(call, c, full_fields(published_name="C. Fixed"), photo=png_bytes(), actor=c.account)
    services.submit_application(app_c, actor=c.account)
    assert app_c.status is ApplicationStatus.SUBMITTED and app_c.correction_note == ""
    with pytest.raises(errors.WrongStatus):
        services.accept_application(app_a, actor=secretary)


def test_nothing_is_public_before_the_secretary_publishes(open_call, standing_member, apply, secretary):
    from candidates import queries

    call = open_call()
    application = apply(call, standing_member())
    services.accept_application(application, actor=secretary)
    assert queries.published_candidates(call) == []
    pending = apply(call, standing_member())
    with pytest.raises(errors.PendingReviews):
        services.publish_list(call, actor=secretary)
    services.accept_application(pending, actor=secretary)
    services.publish_list(call, actor=secretary)
    assert [a.id for a in queries.published_candidates(call)] == [application.id, pending.id] or \
        {a.id for a in queries.published_candidates(call)} == {application.id, pending.id}
    with pytest.raises(errors.AlreadyPublished):
        services.publish_list(call, actor=secretary)


def _accepted(call, apply, standing_member, secretary, n_a=3, n_b=2):
    out = []
    for category, n in ((Category.A, n_a), (Category.B, n_b)):
        for _ in range(n):
            application = apply(call, standing_member(category=category))
            services.accept_application(application, actor=secretary)
            out.append(application)
    db.session.commit()
    return out


def test_ballot_drawn_by_lot_is_recorded_and_reproducible(open_call, standing_member, apply, secretary):
    call = open_call(seats_a=2, seats_b=1)
    apps = _accepted(call, apply, standing_member, secretary)
    order = services.fix_ballot_order(call, BallotOrder.LOT, seed="cafe", actor=secretary, on=AFTER(call))
    assert order["A"] == services.draw_order([a.id for a in apps[:3]], "cafe", Category.A)
    choices = services.ballot_choices(call)
    assert choices["seed"] == "cafe" and choices["order"] == "lot"
    board_a, board_b = choices["contests"]
    assert board_a == {"id": "board-a", "kind": "board", "choices": ["a01", "a02", "a03"], "min": 0, "max": 2,
                       "category": "A", "seats": 2, "majority": None, "quorum": 0}
    assert board_b["choices"] == ["b01", "b02"] and board_b["max"] == 1
    first = next(a for a in apps if a.id == order["A"][0])
    assert choices["candidates"]["a01"]["application_id"] == first.id
    audit_row = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "candidates.ballot.fix"))
    assert audit_row.after["seed"] == "cafe" and audit_row.after["order"]["A"] == order["A"]
    with pytest.raises(errors.BallotFixed):
        services.fix_ballot_order(call, BallotOrder.LOT, actor=secretary, on=AFTER(call))
    # The definition voting accepts.
    from voting.crypto.election import Contest
    assert [Contest.from_json(c).to_json() for c in choices["contests"]] == choices["contests"]


def test_manual_order_must_number_each_category(open_call, standing_member, apply, secretary):
    call = open_call()
    apps = _accepted(call, apply, standing_member, secretary, n_a=2, n_b=1)
    with pytest.raises(errors.InvalidBallotOrder):
        services.fix_ballot_order(call, BallotOrder.MANUAL, positions={apps[0].id: 1, apps[1].id: 1, apps[2].id: 1},
                                  actor=secretary, on=AFTER(call))
    services.fix_ballot_order(call, BallotOrder.MANUAL, positions={apps[0].id: 2, apps[1].id: 1, apps[2].id: 1},
                              actor=secretary, on=AFTER(call))
    choices = services.ballot_choices(call)
    assert choices["candidates"]["a01"]["application_id"] == apps[1].id
    assert choices["seed"] is None


def test_withdrawal_before_the_vote_leaves_the_ballot_after_it_stays(open_call, standing_member, apply, secretary):
    call = open_call()
    apps = _accepted(call, apply, standing_member, secretary, n_a=3, n_b=1)
    services.fix_ballot_order(call, BallotOrder.MANUAL, positions={apps[0].id: 1, apps[1].id: 2, apps[2].id: 3,
                                                                    apps[3].id: 1}, actor=secretary, on=AFTER(call))
    services.withdraw_application(apps[0], actor=apps[0].member.account)
    choices = services.ballot_choices(call)
    assert choices["contests"][0]["choices"] == ["a01", "a02"]
    assert choices["candidates"]["a01"]["application_id"] == apps[1].id
    # The vote opens: a withdrawal is shown, the ballot does not change.
    services.withdraw_application(apps[1], actor=apps[1].member.account, on=call.vote_opens_on)
    after = services.ballot_choices(call)
    assert after["contests"] == choices["contests"]
    assert after["candidates"]["a01"]["withdrawn"] is True and apps[1].withdrawn_after_vote
    with pytest.raises(errors.VoteOpened):
        services.fix_ballot_order(call, BallotOrder.LOT, actor=secretary, on=call.vote_opens_on)


def test_ballot_needs_decisions_and_candidates(open_call, standing_member, apply, secretary):
    call = open_call()
    with pytest.raises(errors.CallStillOpen):
        services.fix_ballot_order(call, BallotOrder.LOT, actor=secretary, on=call.closes_on)
    with pytest.raises(errors.NoCandidates):
        services.fix_ballot_order(call, BallotOrder.LOT, actor=secretary, on=AFTER(call))
    with pytest.raises(errors.BallotNotFixed):
        services.ballot_choices(call)
    apply(call, standing_member())
    with pytest.raises(errors.PendingReviews):
        services.fix_ballot_order(call, BallotOrder.LOT, actor=secretary, on=AFTER(call))


def test_election_definition_is_accepted_by_voting(open_call, standing_member, apply, secretary):
    from voting import services as voting_services
    from voting.demo import make_kits

    call = open_call()
    _accepted(call, apply, standing_member, secretary, n_a=2, n_b=2)
    services.fix_ballot_order(call, BallotOrder.LOT, actor=secretary, on=AFTER(call))
    kits = make_kits(3)
    definition = services.election_definition(call, election_id="ag-test", title="AG test",
                                              trustees=[dict(k.public) for k in kits.values()], threshold=2)
    election = voting_services.create_election(definition, {}, slug="ag-test")
    assert [c["id"] for c in election.definition["contests"]] == ["board-a", "board-b"]


def test_legal_person_names_its_representative(open_call, standing_member):
    call = open_call()
    member = standing_member(category=Category.B, kind=MemberKind.LEGAL)
    application = services.save_application(call, member, full_fields(published_name="ASBL X", gender="woman"),
                                            photo=png_bytes(), actor=member.account)
    with pytest.raises(errors.IncompleteApplication) as caught:
        services.submit_application(application, actor=member.account)
    assert caught.value.missing == ["representative_name"]
    services.save_application(call, member, full_fields(representative_name="Anne Leroy"), actor=member.account)
    services.submit_application(application, actor=member.account)
    assert application.legal_person and application.representative_name == "Anne Leroy"


def test_statistics_count_seats_and_balance(open_call, standing_member, apply, secretary):
    from candidates import queries

    call = open_call(seats_a=3, seats_b=2)
    w = apply(call, standing_member(), gender="woman")
    m = apply(call, standing_member(), gender="man")
    legal = standing_member(category=Category.B, kind=MemberKind.LEGAL)
    lp = apply(call, legal, representative_name="Rep", gender="man")
    stats = queries.statistics([w, m, lp], call)
    assert [(c.category, c.candidates, c.seats) for c in stats.counts] == [(Category.A, 2, 3), (Category.B, 1, 2)]
    assert (stats.balance.women, stats.balance.men, stats.balance.legal_persons) == (1, 1, 1)


def test_mandates_from_a_call(open_call, standing_member, apply, secretary):
    call = open_call()
    application = apply(call, standing_member())
    services.accept_application(application, actor=secretary)
    (mandate,) = services.record_mandates(call, [application], call.vote_opens_on, actor=secretary)
    assert mandate.ends_on.year == call.vote_opens_on.year + 4
    later = services.create_call(actor=secretary, **__import__("tests.candidates.conftest", fromlist=["x"]).call_values(
        slug="next"))
    assert services.member_eligibility(later, application.member).reasons == ["term_running"]


def test_free_texts_keep_the_joiners_and_lose_the_invisible_rest(open_call, standing_member):
    """A pasted zero-width space or direction override goes; the joiners an emoji sequence or a Persian
    word is made of stay (without them 👩🏽‍🔬 reads as a woman and a microscope)."""
    call, member = open_call(), standing_member()
    biography = "Chercheuse 👩🏽\u200d🔬 et militante 🏳️\u200d🌈, Téhéran : می\u200cخواهم"
    application = services.save_application(call, member, {"biography": biography,
                                                           "motivation": "Pour\u200b la \u202ecoop\u0007"})
    assert application.biography == biography
    assert application.motivation == "Pour la coop"


def test_the_fields_not_saved_are_those_whose_text_differs_in_the_forms_order(open_call, standing_member):
    """What a save refused as stale gives back (services.unsaved_fields): only the fields whose text differs
    from the saved application; blanks around a text, Windows line ends, the order of the skills ticked, a
    choice given by its code or left empty, and the boxes ticked are no difference."""
    call = open_call()
    member = standing_member()
    application = services.save_application(call, member, full_fields(representative_name="", skills_other="",
                                                                      biography="Ligne 1\nLigne 2"))
    same = full_fields(representative_name=None, skills_other=None, biography="  Ligne 1\r\nLigne 2 ",
                       skills=["it", "finance"], no_conflict=False, consent_publication=False)
    assert services.unsaved_fields(application, same) == []
    typed = same | {"vision": "Une autre vision", "language": "nl", "gender": "", "skills": ["it"]}
    assert services.unsaved_fields(application, typed) == ["language", "skills", "vision", "gender"]
