"""Server-drawn charts: the geometry of an inline SVG (no JavaScript, the CSP allows none inline).

Points are [epoch, mentions in the hour, negative ones, baseline median, upper band] as the
detector's `history_points` makes them; the template only writes the numbers computed here.
"""
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

from saas.charts import label_starts, nice_top

WIDTH, HEIGHT = 760, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 14, 14, 30


@dataclass
class Chart:
    """Everything the SVG template draws, in view-box coordinates."""

    width: int
    height: int
    volume: str = ""
    area: str = ""
    negative: str = ""
    band: str = ""
    median: str = ""
    y_ticks: list = field(default_factory=list)
    x_ticks: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    highlight: tuple | None = None
    baseline_y: float = 0.0
    empty: bool = True


def _path(pairs):
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def volume_chart(points, label_time, marks=(), highlight=None, width=WIDTH, height=HEIGHT, x_ticks=6):
    """Lay out the volume line, the negative line, the usual band and the marked times."""
    chart = Chart(width, height, baseline_y=height - PAD_BOTTOM)
    if not points:
        return chart
    first, last = points[0][0], points[-1][0]
    top = nice_top(max(max(p[1] for p in points), max((p[4] or 0) for p in points), 1))
    plot_w, plot_h = width - PAD_LEFT - PAD_RIGHT, height - PAD_TOP - PAD_BOTTOM

    def x(epoch):
        return PAD_LEFT + (epoch - first) / max(last - first, 1) * plot_w

    def y(value):
        return PAD_TOP + plot_h - min(value, top) / top * plot_h

    line = [(x(p[0]), y(p[1])) for p in points]
    chart.volume = _path(line)
    chart.area = _path([(line[0][0], y(0)), *line, (line[-1][0], y(0))])
    chart.negative = _path((x(p[0]), y(p[2])) for p in points)
    known = [p for p in points if p[3] is not None]
    if known:
        lower = [(x(p[0]), y(max(0.0, 2 * p[3] - p[4]))) for p in known]
        upper = [(x(p[0]), y(p[4])) for p in known]
        chart.band = _path(upper + lower[::-1])
        chart.median = _path((x(p[0]), y(p[3])) for p in known)
    chart.y_ticks = [(round(y(top // 4 * i), 1), top // 4 * i) for i in range(5)]
    labels = [label_time(_moment(p[0])) for p in points]
    chart.x_ticks = [(round(x(points[i][0]), 1), labels[i]) for i in label_starts(labels, x_ticks)]
    chart.marks = [(round(x(t), 1), label) for t, label in marks if first <= t <= last]
    if highlight is not None:
        left, right = max(highlight[0], first), min(highlight[1], last)
        chart.highlight = (round(x(left), 1), round(max(x(right) - x(left), 2.0), 1))
    chart.empty = False
    return chart


def _moment(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc)


def score_ring(score, radius=44):
    """The dash lengths of a circular gauge filled to `score` out of 100."""
    circumference = 2 * math.pi * radius
    filled = circumference * max(0.0, min(score, 100.0)) / 100
    return {"radius": radius, "filled": round(filled, 1), "rest": round(circumference - filled, 1)}
