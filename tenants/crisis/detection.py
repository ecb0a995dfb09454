"""One detector pass for the current agency: update the buckets, score every active rule, raise alerts.

The pass is one transaction: the watermark, the buckets, the alerts and their delivery rows
commit together or not at all, so a pass that dies is simply done again by the next one.
The agency's state row is locked (SKIP LOCKED): two passes never run for one agency at once.
"""
from dataclasses import dataclass, field

from sqlalchemy import select, update

from saas import db, tenancy
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.crisis import baseline, buckets, detector
from tenants.crisis.deliveries import sweep_deliveries
from tenants.crisis.evidence import audience_of, window_mentions
from tenants.crisis.incidents import handle_buzz, handle_firing
from tenants.crisis.models import AlertRule, DetectorState


@dataclass
class PassReport:
    """What one pass did, for logs and benchmarks."""

    skipped: bool = False
    new_buckets: int = 0
    rules: int = 0
    audited: int = 0
    alerts: list = field(default_factory=list)


def lock_state():
    """The agency's detector state, locked for this transaction; None when another pass holds it."""
    db.insert_ignoring_duplicates(DetectorState, [{"agency_id": tenancy.current_agency_id(), "last_mention_id": 0}],
                                  ["agency_id"])
    return db.session.scalar(select(DetectorState).with_for_update(skip_locked=True))


def active_rules():
    """The agency's active rules on clients that are not archived."""
    return db.session.scalars(select(AlertRule).join(Client, Client.id == AlertRule.client_id)
                              .where(AlertRule.active.is_(True), Client.archived_at.is_(None))
                              .order_by(AlertRule.id)).all()


def note_series_starts(rules, firsts):
    """Move a rule's series start back when older mentions of its series arrived (never before its client's
    sources were first fetched: what they listed from before is a partial past, `buckets.coverage_starts`)."""
    by_client = {}
    for (client_id, keyword_id), hour in firsts.items():
        by_client.setdefault(client_id, []).append((keyword_id, hour))
    coverage = buckets.coverage_starts(set(by_client))
    for rule in rules:
        hours = [hour for keyword_id, hour in by_client.get(rule.client_id, ())
                 if rule.keyword_id in (None, keyword_id)]
        if not hours:
            continue
        start = buckets.series_start(min(hours), rule.client_id, coverage)
        if rule.series_start is None or start < buckets.to_epoch(rule.series_start):
            rule.series_start = buckets.from_epoch(start)


def series_start_of(rule):
    """A rule's first bucket in epoch seconds, or None."""
    return buckets.to_epoch(rule.series_start) if rule.series_start else None


def evaluate(rule, counts, t, prior=None):
    """Judge a rule's last hour; the audience parts (and the window's mentions) are read only if it alerts."""
    mentions = []

    def audience():
        mentions.extend(window_mentions(rule.client_id, rule.keyword_id, t))
        return audience_of(mentions, rule.client_id, t)

    result = detector.assess(counts, t, series_start_of(rule), rule.sensitivity, rule.min_volume,
                             audience=audience, prior=prior)
    return result, mentions


def agency_prior(results):
    """The agency's typical hour: the median usual level of its clients past their learning (None if none)."""
    levels = sorted(result.measure.median for result, _mentions in results.values()
                    if result.measure.mode not in baseline.COLD_MODES)
    return levels[len(levels) // 2] if levels else None


def watched_counts(rule, series, totals):
    """The bucket counts a rule watches: its keyword's, else its client's over every keyword."""
    if rule.keyword_id is not None:
        return series.get((rule.client_id, rule.keyword_id), {})
    return totals.get(rule.client_id, {})


def score_rules(rules, t, now, report):
    """Judge every rule's hour before t, raise the alerts that fire, and record each rule's last score.

    A client still learning its usual levels is judged against the agency's typical hour (the
    platform's while the agency has none), so it is covered from its first hour.
    """
    starts = set().union(*(baseline.starts_needed(t, series_start_of(rule)) for rule in rules))
    series = buckets.load_counts({rule.client_id for rule in rules}, starts)
    totals = buckets.client_totals(series)
    results = {rule.id: evaluate(rule, watched_counts(rule, series, totals), t) for rule in rules}
    prior = agency_prior(results)
    scores = []
    for rule in rules:
        result, mentions = results[rule.id]
        if result.measure.mode in baseline.COLD_MODES and prior is not None:
            result, mentions = evaluate(rule, watched_counts(rule, series, totals), t, prior)
        report.audited += bool(mentions)
        scores.append({"agency_id": rule.agency_id, "id": rule.id, "last_score": result.score, "last_evaluated_at": now})
        alert = None
        if result.kind == "crisis":
            alert = handle_firing(rule, result.measure, result.parts, result.score, mentions, t, now)
        elif result.kind == "buzz" and rule.notify_buzz:
            alert = handle_buzz(rule, result.measure, result.parts, result.score, mentions, t, now)
        report.alerts += [alert.id] if alert is not None else []
    db.session.execute(update(AlertRule), scores)  # one batched UPDATE by primary key (agency_id, id)


def run_pass(now=None):
    """Run one detector pass for the current agency; return what it did."""
    now = now or utcnow()
    state = lock_state()
    if state is None:
        return PassReport(skipped=True)
    rules = active_rules()
    hours, firsts = buckets.collect_new_hours(state, {rule.client_id for rule in rules}, now)
    report = PassReport(new_buckets=buckets.rewrite_buckets(hours), rules=len(rules))
    note_series_starts(rules, firsts)
    if rules:
        score_rules(rules, baseline.floor_step(buckets.to_epoch(now)), now, report)
    state.last_run_at = now
    sweep_deliveries()
    return report
