"""Words for the states people see (never a raw value on a page, a PDF or a mail)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import (looked_up, named_rows, register_action_labels, register_field_labels, register_object_labels,
                       register_object_names, register_value_words)
from app.extensions import db
from app.i18n import LANGUAGE_WORDS
from app.models import Account
from app.web import format_day, reader_locale
from working_groups.models import (BoardAnswer, BoardMinutes, GroupDocument, GroupMeeting, GroupMembership,
                                   Recommendation, Submission, WorkingGroup)

LABELS = {
    # recommendations
    "draft": _l("draft"),
    "adopted": _l("adopted by the group"),
    "submitted": _l("submitted to the board"),
    "answered": _l("answered by the board"),
    "accepted": _l("accepted"),
    "amended": _l("accepted with amendments"),
    "postponed": _l("postponed"),
    "rejected": _l("rejected"),
    "planned": _l("planned"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    "abandoned": _l("abandoned"),
    # minutes
    "circulated": _l("circulated to the board"),
    "approved": _l("approved"),
    "superseded": _l("replaced by a corrected version"),
    "published": _l("published"),
    # calls, roles, attendance
    "open": _l("open"),
    "closed": _l("closed"),
    "facilitator": _l("facilitator"),
    "member": _l("group member"),
    "expert": _l("invited expert"),
    "present": _l("present"),
    "excused": _l("excused"),
    "absent": _l("absent"),
}


def status_label(value) -> str:
    key = getattr(value, "value", value)
    return str(LABELS.get(key, key))


# Which of the day's board meetings minutes record (BoardMinutes.sitting, 1 to MAX_SITTING): the choice on their
# form, and the words after the day that tell a second meeting's minutes from the first's.
SITTINGS = {1: _l("The first (or only) meeting of the day"), 2: _l("The second meeting of the day"),
            3: _l("The third meeting of the day"), 4: _l("The fourth meeting of the day")}
_SITTING_AFTER_DAY = {2: _l("%(date)s (second meeting of the day)"), 3: _l("%(date)s (third meeting of the day)"),
                      4: _l("%(date)s (fourth meeting of the day)")}


def meeting_words(day, sitting: int = 1, form: str = "long") -> str:
    """A board meeting as people name it: its day in words, and which meeting of the day when it was not
    the first ("10 September 2026 (second meeting of the day)")."""
    words = format_day(day, form)
    after = _SITTING_AFTER_DAY.get(sitting)
    return str(after) % {"date": words} if after is not None else words


def board_meeting(minutes: BoardMinutes, form: str = "long") -> str:
    """The board meeting ``minutes`` record, named as ``meeting_words`` does (pages, PDFs, mail, audit)."""
    return meeting_words(minutes.meeting_on, minutes.sitting, form)


# Words for the audit log (app.audit): every action this package writes, and the objects it audits.
register_action_labels({
    "working_groups.group.create": _l("Working group created"),
    "working_groups.call.open": _l("Call for group members opened"),
    "working_groups.call.close": _l("Call for group members closed"),
    "working_groups.membership.add": _l("Person added to the group"),
    "working_groups.membership.join": _l("Member joined the group"),
    "working_groups.membership.leave": _l("Member left the group"),
    "working_groups.membership.role": _l("Role in the group changed"),
    "working_groups.meeting.schedule": _l("Group meeting scheduled"),
    "working_groups.meeting.record": _l("Group meeting recorded"),
    "working_groups.document.upload": _l("Group document shared"),
    "working_groups.recommendation.draft": _l("Recommendation drafted"),
    "working_groups.recommendation.revise": _l("Recommendation revised"),
    "working_groups.recommendation.adopt": _l("Recommendation adopted by the group"),
    "working_groups.recommendation.submit": _l("Recommendation submitted to the board"),
    "working_groups.recommendation.answer": _l("Recommendation answered by the board"),
    "working_groups.submission.create": _l("Recommendations submitted to the board"),
    "working_groups.answer.report": _l("Board's answer reported to the general assembly"),
    "working_groups.implementation.update": _l("Implementation of a recommendation updated"),
    "working_groups.minutes.draft": _l("Board minutes drafted"),
    "working_groups.minutes.edit": _l("Board minutes edited"),
    "working_groups.minutes.item": _l("Item added to the minutes"),
    "working_groups.minutes.item_remove": _l("Item of the minutes removed"),
    "working_groups.minutes.decision": _l("Decision added to the minutes"),
    "working_groups.minutes.decision_remove": _l("Decision in the minutes removed"),
    "working_groups.minutes.circulate": _l("Board minutes circulated for approval"),
    "working_groups.minutes.withdraw": _l("Board minutes taken back to draft"),
    "working_groups.minutes.discard": _l("Draft board minutes deleted"),
    "working_groups.minutes.comment": _l("Comment on the board minutes"),
    "working_groups.minutes.approval": _l("Minutes approved by a board member"),
    "working_groups.minutes.approve": _l("Board minutes approved"),
    "working_groups.minutes.supersede": _l("Board minutes replaced by a correction"),
    "working_groups.minutes.correct": _l("Correction of approved minutes started"),
    "working_groups.synthesis.save": _l("Synthesis for members saved"),
    "working_groups.synthesis.publish": _l("Synthesis for members published"),
})
register_object_labels({
    "wg_group": _l("Working group"),
    "wg_membership": _l("Group membership"),
    "wg_meeting": _l("Group meeting"),
    "wg_document": _l("Group document"),
    "wg_recommendation": _l("Recommendation"),
    "wg_submission": _l("Submission to the board"),
    "wg_answer": _l("Board's answer"),
    "wg_minutes": _l("Board minutes"),
})

register_field_labels({
    "abstain": _l("Abstentions"), "active": _l("Active"), "against": _l("Against"), "approvals": _l("Approvals"),
    "approvals_cleared": _l("Approvals withdrawn"), "approved_by": _l("Approved by"),
    "at_meeting_on": _l("Approved at the board meeting of"), "by": _l("Replaced by the minutes number"),
    "call_status": _l("Call for group members"), "comment": _l("Comment number"), "decision": _l("Decision"),
    "for": _l("For"), "group": _l("Working group"), "held_on": _l("Held on"), "starts_at": _l("Starting time"), "implementation": _l("Implementation"),
    "mandate_decided_on": _l("Mandate decided on"), "meeting": _l("Meeting number"),
    "meeting_on": _l("Board meeting of"), "sitting": _l("Meeting of the day"), "present": _l("Present"),
    "published": _l("Published"),
    "reported_on": _l("Reported to the general assembly on"), "size": _l("Size (bytes)"),
    "submission": _l("Submission number"), "submitted_on": _l("Submitted on"),
    "supersedes": _l("Replaces the minutes number"), "version": _l("Version"),
})


def _account_emails(account_ids) -> dict[int, str]:
    ids = [i for i in account_ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2 ** 31]
    return dict(db.session.execute(select(Account.id, Account.email).where(Account.id.in_(ids))).all()) if ids else {}


def _group_titles(slugs) -> dict[str, str]:
    """The groups entries name by their short names, by their titles in the reader's language."""
    language = reader_locale().language
    slugs = [slug for slug in slugs if isinstance(slug, str)]
    return {group.slug: group.title(language)
            for group in db.session.scalars(select(WorkingGroup).where(WorkingGroup.slug.in_(slugs)))} if slugs else {}


