"""Billing jobs (queue `default`): apply the Stripe events the webhook stored."""
from saas import db
from saas.billing.events import WAITING, apply_event
from saas.billing.models import StripeEvent
from saas.db import utcnow
from saas.jobs import task

STRIPE_RETRY = (5, (10, 60, 300, 900, 3600))


@task(queue="default", retry=STRIPE_RETRY)
def process_stripe_event(event_id):
    """Apply one stored Stripe event, once; a failure (Stripe unreachable) is retried."""
    row = db.session.get(StripeEvent, event_id, with_for_update=True)
    if row is None or row.processed_at is not None:
        return "skipped"
    row.outcome = apply_event(row.payload)
    if row.outcome != WAITING:  # an invoice whose agency is not known yet stays pending (events.py)
        row.processed_at = utcnow()
    return row.outcome
