"""Webhook endpoints: create (the secret returned once), change, rotate the secret, enable, disable, delete;
the delivery log's pages."""
from datetime import timedelta

from sqlalchemy import select

from saas import db
from saas.audit import service as audit
from saas.db import utcnow
from tenants.api.webhooks.deliveries import host_of
from tenants.api.webhooks.models import WebhookDelivery, WebhookEndpoint
from tenants.api.webhooks.signing import new_secret

PAGE_SIZE = 50


def list_endpoints():
    """The agency's endpoints, oldest first."""
    return db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def _details(values):
    return {"events": " ".join(values["events"]), "client": values["client"] or "",
            "sentiments": " ".join(values["sentiments"])}


def create_endpoint(values, actor):
    """Create an endpoint with a fresh secret; return (endpoint, secret)."""
    endpoint = WebhookEndpoint(url=values["endpoint_url"], description=values["description"], events=values["events"],
                               client_id=values["client"], sentiments=values["sentiments"], secret=new_secret(),
                               created_by_id=actor.id if actor else None)
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook_endpoint_created", host_of(endpoint.url), _details(values))
    return endpoint, endpoint.secret


def update_endpoint(endpoint, values):
    """Save an endpoint's address, description and subscriptions."""
    endpoint.url, endpoint.description, endpoint.events = values["endpoint_url"], values["description"], values["events"]
    endpoint.client_id, endpoint.sentiments = values["client"], values["sentiments"]
    audit.record("webhook_endpoint_changed", host_of(endpoint.url), _details(values))
    db.session.flush()


ROTATION_GRACE = timedelta(hours=24)


def rotate_secret(endpoint):
    """Give an endpoint a new secret; the old one still signs (a second signature) for a day. Return the new one."""
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, utcnow() + ROTATION_GRACE
    endpoint.secret = new_secret()
    audit.record("webhook_secret_rotated", host_of(endpoint.url))
    return endpoint.secret


def set_enabled(endpoint, enabled):
    """Enable an endpoint again (its failure counts start over), or disable it by hand."""
    if endpoint.enabled == enabled:
        return
    endpoint.enabled = enabled
    endpoint.disabled_at, endpoint.disabled_automatically = (None if enabled else utcnow()), False
    if enabled:
        endpoint.failing_since, endpoint.failed_deliveries = None, 0
    audit.record("webhook_endpoint_enabled" if enabled else "webhook_endpoint_disabled", host_of(endpoint.url),
                 {"reason": "by hand"})


def delete_endpoint(endpoint):
    """Delete an endpoint with its delivery log."""
    audit.record("webhook_endpoint_deleted", host_of(endpoint.url))
    db.session.delete(endpoint)
    db.session.flush()


def deliveries_page(endpoint, after=None, size=PAGE_SIZE):
    """One page of an endpoint's log, newest first, after a keyset cursor (created_at, id)."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if after is not None:
        moment, row_id = after
        query = query.where((WebhookDelivery.created_at < moment)
                            | ((WebhookDelivery.created_at == moment) & (WebhookDelivery.id < row_id)))
    rows = db.session.scalars(query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
                              .limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1].created_at, rows[-1].id) if more and rows else None)
