"""Billing views: the billing page, Checkout and portal redirects, plan changes, the Stripe webhook."""
import logging
import time

import stripe
from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from redis.exceptions import RedisError
from wtforms import Form, IntegerField, StringField
from wtforms.validators import Optional

from saas import db, params
from saas.billing import bp, service
from saas.billing.access import render_refusal
from saas.billing.events import copy_subscription, record_event, verify_event
from saas.billing.jobs import process_stripe_event
from saas.billing.limits import LimitReached, limit_notice, usage_for_layout, usage_report
from saas.billing.plans import INTERVALS, PLANS, TRIAL_DAYS, get_plan
from saas.billing.stripe_api import hosted_page_origins
from saas.extensions import csrf
from saas.forms import read
from saas.pagecache import cached_page
from saas.jobs import enqueue
from saas.views import require_role
from saas.web import content_security_policy, layout_count
from saas.audit import service as audit_trail

log = logging.getLogger("relais.billing")
WORKSPACE = "/a/<agency_slug>/billing"
PREVIEW_VALID = 3600  # seconds a proration preview may be confirmed after it was shown
STRIPE_DOWN = _l("Stripe could not be reached. Nothing has changed; please try again in a moment.")


@bp.get(f"{WORKSPACE}/")
@require_role("owner", "admin")
@cached_page
def index():
    """The plan, usage against each limit, trial days left, subscription and invoice status."""
    state = g.billing
    context = {"state": state, "plans": PLANS, "returned": params.choice_arg("checkout", ("success", "cancel")),
               "trial_days": TRIAL_DAYS}
    if state.enabled:
        context["usage"] = usage_report(state.plan)
        context["live"] = service.is_live(state.subscription)
        context["invoices"] = service.invoice_history()
    response = make_response(render_template("billing/index.html", **context))
    response.headers["Content-Security-Policy"] = content_security_policy(hosted_page_origins())
    return response


def _checkout_refusal(plan, interval, subscription):
    """Why Checkout cannot open for `plan` and `interval`: (message, category) to flash, or None."""
    if not service.billing_enabled():
        return _("Billing is off on this Relais: there is nothing to pay."), "info"
    if service.is_live(subscription) and subscription.plan == plan.key and service.interval_of(subscription) == interval:
        return _("You are already on the %(plan)s plan.", plan=plan.name), "info"
    if subscription.stripe_subscription_id and subscription.status == "incomplete":  # a second one would charge twice
        return _("Your first payment is still being processed (a SEPA debit takes a few days): your subscription "
                 "starts as soon as it is confirmed."), "info"
    if not plan.price_for(interval):
        log.error("no Stripe price configured for plan %s (%s, %s)", plan.key, plan.price_setting, interval)
        return _("This plan cannot be bought right now. Please contact us."), "error"
    return None


class PlanForm(Form):
    """The plan and interval chosen on the billing page: one of its buttons (any other value is a tampered
    form: 400). No interval means monthly."""

    plan = StringField(filters=[lambda key: get_plan(key or "")])
    interval = StringField(filters=[lambda value: (value or "month") if (value or "month") in INTERVALS else None])


def read_plan_choice(formdata):
    """(plan, interval) chosen in `formdata`; 400 when either is not one the page offers."""
    values = read(PlanForm, formdata)[0]
    if values["plan"] is None or values["interval"] is None:
        abort(400)
    return values["plan"], values["interval"]


@bp.post(f"{WORKSPACE}/checkout")
@require_role("owner", "admin")
def checkout():
    """Send the person to Stripe Checkout to subscribe to the chosen plan; a paying agency gets the preview of
    the change to its subscription instead (confirmed through `change`)."""
    plan, interval = read_plan_choice(request.form)
    subscription = g.billing.subscription
    refusal = _checkout_refusal(plan, interval, subscription)
    if refusal:
        flash(*refusal)
        return redirect(url_for("billing.index"))
    if service.is_live(subscription):  # a paying agency changes its subscription: never a second Checkout
        return _preview_page(plan, interval, subscription)
    try:
        url = service.create_checkout_url(subscription, plan, interval, current_user.email, str(get_locale()))
    except stripe.StripeError:
        log.exception("Stripe Checkout session failed")
        flash(STRIPE_DOWN, "error")
        return redirect(url_for("billing.index"))
    audit_trail.record("billing_changed", plan.name, {"step": "checkout", "interval": interval})
    return redirect(url, code=303)


class ChangeForm(PlanForm):
    """A confirmed plan change: the plan, the interval and the moment its proration was previewed."""

    proration_date = IntegerField(validators=[Optional()])


