"""Staff actions that face the client: a card's approval and client thread, sharing a mention."""
from flask import g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from saas.errors import render_error
from saas.htmx import is_htmx
from saas.jobs import enqueue_after_commit
from saas.urls import safe_next
from saas.views import get_or_404
from saas.forms import clean_comment
from tenants.boards.rendering import board_changed, card_or_404
from tenants.guests import approvals, bp, portal
from tenants.guests.jobs import send_approval_request_email
from tenants.monitoring.models import Mention

APPROVAL_ACTIONS = ("request", "withdraw")


def client_section(card, board, column_ids=()):
    """Answer a change of a card's client side: the section (and changed columns) for htmx, else the card."""
    if not is_htmx():
        return redirect(url_for("boards.show_card", card_id=card.id))
    from tenants.guests import client_side

    html = render_template("guests/_card_client.html", card=card, client_side=client_side(card))
    return html + board_changed(board, {card.column_id, *column_ids})


@bp.post("/cards/<int:card_id>/approval")
def approval(card_id):
    """Ask the client to approve a card, or withdraw the request."""
    card, board = card_or_404(card_id)
    action = request.form.get("action", "")
    if action not in APPROVAL_ACTIONS:
        return render_error(400, _l("Choose to ask for the client's approval or to withdraw the request."))
    if action == "request" and not card.client_visible:
        return render_error(409, _l("Make the card visible to the client before asking for their approval."))
    source_column = card.column_id
    if action == "request":
        approvals.request_approval(board, card, current_user)
        enqueue_after_commit(send_approval_request_email, card.id, agency_id=g.agency.id)
    else:
        approvals.withdraw_approval(board, card)
    return client_section(card, board, {source_column})


@bp.post("/cards/<int:card_id>/client-comments")
def reply(card_id):
    """Write in a card's client thread (the client's guests read it)."""
    card, board = card_or_404(card_id)
    if not card.client_visible:
        return render_error(409, _l("Make the card visible to the client before writing to them."))
    body, problem = clean_comment(request.form)
    if problem:
        return render_error(422, problem)
    approvals.add_client_comment(board, card, body, current_user, notify=False)
    return client_section(card, board)


@bp.post("/mentions/<int:mention_id>/share")
def share_mention(mention_id):
    """Share a mention with the client's guests, or stop sharing it."""
    mention = get_or_404(Mention, mention_id)
    portal.set_mention_shared(mention, request.form.get("shared") == "1")
    if is_htmx():
        return render_template("guests/_share_button.html", mention=mention)
    return redirect(safe_next(request.form.get("next")) or url_for("monitoring.mentions"))
