"""Data for tests: a populated agency (client, extra member, pending invitation)."""
from dataclasses import dataclass

from saas import db, tenancy
from saas.auth import service as accounts
from saas.auth.models import Invitation, Membership
from tenants.clients.models import Client


@dataclass
class Populated:
    """Ids of the objects an agency holds, by URL parameter name."""

    agency: object
    ids: dict
    client_name: str


def populate(app, agency, prefix):
    """Give an agency a client, a second member and a pending invitation."""
    from tests.conftest import PASSWORD

    with app.app_context(), tenancy.agency_scope(agency.id):
        client = Client(name=f"{prefix} Client", sector="Food", website=f"https://{prefix.lower()}.example")
        db.session.add(client)
        user = accounts.register_user(f"member@{agency.slug}.test", f"{prefix} Member", PASSWORD)
        membership = Membership(user_id=user.id, role="member", pole="cm")
        db.session.add(membership)
        owner = db.session.get(accounts.User, agency.owner_id)
        invitation = accounts.create_invitation(f"invitee@{agency.slug}.test", "member", "rp", owner)
        db.session.flush()
        ids = {"client_id": client.id, "membership_id": membership.id, "invitation_id": invitation.id}
        db.commit()
    return Populated(agency, ids, client.name)
