"""Charts drawn on the server as SVG: no JavaScript, no style attributes (the CSP forbids them).

Pure functions: data in, a ``Chart`` out, holding the SVG markup (``role="img"``, a ``<title>`` and a
``<desc>`` that screen readers announce) and the same figures as a table (headers and rows) for
pages to show as a fallback, its figures in the reader's locale (``app.web.number``: ``1.620`` in
Dutch, as the tables beside it). Colours reach 3:1 against white (WCAG 1.4.11) and series also differ
by pattern of dashes, not by colour alone."""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from app.web import number

WIDTH, HEIGHT = 640, 320
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 16, 16, 72


@dataclass(frozen=True)
class Layout:
    """Where a chart draws: the wide one for screens, a narrow one of its own for phones (drawn at
    the phone's width, so its text stays readable instead of shrinking to 6 px)."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = MARGIN_LEFT
    right: int = MARGIN_RIGHT
    top: int = MARGIN_TOP
    bottom: int = MARGIN_BOTTOM
    font: int = 12
    legend_rows: bool = False  # one legend entry per line (narrow)


WIDE = Layout()
NARROW = Layout(width=340, height=380, left=52, right=8, top=12, bottom=96, font=14, legend_rows=True)
INK, MUTED, GRID = "#1b1b1f", "#4a4a55", "#d5d2cc"
COLOURS = ("#7a1f5c", "#1a5fb4", "#1d6b35", "#8a5300")
DASHES = ("", "6 3", "2 2", "8 3 2 3")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass
class Chart:
    title: str
    description: str
    svg: Markup
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    svg_narrow: Markup | None = None  # the phone's own drawing (shown below 40rem by the stylesheet)

    @property
    def drawing(self) -> Markup:
        """What a page shows: both drawings, of which the stylesheet shows the one that fits."""
        return self.svg + (self.svg_narrow or Markup())


def nice_max(value: float) -> float:
    """A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _ticks(top: float) -> list[float]:
    """Equal steps from 0 to ``top`` that land on whole numbers, as the labels show them (0 to 10 by
    2, not by 2.5 labelled "2" and "8"): four steps, else five, two or one."""
    for count in (4, 5, 2, 1):
        step = top / count
        if top < 1 or step == int(step):
            return [step * i for i in range(count + 1)]
    return [0, top]


def _frame(title: str, description: str, body: list[str], chart_id: str, layout: Layout = WIDE) -> Markup:
    css = "chart chart-narrow" if layout.legend_rows else "chart chart-wide"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.width} {layout.height}" class="{css}" '
            f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="system-ui, sans-serif" '
            f'font-size="{layout.font}" preserveAspectRatio="xMidYMid meet">'
            f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _axes(top: float, fmt: Callable[[float], str], layout: Layout = WIDE) -> list[str]:
    L = layout
    plot_h = L.height - L.top - L.bottom
    out = []
    for tick in _ticks(top):
        y = L.top + plot_h - plot_h * tick / top
        out.append(f'<line x1="{L.left}" x2="{L.width - L.right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{L.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                   f'{escape(fmt(tick))}</text>')
    out.append(f'<line x1="{L.left}" x2="{L.left}" y1="{L.top}" y2="{L.height - L.bottom}" '
               f'stroke="{INK}" stroke-width="1"/>')
    return out


def _legend(series: Sequence[Series], kind: str, layout: Layout = WIDE, y: float | None = None) -> list[str]:
    """The series' names and colours, at ``y`` or under the plot (below two lines of labels)."""
    L = layout
    out, x = [], L.left
    if y is None:
        y = L.height - 18 if not L.legend_rows else L.height - L.bottom + 56
    for i, s in enumerate(series):
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        if kind == "bar":
            out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        else:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<line x1="{x}" x2="{x + 16}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                       f'stroke-width="3"{dash_attr}/>')
        out.append(f'<text x="{x + 20}" y="{y}" fill="{INK}">{escape(s.name)}</text>')
        if L.legend_rows:
            y += L.font + 8
        else:
            x += 28 + 8 * len(s.name)
    return out


def _draw_bars(labels, series, fmt, top: float, layout: Layout) -> list[str]:
    L = layout
    plot_w = L.width - L.left - L.right
    plot_h = L.height - L.top - L.bottom
    body = _axes(top, fmt, L)
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = group_w * 0.8 / max(len(series), 1)
    for g, label in enumerate(labels):
        x0 = L.left + g * group_w + group_w * 0.1
        for i, s in enumerate(series):
            value = s.values[g]
            h = plot_h * value / top
            x, y = x0 + i * bar_w, L.top + plot_h - h
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" '
                        f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(s.name)}, {escape(label)}: '
                        f'{escape(fmt(value))}</title></rect>')
        centre = x0 + group_w * 0.4
        lines = "".join(f'<tspan x="{centre:.1f}" dy="{0 if k == 0 else L.font + 2}">{escape(line)}</tspan>'
                        for k, line in enumerate(_label_lines(label, group_w * 0.95, L.font)))
        body.append(f'<text y="{L.height - L.bottom + 18}" text-anchor="middle" fill="{INK}">{lines}</text>')
    return body + _legend(series, "bar", L)


