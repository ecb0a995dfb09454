"""The axes every server-drawn chart shares: whole, evenly spaced steps, and each label once, where it starts."""
from datetime import datetime, timedelta, timezone

from saas.charts import label_starts, nice_top
from tenants.crisis.charts import volume_chart


def test_an_axis_top_gives_four_whole_evenly_spaced_steps():
    for value in (0, 1, 3, 5, 7, 13, 99, 101, 1438, 25_000):
        top = nice_top(value)
        assert top >= max(value, 1) and top % 4 == 0, value
        assert top <= max(8, 2 * value), value  # round, not wasteful
    assert [nice_top(v) for v in (3, 5, 13)] == [4, 8, 16]


def test_a_week_of_hours_labels_each_day_once_at_its_start():
    start = datetime(2026, 11, 22, 14, tzinfo=timezone.utc)  # a Sunday afternoon: that day is cut short
    hours = [start + timedelta(hours=h) for h in range(7 * 24)]
    labels = [f"{moment.day} nov." for moment in hours]
    starts = label_starts(labels, 8)
    assert [labels[i] for i in starts] == [f"{day} nov." for day in range(23, 30)]
    assert all(hours[i].hour == 0 for i in starts)
    assert [labels[i] for i in label_starts(labels, 4)] == ["23 nov.", "25 nov.", "27 nov.", "29 nov."]
    till_just_after_midnight = labels[:155]  # ends at 29 Nov 00:00: that day would be a tick at the chart's edge
    assert [till_just_after_midnight[i] for i in label_starts(till_just_after_midnight, 8)][-1] == "28 nov."
    quarter_hours = [f"{h:02d}:{m:02d}" for h in range(10, 16) for m in (0, 15, 30, 45)]
    assert len(label_starts(quarter_hours, 6)) <= 6 and label_starts(quarter_hours, 6)[0] == 0


def test_a_quiet_client_s_chart_counts_in_whole_steps_and_names_each_day_once():
    start = int(datetime(2026, 11, 22, 14, tzinfo=timezone.utc).timestamp())
    points = [[start + h * 3600, h % 2, 0, None, None] for h in range(7 * 24)]
    chart = volume_chart(points, lambda moment: moment.strftime("%d %b"), x_ticks=8)
    assert [value for _y, value in chart.y_ticks] == [0, 1, 2, 3, 4]
    spacing = {round(b[0] - a[0], 1) for a, b in zip(chart.y_ticks, chart.y_ticks[1:])}
    assert len(spacing) == 1
    days = [label for _x, label in chart.x_ticks]
    assert len(days) == len(set(days)) == 7 and days[0] == "23 Nov"
