"""The notification emails: one notification now, or a member's unread ones in a daily digest."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from saas import db
from saas.auth.models import Agency, Membership
from saas.db import utcnow
from saas.jobs import task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail
from tenants.boards.models import BoardCard
from tenants.boards.notifications.models import Notification
from tenants.boards.notifications.preferences import email_mode


def _card_link(agency, card_id):
    """The absolute address of a card, for emails."""
    return absolute_url("boards.show_card", agency_slug=agency.slug, card_id=card_id)


def digest_notifications(membership):
    """The notifications a digest should carry: unread and not yet emailed."""
    return db.session.scalars(
        select(Notification).where(Notification.membership_id == membership.id, Notification.read_at.is_(None),
                                   Notification.emailed_at.is_(None))
        .options(selectinload(Notification.card).joinedload(BoardCard.board)).order_by(Notification.id)
    ).all()


@task(queue="mail", retry=MAIL_RETRY)
def send_notification_email(notification_id, agency_id):
    """Email one notification now, when its recipient chose instant emails."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.emailed_at or notification.read_at:
        return "skipped"
    membership = db.session.get(Membership, notification.membership_id)
    if email_mode(membership) != "instant":
        return "left for the digest"
    agency = db.session.get(Agency, agency_id)
    card = notification.card
    subject, body, html = render_mail(
        "board_notification", membership.user.locale, notification=notification, card=card,
        client=card.board.client, agency=agency, link=_card_link(agency, card.id),
    )
    send_mail(membership.user.email, subject, body, html)
    notification.emailed_at = utcnow()
    return "sent"


@task(queue="mail", retry=MAIL_RETRY)
def send_notification_digest(membership_id, agency_id):
    """Email one member the day's notifications they have not read yet, in one message."""
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        return "skipped"
    notifications = digest_notifications(membership)
    if not notifications:
        return "nothing new"
    agency = db.session.get(Agency, agency_id)
    items = [(n, n.card, _card_link(agency, n.card_id)) for n in notifications]
    subject, body, html = render_mail("board_digest", membership.user.locale, items=items, agency=agency,
                                      link=absolute_url("notifications.index", agency_slug=agency.slug))
    send_mail(membership.user.email, subject, body, html)
    for notification in notifications:
        notification.emailed_at = utcnow()
    return "sent"
