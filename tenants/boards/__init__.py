"""Shared RP/CM task boards: one board per client, cards, calendar, live updates."""
from flask import Blueprint

bp = Blueprint("boards", __name__, url_prefix="/a/<agency_slug>/boards")

from tenants.boards import display  # noqa: E402

display.register(bp)

# The views attach themselves to `bp`; imported as modules so that tenants.boards.cards
# (the card operations) is never shadowed by tenants.boards.routes.cards (the views).
import tenants.boards.routes.boards  # noqa: E402,F401
import tenants.boards.routes.cards  # noqa: E402,F401
import tenants.boards.routes.columns  # noqa: E402,F401
import tenants.boards.routes.details  # noqa: E402,F401
import tenants.boards.routes.labels  # noqa: E402,F401
import tenants.boards.routes.live  # noqa: E402,F401
import tenants.boards.routes.views  # noqa: E402,F401
