"""Billing operations on the current agency: its trial, its subscription row, Stripe sessions."""
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.billing.models import LIVE_STATUSES, Subscription
from saas.billing.plans import TRIAL_DAYS, TRIAL_PLAN
from saas.billing.stripe_api import stripe_client
from saas.db import utcnow
from saas.mail import absolute_url

MIN_CHECKOUT_TRIAL = timedelta(days=2)  # Stripe refuses a trial_end closer than 48 hours


def billing_enabled():
    """Tell whether this Relais bills agencies (a Stripe secret key is configured)."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def start_trial(agency_id, start=None):
    """Give a new agency its free trial of the middle plan (no card needed)."""
    start = start or utcnow()
    subscription = Subscription(agency_id=agency_id, plan=TRIAL_PLAN, status="trialing",
                                trial_ends_at=start + timedelta(days=TRIAL_DAYS))
    db.session.add(subscription)
    db.session.flush()
    return subscription


def on_agency_created(agency, **_signal):
    """Start a new agency's trial (connected to saas.signals.agency_created)."""
    start_trial(agency.id)


def current_subscription(for_update=False):
    """The current agency's subscription row, created as a trial if it is missing."""
    known = _known_subscription()
    if known is not None and not for_update:
        return known
    query = select(Subscription)
    if for_update:  # lock the row and read it again: another transaction may just have changed it
        query = query.with_for_update().execution_options(populate_existing=True)
    subscription = db.session.scalar(query)
    if subscription is None:
        agency = db.session.get(Agency, tenancy.current_agency_id())
        subscription = start_trial(agency.id, start=agency.created_at)
    return subscription


def _known_subscription():
    """The subscription read along with the signed-in person this request (saas/web.py), if it is this agency's."""
    from flask import g, has_app_context

    known = g.get("agency_subscription") if has_app_context() else None
    if known is not None and known.agency_id == tenancy.current_agency_id():
        return known
    return None


def is_live(subscription):
    """Tell whether a Stripe subscription drives the row and is still running."""
    return subscription.stripe_subscription_id is not None and subscription.status in LIVE_STATUSES


def _return_url(subscription, **args):
    """The absolute address of the agency's billing page (Stripe sends people back there)."""
    agency = db.session.get(Agency, subscription.agency_id)
    return absolute_url("billing.index", agency_slug=agency.slug, **args)


def create_checkout_url(subscription, plan, email, locale):
    """Open a Stripe Checkout session for `plan`; return the address to send the person to."""
    agency_ref = str(subscription.agency_id)
    params = {
        "mode": "subscription",
        "line_items": [{"price": plan.price_id, "quantity": 1}],
        "client_reference_id": agency_ref,
        "metadata": {"agency_id": agency_ref, "plan": plan.key},
        "subscription_data": {"metadata": {"agency_id": agency_ref, "plan": plan.key}},
        "success_url": _return_url(subscription, checkout="success"),
        "cancel_url": _return_url(subscription, checkout="cancel"),
        "locale": locale if locale in ("fr", "en") else "auto",
    }
    if subscription.stripe_customer_id:
        params["customer"] = subscription.stripe_customer_id
    else:
        params["customer_email"] = email
    trial_end = subscription.trial_ends_at
    if not subscription.stripe_subscription_id and trial_end and trial_end - utcnow() > MIN_CHECKOUT_TRIAL:
        # Subscribing during the free trial keeps its remaining days: the first charge waits.
        params["subscription_data"]["trial_end"] = int(trial_end.timestamp())
    return stripe_client().v1.checkout.sessions.create(params=params).url


def create_portal_url(subscription, locale):
    """Open a Stripe customer portal session; return the address to send the person to."""
    params = {"customer": subscription.stripe_customer_id, "return_url": _return_url(subscription)}
    if locale in ("fr", "en"):
        params["locale"] = locale
    return stripe_client().v1.billing_portal.sessions.create(params=params).url


def from_timestamp(value):
    """A Stripe timestamp (seconds since the epoch) as an aware datetime, or None."""
    return datetime.fromtimestamp(value, timezone.utc) if value else None
