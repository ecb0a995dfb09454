"""Billing operations on the current agency: its trial, its subscription row, its Stripe customer, sessions."""
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import stripe
from flask import current_app
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.billing.models import LIVE_STATUSES, Invoice, Subscription
from saas.billing.plans import TRIAL_DAYS, TRIAL_PLAN, price_plan
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


def invoice_history(limit=36):
    """The current agency's invoices, newest first (drafts are not invoices yet)."""
    return db.session.scalars(select(Invoice).where(Invoice.status != "draft")
                              .order_by(Invoice.issued_at.desc(), Invoice.id.desc()).limit(limit)).all()


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


def tax_setting():
    """How VAT is added (STRIPE_TAX): "automatic" (Stripe Tax, from the billing address), a tax rate id, or ""."""
    return current_app.config.get("STRIPE_TAX") or ""


def _vat_checkout_params(params):
    """VAT on a Checkout session: Stripe Tax or the configured tax rate; the agency's VAT number collected (it
    goes on every invoice), its billing address required, and both saved on its existing customer."""
    setting = tax_setting()
    if setting == "automatic":
        params["automatic_tax"] = {"enabled": True}
    elif setting:
        params["line_items"][0]["tax_rates"] = [setting]
    params["tax_id_collection"] = {"enabled": True}
    params["billing_address_collection"] = "required"
    params["customer_update"] = {"name": "auto", "address": "auto"}


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
        "subscription_data": {"metadata": {"agency_id": agency_ref}},  # the plan is read from the price
        "success_url": _return_url(subscription, checkout="success"),
        "cancel_url": _return_url(subscription, checkout="cancel"),
        "locale": locale if locale in ("fr", "en") else "auto",
    }
    _vat_checkout_params(params)
    params["allow_promotion_codes"] = True  # a code from a partner or a salon offer, typed in Checkout
    trial_end = subscription.trial_ends_at
    if not subscription.stripe_subscription_id and trial_end and trial_end - utcnow() > MIN_CHECKOUT_TRIAL:
        # Subscribing during the free trial keeps its remaining days: the first charge waits.
        params["subscription_data"]["trial_end"] = int(trial_end.timestamp())
    agency = db.session.get(Agency, subscription.agency_id)
    key = f"{_agency_key(agency)}-checkout-{plan.key}-{interval}-{int(time.time() // CHECKOUT_WINDOW)}"
    return stripe_client().v1.checkout.sessions.create(params=params, options={"idempotency_key": key}).url


@dataclass
class ChangePreview:
    """What a plan change costs now, as Stripe computes it (cents): shown before the person confirms."""

    plan: object
    interval: str
    proration_date: int
    lines: list  # (plan or None, interval, amount in cents): a credit is negative
    subtotal: int
    tax: int
    total: int
    currency: str


def invoice_tax(invoice):
    """The VAT of a Stripe invoice in cents (total_taxes since API 2025-03-31, tax before)."""
    taxes = invoice.get("total_taxes")
    if taxes is not None:
        return sum(tax.get("amount") or 0 for tax in taxes)
    return invoice.get("tax") or 0


def _change_details(item, plan, interval, proration_date):
    """The item's new price, prorated and invoiced at once. VAT follows the subscription: Stripe Tax stays on, and
    the item keeps its tax rates (a pending update may carry only the price and quantity of an item)."""
    return {"items": [{"id": item["id"], "price": plan.price_for(interval)}],
            "proration_behavior": "always_invoice", "proration_date": proration_date}


def _remote_item(subscription):
    """The agency's Stripe subscription item (Relais sells one price per subscription)."""
    remote = stripe_client().v1.subscriptions.retrieve(subscription.stripe_subscription_id).to_dict()
    items = (remote.get("items") or {}).get("data") or []
    if not items:
        raise stripe.InvalidRequestError("subscription without items", param="items")
    return items[0]


def preview_change(subscription, plan, interval, proration_date=None):
    """Ask Stripe what moving the live subscription to `plan` / `interval` would invoice now (nothing changes).

    The change is invoiced at once (always_invoice): the unused time of the current price is credited,
    the rest of the period at the new price is charged, VAT added; the same proration_date is used on
    confirmation so the charge is the one shown.
    """
    proration_date = proration_date or int(time.time())
    item = _remote_item(subscription)
    params = {"customer": subscription.stripe_customer_id, "subscription": subscription.stripe_subscription_id,
              "subscription_details": _change_details(item, plan, interval, proration_date)}
    if tax_setting() == "automatic":
        params["automatic_tax"] = {"enabled": True}
    invoice = stripe_client().v1.invoices.create_preview(params=params).to_dict()
    lines = []
    for line in (invoice.get("lines") or {}).get("data") or []:
        price = ((line.get("pricing") or {}).get("price_details") or {}).get("price") or (
            (line.get("price") or {}).get("id"))
        line_plan, line_interval = price_plan(price)
        lines.append((line_plan, line_interval, line.get("amount") or 0))
    return ChangePreview(plan, interval, proration_date, lines, invoice.get("subtotal") or 0, invoice_tax(invoice),
                         invoice.get("total") or 0, invoice.get("currency") or "eur")


def change_plan(subscription, plan, interval, proration_date):
    """Move the agency's one subscription to `plan` / `interval` (no second subscription, no second Checkout).

    pending_if_incomplete: if the prorated invoice cannot be paid (a refused card, 3-D Secure), Stripe keeps
    the current plan until it is; the idempotency key makes a double submission one update.
    Return the subscription as Stripe now describes it.
    """
    item = _remote_item(subscription)
    params = {**_change_details(item, plan, interval, proration_date), "payment_behavior": "pending_if_incomplete"}
    agency = db.session.get(Agency, subscription.agency_id)
    key = f"{_agency_key(agency)}-change-{subscription.stripe_subscription_id}-{plan.key}-{interval}-{proration_date}"
    return stripe_client().v1.subscriptions.update(subscription.stripe_subscription_id, params=params,
                                                   options={"idempotency_key": key}).to_dict()


def cancel_subscription(subscription):
    """Cancel the agency's live Stripe subscription at once (an agency's deletion); nothing when none is live."""
    if not billing_enabled() or not subscription.stripe_subscription_id or subscription.status == "canceled":
        return None
    remote = stripe_client().v1.subscriptions.cancel(subscription.stripe_subscription_id).to_dict()
    subscription.status = remote.get("status") or "canceled"
    return remote


def create_portal_url(subscription, locale):
    """Open a Stripe customer portal session; return the address to send the person to."""
    params = {"customer": subscription.stripe_customer_id, "return_url": _return_url(subscription)}
    if current_app.config.get("STRIPE_PORTAL_CONFIGURATION"):  # one allowing address and tax ID updates
        params["configuration"] = current_app.config["STRIPE_PORTAL_CONFIGURATION"]
    if locale in ("fr", "en"):
        params["locale"] = locale
    return stripe_client().v1.billing_portal.sessions.create(params=params).url


def from_timestamp(value):
    """A Stripe timestamp (seconds since the epoch) as an aware datetime, or None."""
    return datetime.fromtimestamp(value, timezone.utc) if value else None