def _label_lines(label: str, width: float, font: int, max_lines: int = 2) -> list[str]:
    """A bar group's label in lines that fit under it (about 0.6 em a character), so that long
    names do not run into each other; what does not fit ends in "…" (the bar's title and the
    table have it whole)."""
    per_line = max(3, int(width / (font * 0.6)))
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    cut = lines[:max_lines] or [""]
    if len(lines) > max_lines:
        cut[-1] += "…"
    return [line if len(line) <= per_line else line[:per_line - 1] + "…" for line in cut]


def bar_chart(title: str, description: str, labels: Sequence[str], series: Sequence[Series],
              fmt: Callable[[float], str] = number) -> Chart:
    """Grouped vertical bars: one group per label, one bar per series (a wide and a phone drawing)."""
    table = _table(labels, series, fmt)
    chart_id = f"chart{next(_ids)}"
    top = nice_max(max((v for s in series for v in s.values), default=0))
    wide = _frame(title, description, _draw_bars(labels, series, fmt, top, WIDE), chart_id)
    column = (NARROW.width - NARROW.left - NARROW.right) / max(len(labels), 1) * 0.95
    if len(labels) > NARROW_COLUMNS or any(" ".join(_label_lines(label, column, NARROW.font)) != label
                                           for label in labels):  # on a phone, one row per group
        body, layout = _draw_rows(labels, series, fmt, top)
        narrow = _frame(title, description, body, chart_id + "n", layout)
    else:
        narrow = _frame(title, description, _draw_bars(labels, series, fmt, top, NARROW), chart_id + "n", NARROW)
    return Chart(title, description, wide, *table, svg_narrow=narrow)


NARROW_COLUMNS = 4  # bar groups a phone's drawing stands side by side (when their labels fit under them)
ROW_BAR = 14  # a bar's thickness in a phone's rows


def _draw_rows(labels, series, fmt, top: float) -> tuple[list[str], Layout]:
    """Bars across, for a phone: each group's label whole on its own line, its bars below it with
    their figures at the ends (eight candidates' names do not fit under eight upright bars)."""
    left, right = 8, 8
    reach = NARROW.width - left - right - 48  # the longest bar leaves room for its figure
    body, y = [], NARROW.top
    for g, label in enumerate(labels):
        y += NARROW.font
        body.append(f'<text x="{left}" y="{y}" fill="{INK}">'
                    f'{escape(_label_lines(label, NARROW.width - left - right, NARROW.font, 1)[0])}</text>')
        y += 4
        for i, s in enumerate(series):
            value = s.values[g]
            w = reach * value / top
            body.append(f'<rect x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{ROW_BAR}" '
                        f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(s.name)}, {escape(label)}: '
                        f'{escape(fmt(value))}</title></rect>')
            body.append(f'<text x="{left + w + 4:.1f}" y="{y + ROW_BAR - 2}" fill="{INK}">{escape(fmt(value))}</text>')
            y += ROW_BAR + 2
        y += 8
    layout = Layout(width=NARROW.width, height=y + len(series) * (NARROW.font + 8) + 8, left=left, right=right,
                    top=NARROW.top, font=NARROW.font, legend_rows=True)
    return body + _legend(series, "bar", layout, y=y + NARROW.font + 8), layout


