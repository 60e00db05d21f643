"""Result charts drawn on the server (SVG with the numbers as text), via shares.charts."""
from __future__ import annotations

from flask_babel import format_datetime, format_time, gettext as _, to_user_timezone

from app.web import number
from shares.charts import Series, bar_chart, line_chart


def result_charts(results, lang: str) -> dict[int, list | dict]:
    """Each voting item's charts: a resolution's list, a board election's by category (``"A"``, ``"B"``)."""
    out: dict[int, list | dict] = {}
    for row in results or []:
        item = row["item"]
        title = item.text("title", lang)
        if row["kind"] == "resolution":
            o = row["outcome"]
            if o.withheld:
                continue
            labels = [_("Yes"), _("No"), _("Abstain")]
            if not o.by_category:
                out[item.id] = [bar_chart(title, _("Votes per answer"), labels,
                                          [Series(_("Total"), [o.total.yes, o.total.no, o.total.abstain])])]
                continue
            out[item.id] = [bar_chart(title, _("Votes per answer, by category"), labels, [
                Series(_("Category A"), [o.per_category["A"].yes, o.per_category["A"].no, o.per_category["A"].abstain]),
                Series(_("Category B"), [o.per_category["B"].yes, o.per_category["B"].no, o.per_category["B"].abstain]),
            ])]
        else:  # one chart per category, drawn under the category's heading
            charts = {}
            for g in row["groups"]:
                if g["seat"].withheld or not g["seat"].ranking:  # withheld, or nobody stood: no bars to draw
                    continue
                labels = [g["by_choice"][r.choice].name for r in g["seat"].ranking]
                category = _("category %(c)s", c=g["category"])
                charts[g["category"]] = bar_chart(
                    f"{title} ({category})", _("Votes per candidate"), labels,
                    [Series(_("Votes in category %(c)s", c=g["category"]), [r.votes for r in g["seat"].ranking])])
            out[item.id] = charts
    return out


def turnout_chart(points, electorate: int):
    """Turnout over time for the projector (a line; the numbers are in the table beside it). On a
    phone the axis keeps its labels short (the hour, with the day above it when the vote spans
    days) and as few as fit side by side."""
    if not points:
        return None
    moments = [t for t, _n in points]
    return line_chart(_("Turnout over time"), _("Members who have voted, out of %(n)s", n=number(electorate)),
                      _moment_labels(moments), [Series(_("Voted"), [n for _t, n in points])], label_every=4,
                      narrow_labels=_moment_labels(moments, narrow=True))


def _moment_labels(moments, narrow: bool = False) -> list[str]:
    """The hour alone within one day ("14:30", with the seconds when minutes repeat), else the day
    and the hour ("27 nov. 14:30"; ``narrow``: the day above the hour, "27 nov."/"14:30"): the
    locale's short date-time form is long and, in English, American ("11/27/26, 2:30 PM")."""
    if len({to_user_timezone(t).date() for t in moments}) > 1:
        return [format_datetime(t, "d MMM\nHH:mm" if narrow else "d MMM HH:mm") for t in moments]
    labels = [format_time(t, "HH:mm") for t in moments]
    if len(set(labels)) < len(labels):  # the first minutes of a vote: the seconds tell them apart
        labels = [format_time(t, "HH:mm:ss") for t in moments]
    return labels
