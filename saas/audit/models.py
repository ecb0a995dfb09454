"""One row per audited action of an agency; the app role may add rows and read them, never change them."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped


class AuditEvent(TenantScoped, Base):
    """Who did what, when, from which address and browser.

    The actor's email is copied: the entry still says who acted after the person left. On
    PostgreSQL the app role holds only SELECT and INSERT on this table (migration 0015); old
    entries go through `relais_purge_audit`, a function that keeps at least 30 days.
    """

    __tablename__ = "audit_events"
    __tenant_args__ = (Index("ix_audit_events_agency_id_created_at", "agency_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
