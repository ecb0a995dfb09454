"""The owners' and admins' webhooks pages: endpoints (the secret shown once), settings, the delivery log."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from saas import params
from saas.forms import read
from saas.views import get_or_404, require_role
from tenants.api.webhooks import bp, deliveries, service
from tenants.api.webhooks.forms import EndpointForm
from tenants.api.webhooks.models import EVENT_TYPES, SENTIMENTS, TEST_EVENT, WebhookDelivery, WebhookEndpoint
from tenants.clients.service import list_clients

MANAGERS = ("owner", "admin")


def _labels():
    return {"events": {"mention.created": _("A mention is found"), "crisis.opened": _("A crisis opens"),
                       "crisis.closed": _("A crisis is closed"), "buzz.detected": _("A buzz is detected"),
                       "card.created": _("A card is created"), "card.moved": _("A card moves to another column"),
                       "approval.decided": _("The client approves a card or asks for changes"),
                       "report.ready": _("A report is ready"),
                       TEST_EVENT: _("Test event")},
            "sentiments": {"positive": _("Positive"), "neutral": _("Neutral"), "negative": _("Negative")},
            "statuses": {"pending": _("Pending"), "retrying": _("Retrying"), "sent": _("Delivered"),
                         "failed": _("Failed")}}


def _form_values(endpoint):
    return MultiDict([("endpoint_url", endpoint.url), ("description", endpoint.description or ""),
                      ("client", str(endpoint.client_id or ""))]
                     + [("events", e) for e in endpoint.events or []] + [("sentiments", s) for s in endpoint.sentiments or []])


def _common():
    clients = list_clients()
    return {"clients": clients, "client_names": {c.id: c.name for c in clients}, "event_types": EVENT_TYPES,
            "sentiment_choices": SENTIMENTS, "labels": _labels()}


def _index(errors=None, created=None, secret=None, status=200):
    form = request.form if errors else MultiDict([("events", e) for e in EVENT_TYPES if e != "report.ready"])
    return render_template("api/webhooks.html", endpoints=service.list_endpoints(), errors=errors or {}, form=form,
                           created=created, secret=secret, **_common()), status


@bp.get("/")
@require_role(*MANAGERS)
def index():
    """The agency's webhook endpoints and the form to add one."""
    return _index()


@bp.post("/")
@require_role(*MANAGERS)
def create():
    """Add an endpoint and show its signing secret this once."""
    values, errors = read(EndpointForm, request.form, client_ids=[c.id for c in list_clients()])
    if errors:
        return _index(errors=errors, status=422)
    endpoint, secret = service.create_endpoint(values, g.membership.user)
    return _index(created=endpoint, secret=secret)


def _show(endpoint, errors=None, secret=None, status=200):
    after = params.cursor_arg("after")
    rows, following = service.deliveries_page(endpoint, after)
    form = request.form if errors else _form_values(endpoint)
    return render_template("api/webhook.html", endpoint=endpoint, deliveries=rows, errors=errors or {}, form=form,
                           secret=secret, after=params.encode_cursor(*following) if following else None,
                           first_page=after is None, **_common()), status


@bp.get("/<int:endpoint_id>")
@require_role(*MANAGERS)
def show(endpoint_id):
    """An endpoint: its settings, its secret's rotation, its delivery log (keyset pages)."""
    return _show(get_or_404(WebhookEndpoint, endpoint_id))


@bp.post("/<int:endpoint_id>")
@require_role(*MANAGERS)
def update(endpoint_id):
    """Save an endpoint's settings."""
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    values, errors = read(EndpointForm, request.form, client_ids=[c.id for c in list_clients()])
    if errors:
        return _show(endpoint, errors=errors, status=422)
    service.update_endpoint(endpoint, values)
    flash(_("Endpoint saved."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/rotate")
@require_role(*MANAGERS)
def rotate(endpoint_id):
    """Give the endpoint a new signing secret and show it this once."""
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    return _show(endpoint, secret=service.rotate_secret(endpoint))


@bp.post("/<int:endpoint_id>/test")
@require_role(*MANAGERS)
def test(endpoint_id):
    """Send the endpoint a test event."""
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    deliveries.send_test_event(endpoint, g.membership.user)
    flash(_("Test event queued: its delivery shows in the log below."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/enable")
@require_role(*MANAGERS)
def enable(endpoint_id):
    """Deliver events to the endpoint again."""
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    service.set_enabled(endpoint, True)
    flash(_("Endpoint enabled."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/disable")
@require_role(*MANAGERS)
def disable(endpoint_id):
    """Stop delivering events to the endpoint (until it is enabled again)."""
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    service.set_enabled(endpoint, False)
    flash(_("Endpoint disabled."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/delete")
@require_role(*MANAGERS)
def delete(endpoint_id):
    """Delete the endpoint with its delivery log."""
    endpoint = get_or_404(WebhookEndpoint, endpoint_id)
    service.delete_endpoint(endpoint)
    flash(_("Endpoint deleted."), "success")
    return redirect(url_for("webhooks.index"))


@bp.post("/deliveries/<int:webhook_delivery_id>/redeliver")
@require_role(*MANAGERS)
def redeliver(webhook_delivery_id):
    """Send a delivery's event again (same webhook-id and body), as a new row of the log."""
    delivery = get_or_404(WebhookDelivery, webhook_delivery_id)
    deliveries.redeliver(delivery)
    flash(_("Event queued again: its delivery shows at the top of the log."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=delivery.endpoint_id))
