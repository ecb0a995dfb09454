"""Billing: plans, limits, Stripe Checkout / customer portal / webhooks.

Features declare what their plan limits count with saas.billing.limits.register_counter.
"""
from flask import Blueprint

bp = Blueprint("billing", __name__)


def init_app(app):
    """Plug billing in: its views, the trial of new agencies, the seat limit, the read-only guard, the
    subscription read with the session."""
    from saas import signals, web
    from saas.billing import access, limits, routes, service  # noqa: F401  (the views attach themselves to bp)
    from saas.billing.models import Subscription
    from saas.billing.notices import mail_trials_ending
    from saas.jobs import periodic

    signals.agency_created.connect(service.on_agency_created)
    signals.seat_requested.connect(limits.check_seat)
    web.guard_agency(access.enforce_billing_access)
    web.read_with_agency(Subscription)  # the session's one query reads each agency's subscription

    periodic(mail_trials_ending, cron="7 * * * *")  # owners told 3 days before Relais's own trial ends
    app.register_blueprint(bp)
