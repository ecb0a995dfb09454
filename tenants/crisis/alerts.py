"""Who an alert goes to and what it says: recipients, delivery rows, webhook payloads (JSON and Slack)."""
import json

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from saas import db
from saas.auth.service import members_of_agency
from saas.i18n import number
from saas.mail import absolute_url
from tenants.crisis.explain import explained_parts, headline, threshold_of, window_end, window_words
from tenants.crisis.models import AlertDelivery
from tenants.monitoring.models import Mention


def recipients_of(rule, members=None):
    """The staff members a rule alerts: those it names, and those of the pole it names."""
    members = members if members is not None else members_of_agency()
    chosen = set(rule.recipient_ids or [])
    pole = rule.recipient_pole

    def wanted(m):
        return m.id in chosen or pole == "both" or (pole is not None and m.pole in (pole, "both"))

    return [m for m in members if m.role != "guest" and wanted(m)]


def plan_deliveries(rule, alert, recipients):
    """Create the delivery rows of a new alert: one email per recipient, one webhook call."""
    deliveries = []
    if rule.notify_email:
        deliveries += [AlertDelivery(rule_id=rule.id, alert_id=alert.id, channel="email", target=m.user.email,
                                     key=f"alert:{alert.id}:email:{m.id}", details={"membership_id": m.id})
                       for m in recipients]
    if rule.webhook_url:
        deliveries.append(AlertDelivery(rule_id=rule.id, alert_id=alert.id, channel="webhook", target=rule.webhook_url,
                                        key=f"alert:{alert.id}:webhook", details={"format": rule.webhook_format}))
    db.session.add_all(deliveries)
    db.session.flush()
    return deliveries


def plan_buzz_deliveries(rule, alert):
    """Create the delivery rows of a buzz: the rule's webhook call only (a buzz sends no email at once)."""
    if not rule.webhook_url:
        return []
    delivery = AlertDelivery(rule_id=rule.id, alert_id=alert.id, channel="webhook", target=rule.webhook_url,
                             key=f"alert:{alert.id}:webhook", details={"format": rule.webhook_format})
    db.session.add(delivery)
    db.session.flush()
    return [delivery]


def list_deliveries(rule, limit=50):
    """The delivery log of a rule, newest first."""
    return db.session.scalars(select(AlertDelivery).where(AlertDelivery.rule_id == rule.id)
                              .order_by(AlertDelivery.id.desc()).limit(limit)).all()


def alert_link(agency_slug, alert_id):
    """The absolute address of an alert's "why" page."""
    return absolute_url("crisis.show_alert", agency_slug=agency_slug, alert_id=alert_id)


def sample_mentions_of(alert):
    """The sample mentions an alert kept, in its order (deleted ones are skipped)."""
    ids = alert.evidence.get("sample_ids", [])
    found = {m.id: m for m in db.session.scalars(select(Mention).where(Mention.id.in_(ids))).all()} if ids else {}
    return [found[i] for i in ids if i in found]


def json_payload(alert, crisis, rule, link):
    """The generic webhook payload of an alert."""
    evidence = alert.evidence
    parts = {name: {"value": part["value"], "level": part["level"], "points": part["points"], **part["facts"]}
             for name, part in evidence.get("parts", {}).items()}
    client = rule.client
    return {
        "event": "crisis.buzz" if alert.kind == "buzz" else "crisis.alert", "kind": alert.kind,
        "alert_id": alert.id, "score": alert.score,
        "threshold": threshold_of(rule.sensitivity), "sensitivity": rule.sensitivity,
        "window": {"start": alert.window_start.isoformat(), "end": window_end(alert.window_start).isoformat()},
        "client": {"id": client.id, "name": client.name},
        "rule": {"id": rule.id, "name": rule.name, "keyword_id": rule.keyword_id},
        "crisis": None if crisis is None else {"id": crisis.id, "status": crisis.status,
                                               "opened_at": crisis.opened_at.isoformat()},
        "parts": parts, "top_terms": evidence.get("top_terms", []),
        "top_sources": [{"name": n, "kind": k, "mentions": c} for n, k, c in evidence.get("top_sources", [])],
        "url": link,
    }


def slack_payload(alert, crisis, rule, link):
    """A Slack-compatible payload: a text fallback and Block Kit blocks (in the app's language)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        title = headline(rule.client.name, alert.score, alert.kind)
        fields = [{"type": "mrkdwn", "text": f"*{label}* · {number(part['points'])}/{weight}\n{sentence}"}
                  for _name, label, part, weight, sentence in explained_parts(alert.evidence)]
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
                  {"type": "section", "fields": fields[:10]},
                  {"type": "context", "elements": [{"type": "mrkdwn", "text": window_words(alert.window_start)}]}]
        terms = ", ".join(term for term, _n in alert.evidence.get("top_terms", [])[:6])
        if terms:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _("Top terms: %(terms)s",
                                                                                         terms=terms)}]})
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": _("Why this alert")}, "url": link}]})
        return {"text": f"{title} — {link}", "blocks": blocks}


def webhook_body(delivery, alert, crisis, rule, link):
    """The exact bytes a webhook delivery sends (and signs)."""
    if delivery.details.get("format") == "slack":
        payload = slack_payload(alert, crisis, rule, link)  # Slack takes nothing else; the id is in a header
    else:
        payload = {**json_payload(alert, crisis, rule, link), "delivery_id": delivery.id}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
