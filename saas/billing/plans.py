"""The plans Relais sells, defined in this one place: limits, price shown, Stripe price.

Each limit counts what an agency may hold at once. Guests are free and never count
as seats; pending invitations do, since each becomes a seat when accepted.
"""
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

TRIAL_DAYS = 14  # a new agency tries the middle plan this long, no card needed
GRACE_DAYS = 7  # a past-due subscription keeps full access this long, then read-only
INTERVALS = ("month", "year")  # each plan is sold monthly or yearly (a price of its own per interval)
LIMIT_KINDS = ("clients", "keywords", "seats")
KIND_LABELS = {"clients": _l("Clients"), "keywords": _l("Active keywords"), "seats": _l("Team seats")}
KIND_HINTS = {
    "clients": _l("Active and archived client brands."),
    "keywords": _l("Keywords monitored for your clients."),
    "seats": _l("Owners, admins, members and pending invitations. Guests are free."),
}


@dataclass(frozen=True)
class Plan:
    """One plan: its limits, its prices as shown (excluding VAT), and the settings holding its Stripe prices."""

    key: str
    name: str
    tagline: str
    monthly_eur: int  # shown on the billing page; the amount charged is the Stripe price's
    yearly_eur: int  # two months free against twelve monthly payments
    clients: int
    keywords: int
    seats: int
    price_setting: str  # STRIPE_PRICE_<PLAN>; the yearly price is in STRIPE_PRICE_<PLAN>_YEARLY

    def limit(self, kind):
        """How many `kind` (clients, keywords, seats) this plan allows."""
        return getattr(self, kind)

    @property
    def price_id(self):
        """The Stripe price id of this plan's monthly price, from the configuration (None when unset)."""
        return self.price_for("month")

    def price_for(self, interval):
        """The Stripe price id of this plan for `interval` ("month" or "year"), None when unset."""
        setting = self.price_setting if interval == "month" else f"{self.price_setting}_YEARLY"
        return current_app.config.get(setting) or None

    def amount(self, interval):
        """The price shown for `interval`, in euros excluding VAT."""
        return self.monthly_eur if interval == "month" else self.yearly_eur

    @property
    def yearly_saving(self):
        """What paying yearly saves against twelve monthly payments, in euros."""
        return 12 * self.monthly_eur - self.yearly_eur


PLANS = (
    Plan("solo", _l("Solo"), _l("For a freelancer or a two-person studio."), 39, 390, 3, 25, 2, "STRIPE_PRICE_SOLO"),
    Plan("agency", _l("Agency"), _l("For an agency with its PR and CM poles."), 119, 1190, 15, 150, 10,
         "STRIPE_PRICE_AGENCY"),
    Plan("network", _l("Network"), _l("For groups running many brands at once."), 299, 2990, 50, 600, 30,
         "STRIPE_PRICE_NETWORK"),
)
TRIAL_PLAN = "agency"


def get_plan(key):
    """Return the plan called `key`, or None."""
    return next((plan for plan in PLANS if plan.key == key), None)


def plan_for_price(price_id):
    """Return the plan sold at this Stripe price id (monthly or yearly), or None."""
    return price_plan(price_id)[0]


def price_plan(price_id):
    """Return (plan, interval) of a Stripe price id, or (None, None)."""
    if price_id:
        for plan in PLANS:
            for interval in INTERVALS:
                if plan.price_for(interval) == price_id:
                    return plan, interval
    return None, None
