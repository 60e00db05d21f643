"""Server-side SVG charts: valid, accessible markup, and the same figures as a table."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from shares.charts import Series, bar_chart, line_chart, nice_max

pytestmark = pytest.mark.no_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def reader(data_app):
    """A request, whose reader's locale the figures are written in (English unless a test says otherwise)."""
    with data_app.test_request_context():
        yield


def parse(chart):
    return etree.fromstring(str(chart.svg).encode())


def test_bar_chart_is_accessible_svg_with_a_table():
    chart = bar_chart("Members per category", "Members of categories A and B at the end of each year.",
                      ["2023", "2024"], [Series("A", [90, 120]), Series("B", [8, 11])])
    root = parse(chart)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title.text == "Members per category" and desc.text.startswith("Members of categories")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    bars = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    assert [b.find(SVG + "title").text for b in bars] == ["A, 2023: 90", "B, 2023: 8", "A, 2024: 120", "B, 2024: 11"]
    heights = [float(b.get("height")) for b in bars]
    assert heights[2] > heights[0] > heights[3] > heights[1] > 0
    assert chart.headers == ["", "A", "B"] and chart.rows == [["2023", "90", "8"], ["2024", "120", "11"]]
    assert "style=" not in str(chart.svg) and "<script" not in str(chart.svg)


def test_text_is_escaped():
    chart = bar_chart("<b>x</b>", "a & b", ["<i>"], [Series("A<", [1])])
    root = parse(chart)
    assert root.find(SVG + "title").text == "<b>x</b>"
    assert "<b>" not in str(chart.svg) and "&lt;b&gt;" in str(chart.svg)


def test_line_chart_points_follow_values_and_series_differ_by_dash():
    chart = line_chart("Renewals", "Paid renewals per day.", ["1", "2", "3"],
                       [Series("Paid", [0, 5, 10]), Series("Sent", [10, 10, 10])])
    lines = list(parse(chart).iter(SVG + "polyline"))
    assert len(lines) == 2
    ys = [float(p.split(",")[1]) for p in lines[0].get("points").split()]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")
    assert chart.rows[2] == ["3", "10", "10"]


def test_a_single_point_and_empty_data_still_draw():
    assert parse(line_chart("t", "d", ["2025"], [Series("A", [3])])).find(SVG + "circle") is not None
    parse(bar_chart("t", "d", [], []))
    parse(bar_chart("t", "d", ["x"], [Series("A", [0])]))


def test_each_series_needs_a_value_per_label():
    with pytest.raises(ValueError):
        bar_chart("t", "d", ["a", "b"], [Series("A", [1])])


def test_ids_are_unique_per_chart():
    a, b = bar_chart("t", "d", ["x"], [Series("A", [1])]), bar_chart("t", "d", ["x"], [Series("A", [1])])
    assert parse(a).find(SVG + "title").get("id") != parse(b).find(SVG + "title").get("id")


@given(st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e12)))  # counts, euros, percentages
def test_nice_max_is_a_round_bound(value):
    top = nice_max(value)
    assert top >= value and top > 0
    mantissa = top / 10 ** math.floor(math.log10(top))
    assert round(mantissa, 6) in (1, 2, 2.5, 5, 10)
    assert value == 0 or top <= 10 * value


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12))
def test_bars_never_leave_the_plot(values):
    chart = bar_chart("t", "d", [str(i) for i in range(len(values))], [Series("A", values)])
    for rect in parse(chart).iter(SVG + "rect"):
        if rect.find(SVG + "title") is not None:
            assert 0 <= float(rect.get("y")) and float(rect.get("y")) + float(rect.get("height")) <= 320 - 64 + 0.2


def test_the_first_and_last_axis_labels_hang_inwards():
    """A long last label anchored at its middle ran off the drawing's right edge (the projector's
    turnout chart lost half its last time)."""
    chart = line_chart("t", "d", ["14:00", "14:30", "15:00"], [Series("A", [1, 2, 3])], label_every=1)
    anchors = [t.get("text-anchor") for t in parse(chart).iter(SVG + "text") if t.text in {"14:00", "14:30", "15:00"}]
    assert anchors == ["start", "middle", "end"]


@pytest.mark.parametrize("highest, labels", [
    (7, ["0", "2", "4", "6", "8", "10"]), (2, ["0", "1", "2"]), (1, ["0", "1"]), (18, ["0", "5", "10", "15", "20"]),
    (40, ["0", "10", "20", "30", "40", "50"]), (230, ["0", "50", "100", "150", "200", "250"]),
    (3, ["0", "1", "2", "3", "4", "5"])])
def test_the_axis_is_labelled_in_whole_steps(highest, labels):
    root = parse(line_chart("t", "d", ["a", "b"], [Series("A", [0, highest])]))
    ticks = [t.text for t in root.iter(SVG + "text") if t.get("text-anchor") == "end" and t.text not in ("a", "b")]
    assert ticks == labels



def test_long_names_wrap_under_their_bars_and_a_phone_draws_one_row_each():
    names = ["Amélie François", "Antoine Jacquet", "Manon Simon", "Antoine Renard", "Marie Renard",
             "Koen Hermans", "Samuel Murphy", "ASBL Les Ateliers du Midi de Bruxelles-Capitale"]
    chart = bar_chart("Board", "Votes per candidate", names, [Series("Votes", [12, 11, 9, 9, 6, 5, 2, 2])])
    wide = parse(chart)
    lines = [[t.text for t in text.iter(SVG + "tspan")] for text in wide.iter(SVG + "text")
             if text.find(SVG + "tspan") is not None]
    assert lines[0] == ["Amélie", "François"] and lines[6] == ["Samuel", "Murphy"]
    assert len(lines[7]) == 2 and lines[7][-1].endswith("…")  # cut, whole in the bar's title and the table
    narrow = etree.fromstring(str(chart.svg_narrow).encode())
    texts = [t.text for t in narrow.iter(SVG + "text")]
    assert all(name in texts for name in names[:7]) and "12" in texts and "Votes" in texts
    assert [r.find(SVG + "title").text for r in narrow.iter(SVG + "rect") if r.find(SVG + "title") is not None][0] \
        == "Votes, Amélie François: 12"
    # Three short answers stay upright bars on a phone.
    upright = bar_chart("Resolution", "Votes", ["Yes", "No", "Abstain"], [Series("A", [3, 1, 0])])
    assert "<tspan" in str(upright.svg_narrow)


@pytest.mark.parametrize("language, thousands, fraction", [
    ("nl", ["1.620", "2.000"], "0,25"), ("fr", ["1\u202f620", "2\u202f000"], "0,25"), ("en", ["1,620", "2,000"], "0.25")])
def test_figures_are_written_in_the_readers_locale(language, thousands, fraction):
    """As the tables and amounts beside the chart (1.620,00 € in Dutch): bars' figures, the axis and
    the table in the reader's way of writing numbers."""
    from flask_babel import force_locale

    with force_locale(language):
        chart = bar_chart("Capital", "d", ["2025"], [Series("A", [1620])])
        small = line_chart("Share", "d", ["1", "2"], [Series("A", [0.25, 0.5])])
    figure, top = thousands
    assert chart.rows == [["2025", figure]]
    texts = [t.text for t in parse(chart).iter(SVG + "text")]
    assert top in texts and "1 620" not in str(chart.svg)
    assert f"A, 2025: {figure}" in [t.text for t in parse(chart).iter(SVG + "title")]
    assert small.rows[0][1] == fraction
