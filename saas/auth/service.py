"""Account and membership operations; they flush, the request or job commits."""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from saas import db, tenancy
from saas.auth import sessions
from saas.auth.models import Agency, Invitation, Membership, User
from saas.db import utcnow
from saas.i18n import default_zone_name
from saas.passwords import hash_password, needs_rehash, verify_password
from saas.signals import agency_created, invitation_accepted


class TokenError(Exception):
    """A signed link that is invalid, expired or already used."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired" or "used"


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"relais-{purpose}")


def find_user_by_id(user_id):
    """Return the user with this id, or None (None and non-numbers too)."""
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def find_user_by_email(email):
    """Return the user with this (normalised) email, or None."""
    return db.session.scalar(select(User).where(User.email == email))


def register_user(email, name, password, locale=None, confirmed=True):
    """Create a person's account; `confirmed=False` when nothing yet proves the email is theirs."""
    user = User(email=email, name=name, password_hash=hash_password(password), locale=locale,
                email_confirmed_at=utcnow() if confirmed else None)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email, password):
    """Return the user when the password matches, else None (constant work either way)."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.signed_in_before = user.last_login_at is not None  # read by the new-device mail (known_devices.py)
    user.last_login_at = utcnow()
    return user


def set_password(user, password):
    """Set a new password and end every session made with the old one (the caller opens a fresh one)."""
    user.password_hash = hash_password(password)
    sessions.revoke_all(user.id)


def slug_taken(slug):
    """Tell whether an agency already uses this slug."""
    return db.session.scalar(select(func.count()).select_from(Agency).where(Agency.slug == slug)) > 0


def create_agency(name, slug, owner):
    """Create an agency with `owner` as its first owner."""
    agency = Agency(name=name, slug=slug, timezone=default_zone_name())
    db.session.add(agency)
    db.session.flush()
    with tenancy.agency_scope(agency.id):
        db.session.add(Membership(agency_id=agency.id, user_id=owner.id, role="owner", pole="both"))
        db.session.flush()
        agency_created.send(agency)  # billing starts the trial
    return agency


def agency_timezone(agency_id):
    """An agency's zone setting, or None when there is no such agency (read by saas.i18n)."""
    agency = db.session.get(Agency, agency_id)
    return agency.timezone if agency is not None else None


def memberships_of(user):
    """Every agency this person belongs to, with the role, for the switcher."""
    with tenancy.all_agencies():
        rows = db.session.execute(
            select(Membership, Agency)
            .join(Agency, Agency.id == Membership.agency_id)
            .where(Membership.user_id == user.id)
            .order_by(Agency.name)
        ).all()
    return [(membership, agency) for membership, agency in rows]


def members_of_agency():
    """The current agency's memberships, owners first."""
    order = {"owner": 0, "admin": 1, "member": 2, "guest": 3}
    members = db.session.scalars(select(Membership).join(Membership.user)).all()
    return sorted(members, key=lambda m: (order[m.role], m.user.name.lower()))


def count_owners():
    """How many owners the current agency has."""
    return db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == "owner"))


def is_last_owner(membership):
    """Tell whether this membership is the agency's only owner."""
    return membership.role == "owner" and count_owners() <= 1


def change_role(membership, role, pole):
    """Change a member's role and pole; the last owner keeps the role."""
    if role != "owner" and is_last_owner(membership):
        return False
    membership.role = role
    membership.pole = pole if role == "member" else ("both" if role in ("owner", "admin") else None)
    return True


def remove_member(membership, removed_by=None):
    """Remove someone from the agency; the last owner cannot be removed.

    The removed person's sessions end too (not when people remove themselves).
    """
    if is_last_owner(membership):
        return False
    db.session.delete(membership)
    if removed_by is None or removed_by.id != membership.user_id:
        sessions.revoke_all(membership.user_id)
    return True


def create_invitation(email, role, pole, invited_by):
    """Record an invitation of `email` into the current agency."""
    max_age = current_app.config["INVITATION_MAX_AGE"]
    invitation = Invitation(
        email=email, role=role, pole=pole if role == "member" else None,
        invited_by_id=invited_by.id, expires_at=utcnow() + timedelta(seconds=max_age),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def pending_invitations():
    """Invitations of the current agency not yet accepted, revoked or expired."""
    return db.session.scalars(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())
    ).all()


