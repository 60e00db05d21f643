"""Money kept credited towards a renewal: it pays the renewal the member pays next (``standing.renewal_year_due``,
not the calendar), and a credit left on a renewal the member never owed is taken over by the renewal that is
due when it is asked (``renewal.renewal_request``)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.models import AuditEntry
from shares import payments, register, renewal, surplus as surpluses
from shares.models import PaymentStatus, Surplus
from shares.register import record_payment
from shares.standing import is_in_good_standing
from tests.factories import sign_in

YEAR = today().year


def _kept(member, cents: int) -> Surplus:
    kept = Surplus(member_id=member.id, amount_cents=cents)
    db.session.add(kept)
    db.session.commit()
    return kept


def _pay_renewal(member, year: int) -> None:
    fee = renewal.renewal_request(member, year)
    record_payment(fee, fee.amount_cents, on=today())
    db.session.commit()


def _renewal_letter(outbox, member, year):
    return [m for m in outbox(member.email) if m.dedupe_key == f"renewal:{year}:{member.id}:request"]


def test_in_january_a_credit_pays_the_current_renewal_and_its_letter_asks_the_rest(
        member_with_shares, make_staff, clock, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1), language="en")
    _pay_renewal(member, YEAR)
    staff = make_staff()
    clock(datetime(YEAR + 1, 1, 3, 9, tzinfo=timezone.utc))  # before the campaign of the new year wrote
    credited = surpluses.credit_next_year(_kept(member, 1500), actor=staff)
    db.session.commit()
    assert (credited.year, credited.paid_cents, credited.due_cents) == (YEAR + 1, 1500, 1500)
    assert renewal.renewal_request_for(member.id, YEAR + 2) is None
    sent_at = clock(datetime(YEAR + 1, 1, 6, 8, tzinfo=timezone.utc))
    renewal.run_campaign(YEAR + 1, now=sent_at)
    db.session.commit()
    [letter] = _renewal_letter(outbox, member, YEAR + 1)
    assert "Amount: 15.00 €" in letter.body_text and "30.00 €" not in letter.body_text


def test_a_credit_in_december_goes_to_the_coming_year_once_this_one_is_paid_or_not_owed(
        member_with_shares, make_staff, clock):
    staff = make_staff()
    old = member_with_shares(1, on=date(2024, 3, 1))
    _pay_renewal(old, YEAR)
    clock(datetime(YEAR, 12, 1, 9, tzinfo=timezone.utc))
    new = member_with_shares(1, on=date(YEAR, 12, 1))  # joined this year: this year counts as renewed
    clock(datetime(YEAR, 12, 20, 9, tzinfo=timezone.utc))
    for member in (old, new):
        credited = surpluses.credit_next_year(_kept(member, 1000), actor=staff)
        db.session.commit()
        assert (credited.year, credited.paid_cents, credited.due_cents) == (YEAR + 1, 1000, 2000)
    # In January the one who joined in December owes the new year's renewal: a second credit tops it up.
    clock(datetime(YEAR + 1, 1, 2, 9, tzinfo=timezone.utc))
    credited = surpluses.credit_next_year(_kept(new, 500), actor=staff)
    db.session.commit()
    assert (credited.year, credited.paid_cents, credited.due_cents) == (YEAR + 1, 1500, 1500)


def test_a_credit_on_a_renewal_never_owed_is_taken_over_by_the_renewal_due(
        member_with_shares, make_member, make_staff, clock, outbox, client):
    """Credited before the person held a share, then admitted the next year: that year's renewal is never
    theirs (joined during it), so no campaign writes to them for it. The next year's renewal takes the credit
    over: its letter asks the rest, with the same communication, staff's page and the audit log show it."""
    staff = make_staff()
    member = make_member(first_name="Anton", last_name="Vooraf", language="en")
    credited = surpluses.credit_next_year(_kept(member, 1200), actor=staff)
    db.session.commit()
    assert credited.year == YEAR + 1 and credited.paid_cents == 1200
    reference = credited.reference
    clock(datetime(YEAR + 1, 2, 1, 9, tzinfo=timezone.utc))
    _entry, shares = register.subscribe(member, 1, on=date(YEAR + 1, 2, 1))
    record_payment(shares, shares.amount_cents, on=date(YEAR + 1, 2, 1))
    db.session.commit()
    renewal.run_campaign(YEAR + 1, now=datetime(YEAR + 1, 2, 2, 8, tzinfo=timezone.utc))
    assert _renewal_letter(outbox, member, YEAR + 1) == []  # joined this year: not asked, the credit waits
    sent_at = clock(datetime(YEAR + 2, 1, 6, 8, tzinfo=timezone.utc))
    renewal.run_campaign(YEAR + 2, now=sent_at)
    db.session.commit()
    [letter] = _renewal_letter(outbox, member, YEAR + 2)
    assert "Amount: 18.00 €" in letter.body_text and "30.00 €" not in letter.body_text
    due = renewal.renewal_request_for(member.id, YEAR + 2)
    assert (due.reference, due.paid_cents, due.due_cents) == (reference, 1200, 1800)
    assert renewal.renewal_request_for(member.id, YEAR + 1) is None
    assert not payments.credited_ahead(due)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.renewal.credit_moved"))
    assert audit.before == {"year": YEAR + 1} and audit.after["year"] == YEAR + 2
    sign_in(client, make_staff())
    client.post("/language", data={"language": "en", "next": "/"})
    html = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    row = html[html.index(due.formatted_reference):]
    row = row[:row.index("</tr>")]
    assert "12.00 €" in row and 'data-label="Still due">18.00 €' in row and "Partly paid" in row
    assert f"Yearly renewal fee {YEAR + 2}" in html and f"Yearly renewal fee {YEAR + 1}" not in html
    log = client.get(f"/staff/audit?object_type=shares_payment_request&object_id={due.id}").get_data(as_text=True)
    assert "Money credited to a renewal never owed, taken over by the renewal due" in log
    record_payment(due, 1800, on=date(YEAR + 2, 1, 10))
    db.session.commit()
    assert is_in_good_standing(member, date(YEAR + 2, 1, 10))


