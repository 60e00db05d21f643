"""The yearly renewal campaign: a request to every member due, then reminders, then "lapsed".

``run_campaign(year)`` is a job that cron may run every day, twice, or in two processes at once:
each letter is one ``RenewalNotice`` row (unique per member, year and stage) and one outbox
message (unique ``dedupe_key``), inserted in the same transaction as the renewal payment request,
each member in its own savepoint. Whoever inserts second gets an IntegrityError, rolls back that
member's savepoint and moves on, so nothing is sent twice. The job commits every ``batch`` members
so that a crash loses little and a concurrent run waits little.

Who is due for ``year``: a current member on the day of the run (a share paid up, no exit) who
joined before that year (joining during the year counts as renewed, see ``shares.standing``), and
whose renewal for the year is not paid. Reminders go ``reminder_days`` after the request (config
``RENEWAL_REMINDER_DAYS``) to those still unpaid; a member still unpaid ``RENEWAL_GRACE_DAYS``
after the last reminder is "lapsed" (a count on the status page: standing already says they are
not renewed)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from app import audit
from app.clock import BRUSSELS, brussels_day, utcnow
from app.extensions import db
from app.jobs import in_background, job_context, public_url
from app.mail import queue_mail
from app.progress import progress
from app.uow import savepoint
from shares import payments
from shares.errors import PaymentConflict
from shares.labels import coop_iban_text
from shares.models import (EntryKind, Member, PaymentPurpose, PaymentRequest, PaymentStatus, RenewalNotice,
                           RenewalStage, ShareEntry)
from shares.standing import is_current_member, register_facts

# The register's words when a renewal paid again, after the bank took its payment back, ends the lapse.
REMINDER_STAGES = (RenewalStage.REMINDER_1, RenewalStage.REMINDER_2)
MAIL_TEMPLATES = {RenewalStage.REQUEST: "renewal_request", RenewalStage.REMINDER_1: "renewal_reminder_1",
                  RenewalStage.REMINDER_2: "renewal_reminder_2"}


def config(key: str):
    return current_app.config[key]


def renewal_amount_cents() -> int:
    return int(config("RENEWAL_AMOUNT_CENTS"))


def dedupe_key(year: int, member_id: int, stage: RenewalStage) -> str:
    return f"renewal:{year}:{member_id}:{stage.value}"


@dataclass
class CampaignResult:
    year: int
    due: int = 0  # members due for renewal and unpaid on the day of the run
    requested: int = 0  # renewal requests sent by this run
    reminded: dict[RenewalStage, int] = field(default_factory=lambda: {s: 0 for s in REMINDER_STAGES})
    already_done: int = 0  # letters another run inserted first (concurrent run)

    @property
    def sent(self) -> int:
        return self.requested + sum(self.reminded.values())


@dataclass(frozen=True)
class _Plan:
    member_id: int
    stage: RenewalStage
    request_id: int | None
    requested_at: datetime | None = None  # when the renewal request (the first letter) was sent


def _plan(year: int, now: datetime, reminder_days: tuple[int, ...]) -> tuple[int, list[_Plan]]:
    """Who gets which letter today: a handful of queries whatever the number of members."""
    today = now.astimezone(BRUSSELS).date()
    facts = register_facts(today)
    due = sorted(mid for mid, f in facts.items() if is_current_member(f) and f.owes_renewal(year))
    requests = {row.member_id: row for row in db.session.execute(
        select(PaymentRequest.member_id, PaymentRequest.id, PaymentRequest.status)
        .where(PaymentRequest.purpose == PaymentPurpose.RENEWAL, PaymentRequest.year == year))}
    notices: dict[int, dict[RenewalStage, datetime]] = {}
    for member_id, stage, sent_at in db.session.execute(
            select(RenewalNotice.member_id, RenewalNotice.stage, RenewalNotice.sent_at)
            .where(RenewalNotice.year == year)):
        notices.setdefault(member_id, {})[stage] = sent_at
    plans = []
    unpaid = 0
    for member_id in due:
        request = requests.get(member_id)
        if request is not None and request.status in (PaymentStatus.PAID, PaymentStatus.CANCELLED):
            continue
        unpaid += 1
        sent = notices.get(member_id, {})
        if RenewalStage.REQUEST not in sent:
            plans.append(_Plan(member_id, RenewalStage.REQUEST, request.id if request else None))
            continue
        if request is None:
            continue
        for stage, days in zip(REMINDER_STAGES, reminder_days):
            if stage in sent:
                continue
            if now >= sent[RenewalStage.REQUEST] + timedelta(days=days):
                plans.append(_Plan(member_id, stage, request.id, sent[RenewalStage.REQUEST]))
            break  # one letter per member per run, in order
    return unpaid, plans


def _send(member: Member, plan: _Plan, year: int, now: datetime) -> bool | None:
    """One letter in a savepoint; False when another run inserted it first, None when a credit the renewal
    took over paid it (no letter)."""
    try:
        with savepoint():
            notice = RenewalNotice(member_id=member.id, year=year, stage=plan.stage, sent_at=now)
            db.session.add(notice)
            db.session.flush()  # the unique (member, year, stage) decides who sends it
            if plan.request_id is None:
                request = renewal_request(member, year)
            else:
                request = db.session.get(PaymentRequest, plan.request_id)
            if request.status is PaymentStatus.PAID:  # a credit it took over paid it: there is nothing to ask
                db.session.delete(notice)
                db.session.flush()
                return None
            notice.payment_request_id = request.id
            qr = payments.qr_attachment(request, request.asked_cents, member.language)
            queue_mail(member.email, member.language, MAIL_TEMPLATES[plan.stage],
                       dedupe_key=dedupe_key(year, member.id, plan.stage), attachments=[qr], member=member,
                       year=year, amount_cents=request.asked_cents, paid_cents=request.paid_cents,
                       reference=request.formatted_reference, link=public_url("/"), iban=coop_iban_text(),
                       resign_link=public_url("/me/resign"),
                       coop_name=current_app.config.get("COOP_NAME", ""),
                       requested_on=brussels_day(plan.requested_at or now), lapse_on=lapse_date(now, plan.stage))
            db.session.flush()
    except (IntegrityError, PaymentConflict):
        return False
    return True


def lapse_date(now: datetime, stage: RenewalStage) -> date | None:
    """For the last reminder: the day the member lapses if still unpaid (grace period after it)."""
    if stage is not RenewalStage.REMINDER_2:
        return None
    return brussels_day(now + timedelta(days=int(config("RENEWAL_GRACE_DAYS"))))


def lapses_on(member_id: int, year: int) -> date | None:
    """The day an unpaid member lapses, once their last reminder for ``year`` is sent (else None)."""
    sent = db.session.scalar(select(RenewalNotice.sent_at).where(
        RenewalNotice.member_id == member_id, RenewalNotice.year == year,
        RenewalNotice.stage == RenewalStage.REMINDER_2))
    return lapse_date(sent, RenewalStage.REMINDER_2) if sent is not None else None


def run_campaign(year: int, now: datetime | None = None, reminder_days: tuple[int, ...] | None = None,
                 batch: int = 200, show_progress: bool = False) -> CampaignResult:
    """Send today's renewal letters for ``year``. Commits every ``batch`` members (it is a job)."""
    now = now or utcnow()
    reminder_days = tuple(reminder_days or config("RENEWAL_REMINDER_DAYS"))
    result = CampaignResult(year=year)
    result.due, plans = _plan(year, now, reminder_days)
    # Mail templates need a request context (for context processors); a job has none of its own.
    context = job_context()
    items = progress(plans, len(plans), f"Renewal {year}") if show_progress else plans
    with context:
        members: dict[int, Member] = {}
        for i, plan in enumerate(items):
            if i % batch == 0:
                if i:
                    db.session.commit()  # job: commits every `batch` members, so a long run keeps what it sent
                ids = [p.member_id for p in plans[i:i + batch]]
                members = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}
            sent = _send(members[plan.member_id], plan, year, now)
            if sent:
                if plan.stage is RenewalStage.REQUEST:
                    result.requested += 1
                else:
                    result.reminded[plan.stage] += 1
            elif sent is False:
                result.already_done += 1
        db.session.commit()  # job: the last batch
    return result


