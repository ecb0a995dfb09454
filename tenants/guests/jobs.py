"""Mail jobs of the client portal (queue `mail`): the guest invitation, and "awaiting your approval"."""
from sqlalchemy import select

from saas import db
from saas.auth.jobs import mail_invitation
from saas.auth.models import Agency
from saas.jobs import task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail
from tenants.boards.models import BoardCard
from tenants.clients.models import Client
from tenants.guests.models import GuestClient
from tenants.guests.service import guest_memberships_of_client


def _invited_clients(invitation):
    """The clients a guest invitation covers, by name, for its mail."""
    return {"clients": db.session.scalars(
        select(Client).join(GuestClient, GuestClient.client_id == Client.id)
        .where(GuestClient.invitation_id == invitation.id).order_by(Client.name)).all()}


@task(queue="mail", retry=MAIL_RETRY)
def send_guest_invitation_email(invitation_id, agency_id, locale=None):
    """Send a guest their invitation link, in the language chosen for them (the link keeps it)."""
    return mail_invitation(invitation_id, agency_id, locale, "guest_invitation", link_args={"lang": locale},
                           context=_invited_clients)


@task(queue="mail", retry=MAIL_RETRY)
def send_approval_request_email(card_id, agency_id):
    """Tell the guests of a card's client that it awaits their approval, each in their language."""
    card = db.session.get(BoardCard, card_id)
    if card is None or card.approval_state != "awaiting" or not card.client_visible:
        return "skipped"
    agency = db.session.get(Agency, agency_id)
    client = card.board.client
    link = absolute_url("portal.card", agency_slug=agency.slug, card_id=card.id)
    guests = guest_memberships_of_client(client.id)
    for membership in guests:
        subject, body, html = render_mail("approval_request", membership.user.locale, agency=agency, card=card,
                                          client=client, link=link, guest=membership.user)
        send_mail(membership.user.email, subject, body, html)
    return f"sent to {len(guests)}"
