"""Create, count, list and read notifications; each member's email choice.

Emails leave through RQ jobs queued only once the transaction has committed
(`enqueue_after_commit`), so the worker always finds the notification it is asked to send.
"""
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from saas import db
from saas.db import utcnow
from saas.jobs import enqueue_after_commit
from tenants.boards.models import BoardCard
from tenants.boards.notifications.mails import send_notification_email
from tenants.boards.notifications.models import Notification


def notify_members(memberships, kind, card, actor):
    """Notify each member (never the actor) about a card; their email follows after commit."""
    created = []
    for membership in memberships:
        if membership.role == "guest" or (actor is not None and membership.user_id == actor.id):
            continue
        notification = Notification(membership_id=membership.id, card_id=card.id, kind=kind,
                                    actor_id=actor.id if actor is not None else None)
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    for notification in created:
        enqueue_after_commit(send_notification_email, notification.id, agency_id=notification.agency_id)
    return created


def unread_query(membership):
    """The count of this member's unread notifications, as a query (the layout merges it into one SELECT)."""
    return select(func.count()).select_from(Notification).where(
        Notification.membership_id == membership.id, Notification.read_at.is_(None))


def count_unread(membership):
    """How many notifications of this member are unread."""
    return db.session.scalar(unread_query(membership))


def list_notifications(membership, limit=60):
    """A member's latest notifications with their cards, newest first."""
    return db.session.scalars(
        select(Notification).where(Notification.membership_id == membership.id)
        .options(selectinload(Notification.card).joinedload(BoardCard.board))
        .order_by(Notification.id.desc()).limit(limit)
    ).all()


def mark_read(notification):
    """Mark one notification as read."""
    notification.read_at = notification.read_at or utcnow()


def mark_all_read(membership):
    """Mark every notification of a member as read."""
    db.session.execute(
        update(Notification).where(Notification.membership_id == membership.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()), execution_options={"synchronize_session": False})
