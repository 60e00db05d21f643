"""PDFs: a booklet of each group's recommendations, the full board minutes, and the members' synthesis."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from shares.pdf import render_pdf
from working_groups import queries, services
from working_groups.models import BoardMinutes, WorkingGroup


def booklet_pdf(group: WorkingGroup, language: str) -> bytes:
    with force_locale(language):
        html = render_template("working_groups/pdf/booklet.html", group=group, language=language,
                               recommendations=queries.booklet_recommendations(group),
                               public_status=services.public_status)
    return render_pdf(html)


def minutes_pdf(minutes: BoardMinutes) -> bytes:
    return render_pdf(render_template("working_groups/pdf/minutes.html", minutes=minutes))


def synthesis_pdf(minutes: BoardMinutes, language: str) -> bytes:
    with force_locale(language):
        html = render_template("working_groups/pdf/synthesis.html", minutes=minutes,
                               synthesis=minutes.synthesis(language), language=language)
    return render_pdf(html)
