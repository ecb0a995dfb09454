"""Notifications of board events: the bell, the notifications page, emails and digests."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/a/<agency_slug>/notifications")

from tenants.boards.notifications import routes  # noqa: E402,F401
