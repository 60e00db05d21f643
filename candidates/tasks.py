"""What the home page asks of members and secretaries about candidacies."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import get_locale, ngettext

from app.clock import today
from app.registry import Task
from candidates import queries
from candidates.models import ApplicationStatus
from candidates.permissions import can_manage_calls, can_stand


def candidate_tasks(user) -> list[Task]:
    from shares.admission import not_admitted
    from shares.queries import member_for_account

    tasks = []
    member = member_for_account(user.id)
    if member is not None and not_admitted(member) is None:  # an applicant, or one refused, is no member
        on = today()
        mine = {a.call_id: a for a in queries.member_applications(member)}
        for application in mine.values():
            if application.status is ApplicationStatus.CORRECTION:
                tasks.append(Task(_("Your application needs a correction"),
                                  url_for("candidates.application_form", slug=application.call.slug), urgency=10))
        for call in queries.open_calls(on):
            application = mine.get(call.id)
            if (application is None or application.status is ApplicationStatus.DRAFT) and can_stand(user, call, on):
                title = (_("A call for candidates is open: %(title)s", title=call.title(str(get_locale())))
                         if application is None else _("Your application is a draft: send it"))
                tasks.append(Task(title, url_for("candidates.application_form", slug=call.slug), due=call.closes_on,
                                  urgency=40))
    if can_manage_calls(user):
        count = queries.to_review_count()
        if count:
            call = queries.first_call_to_review()
            tasks.append(Task(ngettext("%(num)s application to review", "%(num)s applications to review", count),
                              url_for("candidates.manage_call", slug=call.slug) if call else url_for("candidates.manage_index"),
                              count=count, urgency=30))
    return tasks
