"""Server-drawn dashboard charts: the geometry of inline SVG, the same in the page, the PDF and the portal.

Functions here only compute coordinates and carry the values; `templates/dashboards/_charts.html`
writes the markup (a <title> and <desc> per chart, a <title> per bar, and the values again in a
table), so a chart reads without JavaScript, prints, and speaks to a screen reader.
"""
import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 10, 12, 28
COLOURS = {"positive": "#15803d", "neutral": "#94a3b8", "negative": "#dc2626"}


@dataclass
class Bar:
    """One rectangle, with what it stands for."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str
    value: int
    kind: str = ""  # the sentiment of a stacked segment


@dataclass
class BarChart:
    """A bar chart in view-box coordinates: bars, an optional comparison line, ticks."""

    width: int = WIDTH
    height: int = HEIGHT
    bars: list = field(default_factory=list)
    line: str = ""  # the previous period, as SVG points
    y_ticks: list = field(default_factory=list)  # (y, value)
    x_ticks: list = field(default_factory=list)  # (x, label)
    baseline: float = HEIGHT - PAD_BOTTOM
    empty: bool = True


def nice_top(value, steps=4):
    """A round top for an axis of `steps` whole-number steps at or above `value` (4, 8, 12, 20, 40, 60...)."""
    raw = max(value, 1) / steps
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if raw <= step * magnitude and (step * magnitude) % 1 == 0:
            return int(step * magnitude) * steps
    return int(10 * magnitude) * steps


def _frame(count, top, label_of, width, height, ticks=6):
    chart = BarChart(width=width, height=height, baseline=height - PAD_BOTTOM)
    plot_w, plot_h = width - PAD_LEFT - PAD_RIGHT, height - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(count, 1)
    chart.y_ticks = [(PAD_TOP + plot_h * (1 - i / 4), top // 4 * i) for i in range(5)]
    every = max(1, math.ceil(count / ticks))
    chart.x_ticks = [(PAD_LEFT + slot * (i + 0.5), label_of(i)) for i in range(0, count, every)]
    return chart, slot, plot_h


def volume_chart(days, label_of, colour, width=1100, height=260):
    """Mentions per day as bars, the previous period's same days as a dashed line."""
    top = nice_top(max([d.total for d in days] + [d.previous for d in days] + [1]))
    chart, slot, plot_h = _frame(len(days), top, lambda i: label_of(days[i].day), width, height)
    gap = min(4, slot * 0.2)
    points = []
    for i, day in enumerate(days):
        h = day.total / top * plot_h
        x = PAD_LEFT + slot * i
        chart.bars.append(Bar(x + gap / 2, chart.baseline - h, max(slot - gap, 1), h, colour,
                              label_of(day.day), day.total))
        points.append((x + slot / 2, chart.baseline - day.previous / top * plot_h))
    chart.line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    chart.empty = not any(d.total or d.previous for d in days)
    return chart


def sentiment_chart(days, label_of, width=560, height=260):
    """Mentions per day stacked by sentiment: negative at the bottom, then neutral, then positive."""
    top = nice_top(max([d.total for d in days] + [1]))
    chart, slot, plot_h = _frame(len(days), top, lambda i: label_of(days[i].day), width, height)
    gap = min(4, slot * 0.2)
    for i, day in enumerate(days):
        y = chart.baseline
        for sentiment in ("negative", "neutral", "positive"):
            value = getattr(day, sentiment)
            h = value / top * plot_h
            if value:
                chart.bars.append(Bar(PAD_LEFT + slot * i + gap / 2, y - h, max(slot - gap, 1), h,
                                      COLOURS[sentiment], label_of(day.day), value, sentiment))
            y -= h
    chart.empty = not any(d.total for d in days)
    return chart


def split_bar(totals, width=WIDTH, height=24):
    """The period's sentiment split as one bar of three segments: [(sentiment, x, width, share, count)]."""
    segments, x = [], 0.0
    for sentiment in SENTIMENT_ORDER:
        count = getattr(totals, sentiment)
        share = count / totals.total if totals.total else 0.0
        segments.append((sentiment, x, share * width, share, count, COLOURS[sentiment]))
        x += share * width
    return {"width": width, "height": height, "segments": segments, "empty": not totals.total}


SENTIMENT_ORDER = ("positive", "neutral", "negative")
