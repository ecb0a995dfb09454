"""Notifications of board events: the bell, the notifications page, emails and digests."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/a/<agency_slug>/notifications")


def init_app(app):
    """Plug notifications in: their views, due-date reminders and daily digests."""
    from saas.jobs import periodic
    from tenants.boards.notifications import routes  # noqa: F401  (the views attach themselves to bp)
    from tenants.boards.notifications.jobs import remind_due_cards, send_notification_digests

    periodic(remind_due_cards, cron="*/15 * * * *")
    periodic(send_notification_digests, cron="0 7 * * *")
    app.register_blueprint(bp)
