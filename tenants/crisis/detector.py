"""The crisis detector: three tests against the baseline, two kinds of alert, five named parts.

Pure functions over bucket counts ({bucket start in epoch seconds: (mentions, negative)}),
no database, so the live detector, the backtest, the quality benchmark and the tests judge
exactly the same way. The baseline (what the hour before time t usually holds) is `baseline.py`;
three tests then decide (`assess`):
  - volume: the count against the usual level on a variance-stabilised scale, with the
    minimum volume adapted to a small brand's usual hour;
  - negative share: a beta-binomial test of the negatives against the client's usual share,
    with a minimum count: it alerts on its own, even at constant volume;
  - absolute: a few negative mentions (plus three times the usual hour's negatives) making half the hour is a
    crisis whatever the history (a small brand, a new client); and for a small brand (a usual hour of at most 2
    mentions), three negatives in half an hour that its usual level makes nearly impossible (HALF_HOUR_EXTRA).
A negative shift, the absolute rule, or a surge with more negatives than usual (p < 0.001) is a crisis;
a surge with the usual share or fewer negatives is a buzz.
"""
import math
from dataclasses import asdict, dataclass

from tenants.crisis.baseline import COLD_MODES, SHORT_WINDOWS, STEP, Measure, measure
from tenants.crisis.stats import negative_tail, poisson_tail, volume_z

WEIGHTS = {"volume": 30, "growth": 15, "negative": 30, "reach": 10, "new_authors": 15}
CHEAP_PARTS = ("volume", "growth", "negative")
AUDIENCE_POINTS = WEIGHTS["reach"] + WEIGHTS["new_authors"]
HIGH_REACH_KINDS = ("rss", "reddit", "hackernews")  # news feeds and large forums, versus single social posts


@dataclass(frozen=True)
class Sensitivity:
    """What a rule needs to fire, per sensitivity.

    score: the score shown at the alert (`calibrated`: a window that alerts scores at least this much,
    one that does not scores less);
    z: the band drawn on charts; volume: the variance-stabilised volume z of a surge;
    negative: -log10 of the negative-share test's tail probability; min_negative: negatives a
    negative shift needs; absolute: negatives in an hour, at half or more of the mentions, that
    are a crisis whatever the history; floor: the smallest minimum volume of a small brand.
    """

    score: float
    z: float
    volume: float = 2.5
    negative: float = 4.0
    min_negative: int = 4
    absolute: int = 5
    floor: int = 6


SENSITIVITY = {"high": Sensitivity(40, 2.0, 3.5, 3.5, 3, 3, 4),
               "medium": Sensitivity(55, 2.5, 4.0, 4.5, 4, 4, 6),
               "low": Sensitivity(75, 3.0, 5.0, 5.5, 6, 6, 10)}
SHORT_PENALTY = {1: 1.0, 2: 0.5}  # more windows tested, more evidence asked of the short ones
SHARE_MARGIN = 0.2  # a negative shift is at least 20 points above the usual share
COLD_EXTRA = 3.0  # with under two days of history, volume alone alerts only when far above the prior
ELEVATED = 3.0  # -log10(0.001): a surge whose negatives are above the usual share by this much is a crisis
BUZZ_EXTRA = 0.5  # a buzz needs a volume z this much above the sensitivity's
BUZZ_COOLDOWN = 24 * 3600  # a buzz is news, not an emergency: once a day at most per rule
SMALL_BRAND_HOURLY = 2.0  # a usual hour of at most 2 mentions: a small brand, for the half-hour absolute rule
HALF_HOUR_EXTRA = 0.5  # its Poisson tail under 10^-(negative test + this): 10^-5 at medium, <= 0.03 false alarms a month


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


@dataclass
class Tests:
    """The detector's three tests on one window: volume, negative share, the absolute rule."""

    volume: float  # best volume z over the short windows and the hour, less each window's penalty
    negative: float  # -log10 of the best negative-share tail probability
    negative_window: int  # buckets of the window the negative test found
    absolute: bool
    min_volume: int
    absolute_minutes: int = 60  # the window the absolute rule fired on: the hour, or a small brand's half hour


def effective_min_volume(usual, min_volume, sensitivity):
    """The minimum volume of a window: the rule's, lowered for a small brand to a few times its usual hour."""
    floor = SENSITIVITY[sensitivity].floor
    return int(min(min_volume, max(floor, math.ceil(3 * usual))))


