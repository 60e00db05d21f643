"""Result charts drawn on the server (SVG with the numbers as text), via shares.charts."""
from __future__ import annotations

from flask_babel import gettext as _

from shares.charts import Series, bar_chart


def result_charts(results, lang: str) -> dict[int, list]:
    out: dict[int, list] = {}
    for row in results or []:
        item = row["item"]
        title = item.text("title", lang)
        if row["kind"] == "resolution":
            o = row["outcome"]
            if o.withheld:
                continue
            labels = [_("Yes"), _("No"), _("Abstain")]
            out[item.id] = [bar_chart(title, _("Votes per answer, by category"), labels, [
                Series(_("Category A"), [o.per_category["A"].yes, o.per_category["A"].no, o.per_category["A"].abstain]),
                Series(_("Category B"), [o.per_category["B"].yes, o.per_category["B"].no, o.per_category["B"].abstain]),
            ])]
        else:
            charts = []
            for g in row["groups"]:
                if g["seat"].withheld:
                    continue
                labels = [g["by_choice"][r.choice].name for r in g["seat"].ranking]
                category = _("category %(c)s", c=g["category"])
                charts.append(bar_chart(f"{title} ({category})", _("Votes per candidate"),
                                        labels, [Series(_("Votes"), [r.votes for r in g["seat"].ranking])]))
            out[item.id] = charts
    return out