@dataclass(frozen=True)
class LettersDue:
    """The letters a run of the campaign would send today, by kind."""
    requests: int = 0
    first_reminders: int = 0
    second_reminders: int = 0

    @property
    def total(self) -> int:
        return self.requests + self.first_reminders + self.second_reminders


def letters_due(year: int, now: datetime | None = None) -> LettersDue:
    _unpaid, plans = _plan(year, now or utcnow(), tuple(config("RENEWAL_REMINDER_DAYS")))
    stages = [plan.stage for plan in plans]
    return LettersDue(stages.count(RenewalStage.REQUEST), stages.count(RenewalStage.REMINDER_1),
                      stages.count(RenewalStage.REMINDER_2))


def start_campaign(year: int, actor=None) -> LettersDue:
    """Staff ask for today's letters of ``year``: audited with what was due. The caller commits, then
    sends them with ``send_in_background`` (a run of 36,000 letters takes minutes)."""
    due = letters_due(year)
    audit.record("shares.renewal.send", None, actor=actor, object_type="renewal", object_id=year,
                 after={"year": year, "requests": due.requests, "first_reminders": due.first_reminders,
                        "second_reminders": due.second_reminders})
    return due


def send_in_background(year: int) -> None:
    """Run today's campaign in a thread. Safe to start again (after a restart, or twice at once):
    each letter is inserted once, whoever comes second skips it."""
    in_background(f"renewal-campaign-{year}", run_campaign, year)