_account_email = looked_up(_account_emails)
_group_title = looked_up(_group_titles)
register_value_words("wg_recommendation", {"status": LABELS, "decision": LABELS, "implementation": LABELS,
                                           "group": _group_title})
register_value_words("wg_minutes", {"status": LABELS, "language": LANGUAGE_WORDS, "approved_by": _account_email,
                                    "sitting": SITTINGS})
register_value_words("wg_membership", {"role": LABELS, "group": _group_title})
register_value_words("wg_group", {"call_status": LABELS})
register_value_words("wg_meeting", {"group": _group_title})
register_value_words("wg_document", {"group": _group_title})
register_value_words("wg_submission", {"group": _group_title})
register_object_names("wg_group", named_rows(WorkingGroup, WorkingGroup.title))
register_object_names("wg_recommendation", named_rows(Recommendation, lambda rec, language: rec.title))
register_object_names("wg_meeting", named_rows(GroupMeeting, lambda meeting, language: format_day(meeting.held_on,
                                                                                                  "medium")))
register_object_names("wg_minutes", named_rows(BoardMinutes, lambda minutes, language: board_meeting(minutes,
                                                                                                      "medium")))
register_object_names("wg_membership", named_rows(GroupMembership, lambda membership, language: (
    f"{membership.member.name}, {membership.group.title(language)}")))
register_object_names("wg_document", named_rows(GroupDocument, lambda document, language: document.title,
                                                GroupDocument.id, GroupDocument.title))
register_object_names("wg_submission", named_rows(Submission, lambda submission, language: (
    f"{submission.group.title(language)}, {format_day(submission.submitted_on, 'medium')}")))
register_object_names("wg_answer", named_rows(BoardAnswer, lambda answer, language: answer.recommendation.title))