def _change_refusal(plan, interval, subscription):
    """Why the subscription cannot move to `plan` / `interval` here: (message, category), or None."""
    refusal = _checkout_refusal(plan, interval, subscription)
    if refusal:
        return refusal
    if not service.is_live(subscription):
        return _("Choose a plan first: billing details appear once you have subscribed."), "info"
    return None


def _preview_page(plan, interval, subscription):
    """The page showing what a change costs now (Stripe's proration preview), to confirm or not."""
    try:
        preview = service.preview_change(subscription, plan, interval)
    except stripe.StripeError:
        log.exception("Stripe proration preview failed")
        flash(STRIPE_DOWN, "error")
        return redirect(url_for("billing.index"))
    return render_template("billing/change.html", state=g.billing, preview=preview,
                           current_interval=service.interval_of(subscription))


@bp.post(f"{WORKSPACE}/change")
@require_role("owner", "admin")
def change():
    """Apply a previewed change to the agency's one subscription (prorated, invoiced once, at once)."""
    values, errors = read(ChangeForm, request.form)
    plan, interval, proration_date = values["plan"], values["interval"], values["proration_date"]
    if plan is None or interval is None or "proration_date" in errors:
        abort(400)
    subscription = g.billing.subscription
    refusal = _change_refusal(plan, interval, subscription)
    if refusal:
        flash(*refusal)
        return redirect(url_for("billing.index"))
    now = int(time.time())
    if proration_date is None or not now - PREVIEW_VALID <= proration_date <= now:
        flash(_("The price shown was more than an hour old: here it is again, computed now."), "info")
        return _preview_page(plan, interval, subscription)
    try:
        remote = service.change_plan(subscription, plan, interval, proration_date)
    except stripe.StripeError:
        log.exception("Stripe subscription update failed")
        flash(STRIPE_DOWN, "error")
        return redirect(url_for("billing.index"))
    subscription = service.current_subscription(for_update=True)
    copy_subscription(subscription, remote)
    audit_trail.record("billing_changed", plan.name, {"step": "plan change", "interval": interval})
    if remote.get("pending_update"):
        flash(_("The payment for the change needs your confirmation: your plan changes once it is paid."), "info")
    else:
        flash(_("You are now on the %(plan)s plan.", plan=plan.name), "success")
    return redirect(url_for("billing.index"))


@bp.post(f"{WORKSPACE}/portal")
@require_role("owner", "admin")
def portal():
    """Send the person to the Stripe customer portal: card, invoices, cancellation."""
    subscription = g.billing.subscription
    if subscription is None or not subscription.stripe_customer_id:
        flash(_("Choose a plan first: billing details appear once you have subscribed."), "info")
        return redirect(url_for("billing.index"))
    try:
        url = service.create_portal_url(subscription, str(get_locale()))
    except stripe.StripeError:
        log.exception("Stripe portal session failed")
        flash(STRIPE_DOWN, "error")
        return redirect(url_for("billing.index"))
    return redirect(url, code=303)


@bp.post("/billing/webhook")
@csrf.exempt
def webhook():
    """Receive a Stripe event: check its signature on the raw body, store it once, queue it."""
    if not service.billing_enabled():
        abort(404)
    try:
        event = verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except (ValueError, stripe.SignatureVerificationError):
        return {"error": "invalid payload or signature"}, 400
    row, is_new = record_event(event)
    if row.processed_at is not None:
        return {"status": row.outcome if is_new else "duplicate"}
    db.commit()  # the job must find the stored event, so it is committed before it is queued
    try:
        enqueue(process_stripe_event, row.id, job_id=f"stripe-event-{row.id}")
    except RedisError:  # answer 503: Stripe delivers the event again, and it is queued then
        log.exception("could not queue stripe event %s", row.id)
        return {"error": "queue unavailable"}, 503
    return {"status": "queued"}


@bp.app_errorhandler(LimitReached)
def limit_reached(exc):
    """Refuse a creation past the plan's limit with the way to upgrade."""
    return render_refusal(_l("Plan limit reached"), exc.message)


def format_price(amount, currency="EUR", cents=False):
    """A price in the person's language: 119 € / €119, or 119,50 € for invoice amounts."""
    if cents:
        return format_currency(amount / 100, currency.upper())
    pattern = get_locale().currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, currency.upper(), format=pattern, currency_digits=False)


@bp.app_context_processor
def _billing_helpers():
    """Give templates the banner's limit notice and price formatting."""
    return {"billing_limit_notice": limit_notice, "format_price": format_price}


layout_count("billing_usage")(usage_for_layout)  # the banner's "all N used" notice, read with the layout