def run_tests(m, sensitivity, min_volume):
    """Run the volume, negative-share and absolute tests on a measure."""
    rule = SENSITIVITY[sensitivity]
    windows = [(w, c, n) for w, (c, n) in zip(SHORT_WINDOWS, m.recent)] + [(4, m.count, m.negative)]
    usual = dict(zip(SHORT_WINDOWS, m.short_usual or [m.median * w / 4 for w in SHORT_WINDOWS]))
    usual[4] = m.median
    volume = max(volume_z(c, usual[w], m.dispersion) - SHORT_PENALTY.get(w, 0.0) for w, c, _n in windows)
    best, where = 0.0, 4
    for w, c, n in windows:
        if n < rule.min_negative or n / c < m.base_share + SHARE_MARGIN:
            continue
        level = -math.log10(max(negative_tail(n, c, m.base_share, m.strength), 1e-300)) - SHORT_PENALTY.get(w, 0.0)
        if level > best:
            best, where = level, w
    expected = m.median * m.base_share  # negatives in a usual hour
    absolute = m.negative >= rule.absolute + 3 * expected and m.share >= max(0.5, m.base_share + SHARE_MARGIN)
    # a small brand's bad half hour: negatives arriving fast where an hour usually holds a mention or two
    half, half_negative = m.recent[-1] if m.recent else (0, 0)
    absolute_minutes = 60
    if (not absolute and m.median <= SMALL_BRAND_HOURLY and half_negative >= max(3, rule.absolute - 1)
            and half_negative >= 0.75 * half
            and -math.log10(poisson_tail(half_negative, max(expected / 2, 0.01))) >= rule.negative + HALF_HOUR_EXTRA):
        absolute, absolute_minutes = True, SHORT_WINDOWS[-1] * STEP // 60
    return Tests(volume=round(volume, 2), negative=round(best, 2), negative_window=where, absolute=absolute,
                 min_volume=effective_min_volume(m.median, min_volume, sensitivity), absolute_minutes=absolute_minutes)


def decide(m, tests, sensitivity):
    """crisis, buzz or None: a negative shift (or the absolute rule) is a crisis on its own; a volume
    surge is a crisis when its share of negatives is above usual, else a buzz."""
    rule = SENSITIVITY[sensitivity]
    negative = tests.negative >= rule.negative
    z = rule.volume + (COLD_EXTRA if m.mode in COLD_MODES else 0.0)
    surge = m.mode != "learning" and tests.volume >= z and m.count >= tests.min_volume
    if negative or tests.absolute:
        return "crisis"
    if surge and tests.negative >= ELEVATED:  # more negatives than usual (by the test, at p < 0.001): a crisis
        return "crisis"
    # a buzz is no emergency: it asks for a clearer surge, and a known rhythm (while learning, a surge
    # cannot be told from the client's usual mornings)
    if surge and m.mode not in COLD_MODES and tests.volume >= z + BUZZ_EXTRA:
        return "buzz"
    return None


def cooldown_seconds(kind, cooldown_minutes):
    """How long a rule stays quiet after an alert of this kind: its cooldown, and a day at least for a buzz."""
    return max(cooldown_minutes * 60, BUZZ_COOLDOWN if kind == "buzz" else 0)


def _part(name, value, level, **facts):
    level = min(1.0, max(0.0, level))
    return Part(name, round(value, 3), round(level, 3), round(level * WEIGHTS[name], 1), facts)


def cheap_parts(m, tests=None):
    """Volume, growth and negative share: read from buckets alone (the tests at medium unless given)."""
    tests = tests or run_tests(m, "medium", 10)
    per_bucket = max(m.median / 4, 1.0)
    return {
        "volume": _part("volume", tests.volume, (tests.volume - 1) / 5, count=m.count, median=round(m.median, 1),
                        ratio=round(m.count / max(m.median, 1.0), 1), mode=m.mode),
        "growth": _part("growth", m.slope / per_bucket, m.slope / per_bucket / 1.5, buckets=m.buckets,
                        slope=round(m.slope, 1), usual=round(m.median / 4, 1)),
        "negative": _part("negative", m.share, tests.negative / 6, negative=m.negative,
                          base_share=round(m.base_share, 3), evidence=tests.negative,
                          minutes=tests.negative_window * STEP // 60, absolute=tests.absolute,
                          absolute_minutes=tests.absolute_minutes),
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


@dataclass
class Assessment:
    """A window judged: its measure, its tests, its kind of alert (crisis, buzz or None), its parts and score."""

    measure: Measure
    tests: Tests
    kind: str | None
    parts: dict
    score: float


def assess(counts, t, series_start, sensitivity, min_volume, audience=None, prior=None):
    """Judge the hour before t; `audience` (a callable, it costs a query) is read only when an alert fires."""
    m = measure(counts, t, series_start, prior)
    tests = run_tests(m, sensitivity, min_volume)
    kind = decide(m, tests, sensitivity)
    parts = cheap_parts(m, tests)
    if kind is not None and audience is not None:
        parts.update(audience_parts(audience()))
    return Assessment(m, tests, kind, parts, calibrated(total(parts), kind, sensitivity))


def calibrated(points, kind, sensitivity):
    """The score a page shows: the parts' points, at the rule's threshold or above when a test fires and
    below it when none does, so that the threshold mark on every meter means "alerts from here"."""
    threshold = SENSITIVITY[sensitivity].score
    if kind is not None:
        return max(points, threshold)
    return min(points, threshold - 1)


def history_points(counts, series_start, ends, sensitivity="medium"):
    """The rolling hourly count at each end, with its baseline median and upper band (for charts)."""
    z = SENSITIVITY[sensitivity].z
    points = []
    for end in ends:
        m = measure(counts, end, series_start)
        learning = m.mode in COLD_MODES
        points.append([end, m.count, m.negative, None if learning else round(m.median, 2),
                       None if learning else round(m.median + z * m.scale, 2)])
    return points