# ------------------------------------------------------------------------------------------------
# Status
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignStatus:
    year: int
    sent: int = 0  # renewal requests sent
    paid: int = 0  # of those, paid
    partially_paid: int = 0
    reminded: int = 0  # members who got at least one reminder
    reminded_twice: int = 0
    lapsed: int = 0  # still unpaid after the last reminder and the grace period

    @property
    def unpaid(self) -> int:
        return self.sent - self.paid

    @property
    def paid_percent(self) -> int:
        return round(100 * self.paid / self.sent) if self.sent else 0


def campaign_status(year: int, now: datetime | None = None) -> CampaignStatus:
    """Counts for one year's campaign, in one query."""
    now = now or utcnow()
    grace = timedelta(days=int(config("RENEWAL_GRACE_DAYS")))
    request_n = _notice(year, RenewalStage.REQUEST)
    reminder_1 = _notice(year, RenewalStage.REMINDER_1)
    reminder_2 = _notice(year, RenewalStage.REMINDER_2)
    paid = PaymentRequest.status == PaymentStatus.PAID
    row = db.session.execute(
        select(func.count(request_n.c.member_id),
               func.count(case((paid, 1))),
               func.count(case((PaymentRequest.status == PaymentStatus.PARTIALLY_PAID, 1))),
               func.count(reminder_1.c.member_id),
               func.count(reminder_2.c.member_id),
               func.count(case(((~paid) & (reminder_2.c.sent_at <= now - grace), 1))))
        .select_from(request_n)
        .join(PaymentRequest, PaymentRequest.id == request_n.c.payment_request_id)
        .outerjoin(reminder_1, reminder_1.c.member_id == request_n.c.member_id)
        .outerjoin(reminder_2, reminder_2.c.member_id == request_n.c.member_id)).one()
    return CampaignStatus(year, *row)


def _notice(year: int, stage: RenewalStage):
    return (select(RenewalNotice.member_id, RenewalNotice.sent_at, RenewalNotice.payment_request_id)
            .where(RenewalNotice.stage == stage, RenewalNotice.year == year).subquery(stage.value))


def campaign_years() -> list[int]:
    return list(db.session.scalars(select(RenewalNotice.year).distinct().order_by(RenewalNotice.year.desc())))


def paid_per_day(year: int) -> list[tuple[date, int]]:
    """Renewals for ``year`` paid each day (Brussels dates), for the progress chart."""
    rows = db.session.execute(
        select(PaymentRequest.paid_at).where(PaymentRequest.purpose == PaymentPurpose.RENEWAL,
                                             PaymentRequest.year == year,
                                             PaymentRequest.status == PaymentStatus.PAID)).scalars()
    counts: dict[date, int] = {}
    for paid_at in rows:
        day = paid_at.astimezone(BRUSSELS).date()
        counts[day] = counts.get(day, 0) + 1
    return sorted(counts.items())


def renewal_request_for(member_id: int, year: int) -> PaymentRequest | None:
    return db.session.scalar(select(PaymentRequest).where(
        PaymentRequest.member_id == member_id, PaymentRequest.purpose == PaymentPurpose.RENEWAL,
        PaymentRequest.year == year))


