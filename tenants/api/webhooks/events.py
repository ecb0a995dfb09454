"""Events: what the features announce (saas.signals.event_happened), turned into deliveries.

Cheap when nobody listens: one query for the agency's enabled endpoints per announcement (a batch
of new mentions is one announcement), nothing more when none subscribes. Otherwise the body is
written once per event (the /api/v1 shapes where the object has one), one delivery row per
endpoint, and each delivery's job is queued once the sender's transaction commits.
"""
from sqlalchemy import select

from saas import db
from saas.db import utcnow
from tenants.api.v1.schemas import CardSchema, ColumnSchema, MentionSchema
from tenants.api.webhooks.deliveries import add_deliveries
from tenants.api.webhooks.models import WebhookEndpoint
from tenants.api.webhooks.payloads import body_of, isoformat
from tenants.api.webhooks.signing import new_event_id
from tenants.monitoring.models import Mention

_card, _column, _mention = CardSchema(), ColumnSchema(), MentionSchema()


def crisis_data(crisis):
    """A crisis as the webhook sends it."""
    return {"id": crisis.id, "client_id": crisis.client_id, "status": crisis.status,
            "opened_at": isoformat(crisis.opened_at), "closed_at": isoformat(crisis.closed_at),
            "peak_score": round(crisis.peak_score or 0.0, 1), "last_score": round(crisis.last_score or 0.0, 1)}


def alert_data(alert, client_id):
    """A crisis or buzz alert as the webhook sends it."""
    return {"id": alert.id, "kind": alert.kind, "rule_id": alert.rule_id, "client_id": client_id,
            "crisis_id": alert.crisis_id, "score": round(alert.score or 0.0, 1),
            "window_start": isoformat(alert.window_start), "created_at": isoformat(alert.created_at)}


def card_data(card, board):
    """A card (the /api/v1 card shape) with its client."""
    return {**_card.dump(card), "client_id": board.client_id}


def listening_endpoints(event_type):
    """The agency's enabled endpoints subscribed to an event type (one query)."""
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))).all()
    return [endpoint for endpoint in endpoints if event_type in (endpoint.events or [])]


def events_of(event_type, **objects):
    """The (client id, sentiment, data) of each event an announcement stands for."""
    if event_type == "mention.created":
        mentions = db.session.scalars(select(Mention).where(Mention.id.in_(objects["mention_ids"]))
                                      .order_by(Mention.id)).all()
        return [(m.client_id, m.current_sentiment, {"mention": _mention.dump(m)}) for m in mentions]
    if event_type == "crisis.opened":
        crisis, alert = objects["crisis"], objects["alert"]
        return [(crisis.client_id, None, {"crisis": crisis_data(crisis), "alert": alert_data(alert, crisis.client_id)})]
    if event_type == "crisis.closed":
        crisis = objects["crisis"]
        return [(crisis.client_id, None, {"crisis": crisis_data(crisis), "note": crisis.closing_note or ""})]
    if event_type == "buzz.detected":
        alert, client_id = objects["alert"], objects["client_id"]
        return [(client_id, None, {"alert": alert_data(alert, client_id)})]
    if event_type == "card.created":
        card, board = objects["card"], objects["board"]
        return [(board.client_id, None, {"card": card_data(card, board)})]
    if event_type == "card.moved":
        card, board = objects["card"], objects["board"]
        return [(board.client_id, None, {"card": card_data(card, board), "from_column": _column.dump(objects["source"]),
                                         "to_column": _column.dump(objects["target"])})]
    if event_type == "approval.decided":
        card, board = objects["card"], objects["board"]
        return [(board.client_id, None, {"card": card_data(card, board), "decision": card.approval_state,
                                         "decided_at": isoformat(card.approval_decided_at),
                                         "comment": objects.get("comment") or ""})]
    if event_type == "report.ready":  # tenants/dashboards/reports.mark_ready: the report as report_data() writes it
        return [(objects.get("client_id"), None, objects["data"])]
    raise ValueError(f"unknown event type {event_type!r}")


def on_event(event_type, **objects):
    """Receive an announcement: write the deliveries of the endpoints that listen, queue them after commit."""
    endpoints = listening_endpoints(event_type)
    if not endpoints:
        return []
    now = utcnow()
    rows = []
    for client_id, sentiment, data in events_of(event_type, **objects):
        body, event_id = body_of(event_type, data, now), new_event_id()
        rows += [{"agency_id": endpoint.agency_id, "endpoint_id": endpoint.id, "event_id": event_id,
                  "event_type": event_type, "body": body, "status": "pending", "attempts": 0,
                  "next_attempt_at": now, "created_at": now, "manual": False}
                 for endpoint in endpoints if endpoint.wants(event_type, client_id, sentiment)]
    return add_deliveries(rows)
