"""What hangs on a card: comments (with @mentions), checklist items and links."""
from sqlalchemy import func, select

from saas import db
from tenants.boards.activity import record_activity
from tenants.boards.mentions import mentioned_members
from tenants.boards.models import CardComment, CardLink, ChecklistItem
from tenants.boards.notifications.service import notify_members
from tenants.boards.service import lock_board


def list_comments(card):
    """A card's comments, oldest first."""
    return db.session.scalars(select(CardComment).where(CardComment.card_id == card.id).order_by(CardComment.id)).all()


def add_comment(board, card, body, actor, members):
    """Comment on a card and notify the members it @mentions."""
    lock_board(board)
    comment = CardComment(card_id=card.id, author_id=actor.id if actor is not None else None, body=body)
    db.session.add(comment)
    db.session.flush()
    record_activity(board, actor, "comment_added", card, title=card.title, column_id=card.column_id)
    notify_members(mentioned_members(body, members), "mentioned", card, actor)
    return comment


def delete_comment(board, card, comment, actor):
    """Delete a comment."""
    lock_board(board)
    db.session.delete(comment)
    record_activity(board, actor, "comment_deleted", card, title=card.title, column_id=card.column_id)
    db.session.flush()


def list_checklist(card):
    """A card's checklist, in order."""
    return db.session.scalars(select(ChecklistItem).where(ChecklistItem.card_id == card.id)
                              .order_by(ChecklistItem.position, ChecklistItem.id)).all()


def add_checklist_item(board, card, text, actor):
    """Add a line at the end of a card's checklist."""
    lock_board(board)
    position = db.session.scalar(select(func.count()).where(ChecklistItem.card_id == card.id))
    item = ChecklistItem(card_id=card.id, text=text, position=position)
    db.session.add(item)
    db.session.flush()
    record_activity(board, actor, "checklist_added", card, title=card.title, item=text, column_id=card.column_id)
    return item


def toggle_checklist_item(board, card, item, actor):
    """Check or uncheck a checklist line."""
    lock_board(board)
    item.done = not item.done
    verb = "checklist_checked" if item.done else "checklist_unchecked"
    record_activity(board, actor, verb, card, title=card.title, item=item.text, column_id=card.column_id)
    db.session.flush()


def remove_checklist_item(board, card, item, actor):
    """Remove a checklist line."""
    lock_board(board)
    db.session.delete(item)
    record_activity(board, actor, "checklist_removed", card, title=card.title, item=item.text,
                    column_id=card.column_id)
    db.session.flush()


def list_links(card):
    """A card's links, oldest first."""
    return db.session.scalars(select(CardLink).where(CardLink.card_id == card.id).order_by(CardLink.id)).all()


def add_link(board, card, values, actor):
    """Attach a web link to a card."""
    lock_board(board)
    link = CardLink(card_id=card.id, **values)
    db.session.add(link)
    db.session.flush()
    record_activity(board, actor, "link_added", card, title=card.title, column_id=card.column_id)
    return link


def remove_link(board, card, link, actor):
    """Remove a link from a card."""
    lock_board(board)
    db.session.delete(link)
    record_activity(board, actor, "link_removed", card, title=card.title, column_id=card.column_id)
    db.session.flush()
