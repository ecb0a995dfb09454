"""Stripe webhook events: verified and stored once by the web, applied later by a job.

Ordering: events may arrive late, twice or out of order. Whatever the event says about a
subscription, the job re-reads the subscription from Stripe and copies its current state,
so applying an old event never moves an agency backwards. Each invoice is kept in `invoices`
as its newest event describes it; the billing page's "last invoice" is the newest invoice of
the agency's current subscription (an invoice of a replaced one never overwrites it).

An invoice event whose customer is not linked to an agency yet is linked through the agency id
in its subscription's metadata; if nothing names an agency, it waits (outcome
"waiting_for_agency", not processed) and is applied as soon as an event links its customer.
"""
import json
import logging

import stripe
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas import db, tenancy
from saas.auth.models import Agency
from saas.billing import notices, service
from saas.billing.models import LIVE_STATUSES, Invoice, StripeEvent, Subscription
from saas.billing.plans import price_plan
from saas.billing.stripe_api import stripe_client
from saas.db import utcnow

log = logging.getLogger("relais.billing")

HANDLED_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "customer.tax_id.created",
    "customer.tax_id.updated",
    "customer.tax_id.deleted",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_action_required",
    "invoice.voided",
    "invoice.marked_uncollectible",
)
WAITING = "waiting_for_agency"  # an invoice event no agency could be found for yet: applied once one is
INVOICE_STATUSES = {"invoice.paid": "paid", "invoice.payment_failed": "payment_failed",
                    "invoice.payment_action_required": "action_required"}
FINAL_STATUSES = ("paid", "void")  # an invoice in one of these never goes back to open


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


def _invoice_metadata(invoice):
    """The subscription's metadata as the invoice carries it (agency_id is ours)."""
    details = (invoice.get("parent") or {}).get("subscription_details") or invoice.get("subscription_details") or {}
    return details.get("metadata") or {}


def _fits(value, length):
    """A text of Stripe's, cut to its column's length (None when absent)."""
    return value[:length] if isinstance(value, str) and value else None


def _address(value, length=1000):
    """A Stripe page address (hosted invoice, PDF): kept if it is https and fits its column, else None."""
    return value if isinstance(value, str) and value.startswith("https://") and len(value) <= length else None


def _record_invoice(subscription, invoice, event):
    """Keep the invoice in the agency's history (its newest event wins); show it as the last invoice when it
    belongs to the agency's current subscription."""
    event_at = service.from_timestamp(event["created"])
    stripe_subscription_id = _invoice_subscription_id(invoice)
    row = db.session.scalar(select(Invoice).where(Invoice.stripe_invoice_id == invoice["id"]))
    status = INVOICE_STATUSES.get(event["type"]) or invoice.get("status") or "open"
    if row is not None and (row.event_at > event_at or row.status in FINAL_STATUSES and status not in FINAL_STATUSES):
        return  # an older event (events of one second included: a paid invoice is never open again)
    if row is None:
        row = Invoice(stripe_invoice_id=invoice["id"], agency_id=subscription.agency_id)
        db.session.add(row)
    row.stripe_subscription_id = stripe_subscription_id
    row.number = _fits(invoice.get("number"), 100)
    row.status = status
    row.currency = (invoice.get("currency") or "eur")[:3]
    row.total = invoice.get("total") if invoice.get("total") is not None else invoice.get("amount_due") or 0
    row.tax = service.invoice_tax(invoice)
    row.subtotal = invoice.get("subtotal") if invoice.get("subtotal") is not None else row.total - row.tax
    row.issued_at = service.from_timestamp(invoice.get("created")) or event_at
    row.hosted_url = _address(invoice.get("hosted_invoice_url"))
    row.pdf_url = _address(invoice.get("invoice_pdf"))
    row.event_at = event_at
    if event["type"] not in INVOICE_STATUSES:
        return
    current = subscription.stripe_subscription_id
    if current and stripe_subscription_id and stripe_subscription_id != current and subscription.status in LIVE_STATUSES:
        return  # an invoice of a replaced subscription: history only
    if subscription.invoice_at and event_at < subscription.invoice_at:
        return  # an older invoice event than the one shown: keep the newest
    paid = event["type"] == "invoice.paid"
    subscription.invoice_status = row.status
    subscription.invoice_amount = invoice.get("amount_paid") if paid else invoice.get("amount_due")
    subscription.invoice_currency = row.currency
    subscription.invoice_url = row.hosted_url
    subscription.invoice_at = event_at


