"""What is new for this person on the home page: syntheses, open calls, followed recommendations, and the
board's and the secretary's work waiting."""
from __future__ import annotations

from typing import Iterable

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.registry import Task
from app.web import format_day, time_of_day
from shares.queries import member_for_account
from working_groups import queries
from working_groups.labels import board_meeting, meeting_words, status_label
from working_groups.permissions import (can_answer_recommendations, can_join_group, can_read_syntheses, is_board,
                                        can_write_minutes)
from working_groups.services import public_status


def working_group_tasks(user) -> Iterable[Task]:
    tasks: list[Task] = []
    if is_board(user):
        for minutes_id, meeting_on, sitting in queries.minutes_awaiting(user.id):
            tasks.append(Task(_("Read and approve the minutes of the board meeting of %(date)s",
                                date=meeting_words(meeting_on, sitting)),
                              url_for("working_groups.minutes_show", minutes_id=minutes_id), urgency=20))
    may_write, may_answer = can_write_minutes(user), can_answer_recommendations(user)
    counts = queries.work_counts() if may_write or may_answer else {}
    if may_write:
        if counts["open"]:
            tasks.append(Task(_("Board minutes in draft or waiting for approval"),
                              url_for("working_groups.minutes_index"), count=counts["open"], urgency=35))
        if counts["unpublished"]:
            tasks.append(Task(_("Approved minutes whose synthesis is not published yet"),
                              url_for("working_groups.minutes_index"), count=counts["unpublished"], urgency=30))
    if may_answer and counts["awaiting"]:
        tasks.append(Task(_("Recommendations waiting for the board's answer"),
                          url_for("working_groups.board_recommendations"), count=counts["awaiting"], urgency=30))
    if can_read_syntheses(user):
        language = str(get_locale())
        for minutes in queries.unread_syntheses(user.id):
            synthesis = minutes.synthesis(language)
            tasks.append(Task(_("New: synthesis of the board meeting of %(date)s",
                                date=board_meeting(minutes)) + (
                                    f" — {synthesis.title}" if synthesis else ""),
                              url_for("working_groups.synthesis_show", minutes_id=minutes.id), urgency=60))
        for group in queries.open_calls():
            if can_join_group(user, group):
                tasks.append(Task(_("Call for volunteers: %(group)s", group=group.title(language)),
                                  url_for("working_groups.group_show", slug=group.slug), urgency=70))
    member = member_for_account(user.id)
    if member is not None:
        for meeting in queries.upcoming_meetings(member.id):
            tasks.append(Task(  # the meeting's day in the title: a "due" date would read as a deadline
                _("Next meeting of your group %(group)s: %(date)s", group=meeting.group.title(str(get_locale())),
                  date=format_day(meeting.held_on, "long") + (f", {time_of_day(meeting.starts_at)}"
                                                               if meeting.starts_at else "")),
                url_for("working_groups.meeting_show", slug=meeting.group.slug, meeting_id=meeting.id), urgency=55))
    for rec in queries.followed_news(user.id):
        tasks.append(Task(_("Recommendation you follow: %(title)s (now %(status)s)", title=rec.title,
                            status=status_label(public_status(rec))),
                          url_for("working_groups.recommendation_show", rec_id=rec.id), urgency=65))
    return tasks
