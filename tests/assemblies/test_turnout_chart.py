"""The projector's turnout chart speaks the hall's time, not the locale's long US date-time form."""
from __future__ import annotations

from datetime import datetime, timezone

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
