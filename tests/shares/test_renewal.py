"""The renewal campaign: requests, reminders, lapsed; nothing sent twice, even by concurrent runs."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from shares import renewal, standing
from shares.models import (EntryKind, PaymentPurpose, PaymentRequest, PaymentStatus, RenewalNotice, RenewalStage,
                           ShareEntry)
from shares.references import parse_reference
from shares.register import record_payment
from tests.factories import ON_POSTGRES

YEAR = 2025
START = datetime(2025, 1, 6, 8, tzinfo=timezone.utc)


def member_since(make_member, joined=date(2023, 5, 1), **kw):
    member = make_member(**kw)
    db.session.add_all([
        ShareEntry(member_id=member.id, kind=EntryKind.SUBSCRIPTION, effective_on=joined, shares=1,
                   capital_cents=3000, amount_cents=3000, category=member.category),
        ShareEntry(member_id=member.id, kind=EntryKind.PAYMENT, effective_on=joined, paid_cents=3000,
                   amount_cents=3000)])
    db.session.commit()
    return member


def notices(stage=None):
    q = db.select(RenewalNotice).where(RenewalNotice.year == YEAR)
    if stage:
        q = q.where(RenewalNotice.stage == stage)
    return list(db.session.scalars(q))


def pay(member, year=YEAR):
    request = renewal.renewal_request_for(member.id, year)
    record_payment(request, request.amount_cents, on=date(year, 1, 20))
    db.session.commit()
    return request


def test_request_sent_once_with_amount_reference_and_link(app, make_member, outbox):
    member = member_since(make_member, language="nl")
    result = renewal.run_campaign(YEAR, now=START)
    assert (result.due, result.requested, result.sent) == (1, 1, 1)
    request = renewal.renewal_request_for(member.id, YEAR)
    assert request.purpose is PaymentPurpose.RENEWAL and request.amount_cents == 3000
    assert parse_reference(request.formatted_reference) == request.reference
    [message] = outbox(member.email)
    assert message.language == "nl" and message.dedupe_key == f"renewal:{YEAR}:{member.id}:request"
    assert str(YEAR) in message.subject
    assert request.formatted_reference in message.body_text
    assert "30.00" in message.body_text or "30,00" in message.body_text
    assert current_app.config["PUBLIC_URL"].rstrip("/") + "/" in message.body_text
    [notice] = notices()
    assert notice.payment_request_id == request.id and notice.stage is RenewalStage.REQUEST


def test_running_twice_sends_nothing_twice(make_member, outbox):
    members = [member_since(make_member) for _ in range(5)]
    first = renewal.run_campaign(YEAR, now=START, batch=2)
    second = renewal.run_campaign(YEAR, now=START + timedelta(hours=1), batch=2)
    assert first.requested == 5 and second.sent == 0
    assert len(outbox()) == 5 and len(notices()) == 5
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentRequest)) == 5
    assert {m.email for m in members} == {m.to_address for m in outbox()}


def test_who_is_due(make_member, outbox):
    due = member_since(make_member)
    joined_this_year = member_since(make_member, joined=date(2025, 1, 2))
    resigned = member_since(make_member)
    db.session.add(ShareEntry(member_id=resigned.id, kind=EntryKind.RESIGNATION, effective_on=date(2024, 12, 31)))
    unpaid_subscription = make_member()
    db.session.add(ShareEntry(member_id=unpaid_subscription.id, kind=EntryKind.SUBSCRIPTION,
                              effective_on=date(2024, 3, 1), shares=1, capital_cents=3000))
    db.session.commit()
    renewal.run_campaign(YEAR, now=START)
    assert [m.to_address for m in outbox()] == [due.email]
    # Joining during the year counts as renewed.
    assert standing.is_in_good_standing(joined_this_year, date(2025, 2, 1))


def test_reminders_at_the_configured_intervals_then_lapsed(app, make_member, outbox, monkeypatch):
    payer, never = member_since(make_member), member_since(make_member)
    renewal.run_campaign(YEAR, now=START, reminder_days=(10, 20))
    assert renewal.run_campaign(YEAR, now=START + timedelta(days=9), reminder_days=(10, 20)).sent == 0
    pay(payer)
    result = renewal.run_campaign(YEAR, now=START + timedelta(days=10), reminder_days=(10, 20))
    assert result.reminded == {RenewalStage.REMINDER_1: 1, RenewalStage.REMINDER_2: 0}
    assert renewal.run_campaign(YEAR, now=START + timedelta(days=11), reminder_days=(10, 20)).sent == 0
    # Late runs never skip a stage: the second reminder comes a run after the first.
    result = renewal.run_campaign(YEAR, now=START + timedelta(days=30), reminder_days=(10, 20))
    assert result.reminded == {RenewalStage.REMINDER_1: 0, RenewalStage.REMINDER_2: 1}
    assert renewal.run_campaign(YEAR, now=START + timedelta(days=90), reminder_days=(10, 20)).sent == 0
    assert [m.dedupe_key.rsplit(":", 1)[1] for m in outbox(never.email)] == ["request", "reminder_1", "reminder_2"]
    last = outbox(never.email)[-1].body_text  # the way out is a link, not "from your home page"
    assert "If you wish to leave the cooperative instead, you can say so here:" in last and "/me/resign" in last
    letters = [m.dedupe_key for m in outbox(payer.email)]
    assert [k.rsplit(":", 1)[1] for k in letters if not k.startswith("shares.receipt")] == ["request"]
    assert len([k for k in letters if k.startswith("shares.receipt")]) == 1  # and the receipt of the payment
    monkeypatch.setitem(current_app.config, "RENEWAL_GRACE_DAYS", 15)
    status = renewal.campaign_status(YEAR, now=START + timedelta(days=30 + 14))
    assert (status.sent, status.paid, status.reminded, status.reminded_twice, status.lapsed) == (2, 1, 1, 1, 0)
    assert renewal.campaign_status(YEAR, now=START + timedelta(days=30 + 15)).lapsed == 1
    assert renewal.campaign_status(YEAR - 1).sent == 0


def test_reminders_use_the_config_by_default(app, make_member, outbox, monkeypatch):
    member_since(make_member)
    monkeypatch.setitem(current_app.config, "RENEWAL_REMINDER_DAYS", [3, 6])
    renewal.run_campaign(YEAR, now=START)
    assert renewal.run_campaign(YEAR, now=START + timedelta(days=3)).reminded[RenewalStage.REMINDER_1] == 1


def test_an_existing_renewal_request_is_reused(make_member, outbox):
    from shares.payments import create_payment_request

    member = member_since(make_member)
    existing = create_payment_request(member, PaymentPurpose.RENEWAL, 3000, year=YEAR)
    db.session.commit()
    renewal.run_campaign(YEAR, now=START)
    assert notices()[0].payment_request_id == existing.id
    assert existing.formatted_reference in outbox()[0].body_text


def test_a_letter_already_in_the_outbox_is_not_sent_again(make_member, outbox):
    """The outbox's unique dedupe_key is the second guard: the notice is rolled back with it."""
    member = member_since(make_member)
    db.session.add(OutboxMessage(to_address=member.email, language="en", subject="x", body_text="x",
                                 dedupe_key=renewal.dedupe_key(YEAR, member.id, RenewalStage.REQUEST)))
    db.session.commit()
    result = renewal.run_campaign(YEAR, now=START)
    assert (result.requested, result.already_done) == (0, 1)
    assert notices() == [] and len(outbox()) == 1
    assert renewal.renewal_request_for(member.id, YEAR) is None


