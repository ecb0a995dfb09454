"""The client portal: what guests open. Every view is guest_allowed and loads through access.py."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from saas.pagecache import cached_page
from saas.views import guest_allowed
from saas.web import page_extras
from saas.forms import clean_comment
from tenants.guests import approvals, portal
from tenants.guests import portal_bp as bp
from tenants.guests.access import (is_guest, portal_card_or_404, portal_client_or_404, reachable_client_ids,
                                   reachable_clients, require_guest)

NOT_AWAITING = _l("This item is not awaiting your approval any more.")


def render_client(client):
    """Render a client's page of the portal: approvals waiting, cards, and what is said about the brand."""
    cards = portal.visible_cards({client.id})
    return render_template(
        "guests/portal_client.html", client=client, cards=cards,
        awaiting=[card for card in cards if card.approval_state == "awaiting"],
        comment_counts=portal.client_comment_counts(cards), summary=portal.monitoring_summary(client),
        mentions=portal.shared_mentions(client), preview=not is_guest(), **page_extras("portal_client", client))


def render_card(card, errors=None, form=None, status=200):
    """Render a card of the portal with its client thread; a refused form comes back as typed."""
    comments = approvals.list_client_comments(card)
    return render_template(
        "guests/portal_card.html", card=card, client=card.board.client, comments=comments,
        staff_authors=approvals.staff_authors(comments), errors=errors or {}, form=form or {},
        preview=not is_guest(), **page_extras("portal_card", card)), status


@bp.get("/")
@guest_allowed
@cached_page
def home():
    """Show the portal's start: the one client's page, or every client the guest follows."""
    clients = reachable_clients()
    if len(clients) == 1:
        return render_client(clients[0])
    cards = portal.visible_cards(reachable_client_ids())
    return render_template("guests/portal_home.html", clients=clients, cards=cards,
                           awaiting=[card for card in cards if card.approval_state == "awaiting"],
                           preview=not is_guest())


@bp.get("/clients/<int:client_id>")
@guest_allowed
@cached_page
def client(client_id):
    """Show one client's page of the portal."""
    return render_client(portal_client_or_404(client_id))


@bp.get("/cards/<int:card_id>")
@guest_allowed
def card(card_id):
    """Show one client-visible card, its status and its client thread."""
    return render_card(portal_card_or_404(card_id))


@bp.post("/cards/<int:card_id>/comments")
@guest_allowed
def comment(card_id):
    """Write to the agency in a card's client thread."""
    card = portal_card_or_404(card_id)
    require_guest()
    body, problem = clean_comment(request.form)
    if problem:
        return render_card(card, {"body": problem}, request.form, 422)
    approvals.add_client_comment(card.board, card, body, current_user)
    flash(_("Your message has been sent to the agency."), "success")
    return redirect(url_for("portal.card", card_id=card.id, _anchor="thread"))


@bp.post("/cards/<int:card_id>/approve")
@guest_allowed
def approve(card_id):
    """Approve a card that awaits the client's decision."""
    card = portal_card_or_404(card_id)
    require_guest()
    try:
        approvals.decide_approval(card.board, card, current_user, approved=True)
    except approvals.NotAwaiting:
        return render_card(card, {"decision": NOT_AWAITING}, status=409)
    flash(_("Thank you: “%(title)s” is approved.", title=card.title), "success")
    return redirect(url_for("portal.card", card_id=card.id))


@bp.post("/cards/<int:card_id>/changes")
@guest_allowed
def request_changes(card_id):
    """Ask for changes on a card that awaits approval; saying what to change is required."""
    card = portal_card_or_404(card_id)
    require_guest()
    body, problem = clean_comment(request.form)
    if problem:
        errors = {"changes": _l("Tell the agency what to change.") if not body else problem}
        return render_card(card, errors, request.form, 422)
    try:
        approvals.decide_approval(card.board, card, current_user, approved=False, comment=body)
    except approvals.NotAwaiting:
        return render_card(card, {"decision": NOT_AWAITING}, request.form, 409)
    flash(_("Your request for changes has been sent to the agency."), "success")
    return redirect(url_for("portal.card", card_id=card.id))
