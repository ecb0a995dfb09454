"""Billing state of each agency, and the Stripe events already received."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped

LIVE_STATUSES = ("trialing", "active", "past_due")


class Subscription(TenantScoped, Base):
    """An agency's plan and where its Stripe subscription stands (one row per agency)."""

    __tablename__ = "subscriptions"
    __tenant_args__ = (
        UniqueConstraint("agency_id"),
        CheckConstraint("plan IN ('solo','agency','network')", name="plan"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str] = mapped_column(String(20))
    # Stripe's subscription status; "trialing" with no Stripe subscription is our own free trial.
    status: Mapped[str] = mapped_column(String(24), default="trialing")
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trial_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when owners were told our trial ends
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a scheduled cancellation (Stripe's cancel_at)
    billing_interval: Mapped[str | None] = mapped_column(String(5))  # "month" or "year" (None: our free trial)
    vat_number: Mapped[str | None] = mapped_column(String(40))  # the customer's tax ID, as Checkout or the portal set it
    past_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    invoice_status: Mapped[str | None] = mapped_column(String(20))
    invoice_amount: Mapped[int | None] = mapped_column(Integer)
    invoice_currency: Mapped[str | None] = mapped_column(String(3))
    invoice_url: Mapped[str | None] = mapped_column(String(1000))
    invoice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def has_stripe_subscription(self):
        """Tell whether a Stripe subscription (rather than our free trial) drives this row."""
        return self.stripe_subscription_id is not None

    @property
    def ends_at(self):
        """When a scheduled cancellation ends the subscription (cancel_at, or the period's end), else None."""
        if self.cancel_at:
            return self.cancel_at
        return self.current_period_end if self.cancel_at_period_end else None


class Invoice(TenantScoped, Base):
    """One Stripe invoice of the agency, as its last event described it (the billing page's history)."""

    __tablename__ = "invoices"
    __tenant_args__ = (UniqueConstraint("agency_id", "stripe_invoice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_invoice_id: Mapped[str] = mapped_column(String(255))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[str | None] = mapped_column(String(100))
    # "paid", "payment_failed", "action_required", or Stripe's own status (draft, open, void, uncollectible)
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(Integer, default=0)  # cents, excluding VAT
    tax: Mapped[int] = mapped_column(Integer, default=0)  # cents of VAT
    total: Mapped[int] = mapped_column(Integer, default=0)  # cents, VAT included
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the invoice's own date (Stripe's created)
    hosted_url: Mapped[str | None] = mapped_column(String(1000))
    pdf_url: Mapped[str | None] = mapped_column(String(1000))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the newest event applied: older ones change nothing


class StripeEvent(Base):
    """A Stripe event received by the webhook: stored once, processed once (platform-wide)."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    stripe_created: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(40))
