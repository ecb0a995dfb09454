"""What each crisis page shows: the context its template needs, built from the services."""
from flask import request
from sqlalchemy import select

from saas import db, params
from saas.db import utcnow
from saas.i18n import format_datetime, format_time
from tenants.clients.models import Client
from tenants.crisis import backtest, baseline, charts, detector, explain, incidents, service
from tenants.crisis.alerts import list_deliveries, sample_mentions_of
from tenants.crisis.buckets import from_epoch, to_epoch
from tenants.crisis.crisis_card import card_of
from tenants.crisis.models import AlertRule, Crisis
from tenants.monitoring.models import Keyword


def short_time(moment):
    """A chart tick: the hour, in the agency's time zone."""
    return format_time(moment, "HH:mm")


def short_day(moment):
    """A chart tick: the day, in the agency's time zone."""
    return format_datetime(moment, "d MMM")


def rule_form_context(client, values, errors):
    """What the rule form needs: the client's keywords, the team, the choices."""
    keywords = db.session.scalars(select(Keyword).where(Keyword.of_client(client.id)).order_by(Keyword.id)).all()
    return {"client": client, "values": values, "errors": errors, "keywords": keywords,
            "members": service.staff_members(), "sensitivities": explain.SENSITIVITY_LABELS,
            "sensitivity_hints": explain.SENSITIVITY_HINTS,
            "thresholds": detector.SENSITIVITY}


def client_page(client, values=None, errors=None):
    """A client's crisis watch: the week's signal (all keywords or one), its rules, its crises, the rule form."""
    summary = service.keyword_summary(client.id)
    keyword_id = params.id_arg("keyword")
    keyword_id = keyword_id if keyword_id in {k.id for k, _m, _s in summary} else None
    points = service.client_signal(client.id, keyword_id)
    rules = service.list_rules(client.id)
    return {"signal": charts.volume_chart(points, short_day, x_ticks=8), "rules": rules,
            "learning": {rule.id: learning_state(rule) for rule in rules}, "meanwhile": explain.meanwhile_words(),
            "buzz": incidents.recent_buzz(client.id, limit=10), "summary": summary, "shown_keyword": keyword_id,
            "crises": incidents.list_crises(client.id, limit=10), "thresholds": detector.SENSITIVITY,
            "sensitivity_labels": explain.SENSITIVITY_LABELS,
            **rule_form_context(client, values or dict(service.RULE_DEFAULTS, name=""), errors or {})}


def learning_state(rule, now=None):
    """"Still learning this client's usual levels (x of y hours)" for a rule whose series is young, else None."""
    hours, needed = baseline.learning_hours(baseline.floor_step(to_epoch(now or utcnow())),
                                            to_epoch(rule.series_start) if rule.series_start else None)
    return explain.learning_words(hours, needed)


def rule_page(rule, values=None, errors=None):
    """A rule's settings, its delivery log and its backtest panel."""
    return {"rule": rule, "deliveries": list_deliveries(rule), "channel_labels": explain.CHANNEL_LABELS,
            "learning": learning_state(rule), "meanwhile": explain.meanwhile_words(),
            "status_labels": explain.STATUS_LABELS,
            **rule_form_context(rule.client, values or service.rule_form_values(rule), errors or {})}


def alert_page(alert):
    """Why an alert fired: the score and its parts, the chart, terms, sources, mentions."""
    evidence = alert.evidence
    crisis = db.session.get(Crisis, alert.crisis_id) if alert.crisis_id is not None else None
    window = evidence.get("window", [0, 0])
    chart = charts.volume_chart(evidence.get("chart", []), short_time, highlight=window,
                                marks=[(window[1], "")])
    top_count = max([n for _, _, n in evidence.get("top_sources", [])] or [1])
    return {"alert": alert, "rule": alert.rule, "crisis": crisis, "client": alert.rule.client, "chart": chart,
            "kind_label": explain.KIND_LABELS[alert.kind], "kind_sentence": explain.kind_sentence(alert.kind),
            "trigger": explain.trigger_sentence(evidence),
            "ring": charts.score_ring(alert.score), "threshold": explain.threshold_of(evidence["sensitivity"]),
            "mode_label": explain.MODE_LABELS.get(evidence.get("mode"), ""), "top_count": top_count,
            "samples": sample_mentions_of(alert), "card": card_of(crisis) if crisis else None,
            "window_start": from_epoch(window[0]), "window_end": from_epoch(window[1]),
            "sensitivity_labels": explain.SENSITIVITY_LABELS, "thresholds": detector.SENSITIVITY}


def crisis_page(crisis):
    """A crisis: its alerts, its card, whether it is still open."""
    alerts = incidents.alerts_of(crisis)
    return {"crisis": crisis, "alerts": alerts, "card": card_of(crisis), "client": crisis.client,
            "ring": charts.score_ring(crisis.peak_score), "threshold": detector.SENSITIVITY["medium"].score}


def unwatched_clients():
    """The agency's clients (not archived) that no active rule watches: no crisis of theirs can alert."""
    watched = select(AlertRule.id).where(AlertRule.client_id == Client.id, AlertRule.active.is_(True))
    return db.session.scalars(select(Client).where(Client.archived_at.is_(None), ~watched.exists())
                              .order_by(Client.name, Client.id)).all()


def index_page():
    """Every crisis of the agency and every rule, open crises first; the clients no rule watches."""
    rules = db.session.scalars(select(AlertRule).order_by(AlertRule.client_id, AlertRule.id)).all()
    return {"crises": incidents.list_crises(), "rules": rules, "sensitivity_labels": explain.SENSITIVITY_LABELS,
            "unwatched": unwatched_clients(), "rule_defaults": service.RULE_DEFAULTS,
            "buzz": incidents.recent_buzz(limit=10),
            "thresholds": detector.SENSITIVITY, "threshold": detector.SENSITIVITY["medium"].score}


def tuned_settings(rule, args):
    """The settings a person is trying in the backtest (the rule form, sent as a query string); a setting left
    empty or out of range falls back to the rule's own."""
    sensitivity = args.get("sensitivity") if args.get("sensitivity") in detector.SENSITIVITY else None
    return {"sensitivity": sensitivity,
            "min_volume": params.as_int(args.get("min_volume"), 1, 100000),
            "cooldown_minutes": params.as_int(args.get("cooldown_minutes"), 0, 7 * 24 * 60)}


def backtest_page(rule):
    """The backtest fragment: when the rule (or the tuned settings) would have fired."""
    comparison = backtest.compare(rule, **tuned_settings(rule, request.args))
    result = comparison.tuned
    marks = [(firing.t, "") for firing in result.firings]
    chart = charts.volume_chart(result.chart, short_day, marks=marks, x_ticks=8)
    return {"rule": rule, "result": result, "comparison": comparison, "chart": chart,
            "kind_labels": explain.KIND_LABELS, "threshold": explain.threshold_of(result.sensitivity),
            "sensitivity_labels": explain.SENSITIVITY_LABELS, "part_labels": explain.PART_LABELS,
            "part_order": explain.PART_ORDER}