def test_a_credit_that_paid_a_renewal_never_owed_pays_the_renewal_due_without_a_letter(
        make_member, make_staff, clock, outbox):
    staff = make_staff()
    member = make_member(first_name="Berthe", last_name="Payee")
    credited = surpluses.credit_next_year(_kept(member, 3000), actor=staff)
    db.session.commit()
    assert credited.status is PaymentStatus.PAID and credited.year == YEAR + 1
    clock(datetime(YEAR + 1, 3, 1, 9, tzinfo=timezone.utc))
    _entry, shares = register.subscribe(member, 1, on=date(YEAR + 1, 3, 1))
    record_payment(shares, shares.amount_cents, on=date(YEAR + 1, 3, 1))
    db.session.commit()
    sent_at = clock(datetime(YEAR + 2, 1, 6, 8, tzinfo=timezone.utc))
    assert not is_in_good_standing(member, date(YEAR + 2, 1, 6))
    result = renewal.run_campaign(YEAR + 2, now=sent_at)
    db.session.commit()
    assert result.requested == 0 and _renewal_letter(outbox, member, YEAR + 2) == []
    due = renewal.renewal_request_for(member.id, YEAR + 2)
    assert (due.status, due.paid_cents, due.due_cents) == (PaymentStatus.PAID, 3000, 0)
    assert is_in_good_standing(member, date(YEAR + 2, 1, 6))
    again = renewal.run_campaign(YEAR + 2, now=sent_at)
    assert again.requested == 0 and again.due == 0


def test_staff_are_told_which_year_a_credit_paid(client, member_with_shares, login_as):
    """A member since 2024 who has not renewed this year: the credit pays this year's renewal, and the queue says
    so in words, with the year, instead of "next year"."""
    member = member_with_shares(1, on=date(2024, 3, 1))
    kept = _kept(member, 1500)
    login_as("staff")
    offered = client.get("/staff/payments/queue").get_data(as_text=True)
    assert "Credit it towards the membership fee due next" in offered
    assert "this year's while it is not paid, else next year's" in offered
    done = client.post(f"/staff/payments/kept/{kept.id}/credit", headers={"HX-Request": "true"}, data={})
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert f"15.00 € paid towards the membership of {YEAR}." in html
    assert f"Credited towards the membership fee of {YEAR}." in html and "next year" not in html
    fee = renewal.renewal_request_for(member.id, YEAR)
    assert (fee.paid_cents, fee.due_cents) == (1500, 1500)


def test_a_renewal_with_no_money_on_it_is_no_credit(member_with_shares):
    """Only money credited ahead makes a renewal without its letter a credit: an empty one is not "0.00 € credited"."""
    member = member_with_shares()
    empty = payments.create_payment_request(member, payments.PaymentPurpose.RENEWAL, 3000, year=today().year + 1)
    db.session.commit()
    assert payments.credited_ahead_ids([empty]) == set()

