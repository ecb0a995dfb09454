"""Backtest a rule over stored history: when it would have fired, and with which score.

The live detector is replayed every 15 minutes over the last days, with the rule's settings
or the ones being tuned, on the same buckets and the same score; the audience parts read
mentions only where a step could fire, as live. Live, a rule stays silent while its crisis
is open; here an episode ends when the score falls back below the threshold.
"""
from dataclasses import dataclass, field

from saas.db import utcnow
from tenants.crisis import detector
from tenants.crisis.buckets import load_range, to_epoch
from tenants.crisis.evidence import audience_of, window_mentions

DAYS = 14
MAX_AUDITS = 300


@dataclass
class Firing:
    """A step where the rule would have fired."""

    t: int
    score: float
    count: int
    median: float
    parts: dict


@dataclass
class Backtest:
    """The replay of a rule: its settings, the firings, the highest score seen."""

    sensitivity: str
    min_volume: int
    cooldown_minutes: int
    days: int
    steps: int = 0
    firings: list = field(default_factory=list)
    peak: Firing | None = None  # the highest score outside the quiet times (an episode, a cooldown)
    chart: list = field(default_factory=list)


def _score(rule, counts, t, series_start, settings, audit):
    m = detector.measure(counts, t, series_start)
    parts = detector.cheap_parts(m)
    score = detector.total(parts)
    if audit and detector.worth_auditing(m, score, settings.sensitivity, settings.min_volume):
        mentions = window_mentions(rule.client_id, rule.keyword_id, t)
        parts.update(detector.audience_parts(audience_of(mentions, rule.client_id, t)))
        score = detector.total(parts)
    return m, parts, score


def backtest_rule(rule, sensitivity=None, min_volume=None, cooldown_minutes=None, days=DAYS, now=None):
    """Replay a rule (or its tuned settings) over the last `days` days of buckets."""
    result = Backtest(sensitivity or rule.sensitivity, rule.min_volume if min_volume is None else min_volume,
                      rule.cooldown_minutes if cooldown_minutes is None else cooldown_minutes, days)
    end = detector.floor_step(to_epoch(now or utcnow()))
    begin = end - days * detector.DAY
    series_start = to_epoch(rule.series_start) if rule.series_start else None
    counts = load_range(rule.client_id, rule.keyword_id, begin - 4 * detector.WEEK - detector.DAY, end)
    last_fire, in_episode, audits = None, False, 0
    for t in range(begin + detector.STEP, end + detector.STEP, detector.STEP):
        quiet = in_episode or (last_fire is not None and t - last_fire < result.cooldown_minutes * 60)
        m, parts, score = _score(rule, counts, t, series_start, result, audit=not quiet and audits < MAX_AUDITS)
        audits += len(parts) > len(detector.CHEAP_PARTS)
        firing = Firing(t, score, m.count, round(m.median, 1), parts)
        if not quiet and (result.peak is None or score > result.peak.score):
            result.peak = firing
        hot = detector.fires(m, score, result.sensitivity, result.min_volume)
        if quiet:
            hot = in_episode and detector.worth_auditing(m, score, result.sensitivity, result.min_volume)
        elif hot:
            result.firings.append(firing)
            last_fire = t
        in_episode = hot
        result.steps += 1
    result.chart = detector.history_points(counts, series_start, range(begin + detector.HOUR, end + 1, detector.HOUR),
                                           result.sensitivity)
    return result