def test_progress_and_the_command(app, make_member, outbox):
    member_since(make_member)
    member_since(make_member)
    runner = app.test_cli_runner()
    result = runner.invoke(renewal.renewal_campaign_command, [str(YEAR)])
    assert result.exit_code == 0, result.output
    assert "sent 2 requests" in result.output and "Renewal 2025: 2/2" in result.output
    assert "Status 2025: sent 2, paid 0" in result.output
    again = runner.invoke(renewal.renewal_campaign_command, [str(YEAR)])
    assert "sent 0 requests" in again.output and len(outbox()) == 2
    status = runner.invoke(renewal.renewal_campaign_command, [str(YEAR), "--status-only"])
    assert status.output.strip() == "Status 2025: sent 2, paid 0, reminded 0, lapsed 0."
    assert runner.invoke(renewal.renewal_campaign_command, ["20"]).exit_code == 2


def test_paid_per_day(make_member):
    a, b = member_since(make_member), member_since(make_member)
    renewal.run_campaign(YEAR, now=START)
    pay(a)
    pay(b)
    [(day, count)] = renewal.paid_per_day(YEAR)
    assert count == 2 and isinstance(day, date)
    assert renewal.campaign_years() == [YEAR]


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite serialises writers on the whole file and fails the loser with "
                                            "'database is locked' instead of waiting on a row: only PostgreSQL "
                                            "shows what two real concurrent campaign processes do")
