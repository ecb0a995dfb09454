"""Outbound webhooks: the agency's endpoints and the delivery log (one row per event and endpoint).

A delivery is a row before it is a job: it keeps the exact body (the same bytes on every attempt),
the event id (Standard Webhooks' `webhook-id`, the same for a redelivery), when it is next due
and what the endpoint answered.
"""
from datetime import datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, tenant_fk

# Every event an endpoint may subscribe to (report.ready: a client's stored report has its PDF,
# tenants/dashboards/reports.py).
EVENT_TYPES = ("mention.created", "crisis.opened", "crisis.closed", "buzz.detected", "card.created", "card.moved",
               "approval.decided", "report.ready")
TEST_EVENT = "webhook.test"  # the "send a test event" button
DELIVERY_STATUSES = ("pending", "retrying", "sent", "failed")
SENTIMENTS = ("positive", "neutral", "negative")


class WebhookEndpoint(TenantScoped, Base):
    """An address the agency's events are POSTed to, signed with its secret (Standard Webhooks)."""

    __tablename__ = "webhook_endpoints"
    __tenant_args__ = (tenant_fk("client_id", "clients"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list] = mapped_column(JSON, default=list)
    client_id: Mapped[int | None] = mapped_column(Integer)  # only this client's events; None: every client
    sentiments: Mapped[list] = mapped_column(JSON, default=list)  # mention.created only; empty: every sentiment
    secret: Mapped[str] = mapped_column(String(100))  # whsec_<base64>: kept, since every call is signed with it
    # After a rotation the previous secret signs too (a second signature) for a day, so receivers can switch.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_automatically: Mapped[bool] = mapped_column(Boolean, default=False)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first failed attempt since the last success
    failed_deliveries: Mapped[int] = mapped_column(Integer, default=0)  # deliveries failed for good since then
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def signing_secrets(self, now):
        """The secrets that sign a call now: the current one, and the previous one for a day after a rotation."""
        previous = self.previous_secret if self.previous_secret_until and self.previous_secret_until > now else None
        return [self.secret] + ([previous] if previous else [])

    def wants(self, event_type, client_id=None, sentiment=None):
        """Tell whether this endpoint hears of an event (its type, its client, a mention's sentiment)."""
        if not self.enabled or event_type not in (self.events or []):
            return False
        if self.client_id is not None and client_id is not None and client_id != self.client_id:
            return False
        return not (event_type == "mention.created" and self.sentiments and sentiment not in self.sentiments)


class WebhookDelivery(TenantScoped, Base):
    """One event sent (or to send) to one endpoint, with its fate: the delivery log."""

    __tablename__ = "webhook_deliveries"
    __tenant_args__ = (
        tenant_fk("endpoint_id", "webhook_endpoints"),
        Index("ix_webhook_deliveries_endpoint", "agency_id", "endpoint_id", "id"),
        Index("ix_webhook_deliveries_due", "next_attempt_at",
              postgresql_where=text("status IN ('pending', 'retrying')"),
              sqlite_where=text("status IN ('pending', 'retrying')")),
        CheckConstraint("status IN ('pending','retrying','sent','failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(40))  # webhook-id: msg_<...>, the same for each endpoint and attempt
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON sent
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # a test or a redelivery: goes to a disabled endpoint
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the dispatcher queues it again
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)  # in English, for logs
    error_code: Mapped[str | None] = mapped_column(String(40))  # translated where shown (saas/http_errors.py)
    error_params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(WebhookEndpoint, foreign_keys=endpoint_id, viewonly=True)

    @property
    def error_message(self):
        """Why the last attempt failed, in the reader's language (None when it did not)."""
        from saas.http_errors import error_text

        return error_text(self.error_code, self.error_params, self.last_error) if self.last_error else None
