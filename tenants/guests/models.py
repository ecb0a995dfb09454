"""Which clients an invited guest covers: first through their invitation, then their membership.

A row belongs either to a pending invitation or to a guest's membership (never both);
accepting the invitation copies its rows onto the membership. Every link is a composite
foreign key (agency_id, x_id), so a guest can never be tied to another agency's client,
and removing the membership (revoking the guest) removes its rows with it.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, tenant_fk


class GuestClient(TenantScoped, Base):
    """One client an invitation (pending) or a guest membership (accepted) gives access to."""

    __tablename__ = "guest_clients"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "invitation_id", "client_id"),
        UniqueConstraint("agency_id", "membership_id", "client_id"),
        tenant_fk("client_id", "clients"),
        tenant_fk("invitation_id", "invitations"),
        tenant_fk("membership_id", "memberships"),
        CheckConstraint("(invitation_id IS NULL) <> (membership_id IS NULL)", name="one_holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, index=True)
    invitation_id: Mapped[int | None] = mapped_column(Integer)
    membership_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
