"""Shared RP/CM task boards: one board per client, cards, calendar, live updates."""
from flask import Blueprint

bp = Blueprint("boards", __name__, url_prefix="/a/<agency_slug>/boards")


def init_app(app):
    """Plug the boards in: their views and template helpers; due days follow the agency's zone."""
    # The views attach themselves to `bp`; imported as modules so that tenants.boards.cards
    # (the card operations) is never shadowed by tenants.boards.routes.cards (the views).
    import tenants.boards.routes.boards  # noqa: F401
    import tenants.boards.routes.cards  # noqa: F401
    import tenants.boards.routes.columns  # noqa: F401
    import tenants.boards.routes.details  # noqa: F401
    import tenants.boards.routes.labels  # noqa: F401
    import tenants.boards.routes.live  # noqa: F401
    import tenants.boards.routes.views  # noqa: F401
    from saas.signals import agency_timezone_changed
    from tenants.boards.cards import realign_due_days

    agency_timezone_changed.connect(realign_due_days)
    app.register_blueprint(bp)
