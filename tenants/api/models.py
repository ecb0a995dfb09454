"""Agency API tokens: only the SHA-256 of the secret is kept; the secret is shown once."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, tenant_fk

SCOPES = ("read", "write")


class ApiToken(TenantScoped, Base):
    """A token an owner or admin created for scripts and integrations (read, or read and write; one client or all)."""

    __tablename__ = "api_tokens"
    __tenant_args__ = (UniqueConstraint("agency_id", "token_hash"), tenant_fk("client_id", "clients"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64))
    hint: Mapped[str] = mapped_column(String(12))  # the last characters, to recognise a token in the list
    scope: Mapped[str] = mapped_column(String(5), default="read")
    client_id: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def usable(self, now):
        """Tell whether the token may still be used at `now`."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
