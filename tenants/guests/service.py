"""Guest accounts: invite a client's people, give them clients, list them, revoke them.

Guests are memberships with the role "guest" (never a paid seat, see saas/billing/limits.py);
which clients they see is kept in guest_clients, first on the invitation, then on the
membership once the invitation is accepted. Functions flush; the request commits.
"""
from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from saas import db, domain
from saas.auth import service as accounts
from saas.auth.models import Invitation, Membership, User
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.guests.models import GuestClient


def invitation_problem(email):
    """Tell why `email` cannot be invited as a guest now, or None."""
    membership = db.session.scalar(select(Membership).join(Membership.user).where(User.email == email))
    if membership is not None and membership.role != "guest":
        return _l("This person is a member of the agency's team: they already see every client.")
    if membership is not None:
        return _l("This person is already a guest: change their clients in the list of guests.")
    if any(invitation.email == email for invitation, _clients in pending_guest_invitations()):
        return _l("An invitation is already waiting for this address: send it again from the list.")
    return None


def invite_guest(email, clients, inviter):
    """Record a guest invitation covering `clients`."""
    invitation = accounts.create_invitation(email, "guest", None, inviter)
    for client in clients:
        db.session.add(GuestClient(invitation_id=invitation.id, client_id=client.id))
    db.session.flush()
    return invitation


def attach_guest(invitation, membership):
    """Give a guest who accepted `invitation` the clients it covers (added to any they had).

    Connected to saas.signals.invitation_accepted (tenants/guests/__init__.py).
    """
    if invitation.role != "guest" or membership.role != "guest":
        return
    wanted = set(db.session.scalars(select(GuestClient.client_id).where(GuestClient.invitation_id == invitation.id)))
    held = set(db.session.scalars(select(GuestClient.client_id).where(GuestClient.membership_id == membership.id)))
    for client_id in sorted(wanted - held):
        db.session.add(GuestClient(membership_id=membership.id, client_id=client_id))
    membership.user.last_login_at = utcnow()  # accepting signs the guest in
    db.session.flush()


def _clients_by(column, holder_ids):
    """Map each invitation or membership id to its clients, by name."""
    grouped = defaultdict(list)
    if not holder_ids:
        return grouped
    rows = db.session.execute(
        select(column, Client).join(Client, Client.id == GuestClient.client_id)
        .where(column.in_(holder_ids)).order_by(Client.name)).all()
    for holder_id, client in rows:
        grouped[holder_id].append(client)
    return grouped


def list_guests():
    """List every guest of the agency with their clients, by name: [(membership, [client, ...])]."""
    guests = db.session.scalars(
        select(Membership).join(Membership.user).where(Membership.role == "guest").order_by(User.name)).all()
    clients = _clients_by(GuestClient.membership_id, [m.id for m in guests])
    return [(membership, clients[membership.id]) for membership in guests]


def pending_guest_invitations():
    """List the guest invitations not yet accepted, cancelled or expired, with their clients."""
    invitations = [i for i in accounts.pending_invitations() if i.role == "guest"]
    clients = _clients_by(GuestClient.invitation_id, [i.id for i in invitations])
    return [(invitation, clients[invitation.id]) for invitation in invitations]


def guests_of_client(client_id):
    """Return the guests and the pending guest invitations that cover one client."""
    guests = [(m, clients) for m, clients in list_guests() if any(c.id == client_id for c in clients)]
    pending = [(i, clients) for i, clients in pending_guest_invitations() if any(c.id == client_id for c in clients)]
    return guests, pending


def guest_memberships_of_client(client_id):
    """List the memberships of the guests who see one client (for emails to them)."""
    return db.session.scalars(
        select(Membership).join(GuestClient, GuestClient.membership_id == Membership.id)
        .where(GuestClient.client_id == client_id, Membership.role == "guest")).all()


def find_guest(membership_id):
    """Load a guest membership of the agency; raise NotFound otherwise (a teammate's is not a guest's)."""
    membership = domain.get(Membership, membership_id)
    if membership.role != "guest":
        raise domain.NotFound()
    return membership


def find_guest_invitation(invitation_id):
    """Load a guest invitation of the agency; raise NotFound otherwise."""
    invitation = domain.get(Invitation, invitation_id)
    if invitation.role != "guest":
        raise domain.NotFound()
    return invitation


def set_guest_clients(membership, clients):
    """Make exactly `clients` the ones a guest sees."""
    wanted = {client.id for client in clients}
    db.session.execute(delete(GuestClient).where(
        GuestClient.membership_id == membership.id, GuestClient.client_id.not_in(wanted)))
    held = set(db.session.scalars(select(GuestClient.client_id).where(GuestClient.membership_id == membership.id)))
    for client_id in sorted(wanted - held):
        db.session.add(GuestClient(membership_id=membership.id, client_id=client_id))
    db.session.flush()


def revoke_guest(membership):
    """Remove a guest: the membership goes, so their open sessions reach nothing of the agency."""
    db.session.execute(delete(GuestClient).where(GuestClient.membership_id == membership.id))
    db.session.delete(membership)
    db.session.flush()


def cancel_invitation(invitation):
    """Cancel a pending invitation; its link stops working."""
    invitation.revoked_at = invitation.revoked_at or utcnow()
