"""A client brand of the agency."""
from datetime import datetime

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped

SOCIAL_NETWORKS = ("x", "instagram", "linkedin", "facebook", "tiktok", "youtube", "bluesky", "mastodon")


class Client(TenantScoped, Base):
    """A brand the agency works for."""

    __tablename__ = "clients"
    __tenant_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    sector: Mapped[str] = mapped_column(String(80), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    social_handles: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(7), default="#4f46e5")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_archived(self):
        """Archived clients are kept but hidden from daily lists."""
        return self.archived_at is not None
