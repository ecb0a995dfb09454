"""People, agencies, memberships and invitations."""
import secrets
from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.db import Base, UTCDateTime, utcnow
from saas.tenancy import TenantScoped

ROLES = ("owner", "admin", "member", "guest")
POLES = ("rp", "cm", "both")
MANAGER_ROLES = ("owner", "admin")


class User(Base):
    """A person who signs in; may belong to several agencies."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None until the person follows the link mailed at signup (or another link sent to this address).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (saas/auth/two_factor.py): the TOTP secret once confirmed, the last 30-second
    # step accepted (no code twice), the SHA-256 hashes of the unused recovery codes.
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    recovery_codes: Mapped[list | None] = mapped_column(JSON)

    # Flask-Login protocol
    is_active = True
    is_anonymous = False
    is_authenticated = True
    # Set for the signed-in person of a request (saas/auth/sessions.py): the session record and its key.
    current_session = None
    session_key = None

    def get_id(self):
        """The key of the session record this person is signed in with (never the user id)."""
        if self.session_key is None:
            raise RuntimeError("sign people in through saas.auth.sessions.open_session()")
        return self.session_key


class Agency(Base):
    """An agency: one isolated workspace."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    color: Mapped[str] = mapped_column(String(7), default="#4f46e5")
    # Every time shown or written for the agency (pages, mails, exports, cards) is in this zone;
    # a new agency starts in the platform's (saas.auth.service.create_agency).
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The owner asks every staff member to sign in with a second factor (saas/auth/two_factor.py).
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An owner deleted the agency (saas/gdpr): read-only until then, restorable, purged after (migration 0023).
    purge_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deletion_requested_by: Mapped[str | None] = mapped_column(String(254))
    # The agency's logo on its reports, press reviews and client portal (saas/auth/logo.py): a PNG re-encoded
    # from the upload, at most 600 px wide. Deferred: only the logo's own route and the PDFs read the bytes;
    # `logo_updated_at` (read with every agency) tells whether there is one and versions its address.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Membership(TenantScoped, Base):
    """A person's place in an agency: role, and pole for members."""

    __tablename__ = "memberships"
    __tenant_args__ = (
        UniqueConstraint("agency_id", "user_id"),
        CheckConstraint("role IN ('owner','admin','member','guest')", name="role"),
        CheckConstraint("pole IS NULL OR pole IN ('rp','cm','both')", name="pole"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    pole: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_manager(self):
        """Owners and admins manage the team and settings."""
        return self.role in MANAGER_ROLES


class Invitation(TenantScoped, Base):
    """A pending invitation to join an agency, accepted once through a signed link."""

    __tablename__ = "invitations"
    __tenant_args__ = (
        CheckConstraint("role IN ('owner','admin','member','guest')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10))
    pole: Mapped[str | None] = mapped_column(String(5))
    nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    invited_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(Base):
    """One signed-in browser: the session and remember-me cookies carry `<id>:<secret>`.

    Only a hash of the secret is kept. Revoking the record (logout, "sign out", password
    change, removal from an agency) refuses both cookies at their next request.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when this browser passed it

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Passkey(Base):
    """A passkey (WebAuthn credential) of a person: a second factor, or a sign-in without a password.

    Only the public key is kept (with the authenticator's signature counter, checked at each use);
    the private key never leaves the person's device or password manager.
    """

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url, as browsers send it
    public_key: Mapped[str] = mapped_column(String(2000))  # COSE key, base64url
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(80))
    transports: Mapped[list] = mapped_column(JSON, default=list)
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
