"""What every server-drawn chart shares: a round top for an axis of whole-number steps, and x ticks that
fall where their label changes (a day's ticks at the day's start, never the same day twice)."""
import math


def nice_top(value, steps=4):
    """A round top for an axis of `steps` whole-number steps at or above `value` (4, 8, 12, 20, 40, 60...)."""
    raw = max(value, 1) / steps
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if raw <= step * magnitude and (step * magnitude) % 1 == 0:
            return int(step * magnitude) * steps
    return int(10 * magnitude) * steps


def label_starts(labels, most):
    """The indexes of at most `most` ticks among `labels` (one per point, in order): each at the first point of
    a new label, evenly thinned; a first label cut short (a day begun at 14:00) gives way to the next one
    rather than crowd it, and a last one begun just before the end (at the chart's edge) is left out."""
    starts = [i for i, label in enumerate(labels) if i == 0 or label != labels[i - 1]]
    if len(starts) > 2 and starts[1] - starts[0] < (starts[2] - starts[1]) / 2:
        starts = starts[1:]
    if len(starts) > 2 and len(labels) - starts[-1] < (starts[-1] - starts[-2]) / 2:
        starts = starts[:-1]
    return starts[::max(1, math.ceil(len(starts) / max(most, 1)))]