def _text_width(text: str, font: int) -> float:
    """About how wide ``text`` is drawn (0.6 em a character, as :func:`_label_lines` counts)."""
    return len(text) * font * 0.6


def _draw_lines(labels, series, fmt, top: float, layout: Layout, label_every: int | None) -> list[str]:
    L = layout
    plot_w = L.width - L.left - L.right
    plot_h = L.height - L.top - L.bottom
    body = _axes(top, fmt, L)
    n = len(labels)
    step = plot_w / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return L.left + i * step, L.top + plot_h - plot_h * v / top

    # A label may have lines ("27 Nov" over "14:30"); under the axis, labels never run into each other:
    # one every ``every`` points, as far apart as the widest needs, the first and the last always (on a
    # live screen the last is the latest time), a label in between left out where the last needs room.
    lines = [str(label).split("\n") for label in labels]
    widths = [max(_text_width(line, L.font) for line in ls) for ls in lines]
    gap = L.font / 2

    def anchor(i: int) -> str:  # the first and last labels hang inwards, or they run off the drawing
        return "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"

    def extent(i: int) -> tuple[float, float]:
        x, _ = xy(i, 0)
        return {"start": (x, x + widths[i]), "end": (x - widths[i], x),
                "middle": (x - widths[i] / 2, x + widths[i] / 2)}[anchor(i)]

    def apart(every: int) -> list[int]:
        shown: list[int] = []
        for i in sorted({*range(0, n, every), n - 1} if n else set()):
            while i == n - 1 and len(shown) > 1 and extent(shown[-1])[1] + gap > extent(i)[0]:
                shown.pop()
            if shown and extent(shown[-1])[1] + gap > extent(i)[0]:
                continue
            shown.append(i)
        return shown

    every = label_every or max(1, math.ceil(n / (3 if L.legend_rows else 8)))
    if n > 1:
        every = max(every, math.ceil((max(widths) + gap) / step))
    # The spacing, from the least that fits, that leaves the most labels once they are kept apart.
    shown = max((apart(e) for e in range(every, max(n, every + 1))), key=len, default=[])
    for i in shown:
        x, _ = xy(i, 0)
        spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if k == 0 else L.font + 2}">{escape(line)}</tspan>'
                        for k, line in enumerate(lines[i])) if len(lines[i]) > 1 else escape(lines[i][0])
        body.append(f'<text x="{x:.1f}" y="{L.height - L.bottom + 18}" text-anchor="{anchor(i)}" '
                    f'fill="{INK}">{spans}</text>')
    for k, s in enumerate(series):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(s.values)))
        dash = DASHES[k % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<polyline points="{points}" fill="none" stroke="{COLOURS[k % len(COLOURS)]}" '
                    f'stroke-width="3"{dash_attr}/>')
        if n == 1:
            x, y = xy(0, s.values[0])
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS[k % len(COLOURS)]}"/>')
    return body + _legend(series, "line", L)


def line_chart(title: str, description: str, labels: Sequence[str], series: Sequence[Series],
               fmt: Callable[[float], str] = number, label_every: int | None = None,
               narrow_labels: Sequence[str] | None = None) -> Chart:
    """Lines over ordered labels (dates, years): each series its own colour and dash pattern.
    ``narrow_labels``: shorter labels for the phone's drawing ("\\n" starts a line); the wide
    drawing and the table keep ``labels``."""
    table = _table(labels, series, fmt)
    if narrow_labels is not None and len(narrow_labels) != len(labels):
        raise ValueError(f"{len(narrow_labels)} narrow labels for {len(labels)} labels")
    chart_id = f"chart{next(_ids)}"
    top = nice_max(max((v for s in series for v in s.values), default=0))
    wide = _frame(title, description, _draw_lines(labels, series, fmt, top, WIDE, label_every), chart_id)
    narrow = _frame(title, description, _draw_lines(narrow_labels or labels, series, fmt, top, NARROW, None),
                    chart_id + "n", NARROW)
    return Chart(title, description, wide, *table, svg_narrow=narrow)


def _table(labels: Sequence[str], series: Sequence[Series], fmt) -> tuple[list[str], list[list[str]]]:
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels)} labels")
    headers = [""] + [s.name for s in series]
    rows = [[label] + [fmt(s.values[i]) for s in series] for i, label in enumerate(labels)]
    return headers, rows
