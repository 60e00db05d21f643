"""Lapsed members: a dated entry with its reason when the renewal stays unpaid, once (cron may run twice),
shown in the register's status column, and undone by paying (reinstatement)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from app.clock import BRUSSELS, today
from app.extensions import db
from shares import register, renewal
from shares.models import EntryKind, ShareEntry
from shares.register import record_payment as apply_payment

YEAR = today().year - 1
START = datetime(YEAR, 1, 8, 8, tzinfo=BRUSSELS)


def unpaid_after_reminders(member_with_shares, n=2):
    members = [member_with_shares(1, on=date(YEAR - 2, 3, 1)) for _ in range(n)]
    renewal.run_campaign(YEAR, now=START)
    renewal.run_campaign(YEAR, now=START + timedelta(days=21))
    renewal.run_campaign(YEAR, now=START + timedelta(days=42))
    db.session.commit()
    return members


def test_nobody_lapses_before_the_grace_period_ends(member_with_shares):
    unpaid_after_reminders(member_with_shares)
    result = renewal.record_lapses(YEAR, now=START + timedelta(days=42 + 29))
    assert result.lapsed == 0


def test_lapse_is_dated_recorded_once_and_shown(member_with_shares, client, login_as):
    paid, unpaid = unpaid_after_reminders(member_with_shares)
    apply_payment(renewal.renewal_request_for(paid.id, YEAR), 3000, on=date(YEAR, 2, 1))
    db.session.commit()
    moment = START + timedelta(days=42 + 45)
    assert renewal.record_lapses(YEAR, now=moment).lapsed == 1
    db.session.commit()
    assert renewal.record_lapses(YEAR, now=moment).lapsed == 0  # cron twice: nothing twice
    db.session.commit()
    [entry] = db.session.scalars(db.select(ShareEntry).where(ShareEntry.kind == EntryKind.LAPSE)).all()
    assert entry.member_id == unpaid.id
    assert entry.effective_on == (START + timedelta(days=42 + 30)).date()  # the day the grace period ended
    assert entry.payment_request.year == YEAR
    position = register.holding(unpaid)
    assert position.status == "lapsed" and position.shares == 1  # still a shareholder
    row = {r.member.id: r for r in register.register_rows(today())}[unpaid.id]
    assert row.status == "lapsed" and row.dates["lapse"] == [entry.effective_on]
    assert renewal.lapsed_count(YEAR) == 1
    login_as("staff")
    page = client.get(f"/staff/register?on={today().isoformat()}").get_data(as_text=True)
    assert "lapsed (renewal unpaid)" in page
    renewal_page = client.get(f"/staff/renewal?year={YEAR}").get_data(as_text=True)
    assert f"Lapsed: renewal {YEAR} not paid" in renewal_page and unpaid.name in renewal_page
    member_page = client.get(f"/staff/members/{unpaid.id}").get_data(as_text=True)
    assert "lapsed (renewal unpaid)" in member_page


def test_paying_reinstates_once(member_with_shares):
    [member] = unpaid_after_reminders(member_with_shares, n=1)
    renewal.record_lapses(YEAR, now=START + timedelta(days=90))
    db.session.commit()
    request = renewal.renewal_request_for(member.id, YEAR)
    apply_payment(request, 3000, on=today())
    db.session.commit()
    kinds = [e.kind for e in register.member_entries(member)]
    assert kinds.count(EntryKind.LAPSE) == 1 and kinds.count(EntryKind.REINSTATEMENT) == 1
    assert register.holding(member).status == "active"
    assert renewal.lapsed_count(YEAR) == 0
    # The reinstated member is not lapsed again by the next run.
    assert renewal.record_lapses(YEAR, now=START + timedelta(days=95)).lapsed == 0


def test_the_renewal_page_records_lapses_after_confirmation(member_with_shares, client, login_as):
    unpaid_after_reminders(member_with_shares)
    login_as("staff")
    page = client.get(f"/staff/renewal?year={YEAR}").get_data(as_text=True)
    assert "Record 2 members as lapsed" in page and "<details" in page
    response = client.post(f"/staff/renewal/{YEAR}/lapses")
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ShareEntry)
                             .where(ShareEntry.kind == EntryKind.LAPSE)) == 2


def test_record_lapses_command_is_safe_to_run_twice(app, member_with_shares):
    unpaid_after_reminders(member_with_shares)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["shares", "record-lapses", str(YEAR)])
    assert first.exit_code == 0 and "2 member(s) recorded as lapsed" in first.output
    second = runner.invoke(args=["shares", "record-lapses", str(YEAR)])
    assert second.exit_code == 0 and "0 member(s) recorded as lapsed" in second.output


def test_the_renewal_fee_is_a_fee_not_capital(member_with_shares, client):
    from tests.factories import sign_in
    [member] = unpaid_after_reminders(member_with_shares, n=1)
    apply_payment(renewal.renewal_request_for(member.id, YEAR), 3000, on=date(YEAR, 2, 2))
    db.session.commit()
    assert register.holding(member).paid_cents == 3000  # the fee paid up no capital
    row = {r.member.id: r for r in register.register_rows(today())}[member.id]
    assert row.dates["fee"] == [date(YEAR, 2, 2)] and date(YEAR, 2, 2) not in row.dates["payment"]
    sign_in(client, member.account)
    html = client.get("/me/shares").get_data(as_text=True)
    assert f"Yearly renewal fee {YEAR}" in html and "Payment of capital" in html


def test_a_paid_renewal_mails_the_certificate_once(member_with_shares, outbox):
    member = member_with_shares(1, on=date(today().year - 2, 3, 1))
    renewal.run_campaign(today().year)
    request = renewal.renewal_request_for(member.id, today().year)
    apply_payment(request, 1000, on=today())  # partly paid: no certificate yet
    db.session.commit()
    def with_certificate():
        return [m for m in outbox(member.email) if any(a.mimetype == "application/pdf" for a in m.attachments)]

    assert not with_certificate()  # the renewal letter carries its QR code only
    apply_payment(request, 2000, on=today())
    db.session.commit()
    [mail] = with_certificate()
    assert mail.subject == f"Your membership is renewed for {today().year}"
    assert mail.attachments[0].filename == f"membership-certificate-{member.number}-{today().year}.pdf"


def test_reminders_say_the_payment_is_overdue(member_with_shares, outbox):
    [member] = unpaid_after_reminders(member_with_shares, n=1)
    letters = [m for m in outbox(member.email) if str(YEAR) in m.subject]  # not the payment receipts
    subjects = [m.subject for m in letters]
    assert subjects[1] == f"Payment overdue: your membership renewal for {YEAR}"
    assert subjects[2] == f"Last reminder, payment overdue: your membership renewal for {YEAR}"
    last = letters[2].body_text
    assert f"which we asked you to pay on 8 January {YEAR}" in last and "recorded as lapsed" in last
