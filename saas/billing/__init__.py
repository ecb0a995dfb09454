"""Billing: plans, limits, Stripe Checkout / customer portal / webhooks."""
from flask import Blueprint

bp = Blueprint("billing", __name__)

from saas.billing import routes  # noqa: E402,F401  (registers the views)
