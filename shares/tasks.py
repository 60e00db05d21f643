"""What the shares module puts on the home page ("What needs you now") for the signed-in person."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from app.clock import today, utcnow
from app.extensions import db
from app.registry import Task
from app.web import euros, number
from shares import renewal
from shares.models import (ApplicationStatus, MemberRequest, MemberRequestStatus, MembershipApplication,
                           PaymentPurpose, PaymentRequest, PaymentStatus)
from shares.permissions import (can_decide_admissions, can_decide_member_requests, can_record_lapses,
                                can_send_renewal_letters)
from shares.queries import member_for_account


def renewal_tasks(account) -> list[Task]:
    from shares.views.members import renewal_tasks as box

    return box(account)


def share_payment_tasks(account) -> list[Task]:
    """A member with shares to pay (a subscription just requested, more shares, an application)."""
    member = member_for_account(account.id)
    if member is None:
        return []
    count = db.session.scalar(select(func.count()).select_from(PaymentRequest).where(
        PaymentRequest.member_id == member.id,
        PaymentRequest.purpose.in_((PaymentPurpose.SUBSCRIPTION, PaymentPurpose.ADDITIONAL_SHARES)),
        PaymentRequest.status.in_((PaymentStatus.OPEN, PaymentStatus.PARTIALLY_PAID)))) or 0
    if not count:
        return []
    return [Task(title=ngettext("Pay for your shares", "Pay for your shares (%(num)d requests)", count),
                 url=url_for("shares.my_payments"), count=count, urgency=15)]


def refund_account_tasks(account) -> list[Task]:
    """A member (one who left, mostly) the cooperative owes money and has no account to pay it back to:
    the profile's account field, which ``surplus.give_account`` takes to every refund waiting."""
    from shares.surplus import owed_without_account  # shares.surplus builds on the register

    member = member_for_account(account.id)
    owed = owed_without_account(member.id) if member is not None else 0
    if not owed:
        return []
    return [Task(title=_("Give the account to pay your refund of %(amount)s back to", amount=euros(owed)),
                 url=url_for("shares.profile", _anchor="iban"), count=1, urgency=12)]


def staff_tasks(account) -> list[Task]:
    """Staff: members' requests and applications to decide (payments: ``shares.views.staff.payment_tasks``)."""
    tasks = []
    if can_decide_member_requests(account):
        waiting = db.session.scalar(select(func.count()).select_from(MemberRequest).where(
            MemberRequest.status == MemberRequestStatus.PENDING)) or 0
        if waiting:
            tasks.append(Task(title=ngettext("%(num)d member request to decide", "%(num)d member requests to decide",
                                             waiting), url=url_for("shares.staff_requests"), count=waiting,
                              urgency=35))
    if can_decide_admissions(account):
        applications = db.session.scalar(select(func.count()).select_from(MembershipApplication).where(
            MembershipApplication.status == ApplicationStatus.AWAITING_DECISION)) or 0
        if applications:
            tasks.append(Task(title=ngettext("%(num)d application to admit or refuse",
                                             "%(num)d applications to admit or refuse", applications),
                              url=url_for("shares.staff_applications"), count=applications, urgency=35))
    return tasks


def renewal_letter_tasks(account) -> list[Task]:
    """Staff who send the renewal letters: today's, counted by the campaign's own rule
    (``renewal.letters_due``), as its page does. That count reads the whole register (over a second at
    36,000 members): the home page lists it, the badge every page asks for does not count it."""
    if not can_send_renewal_letters(account):
        return []
    year = today().year
    letters = renewal.letters_due(year).total
    if not letters:
        return []
    return [Task(title=ngettext("%(count)s renewal letter to send", "%(count)s renewal letters to send",
                                letters, count=number(letters)),
                 url=url_for("shares.staff_renewal", year=year, _anchor="letters"), count=letters, urgency=30)]


def lapse_tasks(account) -> list[Task]:
    """Staff who record lapses: the memberships due to lapse (``renewal.lapse_candidates``). Lapses come some
    ten weeks after the request, so last year's campaign may still have some due."""
    if not can_record_lapses(account):
        return []
    tasks = []
    now = utcnow()
    year = today().year
    for campaign in (year - 1, year):
        lapses = len(renewal.lapse_candidates(campaign, now))
        if lapses:
            tasks.append(Task(title=ngettext("%(count)s membership to record as lapsed (renewal %(year)s)",
                                             "%(count)s memberships to record as lapsed (renewal %(year)s)",
                                             lapses, count=number(lapses), year=campaign),
                              url=url_for("shares.staff_renewal", year=campaign, _anchor="lapsed"),
                              count=lapses, urgency=40))
    return tasks


PROVIDERS = (renewal_tasks, share_payment_tasks, refund_account_tasks, staff_tasks, lapse_tasks)
HOME_ONLY_PROVIDERS = (renewal_letter_tasks,)
