"""Mail jobs of the client portal (queue `mail`): the guest invitation, and "awaiting your approval"."""
from flask import current_app
from sqlalchemy import select

from saas import db
from saas.auth.models import Agency, Invitation, User
from saas.auth.service import invitation_token
from saas.jobs import task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail
from tenants.boards.models import BoardCard
from tenants.clients.models import Client
from tenants.guests.models import GuestClient


@task(queue="mail", retry=MAIL_RETRY)
def send_guest_invitation_email(invitation_id, agency_id, locale=None):
    """Send a guest their invitation link, in the language chosen for them."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return "skipped"
    agency = db.session.get(Agency, agency_id)
    inviter = db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    clients = db.session.scalars(select(Client).join(GuestClient, GuestClient.client_id == Client.id)
                                 .where(GuestClient.invitation_id == invitation.id).order_by(Client.name)).all()
    link = absolute_url("auth.accept_invitation", token=invitation_token(invitation), lang=locale)
    subject, body, html = render_mail(
        "guest_invitation", locale, agency=agency, inviter=inviter, clients=clients, link=link,
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )
    send_mail(invitation.email, subject, body, html)
    return "sent"


@task(queue="mail", retry=MAIL_RETRY)
def send_approval_request_email(card_id, agency_id):
    """Tell the guests of a card's client that it awaits their approval, each in their language."""
    from tenants.guests.service import guest_memberships_of_client  # late: the service imports the web layer

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
