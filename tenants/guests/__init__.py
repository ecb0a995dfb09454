"""Client guests: invitations, the client portal, approvals and what the agency shares with clients.

Two blueprints: `guests` is the staff side (the Guests page, a card's client thread and
approval, sharing mentions); `portal` is what guests open (every view marked guest_allowed,
every object loaded through tenants/guests/access.py).
"""
from flask import Blueprint

from saas.web import layout_loader, page_extra

bp = Blueprint("guests", __name__, url_prefix="/a/<agency_slug>/guests")
portal_bp = Blueprint("portal", __name__, url_prefix="/a/<agency_slug>/portal")


def client_side(card):
    """A card's client thread and the staff who wrote in it (the card panel's client section)."""
    from tenants.guests.approvals import list_client_comments, staff_authors

    thread = list_client_comments(card)
    return thread, staff_authors(thread)


def _client_guests(client):
    """The guests and pending guest invitations of a client (its page)."""
    from tenants.guests.service import guests_of_client

    return guests_of_client(client.id)


def _portal_clients(membership):
    """The clients of the portal's top bar (guests' pages; read by the page's view already, most often)."""
    if membership.role != "guest":
        return None
    from tenants.guests.access import reachable_clients

    return reachable_clients()


page_extra("card_panel", "client_side")(client_side)
page_extra("client_page", "client_guests")(_client_guests)
layout_loader("portal_clients")(_portal_clients)



def init_app(app):
    """Plug the guests in: both sides' views; an accepted guest invitation gives its clients."""
    from saas.signals import invitation_accepted
    from tenants.guests import card_routes, portal_routes, routes, service  # noqa: F401  (views attach to bp)

    invitation_accepted.connect(service.attach_guest)
    app.register_blueprint(bp)
    app.register_blueprint(portal_bp)
