"""Outbound webhooks: endpoints per agency, signed events (Standard Webhooks), the delivery log."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/a/<agency_slug>/webhooks")


def init_app(app):
    """Register the pages, listen to the features' events, schedule the dispatcher and the log's purge."""
    from saas import jobs, signals
    from tenants.api.webhooks import routes  # noqa: F401
    from tenants.api.webhooks.deliveries import dispatch_due_deliveries, purge_old_deliveries
    from tenants.api.webhooks.events import on_event

    app.register_blueprint(bp)
    signals.event_happened.connect(on_event, weak=False)  # blinker ignores a receiver connected twice
    jobs.periodic(dispatch_due_deliveries, interval=60)
    jobs.periodic(purge_old_deliveries, cron="41 3 * * *")
