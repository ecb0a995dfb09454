"""The notifications page, the bell, reading, and the email choice."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import Form, StringField

from saas.forms import read
from saas.views import get_or_404
from tenants.boards.notifications import bp, preferences, service
from tenants.boards.notifications.models import EMAIL_MODES, Notification


def own_notification_or_404(notification_id):
    """A notification of the signed-in member, or 404 (someone else's is not theirs to read)."""
    notification = get_or_404(Notification, notification_id)
    if notification.membership_id != g.membership.id:
        abort(404)
    return notification


@bp.get("/")
def index():
    """The signed-in member's notifications, newest first, and their email choice."""
    return render_template("boards/notifications.html", notifications=service.list_notifications(g.membership),
                           email_mode=preferences.email_mode(g.membership), modes=EMAIL_MODES)


@bp.get("/bell")
def bell():
    """The bell of the top bar with its count (polled to stay current)."""
    return render_template("boards/_bell.html", unread=service.count_unread(g.membership))


@bp.post("/<int:notification_id>/open")
def open_notification(notification_id):
    """Mark a notification as read and go to its card."""
    notification = own_notification_or_404(notification_id)
    service.mark_read(notification)
    return redirect(url_for("boards.show_card", card_id=notification.card_id))


@bp.post("/read")
def read_all():
    """Mark every notification as read."""
    service.mark_all_read(g.membership)
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


class EmailModeForm(Form):
    """How notifications arrive by email: one of the page's choices (any other value is a tampered form: 400)."""

    email_mode = StringField(filters=[lambda mode: mode if mode in EMAIL_MODES else None])


@bp.post("/settings")
def settings():
    """Choose how notifications arrive by email: each one, a daily digest, or none."""
    mode = read(EmailModeForm, request.form)[0]["email_mode"]
    if mode is None:
        abort(400)
    preferences.set_email_mode(g.membership, mode)
    flash(_("Your email choice is saved."), "success")
    return redirect(url_for("notifications.index"))
