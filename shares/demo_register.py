"""Demo register (loader order 20): history 2021 to today, and a camt.053 file for staff to import.

The statement is written beside the SQLite database (instance/demo-statement.xml for ``make run``):
it pays most open subscription requests (by structured communication, a few by amount and name only)
and leaves a partial payment, an overpayment and an unknown credit for the queue."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app import clock
from app.demo import DemoContext, files_folder
from app.extensions import db
from app.progress import progress
from shares import register
from shares import surplus as surpluses
from shares.camt_writer import Credit, write_camt053
from shares.models import Category, Member, MemberKind, PaymentStatus, ShareEntry, Surplus
from shares.settings import setting

def _day(rng, start: date, end: date) -> date:
    span = max((end - start).days, 0)
    return start + timedelta(days=rng.randint(0, span))


def _asked_on(day: date) -> datetime:
    """A back-dated request's creation: the day of its subscription, not the day the demo ran."""
    return datetime.combine(day, time(10), tzinfo=clock.BRUSSELS)


def build_history(ctx: DemoContext, members, today: date) -> list:
    """Subscriptions and payments for every member, then transfers, redemptions, resignations."""
    rng = ctx.rng
    open_requests = []
    start = date(2021, 1, 4)
    joined = {}
    for member in progress(members, len(members), "Register"):
        on = _day(rng, start, today - timedelta(days=20))
        shares = rng.choice([1, 1, 1, 2, 3]) if member.category is Category.A else rng.choice([1, 2, 5, 10])
        _, request = register.subscribe(member, shares, on=on)
        request.created_at = _asked_on(on)
        joined[member.id] = on
        if rng.random() < 0.9 and on < today - timedelta(days=45):
            register.record_payment(request, request.amount_cents, on=min(on + timedelta(days=rng.randint(1, 30)), today),
                                        notify=False)
        else:
            open_requests.append(request)
        if rng.random() < 0.12 and on < date(today.year - 1, 1, 1):
            later = _day(rng, on + timedelta(days=60), today - timedelta(days=10))
            _, more = register.subscribe(member, rng.randint(1, 4), on=later)
            more.created_at = _asked_on(later)
            if rng.random() < 0.7:
                register.record_payment(more, more.amount_cents, on=min(later + timedelta(days=7), today), notify=False)
            else:
                open_requests.append(more)
    paid = [m for m in members if register.holding(m, today).paid_cents >= 2 * 3000
            and joined[m.id] < date(2024, 1, 1)]
    for i, giver in enumerate(paid[:3]):
        on = date(2024, 3 + i, 12)
        # A member of the register by then receives it (a share is not received before one joins).
        receiver = next((m for m in members[members.index(giver) + 7:] + members if m is not giver
                         and joined[m.id] < on), None)
        if receiver is None:
            continue
        try:
            register.transfer(giver, receiver, 1, on=on, board_decision_on=date(2024, 2 + i, 27),
                              board_reference=f"CA-2024-{i + 3:02d}")
        except Exception:  # noqa: BLE001 - a receiver who left: skip, the demo only needs a few
            continue
    for member in paid[3:6]:
        try:
            register.redeem(member, 1, on=date(2025, 6, 30))
        except Exception:  # noqa: BLE001
            continue
    waiting = {r.member_id for r in open_requests}  # their purchases wait to be paid from the demo statement
    candidates = [m for m in members[10:] if joined[m.id] < date(2023, 1, 1) and m.id not in waiting]
    for i, member in enumerate(candidates[:4]):  # after the member's last entry, as the register requires
        start, end = (date(2024, 1, 1), date(2025, 12, 31)) if i < 2 else (today - timedelta(days=40),
                                                                            today - timedelta(days=5))
        register.resign(member, on=max(_day(rng, start, end), _last_entry_on(member)))
    if len(candidates) > 5:
        register.exclude(candidates[4], on=max(date(2025, 3, 20), _last_entry_on(candidates[4])),
                         board_decision_on=date(2025, 3, 18), board_reference="CA-2025-11")
    for member in [m for m in candidates[5:] if m.kind is MemberKind.NATURAL][:2]:  # a company stays in B
        register.change_category(member, Category.B if member.category is Category.A else Category.A,
                                 on=date(2025, 9, 1))
    _refunds_in_their_time(today, rng)
    return [r for r in open_requests if r.status is PaymentStatus.OPEN]


def _refunds_in_their_time(today: date, rng) -> None:
    """The refunds of the history's redemptions and exits, listed on their own day; those of more than two
    months ago, with an account, paid back a few weeks after it (the refund list keeps the recent ones, and
    those still waiting for an account)."""
    for kept in db.session.scalars(surpluses.refund_list_statement().where(Surplus.share_entry_id.is_not(None))).all():
        day = db.session.get(ShareEntry, kept.share_entry_id).effective_on
        if day < today - timedelta(days=60) and kept.refund_iban:
            surpluses.mark_refunded(kept)
            kept.refunded_at = _asked_on(min(day + timedelta(days=rng.randint(10, 30)), today))
        kept.created_at = kept.decided_at = _asked_on(day)


def _last_entry_on(member: Member) -> date:
    return db.session.scalar(select(func.max(ShareEntry.effective_on)).where(ShareEntry.member_id == member.id))


def demo_statement(open_requests, today: date, rng) -> bytes:
    credits = []
    for i, request in enumerate(open_requests):
        member = request.member
        day = today - timedelta(days=rng.randint(0, 5))
        if i == 0:
            credits.append(Credit(request.amount_cents // 2, day, member.name, member.iban, request.reference))
        elif i == 1:
            credits.append(Credit(request.amount_cents + 3000, day, member.name, member.iban, request.reference))
        elif i % 9 == 2:
            credits.append(Credit(request.amount_cents, day, member.name.upper(), member.iban,
                                  text=f"parts sociales {member.number}"))
        elif i % 7 == 3:
            continue  # still unpaid
        elif i % 9 == 4:  # a typing slip in the communication: the queue suggests the request
            r = request.reference
            slip = r[:5] + str((int(r[5]) + 1) % 10) + r[6:]
            credits.append(Credit(request.amount_cents, day, member.name, member.iban,
                                  text=f"+++{slip[:3]}/{slip[3:7]}/{slip[7:]}+++"))
        else:
            credits.append(Credit(request.amount_cents, day, member.name, member.iban, request.reference))
    credits.append(Credit(4500, today, "Jean Inconnu", None, text="cotisation?"))
    credits.append(Credit(-1250, today, "Belfius", None, text="frais bancaires"))
    return write_camt053(setting("COOP_IBAN"), f"DEMO-{today:%Y%m%d}", 1_250_000, credits)


def load_register(ctx: DemoContext) -> None:
    members = ctx.data.get("members") or []
    if not members:
        return
    today = clock.today()
    open_requests = build_history(ctx, members, today)
    path = files_folder() / "demo-statement.xml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(demo_statement(open_requests, today, ctx.rng))
    ctx.data["demo_statement"] = str(path)
    ctx.logins.append(("bank statement to import (staff, Payments > Import a statement)",
                       f"{path} or: flask --app wsgi shares import-statement {path}"))
