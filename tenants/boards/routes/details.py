"""What hangs on a card: comments, checklist lines and links (each answers its section)."""
from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from saas.auth.service import members_of_agency
from saas.htmx import is_htmx
from saas.views import get_or_404
from tenants.boards import bp, details
from saas.forms import clean_comment
from tenants.boards.forms import clean_checklist_item, clean_link
from tenants.boards.models import CardComment, CardLink, ChecklistItem
from tenants.boards.routes import board_changed, card_or_404, refuse


def section(name, card, board):
    """Answer a change on a card: its section for htmx (and its tile), else the card page."""
    if not is_htmx():
        return redirect(url_for("boards.show_card", card_id=card.id))
    loaders = {"comments": details.list_comments, "checklist": details.list_checklist, "links": details.list_links}
    html = render_template(f"boards/_card_{name}.html", card=card, **{name: loaders[name](card)})
    return html + board_changed(board, {card.column_id})


def child_or_404(model, child_id):
    """A comment, checklist line or link of the agency, with its card and board, or 404."""
    child = get_or_404(model, child_id)
    card, board = card_or_404(child.card_id)
    return child, card, board


@bp.post("/cards/<int:card_id>/comments")
def add_comment(card_id):
    """Comment on a card; @handles notify the members named."""
    card, board = card_or_404(card_id)
    body, problem = clean_comment(request.form)
    if problem:
        return refuse({"body": problem})
    details.add_comment(board, card, body, current_user, members_of_agency())
    return section("comments", card, board)


@bp.post("/comments/<int:comment_id>/delete")
def delete_comment(comment_id):
    """Delete a comment (its author, or an owner or admin)."""
    comment, card, board = child_or_404(CardComment, comment_id)
    if comment.author_id != current_user.id and not g.membership.is_manager:
        abort(403)
    details.delete_comment(board, card, comment, current_user)
    return section("comments", card, board)


@bp.post("/cards/<int:card_id>/checklist")
def add_checklist_item(card_id):
    """Add a line to a card's checklist."""
    card, board = card_or_404(card_id)
    text, problem = clean_checklist_item(request.form)
    if problem:
        return refuse({"text": problem})
    details.add_checklist_item(board, card, text, current_user)
    return section("checklist", card, board)


@bp.post("/checklist/<int:item_id>/toggle")
def toggle_checklist_item(item_id):
    """Check or uncheck a checklist line."""
    item, card, board = child_or_404(ChecklistItem, item_id)
    details.toggle_checklist_item(board, card, item, current_user)
    return section("checklist", card, board)


@bp.post("/checklist/<int:item_id>/delete")
def delete_checklist_item(item_id):
    """Remove a checklist line."""
    item, card, board = child_or_404(ChecklistItem, item_id)
    details.remove_checklist_item(board, card, item, current_user)
    return section("checklist", card, board)


@bp.post("/cards/<int:card_id>/links")
def add_link(card_id):
    """Attach a web link to a card."""
    card, board = card_or_404(card_id)
    values, problem = clean_link(request.form)
    if problem:
        return refuse({"url": problem})
    details.add_link(board, card, values, current_user)
    return section("links", card, board)


@bp.post("/links/<int:link_id>/delete")
def delete_link(link_id):
    """Remove a link from a card."""
    link, card, board = child_or_404(CardLink, link_id)
    details.remove_link(board, card, link, current_user)
    return section("links", card, board)
