"""The demo's money is what a real cooperative's would be: members pay while they are members (no renewal
paid after an exit, none left open for someone who left), and the refund list holds a few genuine refunds
(recent exits, and refunds still waiting for an account), not years of history nobody paid back."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.clock import today
from app.extensions import db
from shares import register, renewal, surplus as surpluses
from shares.models import EntryKind, PaymentPurpose, PaymentRequest, PaymentStatus, ShareEntry, Surplus, SurplusKind


def test_the_demo_dates_payments_while_members_were_members_and_lists_a_few_genuine_refunds(monkeypatch, tmp_path):
    from app.demo import DemoContext
    from shares import demo_register
    from shares.demo import load_members

    monkeypatch.setattr(demo_register, "files_folder", lambda: tmp_path)
    ctx = DemoContext(members=60, rng=random.Random(2017))
    for loader in (load_members, demo_register.load_register, renewal.load_demo_renewals):
        loader(ctx)
        db.session.commit()
    members = ctx.data["members"]
    gone = register.exits_in_force([m.id for m in members])
    assert len(gone) >= 4  # resignations and an exclusion
    assert any(day >= today() - timedelta(days=60) for day in gone.values())  # someone left lately

    paid_after = [(e.member_id, e.effective_on) for e in db.session.scalars(select(ShareEntry).where(
        ShareEntry.kind == EntryKind.PAYMENT, ShareEntry.member_id.in_(gone))) if e.effective_on >= gone[e.member_id]]
    assert paid_after == []
    assert db.session.scalars(select(Surplus).where(Surplus.kind == SurplusKind.AFTER_EXIT)).all() == []
    assert db.session.scalars(select(PaymentRequest).where(
        PaymentRequest.member_id.in_(gone), PaymentRequest.purpose == PaymentPurpose.RENEWAL,
        PaymentRequest.status == PaymentStatus.OPEN)).all() == []

    listed = db.session.scalars(surpluses.refund_list_statement()).all()
    assert 1 <= len(listed) <= 6
    for kept in listed:
        assert kept.kind in (SurplusKind.LEAVING, SurplusKind.REDEMPTION)
        day = db.session.get(ShareEntry, kept.share_entry_id).effective_on
        assert kept.decided_at.date() == day  # listed on the day of its redemption, not the day the demo ran
        assert day >= today() - timedelta(days=60) or kept.refund_iban is None  # older ones were paid back
    paid_back = db.session.scalars(select(Surplus).where(Surplus.refunded_at.is_not(None))).all()
    assert paid_back and all(k.refunded_at.date() <= today() for k in paid_back)
