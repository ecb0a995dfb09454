"""The explainable crisis score: a robust baseline of the usual rhythm and five named parts.

Pure functions over bucket counts ({bucket start in epoch seconds: (mentions, negative)}),
no database, so the live detector, the backtest and the tests score exactly the same way.

The scored window is the last hour (four 15-minute buckets) before time t. Its baseline is
the same hour of the week over the previous four weeks (and the half-hours and hours on each
side) with the same hour of the last six days (so it follows a level that drifts), else the
same hour of the previous days, else the previous hours while history is short; the median
and the MAD of those sample windows make it robust to past spikes.
"""
import math
from dataclasses import asdict, dataclass
from statistics import median

STEP = 900
WINDOW = 3600
GROWTH_BUCKETS = 6  # the slope reads the last 90 minutes, so a burst that began an hour ago still shows
HOUR, DAY, WEEK = 3600, 86400, 7 * 86400
WEIGHTS = {"volume": 35, "growth": 20, "negative": 20, "reach": 10, "new_authors": 15}
CHEAP_PARTS = ("volume", "growth", "negative")
AUDIENCE_POINTS = WEIGHTS["reach"] + WEIGHTS["new_authors"]
HIGH_REACH_KINDS = ("rss", "reddit", "hackernews")  # news feeds and large forums, versus single social posts
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Sensitivity:
    """What a rule needs to fire: a total score and a volume clearly above its usual level."""

    score: float
    z: float


SENSITIVITY = {"high": Sensitivity(40, 2.0), "medium": Sensitivity(55, 2.5), "low": Sensitivity(75, 3.0)}


@dataclass(frozen=True)
class Plan:
    """Which sample windows make the baseline at one time, and how they were chosen."""

    mode: str  # weekly | daily | recent | learning
    ends: tuple


@dataclass
class Measure:
    """The window's counts next to its baseline, before any score."""

    t: int
    mode: str
    count: int
    negative: int
    median: float
    scale: float
    z: float
    buckets: list
    slope: float
    share: float
    base_share: float
    samples: int


@dataclass
class Part:
    """One named part of the score: its measured value, its 0-1 level and the points it adds."""

    name: str
    value: float
    level: float
    points: float
    facts: dict

    def as_dict(self):
        """The part as stored in an alert's evidence."""
        return asdict(self)


@dataclass
class Audience:
    """Who spoke in the window: where (reach) and whether they are new to this client."""

    mentions: int
    high_reach: int
    sources: int
    authors: int
    new_authors: int


def floor_step(epoch):
    """The start of the 15-minute bucket holding `epoch`."""
    return int(epoch) - int(epoch) % STEP