def test_two_concurrent_runs_send_nothing_twice(app, make_member, outbox):
    members = [member_since(make_member) for _ in range(40)]
    served = current_app._get_current_object()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with served.app_context():
                barrier.wait(timeout=10)
                results.append(renewal.run_campaign(YEAR, now=START, batch=5))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sum(r.requested for r in results) == 40
    assert all(r.due == 40 for r in results)
    assert len(outbox()) == 40 and len(notices()) == 40
    assert {m.to_address for m in outbox()} == {m.email for m in members}
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentRequest)) == 40


def test_demo_loader_leaves_renewals_to_pay_and_paid(make_member, outbox, monkeypatch, tmp_path):
    import random

    from app.demo import DemoContext
    from shares import demo_register
    from shares.demo import load_members
    from shares.demo_register import load_register

    # Its bank statement goes to a temporary folder, not over the demo's (instance/demo-statement.xml).
    monkeypatch.setattr(demo_register, "files_folder", lambda: tmp_path)

    ctx = DemoContext(members=40, rng=random.Random(2017))
    for loader in (load_members, load_register, renewal.load_demo_renewals):
        loader(ctx)
        db.session.commit()
    year = datetime.now(timezone.utc).year
    status = renewal.campaign_status(year)
    assert status.sent > 10 and 0 < status.paid < status.sent
    previous = renewal.campaign_status(year - 1)
    assert previous.sent > 10 and previous.paid > previous.sent // 2
    first, second, third = ctx.data["members"][:3]
    for member, expected in ((first, PaymentStatus.OPEN), (second, PaymentStatus.OPEN), (third, PaymentStatus.PAID)):
        request = renewal.renewal_request_for(member.id, year)
        if request is not None:  # a demo login who joined this year has nothing to renew
            assert request.status is expected
    assert any(renewal.renewal_request_for(m.id, year) is not None for m in (first, second))
    assert renewal.paid_per_day(year)
    if datetime.now(timezone.utc) >= datetime(year, 1, 8, tzinfo=timezone.utc) + timedelta(days=42):
        assert renewal.letters_due(year).second_reminders > 0  # left for staff to send from the page
    # Running the campaign again today sends nothing twice.
    before = len(outbox())
    again = renewal.run_campaign(year)
    assert again.requested == 0 and len(outbox()) == before + sum(again.reminded.values())


def test_after_the_last_reminder_the_home_page_says_the_renewal_is_overdue_and_until_when(client, make_member):
    from app.clock import today, utcnow
    from app.web import format_day
    from tests.factories import sign_in

    year = today().year
    member = member_since(make_member, joined=date(year - 2, 5, 1))
    renewal.run_campaign(year)
    sign_in(client, member.account)
    assert "Renew your membership for %d." % year in client.get("/").get_data(as_text=True)
    request = renewal.renewal_request_for(member.id, year)
    db.session.add(RenewalNotice(member_id=member.id, year=year, stage=RenewalStage.REMINDER_2, sent_at=utcnow(),
                                 payment_request_id=request.id))
    db.session.commit()
    grace = client.application.config["RENEWAL_GRACE_DAYS"]
    with client.application.test_request_context():
        until = format_day(today() + timedelta(days=grace), "long")
    home = client.get("/").get_data(as_text=True)
    assert f"Your renewal for {year} is overdue. Pay it by {until}, or your membership lapses" in home

    # Once the grace period is over, the box says the membership lapsed and how to come back.
    notice = db.session.scalar(select(RenewalNotice).where(RenewalNotice.member_id == member.id,
                                                          RenewalNotice.stage == RenewalStage.REMINDER_2))
    notice.sent_at = utcnow() - timedelta(days=grace + 1)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "Your membership lapsed on" in home and f"the renewal for {year} is unpaid. Pay it and you are" in home
    # My shares says it in the same words (it said "not renewed yet" beside a home page saying "lapsed").
    mine = client.get("/me/shares").get_data(as_text=True)
    assert "Your membership lapsed on" in mine and "is not renewed yet" not in mine
