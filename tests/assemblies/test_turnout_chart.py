"""The projector's turnout chart speaks the hall's time, not the locale's long US date-time form."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale

from assemblies.charts import turnout_chart

pytestmark = pytest.mark.no_db


def _labels(app, points, lang):
    with app.test_request_context(), force_locale(lang):
        return turnout_chart(points, 400).rows


def test_within_one_day_the_axis_shows_the_brussels_hour(app):
    points = [(datetime(2026, 11, 27, 13, 0, tzinfo=timezone.utc), 3),
              (datetime(2026, 11, 27, 13, 30, tzinfo=timezone.utc), 9)]
    assert [row[0] for row in _labels(app, points, "en")] == ["14:00", "14:30"]
    assert [row[0] for row in _labels(app, points, "fr")] == ["14:00", "14:30"]


def test_over_several_days_the_axis_shows_the_day_in_words(app):
    points = [(datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc), 3),
              (datetime(2026, 11, 27, 13, 30, tzinfo=timezone.utc), 9)]
    assert [row[0] for row in _labels(app, points, "fr")] == ["25 nov. 10:00", "27 nov. 14:30"]
    assert [row[0] for row in _labels(app, points, "nl")] == ["25 nov 10:00", "27 nov 14:30"]


def test_in_the_first_minutes_the_seconds_tell_the_points_apart(app):
    points = [(datetime(2026, 11, 27, 13, 0, s, tzinfo=timezone.utc), s) for s in (0, 20, 40)]
    assert [row[0] for row in _labels(app, points, "en")] == ["14:00:00", "14:00:20", "14:00:40"]


PHONE = 360  # CSS pixels: the narrowest phone the projector is read on


def _axis_labels(app, points, lang):
    """The narrow (phone) drawing's time labels: (left, right, lines) in the drawing's units."""
    from lxml import etree

    from shares.charts import NARROW

    with app.test_request_context(), force_locale(lang):
        chart = turnout_chart(points, 400)
    root = etree.fromstring(str(chart.svg_narrow).encode())
    assert root.get("viewBox") == f"0 0 {NARROW.width} {NARROW.height}" and NARROW.width <= PHONE
    out = []
    for text in root.iter("{http://www.w3.org/2000/svg}text"):
        if text.get("y") != str(NARROW.height - NARROW.bottom + 18):
            continue
        lines = [t.text for t in text.iter("{http://www.w3.org/2000/svg}tspan")] or [text.text]
        width = max(len(line) for line in lines) * NARROW.font * 0.62  # a little wider than the drawing counts
        x = float(text.get("x"))
        left = {"start": x, "end": x - width, "middle": x - width / 2}[text.get("text-anchor")]
        out.append((left, left + width, lines))
    return out, chart.rows


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
@pytest.mark.parametrize("start, step, expected_first, expected_last", [
    (datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc), timedelta(hours=14),
     ["20 nov.", "23:00"], ["27 nov.", "09:00"]),
    (datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc), timedelta(minutes=30), ["09:30"], ["15:00"]),
    (datetime(2026, 11, 27, 13, 0, tzinfo=timezone.utc), timedelta(seconds=10), ["14:00:10"], ["14:02:00"]),
])
def test_on_a_phone_the_time_labels_never_run_into_each_other(app, lang, start, step, expected_first, expected_last):
    """Twelve points (as the projector draws them) at 360 px: the labels are short, apart, and the
    first and the latest time are there; the table keeps every moment in full."""
    points = [(start + step * k, k) for k in range(1, 13)]
    labels, rows = _axis_labels(app, points, lang)
    assert len(labels) >= 2 and len(rows) == 12
    for (_l1, right, _a), (left, _r2, _b) in zip(labels, labels[1:]):
        assert right + 4 <= left, labels
    assert all(len(line) <= 8 for _l, _r, lines in labels for line in lines), labels
    first, last = labels[0][2], labels[-1][2]
    if lang == "nl":  # Dutch abbreviates the month without a full stop
        expected_first = [w.replace("nov.", "nov") for w in expected_first]
        expected_last = [w.replace("nov.", "nov") for w in expected_last]
    if lang == "en" and len(expected_first) == 2:
        expected_first, expected_last = ["20 Nov", "23:00"], ["27 Nov", "09:00"]
    assert first == expected_first and last == expected_last
    assert rows[0][0] != "\n".join(first) or len(first) == 1  # the table says the day and the hour on one line


@pytest.mark.parametrize("lang, voted, top, desc", [
    ("nl", "1.620", "2.000", "Leden die gestemd hebben, op 3.400"),
    ("fr", "1\u202f620", "2\u202f000", "Sociétaires ayant voté, sur 3\u202f400"),
    ("en", "1,620", "2,000", "Members who have voted, out of 3,400")])
def test_the_turnout_chart_writes_numbers_in_the_readers_language(app, lang, voted, top, desc):
    """As the results' tables: "1.620" in Dutch, "1 620" (a thin space) in French, "1,620" in English."""
    points = [(datetime(2026, 11, 27, 13, 0, tzinfo=timezone.utc), 800),
              (datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc), 1620)]
    with app.test_request_context(), force_locale(lang):
        chart = turnout_chart(points, 3400)
    svg = str(chart.svg)
    assert chart.rows[1][1] == voted and f">{top}</text>" in svg and chart.description == desc
