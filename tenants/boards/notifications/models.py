"""In-app notifications of board events, and how each member wants them by email."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.auth.models import User
from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped, tenant_fk
from tenants.boards.models import BoardCard

KINDS = ("assigned", "mentioned", "due", "client_comment", "approved", "changes_requested")
EMAIL_MODES = ("instant", "digest", "off")


class Notification(TenantScoped, Base):
    """Something a member should see: an assignment, a mention, a card coming due, a client's word."""

    __tablename__ = "notifications"
    __tenant_args__ = (
        tenant_fk("membership_id", "memberships"),
        tenant_fk("card_id", "board_cards"),
        Index("ix_notifications_recipient_unread", "agency_id", "membership_id", "read_at"),
        CheckConstraint("kind IN ('assigned','mentioned','due','client_comment','approved','changes_requested')",
                        name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer)
    card_id: Mapped[int] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship(User, lazy="joined", viewonly=True)
    card: Mapped[BoardCard] = relationship(BoardCard, foreign_keys=card_id, viewonly=True)


class NotificationPreference(TenantScoped, Base):
    """A member's email choice: each notification, one daily digest, or none."""

    __tablename__ = "notification_preferences"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "membership_id"),
        tenant_fk("membership_id", "memberships"),
        CheckConstraint("email_mode IN ('instant','digest','off')", name="email_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer)
    email_mode: Mapped[str] = mapped_column(String(8), default="instant")
