"""Backtest a rule over stored history: when it would have fired, which kind of alert, with which score.

The live detector is replayed every 15 minutes over the last 30 days, with the rule's settings
or the ones being tuned, on the same buckets and the same tests; the audience parts read
mentions only where a step alerts, as live. Live, a rule stays silent while its crisis is
open; here an episode ends when the window stops alerting. A change of settings is shown
against the saved ones: the alerts it would add and those it would drop, with their times.
"""
from dataclasses import dataclass, field

from saas.db import utcnow
from tenants.crisis import baseline, detector
from tenants.crisis.buckets import load_range, to_epoch
from tenants.crisis.evidence import audience_of, window_mentions

DAYS = 30
SAME_ALERT = 2 * 3600  # two alerts of the same kind this close are the same one, moved
MAX_AUDITS = 300


@dataclass
class Firing:
    """A step where the rule would have fired."""

    t: int
    kind: str
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


def _assess(rule, counts, t, series_start, settings, audit):
    audience = None
    if audit:
        def audience():
            return audience_of(window_mentions(rule.client_id, rule.keyword_id, t), rule.client_id, t)
    return detector.assess(counts, t, series_start, settings.sensitivity, settings.min_volume, audience=audience)


def backtest_rule(rule, sensitivity=None, min_volume=None, cooldown_minutes=None, days=DAYS, now=None,
                  counts=None):
    """Replay a rule (or its tuned settings) over the last `days` days of buckets."""
    result = Backtest(sensitivity or rule.sensitivity, rule.min_volume if min_volume is None else min_volume,
                      rule.cooldown_minutes if cooldown_minutes is None else cooldown_minutes, days)
    end = baseline.floor_step(to_epoch(now or utcnow()))
    begin = end - days * baseline.DAY
    series_start = to_epoch(rule.series_start) if rule.series_start else None
    if counts is None:
        counts = load_range(rule.client_id, rule.keyword_id, begin - 4 * baseline.WEEK - baseline.DAY, end)
    last_fire, episode, audits = {}, None, 0
    for t in range(begin + baseline.STEP, end + baseline.STEP, baseline.STEP):
        judged = _assess(rule, counts, t, series_start, result, audit=audits < MAX_AUDITS)
        kind = judged.kind if judged.kind != "buzz" or rule.notify_buzz else None
        quiet = kind is not None and (episode == kind or (
            kind in last_fire and t - last_fire[kind] < detector.cooldown_seconds(kind, result.cooldown_minutes)))
        audits += len(judged.parts) > len(detector.CHEAP_PARTS)
        firing = Firing(t, kind or "", judged.score, judged.measure.count, round(judged.measure.median, 1),
                        judged.parts)
        if kind is None or not quiet:
            if result.peak is None or judged.score > result.peak.score:
                result.peak = firing
        if kind is not None and not quiet:
            result.firings.append(firing)
            last_fire[kind] = t
        episode = kind
        result.steps += 1
    result.chart = detector.history_points(counts, series_start, range(begin + baseline.HOUR, end + 1, baseline.HOUR),
                                           result.sensitivity)
    return result


@dataclass
class Comparison:
    """What a change of settings would have done: the alerts it adds and those it drops."""

    saved: Backtest
    tuned: Backtest
    added: list = field(default_factory=list)
    dropped: list = field(default_factory=list)

    @property
    def changed(self):
        """Tell whether the tuned settings differ from the saved ones."""
        return (self.saved.sensitivity, self.saved.min_volume, self.saved.cooldown_minutes) != (
            self.tuned.sensitivity, self.tuned.min_volume, self.tuned.cooldown_minutes)


def _unmatched(firings, others):
    return [f for f in firings if not any(o.kind == f.kind and abs(o.t - f.t) <= SAME_ALERT for o in others)]


def compare(rule, sensitivity=None, min_volume=None, cooldown_minutes=None, days=DAYS, now=None):
    """Backtest the rule's saved settings and the tuned ones on the same buckets, and tell the difference."""
    now = now or utcnow()
    end = baseline.floor_step(to_epoch(now))
    counts = load_range(rule.client_id, rule.keyword_id, end - days * baseline.DAY - 4 * baseline.WEEK - baseline.DAY,
                        end)
    tuned = backtest_rule(rule, sensitivity, min_volume, cooldown_minutes, days, now, counts)
    if (tuned.sensitivity, tuned.min_volume, tuned.cooldown_minutes) == (
            rule.sensitivity, rule.min_volume, rule.cooldown_minutes):
        return Comparison(tuned, tuned)
    saved = backtest_rule(rule, days=days, now=now, counts=counts)
    return Comparison(saved, tuned, _unmatched(tuned.firings, saved.firings), _unmatched(saved.firings, tuned.firings))