def _claimed_agency(obj, kind):
    """The agency id an event's object names itself (ours, in metadata or client_reference_id), or None."""
    if kind.startswith("checkout.session."):
        return _agency_ref(obj.get("client_reference_id")) or _agency_ref((obj.get("metadata") or {}).get("agency_id"))
    if kind.startswith("customer.subscription."):
        return _agency_ref((obj.get("metadata") or {}).get("agency_id"))
    if kind.startswith("invoice."):
        claimed = _agency_ref(_invoice_metadata(obj).get("agency_id"))
        stripe_subscription_id = _invoice_subscription_id(obj)
        if claimed is None and stripe_subscription_id:  # an invoice made before the metadata was copied onto it
            try:
                remote = stripe_client().v1.subscriptions.retrieve(stripe_subscription_id).to_dict()
            except stripe.InvalidRequestError:  # no such subscription: nothing names an agency
                return None
            claimed = _agency_ref((remote.get("metadata") or {}).get("agency_id"))
        return claimed
    return None


def apply_event(event):
    """Apply one stored event to the agency it concerns; return what was done."""
    obj, kind = event["data"]["object"], event["type"]
    agency_id = find_agency_id(obj.get("customer"))
    if agency_id is None:
        agency_id = find_agency_id(obj.get("customer"), _claimed_agency(obj, kind))
    if agency_id is None:
        if kind.startswith("invoice.") and obj.get("customer"):
            log.info("stripe event %s (%s) waits for its customer to be linked", event["id"], kind)
            return WAITING
        log.warning("stripe event %s (%s) matches no agency", event["id"], kind)
        return "no_agency"
    with tenancy.agency_scope(agency_id):
        outcome = _apply_to_agency(event, obj, kind)
        db.session.flush()  # write while the agency is still set
    return outcome


def _apply_waiting(customer_id):
    """Apply the invoice events that waited for this customer to be linked (the current agency's now)."""
    waiting = db.session.scalars(select(StripeEvent).where(StripeEvent.outcome == WAITING,
                                                           StripeEvent.processed_at.is_(None))
                                 .order_by(StripeEvent.stripe_created).with_for_update()).all()
    for row in waiting:
        obj = row.payload["data"]["object"]
        if obj.get("customer") == customer_id:
            row.outcome = _apply_to_agency(row.payload, obj, row.type)
            row.processed_at = utcnow()


def _apply_to_agency(event, obj, kind):
    """Apply an event to the current agency's subscription row."""
    subscription = service.current_subscription(for_update=True)
    linked = subscription.stripe_customer_id is None and obj.get("customer")
    subscription.stripe_customer_id = subscription.stripe_customer_id or obj.get("customer")
    outcome = _apply(subscription, event, obj, kind)
    if linked:
        _apply_waiting(obj["customer"])
    return outcome


def _tax_id_value(value):
    """A tax ID's value as shown (FR12345678901), cut to its column; None when absent."""
    return value.strip()[:40] or None if isinstance(value, str) else None


def _apply(subscription, event, obj, kind):
    if kind.startswith("customer.tax_id."):  # the VAT number, changed in the portal
        value = _tax_id_value(obj.get("value"))
        if kind == "customer.tax_id.deleted":
            subscription.vat_number = None if subscription.vat_number == value else subscription.vat_number
        else:
            subscription.vat_number = value
        return "tax_id_recorded"
    if kind == "checkout.session.completed":
        tax_ids = (obj.get("customer_details") or {}).get("tax_ids") or []
        if tax_ids:  # the VAT number typed in Checkout (it goes on every invoice)
            subscription.vat_number = _tax_id_value(tax_ids[0].get("value"))
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if not obj.get("subscription"):
            return "no_subscription"
        return sync_subscription(subscription, obj["subscription"], replaces=True)
    if kind == "checkout.session.async_payment_failed":
        notices.notify_owners(event["id"], "payment_failed")
        return sync_subscription(subscription, obj["subscription"]) if obj.get("subscription") else "payment_failed"
    if kind == "customer.subscription.trial_will_end":
        outcome = sync_subscription(subscription, obj["id"])
        if outcome.startswith("synced:") and obj.get("trial_end"):
            notices.notify_owners(event["id"], "trial_will_end", ends_at=obj["trial_end"])
        return outcome
    if kind.startswith("customer.subscription."):
        return sync_subscription(subscription, obj["id"])
    _record_invoice(subscription, obj, event)
    link = _address(obj.get("hosted_invoice_url"))  # Stripe's page where the owner pays or confirms (3-D Secure)
    if kind == "invoice.payment_action_required" and link:
        notices.notify_owners(event["id"], "payment_action_required", link=link)
    elif kind == "invoice.payment_failed":
        notices.notify_owners(event["id"], "payment_failed", link=link)
    stripe_subscription_id = _invoice_subscription_id(obj)
    return sync_subscription(subscription, stripe_subscription_id) if stripe_subscription_id else "invoice_recorded"
