"""A redemption staff record is told to the member (what, how much back, to which account or how to give
one), and an account the member gives later (their profile's IBAN, the one given when resigning) reaches
their refunds still waiting for one, never the cooperative's own."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.models import AuditEntry
from shares import register, surplus as surpluses
from shares.models import Surplus, SurplusKind
from shares.services import update_profile
from shares.settings import setting


def test_a_redemption_is_mailed_and_the_account_given_later_reaches_its_refund(member_with_shares, make_staff,
                                                                               outbox):
    staff = make_staff()
    member = member_with_shares(3, on=date(2024, 3, 1), language="nl", iban=None)
    entry = register.redeem(member, 1, on=today(), actor=staff)
    db.session.commit()
    kept = surpluses.redemption_refund(entry)
    assert (kept.amount_cents, kept.refund_iban, kept.kind) == (3000, None, SurplusKind.REDEMPTION)
    [mail] = [m for m in outbox(member.email) if m.dedupe_key == f"shares.redeemed:{entry.id}"]
    assert mail.language == "nl" and mail.subject == "Terugbetaling van 1 aandeel"
    assert "30,00 €" in mail.body_text and "/me" in mail.body_text and "IBAN" in mail.body_text
    # The member's profile account reaches the refund waiting for one (never the cooperative's own).
    update_profile(member, member.version, "nl", iban=setting("COOP_IBAN").replace(" ", ""))
    db.session.commit()
    assert kept.refund_iban is None
    update_profile(member, member.version, "nl", iban="BE62510007547061")
    db.session.commit()
    db.session.refresh(kept)
    assert kept.refund_iban == "BE62510007547061"
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == str(kept.id))
                             .order_by(AuditEntry.id.desc())) == "shares.surplus.account_given"


def test_the_account_given_when_resigning_reaches_an_earlier_redemption_s_refund(member_with_shares, make_staff):
    staff = make_staff()
    member = member_with_shares(3, on=date(2024, 3, 1), iban=None)
    earlier = surpluses.redemption_refund(register.redeem(member, 1, on=today(), actor=staff))
    already = Surplus(member_id=member.id, amount_cents=500, kind=SurplusKind.AFTER_EXIT, refund_iban="BE68539007547034")
    surpluses._listed_at_once(already, staff)
    db.session.commit()
    register.resign(member, on=today(), actor=staff, refund_iban="BE62 5100 0754 7061")
    db.session.commit()
    db.session.refresh(earlier)
    leaving = [k for k in surpluses.member_refunds(member.id) if k.kind is SurplusKind.LEAVING]
    assert earlier.refund_iban == "BE62510007547061" and leaving[0].refund_iban == "BE62510007547061"
    assert leaving[0].amount_cents == 6000
    db.session.refresh(already)
    assert already.refund_iban == "BE68539007547034"  # an account already chosen stays


def test_a_redemption_of_unpaid_shares_says_nothing_is_paid_back(member_with_shares, make_staff, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1))
    register.subscribe(member, 2, on=date(2024, 4, 1))
    db.session.commit()
    entry = register.redeem(member, 1, on=today(), actor=make_staff())
    db.session.commit()
    [mail] = [m for m in outbox(member.email) if m.dedupe_key == f"shares.redeemed:{entry.id}"]
    assert "nothing is paid back" in mail.body_text and surpluses.redemption_refund(entry) is None


def test_a_resignation_sends_no_redemption_mail(member_with_shares, make_staff, outbox):
    member = member_with_shares(2, on=date(2024, 3, 1))
    register.resign(member, on=today(), actor=make_staff(), refund_iban="BE62510007547061")
    db.session.commit()
    assert not [m for m in outbox(member.email) if (m.dedupe_key or "").startswith("shares.redeemed:")]
