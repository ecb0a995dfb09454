"""Notification emails (queue `mail`), daily digests, and due-date reminders (periodic)."""
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from saas import db, tenancy
from saas.auth.models import Agency, Membership
from saas.db import utcnow
from saas.i18n import local_moment
from saas.jobs import enqueue, task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail
from tenants.boards.models import BoardCard, BoardColumn
from tenants.boards.notifications.models import Notification, NotificationPreference
from tenants.boards.notifications.service import digest_notifications, email_mode, notify_members

REMIND_AHEAD = timedelta(hours=24)
DAY_REMINDER = time(9, 0)  # a card due on a day (no time) is reminded at 9:00 that morning, agency time


def _card_link(agency, card_id):
    """The absolute address of a card, for emails."""
    return absolute_url("boards.show_card", agency_slug=agency.slug, card_id=card_id)


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
