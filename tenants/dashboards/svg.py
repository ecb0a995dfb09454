"""Server-drawn dashboard charts: the geometry of inline SVG, the same in the page, the PDF and the portal.

Functions here only compute coordinates and carry the values; `templates/dashboards/_charts.html`
writes the markup (a <title> and <desc> per chart, a <title> per bar, and the values again in a
table), so a chart reads without JavaScript, prints, and speaks to a screen reader.
"""
import math
from dataclasses import dataclass, field

from saas.charts import nice_top

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


def stacked_chart(dates, layers, label_of, width=560, height=260):
    """Values per day stacked in layers, the first at the bottom: `layers` is [(kind, colour, values per day)]."""
    totals = [sum(values[i] for _k, _c, values in layers) for i in range(len(dates))]
    top = nice_top(max(totals + [1]))
    chart, slot, plot_h = _frame(len(dates), top, lambda i: label_of(dates[i]), width, height)
    gap = min(4, slot * 0.2)
    for i, day in enumerate(dates):
        y = chart.baseline
        for kind, colour, values in layers:
            h = values[i] / top * plot_h
            if values[i]:
                chart.bars.append(Bar(PAD_LEFT + slot * i + gap / 2, y - h, max(slot - gap, 1), h,
                                      colour, label_of(day), values[i], kind))
            y -= h
    chart.empty = not any(totals)
    return chart


def sentiment_chart(days, label_of, width=560, height=260):
    """Mentions per day stacked by sentiment: negative at the bottom, then neutral, then positive."""
    layers = [(s, COLOURS[s], [getattr(d, s) for d in days]) for s in ("negative", "neutral", "positive")]
    return stacked_chart([d.day for d in days], layers, label_of, width, height)


def voice_chart(voice, label_of, width=1100, height=260):
    """Each brand's mentions per day, stacked: the client at the bottom, then its competitors in their order."""
    layers = [(brand.name, brand.color, brand.days) for brand in voice.brands]
    return stacked_chart(voice.days, layers, label_of, width, height)


def share_bar(parts, width=WIDTH, height=24):
    """Shares of a whole as one bar: `parts` is [(kind, count, colour)]; segments (kind, x, width, share, count, colour)."""
    whole = sum(count for _kind, count, _colour in parts)
    segments, x = [], 0.0
    for kind, count, colour in parts:
        share = count / whole if whole else 0.0
        segments.append((kind, x, share * width, share, count, colour))
        x += share * width
    return {"width": width, "height": height, "segments": segments, "empty": not whole}


def split_bar(totals, width=WIDTH, height=24):
    """The period's sentiment split as one bar of three segments."""
    return share_bar([(s, getattr(totals, s), COLOURS[s]) for s in SENTIMENT_ORDER], width, height)


def voice_bar(voice, width=WIDTH, height=24):
    """The period's share of voice as one bar, a segment per brand."""
    return share_bar([(b.name, b.current.total, b.color) for b in voice.brands], width, height)


SENTIMENT_ORDER = ("positive", "neutral", "negative")
