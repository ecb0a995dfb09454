"""Crises: a firing rule opens the client's crisis (or updates the open one), alerts once, and closes by hand.

Alerts are idempotent: one per (rule, crisis window) by a unique key, and a rule that
already alerted on the open crisis only updates it. A rule in its cooldown stays silent.
"""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from saas import db, signals, tenancy
from saas.auth.models import Agency
from saas.db import utcnow
from tenants.crisis.alerts import alert_link, plan_buzz_deliveries, plan_deliveries, recipients_of
from tenants.crisis.baseline import WINDOW
from tenants.crisis.buckets import from_epoch
from tenants.crisis.crisis_card import card_of, close_card, open_card, skip_board_emails, update_card
from tenants.crisis.deliveries import queue_delivery
from tenants.crisis.detector import cooldown_seconds
from tenants.crisis.evidence import build_evidence, sample_mentions
from tenants.crisis.models import AlertRule, Crisis, CrisisAlert


def open_crisis_of(client_id):
    """The client's open crisis, or None."""
    return db.session.scalar(select(Crisis).where(Crisis.client_id == client_id, Crisis.status == "open"))


def in_cooldown(rule, t, kind="crisis"):
    """Tell whether the rule raised this kind of alert less than its cooldown before the window ending at t."""
    last = db.session.scalar(select(func.max(CrisisAlert.window_start)).where(CrisisAlert.rule_id == rule.id,
                                                                              CrisisAlert.kind == kind))
    return last is not None and from_epoch(t) - (last + timedelta(seconds=WINDOW)) < timedelta(
        seconds=cooldown_seconds(kind, rule.cooldown_minutes))


def rule_alerted(rule, crisis):
    """Tell whether this rule already alerted on this crisis."""
    return db.session.scalar(select(func.count()).select_from(CrisisAlert).where(
        CrisisAlert.rule_id == rule.id, CrisisAlert.crisis_id == crisis.id)) > 0


def touch_crisis(crisis, score, now):
    """Record the latest score of an open crisis and its peak."""
    crisis.last_score, crisis.last_seen_at = score, now
    crisis.peak_score = max(crisis.peak_score or 0.0, score)


def handle_firing(rule, m, parts, score, mentions, t, now):
    """Open or update the client's crisis for a rule whose window fires; return the new alert or None."""
    crisis = open_crisis_of(rule.client_id)
    recipients = recipients_of(rule)
    samples = sample_mentions(mentions, 20)
    if crisis is not None and rule_alerted(rule, crisis):
        touch_crisis(crisis, score, now)
        update_card(crisis, recipients, samples, rule.notify_in_app)
        return None
    if in_cooldown(rule, t):
        return None
    evidence = build_evidence(rule, m, parts, score, mentions, t)
    opened = crisis is None
    try:
        with db.session.begin_nested():
            if crisis is None:
                crisis = Crisis(client_id=rule.client_id, opened_at=now, last_seen_at=now)
                db.session.add(crisis)
                db.session.flush()
            alert = CrisisAlert(rule_id=rule.id, crisis_id=crisis.id, window_start=from_epoch(t - WINDOW),
                                score=score, evidence=evidence, created_at=now)
            db.session.add(alert)
            db.session.flush()
    except IntegrityError:  # another pass made this alert (or opened this crisis) first
        return None
    touch_crisis(crisis, score, now)
    announce(rule, crisis, alert, recipients, samples)
    if opened:
        signals.event_happened.send("crisis.opened", crisis=crisis, alert=alert)
    return alert


def handle_buzz(rule, m, parts, score, mentions, t, now):
    """Record a buzz (a positive or neutral surge): an alert of its own kind, on no crisis, with no card and no
    email; the rule's webhook hears of it (event crisis.buzz) and its daily digest lists it."""
    if in_cooldown(rule, t, "buzz"):
        return None
    evidence = build_evidence(rule, m, parts, score, mentions, t, "buzz")
    try:
        with db.session.begin_nested():
            alert = CrisisAlert(rule_id=rule.id, kind="buzz", crisis_id=None, window_start=from_epoch(t - WINDOW),
                                score=score, evidence=evidence, created_at=now)
            db.session.add(alert)
            db.session.flush()
    except IntegrityError:  # another pass recorded it first, or the window already alerted as a crisis
        return None
    for delivery in plan_buzz_deliveries(rule, alert):  # its own channels: the webhook (and the daily digest)
        queue_delivery(delivery)
    signals.event_happened.send("buzz.detected", alert=alert, client_id=rule.client_id)
    return alert


def recent_buzz(client_id=None, limit=20):
    """The latest buzz alerts (of one client), newest first."""
    query = select(CrisisAlert).where(CrisisAlert.kind == "buzz").order_by(CrisisAlert.id.desc()).limit(limit)
    if client_id is not None:
        query = query.join(AlertRule, AlertRule.id == CrisisAlert.rule_id).where(AlertRule.client_id == client_id)
    return db.session.scalars(query).all()


def announce(rule, crisis, alert, recipients, samples):
    """Put the alert on the crisis card and queue its emails and webhook call."""
    agency = db.session.get(Agency, tenancy.current_agency_id())
    link = alert_link(agency.slug, alert.id)
    card = card_of(crisis)
    if card is None and not crisis.card_made:
        card = open_card(crisis, alert, recipients, samples, link, rule.notify_in_app)
    elif card is not None:
        update_card(crisis, recipients, samples, rule.notify_in_app)
    deliveries = plan_deliveries(rule, alert, recipients)
    if card is not None and rule.notify_email:
        skip_board_emails(card, recipients)  # the alert email says it all; no second "assigned" email
    for delivery in deliveries:
        queue_delivery(delivery)


def close_crisis(crisis, actor, note=""):
    """Close a crisis (a person decides it is over) and move its card to the done column."""
    crisis.status, crisis.closed_at, crisis.closed_by_id = "closed", utcnow(), actor.id
    crisis.closing_note = note
    close_card(crisis, actor)
    db.session.flush()
    signals.event_happened.send("crisis.closed", crisis=crisis)


def list_crises(client_id=None, limit=100):
    """Crises, open ones first, then the newest."""
    query = select(Crisis).order_by((Crisis.status == "open").desc(), Crisis.opened_at.desc()).limit(limit)
    if client_id is not None:
        query = query.where(Crisis.client_id == client_id)
    return db.session.scalars(query).all()


def alerts_of(crisis):
    """A crisis's alerts, newest first."""
    return db.session.scalars(select(CrisisAlert).where(CrisisAlert.crisis_id == crisis.id)
                              .order_by(CrisisAlert.id.desc())).all()


def open_crises_query():
    """The count of the agency's open crises, as a query (the layout merges it with the other badges)."""
    return select(func.count()).select_from(Crisis).where(Crisis.status == "open")


def count_open_crises():
    """How many crises are open in the agency."""
    return db.session.scalar(open_crises_query())
