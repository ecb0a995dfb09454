"""Stripe webhook events: verified and stored once by the web, applied later by a job.

Ordering: events may arrive late, twice or out of order. Whatever the event says about a
subscription, the job re-reads the subscription from Stripe and copies its current state,
so applying an old event never moves an agency backwards. Invoice details are kept only
from the newest invoice event.
"""
import json
import logging

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas import db, tenancy
from saas.auth.models import Agency
from saas.billing import service
from saas.billing.models import LIVE_STATUSES, StripeEvent, Subscription
from saas.billing.plans import price_plan
from saas.billing.stripe_api import stripe_client
from saas.db import utcnow

log = logging.getLogger("relais.billing")

HANDLED_EVENTS = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
)


def verify_event(payload, signature):
    """Check the Stripe-Signature of the raw body; return the event as a dict (raise otherwise)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    stripe.Webhook.construct_event(payload, signature, secret)  # raises SignatureVerificationError
    return json.loads(payload)


def record_event(event):
    """Store an event once; return (row, is_new). A replay returns the stored row."""
    existing = db.session.get(StripeEvent, event["id"])
    if existing is not None:
        return existing, False
    row = StripeEvent(id=event["id"], type=event["type"], payload=event,
                      stripe_created=service.from_timestamp(event["created"]))
    if event["type"] not in HANDLED_EVENTS:
        row.processed_at, row.outcome = utcnow(), "ignored"
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same event, delivered twice at the same moment
        return db.session.get(StripeEvent, event["id"]), False
    return row, True


def _agency_ref(value):
    """Read an agency id we put in client_reference_id or metadata (None if absent)."""
    value = str(value or "")
    return int(value) if value.isdigit() else None


def find_agency_id(customer_id, claimed_agency_id=None):
    """The agency a Stripe customer belongs to; an unknown customer may be claimed once.

    This is the one lookup that spans agencies: it only maps Stripe ids to an agency id.
    """
    with tenancy.all_agencies():
        if customer_id:
            owner = db.session.scalar(select(Subscription.agency_id).where(Subscription.stripe_customer_id == customer_id))
            if owner is not None:
                return owner
        if claimed_agency_id is None or db.session.get(Agency, claimed_agency_id) is None:
            return None
        taken = db.session.scalar(select(Subscription.stripe_customer_id).where(Subscription.agency_id == claimed_agency_id))
    return None if taken else claimed_agency_id


def _first_item(remote):
    """The subscription's first item (Relais sells one price per subscription)."""
    items = (remote.get("items") or {}).get("data") or []
    return items[0] if items else {}


def copy_subscription(subscription, remote):
    """Copy a Stripe subscription's current state onto the agency's row."""
    item = _first_item(remote)
    price = item.get("price") or {}
    plan, interval = price_plan(price.get("id"))
    if plan is not None:
        subscription.plan = plan.key
    else:
        log.warning("subscription %s has a price no plan uses; plan kept", remote["id"])
    subscription.billing_interval = interval or (price.get("recurring") or {}).get("interval")
    subscription.stripe_subscription_id = remote["id"]
    subscription.status = remote["status"]
    subscription.cancel_at_period_end = bool(remote.get("cancel_at_period_end"))
    subscription.cancel_at = service.from_timestamp(remote.get("cancel_at"))
    period_end = item.get("current_period_end") or remote.get("current_period_end")
    subscription.current_period_end = service.from_timestamp(period_end)
    if remote["status"] == "past_due":
        subscription.past_due_since = subscription.past_due_since or utcnow()
    else:
        subscription.past_due_since = None
    subscription.synced_at = utcnow()


def sync_subscription(subscription, stripe_subscription_id, replaces=False):
    """Re-read a Stripe subscription and apply it, unless another live one is the agency's."""
    remote = stripe_client().v1.subscriptions.retrieve(stripe_subscription_id).to_dict()
    if remote.get("customer") != subscription.stripe_customer_id:
        return "customer_mismatch"
    previous = subscription.stripe_subscription_id
    if previous and previous != remote["id"] and subscription.status in LIVE_STATUSES:
        if not replaces or remote["status"] not in LIVE_STATUSES:
            return "other_subscription"
        _cancel_replaced(previous, remote)
    copy_subscription(subscription, remote)
    return f"synced:{remote['status']}"


def _cancel_replaced(previous_id, new_remote):
    """After a plan change through Checkout, end the older subscription (prorated)."""
    client = stripe_client()
    old = client.v1.subscriptions.retrieve(previous_id).to_dict()
    if old["status"] not in ("canceled", "incomplete_expired") and old.get("created", 0) <= new_remote.get("created", 0):
        client.v1.subscriptions.cancel(previous_id, params={"prorate": True})


def _invoice_subscription_id(invoice):
    """The subscription an invoice bills (under parent since API 2025-03-31, at the top before)."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription")


def _record_invoice(subscription, invoice, event):
    """Show an invoice's outcome on the billing page, unless a newer one is shown already."""
    created = service.from_timestamp(event["created"])
    if subscription.invoice_at and created < subscription.invoice_at:
        return  # an older invoice event than the one shown: keep the newest
    paid = event["type"] == "invoice.paid"
    subscription.invoice_status = "paid" if paid else "payment_failed"
    subscription.invoice_amount = invoice.get("amount_paid") if paid else invoice.get("amount_due")
    subscription.invoice_currency = (invoice.get("currency") or "")[:3] or None
    subscription.invoice_url = invoice.get("hosted_invoice_url")
    subscription.invoice_at = created


def apply_event(event):
    """Apply one stored event to the agency it concerns; return what was done."""
    obj, kind = event["data"]["object"], event["type"]
    claimed = None
    if kind == "checkout.session.completed":
        claimed = _agency_ref(obj.get("client_reference_id")) or _agency_ref((obj.get("metadata") or {}).get("agency_id"))
    elif kind.startswith("customer.subscription."):
        claimed = _agency_ref((obj.get("metadata") or {}).get("agency_id"))
    agency_id = find_agency_id(obj.get("customer"), claimed)
    if agency_id is None:
        log.warning("stripe event %s (%s) matches no agency", event["id"], kind)
        return "no_agency"
    with tenancy.agency_scope(agency_id):
        outcome = _apply_to_agency(event, obj, kind)
        db.session.flush()  # write while the agency is still set
    return outcome


def _apply_to_agency(event, obj, kind):
    """Apply an event to the current agency's subscription row."""
    subscription = service.current_subscription(for_update=True)
    subscription.stripe_customer_id = subscription.stripe_customer_id or obj.get("customer")
    if kind == "checkout.session.completed":
        if not obj.get("subscription"):
            return "no_subscription"
        return sync_subscription(subscription, obj["subscription"], replaces=True)
    if kind.startswith("customer.subscription."):
        return sync_subscription(subscription, obj["id"])
    _record_invoice(subscription, obj, event)
    stripe_subscription_id = _invoice_subscription_id(obj)
    return sync_subscription(subscription, stripe_subscription_id) if stripe_subscription_id else "invoice_recorded"