def renewal_request(member: Member, year: int, *, actor=None) -> PaymentRequest:
    """The renewal of ``year`` asked of ``member`` (the campaign's letter, a credit towards it): the one made
    already, else a new one. Made new, it is the renewal due, so it consumes money credited to an earlier
    renewal the member never owed (credited before their admission, or in the year they joined: no
    campaign writes to them for it, and the credit would stay one): that renewal becomes this year's, with
    its money and its communication, audited."""
    request = renewal_request_for(member.id, year)
    if request is not None:
        return request
    unowed = db.session.scalar(select(PaymentRequest).where(
        PaymentRequest.member_id == member.id, PaymentRequest.purpose == PaymentPurpose.RENEWAL,
        PaymentRequest.year < year, PaymentRequest.paid_cents > 0, PaymentRequest.status != PaymentStatus.CANCELLED)
        .order_by(PaymentRequest.year.desc()).limit(1))
    facts = register_facts(brussels_day(utcnow()), [member.id]).get(member.id) if unowed is not None else None
    if unowed is None or (facts is not None and facts.owes_renewal(unowed.year)):
        return payments.create_payment_request(member, PaymentPurpose.RENEWAL, renewal_amount_cents(), year=year,
                                               actor=actor)
    before = unowed.year
    moved = db.session.execute(  # on the year read: a campaign moving it at the same moment wins
        update(PaymentRequest).where(PaymentRequest.id == unowed.id, PaymentRequest.year == before)
        .values(year=year).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise PaymentConflict()
    db.session.refresh(unowed)
    audit.record("shares.renewal.credit_moved", unowed, actor=actor,
                 before={"year": before}, after={"year": year, "paid_cents": unowed.paid_cents,
                                                 "due_cents": unowed.due_cents, "reference": unowed.reference})
    return unowed


# ------------------------------------------------------------------------------------------------
# Lapsed members: a dated register entry, and reinstatement by paying
# ------------------------------------------------------------------------------------------------

@dataclass
class LapseResult:
    year: int
    lapsed: int = 0  # lapse entries written by this run
    already: int = 0  # written by an earlier (or concurrent) run


def lapse_candidates(year: int, now: datetime) -> list[tuple[int, int, date]]:
    """(member id, renewal request id, lapse date) of members whose renewal for ``year`` is still
    unpaid ``RENEWAL_GRACE_DAYS`` after the last reminder, who have not left and are not lapsed for it."""
    grace = timedelta(days=int(config("RENEWAL_GRACE_DAYS")))
    last = _notice(year, RenewalStage.REMINDER_2)
    lapsed_already = select(ShareEntry.payment_request_id).where(ShareEntry.kind == EntryKind.LAPSE)
    rows = db.session.execute(
        select(PaymentRequest.member_id, PaymentRequest.id, last.c.sent_at)
        .join(last, last.c.payment_request_id == PaymentRequest.id)
        .where(PaymentRequest.purpose == PaymentPurpose.RENEWAL, PaymentRequest.year == year,
               PaymentRequest.status.in_((PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)),
               last.c.sent_at <= now - grace, PaymentRequest.id.not_in(lapsed_already))
        .order_by(PaymentRequest.member_id)).all()
    today_ = brussels_day(now)
    facts = register_facts(today_, [r[0] for r in rows]) if rows else {}
    return [(member_id, request_id, min(brussels_day(sent_at + grace), today_))
            for member_id, request_id, sent_at in rows
            if member_id in facts and not facts[member_id].exited]


def record_lapses(year: int, now: datetime | None = None, actor=None, batch: int = 200) -> LapseResult:
    """Write the lapse entries due for ``year``. Cron may run it twice or at once in two processes:
    one lapse per renewal request (a partial unique index), each in its own savepoint. Commits every
    ``batch`` members (it is a job)."""
    from shares import register

    now = now or utcnow()
    result = LapseResult(year)
    for i, (member_id, request_id, on) in enumerate(lapse_candidates(year, now), start=1):
        member = db.session.get(Member, member_id)
        request = db.session.get(PaymentRequest, request_id)
        try:
            with savepoint():
                register.lapse(member, request, on=on, actor=actor)
                db.session.flush()
        except IntegrityError:
            result.already += 1
            continue
        result.lapsed += 1
        if i % batch == 0:
            db.session.commit()  # job: commits every `batch` lapses
    return result


def _corrected():
    return select(ShareEntry.corrects_id).where(ShareEntry.kind == EntryKind.CORRECTION,
                                                ShareEntry.corrects_id.is_not(None))


def _lapsed_in_force(year: int):
    """Lapse entries for ``year``, not corrected, and not followed by a reinstatement of the same member
    that is not corrected (a renewal payment the bank took back reinstates nobody)."""
    later = aliased(ShareEntry)
    return (select(ShareEntry).join(PaymentRequest, PaymentRequest.id == ShareEntry.payment_request_id)
            .where(ShareEntry.kind == EntryKind.LAPSE, PaymentRequest.year == year, ShareEntry.id.not_in(_corrected()),
                   ~exists().where(later.member_id == ShareEntry.member_id, later.kind == EntryKind.REINSTATEMENT,
                                   later.id > ShareEntry.id, later.id.not_in(_corrected()))))


def lapsed_members(year: int, limit: int = 200) -> list[ShareEntry]:
    """Lapse entries in force for ``year``, with their member (for the campaign page)."""
    stmt = _lapsed_in_force(year).options(selectinload(ShareEntry.member)).order_by(
        ShareEntry.effective_on, ShareEntry.id).limit(limit)
    return list(db.session.scalars(stmt))


def lapsed_count(year: int) -> int:
    return db.session.scalar(select(func.count()).select_from(_lapsed_in_force(year).subquery())) or 0


def on_payment_matched(request: PaymentRequest, **extra) -> None:
    """``payment_matched`` listener: a lapsed member who pays a renewal is reinstated (once per payment)."""
    if request.purpose is not PaymentPurpose.RENEWAL or request.status is not PaymentStatus.PAID:
        return
    from app.clock import today
    from shares import register

    member = request.member
    position = register.holding(member, today())
    if position.lapsed_on is None or position.left is not None:
        return
    entry = extra.get("entry")
    on = max(min(entry.effective_on if entry is not None else today(), today()), position.lapsed_on)
    # One reinstatement per payment entry (partial unique index): a renewal paid again after the bank took
    # its payment back reinstates again, and that payment's return undoes this one.
    register.reinstate(member, request, on=on, payment_entry=entry)


def _reinstatements_of(request: PaymentRequest, entries) -> list[ShareEntry]:
    """The reinstatements still in force that the payment ``entries`` of ``request`` made; one recorded before
    reinstatements named their payment (voids0029a1) counts as made by any payment of its request."""
    ids = [e.id for e in entries]
    return list(db.session.scalars(select(ShareEntry).where(
        ShareEntry.payment_request_id == request.id, ShareEntry.kind == EntryKind.REINSTATEMENT,
        ShareEntry.id.not_in(_corrected()),
        ShareEntry.payment_entry_id.in_(ids) | ShareEntry.payment_entry_id.is_(None)).order_by(ShareEntry.id)))


def payment_taken_back(request: PaymentRequest, entries, *, reason: str, actor=None) -> bool:
    """The bank took back the payment ``entries`` of the renewal ``request``: the reinstatement each made
    (if still in force) is corrected in the same transaction, so the lapse is in force again. Returns
    whether one was."""
    if request.purpose is not PaymentPurpose.RENEWAL:
        return False
    from app.clock import today
    from shares import register

    undone = _reinstatements_of(request, entries)
    for reinstatement in undone:
        register.correct(reinstatement, reason=reason, on=max(today(), reinstatement.effective_on), actor=actor)
    return bool(undone)


# ------------------------------------------------------------------------------------------------
# Commands (added to the ``shares`` group: ``flask shares renewal-campaign YEAR``)
# ------------------------------------------------------------------------------------------------

@click.command("renewal-campaign")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--status-only", is_flag=True, help="Print the campaign's counts without sending anything.")
@with_appcontext
def renewal_campaign_command(year: int, status_only: bool) -> None:
    """Send the renewal requests and reminders due today for YEAR (safe to run twice or concurrently)."""
    if not status_only:
        result = run_campaign(year, show_progress=True)
        click.echo(f"Renewal {year}: {result.due} due and unpaid; sent {result.requested} requests, "
                   f"{result.reminded[RenewalStage.REMINDER_1]} first reminders, "
                   f"{result.reminded[RenewalStage.REMINDER_2]} second reminders"
                   + (f"; {result.already_done} already sent by another run" if result.already_done else "") + ".")
    status = campaign_status(year)
    click.echo(f"Status {year}: sent {status.sent}, paid {status.paid}, reminded {status.reminded}, "
               f"lapsed {status.lapsed}.")


# ------------------------------------------------------------------------------------------------
# Demo (loader order 30, after the register's history at 20)
# ------------------------------------------------------------------------------------------------

def _demo_pay(request: PaymentRequest, day: date, gone: dict[int, date]) -> None:
    """Pay a renewal as the bank import would, dated ``day`` (the demo back-dates what cron did then), or the
    day before the member left (``gone``: the exits the register's history recorded): members pay while members."""
    from shares.register import record_payment

    left_on = gone.get(request.member_id)
    if left_on is not None:
        day = min(day, left_on - timedelta(days=1))
    record_payment(request, request.amount_cents, on=day, notify=False)
    request.paid_at = datetime.combine(day, datetime.min.time().replace(hour=10), tzinfo=BRUSSELS)


def load_demo_renewals(ctx) -> None:
    """Renewals over the years: older years paid directly, last year's and this year's campaigns run
    for real (letters in the outbox, reminders, a few lapsed). This year most members still have to
    pay: the first two demo logins see a renewal to pay on their home page, the third has paid; the
    second reminders are due, for staff to send from the campaign page."""
    members = ctx.data.get("members") or []
    if not members:
        return
    from shares.register import cancel_unpaid_renewals, exits_in_force

    rng = ctx.rng
    today = utcnow().astimezone(BRUSSELS).date()
    amount = renewal_amount_cents()
    gone = exits_in_force([m.id for m in members])
    first_year = min(2022, today.year - 1)
    for year in range(first_year, today.year - 1):
        facts = register_facts(date(year, 2, 1))
        for member in members:
            f = facts.get(member.id)
            if f and is_current_member(f) and f.owes_renewal(year) and rng.random() < 0.93:
                request = payments.create_payment_request(member, PaymentPurpose.RENEWAL, amount, year=year)
                request.created_at = datetime(year, 1, 5, 9, tzinfo=BRUSSELS)  # asked then, not today
                _demo_pay(request, date(year, 1, 10) + timedelta(days=rng.randint(0, 60)), gone)
        db.session.commit()  # demo loader: one year of history per commit
    fixed = {m.id for m in members[:2]}
    paid_fixed = {m.id for m in members[2:3]}
    for year, share_paid in ((today.year - 1, 0.9), (today.year, 0.55)):
        start = datetime(year, 1, 8, 8, tzinfo=BRUSSELS)
        if start.date() > today:
            start = datetime.combine(today, datetime.min.time(), tzinfo=BRUSSELS)
        run_campaign(year, now=start)
        db.session.execute(update(PaymentRequest).where(  # the letters went out then: so were the requests
            PaymentRequest.purpose == PaymentPurpose.RENEWAL, PaymentRequest.year == year,
            PaymentRequest.created_at > start).values(created_at=start))
        end = min(today, date(year, 12, 31))
        span = max((end - start.date()).days, 0)
        requests = list(db.session.scalars(select(PaymentRequest).where(
            PaymentRequest.purpose == PaymentPurpose.RENEWAL, PaymentRequest.year == year,
            PaymentRequest.status == PaymentStatus.OPEN)))
        for request in requests:
            if request.member_id in fixed and year == today.year:
                continue
            if request.member_id in paid_fixed or rng.random() < share_paid:
                _demo_pay(request, start.date() + timedelta(days=int(span * rng.random() ** 2)), gone)
        for member in members:  # the letter of someone who left since, unpaid, went with their exit
            if member.id in gone:
                cancel_unpaid_renewals(member)
        db.session.commit()  # demo loader: each year's payments before its reminders
        reminder_days = config("RENEWAL_REMINDER_DAYS")
        if year == today.year:  # this year's last reminders are left for staff to send from the page
            reminder_days = reminder_days[:-1]
        for days in reminder_days:
            if start + timedelta(days=days) <= utcnow():
                run_campaign(year, now=start + timedelta(days=days))
    ctx.logins.append(("renewal campaign (staff)", f"/staff/renewal?year={today.year} (today's letters to send) "
                                                    "and /staff/dashboard"))
