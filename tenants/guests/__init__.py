"""Client guests: invitations, the client portal, approvals and what the agency shares with clients.

Two blueprints: `guests` is the staff side (the Guests page, a card's client thread and
approval, sharing mentions); `portal` is what guests open (every view marked guest_allowed,
every object loaded through tenants/guests/access.py).
"""
from flask import Blueprint

bp = Blueprint("guests", __name__, url_prefix="/a/<agency_slug>/guests")
portal_bp = Blueprint("portal", __name__, url_prefix="/a/<agency_slug>/portal")


def _staff_helpers():
    """Give staff templates elsewhere (card panel, client page) what they read from this feature."""
    from tenants.guests.approvals import list_client_comments, staff_authors
    from tenants.guests.service import guests_of_client

    return {"client_thread": list_client_comments, "staff_authors_of": staff_authors, "client_guests": guests_of_client}


def _portal_clients():
    """Return the clients of the portal's top bar."""
    from tenants.guests.access import reachable_clients

    return reachable_clients()


bp.app_context_processor(_staff_helpers)
portal_bp.add_app_template_global(_portal_clients, "portal_clients")



def init_app(app):
    """Plug the guests in: both sides' views; an accepted guest invitation gives its clients."""
    from saas.signals import invitation_accepted
    from tenants.guests import card_routes, portal_routes, routes, service  # noqa: F401  (views attach to bp)

    invitation_accepted.connect(service.attach_guest)
    app.register_blueprint(bp)
    app.register_blueprint(portal_bp)
