"""The one place that decides which clients and cards the portal may show to the person asking.

A guest reaches only the clients they were invited to (their guest_clients rows) and, on
those, only the cards marked visible to the client. Staff may open the portal too, as a
read-only preview of what guests see, for every client. Anything else answers 404.
"""
from flask import abort, g
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from saas import db
from saas.views import get_or_404
from tenants.boards.models import BoardCard
from tenants.clients.models import Client
from tenants.guests.models import GuestClient


def is_guest():
    """Tell whether the signed-in person is a guest of the current agency."""
    return g.membership.role == "guest"


def reachable_client_ids():
    """Return the ids of the active clients the portal shows to the signed-in person."""
    return {client.id for client in reachable_clients()}


def reachable_clients():
    """List the clients the portal shows to the signed-in person, by name (one query, once per request)."""
    if "portal_clients" not in g:
        query = select(Client).where(Client.archived_at.is_(None))
        if is_guest():
            query = query.where(Client.id.in_(
                select(GuestClient.client_id).where(GuestClient.membership_id == g.membership.id)))
        g.portal_clients = db.session.scalars(query.order_by(Client.name, Client.id)).all()
    return g.portal_clients


def portal_client_or_404(client_id):
    """Load a client the signed-in person may see in the portal, or answer 404."""
    if client_id not in reachable_client_ids():
        abort(404)
    return get_or_404(Client, client_id)


def portal_card_or_404(card_id):
    """Load a client-visible card of a client the signed-in person may see, or answer 404."""
    card = db.session.scalar(select(BoardCard).where(BoardCard.id == card_id)
                             .options(joinedload(BoardCard.column), joinedload(BoardCard.board)))
    if card is None or not card.client_visible or card.board.client_id not in reachable_client_ids():
        abort(404)
    return card


def require_guest():
    """Refuse (403) a portal action to staff: their preview is read-only."""
    if not is_guest():
        abort(403)
