"""Crisis detection data: mention buckets, the detector's watermark, rules, crises, alerts, deliveries.

Every table is a tenant table with composite foreign keys (agency_id, x_id) -> (agency_id, id).
Buckets are derived data: the detector rewrites them from `mentions`, so they can always be rebuilt.
"""
from datetime import datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, SmallInteger, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, tenant_fk
from tenants.clients.models import Client

SENSITIVITIES = ("low", "medium", "high")
RECIPIENT_POLES = ("rp", "cm", "both")
WEBHOOK_FORMATS = ("json", "slack")
CHANNELS = ("email", "webhook", "digest")
DELIVERY_STATUSES = ("pending", "retrying", "sent", "failed")
BUCKET_WIDTHS = (15, 60)  # minutes
ALERT_KINDS = ("crisis", "buzz")  # a negative crisis, or a positive or neutral surge (never a crisis card)


class MentionBucket(TenantScoped, Base):
    """How many mentions (and negative ones) a client's keyword got in one 15-minute or hourly bucket."""

    __tablename__ = "mention_buckets"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "client_id", "width", "start", "keyword_id"),
        tenant_fk("client_id", "clients"), tenant_fk("keyword_id", "keywords"),
        CheckConstraint("width IN (15, 60)", name="width"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    keyword_id: Mapped[int] = mapped_column(Integer, index=True)
    width: Mapped[int] = mapped_column(SmallInteger)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)


class DetectorState(TenantScoped, Base):
    """Where the detector stopped in an agency's mentions (its watermark) and how its last pass went."""

    __tablename__ = "crisis_detector_states"
    __tenant_args__ = (UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_mention_id: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertRule(TenantScoped, Base):
    """When to raise a crisis alert for a client (or one of its keywords), and whom to tell how."""

    __tablename__ = "alert_rules"
    __tenant_args__ = (
        tenant_fk("client_id", "clients"), tenant_fk("keyword_id", "keywords"),
        CheckConstraint("sensitivity IN ('low','medium','high')", name="sensitivity"),
        CheckConstraint("recipient_pole IS NULL OR recipient_pole IN ('rp','cm','both')", name="recipient_pole"),
        CheckConstraint("webhook_format IN ('json','slack')", name="webhook_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    keyword_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    sensitivity: Mapped[str] = mapped_column(String(6), default="medium")
    min_volume: Mapped[int] = mapped_column(Integer, default=10)  # mentions in the last hour
    cooldown_minutes: Mapped[int] = mapped_column(Integer, default=180)
    recipient_pole: Mapped[str | None] = mapped_column(String(5))
    recipient_ids: Mapped[list] = mapped_column(JSON, default=list)  # membership ids
    notify_in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_buzz: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))  # record buzz alerts
    webhook_url: Mapped[str | None] = mapped_column(String(1000))
    webhook_format: Mapped[str] = mapped_column(String(5), default="json")
    secret: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    series_start: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first bucket of the watched series
    last_score: Mapped[float | None] = mapped_column(Float)
    last_evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship(Client, foreign_keys=client_id, viewonly=True, lazy="joined")


class Crisis(TenantScoped, Base):
    """An online crisis of a client: opened by an alert, updated while open, closed by a person."""

    __tablename__ = "crises"
    __tenant_args__ = (
        tenant_fk("client_id", "clients"),
        Index("uq_crises_open_client", "agency_id", "client_id", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
        CheckConstraint("status IN ('open','closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(6), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    peak_score: Mapped[float] = mapped_column(Float, default=0.0)
    last_score: Mapped[float] = mapped_column(Float, default=0.0)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    card_made: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closing_note: Mapped[str] = mapped_column(Text, default="")

    client: Mapped[Client] = relationship(Client, foreign_keys=client_id, viewonly=True, lazy="joined")

    @property
    def is_open(self):
        """A crisis stays open until a person closes it."""
        return self.status == "open"


class CrisisCard(TenantScoped, Base):
    """The board card a crisis opened (the link goes when either is deleted)."""

    __tablename__ = "crisis_cards"
    __tenant_args__ = (UniqueConstraint("agency_id", "crisis_id"), tenant_fk("crisis_id", "crises"),
                       tenant_fk("card_id", "board_cards"))

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(Integer)
    card_id: Mapped[int] = mapped_column(Integer, index=True)


class CrisisAlert(TenantScoped, Base):
    """One rule firing, a crisis (on a crisis) or a buzz (on none): its score, each named part, its evidence."""

    __tablename__ = "crisis_alerts"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "rule_id", "window_start"),  # one alert per (rule, crisis window)
        tenant_fk("rule_id", "alert_rules"), tenant_fk("crisis_id", "crises"),
        CheckConstraint("kind IN ('crisis','buzz')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(6), default="crisis", server_default="crisis")
    crisis_id: Mapped[int | None] = mapped_column(Integer, index=True)  # None for a buzz
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rule: Mapped[AlertRule] = relationship(AlertRule, foreign_keys=rule_id, viewonly=True, lazy="joined")


class AlertDelivery(TenantScoped, Base):
    """One message of an alert (an email, a webhook call, a digest) with its fate: the delivery log."""

    __tablename__ = "alert_deliveries"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "key"),
        tenant_fk("rule_id", "alert_rules"), tenant_fk("alert_id", "crisis_alerts"),
        Index("ix_alert_deliveries_rule", "agency_id", "rule_id", "id"),
        CheckConstraint("channel IN ('email','webhook','digest')", name="channel"),
        CheckConstraint("status IN ('pending','retrying','sent','failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(Integer)
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(1000))  # an email address or a webhook URL
    key: Mapped[str] = mapped_column(String(120))  # what makes it unique: never sent twice
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # membership id, digest alert ids
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)  # in English, for logs
    error_code: Mapped[str | None] = mapped_column(String(40))  # translated where shown (saas/http_errors.py)
    error_params: Mapped[dict | None] = mapped_column(JSON)
    response_status: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def error_message(self):
        """Why the last attempt failed, in the reader's language (None when it did not)."""
        from saas.http_errors import error_text

        return error_text(self.error_code, self.error_params, self.last_error) if self.last_error else None