def invitation_token(invitation):
    """The signed token of an invitation link."""
    return _serializer("invite").dumps({"a": invitation.agency_id, "i": invitation.id, "n": invitation.nonce})


def load_invitation(token):
    """Return (agency, invitation) for a link's token; raise TokenError otherwise.

    The agency is set as current on success, so the caller works inside it.
    """
    max_age = current_app.config["INVITATION_MAX_AGE"]
    try:
        data = _serializer("invite").loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError("expired") from None
    except BadSignature:
        raise TokenError("invalid") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("a", "i")):
        raise TokenError("invalid")
    agency = db.session.get(Agency, data["a"])
    if agency is None:
        raise TokenError("invalid")
    tenancy.set_agency(agency.id)
    invitation = db.session.get(Invitation, data.get("i"))
    if invitation is None or invitation.nonce != data.get("n") or invitation.revoked_at:
        raise TokenError("invalid")
    if invitation.accepted_at:
        raise TokenError("used")
    if invitation.expires_at <= utcnow():
        raise TokenError("expired")
    return agency, invitation


def accept_invitation(invitation, user):
    """Join the invitation's agency as `user`; the link then stops working."""
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    if membership is None:
        membership = Membership(user_id=user.id, role=invitation.role, pole=invitation.pole)
        db.session.add(membership)
    invitation.accepted_at = utcnow()
    db.session.flush()
    invitation_accepted.send(invitation, membership=membership)  # a feature may act on it (guests: their clients)
    return membership


def reset_token(user):
    """The signed token of a password-reset link; a password change voids it."""
    return _serializer("reset").dumps({"u": user.id, "p": user.password_hash[-16:]})


def _load_user_token(purpose, token, max_age_setting):
    """Read a signed link's payload and its user (`u`); raise TokenError when forged, expired or unknown."""
    try:
        data = _serializer(purpose).loads(token, max_age=current_app.config[max_age_setting])
    except SignatureExpired:
        raise TokenError("expired") from None
    except BadSignature:
        raise TokenError("invalid") from None
    user_id = data.get("u") if isinstance(data, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise TokenError("invalid")
    return data, user


def load_reset_token(token):
    """Return the user of a reset link; raise TokenError when invalid, expired or used."""
    data, user = _load_user_token("reset", token, "TOKEN_MAX_AGE")
    if user.password_hash[-16:] != data.get("p"):
        raise TokenError("used")
    return user


def confirm_email(user):
    """Record that the person received a link at their address (once)."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()


def confirmation_token(user):
    """The signed token of a signup confirmation link; it stops working once the address is confirmed."""
    return _serializer("confirm").dumps({"u": user.id, "e": user.email})


def load_confirmation_token(token):
    """Return the (unconfirmed) user of a confirmation link; raise TokenError otherwise."""
    data, user = _load_user_token("confirm", token, "CONFIRMATION_MAX_AGE")
    if user.email != data.get("e"):
        raise TokenError("invalid")
    if user.email_confirmed_at is not None:
        raise TokenError("used")
    return user


def email_change_token(user, new_email):
    """The signed token of the link mailed to a new address; it stops working once the address changes."""
    return _serializer("email-change").dumps({"u": user.id, "e": user.email, "n": new_email})


def load_email_change_token(token):
    """Return (user, new address) of an address-change link; raise TokenError when invalid, expired or used."""
    data, user = _load_user_token("email-change", token, "CONFIRMATION_MAX_AGE")
    new_email = data.get("n")
    if not isinstance(new_email, str) or not new_email:
        raise TokenError("invalid")
    if user.email != data.get("e"):
        raise TokenError("used")
    return user, new_email


def change_email(user, new_email):
    """Give the account its new (confirmed) address; raise Conflict when another account took it meanwhile."""
    from saas.domain import Conflict

    if find_user_by_email(new_email) is not None:
        raise Conflict(_l("Another Relais account uses this address now: ask for the change again with another one."))
    user.email, user.email_confirmed_at = new_email, utcnow()


def resend_token(user):
    """A short-lived signed token that lets someone who just gave the right password ask for a new link."""
    return _serializer("resend").dumps(user.id)


def load_resend_token(token):
    """Return the unconfirmed user of a resend token, or None."""
    try:
        user_id = _serializer("resend").loads(token or "", max_age=3600)
    except BadSignature:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.email_confirmed_at is None else None
