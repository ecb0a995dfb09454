"""Access follows the subscription: full, a grace period, or read-only (data always kept).

`enforce_billing_access` runs once per workspace request (from saas/web.py): it is the
one place that refuses state changes in a read-only workspace.
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l

from saas.billing import service
from saas.billing.models import Subscription
from saas.billing.plans import GRACE_DAYS, get_plan
from saas.db import utcnow
from saas.htmx import is_htmx

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
READ_ONLY_REASONS = {
    "trial_ended": _l("the free trial has ended"),
    "canceled": _l("the subscription has been cancelled"),
    "past_due": _l("the last payment failed and the 7-day grace period is over"),
    "unpaid": _l("the subscription is unpaid"),
    "paused": _l("the subscription is paused until a payment method is added"),
}


@dataclass
class BillingState:
    """Where the current agency stands: what it may do, and why."""

    enabled: bool
    level: str = "full"  # "full", "grace" or "read_only"
    reason: str | None = None  # "trial", "active", "past_due", "trial_ended", "canceled", "paused", "unpaid"
    subscription: Subscription | None = None
    trial_days_left: int | None = None
    grace_ends_at: datetime | None = None

    @property
    def plan(self):
        """The agency's plan (None when billing is off)."""
        return get_plan(self.subscription.plan) if self.subscription else None

    @property
    def read_only_reason(self):
        """Why the workspace is read-only, in the person's language."""
        return READ_ONLY_REASONS.get(self.reason, READ_ONLY_REASONS["unpaid"])


def assess(subscription, now):
    """Return (level, reason) for a subscription row at time `now`."""
    trial_running = subscription.trial_ends_at is not None and now < subscription.trial_ends_at
    if subscription.stripe_subscription_id is None:
        return ("full", "trial") if trial_running else ("read_only", "trial_ended")
    if subscription.status in ("active", "trialing"):
        return "full", "active"
    if subscription.status == "past_due":
        if now < (subscription.past_due_since or now) + timedelta(days=GRACE_DAYS):
            return "grace", "past_due"
        return "read_only", "past_due"
    if trial_running:  # a failed first payment never shortens the free trial
        return "full", "trial"
    if subscription.status in ("canceled", "paused"):
        return "read_only", subscription.status
    return "read_only", "unpaid"


def billing_state(now=None):
    """Compute the current agency's BillingState (no query when billing is off)."""
    if not service.billing_enabled():
        return BillingState(enabled=False)
    now = now or utcnow()
    subscription = service.current_subscription()
    level, reason = assess(subscription, now)
    state = BillingState(True, level, reason, subscription)
    if reason == "trial":
        state.trial_days_left = max(0, math.ceil((subscription.trial_ends_at - now) / timedelta(days=1)))
    if reason == "past_due":
        state.grace_ends_at = (subscription.past_due_since or now) + timedelta(days=GRACE_DAYS)
    return state


def enforce_billing_access():
    """Remember the billing state; refuse every state change while the workspace is read-only."""
    state = g.billing = billing_state()
    # The agency's data rights (its export, its deletion and restoring it) stay open in a read-only workspace.
    if state.level != "read_only" or request.method in SAFE_METHODS or request.blueprint in ("billing", "agency_data"):
        return None
    message = _l("This workspace is read-only: %(reason)s. Your data is kept and stays readable.",
                 reason=state.read_only_reason)
    return render_refusal(_l("Read-only workspace"), message)


def render_refusal(title, message):
    """Answer 402 with a clear message and the way to the billing page (a fragment for htmx)."""
    template = "billing/_refusal.html" if is_htmx() else "billing/refusal.html"
    return render_template(template, title=title, message=message), 402