def baseline_plan(t, series_start):
    """Choose the sample windows of the baseline at time t from how much history the series has."""
    if series_start is None:
        return Plan("learning", ())

    def usable(ends):
        return tuple(end for end in ends if end - WINDOW >= series_start)

    weekly = usable(t - k * WEEK + s for k in (1, 2, 3, 4) for s in (-HOUR, -HOUR // 2, 0, HOUR // 2, HOUR))
    daily = usable(t - d * DAY + s for d in range(1, 8) for s in (-HOUR, 0, HOUR))
    if len(weekly) >= 10:  # the last six days too, so that the baseline follows a level that drifts
        return Plan("weekly", weekly + tuple(end for end in daily if end > t - 6.5 * DAY))
    if len(daily) >= 6:
        return Plan("daily", daily)
    recent = usable(t - j * HOUR for j in range(1, 25))
    return Plan("recent", recent) if len(recent) >= 6 else Plan("learning", ())


def starts_needed(t, series_start):
    """The bucket starts a measure at time t reads: the window's and every sample window's."""
    starts = set(range(t - GROWTH_BUCKETS * STEP, t, STEP))
    for end in baseline_plan(t, series_start).ends:
        starts.update(range(end - WINDOW, end, STEP))
    return starts


def window_sum(counts, end):
    """(mentions, negative) in the hour before `end`."""
    total = negative = 0
    for start in range(end - WINDOW, end, STEP):
        m, n = counts.get(start, (0, 0))
        total, negative = total + m, negative + n
    return total, negative


def measure(counts, t, series_start):
    """Measure the hour before t against its baseline (median, robust scale, negative share)."""
    plan = baseline_plan(t, series_start)
    count, negative = window_sum(counts, t)
    sums = [window_sum(counts, end) for end in plan.ends]
    samples = [m for m, _ in sums]
    mid = float(median(samples)) if samples else 0.0
    mad = float(median(abs(x - mid) for x in samples)) if samples else 0.0
    scale = max(MAD_TO_SIGMA * mad, math.sqrt(mid), 1.0)  # never below Poisson noise
    buckets = [counts.get(start, (0, 0))[0] for start in range(t - GROWTH_BUCKETS * STEP, t, STEP)]
    middle = (GROWTH_BUCKETS - 1) / 2
    spread = sum((i - middle) ** 2 for i in range(GROWTH_BUCKETS))
    slope = sum((i - middle) * b for i, b in enumerate(buckets)) / spread  # least squares, mentions per 15 min
    base_total, base_negative = sum(m for m, _ in sums), sum(n for _, n in sums)
    return Measure(t=t, mode=plan.mode, count=count, negative=negative, median=mid, scale=scale,
                   z=(count - mid) / scale, buckets=buckets, slope=slope,
                   share=negative / count if count else 0.0,
                   base_share=(base_negative + 1) / (base_total + 5), samples=len(samples))


def _part(name, value, level, **facts):
    level = min(1.0, max(0.0, level))
    return Part(name, round(value, 3), round(level, 3), round(level * WEIGHTS[name], 1), facts)


def cheap_parts(m):
    """Volume, growth and negative share: read from buckets alone."""
    per_bucket = max(m.median / 4, 1.0)
    return {
        "volume": _part("volume", m.z, (m.z - 1) / 5, count=m.count, median=round(m.median, 1),
                        ratio=round(m.count / max(m.median, 1.0), 1), mode=m.mode),
        "growth": _part("growth", m.slope / per_bucket, m.slope / per_bucket / 1.5, buckets=m.buckets,
                        slope=round(m.slope, 1), usual=round(m.median / 4, 1)),
        "negative": _part("negative", m.share, (m.share - m.base_share) / 0.3, negative=m.negative,
                          base_share=round(m.base_share, 3)),
    }


def audience_parts(audience):
    """Reach of the sources and share of new authors: read from the window's mentions."""
    high_share = audience.high_reach / audience.mentions if audience.mentions else 0.0
    new_share = audience.new_authors / audience.authors if audience.authors else 0.0
    return {
        "reach": _part("reach", high_share, 0.6 * high_share + 0.4 * min(audience.sources / 5, 1.0),
                       sources=audience.sources, high_reach=audience.high_reach),
        "new_authors": _part("new_authors", new_share, (new_share - 0.5) / 0.5, authors=audience.authors,
                             new=audience.new_authors),
    }


def total(parts):
    """The crisis score out of 100: the sum of the parts' points."""
    return round(sum(part.points for part in parts.values()), 1)


def worth_auditing(m, cheap_points, sensitivity, min_volume):
    """Tell whether the audience parts could still make this window fire (they cost a query)."""
    rule = SENSITIVITY[sensitivity]
    return (m.mode != "learning" and m.count >= min_volume and m.z >= rule.z
            and cheap_points + AUDIENCE_POINTS >= rule.score)


def fires(m, score, sensitivity, min_volume):
    """Tell whether a window with this measure and score raises an alert."""
    rule = SENSITIVITY[sensitivity]
    return m.mode != "learning" and m.count >= min_volume and m.z >= rule.z and score >= rule.score


def history_points(counts, series_start, ends, sensitivity="medium"):
    """The rolling hourly count at each end, with its baseline median and upper band (for charts)."""
    z = SENSITIVITY[sensitivity].z
    points = []
    for end in ends:
        m = measure(counts, end, series_start)
        learning = m.mode == "learning"
        points.append([end, m.count, m.negative, None if learning else round(m.median, 2),
                       None if learning else round(m.median + z * m.scale, 2)])
    return points
