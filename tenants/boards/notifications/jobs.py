"""The periodic jobs of notifications: queue the daily digests, remind assignees of cards coming due."""
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from saas import db, tenancy
from saas.db import utcnow
from saas.i18n import local_moment
from saas.jobs import enqueue, task
from tenants.boards.models import BoardCard, BoardColumn
from tenants.boards.notifications.mails import send_notification_digest
from tenants.boards.notifications.models import NotificationPreference
from tenants.boards.notifications.service import notify_members

REMIND_AHEAD = timedelta(hours=24)
DAY_REMINDER = time(9, 0)  # a card due on a day (no time) is reminded at 9:00 that morning, agency time


@task(queue="default")
def send_notification_digests():
    """Queue the daily digest of every member who chose it (all agencies)."""
    with tenancy.all_agencies():
        rows = db.session.execute(select(NotificationPreference.agency_id, NotificationPreference.membership_id)
                                  .where(NotificationPreference.email_mode == "digest")).all()
    today = date.today().isoformat()
    for agency_id, membership_id in rows:
        enqueue(send_notification_digest, membership_id, agency_id=agency_id, job_id=f"digest-{membership_id}-{today}")
    return len(rows)


def reminder_due(card, now):
    """Whether a card's reminder time has come: 24 hours ahead, or 9:00 (agency time) on a due day."""
    if card.due_on is not None:
        return local_moment(card.due_on, DAY_REMINDER) <= now
    return card.due_at <= now + REMIND_AHEAD


@task(queue="default")
def remind_due_cards():
    """Notify the assignees of open cards coming due, once per due date (all agencies).

    A card due at a time is reminded 24 hours ahead; a card due on a day, at 9:00 that
    morning in its agency's zone (a day ends within 24 hours of that, so one window finds both).
    """
    now = utcnow()
    window = (BoardCard.due_at > now, BoardCard.due_at <= now + REMIND_AHEAD, BoardCard.reminded_at.is_(None))
    with tenancy.all_agencies():
        agency_ids = db.session.scalars(select(BoardCard.agency_id).where(*window).distinct()).all()
    reminded = 0
    for agency_id in agency_ids:
        with tenancy.agency_scope(agency_id):
            cards = db.session.scalars(
                select(BoardCard).join(BoardColumn, BoardColumn.id == BoardCard.column_id)
                .where(*window, BoardColumn.done.is_(False)).options(selectinload(BoardCard.assignments))
            ).all()
            for card in (card for card in cards if reminder_due(card, now)):
                notify_members(card.assignees, "due", card, actor=None)
                card.reminded_at = now
                reminded += 1
            db.session.flush()
    return reminded
