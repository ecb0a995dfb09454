"""Billing operations on the current agency: its trial, its subscription row, its Stripe customer, sessions."""
import time
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
CHECKOUT_WINDOW = 600  # seconds: Checkout starts of one agency and plan within this window are one session


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


def interval_of(subscription):
    """How often the agency's subscription is billed: "month" (also our free trial) or "year"."""
    return subscription.billing_interval or "month"


def _return_url(subscription, **args):
    """The absolute address of the agency's billing page (Stripe sends people back there)."""
    agency = db.session.get(Agency, subscription.agency_id)
    return absolute_url("billing.index", agency_slug=agency.slug, **args)


def _agency_key(agency):
    """A key naming the agency in Stripe idempotency keys, distinct between two Relais on one Stripe account."""
    return f"relais-{agency.id}-{int(agency.created_at.timestamp())}"


def ensure_customer(subscription, email, locale):
    """The agency's one Stripe customer id, created the first time (agency id in its metadata).

    Parallel requests of one agency wait on the subscription row's lock and find the customer the first
    one stored; the idempotency key makes a retried or concurrent creation return the same customer.
    """
    if subscription.stripe_customer_id:
        return subscription.stripe_customer_id
    subscription = current_subscription(for_update=True)
    if subscription.stripe_customer_id:
        return subscription.stripe_customer_id
    agency = db.session.get(Agency, subscription.agency_id)
    params = {"email": email, "name": agency.name, "metadata": {"agency_id": str(agency.id)}}
    if locale in ("fr", "en"):
        params["preferred_locales"] = [locale]
    customer = stripe_client().v1.customers.create(
        params=params, options={"idempotency_key": f"{_agency_key(agency)}-customer"})
    subscription.stripe_customer_id = customer.id
    db.session.flush()
    return customer.id


def tax_params():
    """How VAT is added: Stripe Tax ("automatic") or one tax rate; {} when VAT is off (STRIPE_TAX)."""
    setting = current_app.config.get("STRIPE_TAX") or ""
    if setting == "automatic":
        return {"automatic_tax": {"enabled": True}}
    return {"default_tax_rates": [setting]} if setting else {}


def create_checkout_url(subscription, plan, interval, email, locale):
    """Open a Stripe Checkout session for `plan` billed each `interval`; return the address to send the person to.

    The agency's Stripe customer exists before (ensure_customer) and is always passed, so Checkout never
    creates a second one. The session is created with an idempotency key per agency, plan and interval
    (over CHECKOUT_WINDOW): a double click or two tabs open one session.
    """
    agency_ref = str(subscription.agency_id)
    customer = ensure_customer(subscription, email, locale)
    metadata = {"agency_id": agency_ref, "plan": plan.key, "interval": interval}
    params = {
        "mode": "subscription",
        "customer": customer,
        "line_items": [{"price": plan.price_for(interval), "quantity": 1}],
        "client_reference_id": agency_ref,
        "metadata": metadata,
        "subscription_data": {"metadata": dict(metadata)},
        "success_url": _return_url(subscription, checkout="success"),
        "cancel_url": _return_url(subscription, checkout="cancel"),
        "locale": locale if locale in ("fr", "en") else "auto",
    }
    trial_end = subscription.trial_ends_at
    if not subscription.stripe_subscription_id and trial_end and trial_end - utcnow() > MIN_CHECKOUT_TRIAL:
        # Subscribing during the free trial keeps its remaining days: the first charge waits.
        params["subscription_data"]["trial_end"] = int(trial_end.timestamp())
    agency = db.session.get(Agency, subscription.agency_id)
    key = f"{_agency_key(agency)}-checkout-{plan.key}-{interval}-{int(time.time() // CHECKOUT_WINDOW)}"
    return stripe_client().v1.checkout.sessions.create(params=params, options={"idempotency_key": key}).url


def create_portal_url(subscription, locale):
    """Open a Stripe customer portal session; return the address to send the person to."""
    params = {"customer": subscription.stripe_customer_id, "return_url": _return_url(subscription)}
    if locale in ("fr", "en"):
        params["locale"] = locale
    return stripe_client().v1.billing_portal.sessions.create(params=params).url


def from_timestamp(value):
    """A Stripe timestamp (seconds since the epoch) as an aware datetime, or None."""
    return datetime.fromtimestamp(value, timezone.utc) if value else None
