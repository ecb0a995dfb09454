"""The crisis detector's baseline: what an hour of a client usually holds at a given time.

Pure functions over bucket counts ({bucket start in epoch seconds: (mentions, negative)}), no
database. The judged window is the last hour (four 15-minute buckets) before time t, and its last
15 and 30 minutes. Its baseline knows the week: the same hour of the week over up to four past
weeks (median over weeks, so an event seen on two weeks out of three is usual; a holiday week is
outvoted), raised to the same hour of the last three days of the same kind (weekdays or weekend
days) when the level has moved up; with under two weeks, the same hour of the previous days; with
under two days, the busier previous hours and a platform prior. The last 15 and 30 minutes are
judged against their own usual part of the hour (an office opening at 9:00 puts all of 8:30-9:30
in its last two buckets). The tests that judge a window against it are in `detector.py`.
"""
import math
from dataclasses import dataclass, field
from statistics import median

from tenants.crisis.stats import quantile

STEP = 900
HOUR, DAY, WEEK = 3600, 86400, 7 * 86400
WINDOW = 3600
GROWTH_BUCKETS = 6  # the slope reads the last 90 minutes, so a burst that began an hour ago still shows
MAD_TO_SIGMA = 1.4826
WEEK_OFFSETS = (-HOUR // 2, 0, HOUR // 2)
SHORT_WINDOWS = (1, 2)  # buckets: a burst is tested on its first 15 and 30 minutes too
COLD_MODES = ("recent", "learning")
PRIOR_HOURLY = 5.0  # the platform's typical hour for a client, until the agency's is known
PRIOR_SHARE = 0.15  # the platform's typical share of negative mentions
PRIOR_STRENGTH = 20  # the prior share weighs as much as 20 mentions
MAX_SHARE_STRENGTH = 200  # the usual share never weighs more than 200 mentions (it wanders from hour to hour)
MAX_DISPERSION = 10.0
OVERDISPERSION = 30.0  # an hour's variance is at least mean + mean²/30 (gamma-Poisson)
FULL_HISTORY_HOURS = 14 * 24  # two weeks: the hour-of-week baseline
MIN_MAD_SAMPLES = 4
# the usual negative share also reads the day before the window (a day of mentions, where the sample hours hold
# a few hundred at most: their share alone strays by chance, and a share read too low made a usual hour look
# like a negative shift); the hour just before the window is left out, where a turn may have begun
SHARE_HOURS, SHARE_SKIP = 24, 2
SHAPE_STRENGTH = 40  # mentions: the usual shape of an hour's last 15 and 30 minutes is shrunk towards an even one


@dataclass(frozen=True)
class Plan:
    """Which sample windows make the baseline at one time, and how they were chosen."""

    mode: str  # weekly | daily | recent | learning
    ends: tuple
    weekly: int = 0  # in weekly mode, the first `weekly` ends are the past weeks' (the rest: the last days)


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
    dispersion: float = 1.0  # variance over mean of the samples (1: Poisson)
    strength: float = 0.0  # how many mentions the usual negative share rests on (the prior's included)
    recent: list = field(default_factory=list)  # (mentions, negative) of the last 1 and 2 buckets
    short_usual: list = field(default_factory=list)  # the usual mentions of the last 1 and 2 buckets


def floor_step(epoch):
    """The start of the 15-minute bucket holding `epoch`."""
    return int(epoch) - int(epoch) % STEP


def baseline_plan(t, series_start):
    """Choose the sample windows of the baseline at time t from how much history the series has.

    weekly: the same hour of the week (and the half-hours on each side) over up to four past weeks,
    once two weeks are there, next to the same hour of the last seven days (the floor of a level
    that drifts up); daily: the same hour (and the half-hours on each side) of the previous days, once
    two days are there; recent: the previous hours, after six; learning before that (its few whole
    hours, next to the prior).
    """
    if series_start is None:
        return Plan("learning", ())

    def usable(ends):
        return tuple(end for end in ends if end - WINDOW >= series_start)

    weekly = usable(t - k * WEEK + s for k in (1, 2, 3, 4) for s in WEEK_OFFSETS)
    if len(weekly) >= 2 * len(WEEK_OFFSETS):
        return Plan("weekly", weekly + usable(recent_days(t)), len(weekly))
    daily = usable(t - d * DAY + s for d in range(1, 8) for s in WEEK_OFFSETS)
    if len(daily) >= 6:
        return Plan("daily", daily)
    recent = usable(t - j * HOUR for j in range(1, 25))
    # while learning, the few whole hours already seen still tell the client's level and share (a client
    # that runs at 35% negatives from its first hour is not in crisis at its third)
    return Plan("recent", recent) if len(recent) >= 6 else Plan("learning", recent)


def _weekend(epoch):
    return (epoch // DAY + 3) % 7 >= 5  # 1 January 1970 was a Thursday


def recent_days(t):
    """The same hour on the last three days of the same kind (weekdays, or weekend days) within a week."""
    ends = [t - d * DAY for d in range(1, 8) if _weekend(t - d * DAY - 1) == _weekend(t - 1)]
    return ends[:3]


def learning_hours(t, series_start):
    """(hours of history, hours a full baseline needs): the learning state a page shows."""
    if series_start is None:
        return 0, FULL_HISTORY_HOURS
    return max(0, min(FULL_HISTORY_HOURS, (t - series_start) // HOUR)), FULL_HISTORY_HOURS


def starts_needed(t, series_start):
    """The bucket starts a measure at time t reads: the window's and every sample window's."""
    starts = set(range(t - GROWTH_BUCKETS * STEP, t, STEP))
    starts.update(range(t - (SHARE_SKIP + SHARE_HOURS) * HOUR, t - SHARE_SKIP * HOUR, STEP))
    for end in baseline_plan(t, series_start).ends:
        starts.update(range(end - WINDOW, end, STEP))
    return starts


def window_sum(counts, end, width=WINDOW):
    """(mentions, negative) in the `width` seconds before `end`."""
    total = negative = 0
    for start in range(end - width, end, STEP):
        m, n = counts.get(start, (0, 0))
        total, negative = total + m, negative + n
    return total, negative


def measure(counts, t, series_start, prior=None):
    """Measure the hour before t against its baseline (median, robust scale, negative share)."""
    plan = baseline_plan(t, series_start)
    count, negative = window_sum(counts, t)
    sums = [window_sum(counts, end) for end in plan.ends]
    if plan.mode == "weekly":
        size = plan.weekly
        weeks = {}  # each past week: its hour and the half-hours around it, averaged (an event a little early or
        # late is still the event); grouped by week, as the oldest week may lack a half-hour
        for end, (mentions, _n) in zip(plan.ends[:size], sums[:size]):
            weeks.setdefault(round((t - end) / WEEK), []).append(mentions)
        samples = [sum(week) / len(week) for _k, week in sorted(weeks.items())]
        recent = [m for m, _ in sums[size:]]
        # a level that moved up (a ramp, a campaign) shows both last week and on the last days: the lower of
        # the two raises the weeks' median (either alone is too noisy, or a one-off)
        moved = min(samples[0], float(median(recent))) if recent else 0.0
        mid = max(float(median(samples)), moved)
    elif plan.mode == "recent":
        samples = [m for m, _ in sums]
        mid = quantile(samples, 0.75)  # a short history: the busier hours, not the night, are usual
    else:
        samples = [m for m, _ in sums]
        mid = float(median(samples)) if samples else 0.0
    if samples and plan.mode != "recent":
        cut = max(1, len(samples) // 5) if len(samples) >= 3 else 0
        trimmed = sorted(samples)[cut:len(samples) - cut]
        mid = max(mid, sum(trimmed) / len(trimmed))  # a low series' median is often 0: its trimmed mean is not
    if plan.mode in COLD_MODES:
        mid = max(mid, PRIOR_HOURLY if prior is None else prior)
    centre = float(median(samples)) if samples else 0.0
    # the MAD of two or three samples is half a difference, noise itself: the model's spread alone then
    mad = float(median(abs(x - centre) for x in samples)) if len(samples) >= MIN_MAD_SAMPLES else 0.0
    scale = max(MAD_TO_SIGMA * mad, math.sqrt(mid + mid * mid / OVERDISPERSION), 1.0)  # never below the noise
    buckets = [counts.get(start, (0, 0))[0] for start in range(t - GROWTH_BUCKETS * STEP, t, STEP)]
    middle = (GROWTH_BUCKETS - 1) / 2
    spread = sum((i - middle) ** 2 for i in range(GROWTH_BUCKETS))
    slope = sum((i - middle) * b for i, b in enumerate(buckets)) / spread  # least squares, mentions per 15 min
    share_end = t - SHARE_SKIP * HOUR
    share_start = max(share_end - SHARE_HOURS * HOUR, series_start or 0)  # never the backlog before the series
    share_sums = sums + ([window_sum(counts, share_end, share_end - share_start)] if share_end > share_start else [])
    base_total, base_negative = sum(m for m, _ in share_sums), sum(n for _, n in share_sums)
    strength = min(base_total, MAX_SHARE_STRENGTH)
    base_share = (base_negative / base_total if base_total else PRIOR_SHARE)
    base_share = (base_share * strength + PRIOR_SHARE * PRIOR_STRENGTH) / (strength + PRIOR_STRENGTH)
    # counts vary more than a Poisson's, the more so the busier the client: never assume less than
    # OVERDISPERSION says (a few samples' MAD is often small by chance)
    dispersion = min(MAX_DISPERSION, max(1.0 + mid / OVERDISPERSION, (MAD_TO_SIGMA * mad) ** 2 / max(mid, 1.0)))
    return Measure(t=t, mode=plan.mode, count=count, negative=negative, median=mid, scale=scale,
                   z=(count - mid) / scale, buckets=buckets, slope=slope,
                   share=negative / count if count else 0.0, base_share=base_share, samples=len(samples),
                   dispersion=dispersion, strength=strength + PRIOR_STRENGTH,
                   recent=[window_sum(counts, t, w * STEP) for w in SHORT_WINDOWS],
                   short_usual=short_usual(counts, t, plan, mid))


def short_usual(counts, t, plan, mid):
    """The usual mentions of the last 15 and 30 minutes: their part of the usual hour, at least an even one.

    Read from the same minutes of the samples taken at the same time (not the half-hours around), so
    that an office opening at 9:00 is usual at 9:30 with all of its hour in the last two buckets."""
    if plan.mode in COLD_MODES:
        return [mid * w / 4 for w in SHORT_WINDOWS]
    aligned = [end for end in plan.ends if (t - end) % HOUR == 0]
    hour = sum(window_sum(counts, end)[0] for end in aligned)
    return [mid * max(w / 4, (sum(window_sum(counts, end, w * STEP)[0] for end in aligned) + SHAPE_STRENGTH * w / 4)
                      / (hour + SHAPE_STRENGTH)) for w in SHORT_WINDOWS]
