"""Each member's choice of notification emails: instant, a daily digest, or none."""
from sqlalchemy import select

from saas import db
from tenants.boards.notifications.models import EMAIL_MODES, NotificationPreference


def email_mode(membership):
    """How this member wants notification emails: instant, digest or off."""
    mode = db.session.scalar(select(NotificationPreference.email_mode)
                             .where(NotificationPreference.membership_id == membership.id))
    return mode or "instant"


def set_email_mode(membership, mode):
    """Record how this member wants notification emails."""
    if mode not in EMAIL_MODES:
        raise ValueError(mode)
    preference = db.session.scalar(select(NotificationPreference)
                                   .where(NotificationPreference.membership_id == membership.id))
    if preference is None:
        preference = NotificationPreference(membership_id=membership.id)
        db.session.add(preference)
    preference.email_mode = mode
    db.session.flush()
